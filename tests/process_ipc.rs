//! Pipes and process queues handed to `Process` children in their arguments, as CPython's
//! `Process(target=f, args=(child_conn, queue))` (spec sections 8.4 and 9; ids MP-17, MQ-*),
//! between real OS processes, and what each side sees when the other dies.
//!
//! Every test is bounded: blocking calls run on a helper thread joined with a timeout, children
//! are joined with timeouts (a lost child fails its test and is killed), children that could
//! outlive a failing test are daemons (they die with this process), and a watchdog fails a
//! test that hangs anyway.
#![cfg(target_os = "linux")]

concurrency::process_test_main!();

#[allow(unused_macros)]
#[macro_use]
mod native_harness;
use native_harness::bounded;

use concurrency::ipc::{pipe, Connection, JoinableQueue, Queue};
use concurrency::{Error, Process};
use std::time::{Duration, Instant};

/// CPython's SHORT_TIMEOUT: the bound on every wait for a child or a blocking call.
const SHORT: Duration = Duration::from_secs(30);
/// A killed peer must be reported within this (the ring checks every 20 ms).
const DEATH_NOTICED: Duration = Duration::from_secs(1);

macro_rules! bounded_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                bounded(stringify!($name), cases::$name)
            }
        )*
    };
    (queue: $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                bounded(stringify!($name), queue_cases::$name)
            }
        )*
    };
}

/// Runs `f` on a helper thread; its result, or a failure if it does not end within `within`.
fn within<T: Send + 'static>(within: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(within)
        .unwrap_or_else(|_| panic!("a blocking call did not return within {within:?}"))
}

/// Joins within SHORT or kills the child and fails.
fn join_bounded<R>(p: &Process<R>) {
    if !p.join(SHORT).unwrap() {
        let _ = p.kill();
        let _ = p.join(SHORT);
        panic!("{p:?} did not end within {SHORT:?}");
    }
}

/// A daemon child running `target(args)`, started.
fn start<A, R>(target: fn(A) -> R, args: A) -> Process<R>
where
    A: serde::Serialize + serde::de::DeserializeOwned + 'static,
    R: serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    let p = Process::builder().daemon(true).target(target, args).build();
    p.start().unwrap();
    p
}

/// CPython's assertTimeout: 0.6·expected ≤ actual < 10·expected.
fn assert_timeout(actual: Duration, expected: Duration) {
    assert!(
        actual >= expected.mul_f64(0.6) && actual < expected * 10,
        "took {actual:?}, expected about {expected:?}"
    );
}

/// A value that serializes or, for `None`, fails to (MQ-07's unpicklable object).
pub struct MaybeSer(Option<bool>);

impl serde::Serialize for MaybeSer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(b) => b.serialize(s),
            None => Err(serde::ser::Error::custom("this value cannot be serialized")),
        }
    }
}

impl<'de> serde::Deserialize<'de> for MaybeSer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<MaybeSer, D::Error> {
        bool::deserialize(d).map(|b| MaybeSer(Some(b)))
    }
}

/// The children's targets. Each runs in a child process.
mod targets {
    use super::*;

    /// Gets `n` items (bounded waits); returns them.
    pub fn drain((q, n): (Queue<i32>, usize)) -> Vec<i32> {
        (0..n).map(|_| q.get(true, SHORT).unwrap()).collect()
    }

    /// Puts each value (bounded waits).
    pub fn put_all((q, values): (Queue<i32>, Vec<i32>)) {
        for v in values {
            q.put(&v, true, SHORT).unwrap();
        }
    }

    /// What this process sees of the queue's size.
    pub fn qsize_of(q: Queue<i32>) -> usize {
        q.qsize()
    }

    /// MQ-07's other side: the item the parent managed to put, and whether the queue is
    /// empty afterwards.
    pub fn get_one_and_empty(q: Queue<MaybeSer>) -> (Option<bool>, bool) {
        let got = q.get(true, SHORT).unwrap().0;
        (got, q.empty().unwrap())
    }

    /// Sleeps, then gets `n` items.
    pub fn sleep_then_drain((q, secs, n): (Queue<i32>, f64, usize)) -> Vec<i32> {
        std::thread::sleep(Duration::from_secs_f64(secs));
        drain((q, n))
    }

