//! Not CPython's cases, but its rules at the edges of `maxsize` (spec §8, "maxsize <= 0 means
//! unbounded", "maxsize may be changed at runtime"): a huge bound costs nothing, the bound can
//! be raised, lowered, made unbounded or huge at any time (also after gets have moved the
//! queue's head), and timed puts keep their timeouts against a changed bound. Regression tests
//! for issue 9, items 1 and 2.

use super::queue_common::{new, per_kind, FifoKind, Kind, LifoKind, PriorityKind, Q};
use super::{assert_timeout, timed};
use concurrency::Error;
use std::sync::Arc;
use std::time::Duration;

/// 2^40 where `usize` holds it; `usize::MAX` on 32-bit targets (wasm32).
const TWO_TO_40: usize = if usize::BITS > 40 {
    (1u64 << 40) as usize
} else {
    usize::MAX
};

/// Huge bounds, as Python code says "practically unbounded".
const HUGE: [usize; 3] = [usize::MAX, TWO_TO_40, 10_000_000];

/// How long a timed put on a full queue waits in these cases.
const WAIT: Duration = Duration::from_millis(200);

fn resize<K: Kind>(q: &Q<K, u32>, maxsize: usize) {
    q.set_maxsize(maxsize);
}

/// Puts `n` items without waiting; each must go in.
fn fill<K: Kind>(q: &Q<K, u32>, n: u32) {
    for i in 0..n {
        if let Err(e) = q.put_nowait(i) {
            panic!(
                "put {i} of {n} failed: {:?} (maxsize {})",
                e.error,
                q.maxsize()
            );
        }
    }
}

/// Gets `n` items without waiting.
fn drain<K: Kind>(q: &Q<K, u32>, n: u32) {
    for i in 0..n {
        assert!(q.get_nowait().is_ok(), "get {i} of {n} failed");
    }
}

/// A timed blocking put on a full queue: Full, the item back, after about `WAIT`.
fn put_times_out<K: Kind>(q: &Q<K, u32>) {
    let (r, took) = timed(|| q.put(77, true, WAIT));
    let e = r.expect_err("a put into a full queue succeeded");
    assert_eq!((e.error, e.item), (Error::Full, 77));
    assert_timeout(took, WAIT);
}

fn huge_maxsize_costs_nothing<K: Kind>() {
    // Storage grows with the items held: many queues with a huge bound are created at once in
    // far less time than allocating that bound would take (10 million slots took 0.5 s and
    // 160 MB each; 2^40 aborted the process; usize::MAX panicked).
    let (queues, took) = timed(|| {
        (0..8)
            .flat_map(|_| HUGE)
            .map(new::<K, u32>)
            .collect::<Vec<Arc<Q<K, u32>>>>()
    });
    assert!(
        took < Duration::from_millis(500),
        "creating {} queues with huge bounds took {took:?}",
        queues.len()
    );
    for q in queues.iter().take(HUGE.len()) {
        assert!(!q.full() && q.empty());
        fill::<K>(q, 1000);
        assert_eq!(q.qsize(), 1000);
        assert!(!q.full(), "1000 items are far from {}", q.maxsize());
        drain::<K>(q, 1000);
        assert_eq!(q.get_nowait(), Err(Error::Empty));
        assert!(
            q.put(1, true, 0.0).is_ok(),
            "a timed put with room succeeds"
        );
    }
    for (q, maxsize) in queues.iter().zip(HUGE) {
        assert_eq!(q.maxsize(), maxsize, "the bound is kept as given");
    }
}

per_kind! {
    /// `Queue::new` with a huge `maxsize` (`usize::MAX`, 2^40, 10 million) allocates nothing
    /// up front, and the queue works.
    huge_maxsize_costs_nothing() => huge_maxsize_costs_nothing_fifo, huge_maxsize_costs_nothing_lifo, huge_maxsize_costs_nothing_priority
}

fn set_maxsize_raises_and_lowers_freely<K: Kind>() {
    let q = new::<K, u32>(2);
    fill::<K>(&q, 2);
    assert!(q.full());
    resize::<K>(&q, 3); // past the bound it was created with
    assert_eq!(q.maxsize(), 3);
    q.put_nowait(2).expect("a raised bound gives room");
    assert_eq!(q.put_nowait(3).unwrap_err().error, Error::Full);
    resize::<K>(&q, 0); // 0: unbounded, as maxsize <= 0 in CPython
    assert_eq!(q.maxsize(), 0);
    fill::<K>(&q, 100);
    assert!(!q.full(), "an unbounded queue is never full");
    assert_eq!(q.qsize(), 103);
    resize::<K>(&q, 50); // below the items held
    assert!(q.full());
    assert_eq!(q.put_nowait(9).unwrap_err().error, Error::Full);
    drain::<K>(&q, 54);
    assert_eq!(q.qsize(), 49);
    q.put_nowait(9).expect("49 of 50: room for one");
    assert_eq!(q.put_nowait(9).unwrap_err().error, Error::Full);
    resize::<K>(&q, 1000);
    fill::<K>(&q, 950);
    assert!(q.full());
    assert_eq!(q.qsize(), 1000);
}

