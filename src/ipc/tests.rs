//! The pipe in one process: both ends on threads, or one end re-opened through its handle as
//! a child would (a second mapping of the region), plus the fuzz tests: random and hostile
//! bytes written into the ring's words and data, and hostile frames, each giving `Ok` or a
//! typed error, never a panic or a hang. Every wait is bounded.

use super::layout::Layout;
use super::memory::{PrivatePark, SpanRing};
use super::ring::{self, Reader, Writer, HANGUP};
use super::{pipe, Connection, ConnectionHandle, Pipe};
use crate::primitive::{AtomicU64, Ordering::*};
use crate::sys::region::Span;
use crate::time::Deadline;
use crate::Error;
use std::os::fd::{AsRawFd, IntoRawFd};
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(10);

fn within(ms: u64) -> Option<Deadline> {
    Some(Deadline::after(Duration::from_millis(ms)))
}

/// End `c` opened again through its handle, as a child process would open it (new fds, a
/// second mapping of the region); `c` is then dropped, as a parent drops its copy.
fn reopen(c: Connection) -> Connection {
    let h = c.handle().unwrap();
    let memfd = c.region().fd().try_clone_to_owned().unwrap().into_raw_fd();
    let token = c.token().unwrap().try_clone().unwrap().into_raw_fd();
    let text = h.encode();
    let parts: Vec<&str> = text.split(':').collect();
    let moved = format!("pipe1:{memfd}:{}:{token}:{}", parts[2], parts[4]);
    drop(c);
    let h = ConnectionHandle::decode(&moved).unwrap();
    // SAFETY: both numbers are dups this test made and hands over here, once.
    unsafe { h.open() }.unwrap()
}

#[test]
fn pipe_round_trips_bytes_and_values_both_ways() {
    let (a, b) = pipe(true).unwrap();
    a.send_bytes(b"").unwrap();
    a.send(&(1u8, "two", vec![3u64; 3])).unwrap();
    b.send(&-7i64).unwrap();
    assert_eq!(b.recv_bytes().unwrap(), b"");
    let v: (u8, String, Vec<u64>) = b.recv().unwrap();
    assert_eq!(v, (1, "two".to_string(), vec![3, 3, 3]));
    assert_eq!(a.recv::<i64>().unwrap(), -7);
    assert!(a.readable() && a.writable() && !a.closed());
}

#[test]
fn one_way_pipe_gives_a_reader_and_a_writer() {
    let (r, w) = pipe(false).unwrap();
    assert!(r.readable() && !r.writable());
    assert!(w.writable() && !w.readable());
    assert_eq!(r.send_bytes(b"x"), Err(Error::ConnectionReadOnly));
    assert_eq!(w.recv_bytes(), Err(Error::ConnectionWriteOnly));
    assert_eq!(
        w.poll(Some(Duration::ZERO)),
        Err(Error::ConnectionWriteOnly)
    );
    w.send(&5u32).unwrap();
    assert_eq!(r.recv::<u32>().unwrap(), 5);
}

#[test]
fn calls_after_close_are_connection_closed_and_close_twice_is_fine() {
    let (mut a, _b) = pipe(true).unwrap();
    a.close();
    a.close();
    assert!(a.closed());
    assert_eq!(a.send_bytes(b"x"), Err(Error::ConnectionClosed));
    assert_eq!(a.recv_bytes(), Err(Error::ConnectionClosed));
    assert_eq!(a.poll(None), Err(Error::ConnectionClosed));
    assert_eq!(a.send(&1u8), Err(Error::ConnectionClosed));
    assert!(matches!(a.handle(), Err(Error::ConnectionClosed)));
}

#[test]
fn peer_close_delivers_what_was_sent_then_peer_closed() {
    let (a, b) = pipe(true).unwrap();
    for i in 0..3u32 {
        b.send(&i).unwrap();
    }
    drop(b);
    assert!(a.poll(Some(Duration::ZERO)).unwrap());
    for i in 0..3u32 {
        assert_eq!(a.recv::<u32>().unwrap(), i);
    }
    assert!(
        a.poll(Some(Duration::ZERO)).unwrap(),
        "EOF counts as readable"
    );
    assert_eq!(a.recv_bytes(), Err(Error::PeerClosed));
    assert_eq!(a.send_bytes(b"x"), Err(Error::BrokenPipe));
}

