//! The process queue in one process: threads, and threads on separate mappings of the region
//! (two mappings behave as two processes would), a holder that died (a real dead process's
//! pid in the lock word), and the fuzz tests: random values written into every word and byte
//! of the region while producers and consumers run, and hostile frames, each giving `Ok` or a
//! typed error, never a panic or a hang. Every wait is bounded.

use super::layout::{self, Layout};
use super::shared::Shared;
use super::{JoinableQueue, Queue};
use crate::ipc::ring::POS_MASK;
use crate::primitive::Ordering::*;
use crate::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(10);
const MS: Duration = Duration::from_millis(1);

/// The same queue through a second mapping of its region, as another process sees it.
fn other_process<T, U>(q: &Queue<T>) -> Queue<U>
where
    U: serde::Serialize + serde::de::DeserializeOwned,
{
    let region = Arc::new(q.inner.shared.region.map_again().unwrap());
    Queue::from_shared(Shared::open(region).unwrap())
}

fn shared<T>(q: &Queue<T>) -> &Shared {
    &q.inner.shared
}

fn word<T>(q: &Queue<T>, at: usize) -> &crate::primitive::AtomicU32 {
    q.inner.shared.region.u32_at(at).unwrap()
}

/// A pid nobody has: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn fifo_with_maxsize_full_empty_and_qsize() {
    let q: Queue<u32> = Queue::new(3).unwrap();
    assert_eq!((q.qsize(), q.empty(), q.full()), (0, Ok(true), false));
    for i in 0..3 {
        q.put(&i, true, None).unwrap();
    }
    assert_eq!((q.qsize(), q.empty(), q.full()), (3, Ok(false), true));
    assert_eq!(q.put_nowait(&9), Err(Error::Full));
    let t = Instant::now();
    assert_eq!(q.put(&9, true, Duration::from_millis(50)), Err(Error::Full));
    assert!(t.elapsed() >= Duration::from_millis(30));
    for i in 0..3 {
        assert_eq!(q.get(true, None), Ok(i));
    }
    assert_eq!(q.get_nowait(), Err(Error::Empty));
    assert_eq!(q.get(true, Duration::from_millis(20)), Err(Error::Empty));
    assert_eq!(q.maxsize(), 3);
}

#[test]
fn negative_timeouts_do_not_wait_as_in_multiprocessing() {
    let q: Queue<u8> = Queue::new(1).unwrap();
    assert_eq!(q.get(true, -1.0), Err(Error::Empty));
    q.put(&1, true, -5.0).unwrap();
    assert_eq!(q.put(&2, true, -1.0), Err(Error::Full));
    assert_eq!(q.get(true, f64::NAN), Ok(1));
    assert_eq!(
        q.get(true, 1e300),
        Err(Error::Overflow("timeout value is too large"))
    );
}

#[test]
fn an_unbounded_queue_is_bounded_by_its_ring() {
    let q: Queue<u64> = Queue::with_capacity(0, 64).unwrap();
    // A u64 encodes in 1..=10 bytes: each frame takes 8 or 16 bytes of the 64.
    let mut n = 0u64;
    while q.put_nowait(&n).is_ok() {
        n += 1;
    }
    assert!(n >= 4, "{n} items fit");
    assert_eq!(q.qsize(), n as usize);
    assert!(!q.full(), "maxsize 0 is never full");
    assert_eq!(q.get_nowait(), Ok(0));
    q.put_nowait(&n).unwrap();
    let big = vec![0u8; 57];
    let q2: Queue<Vec<u8>> = Queue::with_capacity(0, 64).unwrap();
    assert_eq!(q2.max_item(), 56);
    assert!(matches!(
        q2.put_nowait(&big),
        Err(Error::FrameTooLarge { max: 56, .. })
    ));
    assert_eq!(q2.put_nowait(&vec![1u8; 55]), Ok(()));
}

#[test]
fn blocked_get_is_woken_by_a_put_from_another_mapping() {
    let q: Queue<String> = Queue::new(0).unwrap();
    let other: Queue<String> = other_process(&q);
    let t = std::thread::spawn(move || other.get(true, BOUND));
    std::thread::sleep(Duration::from_millis(50));
    q.put(&"hi".to_owned(), true, None).unwrap();
    assert_eq!(t.join().unwrap(), Ok("hi".to_owned()));
}

