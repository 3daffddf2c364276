//! The stores of the two orders that run on the one-mutex `algo/queue_core.rs` (FIFO runs
//! lock-free: `algo/fifo_core.rs`).

use crate::algo::queue_core::Store;

/// Last in, first out (`queue.LifoQueue`).
pub struct Lifo<T>(Vec<T>);

/// Smallest first (`queue.PriorityQueue`; ties in no particular order).
///
/// A binary min-heap that is *panic-safe in the sense CPython's tests check* (Q-25): every
/// comparison happens before anything moves, so an `Ord` that panics during a put leaves the
/// item out and the heap as it was, and one that panics during a get leaves the item in.
/// (std's `BinaryHeap` compares while moving: a panicking `pop` drops the smallest item.)
pub struct Priority<T>(Vec<T>);

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(Vec::new())
    }
}

impl<T> Store for Lifo<T> {
    type Item = T;
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
}

impl<T: Ord> Store for Priority<T> {
    type Item = T;
    fn len(&self) -> usize {
        self.0.len()
    }

    fn push(&mut self, item: T) {
        // The path from the new leaf up to where `item` belongs, found by comparing only.
        let mut path = Vec::new();
        let mut at = self.0.len();
        while at > 0 {
            let parent = (at - 1) / 2;
            if item >= self.0[parent] {
                break;
            }
            path.push(parent);
            at = parent;
        }
        // Then the moves, which compare nothing.
        let mut hole = self.0.len();
        self.0.push(item);
        for parent in path {
            self.0.swap(hole, parent);
            hole = parent;
        }
    }

    fn pop(&mut self) -> Option<T> {
        let last = self.0.len().checked_sub(1)?;
        // Where the last element will settle once it replaces the root, found by comparing
        // only (as if it were already at the root, ignoring its own old slot).
        let mut path = Vec::new();
        let mut at = 0;
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let child = if right < last && self.0[right] < self.0[left] {
                right
            } else if left < last {
                left
            } else {
                break;
            };
            if self.0[last] <= self.0[child] {
                break;
            }
            path.push(child);
            at = child;
        }
        // Then the moves.
        self.0.swap(0, last);
        let top = self.0.pop();
        let mut hole = 0;
        for child in path {
            self.0.swap(hole, child);
            hole = child;
        }
        top
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_pops_in_order() {
        let mut heap = Priority::default();
        let mut x = 12345u32;
        let mut all = Vec::new();
        for _ in 0..500 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            heap.push(x % 97);
            all.push(x % 97);
            if x.is_multiple_of(3) {
                all.sort_unstable();
                assert_eq!(heap.pop(), Some(all.remove(0)));
            }
        }
        all.sort_unstable();
        let drained: Vec<u32> = std::iter::from_fn(|| heap.pop()).collect();
        assert_eq!(drained, all);
    }
}
