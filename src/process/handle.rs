//! [`Process`]: CPython's `multiprocessing.Process`, one handle per OS process.

use super::builder::Builder;
use super::life::{self, Inner, Origin};
use super::timeout::JoinTimeout;
use super::wire::{self, Reply};
use super::{child, registry, spawn, sys, target};
use crate::error::Error;
use serde::de::DeserializeOwned;
use std::fmt;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// A process: a separate program with its own pid and its own memory, running one target
/// function. Cloning clones the handle. `R` is what the target returns ([`Process::result`]);
/// handles from [`active_children`](super::active_children), [`current_process`](super::current_process) and
/// [`parent_process`](super::parent_process) have `R = ()`.
///
/// Misuse is CPython's `AssertionError` or `ValueError`, as a typed [`Error`]:
///
/// | call                        | not started                | running    | ended      | closed          |
/// |-----------------------------|----------------------------|------------|------------|-----------------|
/// | `start`                     | starts                     | `ProcessAlreadyStarted` | `ProcessAlreadyStarted` | `ProcessClosed` |
/// | `join`                      | `ProcessNotStarted`        | waits      | `Ok(true)` | `ProcessClosed` |
/// | `is_alive`                  | `Ok(false)`                | `Ok(true)` | `Ok(false)`| `ProcessClosed` |
/// | `exitcode`, `pid`           | `Ok(None)`                 | …          | `Ok(Some)` | `ProcessClosed` |
/// | `terminate`, `kill`         | `ProcessNotStarted`        | signals    | no-op      | `ProcessClosed` |
/// | `sentinel`                  | `InvalidArgument`          | pidfd      | pidfd      | `ProcessClosed` |
/// | `set_daemon`                | sets                       | `ProcessDaemonAfterStart` | `ProcessDaemonAfterStart` | `ProcessDaemonAfterStart` |
/// | `close`                     | closes                     | `ProcessStillRunning` | closes | `Ok` |
///
/// On the handles of the current process and of the parent, `join`, `start`, `terminate`,
/// `kill` and `close` are `ProcessNotChild` (only a parent controls its child), except that
/// the parent's handle can be joined (it waits for the parent to end, as CPython's does).
pub struct Process<R = ()> {
    inner: Arc<Inner>,
    _result: PhantomData<fn() -> R>,
}

impl<R> Clone for Process<R> {
    fn clone(&self) -> Self {
        Process::from_arc(self.inner.clone())
    }
}

