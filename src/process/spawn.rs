//! The `spawn` start method, parent side: a new process re-executing this program.
//!
//! The child is `/proc/self/exe` (the inode this process runs, even if the file was replaced
//! on disk) with arguments `__concurrency_process_child --exact --nocapture` (which make a
//! libtest binary run only the hidden test of [`crate::process_test_main!`]; a program whose
//! `main` calls [`super::entry`] first never looks at them) and `CONCURRENCY_PROCESS_CHILD=1`
//! in its environment (which tells `entry` it is a child).
//!
//! Its stdin is its end of a socket pair (the bootstrap comes in on it, the reply goes out,
//! and end of file on it means the parent is gone); `entry` moves the socket to another
//! descriptor and puts `/dev/null` on stdin, as CPython does. Its stdout is `/dev/null` until
//! `entry` replaces it with the parent's stdout, passed over the socket (`SCM_RIGHTS`): so a
//! libtest binary's own start-up banner ("running 1 test") never reaches the terminal. stderr
//! is inherited. The descriptors of the pipes and queues in the arguments go in the same
//! `SCM_RIGHTS` message, after stdout (`crate::ipc::passing`): nothing but the socket is
//! inherited, so a child started meanwhile by another thread gets none of them.
//!
//! `std::process::Command` without `pre_exec` lets std use `posix_spawn`, which glibc runs as
//! `clone(CLONE_VM | CLONE_VFORK)` + `exec`: no copy of the parent's memory, safe in a
//! multi-threaded parent (the child runs no code of ours before `exec`).

use super::sys;
use super::wire::{Bootstrap, MAX_MESSAGE};
use crate::error::Error;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// The environment variable that marks a spawned child.
pub(crate) const ENV_CHILD: &str = "CONCURRENCY_PROCESS_CHILD";

/// The name of the hidden test [`crate::process_test_main!`] defines.
pub const CHILD_TEST_NAME: &str = "__concurrency_process_child";

/// Up to this many bootstrap bytes are sent by `start` itself (they fit in the socket's
/// buffer, so the send cannot block); a larger rest is sent by a short-lived thread, so a
/// child that never reads cannot hang `start`.
const SEND_INLINE: usize = 64 * 1024;

/// A started child.
pub(crate) struct Spawned {
    pub pid: u32,
    pub pidfd: OwnedFd,
    pub chan: Arc<OwnedFd>,
}

fn failed(what: &str, e: std::io::Error) -> Error {
    Error::ProcessStartFailed(format!("{what}: {e}"))
}

/// Starts a child and sends it `boot`, with our stdout and the descriptors `passed` (those
/// of the arguments, in the order of their indexes).
pub(crate) fn spawn(mut boot: Bootstrap, passed: &[BorrowedFd<'_>]) -> Result<Spawned, Error> {
    // Our stdout, for the child to restore (if we have one).
    // SAFETY: F_GETFD only inspects descriptor 1.
    let stdout_ok = unsafe { libc::fcntl(1, libc::F_GETFD) } >= 0;
    let mut pass: Vec<RawFd> = Vec::with_capacity(1 + passed.len());
    if stdout_ok {
        pass.push(std::io::stdout().as_raw_fd());
    }
    pass.extend(passed.iter().map(|fd| fd.as_raw_fd()));
    if pass.len() > sys::MAX_FDS {
        return Err(Error::Serialize(format!(
            "the arguments pass {} descriptors; at most {} may cross with them",
            passed.len(),
            sys::MAX_FDS - 1
        )));
    }
    boot.stdout = stdout_ok;
    boot.passed = passed.len() as u32;
    let bootstrap = boot.encode()?;
    debug_assert!(bootstrap.len() <= MAX_MESSAGE);
    let (parent_end, child_end) = sys::socketpair().map_err(|e| failed("socketpair", e))?;
    let mut cmd = Command::new("/proc/self/exe");
    if let Some(arg0) = std::env::args_os().next() {
        cmd.arg0(arg0);
    }
    cmd.args([CHILD_TEST_NAME, "--exact", "--nocapture"])
        .env(super::spawn::ENV_CHILD, "1")
        .stdin(Stdio::from(child_end))
        .stdout(Stdio::null());
    let child = cmd.spawn().map_err(|e| failed("spawn", e))?;
    let pid = child.id();
    // std's `Child` neither waits nor kills on drop; the pidfd takes over from here.
    drop(child);
    // The child is unreaped, so its pid cannot have been reused.
    let pidfd = match sys::pidfd_open(pid) {
        Ok(fd) => fd,
        Err(e) => {
            // SAFETY: plain kill/waitpid of our own unreaped child.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
                libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0);
            }
            return Err(failed("pidfd_open (Linux 5.4 or later is needed)", e));
        }
    };
    let chan = Arc::new(parent_end);
    let (now, later) = bootstrap.split_at(bootstrap.len().min(SEND_INLINE));
    // A child that died at once (EPIPE) is not a start failure: it is a child with an exit
    // code, which `join` reports.
    let _ = sys::send_all(chan.as_fd(), now, &pass);
    if !later.is_empty() {
        let rest = later.to_vec();
        let c = chan.clone();
        let sent = std::thread::Builder::new()
            .name("process-bootstrap".into())
            .spawn(move || {
                let _ = sys::send_all(c.as_fd(), &rest, &[]);
            });
        if let Err(e) = sent {
            let _ = sys::pidfd_send_signal(pidfd.as_fd(), libc::SIGKILL);
            let _ = sys::poll(&[(pidfd.as_fd(), libc::POLLIN)], None);
            let _ = sys::try_reap(pidfd.as_fd());
            return Err(failed("thread for the bootstrap", e));
        }
    }
    Ok(Spawned { pid, pidfd, chan })
}
