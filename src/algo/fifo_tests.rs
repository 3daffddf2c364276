//! Unit tests of the lock-free FIFO stores (`fifo_list.rs`, `fifo_ring.rs`) and of the move from
//! one to the other (`fifo_core.rs`), small enough for Miri (`cargo miri test --lib algo::fifo`),
//! which checks their unsafe code for undefined behaviour, data races and leaks; the items are
//! boxed so that a leak or a double drop shows.

use super::fifo_bound::Bound;
use super::fifo_core::{FifoCore, RING_BYTES};
use super::fifo_list::{FifoList, PopFail, PushFail, SLOTS};
use super::fifo_ring::FifoRing;
use super::queue_core::{GetFail, PutFail};
use std::sync::Arc;

/// A list push that any count admits.
fn push_any<T>(list: &FifoList<T>, item: T) -> Result<(), (PushFail, T)> {
    list.push(item, |_| true)
}

// ---- the list of blocks ----

#[test]
fn items_cross_blocks_in_order_and_leftovers_are_dropped() {
    let list = FifoList::new();
    for i in 0..3 * SLOTS {
        assert!(push_any(&list, Box::new(i)).is_ok());
    }
    for i in 0..2 * SLOTS + 1 {
        assert_eq!(list.pop().map(|b| *b), Ok(i));
    }
    assert_eq!(list.len(), SLOTS - 1);
    assert!(list.close());
    assert!(push_any(&list, Box::new(0)).is_err());
    // The rest (boxed, so a leak or a double drop shows under Miri) goes with the list.
}

#[test]
fn emptied_blocks_are_reused() {
    let list = FifoList::new();
    let mut next = 0;
    for round in 0..5 {
        for _ in 0..2 * SLOTS + round {
            assert!(push_any(&list, Box::new(next)).is_ok());
            next += 1;
        }
        let spares = list.spare_count();
        assert!(round == 0 || spares <= 2, "the pushes took the spares back");
        for _ in 0..2 * SLOTS + round {
            assert!(list.pop().is_ok());
        }
        let spares = list.spare_count();
        assert!(spares >= 2, "emptied blocks are kept: {spares}");
    }
}

#[test]
fn list_admits_by_the_count_of_items_put_before() {
    let list = FifoList::new();
    let bound = Bound::new(2);
    let push = |item| list.push(item, |puts| bound.admits(puts, || list.taken()));
    assert!(push(1).is_ok() && push(2).is_ok());
    assert_eq!(push(3), Err((PushFail::Full, 3)));
    bound.set(3, || {});
    assert!(push(3).is_ok());
    assert_eq!(list.pop(), Ok(1));
    assert!(push(4).is_ok());
    assert_eq!(list.len(), 3);
    bound.set(usize::MAX, || {}); // head + maxsize saturates, never wraps
    for i in 5..5 + 2 * SLOTS as i32 {
        assert!(push(i).is_ok(), "a huge bound refused item {i}");
    }
}

#[test]
fn list_two_producers_two_consumers_hand_over_everything_once() {
    hand_over(Arc::new(FifoList::new()), push_any, FifoList::pop);
}

type Push<S> = fn(&S, Box<usize>) -> Result<(), (PushFail, Box<usize>)>;
type Pop<S> = fn(&S) -> Result<Box<usize>, PopFail>;

/// Two producers push (retrying while full) and two consumers pop (retrying while empty)
/// through `store`: every item arrives exactly once. Shared with the ring's tests.
fn hand_over<S: Send + Sync + 'static>(store: Arc<S>, push: Push<S>, pop: Pop<S>) {
    const EACH: usize = if cfg!(miri) { 40 } else { 20_000 };
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let mut item = Box::new(p * EACH + i);
                    while let Err((_, back)) = push(&store, item) {
                        item = back;
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                while got.len() < EACH {
                    match pop(&store) {
                        Ok(b) => got.push(*b),
                        Err(_) => std::thread::yield_now(),
                    }
                }
                got
            })
        })
        .collect();
    for p in producers {
        assert!(p.join().is_ok(), "a producer panicked");
    }
    // A consumer that panicked gives no items, and the check below fails.
    let mut all: Vec<usize> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap_or_default())
        .collect();
    all.sort_unstable();
    assert!(all.iter().copied().eq(0..2 * EACH));
}