#[test]
fn blocked_recv_is_woken_by_the_peer_closing() {
    let (a, mut b) = pipe(true).unwrap();
    let start = Instant::now();
    std::thread::scope(|s| {
        let t = s.spawn(|| a.recv_bytes_until(Some(Deadline::after(BOUND))));
        std::thread::sleep(Duration::from_millis(100));
        b.close();
        assert_eq!(t.join().unwrap(), Err(Error::PeerClosed));
    });
    assert!(start.elapsed() < Duration::from_secs(2));
}

/// CPython's `do_blocking_test`: the call must not return before the trigger (at +0.1 s).
#[test]
fn recv_blocks_until_a_message_arrives() {
    let (a, b) = pipe(true).unwrap();
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            b.send(&"late").unwrap();
        });
        let got = a.recv_bytes_until(Some(Deadline::after(BOUND))).unwrap();
        assert!(start.elapsed() >= Duration::from_millis(60));
        assert_eq!(
            super::codec::decode::<String>(&got.unwrap()).unwrap(),
            "late"
        );
    });
}

#[test]
fn poll_waits_up_to_its_timeout() {
    let (a, b) = pipe(true).unwrap();
    assert!(!a.poll(Some(Duration::ZERO)).unwrap());
    let t = Instant::now();
    assert!(!a.poll(Some(Duration::from_millis(100))).unwrap());
    let dt = t.elapsed();
    assert!(
        dt >= Duration::from_millis(60) && dt < Duration::from_secs(1),
        "{dt:?}"
    );
    b.send_bytes(b"!").unwrap();
    assert!(a.poll(None).unwrap());
    assert!(
        a.poll(Some(Duration::ZERO)).unwrap(),
        "poll does not consume"
    );
    assert_eq!(a.recv_bytes().unwrap(), b"!");
}

#[test]
fn too_large_message_is_refused_and_the_pipe_stays_usable() {
    let (a, b) = Pipe::new().capacity(64).open().unwrap();
    assert_eq!(a.max_message(), 56);
    assert_eq!(
        a.send_bytes(&[0; 57]),
        Err(Error::FrameTooLarge { len: 57, max: 56 })
    );
    a.send_bytes(&[7; 56]).unwrap();
    assert_eq!(b.recv_bytes().unwrap(), vec![7; 56]);
    for bad in [0, 63, 32, 1 << 29] {
        assert!(matches!(
            Pipe::new().capacity(bad).open(),
            Err(Error::InvalidArgument(_))
        ));
    }
}

#[test]
fn send_blocks_on_a_full_ring_until_the_reader_takes() {
    let (a, b) = Pipe::new().capacity(64).open().unwrap();
    a.send_bytes(&[1; 56]).unwrap(); // fills the ring
    assert_eq!(a.send_bytes_until(&[2; 1], within(50)), Ok(false));
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            assert_eq!(b.recv_bytes().unwrap(), vec![1; 56]);
        });
        assert_eq!(
            a.send_bytes_until(&[2; 56], Some(Deadline::after(BOUND))),
            Ok(true)
        );
        assert!(start.elapsed() >= Duration::from_millis(60));
    });
    assert_eq!(b.recv_bytes().unwrap(), vec![2; 56]);
}

#[test]
fn send_blocked_on_a_full_ring_is_woken_by_the_reader_closing() {
    let (a, mut b) = Pipe::new().capacity(64).open().unwrap();
    a.send_bytes(&[1; 56]).unwrap();
    std::thread::scope(|s| {
        let t = s.spawn(|| a.send_bytes_until(&[1; 8], Some(Deadline::after(BOUND))));
        std::thread::sleep(Duration::from_millis(100));
        b.close();
        assert_eq!(t.join().unwrap(), Err(Error::BrokenPipe));
    });
}

#[test]
fn encode_failure_sends_nothing_and_decode_failure_consumes_one_message() {
    struct Refuses;
    impl serde::Serialize for Refuses {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("this value refuses"))
        }
    }
    let (a, b) = pipe(true).unwrap();
    assert!(matches!(a.send(&Refuses), Err(Error::Serialize(_))));
    assert!(!b.poll(Some(Duration::ZERO)).unwrap(), "nothing was sent");
    a.send_bytes(&[0xFF; 3]).unwrap(); // not a varint-prefixed string
    a.send(&(1u16, 2u16)).unwrap(); // 2 bytes left over as a u16
    a.send(&"ok").unwrap();
    assert!(matches!(b.recv::<String>(), Err(Error::BadMessage(_))));
    assert!(matches!(b.recv::<u16>(), Err(Error::BadMessage(_))));
    assert_eq!(b.recv::<String>().unwrap(), "ok");
}

