//! `queue.SimpleQueue`: unbounded FIFO, no task tracking, no shutdown. `put` never blocks (so it
//! is safe from anywhere: the browser's main thread, or an item's `Drop`).

use super::Queue;
use crate::error::Error;
use crate::time::IntoTimeout;

/// An unbounded FIFO queue (CPython's `queue.SimpleQueue`).
pub struct SimpleQueue<T: Send + 'static> {
    q: Queue<T>,
}

impl<T: Send + 'static> Default for SimpleQueue<T> {
    fn default() -> Self {
        SimpleQueue::new()
    }
}

impl<T: Send + 'static> SimpleQueue<T> {
    /// An empty queue.
    pub fn new() -> SimpleQueue<T> {
        SimpleQueue { q: Queue::new(0) }
    }

    /// Adds an item. Never blocks and never fails (CPython ignores `block` and `timeout`).
    pub fn put(&self, item: T) {
        if let Err(e) = self.q.put_nowait(item) {
            // Unbounded and never shut down: a put cannot fail. Keep the item regardless.
            drop(e.into_item());
        }
    }

    /// `put_nowait` (the same as `put`).
    pub fn put_nowait(&self, item: T) {
        self.put(item)
    }

    /// As [`super::BaseQueue::get`].
    pub fn get(&self, block: bool, timeout: impl IntoTimeout) -> Result<T, Error> {
        self.q.get(block, timeout)
    }

    /// `get(block=False)`.
    pub fn get_nowait(&self) -> Result<T, Error> {
        self.q.get_nowait()
    }

    /// How many items (a snapshot).
    pub fn qsize(&self) -> usize {
        self.q.qsize()
    }

    /// Whether it is empty (a snapshot).
    pub fn empty(&self) -> bool {
        self.q.empty()
    }

    /// This queue's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        self.q.trace_id()
    }
}
