//! Which state machine runs each queue type: FIFO on the lock-free `algo/fifo_core.rs`, LIFO
//! and priority order on the one-mutex `algo/queue_core.rs` (their next item depends on every
//! item, so producers and consumers must meet in one place anyway).

use crate::algo::fifo_core::FifoCore;
use crate::algo::queue_core::{GetFail, PutFail, QueueCore, Store};
use crate::time::Deadline;
use core::marker::PhantomData;

/// The order a queue hands items out in: [`Fifo`], [`Lifo`](super::Lifo),
/// [`Priority`](super::Priority), or any [`Store`].
pub trait Order: Sized + 'static {
    /// What the queue holds.
    type Item: Send + 'static;
    #[doc(hidden)]
    type Core: sealed::Core<Item = Self::Item>;
}

/// First in, first out (`queue.Queue`).
pub struct Fifo<T>(PhantomData<fn(T) -> T>);

impl<T: Send + 'static> Order for Fifo<T> {
    type Item = T;
    type Core = FifoCore<T>;
}

/// Any [`Store`] ([`Lifo`], [`Priority`], or one of your own) runs on the one-mutex core.
impl<S: Store + Default + Send + 'static> Order for S
where
    S::Item: Send + 'static,
{
    type Item = S::Item;
    type Core = QueueCore<S>;
}

pub(crate) mod sealed {
    use super::*;

    /// The operations `BaseQueue` needs from a state machine (see `algo/queue_core.rs` for
    /// what each means). Sizes are read separately, and only when tracing is on.
    pub trait Core: Send + Sync + 'static {
        type Item;
        fn new(maxsize: usize) -> Self;
        fn try_put(&self, item: Self::Item) -> Result<(), (PutFail, Self::Item)>;
        fn put_waiting(
            &self,
            item: Self::Item,
            deadline: Option<Deadline>,
        ) -> Result<(), (PutFail, Self::Item)>;
        fn try_get(&self) -> Result<Self::Item, GetFail>;
        fn get_waiting(&self, deadline: Option<Deadline>) -> Result<Self::Item, GetFail>;
        fn task_done(&self) -> Option<usize>;
        fn all_done(&self) -> bool;
        fn join_waiting(&self);
        fn shutdown(&self, immediate: bool) -> Vec<Self::Item>;
        fn is_shutdown(&self) -> bool;
        fn len(&self) -> usize;
        fn maxsize(&self) -> usize;
        /// Any bound, at any time (0: unbounded).
        fn set_maxsize(&self, maxsize: usize);
        fn unfinished(&self) -> usize;
    }

    impl<T: Send + 'static> Core for FifoCore<T> {
        type Item = T;
        fn new(maxsize: usize) -> Self {
            FifoCore::new(maxsize)
        }
        #[inline]
        fn try_put(&self, item: T) -> Result<(), (PutFail, T)> {
            FifoCore::try_put(self, item)
        }
        fn put_waiting(&self, item: T, deadline: Option<Deadline>) -> Result<(), (PutFail, T)> {
            FifoCore::put_waiting(self, item, deadline)
        }
        #[inline]
        fn try_get(&self) -> Result<T, GetFail> {
            FifoCore::try_get(self)
        }
        fn get_waiting(&self, deadline: Option<Deadline>) -> Result<T, GetFail> {
            FifoCore::get_waiting(self, deadline)
        }
        fn task_done(&self) -> Option<usize> {
            FifoCore::task_done(self)
        }
        fn all_done(&self) -> bool {
            FifoCore::all_done(self)
        }
        fn join_waiting(&self) {
            FifoCore::join_waiting(self)
        }
        fn shutdown(&self, immediate: bool) -> Vec<T> {
            FifoCore::shutdown(self, immediate)
        }
        fn is_shutdown(&self) -> bool {
            FifoCore::is_shutdown(self)
        }
        fn len(&self) -> usize {
            FifoCore::len(self)
        }
        fn maxsize(&self) -> usize {
            FifoCore::maxsize(self)
        }
        fn set_maxsize(&self, maxsize: usize) {
            FifoCore::set_maxsize(self, maxsize)
        }
        fn unfinished(&self) -> usize {
            FifoCore::unfinished(self)
        }
    }

    impl<S: Store + Default + Send + 'static> Core for QueueCore<S>
    where
        S::Item: Send,
    {
        type Item = S::Item;
        fn new(maxsize: usize) -> Self {
            QueueCore::new(S::default(), maxsize)
        }
        fn try_put(&self, item: S::Item) -> Result<(), (PutFail, S::Item)> {
            QueueCore::try_put(self, item).map(drop)
        }
        fn put_waiting(
            &self,
            item: S::Item,
            deadline: Option<Deadline>,
        ) -> Result<(), (PutFail, S::Item)> {
            QueueCore::put_waiting(self, item, deadline).map(drop)
        }
        fn try_get(&self) -> Result<S::Item, GetFail> {
            QueueCore::try_get(self).map(|(item, _)| item)
        }
        fn get_waiting(&self, deadline: Option<Deadline>) -> Result<S::Item, GetFail> {
            QueueCore::get_waiting(self, deadline).map(|(item, _)| item)
        }
        fn task_done(&self) -> Option<usize> {
            QueueCore::task_done(self)
        }
        fn all_done(&self) -> bool {
            QueueCore::all_done(self)
        }
        fn join_waiting(&self) {
            QueueCore::join_waiting(self)
        }
        fn shutdown(&self, immediate: bool) -> Vec<S::Item> {
            QueueCore::shutdown(self, immediate)
        }
        fn is_shutdown(&self) -> bool {
            QueueCore::is_shutdown(self)
        }
        fn len(&self) -> usize {
            QueueCore::len(self)
        }
        fn maxsize(&self) -> usize {
            QueueCore::maxsize(self)
        }
        fn set_maxsize(&self, maxsize: usize) {
            QueueCore::set_maxsize(self, maxsize)
        }
        fn unfinished(&self) -> usize {
            QueueCore::unfinished(self)
        }
    }
}
