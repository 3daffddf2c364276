//! `concurrency::process::shared` between real processes: this test binary re-executes itself
//! as the child (`harness = false`; `main` plays the child when `CONCURRENCY_SHARED_ROLE` is
//! set), hands it an arena (an inherited memfd) and the offsets of the objects in it, and
//! checks what each side sees, including a holder killed with SIGKILL.
//!
//! Every wait is bounded: the objects' own waits have timeouts, blocking calls of the parent
//! run on a helper thread joined with a timeout, children are waited for with a deadline and
//! killed after it, each child dies with this process (`PR_SET_PDEATHSIG`) and on its own
//! after 60 s, and a watchdog fails the whole binary (killing its children first) after
//! 240 s. Prints `N passed, N failed`. Ids of the specification (ML-*) are in the names.

#[cfg(not(target_os = "linux"))]
fn main() {}

#[cfg(target_os = "linux")]
fn main() {
    linux::main()
}

#[cfg(target_os = "linux")]
mod child_harness;

#[cfg(target_os = "linux")]
mod linux {
    use concurrency::process::shared::{
        Arena, Array, Condition, Event, Lock, RLock, Semaphore, Value,
    };
    use concurrency::sys::region::RegionHandle;
    use concurrency::Error;
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Child, Command};
    use std::time::{Duration, Instant};

    const ROLE: &str = "CONCURRENCY_SHARED_ROLE";
    const ARENA: &str = "CONCURRENCY_SHARED_ARENA";
    const OFFSETS: &str = "CONCURRENCY_SHARED_OFFSETS";
    const ARG: &str = "CONCURRENCY_SHARED_ARG";
    /// How long one blocking step may take before its test fails.
    const STEP: Duration = Duration::from_secs(20);
    /// A killed holder must be noticed within this (waiters check every 50 ms).
    const DEATH_NOTICED: Duration = Duration::from_secs(2);
    /// Increments per process in the counting tests.
    const INCREMENTS: i64 = 10_000;

    use crate::child_harness::{self, wait, Case};

    pub fn main() {
        if let Ok(role) = std::env::var(ROLE) {
            child(&role);
            return;
        }
        let tests: &[Case] = &[
            (
                "lock_makes_two_processes_increments_exact",
                lock_makes_two_processes_increments_exact,
            ),
            (
                "without_the_lock_two_processes_lose_updates",
                without_the_lock_two_processes_lose_updates,
            ),
            (
                "semaphore_admits_at_most_its_value_across_processes",
                semaphore_admits_at_most_its_value_across_processes,
            ),
            (
                "ml06_event_set_in_one_process_wakes_a_waiter_in_the_other",
                ml06_event_set_in_one_process_wakes_a_waiter_in_the_other,
            ),
            (
                "condition_notify_reaches_a_waiter_in_another_process",
                condition_notify_reaches_a_waiter_in_another_process,
            ),
            (
                "condition_notify_one_wakes_one_of_two_waiting_processes",
                condition_notify_one_wakes_one_of_two_waiting_processes,
            ),
            (
                "ml02_ml03_rlock_held_in_a_child_is_locked_everywhere_and_not_ours_to_release",
                ml02_ml03_rlock_held_in_a_child_is_locked_everywhere_and_not_ours_to_release,
            ),
            (
                "ml02_child_may_not_release_the_parents_rlock",
                ml02_child_may_not_release_the_parents_rlock,
            ),
            (
                "ml03_lock_held_by_a_killed_child_is_owner_died_for_the_waiter",
                ml03_lock_held_by_a_killed_child_is_owner_died_for_the_waiter,
            ),
            (
                "waiter_in_a_child_takes_over_from_a_killed_holder_then_dies_holding_it",
                waiter_in_a_child_takes_over_from_a_killed_holder_then_dies_holding_it,
            ),
            (
                "rlock_of_a_killed_owner_is_owner_died",
                rlock_of_a_killed_owner_is_owner_died,
            ),
            (
                "value_and_array_get_set_and_get_lock_across_processes",
                value_and_array_get_set_and_get_lock_across_processes,
            ),
        ];
        child_harness::run("tests/shared_sync.rs", tests, Duration::from_secs(240));
    }

    // ---------------------------------------------------------------- the parent's side

    /// Starts this binary as a child playing `role` with `arena` and the objects at `offsets`.
    fn spawn(role: &str, arena: &Arena, offsets: &[usize], arg: &str) -> Result<Child, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(exe);
        let handle = arena.handle();
        handle.inherit_in(&mut cmd);
        cmd.env(ROLE, role)
            .env(ARENA, handle.encode())
            .env(
                OFFSETS,
                offsets
                    .iter()
                    .map(|o| o.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .env(ARG, arg);
        let child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        child_harness::track(&child);
        Ok(child)
    }

    /// Waits for `child` and wants exit code 0 (children print why they failed).
    fn exits_ok(child: &mut Child) -> Result<(), String> {
        expect("child's exit code", wait(child, STEP)?.code(), Some(0))
    }

    /// Runs `f` on a helper thread; its result if it ends within `within`.
    fn bounded<T: Send + 'static>(
        within: Duration,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(within)
            .map_err(|_| format!("a blocking call did not return within {within:?}"))
    }

    /// Polls `cond` until it holds, up to [`STEP`].
    fn eventually(what: &str, mut cond: impl FnMut() -> bool) -> Result<(), String> {
        let start = Instant::now();
        while !cond() {
            if start.elapsed() > STEP {
                return Err(format!("never: {what}"));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }

    fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what}: got {got:?}, expected {want:?}"))
        }
    }

    fn e(err: Error) -> String {
        format!("{err:?}")
    }

    /// Two children each add INCREMENTS to a shared Value, starting together (an Event).
    /// Returns the total they reached.
    fn two_counters(role: &str) -> Result<i64, String> {
        let arena = Arena::create(4096).map_err(e)?;
        let lock = Lock::new_in(&arena).map_err(e)?;
        let counter = Value::new_in(&arena, 0i64).map_err(e)?;
        let go = Event::new_in(&arena).map_err(e)?;
        let offsets = [
            lock.handle().offset,
            counter.handle().offset,
            go.handle().offset,
        ];
        let mut a = spawn(role, &arena, &offsets, "")?;
        let mut b = spawn(role, &arena, &offsets, "")?;
        go.set();
        exits_ok(&mut a)?;
        exits_ok(&mut b)?;
        counter.get().map_err(e)
    }

    /// A Lock excludes across processes: two processes that each increment a shared Value
    /// 10 000 times under it (read, then write back plus one) reach exactly 20 000.
    fn lock_makes_two_processes_increments_exact() -> Result<(), String> {
        expect("total", two_counters("count_under_lock")?, 2 * INCREMENTS)
    }

    /// Without the lock around the read-modify-write (CPython's `v.value += 1`: `get` and
    /// `set` each take the Value's lock, but not both together), two processes lose updates.
    /// Whether a given run overlaps is up to the scheduler, so up to 20 runs; one loss shows
    /// it.
    fn without_the_lock_two_processes_lose_updates() -> Result<(), String> {
        let mut totals = Vec::new();
        for _ in 0..20 {
            let total = two_counters("count_get_then_set")?;
            if total > 2 * INCREMENTS {
                return Err(format!("more increments than made: {total}"));
            }
            if total < 2 * INCREMENTS {
                return Ok(());
            }
            totals.push(total);
        }
        Err(format!("no update lost in 20 runs: {totals:?}"))
    }

    /// Semaphore(2) across processes: of three children that each try to take it for 0.5 s,
    /// exactly two succeed while the others hold; once released, the value is 2 again.
    fn semaphore_admits_at_most_its_value_across_processes() -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let sem = Semaphore::new_in(&arena, 2).map_err(e)?;
        let results = Array::new_in(&arena, &[-1i32; 3]).map_err(e)?;
        let done = Event::new_in(&arena).map_err(e)?;
        let offsets = [
            sem.handle().offset,
            results.handle().offset,
            done.handle().offset,
        ];
        let mut children = (0..3)
            .map(|i| spawn("sem_take_and_hold", &arena, &offsets, &i.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        eventually("every child reported", || {
            results.to_vec().is_ok_and(|r| r.iter().all(|&x| x >= 0))
        })?;
        let got = results.to_vec().map_err(e)?;
        expect(
            "children that got a permit",
            got.iter().filter(|&&x| x == 1).count(),
            2,
        )?;
        expect("value while they hold", sem.value(), 0)?;
        expect("a third try here", sem.acquire(false, None), Ok(false))?;
        done.set();
        for c in &mut children {
            exits_ok(c)?;
        }
        expect("value after", sem.value(), 2)
    }

    /// ML-06 across processes: a child sets the event 0.1 s after starting and our `wait()`
    /// returns true; then a child blocked in `wait(10)` is woken by our `set()` (exit 0).
    fn ml06_event_set_in_one_process_wakes_a_waiter_in_the_other() -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let event = Event::new_in(&arena).map_err(e)?;
        let ready = Event::new_in(&arena).map_err(e)?;
        let offsets = [event.handle().offset, ready.handle().offset];
        let mut setter = spawn("event_set_later", &arena, &offsets, "")?;
        let ev = event.clone();
        expect(
            "wait() for the child's set",
            bounded(STEP, move || ev.wait(None))?,
            Ok(true),
        )?;
        exits_ok(&mut setter)?;
        event.clear();
        let mut waiter = spawn("event_wait", &arena, &offsets, "")?;
        expect("the child is about to wait", ready.wait(STEP), Ok(true))?;
        std::thread::sleep(Duration::from_millis(100)); // it blocks in wait() by now
        if waiter.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Err("the waiter returned before the event was set".into());
        }
        event.set();
        exits_ok(&mut waiter)
    }

    /// A child waits on a shared Condition for a flag in a shared Value; our notify, under
    /// the lock after setting the flag, wakes it (it exits 0 if `wait_for` returned true).
    fn condition_notify_reaches_a_waiter_in_another_process() -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let cond = Condition::new_in(&arena).map_err(e)?;
        let flag = Value::new_in(&arena, 0u32).map_err(e)?;
        let offsets = [cond.handle().offset, flag.handle().offset];
        let mut child = spawn("cond_wait_for_flag", &arena, &offsets, "")?;
        eventually("the child waits", || cond.waiters() == 1)?;
        {
            let _held = cond.guard().map_err(e)?;
            flag.get_obj().set(1);
            expect("notify(1) wakes", cond.notify(1), Ok(1))?;
        }
        exits_ok(&mut child)
    }

    /// Two children wait (3 s each) on one Condition; one `notify(1)` wakes exactly one of
    /// them (exit 0: notified), the other times out (exit 4).
    fn condition_notify_one_wakes_one_of_two_waiting_processes() -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let cond = Condition::new_in(&arena).map_err(e)?;
        let offsets = [cond.handle().offset];
        let mut a = spawn("cond_wait_3s", &arena, &offsets, "")?;
        let mut b = spawn("cond_wait_3s", &arena, &offsets, "")?;
        eventually("both children wait", || cond.waiters() == 2)?;
        {
            let _held = cond.guard().map_err(e)?;
            expect("notify(1)", cond.notify(1), Ok(1))?;
        }
        let mut codes = vec![wait(&mut a, STEP)?.code(), wait(&mut b, STEP)?.code()];
        codes.sort();
        expect(
            "exit codes (0 notified, 4 timed out)",
            codes,
            vec![Some(0), Some(4)],
        )
    }

    /// ML-02/ML-03 across processes: an RLock a child holds reads locked here; we may neither
    /// release it (NotOwner) nor take it; after the child releases, we can.
    fn ml02_ml03_rlock_held_in_a_child_is_locked_everywhere_and_not_ours_to_release(
    ) -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let lock = RLock::new_in(&arena).map_err(e)?;
        let held = Event::new_in(&arena).map_err(e)?;
        let done = Event::new_in(&arena).map_err(e)?;
        let offsets = [
            lock.handle().offset,
            held.handle().offset,
            done.handle().offset,
        ];
        let mut child = spawn("rlock_hold_until_done", &arena, &offsets, "")?;
        expect("the child holds it", held.wait(STEP), Ok(true))?;
        expect("locked() here", lock.locked(), true)?;
        expect("release() here", lock.release(), Err(Error::NotOwner))?;
        expect("acquire(false) here", lock.acquire(false, None), Ok(false))?;
        expect("is_owned() here", lock.is_owned(), false)?;
        done.set();
        exits_ok(&mut child)?;
        expect("acquire after", lock.acquire(true, STEP), Ok(true))?;
        lock.release().map_err(e)
    }

    /// ML-02 the other way: the parent holds an RLock; a child's release is refused
    /// (NotOwner; the child exits 0 if so) and the lock stays ours.
    fn ml02_child_may_not_release_the_parents_rlock() -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let lock = RLock::new_in(&arena).map_err(e)?;
        expect("acquire", lock.acquire(true, None), Ok(true))?;
        let mut child = spawn("rlock_release_foreign", &arena, &[lock.handle().offset], "")?;
        exits_ok(&mut child)?;
        expect("still ours", lock.recursion_count(), 1)?;
        lock.release().map_err(e)
    }

    /// A child takes a Lock (ML-03: locked in both) and is killed with SIGKILL while we wait
    /// for it: our wait ends with OwnerDied naming the child within 2 s, and we hold the
    /// lock. (CPython would wait for ever.)
    fn ml03_lock_held_by_a_killed_child_is_owner_died_for_the_waiter() -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let lock = Lock::new_in(&arena).map_err(e)?;
        let held = Event::new_in(&arena).map_err(e)?;
        let offsets = [lock.handle().offset, held.handle().offset];
        let mut holder = spawn("lock_hold_forever", &arena, &offsets, "")?;
        expect("the child holds it", held.wait(STEP), Ok(true))?;
        expect("locked() here", lock.locked(), true)?;
        let (tx, rx) = std::sync::mpsc::channel();
        let l = lock.clone();
        std::thread::spawn(move || {
            let r = l.acquire(true, 30.0);
            let _ = tx.send((r, Instant::now(), l.is_mine()));
        });
        std::thread::sleep(Duration::from_millis(200)); // the acquire waits by now
        if rx.try_recv().is_ok() {
            return Err("the acquire returned while the holder lived".into());
        }
        let killed = Instant::now();
        holder.kill().map_err(|e| e.to_string())?; // not reaped yet: a zombie
        let (r, at, mine) = rx
            .recv_timeout(STEP)
            .map_err(|_| "acquire still blocked after its holder was killed".to_string())?;
        expect(
            "acquire after the kill",
            r,
            Err(Error::OwnerDied { pid: holder.id() }),
        )?;
        let late = at.saturating_duration_since(killed);
        if late > DEATH_NOTICED {
            return Err(format!("the death was noticed after {late:?}"));
        }
        expect("held by the waiter", mine, true)?;
        expect(
            "the holder's end",
            wait(&mut holder, STEP)?.signal(),
            Some(libc::SIGKILL),
        )?;
        lock.release().map_err(e)?;
        expect("free again", lock.acquire(false, None), Ok(true))?;
        lock.release().map_err(e)
    }

    /// The waiter is a child too: holder A is killed, waiter B gets OwnerDied naming A (its
    /// exit code says so) and exits holding the lock without releasing it; then our acquire
    /// gets OwnerDied naming B.
    fn waiter_in_a_child_takes_over_from_a_killed_holder_then_dies_holding_it() -> Result<(), String>
    {
        let arena = Arena::create(4096).map_err(e)?;
        let lock = Lock::new_in(&arena).map_err(e)?;
        let held = Event::new_in(&arena).map_err(e)?;
        let offsets = [lock.handle().offset, held.handle().offset];
        let mut a = spawn("lock_hold_forever", &arena, &offsets, "")?;
        expect("A holds it", held.wait(STEP), Ok(true))?;
        let mut b = spawn(
            "lock_wait_expect_owner_died",
            &arena,
            &offsets,
            &a.id().to_string(),
        )?;
        std::thread::sleep(Duration::from_millis(300)); // B waits by now
        a.kill().map_err(|e| e.to_string())?;
        exits_ok(&mut b)?;
        wait(&mut a, STEP)?;
        let l = lock.clone();
        expect(
            "our acquire",
            bounded(STEP, move || l.acquire(true, 10.0))?,
            Err(Error::OwnerDied { pid: b.id() }),
        )?;
        lock.release().map_err(e)
    }

    /// An RLock whose owner process is killed: the waiter owns it at one level with OwnerDied.
    fn rlock_of_a_killed_owner_is_owner_died() -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let lock = RLock::new_in(&arena).map_err(e)?;
        let held = Event::new_in(&arena).map_err(e)?;
        let offsets = [lock.handle().offset, held.handle().offset];
        let mut holder = spawn("rlock_hold_forever", &arena, &offsets, "")?;
        expect("the child holds it", held.wait(STEP), Ok(true))?;
        expect("not ours", lock.acquire(true, 0.1), Ok(false))?;
        holder.kill().map_err(|e| e.to_string())?;
        let l = lock.clone();
        let (r, count, again) = bounded(STEP, move || {
            let r = l.acquire(true, 10.0);
            let count = l.recursion_count();
            (r, count, l.release().and_then(|()| l.release()))
        })?;
        expect("acquire", r, Err(Error::OwnerDied { pid: holder.id() }))?;
        expect("levels", count, 1)?;
        expect("one release frees it", again, Err(Error::NotOwner))?;
        wait(&mut holder, STEP).map(drop)
    }

    /// A Value<f64> and an Array<i64> written here are read in a child, which writes new
    /// numbers (holding get_lock around a read-modify-write) that we then read.
    fn value_and_array_get_set_and_get_lock_across_processes() -> Result<(), String> {
        let arena = Arena::create(4096).map_err(e)?;
        let v = Value::new_in(&arena, 2.5f64).map_err(e)?;
        let a = Array::new_in(&arena, &[10i64, 20, 30]).map_err(e)?;
        let offsets = [v.handle().offset, a.handle().offset];
        let mut child = spawn("value_array", &arena, &offsets, "")?;
        exits_ok(&mut child)?;
        expect("value", v.get(), Ok(3.5))?;
        expect("array", a.to_vec(), Ok(vec![10, 21, -30]))?;
        expect("lock free", v.get_lock().locked(), false)
    }

    // ---------------------------------------------------------------- the child's side

    fn fail(why: impl std::fmt::Display) -> ! {
        eprintln!("child: {why}");
        std::process::exit(2)
    }

    fn ok<T>(r: Result<T, Error>) -> T {
        r.unwrap_or_else(|err| fail(format!("{err:?}")))
    }

    fn child(role: &str) {
        // Die with the parent; and on our own if something went wrong.
        // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and changes no memory.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_secs(60));
            std::process::exit(3);
        });
        let text = std::env::var(ARENA).unwrap_or_else(|_| fail("no arena"));
        let handle = ok(RegionHandle::decode(&text));
        // SAFETY: the parent made this process inherit the fd for this arena, and this is the
        // one place, at start-up, that claims it.
        let arena = ok(unsafe { Arena::from_inherited(handle) });
        let offsets: Vec<usize> = std::env::var(OFFSETS)
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap_or_else(|_| fail("bad offset")))
            .collect();
        let at = |i: usize| *offsets.get(i).unwrap_or_else(|| fail("missing offset"));
        let arg = std::env::var(ARG).unwrap_or_default();
        match role {
            "count_under_lock" | "count_get_then_set" => {
                let lock = ok(Lock::open(&arena, at(0)));
                let counter = ok(Value::<i64>::open(&arena, at(1)));
                let go = ok(Event::open(&arena, at(2)));
                if !ok(go.wait(20.0)) {
                    fail("no start signal");
                }
                for _ in 0..INCREMENTS {
                    if role == "count_under_lock" {
                        let _held = ok(lock.guard());
                        let raw = counter.get_obj();
                        raw.set(raw.get() + 1);
                    } else {
                        ok(counter.set(ok(counter.get()) + 1));
                    }
                }
            }
            "sem_take_and_hold" => {
                let sem = ok(Semaphore::open(&arena, at(0)));
                let results = ok(Array::<i32>::open(&arena, at(1)));
                let done = ok(Event::open(&arena, at(2)));
                let me: usize = arg.parse().unwrap_or_else(|_| fail("bad index"));
                let got = ok(sem.acquire(true, 0.5));
                ok(results.set(me, i32::from(got)));
                if !ok(done.wait(20.0)) {
                    fail("never told to finish");
                }
                if got {
                    ok(sem.release(1));
                }
            }
            "event_set_later" => {
                let event = ok(Event::open(&arena, at(0)));
                std::thread::sleep(Duration::from_millis(100));
                event.set();
            }
            "event_wait" => {
                let event = ok(Event::open(&arena, at(0)));
                let ready = ok(Event::open(&arena, at(1)));
                ready.set();
                if !ok(event.wait(20.0)) {
                    fail("event.wait(20) timed out");
                }
            }
            "cond_wait_for_flag" => {
                let cond = ok(Condition::open(&arena, at(0)));
                let flag = ok(Value::<u32>::open(&arena, at(1)));
                let held = ok(cond.guard());
                if !ok(held.wait_for(|| flag.get_obj().get() == 1, 20.0)) {
                    fail("wait_for timed out");
                }
            }
            "cond_wait_3s" => {
                let cond = ok(Condition::open(&arena, at(0)));
                let held = ok(cond.guard());
                let notified = ok(held.wait(3.0));
                drop(held);
                std::process::exit(if notified { 0 } else { 4 });
            }
            "rlock_hold_until_done" => {
                let lock = ok(RLock::open(&arena, at(0)));
                let held = ok(Event::open(&arena, at(1)));
                let done = ok(Event::open(&arena, at(2)));
                if !ok(lock.acquire(true, 20.0)) || !ok(lock.acquire(true, 20.0)) {
                    fail("could not take the RLock");
                }
                held.set();
                if !ok(done.wait(20.0)) {
                    fail("never told to release");
                }
                ok(lock.release());
                ok(lock.release());
            }
            "rlock_release_foreign" => {
                let lock = ok(RLock::open(&arena, at(0)));
                if !lock.locked() {
                    fail("ML-03: the parent's RLock does not read locked here");
                }
                match lock.release() {
                    Err(Error::NotOwner) => {}
                    other => fail(format!("release of the parent's RLock: {other:?}")),
                }
                if ok(lock.acquire(false, None)) {
                    fail("took the parent's RLock");
                }
            }
            "lock_hold_forever" | "rlock_hold_forever" => {
                let held = ok(Event::open(&arena, at(1)));
                if role == "lock_hold_forever" {
                    let lock = ok(Lock::open(&arena, at(0)));
                    if !ok(lock.acquire(true, 20.0)) || !lock.locked() {
                        fail("could not take the Lock");
                    }
                } else {
                    let lock = ok(RLock::open(&arena, at(0)));
                    if !ok(lock.acquire(true, 20.0)) {
                        fail("could not take the RLock");
                    }
                }
                held.set();
                loop {
                    std::thread::sleep(Duration::from_secs(1)); // until killed
                }
            }
            "lock_wait_expect_owner_died" => {
                let lock = ok(Lock::open(&arena, at(0)));
                let holder: u32 = arg.parse().unwrap_or_else(|_| fail("bad pid"));
                match lock.acquire(true, 20.0) {
                    Err(Error::OwnerDied { pid }) if pid == holder => {}
                    other => fail(format!("acquire: {other:?}, expected OwnerDied({holder})")),
                }
                if !lock.is_mine() {
                    fail("OwnerDied, but the lock is not ours");
                }
                std::process::exit(0); // holding it, on purpose
            }
            "value_array" => {
                let v = ok(Value::<f64>::open(&arena, at(0)));
                let a = ok(Array::<i64>::open(&arena, at(1)));
                if ok(v.get()) != 2.5 || ok(a.to_vec()) != [10, 20, 30] {
                    fail("the parent's numbers are not here");
                }
                {
                    let _held = ok(v.get_lock().guard());
                    let raw = v.get_obj();
                    raw.set(raw.get() + 1.0);
                }
                {
                    let _held = ok(a.get_lock().guard());
                    let raw = a.get_obj();
                    ok(raw.set(1, ok(raw.get(1)) + 1));
                }
                ok(a.set(2, -30));
                if !matches!(a.get(3), Err(Error::InvalidArgument(_))) {
                    fail("index 3 of 3 was not refused");
                }
            }
            other => fail(format!("unknown role {other}")),
        }
    }
}