// ---- the ring ----

/// The ring's own bound is its capacity: a `Bound` at 0 (unbounded) checks nothing more.
fn no_bound() -> Bound {
    Bound::new(0)
}

#[test]
fn laps_keep_order_full_and_empty_are_exact() {
    let ring = FifoRing::new(3);
    let bound = no_bound();
    for lap in 0..4 {
        for i in 0..3 {
            assert!(ring.push(Box::new(lap * 10 + i), &bound).is_ok());
        }
        assert!(matches!(
            ring.push(Box::new(99), &bound),
            Err((PushFail::Full, _))
        ));
        assert_eq!(ring.len(), 3);
        for i in 0..3 {
            assert_eq!(ring.pop().map(|b| *b), Ok(lap * 10 + i));
        }
        assert_eq!(ring.pop().map(|b| *b), Err(PopFail::Empty));
    }
    assert!(ring.push(Box::new(1), &bound).is_ok());
    assert!(ring.close());
    assert!(matches!(
        ring.push(Box::new(2), &bound),
        Err((PushFail::Closed, _))
    ));
    assert_eq!(ring.pop().map(|b| *b), Ok(1));
    assert_eq!(ring.pop().map(|b| *b), Err(PopFail::Closed));
    assert!(ring.push(Box::new(3), &bound).is_err());
}

#[test]
fn a_lowered_bound_is_kept_and_leftovers_are_dropped() {
    let ring = FifoRing::new(4);
    let bound = Bound::new(2);
    assert!(ring.push(Box::new(1), &bound).is_ok() && ring.push(Box::new(2), &bound).is_ok());
    assert!(matches!(
        ring.push(Box::new(3), &bound),
        Err((PushFail::Full, _))
    ));
    bound.set(4, || {});
    assert!(ring.push(Box::new(3), &bound).is_ok());
    // Three boxed items left: dropped with the ring (a leak would show under Miri).
}

#[test]
fn a_moved_ring_refuses_puts_and_drains() {
    let ring = FifoRing::new(2);
    let bound = no_bound();
    assert!(ring.push(Box::new(1), &bound).is_ok());
    ring.move_out();
    assert!(matches!(
        ring.push(Box::new(2), &bound),
        Err((PushFail::Moved, _))
    ));
    assert_eq!(ring.put_count(), 1);
    assert_eq!(ring.pop().map(|b| *b), Ok(1));
    assert_eq!(ring.pop().map(|b| *b), Err(PopFail::Moved));
    ring.close();
    assert_eq!(ring.pop().map(|b| *b), Err(PopFail::Moved), "moved wins");
}

#[test]
fn ring_two_producers_two_consumers_hand_over_everything_once() {
    let ring = Arc::new(FifoRing::new(4));
    hand_over(ring, |r, item| r.push(item, &no_bound()), FifoRing::pop);
}

// ---- the move from ring to list (`fifo_core.rs`) ----

#[test]
fn small_bounds_get_a_ring_large_ones_and_zero_the_list() {
    assert!(FifoCore::<u64>::new(4).in_ring());
    assert!(FifoCore::<u64>::new(1024).in_ring());
    assert!(!FifoCore::<u64>::new(0).in_ring());
    assert!(
        !FifoCore::<u64>::new(RING_BYTES).in_ring(),
        "RING_BYTES slots pass RING_BYTES"
    );
    assert!(!FifoCore::<u64>::new(usize::MAX).in_ring());
    assert!(
        !FifoCore::<[u8; 4096]>::new(64).in_ring(),
        "sized by bytes, not items"
    );
}

