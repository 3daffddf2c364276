//! CPython's `multiprocessing.Queue` and `JoinableQueue`: a FIFO of serde values shared by any
//! number of producer and consumer processes (spec section 8.4, ids MQ-*).
//!
//! ```no_run
//! use concurrency::ipc::Queue;
//! use concurrency::Process;
//!
//! fn producer(q: Queue<u64>) {
//!     for i in 0..10 {
//!         q.put(&i, true, None).unwrap(); // in the child process
//!     }
//! }
//!
//! fn main() -> Result<(), concurrency::Error> {
//!     concurrency::process::entry();
//!     let q: Queue<u64> = Queue::new(0)?;
//!     let p = Process::new(producer, q.clone()); // the queue crosses in the arguments
//!     p.start()?;
//!     let sum: u64 = (0..10).map(|_| q.get(true, None)).sum::<Result<u64, _>>()?;
//!     assert_eq!(sum, 45);
//!     p.join(None)?;
//!     concurrency::shutdown()
//! }
//! ```
//!
//! # How it differs from CPython's, and why
//!
//! CPython's queue is a pipe plus a *feeder thread* per process: `put` appends to a buffer in
//! the process and returns, and the thread pickles and writes later. Here `put` serializes
//! and writes the item into the queue's shared ring itself, before it returns:
//!
//! * a value that fails to serialize is the caller's [`Error::Serialize`] (MQ-07: CPython's
//!   feeder prints it on stderr and drops the item); the queue keeps working;
//! * an item put is in the queue when `put` returns, so `qsize`, `empty` and `full` say so at
//!   once (CPython's tests sleep 0.1 s for the feeder), and a process that exits loses nothing
//!   it put: [`join_thread`](Queue::join_thread) and
//!   [`cancel_join_thread`](Queue::cancel_join_thread) exist for the API and have nothing to
//!   wait for;
//! * the queue holds what fits in its ring ([`Queue::with_capacity`], default 1 MiB), however
//!   many items `maxsize` allows: a put waits for room when the ring is full, and `put_nowait`
//!   then says [`Error::Full`], also on an unbounded queue (CPython's feeder buffers without
//!   limit in the producer's memory). One item is at most the capacity less 8 bytes
//!   ([`Error::FrameTooLarge`]).
//!
//! Timeouts follow CPython's multiprocessing, not `queue.Queue`: a negative (or NaN) timeout
//! waits not at all (its semaphore clamps it to 0, section 13), rather than being an error.
//!
//! # A process that dies inside a put or a get
//!
//! Each side has a process-shared lock (`shared_lock.rs`), held only while one item is copied
//! in or out. A process killed while holding one (CPython then hangs every other process on
//! that side) is noticed by the next process waiting for that lock within about 20 ms: that
//! call takes the lock over, repairs the item counts, and returns [`Error::OwnerDied`] having
//! done nothing else; the queue then works as before (`shared.rs` says how). The dead
//! process's item is either in the queue, whole, or lost with it; never half there.
//!
//! # Hostile processes
//!
//! Every word and byte of the ring is checked before it is used (the pipe's framing checks):
//! a garbage frame is [`Error::BadFrame`] (or [`Error::BadMessage`] for bytes that are not a
//! `T`), never a panic, and nothing allocates more than the bytes actually in the ring.

mod layout;
mod shared;
#[cfg(test)]
mod tests;

use super::passing;
use super::pipe::DEFAULT_CAPACITY;
use crate::sys::region::{RegionHandle, SharedRegion, MAX_REGION};
use crate::time::{Deadline, IntoTimeout};
use crate::Error;
use core::marker::PhantomData;
use core::time::Duration;
use layout::Layout;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::Shared;
use std::os::fd::{IntoRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

/// A FIFO queue of `T` between processes (CPython's `multiprocessing.Queue`). Hand it to a
/// child [`Process`](crate::Process) in its arguments; clone it to share it between threads.
/// Every clone and every process sees the same items.
pub struct Queue<T> {
    inner: Arc<Inner>,
    _items: PhantomData<fn(T) -> T>,
}

/// What one process knows of a queue: the mapping, and its own `close()`.
struct Inner {
    shared: Shared,
    closed: AtomicBool,
    /// This process has put to it (CPython: its feeder thread was started), which decides
    /// what `empty()` says after `close()` (MQ-08).
    put_used: AtomicBool,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            inner: self.inner.clone(),
            _items: PhantomData,
        }
    }
}

