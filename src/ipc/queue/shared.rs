//! A process queue's operations on its region: the pipe's byte ring (`ring.rs`) made
//! multi-producer and multi-consumer by two process-shared locks (`shared_lock.rs`), with
//! item counters for `maxsize`, `qsize` and `task_done`, and the repair of what a process
//! killed inside a put or a get leaves behind.
//!
//! # A put and a get
//!
//! | step | put (under the put lock)                        | get (under the get lock)                 |
//! |------|-------------------------------------------------|------------------------------------------|
//! | 1    | resume the writer at the published `Tail`        | resume the reader at the published `Head` |
//! | 2    | log `(Tail, puts)`                               | log `(Head, gets)`                        |
//! | 3    | room for the frame and `puts - gets < maxsize`? else unlock, sleep on `Head`, retry | a frame in the ring? else unlock, sleep on `Tail`, retry |
//! | 4    | `puts += 1`                                      | `gets += 1`                               |
//! | 5    | write the frame, publish `Tail` (one CAS)        | copy the frame out, publish `Head` (one CAS) |
//!
//! Nobody waits while holding a lock: a lock is held for one copy, and a put or get that must
//! wait (for room, for an item) releases it first and sleeps on the ring's word, as the pipe's
//! ends do (the `WAITING` handshake of `ring.rs`: a take wakes sleeping producers, a publish
//! sleeping consumers). `qsize` is `puts - gets`: it counts an item from its reservation
//! (step 4), as CPython's semaphore does, and `gets` moves before `Head`, so a producer woken
//! by a take already sees the slot free.
//!
//! # A holder killed inside its step
//!
//! Each lock's holder changes exactly two things, its counter and its ring word, and logs
//! both (one 64-bit store) before it changes either. The ring word moves by one CAS, so after
//! a death the word shows whether step 5 happened, and the counter is repaired to match:
//! `puts = logged + (Tail moved ? 1 : 0)` (likewise `gets` with `Head`). A holder that died
//! before it logged leaves the previous holder's log, which describes a finished step and
//! gives the same answer. The repair runs in the process that takes the lock over
//! ([`Acquired::OwnerDied`]); that call then returns [`Error::OwnerDied`] having done nothing
//! else, and the queue works as before. The dead process's item is either in the queue, whole,
//! or lost with it (CPython loses a killed process's unsent items too); an item it was taking
//! is either still in the queue or gone with it.

use super::layout::{self, Layout};
use crate::ipc::liveness;
use crate::ipc::memory::{SharedPark, SpanRing};
use crate::ipc::ring::{self, Reader, RingError, Word, Writer, POS_MASK};
use crate::ipc::shared_lock::{self, Acquired, LockError, LockWord, SLICE};
use crate::primitive::{AtomicU32, AtomicU64, Ordering::*};
use crate::sys::futex::{self, WaitOutcome};
use crate::sys::region::SharedRegion;
use crate::time::Deadline;
use crate::Error;
use core::time::Duration;
use std::sync::Arc;

/// How long a non-blocking put or get waits for the lock, which another process holds only
/// for one copy. Past that (the holder is stopped, say) it answers `Full`/`Empty`, as
/// CPython's `get(block=False)` does when another process holds its read lock.
const NOWAIT_LOCK: Duration = Duration::from_secs(1);

/// How many times a put that finds the queue full (or its ring) yields its CPU before it
/// sleeps. A consumer on the other core frees a slot within a fraction of a microsecond; a
/// sleeping producer costs that consumer a futex wake for every item it takes, and the queue
/// then moves one item per sleep and wake. Measured with `benches/process_queue.rs`
/// (`Queue(100)`, a producer process faster than its consumer, 2 loaded cores): no yield
/// 1.8-2.6 µs per item, 4, 16 or 32 yields 0.37 µs (the unbounded queue's pace); 8 taken.
const PUT_YIELDS: u32 = 8;

