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
    /// `Process::start` a second time (`AssertionError: cannot start a process twice`).
    ProcessAlreadyStarted,
    /// `Process::join` (or `terminate`, `kill`) before `start` (`AssertionError: can only
    /// join a started process`).
    ProcessNotStarted,
    /// A call only a process's parent may make, on the handle of the current process or of the
    /// parent (`AssertionError: can only join a child process`, etc.; the text says which).
    ProcessNotChild(&'static str),
    /// `Process::set_daemon` after `start` (`AssertionError: process has already started`).
    ProcessDaemonAfterStart,
    /// `Process::start` in a daemon process (`AssertionError: daemonic processes are not
    /// allowed to have children`).
    DaemonicChildren,
    /// `Process::close` while the process runs (`ValueError`).
    ProcessStillRunning,
    /// Any use of a process after `close()` (`ValueError: process object is closed`).
    ProcessClosed,
    /// The child ended (with this exit code) without ever reaching its target: the program
    /// does not call `concurrency::process::entry()` first in `main` (Python's
    /// `if __name__ == '__main__':` guard), or the test crate lacks `process_test_main!()`.
    ProcessNotDispatched(i32),
    /// The child's target panicked; the panic message.
    ProcessPanicked(String),
    /// The child ended (with this exit code) without sending a result: killed by a signal,
    /// or `std::process::exit` inside the target.
    ProcessNoResult(i32),
    /// The OS refused to start a process (`OSError`).
    ProcessStartFailed(String),
    /// What a process sent is not a valid message: truncated, oversized, garbage, or not a
    /// value of the expected type.
    BadMessage(String),
    /// A value could not be serialized to cross to another process (the arguments at
    /// `start`, or the target's result in the child).
    Serialize(String),
    /// A process target (or its wrapper) lies in a shared library, not in the executable a
    /// child re-executes, so the child could not find it.
    TargetNotInExecutable,

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
    /// `put` or `get` on a process queue after `close()` in this process (`ValueError: Queue
    /// ... is closed`).
    QueueClosed,
    /// A process queue's `join_thread()` before `close()` (`AssertionError: Queue ... not
    /// closed`).
    QueueNotClosed,
    /// The process `pid` died holding a process-shared lock that this call needed (robust
    /// mutexes' `EOWNERDEAD`; CPython waits for ever there). What happened next depends on
    /// the caller:
    /// - a process `Queue`/`JoinableQueue` call took the lock over, repaired the state the lock
    ///   guards and did nothing else; the object works again for the next call;
    /// - an acquire of a lock of `crate::process::shared` (Lock, RLock, a Condition's lock)
    ///   took the lock over: **the caller holds it now**, as after a successful acquire, and
    ///   what it protects may be half-updated: repair it, then release. (A shared `Value`'s
    ///   or `Array`'s `get`/`set` releases it again before returning this.)
    OwnerDied {
        /// The process that died holding the lock.
        pid: u32,
    },
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
            Error::ProcessAlreadyStarted => f.write_str("cannot start a process twice"),
            Error::ProcessNotStarted => f.write_str("can only join a started process"),
            Error::ProcessNotChild(m) => f.write_str(m),
            Error::ProcessDaemonAfterStart => f.write_str("process has already started"),
            Error::DaemonicChildren => {
                f.write_str("daemonic processes are not allowed to have children")
            }
            Error::ProcessStillRunning => f.write_str(
                "Cannot close a process while it is still running. You should first call \
                 join() or terminate().",
            ),
            Error::ProcessClosed => f.write_str("process object is closed"),
            Error::ProcessNotDispatched(code) => write!(
                f,
                "the child process exited (exitcode {code}) without reaching its target: call \
                 concurrency::process::entry() first in main (Python's `if __name__ == \
                 '__main__':` guard), or concurrency::process_test_main!() in a test crate"
            ),
            Error::ProcessPanicked(m) => write!(f, "the process's target panicked: {m}"),
            Error::ProcessNoResult(code) => {
                write!(f, "the process ended (exitcode {code}) without a result")
            }
            Error::ProcessStartFailed(why) => write!(f, "cannot start a process: {why}"),
            Error::BadMessage(why) => write!(f, "malformed message from a process: {why}"),
            Error::Serialize(why) => write!(f, "cannot serialize a value for a process: {why}"),
            Error::TargetNotInExecutable => f.write_str(
                "a process target must be a function of the executable, not of a shared library",
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
            Error::QueueClosed => f.write_str("Queue is closed"),
            Error::QueueNotClosed => f.write_str("Queue not closed"),
            Error::OwnerDied { pid } => write!(
                f,
                "process {pid} died holding the lock, which this call took over (a queue repairs \
                 its state; a shared lock is now held by the caller)"
            ),
        }
    }
}

impl std::error::Error for Error {}