/// The deadline of a blocking call, with multiprocessing's timeout rules: `None` waits as long
/// as it takes, a negative or NaN number of seconds not at all; too large is an error.
fn deadline(timeout: impl IntoTimeout) -> Result<Option<Deadline>, Error> {
    match timeout.into_queue_timeout() {
        Ok(t) => Ok(t.deadline()),
        Err(Error::InvalidArgument(_)) => Ok(Some(Deadline::after(Duration::ZERO))),
        Err(e) => Err(e),
    }
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// A queue holding at most `maxsize` items (0: as many as fit in its ring) in a ring of
    /// [`DEFAULT_CAPACITY`] bytes (pages are backed only once used).
    pub fn new(maxsize: usize) -> Result<Queue<T>, Error> {
        Queue::with_capacity(maxsize, DEFAULT_CAPACITY)
    }

    /// As [`new`](Self::new), with a ring of `capacity` bytes: a power of two from 64 bytes to
    /// 256 MiB. An item's encoding is at most `capacity - 8` bytes.
    pub fn with_capacity(maxsize: usize, capacity: usize) -> Result<Queue<T>, Error> {
        Queue::create(Layout::new(capacity, maxsize, false)?)
    }

    fn create(layout: Layout) -> Result<Queue<T>, Error> {
        Ok(Queue::from_shared(Shared::create(layout)?))
    }

    fn from_shared(shared: Shared) -> Queue<T> {
        Queue {
            inner: Arc::new(Inner {
                shared,
                closed: AtomicBool::new(false),
                put_used: AtomicBool::new(false),
            }),
            _items: PhantomData,
        }
    }

    fn check_open(&self) -> Result<(), Error> {
        if self.inner.closed.load(Relaxed) {
            Err(Error::QueueClosed)
        } else {
            Ok(())
        }
    }

    /// CPython's `put(obj, block=True, timeout=None)`: serializes `item` and adds it. Waits,
    /// if `block`, up to `timeout` (`None`: as long as it takes), while the queue holds
    /// `maxsize` items or its ring lacks room; [`Error::Full`] when it may wait no longer.
    ///
    /// Errors also: [`Error::Serialize`] (nothing put; the queue keeps working, MQ-07),
    /// [`Error::FrameTooLarge`], [`Error::QueueClosed`] after [`close`](Self::close),
    /// [`Error::OwnerDied`] (a process died inside a put: repaired, nothing put, see the
    /// module docs), [`Error::BadFrame`] if another process damaged the queue.
    pub fn put(&self, item: &T, block: bool, timeout: impl IntoTimeout) -> Result<(), Error> {
        self.check_open()?;
        let deadline = if block { deadline(timeout)? } else { None };
        let bytes = passing::encode(item, false)?.0;
        self.inner.put_used.store(true, Relaxed);
        self.inner.shared.put(&bytes, block, deadline)
    }

    /// `put(item, block=False)`.
    pub fn put_nowait(&self, item: &T) -> Result<(), Error> {
        self.put(item, false, None)
    }

    /// CPython's `get(block=True, timeout=None)`: removes and returns the oldest item. Waits,
    /// if `block`, up to `timeout` for one; [`Error::Empty`] when it may wait no longer. As in
    /// CPython, a queue has no "other end": a get waits out its timeout even when no producer
    /// is left (a pipe's `recv` says [`Error::PeerClosed`] instead).
    ///
    /// Errors also: [`Error::BadMessage`] for an item that is not a `T` (it is consumed; the
    /// next get takes the next one), [`Error::QueueClosed`], [`Error::OwnerDied`] (a process
    /// died inside a get: repaired, nothing taken), [`Error::BadFrame`] if another process
    /// damaged the queue (it stays so).
    pub fn get(&self, block: bool, timeout: impl IntoTimeout) -> Result<T, Error> {
        self.check_open()?;
        let deadline = if block { deadline(timeout)? } else { None };
        let bytes = self.inner.shared.get(block, deadline)?;
        // Decoded after the lock is released, as CPython unpickles outside its lock.
        super::codec::decode(&bytes)
    }

    /// `get(block=False)`.
    pub fn get_nowait(&self) -> Result<T, Error> {
        self.get(false, None)
    }

    /// How many items are in the queue (a snapshot; it counts an item from the moment a put
    /// has reserved its place, as CPython's semaphore does).
    pub fn qsize(&self) -> usize {
        self.inner.shared.qsize()
    }

    /// Whether the queue has no item to get now (a snapshot). After [`close`](Self::close),
    /// in a process that has put to the queue, [`Error::ConnectionClosed`] (CPython's
    /// `OSError: handle is closed`, MQ-08).
    pub fn empty(&self) -> Result<bool, Error> {
        if self.inner.closed.load(Relaxed) && self.inner.put_used.load(Relaxed) {
            return Err(Error::ConnectionClosed);
        }
        Ok(!self.inner.shared.has_frame()?)
    }

    /// Whether the queue holds `maxsize` items (a snapshot; never for maxsize 0).
    pub fn full(&self) -> bool {
        let max = self.inner.shared.layout.maxsize as usize;
        max > 0 && self.qsize() >= max
    }

    /// The bound on items (0: as many as fit in the ring).
    pub fn maxsize(&self) -> usize {
        self.inner.shared.layout.maxsize as usize
    }

    /// The longest item encoding the queue carries, in bytes (its capacity less 8).
    pub fn max_item(&self) -> usize {
        crate::ipc::ring::max_payload(self.inner.shared.layout.capacity) as usize
    }

    /// CPython's `close()`: this process will neither put nor get any more ([`Error::QueueClosed`]
    /// from then on). Other processes and the items are unaffected. Closing twice is fine.
    pub fn close(&self) {
        self.inner.closed.store(true, Relaxed);
    }

    /// CPython's `join_thread()`: waits until everything this process put is in the queue.
    /// A put is in the queue when it returns, so this only checks the call's precondition:
    /// [`Error::QueueNotClosed`] before [`close`](Self::close).
    pub fn join_thread(&self) -> Result<(), Error> {
        if self.inner.closed.load(Relaxed) {
            Ok(())
        } else {
            Err(Error::QueueNotClosed)
        }
    }

    /// CPython's `cancel_join_thread()`: lets the process exit without waiting for its puts
    /// to reach the queue. Nothing ever waits for that here (see
    /// [`join_thread`](Self::join_thread)), and nothing is lost.
    pub fn cancel_join_thread(&self) {}

    /// Testing only: takes this queue's put lock (`put`) or get lock and never releases it,
    /// as a process killed inside a put or a get leaves it; with `midway`, first does that
    /// step's counting and not its copy (killed between the two). The process is meant to
    /// be killed next: tests of [`Error::OwnerDied`] use it.
    #[doc(hidden)]
    pub fn hold_lock_for_test(&self, put: bool, midway: bool) -> Result<(), Error> {
        self.inner.shared.hold_lock_for_test(put, midway)
    }

    /// Maps a queue from a region descriptor this process owns (received with its arguments).
    fn open_owned(fd: OwnedFd, len: u64, joinable: bool) -> Result<Queue<T>, Error> {
        let len = usize::try_from(len)
            .ok()
            .filter(|l| (1..=MAX_REGION).contains(l))
            .ok_or(Error::InvalidArgument("not a queue handle"))?;
        let handle = RegionHandle {
            fd: fd.into_raw_fd(),
            len,
        };
        // SAFETY: `into_raw_fd` just gave up this process's one owner of the number, which
        // `from_inherited` takes over (it fails before taking it only for a closed number or a
        // bad length: neither, checked above).
        let region = Arc::new(unsafe { SharedRegion::from_inherited(handle) }?);
        let shared = Shared::open(region)?;
        if joinable && !shared.layout.joinable {
            return Err(Error::InvalidArgument(
                "a JoinableQueue's argument was made as a plain Queue",
            ));
        }
        Ok(Queue::from_shared(shared))
    }

    fn encode_handle<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.inner.closed.load(Relaxed) {
            return Err(passing::refuse(Error::QueueClosed));
        }
        let region = &self.inner.shared.region;
        let index = passing::pass(region.fd(), "Queue")?;
        (index, region.len() as u64).serialize(s)
    }

    fn decode_handle<'de, D: serde::Deserializer<'de>>(
        d: D,
        joinable: bool,
    ) -> Result<Queue<T>, D::Error> {
        let (index, len) = <(u32, u64)>::deserialize(d)?;
        let fd = passing::claim(index, "Queue")?;
        Queue::open_owned(fd, len, joinable)
            .map_err(|e| passing::reject(format!("opening a queue: {e}")))
    }
}

