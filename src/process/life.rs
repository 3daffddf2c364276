//! The state behind a [`super::Process`] handle, and the waiting and reaping on it.
//!
//! | state       | `started` | `exitcode` | `closed` | what exists                           |
//! |-------------|-----------|------------|----------|---------------------------------------|
//! | new         | false     | None       | false    | the job (target, encoded arguments)   |
//! | running     | true      | None       | false    | pid, pidfd, the socket, the inbox     |
//! | ended       | true      | Some       | false    | the same; the child is reaped         |
//! | closed      | any       | any        | true     | nothing (pidfd and socket released)   |
//!
//! new → running (`start`), running → ended (reaped by `join`, `is_alive`, `exitcode` or
//! `active_children`), new/ended → closed (`close`). A running child cannot be closed.
//!
//! The socket is the child's lifeline as well as its reply channel: the parent keeps its end
//! open until the child is reaped and the handle closed or dropped, so the child sees end of
//! file exactly when the parent process is gone (see `child.rs`). Whatever the child sends is
//! read into the inbox whenever the parent looks (joining, polling), so a large reply never
//! blocks the child; the inbox keeps at most `wire::MAX_MESSAGE` bytes.

use super::sys;
use super::wire::MAX_MESSAGE;
use crate::internal::Mutex;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which process a handle stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A child this process made with the builder.
    Child,
    /// This process (`current_process()`).
    Current,
    /// The process that started this one (`parent_process()`).
    Parent,
}

/// What the child runs: offsets of the wrapper and target (see `target.rs`) and the encoded
/// arguments, or why they did not encode (reported by `start`), with the descriptors of the
/// pipes and queues in them (duplicates, closed when the job goes: see `crate::ipc::passing`).
pub(crate) struct Job {
    pub wrapper: usize,
    pub target: usize,
    pub args: Result<Vec<u8>, crate::Error>,
    pub fds: Vec<OwnedFd>,
}

pub(crate) struct Inner {
    pub origin: Origin,
    pub name: Mutex<String>,
    pub daemon: AtomicBool,
    pub identity: Vec<u32>,
    /// For `Current` and `Parent`: the pid, fixed.
    pub fixed_pid: u32,
    /// For `Parent`: this process's end of the socket to the parent; end of file on it means
    /// the parent is gone (CPython's parent sentinel).
    pub parent_chan: Option<Arc<OwnedFd>>,
    pub job: Mutex<Option<Job>>,
    pub life: Mutex<Life>,
}

#[derive(Default)]
pub(crate) struct Life {
    pub started: bool,
    pub closed: bool,
    pub pid: Option<u32>,
    pub pidfd: Option<Arc<OwnedFd>>,
    pub chan: Option<Arc<OwnedFd>>,
    pub exitcode: Option<i32>,
    pub inbox: Vec<u8>,
    pub overflowed: bool,
    pub chan_eof: bool,
}

impl Inner {
    pub(crate) fn new(origin: Origin, name: String, daemon: bool, identity: Vec<u32>) -> Inner {
        Inner {
            origin,
            name: Mutex::new(name),
            daemon: AtomicBool::new(daemon),
            identity,
            fixed_pid: 0,
            parent_chan: None,
            job: Mutex::new(None),
            life: Mutex::new(Life::default()),
        }
    }
}

impl Life {
    /// Reads whatever the child has sent so far, without blocking.
    pub(crate) fn drain(&mut self) {
        let Some(chan) = self.chan.clone() else {
            return;
        };
        let mut buf = [0u8; 16 * 1024];
        while !self.chan_eof {
            match sys::read_nonblocking(chan.as_fd(), &mut buf) {
                Ok(Some(0)) | Err(_) => self.chan_eof = true,
                Ok(Some(n)) => {
                    if self.inbox.len() + n > MAX_MESSAGE {
                        self.overflowed = true;
                    } else {
                        self.inbox.extend_from_slice(&buf[..n]);
                    }
                }
                Ok(None) => break,
            }
        }
    }

    /// The exit code if the child has ended (reaping it the first time), `None` while it runs.
    /// Reads the socket first and again after reaping: once the child is gone, everything it
    /// wrote is already in the socket.
    pub(crate) fn poll_exit(&mut self) -> Option<i32> {
        if self.exitcode.is_some() {
            return self.exitcode;
        }
        self.drain();
        let pidfd = self.pidfd.clone()?;
        match sys::try_reap(pidfd.as_fd()) {
            Ok(Some(code)) => {
                self.exitcode = Some(code);
                self.drain();
            }
            Ok(None) => {}
            // ECHILD: someone else reaped it (a `waitpid(-1)` elsewhere in the program, or
            // SIGCHLD ignored). The status is lost; report it as CPython's Popen does then.
            Err(_) => self.exitcode = Some(255),
        }
        self.exitcode
    }
}

/// Waits for the child to end, reading its replies meanwhile. Returns whether it ended within
/// `timeout` (`None`: forever). The lock is never held while blocked.
pub(crate) fn wait_child(inner: &Inner, timeout: Option<Duration>) -> bool {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let (pidfd, chan) = {
            let mut life = inner.life.lock();
            if life.poll_exit().is_some() {
                return true;
            }
            let chan = if life.chan_eof {
                None
            } else {
                life.chan.clone()
            };
            match life.pidfd.clone() {
                Some(p) => (p, chan),
                None => return true,
            }
        };
        let left = match deadline {
            None => None,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return false;
                }
                Some(left)
            }
        };
        let mut fds = vec![(pidfd.as_fd(), libc::POLLIN)];
        if let Some(c) = &chan {
            fds.push((c.as_fd(), libc::POLLIN));
        }
        if sys::poll(&fds, left).is_err() {
            // Cannot happen with valid descriptors; do not spin if it does.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Waits until the parent is gone (end of file on the socket to it), or `timeout`.
pub(crate) fn wait_parent(chan: &OwnedFd, timeout: Option<Duration>) -> bool {
    let events = libc::POLLIN | libc::POLLRDHUP;
    match sys::poll(&[(chan.as_fd(), events)], timeout) {
        Ok(r) => r[0] != 0,
        Err(_) => false,
    }
}