per_kind! {
    /// `set_maxsize` raises the bound past the one the queue was created with, makes it
    /// unbounded (0) and bounded again, below the items held too.
    set_maxsize_raises_and_lowers_freely() => set_maxsize_raises_and_lowers_freely_fifo, set_maxsize_raises_and_lowers_freely_lifo, set_maxsize_raises_and_lowers_freely_priority
}

fn set_maxsize_huge_after_gets<K: Kind>() {
    for created in [0, 1, 4] {
        for huge in HUGE {
            let q = new::<K, u32>(created);
            resize::<K>(&q, 1);
            // Move the head: 0 + maxsize no longer fits where head + maxsize overflowed.
            for _ in 0..3 {
                fill::<K>(&q, 1);
                drain::<K>(&q, 1);
            }
            resize::<K>(&q, huge);
            assert!(q.empty());
            let (r, took) = timed(|| q.put(1, true, WAIT));
            assert!(r.is_ok(), "a timed put into an empty queue failed");
            assert!(took < WAIT, "a timed put with room waited {took:?}");
            q.put_nowait(2).unwrap_or_else(|e| {
                panic!("put_nowait into a queue of maxsize {huge}: {:?}", e.error)
            });
            fill::<K>(&q, 500);
            assert!(!q.full());
            // And back down: the old bound holds again.
            resize::<K>(&q, 502);
            assert!(q.full());
            put_times_out::<K>(&q);
        }
    }
}

per_kind! {
    /// `set_maxsize` to a huge bound (`usize::MAX` too) after gets: puts go in (a sum of the
    /// head's count and the bound overflowed: a panic, or Full on an empty queue and a put that
    /// spun past its timeout).
    set_maxsize_huge_after_gets() => set_maxsize_huge_after_gets_fifo, set_maxsize_huge_after_gets_lifo, set_maxsize_huge_after_gets_priority
}

fn timed_put_after_maxsize_changed<K: Kind>() {
    let q = new::<K, u32>(1);
    fill::<K>(&q, 1);
    put_times_out::<K>(&q);
    resize::<K>(&q, 2);
    let (r, took) = timed(|| q.put(5, true, WAIT));
    assert!(r.is_ok(), "a raised bound gives a timed put room");
    assert!(took < WAIT, "the put with room waited {took:?}");
    assert!(q.full());
    assert_eq!(q.put_nowait(6).unwrap_err().error, Error::Full);
    put_times_out::<K>(&q);
    resize::<K>(&q, 1); // lowered below the two items held
    assert_eq!(q.put_nowait(6).unwrap_err().error, Error::Full);
    put_times_out::<K>(&q);
    drain::<K>(&q, 1);
    assert_eq!(q.put_nowait(6).unwrap_err().error, Error::Full, "1 of 1");
    put_times_out::<K>(&q);
    drain::<K>(&q, 1);
    assert!(q.put(6, true, WAIT).is_ok());
}

per_kind! {
    /// `put_nowait` and a timed `put` on a queue whose bound was raised and lowered: room is
    /// used at once, a full queue gives Full, after the timeout for a timed put.
    timed_put_after_maxsize_changed() => timed_put_after_maxsize_changed_fifo, timed_put_after_maxsize_changed_lifo, timed_put_after_maxsize_changed_priority
}

fn blocking_put_on_full_queue_times_out<K: Kind>() {
    for (created, maxsize) in [
        (1, 1),
        (3, 3),
        (64, 64),
        (1000, 1000),
        (0, 3),
        (usize::MAX, 3),
    ] {
        let q = new::<K, u32>(created);
        if created != maxsize {
            // The bound set later, from unbounded or huge, after the head moved on.
            fill::<K>(&q, 5);
            drain::<K>(&q, 5);
            resize::<K>(&q, usize::MAX);
            fill::<K>(&q, 1);
            drain::<K>(&q, 1);
            resize::<K>(&q, maxsize);
        }
        fill::<K>(&q, maxsize as u32);
        put_times_out::<K>(&q);
        // With the head moved on, and full again.
        drain::<K>(&q, maxsize as u32);
        fill::<K>(&q, maxsize as u32);
        put_times_out::<K>(&q);
        assert_eq!(q.qsize(), maxsize, "a timed-out put left nothing behind");
    }
}

per_kind! {
    /// A blocking `put` with a timeout on a full queue returns Full within CPython's tolerance
    /// (0.6 to 10 times the timeout), with the item back; also when its bound was set after
    /// being unbounded or huge.
    blocking_put_on_full_queue_times_out() => blocking_put_on_full_queue_times_out_fifo, blocking_put_on_full_queue_times_out_lifo, blocking_put_on_full_queue_times_out_priority
}
