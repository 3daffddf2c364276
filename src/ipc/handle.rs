//! Handing one end of a pipe to a child process.
//!
//! The child needs two inherited fds, the region's memfd and the end's liveness socket, and
//! which end it is. Their text form, `pipe1:<memfd>:<len>:<socket>:<a|b>`, travels in an
//! environment variable or an argument; [`ConnectionHandle::inherit_in`] keeps both fds open
//! across the child's `exec` (cleared close-on-exec in the child only).

use super::connection::{Connection, End};
use super::layout::Layout;
use super::liveness;
use crate::sys::region::{keep_open_across_exec, os_error, RegionHandle, SharedRegion};
use crate::Error;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

/// What a child process needs to take over one end of a pipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionHandle {
    region: RegionHandle,
    token: RawFd,
    end: End,
}

impl Connection {
    /// The handle a child needs to open this end (see [`ConnectionHandle`]). The parent then
    /// drops its own copy of the end once the child is started.
    pub fn handle(&self) -> Result<ConnectionHandle, Error> {
        Ok(ConnectionHandle {
            region: self.region().handle(),
            token: self.token()?.as_raw_fd(),
            end: self.end(),
        })
    }
}

impl ConnectionHandle {
    /// `pipe1:<memfd>:<len>:<socket>:<a|b>`.
    pub fn encode(&self) -> String {
        let end = match self.end {
            End::A => 'a',
            End::B => 'b',
        };
        format!(
            "pipe1:{}:{}:{}:{end}",
            self.region.fd, self.region.len, self.token
        )
    }

    /// Parses [`encode`](Self::encode)'s text; anything else is [`Error::InvalidArgument`].
    pub fn decode(text: &str) -> Result<ConnectionHandle, Error> {
        let bad = || Error::InvalidArgument("not a pipe handle");
        let mut parts = text.split(':');
        if parts.next() != Some("pipe1") {
            return Err(bad());
        }
        let mut next = || parts.next().ok_or_else(bad);
        let fd = next()?.parse().map_err(|_| bad())?;
        let len = next()?.parse().map_err(|_| bad())?;
        let token = next()?.parse().map_err(|_| bad())?;
        let end = match next()? {
            "a" => End::A,
            "b" => End::B,
            _ => return Err(bad()),
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(ConnectionHandle {
            region: RegionHandle { fd, len },
            token,
            end,
        })
    }

    /// Makes `command`'s child inherit both fds (close-on-exec cleared in the child only).
    pub fn inherit_in(&self, command: &mut std::process::Command) {
        self.region.inherit_in(command);
        keep_open_across_exec(command, self.token);
    }

    /// Opens the end in the child: maps the region, checks the pipe's header and the token,
    /// and resumes at the positions published in the region.
    ///
    /// # Safety
    /// Both fd numbers must have been inherited for this purpose and be owned by nothing else
    /// in this process: the connection takes ownership of them (I/O safety). Call it once per
    /// handle, at start-up.
    pub unsafe fn open(self) -> Result<Connection, Error> {
        if self.token < 0 || self.token == self.region.fd {
            return Err(Error::InvalidArgument("not a pipe handle"));
        }
        // Check the token is open before anything takes ownership of either number.
        // SAFETY: F_GETFD only reads the descriptor table; a closed number gives EBADF.
        if unsafe { libc::fcntl(self.token, libc::F_GETFD) } < 0 {
            return Err(os_error("fcntl(F_GETFD)", &std::io::Error::last_os_error()));
        }
        // SAFETY: the caller hands us the region's fd (the region checks it is open).
        let region = Arc::new(unsafe { SharedRegion::from_inherited(self.region) }?);
        // SAFETY: the caller hands us the token's fd, open (checked above) and distinct from
        // the region's (checked above), so nothing else owns it.
        let token = unsafe { OwnedFd::from_raw_fd(self.token) };
        // SAFETY: plain fcntl on an fd we own.
        if unsafe { libc::fcntl(token.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
            return Err(os_error("fcntl(F_SETFD)", &std::io::Error::last_os_error()));
        }
        liveness::check_is_socket(&token)?;
        let layout = Layout::read(&region)?;
        Connection::attach(region, layout, self.end, token)
    }
}
