//! What the queue cases of spec §8.1–8.2 share (`test_queue.BaseQueueTestMixin`, Q-01…Q-24,
//! in `queue_basic.rs` and `queue_shutdown.rs`; `FailingQueueTest`, Q-25, in
//! `queue_failures.rs`): the three queue kinds, the `per_kind!` macro and `blocking_test`.
//!
//! CPython runs the mixin on Queue, LifoQueue and PriorityQueue; so does every case, one
//! test per type (`…_fifo`, `…_lifo`, `…_priority`), each from one generic body. Where CPython
//! sleeps to let a thread block (`_TriggerThread`'s 0.1 s), the cases wait until the thread
//! shows as Blocked on the queue, and then check, as `do_blocking_test` does, that the blocking
//! call did not return before its trigger fired.

use super::{join, spawn, wait_until};
use concurrency::queue::{BaseQueue, Fifo, Lifo, Order, Priority, Store};
use concurrency::{current_thread, ThreadState};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering::SeqCst};
use std::sync::Arc;

/// `test_queue.QUEUE_SIZE`.
pub(super) const QUEUE_SIZE: usize = 5;

/// One of CPython's three queue classes: the order its store hands items out in.
pub trait Kind: 'static {
    /// The order of a queue of `T`s.
    type S<T: Ord + Send + 'static>: Order<Item = T>;
    /// A store in the same order, for the failure-injection cases, which wrap it. FIFO's
    /// own queue runs no user code in put or get (nothing there can fail), so its cases run
    /// on a `VecDeque` store, the path any custom FIFO store takes.
    type Store<T: Ord + Send + 'static>: Store<Item = T> + Default + Send + 'static;
    /// Q-01's `target_order` for the puts 111, 333, 222.
    const BASIC_ORDER: [i32; 3];
}

/// `queue.Queue`.
pub struct FifoKind;
/// `queue.LifoQueue`.
pub struct LifoKind;
/// `queue.PriorityQueue`.
pub struct PriorityKind;

impl Kind for FifoKind {
    type S<T: Ord + Send + 'static> = Fifo<T>;
    type Store<T: Ord + Send + 'static> = VecFifo<T>;
    const BASIC_ORDER: [i32; 3] = [111, 333, 222];
}

impl Kind for LifoKind {
    type S<T: Ord + Send + 'static> = Lifo<T>;
    type Store<T: Ord + Send + 'static> = Lifo<T>;
    const BASIC_ORDER: [i32; 3] = [222, 333, 111];
}

impl Kind for PriorityKind {
    type S<T: Ord + Send + 'static> = Priority<T>;
    type Store<T: Ord + Send + 'static> = Priority<T>;
    const BASIC_ORDER: [i32; 3] = [111, 222, 333];
}

/// A FIFO [`Store`] (a custom store runs on the one-mutex core).
pub struct VecFifo<T>(std::collections::VecDeque<T>);

impl<T> Default for VecFifo<T> {
    fn default() -> Self {
        VecFifo(Default::default())
    }
}

impl<T> Store for VecFifo<T> {
    type Item = T;
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
}

/// A queue of `T`s of kind `K`.
pub(super) type Q<K, T> = BaseQueue<<K as Kind>::S<T>>;

/// `self.type2test(maxsize)`, shareable with threads.
pub(super) fn new<K: Kind, T: Ord + Send + 'static>(maxsize: usize) -> Arc<Q<K, T>> {
    Arc::new(BaseQueue::new(maxsize))
}

/// One `pub fn` per queue type for a generic case body. The caller imports `FifoKind`,
/// `LifoKind` and `PriorityKind`.
macro_rules! per_kind {
    ($(#[$doc:meta])* $body:ident($($arg:expr),*) => $fifo:ident, $lifo:ident, $prio:ident) => {
        $(#[$doc])*
        /// On `Queue`.
        pub fn $fifo() {
            $body::<FifoKind>($($arg),*)
        }
        $(#[$doc])*
        /// On `LifoQueue`.
        pub fn $lifo() {
            $body::<LifoKind>($($arg),*)
        }
        $(#[$doc])*
        /// On `PriorityQueue`.
        pub fn $prio() {
            $body::<PriorityKind>($($arg),*)
        }
    };
}
pub(super) use per_kind;

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const RETURNED_EARLY: u8 = 2;

/// CPython's `do_blocking_test(block_func, block_args, trigger_func, trigger_args)` with its
/// `_TriggerThread`: runs `block` on this thread while a trigger thread waits until this thread
/// is Blocked on the queue `on` (CPython sleeps 0.1 s), records that it fired, and runs
/// `trigger`. Fails if `block` returned before the trigger fired (the call did not really
/// block). The trigger thread is joined, bounded by [`SHORT`](super::SHORT). A panic in
/// `block` (Q-25's `do_exceptional_blocking_test`) propagates after the join.
pub(super) fn blocking_test<R>(
    on: u64,
    block: impl FnOnce() -> R,
    trigger: impl FnOnce() + Send + 'static,
) -> R {
    let me = current_thread();
    let state = Arc::new(AtomicU8::new(PENDING));
    let s = state.clone();
    let t = spawn("trigger", move || {
        wait_until("the call blocks", || {
            me.state() == ThreadState::Blocked { on } || s.load(SeqCst) == RETURNED_EARLY
        });
        if s.compare_exchange(PENDING, FIRED, SeqCst, SeqCst).is_ok() {
            trigger();
        }
    });
    let r = catch_unwind(AssertUnwindSafe(block));
    let early = state
        .compare_exchange(PENDING, RETURNED_EARLY, SeqCst, SeqCst)
        .is_ok();
    join(&t);
    assert!(
        !early,
        "blocking call returned before the trigger fired: it did not block"
    );
    r.unwrap_or_else(|panic| resume_unwind(panic))
}