/// In a process's arguments: the index of the region's descriptor passed with the bootstrap
/// (`passing.rs`) and the region's length. Anywhere else, [`Error::Serialize`]; after
/// [`close`](Queue::close), [`Error::QueueClosed`] (reported by `Process::start`).
impl<T: Serialize + DeserializeOwned> Serialize for Queue<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.encode_handle(s)
    }
}

/// In a child's arguments: claims the descriptor and maps the queue, checking its header.
impl<'de, T: Serialize + DeserializeOwned> Deserialize<'de> for Queue<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Queue<T>, D::Error> {
        Queue::decode_handle(d, false)
    }
}

impl<T> core::fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Queue")
            .field("maxsize", &self.inner.shared.layout.maxsize)
            .field("capacity", &self.inner.shared.layout.capacity)
            .field("closed", &self.inner.closed.load(Relaxed))
            .finish()
    }
}

/// A [`Queue`] that also counts unfinished items (CPython's `multiprocessing.JoinableQueue`):
/// every put adds one, [`task_done`](Self::task_done) takes one away, and
/// [`join`](Self::join) waits, in any process, until none is left. Everything else is the
/// [`Queue`]'s, through `Deref` (CPython's subclass).
pub struct JoinableQueue<T> {
    queue: Queue<T>,
}