#[test]
fn blocked_put_on_a_full_queue_is_woken_by_a_get_from_another_mapping() {
    let q: Queue<u8> = Queue::new(1).unwrap();
    q.put(&1, true, None).unwrap();
    let other: Queue<u8> = other_process(&q);
    let t = std::thread::spawn(move || {
        let start = Instant::now();
        (other.put(&2, true, BOUND), start.elapsed())
    });
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(q.get(true, BOUND), Ok(1));
    let (r, waited) = t.join().unwrap();
    assert_eq!(r, Ok(()));
    assert!(waited >= Duration::from_millis(60), "{waited:?}");
    assert_eq!(q.get(true, BOUND), Ok(2));
}

/// Three producers and three consumers, each on its own mapping, through a queue small enough
/// to fill: every item arrives exactly once, and each producer's items in its order.
#[test]
fn many_producers_and_consumers_on_separate_mappings_deliver_each_item_once() {
    const PER: u32 = 2000;
    let q: Queue<(u8, u32)> = Queue::with_capacity(5, 256).unwrap();
    let producers: Vec<_> = (0..3u8)
        .map(|p| {
            let q: Queue<(u8, u32)> = other_process(&q);
            std::thread::spawn(move || {
                for i in 0..PER {
                    q.put(&(p, i), true, BOUND).unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let q: Queue<(u8, u32)> = other_process(&q);
            std::thread::spawn(move || {
                let mut got = Vec::new();
                while let Ok(item) = q.get(true, Duration::from_millis(500)) {
                    got.push(item);
                }
                got
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut all: Vec<(u8, u32)> = Vec::new();
    for c in consumers {
        let got = c.join().unwrap();
        for p in 0..3u8 {
            let mine: Vec<u32> = got.iter().filter(|x| x.0 == p).map(|x| x.1).collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "per-producer order");
        }
        all.extend(got);
    }
    all.sort_unstable();
    let want: Vec<(u8, u32)> = (0..3u8)
        .flat_map(|p| (0..PER).map(move |i| (p, i)))
        .collect();
    assert_eq!(all, want);
    assert_eq!(q.qsize(), 0);
}

#[test]
fn unserializable_item_is_reported_and_the_queue_keeps_working() {
    struct NoSer;
    impl serde::Serialize for NoSer {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("cannot serialize this"))
        }
    }
    impl<'de> serde::Deserialize<'de> for NoSer {
        fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<NoSer, D::Error> {
            Ok(NoSer)
        }
    }
    let q: Queue<NoSer> = Queue::new(1).unwrap();
    assert!(matches!(
        q.put(&NoSer, true, None),
        Err(Error::Serialize(_))
    ));
    assert_eq!(q.qsize(), 0);
}

#[test]
fn an_item_that_is_not_a_t_is_bad_message_and_consumed() {
    let q: Queue<Vec<u8>> = Queue::new(0).unwrap();
    let as_u8: Queue<u8> = other_process(&q);
    q.put(&vec![1, 2, 3], true, None).unwrap();
    q.put(&vec![4], true, None).unwrap();
    assert!(matches!(as_u8.get_nowait(), Err(Error::BadMessage(_))));
    assert_eq!(q.get_nowait(), Ok(vec![4]));
}

#[test]
fn close_join_thread_and_cancel_join_thread() {
    let q: Queue<u8> = Queue::new(0).unwrap();
    assert_eq!(q.join_thread(), Err(Error::QueueNotClosed));
    q.close();
    assert_eq!(q.empty(), Ok(true), "unused: close changes nothing else");
    q.close();
    assert_eq!(q.join_thread(), Ok(()));
    q.cancel_join_thread();
    assert_eq!(q.put_nowait(&1), Err(Error::QueueClosed));
    assert_eq!(q.get_nowait(), Err(Error::QueueClosed));
    let used: Queue<u8> = Queue::new(0).unwrap();
    used.put_nowait(&1).unwrap();
    used.close();
    assert_eq!(used.empty(), Err(Error::ConnectionClosed));
    assert_eq!(used.qsize(), 1);
}

#[test]
fn joinable_queue_counts_until_every_task_is_done() {
    let q: JoinableQueue<u8> = JoinableQueue::new(0).unwrap();
    assert_eq!(q.task_done(), Err(Error::TaskDoneTooManyTimes));
    q.join().unwrap();
    for i in 0..3 {
        q.put(&i, true, None).unwrap();
    }
    assert_eq!(q.unfinished_tasks(), 3);
    let q2 = q.clone();
    let joiner = std::thread::spawn(move || {
        let t = Instant::now();
        q2.join().unwrap();
        t.elapsed()
    });
    std::thread::sleep(Duration::from_millis(50));
    for _ in 0..3 {
        q.get(true, None).unwrap();
        q.task_done().unwrap();
    }
    assert!(joiner.join().unwrap() >= Duration::from_millis(30));
    assert_eq!(q.unfinished_tasks(), 0);
    assert_eq!(q.task_done(), Err(Error::TaskDoneTooManyTimes));
}

// ------------------------------------------------------------------ a holder that died

/// The state a producer leaves when killed between counting its item and publishing it.
fn die_midway_in_a_put(q: &Queue<u32>, pid: u32) {
    let s = shared(q);
    let puts = word(q, layout::PUTS).load(Relaxed);
    let tail = word(q, layout::TAIL).load(Relaxed) & POS_MASK;
    word(q, layout::PUT_LOCK).store(pid, Release);
    s.region
        .u64_at(layout::PUT_LOG)
        .unwrap()
        .store(u64::from(tail) | u64::from(puts) << 32, Release);
    word(q, layout::PUTS).store(puts + 1, Release);
}

#[test]
fn a_producer_dead_inside_its_put_is_owner_died_and_its_count_repaired() {
    let q: Queue<u32> = Queue::new(2).unwrap();
    q.put(&1, true, None).unwrap();
    let pid = dead_pid();
    die_midway_in_a_put(&q, pid);
    assert_eq!(
        q.qsize(),
        2,
        "the dead put's reservation counts until repaired"
    );
    assert!(q.full());
    let t = Instant::now();
    assert_eq!(q.put(&2, true, BOUND), Err(Error::OwnerDied { pid }));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    // Repaired: the unpublished item is not counted, and the queue works.
    assert_eq!(q.qsize(), 1);
    q.put(&2, true, BOUND).unwrap();
    assert_eq!(q.get(true, BOUND), Ok(1));
    assert_eq!(q.get(true, BOUND), Ok(2));
    assert_eq!(q.qsize(), 0);
}

#[test]
fn a_producer_dead_after_publishing_keeps_its_item_counted() {
    let q: Queue<u32> = Queue::new(0).unwrap();
    let pid = dead_pid();
    // Log (Tail, puts) as the dead holder found them, then its whole put, then death.
    // Its whole put (which logs (Tail, puts) first), then it died still holding the lock:
    // the log describes a finished step.
    q.put(&7, true, None).unwrap();
    word(&q, layout::PUT_LOCK).store(pid, Release);
    assert_eq!(q.put(&8, true, BOUND), Err(Error::OwnerDied { pid }));
    assert_eq!(q.qsize(), 1, "Tail moved: the item is counted");
    assert_eq!(q.get(true, BOUND), Ok(7));
}

#[test]
fn a_consumer_dead_inside_its_get_is_owner_died_and_the_item_stays() {
    let q: Queue<u32> = Queue::new(0).unwrap();
    q.put(&5, true, None).unwrap();
    let pid = dead_pid();
    let gets = word(&q, layout::GETS).load(Relaxed);
    let head = word(&q, layout::HEAD).load(Relaxed) & POS_MASK;
    word(&q, layout::GET_LOCK).store(pid, Release);
    shared(&q)
        .region
        .u64_at(layout::GET_LOG)
        .unwrap()
        .store(u64::from(head) | u64::from(gets) << 32, Release);
    word(&q, layout::GETS).store(gets + 1, Release);
    assert_eq!(q.qsize(), 0);
    assert_eq!(q.get(true, BOUND), Err(Error::OwnerDied { pid }));
    assert_eq!(q.qsize(), 1);
    assert_eq!(q.get(true, BOUND), Ok(5));
}

#[test]
fn a_live_holder_is_waited_for_not_taken_over() {
    let q: Queue<u32> = Queue::new(0).unwrap();
    // Our own pid: alive. The lock stays held; a timed get times out.
    word(&q, layout::GET_LOCK).store(std::process::id(), Release);
    q.put(&1, true, None).unwrap();
    let t = Instant::now();
    assert_eq!(q.get(true, Duration::from_millis(100)), Err(Error::Empty));
    assert!(t.elapsed() >= Duration::from_millis(60));
    word(&q, layout::GET_LOCK).store(0, Release);
    assert_eq!(q.get(true, BOUND), Ok(1));
}

#[test]
fn a_zombie_is_dead_and_a_live_process_alive() {
    use crate::ipc::liveness::process_alive;
    let mut child = std::process::Command::new("sleep")
        .arg("10")
        .spawn()
        .unwrap();
    let pid = child.id();
    assert!(process_alive(pid));
    child.kill().unwrap();
    // Unreaped: a zombie until `wait`.
    let t = Instant::now();
    while process_alive(pid) {
        assert!(
            t.elapsed() < BOUND,
            "the killed child never showed as exited"
        );
        std::thread::sleep(MS);
    }
    child.wait().unwrap();
    assert!(!process_alive(pid));
    assert!(process_alive(std::process::id()));
    assert!(!process_alive(0));
    assert!(!process_alive(u32::MAX));
}

// ------------------------------------------------------------------ hostile processes

/// A small xorshift generator: the fuzz tests are reproducible from their seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What a put or get on a vandalised queue may say, by kind; `None` for anything else.
fn kind<T>(r: &Result<T, Error>) -> Option<&'static str> {
    Some(match r {
        Ok(_) => "ok",
        Err(Error::Full | Error::Empty) => "full or empty",
        Err(Error::BadFrame(_)) => "bad frame",
        Err(Error::BadMessage(_)) => "bad message",
        Err(Error::OwnerDied { .. }) => "owner died",
        Err(_) => return None,
    })
}

/// A vandal writes random values into random words and bytes of the region (counters, logs,
/// locks, ring words, data) while a producer and a consumer on other mappings work with short
/// timeouts: every call returns `Ok` or a typed error, within its bound, never a panic.
#[test]
fn fuzz_random_words_and_bytes_in_the_region_give_typed_errors() {
    let mut seen = std::collections::BTreeMap::new();
    for seed in 1..=4u64 {
        let q: Queue<Vec<u8>> = Queue::with_capacity(3, 512).unwrap();
        let len = shared(&q).region.len();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let workers: Vec<_> = (0..2)
            .map(|role| {
                let q: Queue<Vec<u8>> = other_process(&q);
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut rng = Rng(seed * 7 + role);
                    let mut kinds = std::collections::BTreeMap::new();
                    while !stop.load(Relaxed) {
                        let t = Instant::now();
                        let ok = if role == 0 {
                            let item = vec![rng.next() as u8; rng.below(100) as usize];
                            let r = q.put(&item, rng.below(2) == 0, Duration::from_millis(5));
                            kind(&r).ok_or(format!("{r:?}"))
                        } else {
                            let r = q.get(rng.below(2) == 0, Duration::from_millis(5));
                            kind(&r).ok_or(format!("{r:?}"))
                        };
                        match ok {
                            Err(r) => panic!("seed {seed}: untyped outcome {r}"),
                            Ok(kind) => *kinds.entry(kind).or_insert(0) += 1,
                        }
                        // A nowait call may wait up to 1 s for a lock a vandal marked held.
                        assert!(t.elapsed() < Duration::from_secs(3), "seed {seed}: hang");
                        let _ = (q.qsize(), q.empty(), q.full());
                    }
                    kinds
                })
            })
            .collect();
        let region = &shared(&q).region;
        let mut rng = Rng(seed);
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(300) {
            // Mostly the live words (locks, logs, counters, ring words), sometimes data.
            let at = (if rng.below(3) == 0 {
                layout::DATA + rng.below(512) as usize
            } else {
                (64 + 64 * rng.below(9)) as usize
            }) & !3;
            let value = match rng.below(4) {
                0 => rng.next() as u32,
                1 => dead_pid_cached(),
                2 => 0,
                _ => rng.below(64) as u32,
            };
            if at + 4 <= len {
                region.u32_at(at).unwrap().store(value, Relaxed);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        stop.store(true, Relaxed);
        for w in workers {
            for (k, n) in w.join().unwrap() {
                *seen.entry(k).or_insert(0) += n;
            }
        }
    }
    // The vandal did reach the checks: damage was reported, and work still got done.
    for k in ["ok", "bad frame", "owner died"] {
        assert!(
            seen.get(k).is_some_and(|&n| n > 0),
            "no {k:?} outcome: {seen:?}"
        );
    }
}

fn dead_pid_cached() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(dead_pid)
}

/// Hostile frames written on purpose: a length over the maximum, a length past what is
/// published, garbage that is not a `T`; each a typed error, the framing ones sticking (the
/// frame stays at the head), the decoding one consumed.
#[test]
fn hostile_frames_are_typed_errors() {
    let q: Queue<u32> = Queue::with_capacity(0, 64).unwrap();
    let data = shared(&q).region.span(layout::DATA, 64).unwrap();
    let tail = word(&q, layout::TAIL);
    // Garbage that is not a u32 (a 5-byte varint that overflows), in a well-formed frame.
    data.u32_at(0).unwrap().store(5, Relaxed);
    data.write(4, &[0xff; 5]).unwrap();
    tail.store(16, Release);
    word(&q, layout::PUTS).store(1, Release);
    assert!(matches!(q.get_nowait(), Err(Error::BadMessage(_))));
    assert_eq!(q.qsize(), 0);
    // A length over the maximum (56): BadFrame, and it stays.
    data.u32_at(16).unwrap().store(1 << 20, Relaxed);
    tail.store(24, Release);
    assert!(matches!(q.get_nowait(), Err(Error::BadFrame(_))));
    assert!(matches!(q.get_nowait(), Err(Error::BadFrame(_))));
    // A Tail further than the ring from Head.
    tail.store(16 + 128, Release);
    assert!(matches!(q.get(true, BOUND), Err(Error::BadFrame(_))));
    // Counters claiming more items than the ring holds (a bounded queue reads them on put).
    let q: Queue<u32> = Queue::with_capacity(5, 64).unwrap();
    word(&q, layout::PUTS).store(1000, Release);
    assert!(matches!(q.put_nowait(&1), Err(Error::BadFrame(_))));
    assert_eq!(q.qsize(), 0);
}

/// Well-framed items whose bytes are random (and, one in four, start with a length claim near
/// 2^60): each get returns a value no larger than the bytes that came, or `BadMessage`; the
/// claim never sizes an allocation (it would abort the test), and the queue keeps working.
#[test]
fn fuzz_random_frames_decode_to_values_or_bad_message() {
    let q: Queue<Vec<String>> = Queue::with_capacity(0, 4096).unwrap();
    let mut rng = Rng(99);
    let (mut values, mut refused) = (0, 0);
    for _ in 0..3000 {
        // A real encoding, sometimes damaged in one byte or cut short; or random bytes.
        let words: Vec<String> = (0..rng.below(4)).map(|i| "ab".repeat(i as usize)).collect();
        let mut payload = postcard::to_allocvec(&words).unwrap();
        match rng.below(4) {
            0 => {}
            1 => {
                let i = rng.below(payload.len() as u64) as usize;
                payload[i] = rng.next() as u8;
            }
            2 => payload.truncate(rng.below(payload.len() as u64) as usize),
            _ => payload = (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        }
        if rng.below(4) == 0 {
            let claim = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f];
            payload.splice(0..0, claim);
        }
        // Raw bytes, framed as a put frames them: what a peer may publish.
        shared(&q).put(&payload, false, None).unwrap();
        match q.get_nowait() {
            Ok(v) => {
                let bytes: usize = v.iter().map(String::len).sum();
                assert!(bytes <= payload.len());
                values += 1;
            }
            Err(Error::BadMessage(_)) => refused += 1,
            other => panic!("{other:?} for {payload:?}"),
        }
    }
    assert!(
        values > 0 && refused > 0,
        "{values} values, {refused} refused"
    );
    q.put(&vec!["still".to_owned()], true, None).unwrap();
    assert_eq!(q.get_nowait(), Ok(vec!["still".to_owned()]));
}

#[test]
fn opening_a_region_that_is_not_a_queue_is_refused() {
    let region = crate::sys::region::SharedRegion::create(8192).unwrap();
    assert!(matches!(
        Shared::open(Arc::new(region)),
        Err(Error::InvalidArgument(_))
    ));
    let q: Queue<u8> = Queue::new(0).unwrap();
    let region = q.inner.shared.region.map_again().unwrap();
    region.u32_at(8).unwrap().store(100, Relaxed); // not a power of two
    assert!(Layout::read(&region).is_err());
}