    /// Sleeps, then puts one item.
    pub fn sleep_then_put((q, secs, v): (Queue<i32>, f64, i32)) {
        std::thread::sleep(Duration::from_secs_f64(secs));
        q.put(&v, true, SHORT).unwrap();
    }

    /// MQ-05: takes items until `None`, marking each done after a short pause.
    pub fn task_worker(q: JoinableQueue<Option<u32>>) -> u32 {
        let mut n = 0;
        while let Some(_item) = q.get(true, SHORT).unwrap() {
            std::thread::sleep(Duration::from_millis(10));
            q.task_done().unwrap();
            n += 1;
        }
        n
    }

    /// A producer of many: `(id, i)` for i in 0..n.
    pub fn produce((q, id, n): (Queue<Option<(u32, u32)>>, u32, u32)) {
        for i in 0..n {
            q.put(&Some((id, i)), true, SHORT).unwrap();
        }
    }

    /// A consumer of many: everything until `None`.
    pub fn consume(q: Queue<Option<(u32, u32)>>) -> Vec<(u32, u32)> {
        let mut got = Vec::new();
        while let Some(item) = q.get(true, SHORT).unwrap() {
            got.push(item);
        }
        got
    }

    /// MP-18: a (non-daemon) child makes its own queue and a grandchild that puts to it.
    pub fn queue_in_process(_: ()) -> i32 {
        let q: Queue<i32> = Queue::new(0).unwrap();
        let g = Process::new(put_all, (q.clone(), vec![18]));
        g.start().unwrap();
        let got = q.get(true, SHORT).unwrap();
        join_bounded(&g);
        got
    }

    /// A hostile process: maps the queue's memory itself (its memfd, found among its
    /// descriptors) and writes random words anywhere in it, `rounds` times, putting good
    /// items in between (whatever those puts say). Returns how many words it wrote.
    pub fn scribble((q, rounds, seed): (Queue<Vec<String>>, u32, u64)) -> u32 {
        let mut fd = None;
        for e in std::fs::read_dir("/proc/self/fd").unwrap() {
            let e = e.unwrap();
            let link = std::fs::read_link(e.path()).unwrap_or_default();
            if link
                .to_string_lossy()
                .starts_with("/memfd:concurrency-region")
            {
                fd = e.file_name().to_string_lossy().parse::<i32>().ok();
            }
        }
        let fd = fd.expect("the queue's memfd");
        // SAFETY: `stat` is plain data; fstat fills it for an open descriptor.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `st` is a valid buffer; `fd` is open (just listed).
        assert_eq!(unsafe { libc::fstat(fd, &mut st) }, 0);
        let len = st.st_size as usize;
        // SAFETY: a fresh shared mapping of the whole memfd at an address of the kernel's
        // choice; nothing else refers to it, and it is unmapped below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED);
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..rounds {
            if round % 4 == 0 {
                let _ = q.put(&vec!["ok".to_owned()], true, Duration::from_millis(5));
            }
            let at = (next() as usize % len) & !3;
            let value = match next() % 3 {
                0 => next() as u32,
                1 => (next() % 64) as u32,
                _ => 0,
            };
            // SAFETY: `at + 4 <= len` (4-aligned below `len`, a multiple of the page size),
            // inside our mapping; an atomic store is how the queue itself writes words.
            unsafe {
                (*base
                    .cast::<u8>()
                    .add(at)
                    .cast::<std::sync::atomic::AtomicU32>())
                .store(value, std::sync::atomic::Ordering::Relaxed)
            };
            std::thread::sleep(Duration::from_micros(300));
        }
        // SAFETY: exactly the mapping made above; no reference into it outlives this.
        unsafe { libc::munmap(base, len) };
        rounds
    }

    /// Takes the queue's put lock (`put`) or get lock and keeps it, midway through the step
    /// (counted, not copied), says so on `ready`, and waits to be killed.
    pub fn hold_lock_and_wait((q, ready, put): (Queue<u32>, Connection, bool)) {
        q.hold_lock_for_test(put, true).unwrap();
        ready.send(&std::process::id()).unwrap();
        std::thread::sleep(Duration::from_secs(100));
    }

    /// MP-17: echoes upper-cased strings until "stop"; returns how many it echoed.
    pub fn echo_upper(conn: Connection) -> usize {
        let mut n = 0;
        loop {
            let s: String = conn.recv().unwrap();
            if s == "stop" {
                return n;
            }
            conn.send(&s.to_uppercase()).unwrap();
            n += 1;
        }
    }