impl<T> Clone for JoinableQueue<T> {
    fn clone(&self) -> Self {
        JoinableQueue {
            queue: self.queue.clone(),
        }
    }
}

impl<T: Serialize + DeserializeOwned> JoinableQueue<T> {
    /// As [`Queue::new`].
    pub fn new(maxsize: usize) -> Result<JoinableQueue<T>, Error> {
        JoinableQueue::with_capacity(maxsize, DEFAULT_CAPACITY)
    }

    /// As [`Queue::with_capacity`].
    pub fn with_capacity(maxsize: usize, capacity: usize) -> Result<JoinableQueue<T>, Error> {
        Ok(JoinableQueue {
            queue: Queue::create(Layout::new(capacity, maxsize, true)?)?,
        })
    }

    /// Marks one item as processed. [`Error::TaskDoneTooManyTimes`] when every item put is
    /// marked already (nothing changes then).
    pub fn task_done(&self) -> Result<(), Error> {
        self.queue.inner.shared.task_done()
    }

    /// Waits until every item put (by any process) has been marked with
    /// [`task_done`](Self::task_done). As in CPython it has no timeout: an item taken by a
    /// process that dies before marking it keeps it waiting.
    pub fn join(&self) -> Result<(), Error> {
        self.queue.inner.shared.join()
    }

    /// Items put and not yet marked done (a snapshot).
    pub fn unfinished_tasks(&self) -> usize {
        self.queue
            .inner
            .shared
            .unfinished()
            .map_or(0, |n| n.max(0) as usize)
    }
}

impl<T> core::ops::Deref for JoinableQueue<T> {
    type Target = Queue<T>;
    fn deref(&self) -> &Queue<T> {
        &self.queue
    }
}

impl<T: Serialize + DeserializeOwned> Serialize for JoinableQueue<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.queue.encode_handle(s)
    }
}

impl<'de, T: Serialize + DeserializeOwned> Deserialize<'de> for JoinableQueue<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<JoinableQueue<T>, D::Error> {
        Queue::decode_handle(d, true).map(|queue| JoinableQueue { queue })
    }
}

impl<T> core::fmt::Debug for JoinableQueue<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("JoinableQueue").field(&self.queue).finish()
    }
}
