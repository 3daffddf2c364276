//! The region on its own: bounds and alignment of typed access, two mappings of one memfd
//! seeing each other's writes, the shared futex meeting across two mappings, and what
//! `from_inherited` refuses.

use super::{RegionHandle, SharedRegion};
use crate::primitive::{AtomicU64, Ordering::*};
use crate::sys::futex::{shared, WaitOutcome};
use crate::Error;
use std::os::fd::{IntoRawFd, OwnedFd};
use std::time::{Duration, Instant};

#[test]
fn region_typed_access_is_bounds_and_alignment_checked() {
    let r = SharedRegion::create(64).unwrap();
    assert_eq!(r.len(), 64);
    assert!(r.u32_at(60).is_ok());
    assert!(matches!(r.u32_at(61), Err(Error::InvalidArgument(_))));
    assert!(matches!(r.u32_at(64), Err(Error::InvalidArgument(_))));
    assert!(matches!(
        r.u32_at(usize::MAX - 1),
        Err(Error::InvalidArgument(_))
    ));
    assert!(r.u64_at(56).is_ok());
    assert!(matches!(r.u64_at(60), Err(Error::InvalidArgument(_))));
    assert!(matches!(r.span(8, 57), Err(Error::InvalidArgument(_))));
    assert!(matches!(r.span(4, 8), Err(Error::InvalidArgument(_))));
    let s = r.span(8, 16).unwrap();
    assert!(s.write(10, &[1; 6]).is_ok());
    assert!(matches!(
        s.write(11, &[1; 6]),
        Err(Error::InvalidArgument(_))
    ));
    let mut buf = [0u8; 17];
    assert!(matches!(
        s.read(0, &mut buf),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        SharedRegion::create(0),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn region_starts_zeroed_and_two_mappings_share_bytes_and_words() {
    let a = SharedRegion::create(4096).unwrap();
    let b = a.map_again().unwrap();
    assert_ne!(
        a.bytes().u32_at(0).unwrap().as_ptr(),
        b.bytes().u32_at(0).unwrap().as_ptr()
    );
    assert_eq!(b.u64_at(4088).unwrap().load(Relaxed), 0);
    a.u32_at(128).unwrap().store(0xDEAD_BEEF, Release);
    assert_eq!(b.u32_at(128).unwrap().load(Acquire), 0xDEAD_BEEF);
    b.span(256, 8).unwrap().write(0, b"shared!!").unwrap();
    let mut got = [0u8; 8];
    a.span(256, 8).unwrap().read(0, &mut got).unwrap();
    assert_eq!(&got, b"shared!!");
}

/// The shared futex keys the word by the memory, not the address: a waiter on one mapping is
/// woken by a wake on the other (the private kind would key them apart and sleep on).
#[test]
fn shared_futex_wakes_across_two_mappings() {
    let a = SharedRegion::create(4096).unwrap();
    let b = a.map_again().unwrap();
    let start = Instant::now();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let w = a.u32_at(64).unwrap();
            while w.load(Acquire) == 0 {
                // Bounded: a lost wake-up fails the test instead of hanging it.
                if shared::wait(w, 0, Some(Duration::from_secs(10))) == WaitOutcome::TimedOut {
                    return false;
                }
            }
            true
        });
        std::thread::sleep(Duration::from_millis(50));
        let w = b.u32_at(64).unwrap();
        w.store(1, Release);
        shared::wake_all(w);
        assert!(
            waiter.join().unwrap(),
            "the waiter was not woken through the other mapping"
        );
    });
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn shared_futex_wait_times_out_and_returns_at_once_on_a_changed_word() {
    let a = SharedRegion::create(64).unwrap();
    let w = a.u32_at(0).unwrap();
    let t = Instant::now();
    assert_eq!(
        shared::wait(w, 0, Some(Duration::from_millis(100))),
        WaitOutcome::TimedOut
    );
    assert!(t.elapsed() >= Duration::from_millis(60));
    assert_eq!(shared::wait(w, 7, None), WaitOutcome::Woken);
    shared::wake_one(w); // nobody waits: a no-op
}