/// This process's id, the name its locks are held by: cached, since `getpid` is a system call
/// and every put and get takes a lock. Cleared in the child of a `fork()` (the crate never
/// forks, but the program might), which then asks again.
fn me() -> u32 {
    static PID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    static HOOK: std::sync::Once = std::sync::Once::new();
    extern "C" fn forget_in_child() {
        PID.store(0, Relaxed);
    }
    let pid = PID.load(Relaxed);
    if pid != 0 {
        return pid;
    }
    HOOK.call_once(|| {
        // SAFETY: registers a handler that only stores to an atomic (async-signal-safe, as a
        // fork child handler must be); the handler is a plain `extern "C" fn` that lives as
        // long as the program.
        unsafe { libc::pthread_atfork(None, None, Some(forget_in_child)) };
    });
    let pid = std::process::id();
    PID.store(pid, Relaxed);
    pid
}

/// A lock word in the region: the shared futex, and the holder's liveness by its pid.
struct RegionLock<'a>(&'a AtomicU32);

impl LockWord for RegionLock<'_> {
    fn load(&self, o: crate::primitive::Ordering) -> u32 {
        self.0.load(o)
    }
    fn compare_exchange(
        &self,
        current: u32,
        new: u32,
        success: crate::primitive::Ordering,
        failure: crate::primitive::Ordering,
    ) -> Result<u32, u32> {
        self.0.compare_exchange(current, new, success, failure)
    }
    fn wait(&self, expected: u32, timeout: Duration) -> bool {
        futex::shared::wait(self.0, expected, Some(timeout)) == WaitOutcome::TimedOut
    }
    fn wake_all(&self) {
        futex::shared::wake_all(self.0)
    }
    fn alive(&self, pid: u32) -> bool {
        liveness::process_alive(pid)
    }
}

/// A held lock, released on drop (also while unwinding).
struct Held<'a> {
    word: RegionLock<'a>,
    me: u32,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // NotHeld: another process overwrote the word; it is theirs now, nothing to undo.
        let _ = shared_lock::unlock(&self.word, self.me);
    }
}

/// The ring's memory view: always "alive", a queue has no other end.
type Mem<'a> = SpanRing<'a, SharedPark, fn() -> bool>;

fn always() -> bool {
    true
}

fn corrupt(e: RingError) -> Error {
    match e {
        RingError::Corrupt(why) => Error::BadFrame(why),
        RingError::TooLarge { len, max } => Error::FrameTooLarge { len, max },
        // Neither happens on a queue's ring (alive always, no deadline here); say so plainly.
        RingError::PeerGone | RingError::TimedOut => {
            Error::BadFrame("unexpected state of the queue's ring")
        }
    }
}

/// The deadline a lock wait gets: the call's own when it blocks, a short one when it does
/// not (see [`NOWAIT_LOCK`]).
fn lock_deadline(block: bool, deadline: Option<Deadline>) -> Option<Deadline> {
    if block {
        deadline
    } else {
        Some(Deadline::after(NOWAIT_LOCK))
    }
}

/// Whether `deadline` has passed (a retry loop must not outlive it while others keep
/// taking what it found).
fn expired(deadline: Option<Deadline>) -> bool {
    deadline.is_some_and(|d| d.remaining().is_none())
}

/// One queue's region, mapped in this process, and its checked shape.
pub(crate) struct Shared {
    pub(crate) region: Arc<SharedRegion>,
    pub(crate) layout: Layout,
}

impl Shared {
    /// A new queue's region.
    pub(crate) fn create(layout: Layout) -> Result<Shared, Error> {
        let region = SharedRegion::create(layout.size())?;
        layout.write(&region)?;
        Ok(Shared {
            region: Arc::new(region),
            layout,
        })
    }

    /// A queue's region handed to us: its header checked against it.
    pub(crate) fn open(region: Arc<SharedRegion>) -> Result<Shared, Error> {
        let layout = Layout::read(&region)?;
        Ok(Shared { region, layout })
    }