impl<R, S> PartialEq<Process<S>> for Process<R> {
    fn eq(&self, other: &Process<S>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<R> Eq for Process<R> {}

impl Process<()> {
    /// A [`Builder`].
    pub fn builder() -> Builder<()> {
        Builder::new()
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Process<()> {
        Process::from_arc(inner)
    }
}

impl Process<()> {
    /// A process that will run `target(args)`, with a default name and daemon flag.
    pub fn new<A, T>(target: fn(A) -> T, args: A) -> Process<T>
    where
        A: serde::Serialize + DeserializeOwned + 'static,
        T: serde::Serialize + DeserializeOwned + 'static,
    {
        Builder::new().target(target, args).build()
    }
}

const NOT_CHILD_JOIN: &str = "can only join a child process";
const NOT_CHILD_START: &str = "can only start a process object created by this process";
const NOT_CHILD_SIGNAL: &str = "can only signal a child process";
const NOT_CHILD_CLOSE: &str = "can only close a child process";

impl<R> Process<R> {
    pub(crate) fn from_arc(inner: Arc<Inner>) -> Process<R> {
        Process {
            inner,
            _result: PhantomData,
        }
    }

    fn check_closed(&self) -> Result<(), Error> {
        if self.inner.life.lock().closed {
            Err(Error::ProcessClosed)
        } else {
            Ok(())
        }
    }

    /// Starts the child: a new OS process that runs the target and exits.
    ///
    /// Errors: [`Error::ProcessAlreadyStarted`], [`Error::ProcessClosed`],
    /// [`Error::DaemonicChildren`] in a daemon process, [`Error::Serialize`] if the
    /// arguments did not encode, the error of a pipe or queue in them that cannot cross (a
    /// closed connection: [`Error::ConnectionClosed`]), [`Error::TargetNotInExecutable`],
    /// [`Error::ProcessStartFailed`] if the OS refused. A failed start leaves the process
    /// unstarted. In a child that has not dispatched to its target (see
    /// [`entry`](super::entry)) this does not return: the child exits with
    /// [`EXIT_NOT_DISPATCHED`](super::EXIT_NOT_DISPATCHED).
    pub fn start(&self) -> Result<(), Error> {
        if child::undispatched_child() {
            child::refuse_start();
        }
        self.check_closed()?;
        if self.inner.origin != Origin::Child {
            return Err(Error::ProcessNotChild(NOT_CHILD_START));
        }
        let mut life = self.inner.life.lock();
        if life.started {
            return Err(Error::ProcessAlreadyStarted);
        }
        if registry::current_inner().daemon.load(Relaxed) {
            return Err(Error::DaemonicChildren);
        }
        // CPython's `_cleanup()`: reap children that ended meanwhile.
        let _ = super::active_children();
        let mut job = self.inner.job.lock();
        let Some(j) = job.as_ref() else {
            return Err(Error::ProcessAlreadyStarted);
        };
        let args = j.args.clone()?;
        target::check_in_executable(&[j.wrapper, j.target])?;
        let me = registry::current_inner();
        let exe = sys::exe_identity()
            .map_err(|e| Error::ProcessStartFailed(format!("/proc/self/exe: {e}")))?;
        let boot = wire::Bootstrap {
            exe,
            layout: target::layout_check(),
            wrapper: target::offset_of(j.wrapper),
            target: target::offset_of(j.target),
            parent_pid: std::process::id(),
            daemon: self.inner.daemon.load(Relaxed),
            identity: self.inner.identity.clone(),
            name: self.name(),
            parent_name: me.name.lock().clone(),
            args,
            stdout: false, // `spawn` fills in what it passes
            passed: 0,
        };
        let passed: Vec<_> = j.fds.iter().map(|fd| fd.as_fd()).collect();
        let spawned = spawn::spawn(boot, &passed)?;
        // MP-12: the handle keeps no reference to the target once started.
        *job = None;
        life.started = true;
        life.pid = Some(spawned.pid);
        life.pidfd = Some(Arc::new(spawned.pidfd));
        life.chan = Some(spawned.chan);
        drop(job);
        drop(life);
        registry::add_child(&self.inner);
        Ok(())
    }

    /// Waits until the process ends or `timeout` passes (see [`JoinTimeout`]: `None` waits
    /// forever, a negative number of seconds does not wait). Returns whether it ended
    /// (CPython returns `None` and leaves that to `is_alive()`; both work here). A timeout is
    /// not an error (MP-31); a signal handled meanwhile does not end the wait (MP-20).
    ///
    /// On the handle of the parent ([`parent_process`](super::parent_process)), waits for the
    /// parent to end (MP-08).
    ///
    /// Errors: [`Error::ProcessClosed`], [`Error::ProcessNotChild`] (the current process),
    /// [`Error::ProcessNotStarted`], or a bad timeout.
    pub fn join(&self, timeout: impl JoinTimeout) -> Result<bool, Error> {
        self.check_closed()?;
        let timeout = timeout.into_wait()?;
        match self.inner.origin {
            Origin::Current => return Err(Error::ProcessNotChild(NOT_CHILD_JOIN)),
            Origin::Parent => {
                return Ok(match &self.inner.parent_chan {
                    Some(c) => life::wait_parent(c, timeout),
                    None => true,
                })
            }
            Origin::Child => {}
        }
        if !self.inner.life.lock().started {
            return Err(Error::ProcessNotStarted);
        }
        let ended = life::wait_child(&self.inner, timeout);
        if ended {
            registry::remove_child(&self.inner);
        }
        Ok(ended)
    }

    /// Whether the process is running: started and not yet ended (reaping it if it has).
    /// Always true for the current process.
    pub fn is_alive(&self) -> Result<bool, Error> {
        self.check_closed()?;
        match self.inner.origin {
            Origin::Current => Ok(true),
            Origin::Parent => Ok(match &self.inner.parent_chan {
                Some(c) => !life::wait_parent(c, Some(std::time::Duration::ZERO)),
                None => false,
            }),
            Origin::Child => {
                let mut life = self.inner.life.lock();
                if !life.started {
                    return Ok(false);
                }
                let ended = life.poll_exit().is_some();
                drop(life);
                if ended {
                    registry::remove_child(&self.inner);
                }
                Ok(!ended)
            }
        }
    }

    /// The exit code once the process has ended, `None` before (section 9.2): `0` when the
    /// target returned, `1` when it panicked, `n` for `std::process::exit(n)`, `-N` when a
    /// signal N killed it (`terminate()`: −15, `kill()`: −9).
    pub fn exitcode(&self) -> Result<Option<i32>, Error> {
        self.check_closed()?;
        if self.inner.origin != Origin::Child {
            return Ok(None);
        }
        let mut life = self.inner.life.lock();
        if !life.started {
            return Ok(None);
        }
        Ok(life.poll_exit())
    }

    /// The OS process id; `None` before start. CPython calls it `pid` and `ident`.
    pub fn pid(&self) -> Result<Option<u32>, Error> {
        self.check_closed()?;
        Ok(match self.inner.origin {
            Origin::Child => self.inner.life.lock().pid,
            _ => Some(self.inner.fixed_pid),
        })
    }

    /// Sends SIGTERM (CPython's `terminate`). The process's `Drop`s, `finally`-like code and
    /// exit handlers do not run: it just ends, with exit code −15. A no-op once it has ended.
    pub fn terminate(&self) -> Result<(), Error> {
        self.signal(libc::SIGTERM)
    }

    /// Sends SIGKILL (CPython's `kill`): exit code −9; cannot be caught or ignored.
    pub fn kill(&self) -> Result<(), Error> {
        self.signal(libc::SIGKILL)
    }

    fn signal(&self, sig: libc::c_int) -> Result<(), Error> {
        self.check_closed()?;
        if self.inner.origin != Origin::Child {
            return Err(Error::ProcessNotChild(NOT_CHILD_SIGNAL));
        }
        let life = self.inner.life.lock();
        if !life.started {
            return Err(Error::ProcessNotStarted);
        }
        if life.exitcode.is_some() {
            return Ok(());
        }
        if let Some(pidfd) = &life.pidfd {
            // ESRCH: it ended and was reaped meanwhile; nothing to do.
            let _ = sys::pidfd_send_signal(pidfd.as_fd(), sig);
        }
        Ok(())
    }

    /// Releases the process's resources (its pidfd, the socket to it, its unread reply).
    /// Afterwards almost every call is [`Error::ProcessClosed`]; `close` again is fine
    /// (MP-11). [`Error::ProcessStillRunning`] while it runs: join or terminate it first.
    pub fn close(&self) -> Result<(), Error> {
        if self.inner.origin != Origin::Child {
            return Err(Error::ProcessNotChild(NOT_CHILD_CLOSE));
        }
        let mut life = self.inner.life.lock();
        if life.closed {
            return Ok(());
        }
        if life.started && life.poll_exit().is_none() {
            return Err(Error::ProcessStillRunning);
        }
        life.pidfd = None;
        life.chan = None;
        life.inbox = Vec::new();
        life.closed = true;
        drop(life);
        registry::remove_child(&self.inner);
        Ok(())
    }

    /// A descriptor that becomes readable when the process ends (CPython's `sentinel`), to
    /// wait on together with others (`poll`, `epoll`, an async reactor). It is a pidfd;
    /// valid until [`close`](Self::close) and while a handle exists. For the parent's handle,
    /// it becomes readable when the parent ends.
    ///
    /// [`Error::InvalidArgument`] ("process not started") before `start` (MP-09).
    pub fn sentinel(&self) -> Result<RawFd, Error> {
        self.check_closed()?;
        let not_started = Error::InvalidArgument("process not started");
        match self.inner.origin {
            Origin::Current => Err(not_started),
            Origin::Parent => self
                .inner
                .parent_chan
                .as_ref()
                .map(|c| c.as_raw_fd())
                .ok_or(not_started),
            Origin::Child => self
                .inner
                .life
                .lock()
                .pidfd
                .as_ref()
                .map(|p| p.as_raw_fd())
                .ok_or(not_started),
        }
    }

    /// The process's name.
    pub fn name(&self) -> String {
        self.inner.name.lock().clone()
    }

    /// Renames the handle (the child keeps the name it started with, as in CPython).
    pub fn set_name(&self, name: impl Into<String>) {
        *self.inner.name.lock() = name.into();
    }

    /// Whether this is a daemon process.
    pub fn daemon(&self) -> bool {
        self.inner.daemon.load(Relaxed)
    }

    /// Sets the daemon flag before start ([`Error::ProcessDaemonAfterStart`] after). On the
    /// current process's handle it sets the flag that later `start`s check.
    pub fn set_daemon(&self, daemon: bool) -> Result<(), Error> {
        let started = match self.inner.origin {
            Origin::Child => self.inner.life.lock().started,
            Origin::Current => false,
            Origin::Parent => true,
        };
        if started {
            return Err(Error::ProcessDaemonAfterStart);
        }
        self.inner.daemon.store(daemon, Relaxed);
        Ok(())
    }
}

impl<R: DeserializeOwned> Process<R> {
    /// What the target returned: joins the process if it still runs (forever), then decodes
    /// the reply. Each call decodes it afresh.
    ///
    /// Errors, besides `join`'s: [`Error::ProcessPanicked`] with the panic message,
    /// [`Error::ProcessNoResult`] if the process ended without replying (killed, or
    /// `std::process::exit` inside the target), [`Error::ProcessNotDispatched`] if the child
    /// never reached its target (the entry point is missing), [`Error::Serialize`] if the
    /// result did not encode, and [`Error::BadMessage`] if the reply is not a valid message
    /// for `R` (never a panic, whatever the child sent).
    pub fn result(&self) -> Result<R, Error> {
        self.join(None)?;
        let life = self.inner.life.lock();
        let exitcode = life.exitcode.unwrap_or(0);
        match wire::parse_reply(&life.inbox, life.overflowed)? {
            // Killed before it got that far: a signal, not a missing entry point.
            Reply::Silent if exitcode < 0 => Err(Error::ProcessNoResult(exitcode)),
            Reply::Silent => Err(Error::ProcessNotDispatched(exitcode)),
            Reply::NoResult => Err(Error::ProcessNoResult(exitcode)),
            Reply::Panicked(m) => Err(Error::ProcessPanicked(m)),
            Reply::Unserializable(m) => Err(Error::Serialize(m)),
            Reply::Refused(m) => Err(Error::BadMessage(format!(
                "the child could not run the target: {m}"
            ))),
            Reply::Returned(bytes) => match postcard::take_from_bytes::<R>(bytes) {
                Ok((r, [])) => Ok(r),
                Ok((_, rest)) => Err(Error::BadMessage(format!(
                    "{} bytes after the result",
                    rest.len()
                ))),
                Err(e) => Err(Error::BadMessage(format!(
                    "the result does not decode: {e}"
                ))),
            },
        }
    }
}

impl<R> fmt::Debug for Process<R> {
    /// CPython's repr: `<Process name='Process-1' pid=123 parent=122 started daemon>`, with
    /// `stopped exitcode=-SIGTERM` etc. once ended.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let life = self.inner.life.lock();
        write!(f, "<Process name={:?}", self.inner.name.lock().as_str())?;
        let status = match self.inner.origin {
            Origin::Current | Origin::Parent => {
                write!(f, " pid={}", self.inner.fixed_pid)?;
                "started".to_owned()
            }
            Origin::Child if life.closed => "closed".to_owned(),
            Origin::Child => {
                if let Some(pid) = life.pid {
                    write!(f, " pid={pid} parent={}", std::process::id())?;
                }
                match (life.started, life.exitcode) {
                    (false, _) => "initial".to_owned(),
                    (true, None) => "started".to_owned(),
                    (true, Some(c)) if c < 0 => format!("stopped exitcode=-{}", signal_name(-c)),
                    (true, Some(c)) => format!("stopped exitcode={c}"),
                }
            }
        };
        let daemon = if self.daemon() { " daemon" } else { "" };
        write!(f, " {status}{daemon}>")
    }
}

fn signal_name(sig: i32) -> String {
    match sig {
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGKILL => "SIGKILL".into(),
        libc::SIGINT => "SIGINT".into(),
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        n => n.to_string(),
    }
}