    /// Answers one message, then waits for another that never comes (it is killed meanwhile).
    pub fn answer_once_then_wait(conn: Connection) {
        let x: u32 = conn.recv().unwrap();
        conn.send(&(x + 1)).unwrap();
        let _ = conn.recv::<u32>();
        std::thread::sleep(Duration::from_secs(100));
    }

    /// Sends its id and its pid on its own pipe, then the sum of what it receives back.
    pub fn report_on_own_pipe((id, conn): (u32, Connection)) {
        conn.send(&(id, std::process::id())).unwrap();
        let back: Vec<u32> = conn.recv().unwrap();
        conn.send(&back.iter().sum::<u32>()).unwrap();
    }

    /// Writes `n` numbers to a one-way pipe's writing end.
    pub fn write_numbers((conn, n): (Connection, u32)) {
        for i in 0..n {
            conn.send(&i).unwrap();
        }
    }

    /// Reads numbers from a one-way pipe's reading end until its writer is gone; their sum.
    pub fn sum_until_closed(conn: Connection) -> u64 {
        let mut sum = 0u64;
        while let Ok(i) = conn.recv::<u32>() {
            sum += u64::from(i);
        }
        sum
    }

    /// What a connection received in a child can do: its ends' flags.
    pub fn flags(conn: Connection) -> (bool, bool, bool) {
        (conn.readable(), conn.writable(), conn.closed())
    }
}

mod cases {
    use super::targets::*;
    use super::*;

    /// MP-17 (as CPython's `_UpperCaser`): a child echoes upper-cased strings over a Pipe end
    /// given in its arguments; both directions work; "stop" ends it with exit code 0.
    pub fn mp_17_child_echoes_over_a_pipe_end_in_its_arguments() {
        let (parent_conn, child_conn) = pipe(true).unwrap();
        // The parent's copy of `child_conn` goes into the arguments (and is dropped there).
        let p = start(echo_upper, child_conn);
        for word in ["hello", "world"] {
            parent_conn.send(word).unwrap();
            let got: String = parent_conn.recv().unwrap();
            assert_eq!(got, word.to_uppercase());
        }
        parent_conn.send("stop").unwrap();
        assert_eq!(p.result(), Ok(2));
        assert_eq!(p.exitcode(), Ok(Some(0)));
        // The child is gone and held the only other copy: the pipe reports it.
        assert_eq!(parent_conn.recv::<String>(), Err(Error::PeerClosed));
    }