/// A handle as a child gets it: an fd number we own (a dup), mapped again.
fn inherit(r: &SharedRegion, len: usize) -> Result<SharedRegion, Error> {
    let fd: OwnedFd = r.fd().try_clone_to_owned().unwrap();
    let handle = RegionHandle {
        fd: fd.into_raw_fd(),
        len,
    };
    // SAFETY: `handle.fd` is a dup this test owns and hands over here, once.
    unsafe { SharedRegion::from_inherited(handle) }
}

#[test]
fn from_inherited_maps_the_same_memory_and_checks_the_fd() {
    let r = SharedRegion::create(8192).unwrap();
    r.u32_at(4).unwrap().store(42, Release);
    let child = inherit(&r, 8192).unwrap();
    assert_eq!(child.u32_at(4).unwrap().load(Acquire), 42);
    // A wrong size: refused (the fd is closed by the failed call, which owned it).
    assert!(matches!(inherit(&r, 4096), Err(Error::InvalidArgument(_))));
    // A closed fd number: refused before anything takes it.
    let bogus = RegionHandle {
        fd: 1 << 20,
        len: 8,
    };
    // SAFETY: the number is not open (checked by the call before it takes ownership).
    assert!(matches!(
        unsafe { SharedRegion::from_inherited(bogus) },
        Err(Error::Os { .. })
    ));
    // A pipe is not a sealed memfd.
    let (rd, wr) = std::io::pipe().unwrap();
    drop(wr);
    let fd: OwnedFd = rd.into();
    let h = RegionHandle {
        fd: fd.into_raw_fd(),
        len: 8,
    };
    // SAFETY: the pipe's read end is ours and handed over here, once.
    assert!(matches!(
        unsafe { SharedRegion::from_inherited(h) },
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn region_handle_round_trips_as_text_and_refuses_garbage() {
    let h = RegionHandle {
        fd: 7,
        len: 1 << 20,
    };
    assert_eq!(RegionHandle::decode(&h.encode()), Ok(h));
    for bad in ["", "7", "7:", ":9", "x:9", "7:-1", "7:9:1"] {
        assert!(RegionHandle::decode(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn span_over_heap_memory_copies_and_gives_words() {
    let mem: Vec<AtomicU64> = (0..4).map(|_| AtomicU64::new(0)).collect();
    let s = super::Span::over(&mem);
    assert_eq!(s.len(), 32);
    s.write(30, &[9, 9]).unwrap();
    s.u32_at(0).unwrap().store(5, Relaxed);
    let mut b = [0u8; 2];
    s.read(30, &mut b).unwrap();
    assert_eq!(b, [9, 9]);
    assert_eq!(mem[0].load(Relaxed) & 0xFFFF_FFFF, 5);
    // A run of words (the shared Condition's marks), bounds- and alignment-checked.
    let words = s.u32s_at(8, 6).unwrap();
    words[5].store(7, Relaxed);
    assert_eq!(mem[3].load(Relaxed) >> 32, 7);
    assert!(matches!(s.u32s_at(8, 7), Err(Error::InvalidArgument(_))));
    assert!(matches!(s.u32s_at(2, 1), Err(Error::InvalidArgument(_))));
    assert!(matches!(
        s.u32s_at(0, usize::MAX / 2),
        Err(Error::InvalidArgument(_))
    ));
}

/// The algorithms of `algo/` run unchanged over words in a region: a `RawLock` whose word is
/// seen through two mappings (two "processes") excludes and wakes across them.
#[test]
fn raw_lock_over_words_of_two_mappings_excludes_and_wakes() {
    use crate::algo::raw_lock::RawLock;
    let a = SharedRegion::create(4096).unwrap();
    let b = a.map_again().unwrap();
    const ROUNDS: u64 = 20_000;
    std::thread::scope(|s| {
        for region in [&a, &b] {
            s.spawn(move || {
                let lock = RawLock::over(region.word(0).unwrap());
                let counter = region.u64_at(8).unwrap();
                for _ in 0..ROUNDS {
                    if !lock.try_lock() {
                        assert!(lock.lock_contended(None));
                    }
                    // A read-then-write increment: lost updates unless the lock excludes.
                    counter.store(counter.load(Relaxed) + 1, Relaxed);
                    assert!(lock.unlock());
                }
            });
        }
    });
    assert_eq!(a.u64_at(8).unwrap().load(Relaxed), 2 * ROUNDS);
    assert!(!RawLock::over(b.word(0).unwrap()).is_locked());
}
