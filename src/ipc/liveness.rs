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
