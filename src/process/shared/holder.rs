//! Who holds a process-shared lock, and whether that holder's process is still alive.
//!
//! # Identity
//! A holder is a thread of some process: its id is `pid << 32 | thread index`, where the
//! thread index numbers the threads of one process that touch shared locks (1, 2, ...; never
//! 0, never reused while the process lives). So an id is never 0 ("nobody"), two live threads
//! never share one, and the pid is in the id for the liveness check. A thread's id is cached
//! in a thread-local; a `fork()` (which this crate never does, but a program may) changes the
//! pid, so the cache is keyed by a fork generation a `pthread_atfork` handler bumps.
//!
//! # Liveness
//! [`process_gone`] says whether a process has ended. It must never say "gone" for a live
//! process (a waiter would then take a lock that is held: two holders), and may say "alive"
//! for one that ended (the waiter then keeps waiting, as CPython always does):
//!
//! | check                                | answer                                               |
//! |--------------------------------------|------------------------------------------------------|
//! | the pid is ours                      | alive                                                |
//! | `pidfd_open(pid)` fails with `ESRCH` | gone (no such process)                               |
//! | the pidfd polls readable             | gone (it exited; also a zombie nobody reaped yet, which `kill(pid, 0)` would call alive) |
//! | no pidfd (kernel < 5.3, seccomp)     | `kill(pid, 0)`: `ESRCH` is gone; else `/proc/<pid>/stat` in state `Z`/`X` is gone |
//! | anything else                        | alive                                                |
//!
//! Pid reuse: once a holder's process is gone, its pid may be given to a new process, which a
//! later check then calls alive: the lock is not recovered (CPython's behaviour). A waiter
//! that is waiting when the holder dies checks every [`SLICE`] and recovers long before
//! (Linux hands out pids in increasing order up to `pid_max` before reusing any).

use crate::time::Deadline;
use std::cell::Cell;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Once;
use std::time::Duration;

/// How long a waiter sleeps at most before it checks the holder's process again.
pub(crate) const SLICE: Duration = Duration::from_millis(50);

/// Bumped in a child after every `fork()`: cached ids of the parent's pid are stale.
static FORKS: AtomicU32 = AtomicU32::new(0);
static AT_FORK: Once = Once::new();
static NEXT_THREAD: AtomicU32 = AtomicU32::new(1);

extern "C" fn forked() {
    FORKS.fetch_add(1, Relaxed);
}

thread_local! {
    /// (fork generation, id) of this thread, id 0 until first asked.
    static ME: Cell<(u32, u64)> = const { Cell::new((0, 0)) };
    /// This thread's index among the threads of its process that asked.
    static INDEX: Cell<u32> = const { Cell::new(0) };
}

fn new_index() -> u32 {
    loop {
        let i = NEXT_THREAD.fetch_add(1, Relaxed);
        if i != 0 {
            return i;
        }
    }
}

fn compute() -> u64 {
    let index = INDEX
        .try_with(|c| {
            if c.get() == 0 {
                c.set(new_index());
            }
            c.get()
        })
        .unwrap_or_else(|_| new_index());
    (u64::from(std::process::id()) << 32) | u64::from(index)
}

/// The calling thread's holder id (never 0).
#[inline]
pub(crate) fn me() -> u64 {
    AT_FORK.call_once(|| {
        // SAFETY: registers a handler that only increments a static atomic (async-signal-safe,
        // allowed in a child after fork); no prepare or parent handler.
        unsafe { libc::pthread_atfork(None, None, Some(forked)) };
    });
    let forks = FORKS.load(Relaxed);
    ME.try_with(|c| match c.get() {
        (f, id) if f == forks && id != 0 => id,
        _ => {
            let id = compute();
            c.set((forks, id));
            id
        }
    })
    .unwrap_or_else(|_| compute())
}

/// The process part of a holder id.
#[inline]
pub(crate) fn pid_of(id: u64) -> u32 {
    (id >> 32) as u32
}

/// Whether the process `pid` has ended (see the module docs: never true for a live one).
pub(crate) fn process_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return false; // not a pid: garbage in the region; we cannot tell
    };
    if p <= 0 {
        return false;
    }
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd (or -1); no memory.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, p, 0) };
    if fd >= 0 {
        let Ok(raw) = i32::try_from(fd) else {
            return false;
        };
        // SAFETY: the kernel just gave us this fd; nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        return exited(&fd);
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::ESRCH) => true,
        _ => gone_without_pidfd(p),
    }
}

/// Whether the process behind `pidfd` has exited: the fd polls readable then.
fn exited(pidfd: &OwnedFd) -> bool {
    let mut p = libc::pollfd {
        fd: pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd we own, for the duration of the call; timeout 0.
        let r = unsafe { libc::poll(&mut p, 1, 0) };
        if r >= 0 {
            return p.revents & libc::POLLIN != 0;
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return false;
        }
    }
}

fn gone_without_pidfd(p: libc::pid_t) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists; it sends nothing.
    if unsafe { libc::kill(p, 0) } < 0
        && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    {
        return true;
    }
    // It exists, or is not ours to signal: a zombie has ended all the same.
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
        return false;
    };
    // "pid (comm) S ...": the state follows the last ')' (comm may contain anything).
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next())
        .is_some_and(|state| state == 'Z' || state == 'X')
}

/// The end of the next slice of a wait that ends at `deadline` (`None`: never): at most
/// [`SLICE`] away. `None` once the deadline has passed.
pub(crate) fn next_slice(deadline: Option<Deadline>) -> Option<Deadline> {
    match deadline {
        None => Some(Deadline::after(SLICE)),
        Some(d) => d.remaining().map(|left| Deadline::after(left.min(SLICE))),
    }
}

/// Whether `deadline` has passed (`None` never does).
pub(crate) fn passed(deadline: Option<Deadline>) -> bool {
    deadline.is_some_and(|d| d.remaining().is_none())
}