#[test]
fn raising_the_bound_moves_the_ring_keeping_order_and_counts() {
    let q = FifoCore::new(2);
    assert!(q.try_put(Box::new(1)).is_ok() && q.try_put(Box::new(2)).is_ok());
    assert!(matches!(q.try_put(Box::new(0)), Err((PutFail::Full, _))));
    q.set_maxsize(2); // not past the ring: stays
    assert!(q.in_ring());
    q.set_maxsize(4);
    assert!(!q.in_ring());
    assert!(q.try_put(Box::new(3)).is_ok() && q.try_put(Box::new(4)).is_ok());
    assert!(matches!(q.try_put(Box::new(0)), Err((PutFail::Full, _))));
    assert_eq!((q.len(), q.unfinished()), (4, 4));
    assert_eq!(q.try_get().map(|b| *b), Ok(1));
    // Lowered after the move: the item left in the ring still counts.
    q.set_maxsize(3);
    assert!(matches!(q.try_put(Box::new(0)), Err((PutFail::Full, _))));
    assert_eq!(q.try_get().map(|b| *b), Ok(2));
    assert!(q.try_put(Box::new(5)).is_ok());
    assert!(matches!(q.try_put(Box::new(0)), Err((PutFail::Full, _))));
    q.set_maxsize(0);
    for i in 6..6 + 2 * SLOTS {
        assert!(q.try_put(Box::new(i)).is_ok());
    }
    for i in 3..6 + 2 * SLOTS {
        assert_eq!(q.try_get().map(|b| *b), Ok(i));
    }
    assert_eq!(q.try_get().map(|b| *b), Err(GetFail::Empty));
    assert!(q.try_put(Box::new(7)).is_ok());
    // One boxed item left in the list, none in the ring: both dropped with the queue.
}

#[test]
fn shutdown_drains_ring_then_list_and_drops_leftovers() {
    let q = FifoCore::new(2);
    assert!(q.try_put(Box::new(1)).is_ok());
    q.set_maxsize(usize::MAX);
    assert!(q.try_put(Box::new(2)).is_ok() && q.try_put(Box::new(3)).is_ok());
    let drained: Vec<usize> = q.shutdown(true).into_iter().map(|b| *b).collect();
    assert_eq!(drained, [1, 2, 3]);
    assert!(matches!(
        q.try_put(Box::new(4)),
        Err((PutFail::ShutDown, _))
    ));
    assert_eq!(q.try_get().map(|b| *b), Err(GetFail::ShutDown));

    let q = FifoCore::new(3);
    assert!(q.try_put(Box::new(1)).is_ok());
    q.set_maxsize(0);
    assert!(q.try_put(Box::new(2)).is_ok());
    q.shutdown(false);
    assert_eq!(q.try_get().map(|b| *b), Ok(1));
    // Item 2 stays in the list: dropped with the queue (a leak would show under Miri).
}

#[test]
fn puts_racing_a_move_keep_every_item_once() {
    const EACH: usize = if cfg!(miri) { 20 } else { 5_000 };
    let q = Arc::new(FifoCore::new(4));
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let q = q.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let mut item = Box::new(p * EACH + i);
                    while let Err((_, back)) = q.try_put(item) {
                        item = back;
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || {
            let mut got = Vec::new();
            while got.len() < 2 * EACH {
                match q.try_get() {
                    Ok(b) => got.push(*b),
                    Err(_) => std::thread::yield_now(),
                }
            }
            got
        })
    };
    while q.unfinished() < 2 {
        std::thread::yield_now();
    }
    q.set_maxsize(100);
    for p in producers {
        assert!(p.join().is_ok(), "a producer panicked");
    }
    let got = consumer.join().unwrap_or_default();
    // Each producer's items arrive in its order, and all arrive once.
    for p in 0..2 {
        let mine: Vec<usize> = got.iter().copied().filter(|i| i / EACH == p).collect();
        assert!(mine.iter().copied().eq(p * EACH..(p + 1) * EACH));
    }
    assert_eq!(got.len(), 2 * EACH);
}
