//! One error type for the crate. Each variant is a CPython exception made typed; the
//! `Display` text is CPython's message where CPython fixes one.

use core::fmt;

/// What went wrong. Misuse is always an `Err`, never a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A bad argument (CPython's `ValueError`), e.g. a negative timeout.
    InvalidArgument(&'static str),
    /// A timeout too large for the platform (CPython's `OverflowError`).
    Overflow(&'static str),
    /// `Lock::release` of an unlocked lock (`RuntimeError: release unlocked lock`).
    ReleaseUnlocked,
    /// `Thread::start` a second time (`RuntimeError`).
    AlreadyStarted,
    /// `Thread::join` before `start` (`RuntimeError`).
    NotStarted,
    /// A thread joining itself (`RuntimeError`).
    JoinSelf,
    /// Joining a thread this crate did not start (`RuntimeError`, gh-106236).
    JoinForeign,
    /// Setting `daemon` after `start` (`RuntimeError`).
    DaemonAfterStart,
    /// Releasing an RLock the caller does not own, or one release too many (`RuntimeError`).
    NotOwner,
    /// `Condition::wait` without holding its lock (`RuntimeError`).
    WaitNotOwned,
    /// `Condition::notify` without holding its lock (`RuntimeError`).
    NotifyNotOwned,
    /// `BoundedSemaphore::release` past the initial value (`ValueError`); nothing changed.
    TooManyReleases,
    /// A Barrier was broken, aborted, reset, or a wait on it timed out (`BrokenBarrierError`).
    BrokenBarrier,
    /// A put on a full queue, without waiting or after the timeout (`queue.Full`).
    Full,
    /// A get on an empty queue, without waiting or after the timeout (`queue.Empty`).
    Empty,
    /// A put after `shutdown()`, or a get once shut down and drained (`queue.ShutDown`).
    ShutDown,
    /// `Queue::task_done` with no unfinished task (`ValueError`).
    TaskDoneTooManyTimes,
    /// With deadlock detection on, this wait would never have ended: without a timeout, it
    /// would have closed a certain cycle in the wait-for graph (RLocks and joins, which only
    /// their holder can end; see [`crate::inspect::Cycle`]). The cycle, by names: thread,
    /// object it waits for, thread holding it, ...
    Deadlock(Vec<String>),
    /// The OS or the browser refused to run another thread (`RuntimeError`/`ThreadError`).
    SpawnFailed(String),
    /// A `Local::with` inside a `with` on the same `Local`, on the same thread: the value is
    /// already lent to the outer call (std's `RefCell` says `BorrowMutError`).
    LocalInUse,
    /// The calling thread is ending: its `Local` values have been dropped, so a new one would
    /// never be (a call from another thread-local's destructor).
    ThreadExiting,
    /// A call that would have to wait was made where waiting is impossible: the browser's
    /// main thread (`Atomics.wait` traps there). The non-blocking forms work everywhere.
    WouldBlockOnMainThread(&'static str),

    // Between processes (`crate::ipc`, `crate::sys::region`).
    /// A call to the OS failed (CPython's `OSError`): which call, and its `errno`.
    Os {
        /// The call, e.g. `"mmap"`.
        op: &'static str,
        /// The `errno` it returned.
        errno: i32,
    },
    /// A call on a pipe `Connection` after its `close()` (`OSError: handle is closed`).
    ConnectionClosed,
    /// `send` on the receiving end of a one-way pipe (`OSError: connection is read-only`).
    ConnectionReadOnly,
    /// `recv` or `poll` on the sending end of a one-way pipe
    /// (`OSError: connection is write-only`).
    ConnectionWriteOnly,
    /// A `recv` with nothing left to receive: the other end was closed, or its process died
    /// (`EOFError`). Messages sent before that were all delivered first.
    PeerClosed,
    /// A `send` to an end nobody can receive from any more: it was closed, or its process
    /// died (`BrokenPipeError`).
    BrokenPipe,
    /// A message longer than the pipe's largest frame; nothing was sent, the pipe stays usable.
    FrameTooLarge {
        /// The message's length in bytes.
        len: usize,
        /// The largest the pipe carries.
        max: usize,
    },
    /// The other side broke the pipe's framing (a truncated, oversized or garbage frame, or
    /// positions out of range in shared memory). That direction is unusable from then on.
    BadFrame(&'static str),
    /// A value that could not be serialized; nothing was sent, the pipe stays usable.
    Encode(String),
    /// A frame that is not a serialized value of the type asked for (CPython's
    /// `UnpicklingError`); the frame is consumed and the pipe stays usable.
    Decode(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(m) | Error::Overflow(m) => f.write_str(m),
            Error::ReleaseUnlocked => f.write_str("release unlocked lock"),
            Error::AlreadyStarted => f.write_str("threads can only be started once"),
            Error::NotStarted => f.write_str("cannot join thread before it is started"),
            Error::JoinSelf => f.write_str("cannot join current thread"),
            Error::JoinForeign => f.write_str("cannot join a thread not started by this library"),
            Error::DaemonAfterStart => f.write_str("cannot set daemon status of active thread"),
            Error::NotOwner => f.write_str("cannot release un-acquired lock"),
            Error::WaitNotOwned => f.write_str("cannot wait on un-acquired lock"),
            Error::NotifyNotOwned => f.write_str("cannot notify on un-acquired lock"),
            Error::TooManyReleases => f.write_str("Semaphore released too many times"),
            Error::BrokenBarrier => f.write_str("the barrier is broken"),
            Error::Full => f.write_str("the queue is full"),
            Error::Empty => f.write_str("the queue is empty"),
            Error::ShutDown => f.write_str("the queue is shut down"),
            Error::TaskDoneTooManyTimes => f.write_str("task_done() called too many times"),
            Error::Deadlock(cycle) => write!(f, "deadlock: {}", cycle.join(" -> ")),
            Error::SpawnFailed(why) => write!(f, "can't start new thread: {why}"),
            Error::LocalInUse => f.write_str(
                "this thread's value of the Local is in use by an enclosing with() on it",
            ),
            Error::ThreadExiting => {
                f.write_str("the thread is exiting: its thread-local values are gone")
            }
            Error::WouldBlockOnMainThread(op) => write!(
                f,
                "{op} would block the browser's main thread; run blocking code in a worker \
                 thread or use the non-blocking form"
            ),
            Error::Os { op, errno } => write!(
                f,
                "[Errno {errno}] {op}: {}",
                std::io::Error::from_raw_os_error(*errno)
            ),
            Error::ConnectionClosed => f.write_str("handle is closed"),
            Error::ConnectionReadOnly => f.write_str("connection is read-only"),
            Error::ConnectionWriteOnly => f.write_str("connection is write-only"),
            Error::PeerClosed => f.write_str("the other end of the pipe is closed or gone"),
            Error::BrokenPipe => f.write_str("broken pipe: the receiving end is closed or gone"),
            Error::FrameTooLarge { len, max } => {
                write!(
                    f,
                    "message of {len} bytes is longer than the pipe's maximum {max}"
                )
            }
            Error::BadFrame(why) => write!(f, "bad frame from the other end: {why}"),
            Error::Encode(why) => write!(f, "could not serialize the value: {why}"),
            Error::Decode(why) => write!(f, "could not deserialize the message: {why}"),
        }
    }
}

impl std::error::Error for Error {}
