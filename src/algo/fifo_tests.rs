//! Unit tests of the lock-free FIFO stores (`fifo_list.rs`, `fifo_ring.rs`), small enough for
//! Miri (`cargo miri test --lib fifo`), which checks their unsafe code for undefined behaviour,
//! data races and leaks; the items are boxed so that a leak or a double drop shows.

use super::fifo_list::{FifoList, PopFail, PushFail, SLOTS};
use super::fifo_ring::FifoRing;
use std::sync::Arc;

// ---- the list of blocks ----

#[test]
fn items_cross_blocks_in_order_and_leftovers_are_dropped() {
    let list = FifoList::new(0);
    for i in 0..3 * SLOTS {
        assert!(list.push(Box::new(i)).is_ok());
    }
    for i in 0..2 * SLOTS + 1 {
        assert_eq!(list.pop().map(|b| *b), Ok(i));
    }
    assert_eq!(list.len(), SLOTS - 1);
    assert!(list.close());
    assert!(list.push(Box::new(0)).is_err());
    // The rest (boxed, so a leak or a double drop shows under Miri) goes with the list.
}

#[test]
fn emptied_blocks_are_reused() {
    let list = FifoList::new(0);
    let mut next = 0;
    for round in 0..5 {
        for _ in 0..2 * SLOTS + round {
            assert!(list.push(Box::new(next)).is_ok());
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
fn bound_is_kept_and_can_change() {
    let list = FifoList::new(2);
    assert!(list.push(1).is_ok() && list.push(2).is_ok());
    assert_eq!(list.push(3), Err((PushFail::Full, 3)));
    list.set_maxsize(3);
    assert!(list.push(3).is_ok());
    assert_eq!(list.pop(), Ok(1));
    assert!(list.push(4).is_ok());
    assert_eq!(list.len(), 3);
}

#[test]
fn list_two_producers_two_consumers_hand_over_everything_once() {
    hand_over(Arc::new(FifoList::new(0)), FifoList::push, FifoList::pop);
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

#[test]
fn laps_keep_order_full_and_empty_are_exact() {
    let ring = FifoRing::new(3);
    for lap in 0..4 {
        for i in 0..3 {
            assert!(ring.push(Box::new(lap * 10 + i)).is_ok());
        }
        assert!(matches!(ring.push(Box::new(99)), Err((PushFail::Full, _))));
        assert_eq!(ring.len(), 3);
        for i in 0..3 {
            assert_eq!(ring.pop().map(|b| *b), Ok(lap * 10 + i));
        }
        assert_eq!(ring.pop().map(|b| *b), Err(PopFail::Empty));
    }
    assert!(ring.push(Box::new(1)).is_ok());
    assert!(ring.close());
    assert!(matches!(ring.push(Box::new(2)), Err((PushFail::Closed, _))));
    assert_eq!(ring.pop().map(|b| *b), Ok(1));
    assert_eq!(ring.pop().map(|b| *b), Err(PopFail::Closed));
    assert!(ring.push(Box::new(3)).is_err());
}

#[test]
fn a_lowered_bound_is_kept_and_leftovers_are_dropped() {
    let ring = FifoRing::new(4);
    ring.set_maxsize(2);
    assert!(ring.push(Box::new(1)).is_ok() && ring.push(Box::new(2)).is_ok());
    assert!(matches!(ring.push(Box::new(3)), Err((PushFail::Full, _))));
    ring.set_maxsize(4);
    assert!(ring.push(Box::new(3)).is_ok());
    // Three boxed items left: dropped with the ring (a leak would show under Miri).
}

#[test]
fn ring_two_producers_two_consumers_hand_over_everything_once() {
    let ring = Arc::new(FifoRing::new(4));
    hand_over(ring, FifoRing::push, FifoRing::pop);
}