    /// The child is killed while the parent waits in `recv`: the parent gets `PeerClosed`
    /// (CPython's EOFError) within a bound, never a hang.
    pub fn child_killed_mid_conversation_is_peer_closed_within_a_bound() {
        let (parent_conn, child_conn) = pipe(true).unwrap();
        let p = start(answer_once_then_wait, child_conn);
        parent_conn.send(&41u32).unwrap();
        assert_eq!(parent_conn.recv::<u32>(), Ok(42));
        let parent_conn = std::sync::Arc::new(parent_conn);
        let c = parent_conn.clone();
        let (killed_tx, killed_rx) = std::sync::mpsc::channel::<Instant>();
        let waiter = std::thread::spawn(move || {
            let r = c.recv::<u32>();
            (r, Instant::now(), killed_rx.recv().ok())
        });
        std::thread::sleep(Duration::from_millis(100)); // the parent blocks in recv
        p.kill().unwrap();
        killed_tx.send(Instant::now()).unwrap();
        let (r, at, killed) = within(SHORT, move || waiter.join().unwrap());
        assert_eq!(r, Err(Error::PeerClosed));
        let killed = killed.unwrap();
        assert!(
            at.saturating_duration_since(killed) < DEATH_NOTICED,
            "noticed {:?} after the kill",
            at.saturating_duration_since(killed)
        );
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(-libc::SIGKILL)));
    }

    /// Many children, each with its own pipe in its arguments: each talks only to its own
    /// end (its id and pid come back on the pipe it was given, and its reply to what only its
    /// pipe carried).
    pub fn many_children_each_with_their_own_pipe() {
        const N: u32 = 12;
        let mut kids = Vec::new();
        for id in 0..N {
            let (mine, theirs) = pipe(true).unwrap();
            let p = start(report_on_own_pipe, (id, theirs));
            kids.push((id, mine, p));
        }
        for (id, conn, p) in &kids {
            let (got_id, pid): (u32, u32) = conn.recv().unwrap();
            assert_eq!(got_id, *id);
            assert_eq!(Some(pid), p.pid().unwrap());
            conn.send(&vec![*id; 3]).unwrap();
        }
        for (id, conn, p) in &kids {
            assert_eq!(conn.recv::<u32>(), Ok(id * 3));
            join_bounded(p);
            assert_eq!(p.exitcode(), Ok(Some(0)));
        }
    }

    /// Both ends of one one-way pipe go to two siblings: one writes, the other reads until
    /// the writer is gone. The parent holds neither end after building the processes.
    pub fn siblings_talk_over_a_one_way_pipe_both_ends_passed() {
        let (reader, writer) = pipe(false).unwrap();
        let r = start(sum_until_closed, reader);
        let w = start(write_numbers, (writer, 1000));
        join_bounded(&w);
        assert_eq!(w.exitcode(), Ok(Some(0)));
        assert_eq!(r.result(), Ok((0..1000u64).sum()));
    }

    /// The ends keep their direction in the child: the reading end of a one-way pipe is
    /// readable only, and open.
    pub fn an_end_keeps_its_direction_in_the_child() {
        let (reader, writer) = pipe(false).unwrap();
        let p = start(flags, reader);
        assert_eq!(p.result(), Ok((true, false, false)));
        let p = start(flags, writer);
        assert_eq!(p.result(), Ok((false, true, false)));
    }

    /// A closed connection cannot be handed over: `start` fails with `ConnectionClosed` and
    /// the process stays unstarted (CPython raises OSError when it pickles a closed handle).
    pub fn closed_connection_in_the_arguments_fails_start_with_a_typed_error() {
        let (mut a, _b) = pipe(true).unwrap();
        a.close();
        let p = Process::builder().daemon(true).target(flags, a).build();
        assert_eq!(p.start(), Err(Error::ConnectionClosed));
        assert_eq!(p.is_alive(), Ok(false));
        assert_eq!(p.pid(), Ok(None));
        assert_eq!(p.join(0.0), Err(Error::ProcessNotStarted));
    }

    /// A pipe end inside an ordinary message is refused with a typed error (it crosses only in
    /// a process's arguments), and the pipe it was sent on keeps working.
    pub fn a_pipe_end_in_a_message_is_refused_and_the_pipe_keeps_working() {
        let (a, b) = pipe(true).unwrap();
        let (c, _d) = pipe(true).unwrap();
        assert!(matches!(a.send(&c), Err(Error::Serialize(m)) if m.contains("arguments")));
        a.send(&5u8).unwrap();
        assert_eq!(b.recv::<u8>(), Ok(5));
    }

    /// A process built and never started closes its duplicates when it goes: the other end
    /// then sees the pipe's other side gone.
    pub fn a_never_started_process_releases_the_end_it_was_given() {
        let (mine, theirs) = pipe(true).unwrap();
        let p = Process::builder()
            .daemon(true)
            .target(flags, theirs)
            .build();
        assert_eq!(
            mine.poll(Some(Duration::from_millis(50))),
            Ok(false),
            "the duplicates in the unstarted process hold the end"
        );
        drop(p);
        assert!(mine.poll(Some(SHORT)).unwrap());
        assert_eq!(mine.recv::<u8>(), Err(Error::PeerClosed));
    }
}

mod queue_cases {
    use super::targets::*;
    use super::*;