    fn word(&self, at: usize) -> Result<&AtomicU32, Error> {
        self.region.u32_at(at)
    }

    fn log(&self, at: usize) -> Result<&AtomicU64, Error> {
        self.region.u64_at(at)
    }

    fn mem(&self) -> Result<Mem<'_>, Error> {
        let data = self
            .region
            .span(layout::DATA, self.layout.capacity as usize)?;
        SpanRing::new(
            self.word(layout::TAIL)?,
            self.word(layout::HEAD)?,
            data,
            always as fn() -> bool,
        )
        .ok_or(Error::InvalidArgument(
            "queue capacity is not a power of two",
        ))
    }

    /// Takes the lock at `at`. A timeout is `on_timeout`; a dead holder's state is repaired
    /// by `repair` and reported as [`Error::OwnerDied`].
    fn lock(
        &self,
        at: usize,
        deadline: Option<Deadline>,
        on_timeout: Error,
        repair: fn(&Shared) -> Result<(), Error>,
    ) -> Result<Held<'_>, Error> {
        let me = me();
        let word = RegionLock(self.word(at)?);
        match shared_lock::lock(&word, me, deadline) {
            Ok(Acquired::Clean) => Ok(Held { word, me }),
            Ok(Acquired::OwnerDied(pid)) => {
                let held = Held { word, me };
                repair(self)?;
                drop(held);
                Err(Error::OwnerDied { pid })
            }
            Err(LockError::TimedOut) => Err(on_timeout),
            Err(LockError::BadId | LockError::NotHeld) => Err(Error::InvalidArgument(
                "this process's id cannot hold a queue's lock",
            )),
        }
    }

    /// `puts - gets`, checked: more than the ring can hold (plus the one reserved by a put
    /// in progress) is another process's tampering.
    fn count(&self, puts: u32, gets: u32) -> Result<u32, Error> {
        let n = puts.wrapping_sub(gets);
        if n > self.layout.max_frames() + 1 {
            return Err(Error::BadFrame(
                "the queue's item counters are out of range",
            ));
        }
        Ok(n)
    }

    /// The most items the queue holds: its maxsize, or as many as fit (0).
    fn limit(&self) -> u32 {
        match self.layout.maxsize {
            0 => u32::MAX,
            n => n,
        }
    }

    /// Puts one frame: waits (if `block`, up to `deadline`) for the lock, for room in the ring
    /// and for `qsize < maxsize`. `Full` when it may wait no longer.
    pub(crate) fn put(
        &self,
        payload: &[u8],
        block: bool,
        deadline: Option<Deadline>,
    ) -> Result<(), Error> {
        let max = ring::max_payload(self.layout.capacity);
        let len = u32::try_from(payload.len())
            .ok()
            .filter(|&len| len <= max)
            .ok_or(Error::FrameTooLarge {
                len: payload.len(),
                max: max as usize,
            })?;
        let need = ring::frame_bytes(len);
        let mem = self.mem()?;
        let (puts_w, gets_w, log) = (
            self.word(layout::PUTS)?,
            self.word(layout::GETS)?,
            self.log(layout::PUT_LOG)?,
        );
        let mut yields = PUT_YIELDS;
        loop {
            let held = self.lock(
                layout::PUT_LOCK,
                lock_deadline(block, deadline),
                Error::Full,
                Shared::repair_put,
            )?;
            let mut w = Writer::attach(&mem).map_err(corrupt)?;
            let puts = puts_w.load(Relaxed);
            // Release: a process that takes the lock over from us reads it (see the docs).
            log.store(u64::from(w.tail()) | u64::from(puts) << 32, Release);
            let (free, head) = ring::room(&mem, &mut w).map_err(corrupt)?;
            // After `Head` (Acquire): a take that freed the room counted its `gets` first.
            // An unbounded queue needs no count: the ring's room bounds it (and reading the
            // consumers' counter would cost every put a cache miss).
            let below_max =
                self.layout.maxsize == 0 || self.count(puts, gets_w.load(Acquire))? < self.limit();
            if below_max && free >= need {
                puts_w.store(puts.wrapping_add(1), Release);
                if let Err(e) = ring::publish(&mem, &mut w, payload, len, need) {
                    puts_w.store(puts, Release);
                    return Err(corrupt(e));
                }
                return Ok(());
            }
            drop(held);
            if !block || expired(deadline) {
                return Err(Error::Full);
            }
            if yields > 0 {
                yields -= 1;
                crate::primitive::yield_now();
                continue;
            }
            match ring::sleep_on(&mem, Word::Head, head, deadline) {
                Ok(_) => {}
                Err(RingError::TimedOut) => return Err(Error::Full),
                Err(e) => return Err(corrupt(e)),
            }
        }
    }

    /// Takes one frame: waits (if `block`, up to `deadline`) for the lock and for an item.
    /// `Empty` when it may wait no longer.
    pub(crate) fn get(&self, block: bool, deadline: Option<Deadline>) -> Result<Vec<u8>, Error> {
        let mem = self.mem()?;
        let (gets_w, log) = (self.word(layout::GETS)?, self.log(layout::GET_LOG)?);
        let cap = self.layout.capacity;
        loop {
            let held = self.lock(
                layout::GET_LOCK,
                lock_deadline(block, deadline),
                Error::Empty,
                Shared::repair_get,
            )?;
            let mut r = Reader::attach(&mem).map_err(corrupt)?;
            let gets = gets_w.load(Relaxed);
            log.store(u64::from(r.head()) | u64::from(gets) << 32, Release);
            // Acquire: the frame's bytes, written before the producer published `Tail`.
            let tail = ring::RingMemory::load(&mem, Word::Tail, Acquire);
            let used = (tail & POS_MASK).wrapping_sub(r.head()) & POS_MASK;
            if used > cap {
                return Err(Error::BadFrame("the writer's position is out of range"));
            }
            if used != 0 {
                gets_w.store(gets.wrapping_add(1), Release);
                return ring::take(&mem, &mut r, used).map_err(|e| {
                    gets_w.store(gets, Release);
                    corrupt(e)
                });
            }
            let head = r.head();
            drop(held);
            if !block || expired(deadline) {
                return Err(Error::Empty);
            }
            // Wait from where the ring was empty; a stale position (other consumers took
            // meanwhile) only means "look again", under the lock, where real damage shows.
            match ring::wait_readable(&mem, &mut Reader::copy_at(head), deadline) {
                Ok(_) | Err(RingError::Corrupt(_)) => {}
                Err(RingError::TimedOut) => return Err(Error::Empty),
                Err(e) => return Err(corrupt(e)),
            }
        }
    }

    /// Takes a lock and keeps it, as a process killed inside its step would (see
    /// `Queue::hold_lock_for_test`); with `midway`, after logging and counting.
    pub(crate) fn hold_lock_for_test(&self, put: bool, midway: bool) -> Result<(), Error> {
        let repair: fn(&Shared) -> Result<(), Error> = if put {
            Shared::repair_put
        } else {
            Shared::repair_get
        };
        let (lock, log, counter, word) = if put {
            (
                layout::PUT_LOCK,
                layout::PUT_LOG,
                layout::PUTS,
                layout::TAIL,
            )
        } else {
            (
                layout::GET_LOCK,
                layout::GET_LOG,
                layout::GETS,
                layout::HEAD,
            )
        };
        let held = self.lock(lock, None, Error::Empty, repair)?;
        if midway {
            let n = self.word(counter)?.load(Relaxed);
            let pos = self.word(word)?.load(Relaxed) & POS_MASK;
            self.log(log)?
                .store(u64::from(pos) | u64::from(n) << 32, Release);
            self.word(counter)?.store(n.wrapping_add(1), Release);
        }
        core::mem::forget(held);
        Ok(())
    }

    /// After a producer died holding the put lock: `puts` as its step left it.
    fn repair_put(&self) -> Result<(), Error> {
        let log = self.log(layout::PUT_LOG)?.load(Acquire);
        let (tail0, puts0) = (log as u32 & POS_MASK, (log >> 32) as u32);
        let tail = self.word(layout::TAIL)?.load(Acquire) & POS_MASK;
        let puts = if tail == tail0 {
            puts0
        } else {
            puts0.wrapping_add(1)
        };
        self.word(layout::PUTS)?.store(puts, Release);
        Ok(())
    }

    /// After a consumer died holding the get lock: `gets` as its step left it.
    fn repair_get(&self) -> Result<(), Error> {
        let log = self.log(layout::GET_LOG)?.load(Acquire);
        let (head0, gets0) = (log as u32 & POS_MASK, (log >> 32) as u32);
        let head = self.word(layout::HEAD)?.load(Acquire) & POS_MASK;
        let gets = if head == head0 {
            gets0
        } else {
            gets0.wrapping_add(1)
        };
        self.word(layout::GETS)?.store(gets, Release);
        Ok(())
    }

    /// Items put and not yet taken (a snapshot; counters another process damaged read as 0,
    /// and the next put or get reports them).
    pub(crate) fn qsize(&self) -> usize {
        let (Ok(puts), Ok(gets)) = (self.word(layout::PUTS), self.word(layout::GETS)) else {
            return 0;
        };
        // `gets` first: it never passes `puts`, so this order never sees it ahead.
        let gets = gets.load(Acquire);
        self.count(puts.load(Acquire), gets).unwrap_or(0) as usize
    }

    /// Whether a frame is in the ring now (CPython's `empty()` polls its pipe the same way).
    pub(crate) fn has_frame(&self) -> Result<bool, Error> {
        let tail = self.word(layout::TAIL)?.load(Acquire) & POS_MASK;
        let head = self.word(layout::HEAD)?.load(Acquire) & POS_MASK;
        Ok(tail != head)
    }

    /// Items put and not yet marked done (`puts - done`, as a signed distance so that a
    /// repaired `puts` below `done` reads as none).
    pub(crate) fn unfinished(&self) -> Result<i32, Error> {
        let done = self.word(layout::DONE)?.load(Acquire);
        Ok(self.word(layout::PUTS)?.load(Acquire).wrapping_sub(done) as i32)
    }

    /// One item done; wakes the joiners when none is left.
    pub(crate) fn task_done(&self) -> Result<(), Error> {
        let (done_w, puts_w) = (self.word(layout::DONE)?, self.word(layout::PUTS)?);
        let mut done = done_w.load(Acquire);
        loop {
            let unfinished = puts_w.load(Acquire).wrapping_sub(done) as i32;
            if unfinished <= 0 {
                return Err(Error::TaskDoneTooManyTimes);
            }
            match done_w.compare_exchange(done, done.wrapping_add(1), AcqRel, Acquire) {
                Ok(_) => {
                    if unfinished == 1 {
                        futex::shared::wake_all(done_w);
                    }
                    return Ok(());
                }
                Err(now) => done = now,
            }
        }
    }

    /// Waits until every item put has been marked done. Sleeps on `done` in slices, so a
    /// wake-up missed against a concurrent put costs one slice at most.
    pub(crate) fn join(&self) -> Result<(), Error> {
        let (done_w, puts_w) = (self.word(layout::DONE)?, self.word(layout::PUTS)?);
        loop {
            let done = done_w.load(Acquire);
            if puts_w.load(Acquire).wrapping_sub(done) as i32 <= 0 {
                return Ok(());
            }
            futex::shared::wait(done_w, done, Some(SLICE));
        }
    }
}