/// Two mappings of one region (one end re-opened as a child would), two threads: many
/// messages of every size through a small ring, wrapping many times, in order.
#[test]
fn two_mappings_two_threads_carry_every_size_in_order_across_wraps() {
    let (a, b) = Pipe::new().capacity(256).open().unwrap();
    let b = reopen(b);
    assert_ne!(
        a.region().fd().as_raw_fd(),
        b.region().fd().as_raw_fd(),
        "a second mapping"
    );
    const N: u32 = 3000;
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..N {
                let len = (i as usize * 7) % 249;
                let msg: Vec<u8> = (0..len).map(|k| (i as usize + k) as u8).collect();
                assert_eq!(
                    a.send_bytes_until(&msg, Some(Deadline::after(BOUND))),
                    Ok(true)
                );
            }
            // And the other way.
            assert_eq!(a.recv::<u32>().unwrap(), N);
        });
        for i in 0..N {
            let got = b
                .recv_bytes_until(Some(Deadline::after(BOUND)))
                .unwrap()
                .unwrap();
            let len = (i as usize * 7) % 249;
            assert_eq!(got.len(), len, "message {i}");
            assert!(got
                .iter()
                .enumerate()
                .all(|(k, &x)| x == (i as usize + k) as u8));
        }
        b.send(&N).unwrap();
    });
    assert!(start.elapsed() < BOUND);
}

/// The ring over heap memory and the private futex (what Miri can run: no mapping, no
/// socket), two threads, frames of every size, wrapping.
#[test]
fn ring_over_heap_memory_carries_frames_between_threads() {
    let words: Vec<AtomicU64> = (0..2).map(|_| AtomicU64::new(0)).collect();
    let data: Vec<AtomicU64> = (0..16).map(|_| AtomicU64::new(0)).collect(); // 128 bytes
    let words = Span::over(&words);
    let (tail, head) = (words.u32_at(0).unwrap(), words.u32_at(8).unwrap());
    let alive = || true;
    let mem: SpanRing<'_, PrivatePark, _> =
        SpanRing::new(tail, head, Span::over(&data), alive).unwrap();
    let n: u32 = if cfg!(miri) { 40 } else { 2000 };
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut w = Writer::attach(&mem).unwrap();
            for i in 0..n {
                let msg = vec![i as u8; (i % 121) as usize];
                ring::send(&mem, &mut w, &msg, Some(Deadline::after(BOUND))).unwrap();
            }
        });
        let mut r = Reader::attach(&mem).unwrap();
        for i in 0..n {
            let got = ring::recv(&mem, &mut r, Some(Deadline::after(BOUND))).unwrap();
            assert_eq!(got, vec![i as u8; (i % 121) as usize]);
        }
    });
}

/// A xorshift generator: the fuzz tests are reproducible from their seed.
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

/// Offsets of ring 0 of `c`'s pipe: (tail word, head word, data, capacity).
fn ring0(c: &Connection) -> (usize, usize, usize, usize) {
    let l: Layout = c.layout();
    (
        Layout::tail_offset(0),
        Layout::head_offset(0),
        l.data_offset(0),
        l.capacity as usize,
    )
}

/// The outcome of one bounded receive: a message, nothing (timed out), or a typed error.
fn fuzz_outcome_ok(r: &Result<Option<Vec<u8>>, Error>, cap: usize) -> bool {
    match r {
        Ok(Some(m)) => m.len() <= cap - 8,
        Ok(None) => true,
        Err(Error::BadFrame(_) | Error::PeerClosed) => true,
        Err(_) => false,
    }
}

