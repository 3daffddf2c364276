//! Whether the other end of a pipe is still held by some process.
//!
//! Each end holds one socket of a `socketpair`; every process that holds the end holds that
//! socket (a child inherits it with the region). The kernel counts the holders: when the last
//! one closes it, by `close()` or by dying, however abruptly, the other socket reports
//! `POLLHUP`. Nothing is ever written to these sockets; they are only tokens.

use crate::sys::region::os_error;
use crate::Error;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// The two tokens of a new pipe, close-on-exec.
pub(crate) fn pair() -> Result<(OwnedFd, OwnedFd), Error> {
    let (a, b) = std::os::unix::net::UnixStream::pair().map_err(|e| os_error("socketpair", &e))?;
    Ok((a.into(), b.into()))
}

/// Whether the socket paired with `token` is still open somewhere. One `poll` with a zero
/// timeout. If `poll` itself fails, says alive: the caller's next slice asks again.
pub(crate) fn peer_alive(token: BorrowedFd<'_>) -> bool {
    let mut p = libc::pollfd {
        fd: token.as_raw_fd(),
        events: libc::POLLRDHUP,
        revents: 0,
    };
    loop {
        // SAFETY: `p` is one valid pollfd we own for the duration of the call (nfds = 1);
        // `token` is a borrowed, open fd.
        let r = unsafe { libc::poll(&mut p, 1, 0) };
        if r >= 0 {
            break;
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return true;
        }
    }
    p.revents & (libc::POLLHUP | libc::POLLRDHUP | libc::POLLERR | libc::POLLNVAL) == 0
}

/// Fails unless `fd` is a socket (a token handed to a child).
pub(crate) fn check_is_socket(fd: &OwnedFd) -> Result<(), Error> {
    // SAFETY: `stat` is a plain C struct for which all-zero bytes are valid.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `st` is a valid, writable buffer for the duration of the call.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        return Err(os_error("fstat", &std::io::Error::last_os_error()));
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
        return Err(Error::InvalidArgument(
            "the inherited pipe token is not a socket",
        ));
    }
    Ok(())
}

/// Whether the process `pid` still runs: not gone, and not a zombie (dead, waiting for its
/// parent to reap it: a child killed by its parent stays one until joined). For the process
/// queue's lock (`shared_lock.rs`), whose holder is named by its pid.
///
/// A pidfd answers both (it is readable once the process has exited, reaped or not);
/// `kill(pid, 0)` is the fallback where `pidfd_open` fails for want of descriptors (it cannot
/// tell a zombie). When unsure, says alive: the caller asks again after its next slice.
pub(crate) fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: plain syscall with integer arguments.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ESRCH) => false,
            _ => {
                // SAFETY: kill with signal 0 only checks that the process exists.
                let r = unsafe { libc::kill(pid, 0) };
                r == 0 || errno() != Some(libc::ESRCH)
            }
        };
    }
    // SAFETY: the syscall returned a new descriptor that nothing else owns.
    let fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as i32) };
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `p` is one valid pollfd for the duration of the call (nfds = 1).
    let r = unsafe { libc::poll(&mut p, 1, 0) };
    !(r > 0 && p.revents & libc::POLLIN != 0)
}

fn errno() -> Option<i32> {
    std::io::Error::last_os_error().raw_os_error()
}