    /// MQ-01 `test_put`: every accepted form of put on `Queue(maxsize=6)`, `full()`, every
    /// form that raises Full (the timed ones after their timeout), and a child process that
    /// drains the six leaves the queue empty.
    pub fn mq_01_put() {
        let q: Queue<i32> = Queue::new(6).unwrap();
        assert_eq!((q.empty(), q.full()), (Ok(true), false));
        q.put(&1, true, None).unwrap();
        q.put(&2, true, None).unwrap();
        q.put(&3, true, None::<Duration>).unwrap();
        q.put(&4, false, None).unwrap();
        q.put(&5, false, None::<Duration>).unwrap();
        q.put_nowait(&6).unwrap();
        // No sleep: a put is in the queue when it returns (CPython waits 0.1 s for its feeder).
        assert_eq!((q.empty(), q.full(), q.qsize()), (Ok(false), true, 6));
        assert_eq!(q.put(&7, false, None), Err(Error::Full));
        assert_eq!(q.put(&7, false, None::<Duration>), Err(Error::Full));
        assert_eq!(q.put_nowait(&7), Err(Error::Full));
        let t = Instant::now();
        assert_eq!(q.put(&7, true, 0.1), Err(Error::Full));
        assert_timeout(t.elapsed(), Duration::from_millis(100));
        let t = Instant::now();
        assert_eq!(q.put(&7, false, 0.1), Err(Error::Full));
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "non-blocking waits not"
        );
        let t = Instant::now();
        assert_eq!(
            q.put(&7, true, Duration::from_millis(100)),
            Err(Error::Full)
        );
        assert_timeout(t.elapsed(), Duration::from_millis(100));
        let p = start(drain, (q.clone(), 6));
        assert_eq!(p.result(), Ok(vec![1, 2, 3, 4, 5, 6]));
        assert_eq!((q.empty(), q.full(), q.qsize()), (Ok(true), false, 0));
    }

    /// MQ-02 `test_get`: a child puts 1..=5; every accepted form of get returns them in
    /// order; then every form raises Empty (the timed ones after their timeout).
    pub fn mq_02_get() {
        let q: Queue<i32> = Queue::new(0).unwrap();
        assert_eq!(q.empty(), Ok(true));
        let p = start(put_all, (q.clone(), vec![1, 2, 3, 4, 5]));
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(0)));
        assert_eq!(q.empty(), Ok(false));
        assert_eq!(q.get(true, None), Ok(1));
        assert_eq!(q.get(true, None::<Duration>), Ok(2));
        assert_eq!(q.get(true, None), Ok(3));
        assert_eq!(q.get(true, 1.0), Ok(4));
        assert_eq!(q.get_nowait(), Ok(5));
        assert_eq!(q.empty(), Ok(true));
        assert_eq!(q.get(false, None), Err(Error::Empty));
        assert_eq!(q.get(false, None::<Duration>), Err(Error::Empty));
        assert_eq!(q.get_nowait(), Err(Error::Empty));
        let t = Instant::now();
        assert_eq!(q.get(true, 0.1), Err(Error::Empty));
        assert_timeout(t.elapsed(), Duration::from_millis(100));
        let t = Instant::now();
        assert_eq!(q.get(false, 0.1), Err(Error::Empty));
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "non-blocking waits not"
        );
        let t = Instant::now();
        assert_eq!(q.get(true, Duration::from_millis(100)), Err(Error::Empty));
        assert_timeout(t.elapsed(), Duration::from_millis(100));
    }

    /// MQ-03 `test_fork`: the parent puts 0..10, a child 10..20; gets return 0..20 in order,
    /// then a non-blocking get is Empty.
    pub fn mq_03_fork() {
        let q: Queue<i32> = Queue::new(0).unwrap();
        for i in 0..10 {
            q.put(&i, true, None).unwrap();
        }
        let p = start(put_all, (q.clone(), (10..20).collect()));
        join_bounded(&p);
        let got: Vec<i32> = (0..20).map(|_| q.get(true, SHORT).unwrap()).collect();
        assert_eq!(got, (0..20).collect::<Vec<_>>());
        assert_eq!(q.get(false, None), Err(Error::Empty));
    }

    /// MQ-04 `test_qsize`: 0, 1, 2, 1, 0; a child process sees the same count.
    pub fn mq_04_qsize() {
        let q: Queue<i32> = Queue::new(0).unwrap();
        assert_eq!(q.qsize(), 0);
        q.put(&1, true, None).unwrap();
        assert_eq!(q.qsize(), 1);
        q.put(&5, true, None).unwrap();
        assert_eq!(q.qsize(), 2);
        assert_eq!(start(qsize_of, q.clone()).result(), Ok(2));
        q.get(true, None).unwrap();
        assert_eq!(q.qsize(), 1);
        q.get(true, None).unwrap();
        assert_eq!(q.qsize(), 0);
    }

    /// MQ-05 `test_task_done`: four worker processes take ten items from a JoinableQueue and
    /// mark each done; `join()` returns once all ten are.
    pub fn mq_05_task_done() {
        let q: JoinableQueue<Option<u32>> = JoinableQueue::new(0).unwrap();
        let workers: Vec<_> = (0..4).map(|_| start(task_worker, q.clone())).collect();
        for i in 0..10 {
            q.put(&Some(i), true, None).unwrap();
        }
        let q2 = q.clone();
        within(SHORT, move || q2.join()).unwrap();
        assert_eq!(q.unfinished_tasks(), 0);
        for _ in &workers {
            q.put(&None, true, None).unwrap();
        }
        let done: u32 = workers.iter().map(|w| w.result().unwrap()).sum();
        assert_eq!(done, 10);
        // The four `None`s were put and never marked done.
        assert_eq!(q.unfinished_tasks(), 4);
    }

    /// MQ-06 `test_timeout`: `get(True, 0.2)` on an empty queue is Empty after ≥ 0.1 s.
    pub fn mq_06_timeout() {
        let q: Queue<i32> = Queue::new(0).unwrap();
        let t = Instant::now();
        assert_eq!(q.get(true, 0.2), Err(Error::Empty));
        let took = t.elapsed();
        assert!(took >= Duration::from_millis(100), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }

    /// MQ-07 `test_queue_feeder_donot_stop_onexc`: on `Queue(1)` a value that cannot be
    /// serialized is reported to the caller (CPython's feeder prints it) and nothing is put;
    /// a good put then works (qsize 1), and a child process gets `True` and finds the queue
    /// empty.
    pub fn mq_07_unserializable_value_is_reported_and_the_queue_keeps_working() {
        let q: Queue<MaybeSer> = Queue::new(1).unwrap();
        assert!(matches!(
            q.put(&MaybeSer(None), true, None),
            Err(Error::Serialize(_))
        ));
        assert_eq!(q.qsize(), 0);
        q.put(&MaybeSer(Some(true)), true, None).unwrap();
        assert_eq!(q.qsize(), 1);
        assert_eq!(
            start(get_one_and_empty, q.clone()).result(),
            Ok((Some(true), true))
        );
        assert_eq!(q.empty(), Ok(true));
    }

    /// MQ-08 `test_closed_queue_empty_exceptions`: `close()` on an unused queue changes
    /// nothing else (`empty()` is True); after use, `close()` and `join_thread()`, `empty()`
    /// is an OSError ('handle is closed'). MQ-09 `test_closed_queue_put_get_exceptions`:
    /// after `close()`, put and get are ValueError ('is closed'). Closing is this process's:
    /// a child given the queue before still puts to it.
    pub fn mq_08_09_closed_queue() {
        let q: Queue<i32> = Queue::new(0).unwrap();
        q.close();
        assert_eq!(q.empty(), Ok(true));
        let q: Queue<i32> = Queue::new(0).unwrap();
        let child = Process::builder()
            .daemon(true)
            .target(sleep_then_put, (q.clone(), 0.2, 9))
            .build();
        child.start().unwrap();
        q.put(&1, true, None).unwrap();
        assert_eq!(q.get(true, None), Ok(1));
        q.close();
        assert_eq!(q.join_thread(), Ok(()));
        assert_eq!(q.empty(), Err(Error::ConnectionClosed));
        assert_eq!(q.put(&2, true, None), Err(Error::QueueClosed));
        assert_eq!(q.put_nowait(&2), Err(Error::QueueClosed));
        assert_eq!(q.get(true, None), Err(Error::QueueClosed));
        assert_eq!(q.get_nowait(), Err(Error::QueueClosed));
        assert_eq!(Error::QueueClosed.to_string(), "Queue is closed");
        join_bounded(&child);
        assert_eq!(child.exitcode(), Ok(Some(0)));
        assert_eq!(q.qsize(), 1, "the child's put arrived");
        // A closed queue cannot be handed to a child either.
        let p = Process::builder()
            .daemon(true)
            .target(qsize_of, q.clone())
            .build();
        assert_eq!(p.start(), Err(Error::QueueClosed));
    }

    /// MP-18 `test_queue_in_process`: a non-daemon child can itself create a Queue with a
    /// sub-process of its own.
    pub fn mp_18_queue_in_process() {
        let p = Process::builder()
            .daemon(false)
            .target(queue_in_process, ())
            .build();
        p.start().unwrap();
        if !p.join(SHORT).unwrap() {
            let _ = p.kill();
            panic!("the child did not end");
        }
        assert_eq!(p.result(), Ok(18));
    }

    /// `join_thread()` before `close()` is CPython's AssertionError ('not closed').
    pub fn join_thread_before_close_is_an_error() {
        let q: Queue<i32> = Queue::new(0).unwrap();
        assert_eq!(q.join_thread(), Err(Error::QueueNotClosed));
        q.cancel_join_thread();
        q.close();
        assert_eq!(q.join_thread(), Ok(()));
    }

    /// A put on a full queue blocks until a consumer process takes an item.
    pub fn blocking_put_on_a_full_queue_waits_for_a_consumer_process() {
        let q: Queue<i32> = Queue::new(2).unwrap();
        q.put(&1, true, None).unwrap();
        q.put(&2, true, None).unwrap();
        let p = start(sleep_then_drain, (q.clone(), 0.3, 3));
        let t = Instant::now();
        q.put(&3, true, SHORT).unwrap();
        assert_timeout(t.elapsed(), Duration::from_millis(300));
        assert_eq!(p.result(), Ok(vec![1, 2, 3]));
    }

    /// A get on an empty queue blocks until a producer process puts.
    pub fn blocking_get_waits_for_a_producer_process() {
        let q: Queue<i32> = Queue::new(0).unwrap();
        let p = start(sleep_then_put, (q.clone(), 0.3, 42));
        let t = Instant::now();
        assert_eq!(q.get(true, SHORT), Ok(42));
        assert_timeout(t.elapsed(), Duration::from_millis(300));
        join_bounded(&p);
    }

    /// Three producer and two consumer processes through a small bounded queue: every item
    /// arrives exactly once, and each producer's items in the order it put them.
    pub fn many_producer_and_consumer_processes_deliver_each_item_once() {
        const PER: u32 = 300;
        let q: Queue<Option<(u32, u32)>> = Queue::with_capacity(4, 1024).unwrap();
        let consumers: Vec<_> = (0..2).map(|_| start(consume, q.clone())).collect();
        let producers: Vec<_> = (0..3)
            .map(|id| start(produce, (q.clone(), id, PER)))
            .collect();
        for p in &producers {
            join_bounded(p);
            assert_eq!(p.exitcode(), Ok(Some(0)));
        }
        for _ in &consumers {
            q.put(&None, true, SHORT).unwrap();
        }
        let mut all = Vec::new();
        for c in &consumers {
            let got = c.result().unwrap();
            for id in 0..3 {
                let mine: Vec<u32> = got.iter().filter(|x| x.0 == id).map(|x| x.1).collect();
                assert!(mine.windows(2).all(|w| w[0] < w[1]), "per-producer order");
            }
            all.extend(got);
        }
        all.sort_unstable();
        let want: Vec<(u32, u32)> = (0..3)
            .flat_map(|id| (0..PER).map(move |i| (id, i)))
            .collect();
        assert_eq!(all, want);
    }

    /// A hostile child process writes random words all over the queue's shared memory while
    /// the parent gets with short timeouts: every get returns an item or a typed error
    /// within its bound, never a panic or a hang, and the hostile child itself survives its
    /// own puts.
    pub fn a_child_scribbling_on_the_queue_gives_typed_errors() {
        for seed in [1u64, 2, 3] {
            let q: Queue<Vec<String>> = Queue::with_capacity(0, 4096).unwrap();
            let p = start(scribble, (q.clone(), 600, seed));
            let mut outcomes = std::collections::BTreeMap::new();
            while p.is_alive().unwrap() {
                let t = Instant::now();
                let r = q.get(true, Duration::from_millis(5));
                let kind = match r {
                    Ok(_) => "item",
                    Err(Error::Empty) => "empty",
                    Err(Error::BadFrame(_)) => "bad frame",
                    Err(Error::BadMessage(_)) => "bad message",
                    Err(Error::OwnerDied { .. }) => "owner died",
                    Err(e) => panic!("seed {seed}: untyped outcome {e:?}"),
                };
                *outcomes.entry(kind).or_insert(0) += 1;
                assert!(
                    t.elapsed() < Duration::from_secs(3),
                    "seed {seed}: a get hung"
                );
            }
            assert_eq!(p.result(), Ok(600), "seed {seed}: {outcomes:?}");
            assert!(outcomes.len() > 1, "seed {seed}: {outcomes:?}");
        }
    }

    /// A producer killed while it holds the put lock, midway through a put (its item counted,
    /// not copied): the next put waiting for that lock gets `OwnerDied` with the dead pid
    /// within a bound instead of hanging (CPython hangs), the count is repaired (the lost item
    /// is not counted), and the queue works on.
    pub fn producer_killed_holding_the_put_lock_is_owner_died_and_repaired() {
        let q: Queue<u32> = Queue::new(3).unwrap();
        let (ready, theirs) = pipe(true).unwrap();
        let p = start(hold_lock_and_wait, (q.clone(), theirs, true));
        let pid: u32 = ready.recv().unwrap();
        assert_eq!(Some(pid), p.pid().unwrap());
        assert_eq!(q.qsize(), 1, "the held put counted its item");
        let q2 = q.clone();
        let putter = std::thread::spawn(move || {
            let r = q2.put(&7, true, SHORT);
            (r, Instant::now())
        });
        std::thread::sleep(Duration::from_millis(100)); // it waits for the lock
        p.kill().unwrap();
        let killed = Instant::now();
        let (r, at) = within(SHORT, move || putter.join().unwrap());
        assert_eq!(r, Err(Error::OwnerDied { pid }));
        let noticed = at.saturating_duration_since(killed);
        assert!(
            noticed < DEATH_NOTICED,
            "noticed {noticed:?} after the kill"
        );
        assert_eq!(q.qsize(), 0, "repaired: the dead put's item never arrived");
        q.put(&7, true, SHORT).unwrap();
        assert_eq!(q.get(true, SHORT), Ok(7));
        join_bounded(&p);
    }

    /// A consumer killed while it holds the get lock, midway through a get (counted, not
    /// copied): the next get gets `OwnerDied`, the item is counted again and still there.
    pub fn consumer_killed_holding_the_get_lock_is_owner_died_and_repaired() {
        let q: Queue<u32> = Queue::new(0).unwrap();
        q.put(&5, true, None).unwrap();
        let (ready, theirs) = pipe(true).unwrap();
        let p = start(hold_lock_and_wait, (q.clone(), theirs, false));
        let pid: u32 = ready.recv().unwrap();
        assert_eq!(q.qsize(), 0, "the held get counted its item as taken");
        let q2 = q.clone();
        let getter = std::thread::spawn(move || (q2.get(true, SHORT), Instant::now()));
        std::thread::sleep(Duration::from_millis(100));
        p.kill().unwrap();
        let killed = Instant::now();
        let (r, at) = within(SHORT, move || getter.join().unwrap());
        assert_eq!(r, Err(Error::OwnerDied { pid }));
        assert!(at.saturating_duration_since(killed) < DEATH_NOTICED);
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get(true, SHORT), Ok(5));
        join_bounded(&p);
    }
}