/// Raw ring corruption: a peer writes random values into the control words and the data
/// bytes, between and during legitimate sends and receives. Every receive and send gives a
/// message no longer than the maximum, a timeout, or a typed error.
#[test]
fn fuzz_random_words_and_bytes_in_the_ring_give_typed_errors() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut messages, mut bad_frames) = (0, 0);
    for round in 0..300 {
        let cap = 64 << rng.below(4);
        let (a, b) = Pipe::new().capacity(cap).open().unwrap();
        let (tail, head, data, cap) = ring0(&a);
        let region = a.region().clone();
        for _ in 0..20 {
            match rng.below(8) {
                0 => {
                    let v = rng.next() as u32;
                    region.u32_at(tail).unwrap().store(v, Release);
                }
                1 => {
                    let v = rng.next() as u32;
                    region.u32_at(head).unwrap().store(v, Release);
                }
                2 => {
                    // A small, plausible move of the writer's position (more likely to pass
                    // the range check and reach the frame checks).
                    let w = region.u32_at(tail).unwrap();
                    let step = rng.below(cap as u64 + 1) as u32;
                    w.store(w.load(Relaxed).wrapping_add(step), Release);
                }
                3 | 4 => {
                    let at = rng.below(cap as u64) as usize & !3;
                    let v = rng.next() as u32;
                    region.u32_at(data + at).unwrap().store(v, Release);
                }
                5 => {
                    let len = rng.below(a.max_message() as u64 + 1) as usize;
                    let r = a.send_bytes_until(&vec![0xA5; len], within(1));
                    assert!(
                        matches!(r, Ok(_) | Err(Error::BadFrame(_) | Error::BrokenPipe)),
                        "round {round}: send gave {r:?}"
                    );
                }
                _ => {
                    let r = b.recv_bytes_until(within(1));
                    assert!(fuzz_outcome_ok(&r, cap), "round {round}: recv gave {r:?}");
                    messages += matches!(r, Ok(Some(_))) as u32;
                    bad_frames += matches!(r, Err(Error::BadFrame(_))) as u32;
                    let p = b.poll(Some(Duration::ZERO));
                    assert!(
                        matches!(p, Ok(_) | Err(Error::BadFrame(_))),
                        "round {round}: poll gave {p:?}"
                    );
                }
            }
        }
    }
    // The fuzz reached both the frame checks and past them.
    assert!(
        messages > 50 && bad_frames > 50,
        "{messages} messages, {bad_frames} bad frames"
    );
}

/// Hostile frames: well-placed headers with lengths over the maximum, lengths longer than
/// the bytes published, positions out of range, misaligned. Each is the typed error, the
/// allocation never follows the claim, and the error sticks (the framing is lost).
#[test]
fn hostile_frame_headers_are_bad_frames_and_stay_so() {
    let cases: [(&str, u32, u32); 5] = [
        ("claims u32::MAX bytes", u32::MAX, 8),
        ("claims just over the maximum", 57, 64),
        ("claims more than published", 40, 16),
        ("published less than a header", 0, 4),
        ("writer's position past the capacity", 0, 72),
    ];
    for (what, len, published) in cases {
        let (a, b) = Pipe::new().capacity(64).open().unwrap();
        let (tail, _, data, _) = ring0(&a);
        let region = a.region();
        region.u32_at(data).unwrap().store(len, Relaxed);
        region.u32_at(tail).unwrap().store(published, Release);
        let r = b.recv_bytes_until(within(1000));
        assert!(matches!(r, Err(Error::BadFrame(_))), "{what}: {r:?}");
        assert_eq!(
            b.recv_bytes_until(within(1000)),
            r,
            "{what}: the error sticks"
        );
        assert!(matches!(
            b.poll(Some(Duration::ZERO)),
            Err(Error::BadFrame(_))
        ));
        // The other direction is unaffected.
        b.send(&1u8).unwrap();
        assert_eq!(a.recv::<u8>().unwrap(), 1);
    }
    // A reader position changed under the writer: the writer refuses to trust it.
    let (a, _b) = Pipe::new().capacity(64).open().unwrap();
    let (_, head, _, _) = ring0(&a);
    a.region().u32_at(head).unwrap().store(12, Release); // misaligned
    assert!(matches!(a.send_bytes(b"x"), Err(Error::BadFrame(_))));
}

/// Hostile payloads through the front door: random bytes received as values of several
/// types. Each is a value or `Error::BadMessage`, and postcard's length prefixes (which claim up
/// to 2^64 elements) never make it allocate what they claim.
#[test]
fn fuzz_random_frames_decode_to_values_or_decode_errors() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let (a, b) = pipe(true).unwrap();
    for i in 0..5000 {
        let len = rng.below(40) as usize;
        let mut msg: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if i % 3 == 0 && !msg.is_empty() {
            msg[0] = 0xFF; // a huge varint length prefix
        }
        a.send_bytes(&msg).unwrap();
        let ok = match i % 4 {
            0 => matches!(b.recv::<Vec<u64>>(), Ok(_) | Err(Error::BadMessage(_))),
            1 => matches!(b.recv::<String>(), Ok(_) | Err(Error::BadMessage(_))),
            2 => matches!(
                b.recv::<(u8, Option<Vec<String>>, i64)>(),
                Ok(_) | Err(Error::BadMessage(_))
            ),
            _ => matches!(
                b.recv::<std::collections::BTreeMap<u32, Vec<u8>>>(),
                Ok(_) | Err(Error::BadMessage(_))
            ),
        };
        assert!(ok, "message {i}: {msg:?}");
    }
    assert!(
        !b.poll(Some(Duration::ZERO)).unwrap(),
        "every message was consumed"
    );
}

/// A hang-up by one holder of an end while another holder lives on (a parent dropping its
/// copy after handing the end to a child) is not taken for the end's death, and the bit is
/// cleared so later calls do not pay for it.
#[test]
fn closing_one_of_two_holders_does_not_end_the_pipe() {
    let (a, b) = pipe(true).unwrap();
    let h = b.handle().unwrap();
    let memfd = b.region().fd().try_clone_to_owned().unwrap().into_raw_fd();
    let token = b.token().unwrap().try_clone().unwrap().into_raw_fd();
    let end = h.encode().rsplit(':').next().unwrap().to_string();
    let text = format!("pipe1:{memfd}:{}:{token}:{end}", b.region().len());
    // SAFETY: dups this test made and hands over here, once.
    let b2 = unsafe { ConnectionHandle::decode(&text).unwrap().open() }.unwrap();
    drop(b); // one holder closes; b2 holds the end still
    assert!(!a.poll(Some(Duration::from_millis(50))).unwrap());
    // Ring 1 carries B -> A; its Tail word is B's.
    assert_eq!(
        a.region()
            .u32_at(Layout::tail_offset(1))
            .unwrap()
            .load(Relaxed)
            & HANGUP,
        0,
        "the reader cleared the hang-up once it found the end alive"
    );
    a.send(&3u8).unwrap();
    assert_eq!(b2.recv::<u8>().unwrap(), 3);
    b2.send(&4u8).unwrap();
    assert_eq!(a.recv::<u8>().unwrap(), 4);
    drop(b2);
    assert_eq!(a.recv_bytes(), Err(Error::PeerClosed));
}

/// `poll` does not queue behind a `recv` that another thread has blocked on the same end:
/// its timeout holds.
#[test]
fn poll_is_not_held_up_by_a_recv_blocked_in_another_thread() {
    let (a, b) = pipe(true).unwrap();
    std::thread::scope(|s| {
        let blocked = s.spawn(|| a.recv_bytes_until(Some(Deadline::after(BOUND))));
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        assert!(!a.poll(Some(Duration::from_millis(50))).unwrap());
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "poll waited {:?}",
            t.elapsed()
        );
        b.send_bytes(b"x").unwrap();
        assert_eq!(blocked.join().unwrap(), Ok(Some(b"x".to_vec())));
    });
}

/// A reader that found its writer dead without a close (a slice timed out) leaves HANGUP on
/// the word, so the next call answers at once instead of sleeping another slice.
#[test]
fn a_dead_writer_found_by_a_slice_is_marked_for_later_calls() {
    let words: Vec<AtomicU64> = (0..2).map(|_| AtomicU64::new(0)).collect();
    let data: Vec<AtomicU64> = (0..8).map(|_| AtomicU64::new(0)).collect();
    let words = Span::over(&words);
    let tail = words.u32_at(0).unwrap();
    let mem: SpanRing<'_, PrivatePark, _> =
        SpanRing::new(tail, words.u32_at(8).unwrap(), Span::over(&data), || false).unwrap();
    let mut r = Reader::attach(&mem).unwrap();
    assert_eq!(tail.load(Relaxed) & HANGUP, 0);
    assert_eq!(
        ring::recv(&mem, &mut r, None),
        Err(super::ring::RingError::PeerGone)
    );
    assert_ne!(tail.load(Relaxed) & HANGUP, 0, "marked");
    let t = Instant::now();
    assert_eq!(
        ring::recv(&mem, &mut r, None),
        Err(super::ring::RingError::PeerGone)
    );
    assert!(
        t.elapsed() < ring::SLICE,
        "the second call slept a slice: {:?}",
        t.elapsed()
    );
}

/// `poll` from one thread while another receives a stream through a small ring: the
/// poller's position goes stale by more than a ring, which is not a framing error.
#[test]
fn poll_racing_a_receiver_never_reports_a_false_bad_frame() {
    let (a, b) = Pipe::new().capacity(64).open().unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..20_000u32 {
                assert_eq!(
                    a.send_bytes_until(&i.to_le_bytes(), Some(Deadline::after(BOUND))),
                    Ok(true)
                );
            }
        });
        s.spawn(|| {
            while !done.load(Relaxed) {
                assert!(b.poll(Some(Duration::from_millis(1))).is_ok());
            }
        });
        for i in 0..20_000u32 {
            let got = b
                .recv_bytes_until(Some(Deadline::after(BOUND)))
                .unwrap()
                .unwrap();
            assert_eq!(got, i.to_le_bytes());
        }
        done.store(true, Relaxed);
    });
}