bounded_tests!(
    mp_17_child_echoes_over_a_pipe_end_in_its_arguments,
    child_killed_mid_conversation_is_peer_closed_within_a_bound,
    many_children_each_with_their_own_pipe,
    siblings_talk_over_a_one_way_pipe_both_ends_passed,
    an_end_keeps_its_direction_in_the_child,
    closed_connection_in_the_arguments_fails_start_with_a_typed_error,
    a_pipe_end_in_a_message_is_refused_and_the_pipe_keeps_working,
    a_never_started_process_releases_the_end_it_was_given,
);

bounded_tests!(queue:
    mq_01_put,
    mq_02_get,
    mq_03_fork,
    mq_04_qsize,
    mq_05_task_done,
    mq_06_timeout,
    mq_07_unserializable_value_is_reported_and_the_queue_keeps_working,
    mq_08_09_closed_queue,
    mp_18_queue_in_process,
    join_thread_before_close_is_an_error,
    blocking_put_on_a_full_queue_waits_for_a_consumer_process,
    blocking_get_waits_for_a_producer_process,
    many_producer_and_consumer_processes_deliver_each_item_once,
    a_child_scribbling_on_the_queue_gives_typed_errors,
    producer_killed_holding_the_put_lock_is_owner_died_and_repaired,
    consumer_killed_holding_the_get_lock_is_owner_died_and_repaired,
);
