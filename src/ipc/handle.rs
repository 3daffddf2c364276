//! Handing one end of a pipe to a child process, two ways.
//!
//! * **In a [`Process`](crate::Process)'s arguments** (the usual way, CPython's
//!   `Process(target=f, args=(child_conn,))`): a `Connection` is `Serialize` and
//!   `Deserialize`; in a process's arguments it is encoded as two indexes into the
//!   descriptors sent with the bootstrap (`passing.rs`), and the child's copy is opened from
//!   them while the arguments decode.
//! * **By hand**, for a child started some other way: the child needs two inherited fds, the
//!   region's memfd and the end's liveness socket, and which end it is. Their text form,
//!   `pipe1:<memfd>:<len>:<socket>:<a|b>`, travels in an environment variable or an argument;
//!   [`ConnectionHandle::inherit_in`] keeps both fds open across the child's `exec` (cleared
//!   close-on-exec in the child only).
//!
//! Both end in [`ConnectionHandle::open_owned`], which checks everything before it trusts it.

use super::connection::{Connection, End};
use super::layout::Layout;
use super::liveness;
use super::passing;
use crate::sys::region::{keep_open_across_exec, os_error, RegionHandle, SharedRegion, MAX_REGION};
use crate::Error;
use serde::de::Error as _;
use serde::{Deserialize, Serialize};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
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
        // Check both are open before anything takes ownership of either number.
        for fd in [self.token, self.region.fd] {
            // SAFETY: F_GETFD only reads the descriptor table; a closed number gives EBADF.
            if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
                return Err(os_error("fcntl(F_GETFD)", &std::io::Error::last_os_error()));
            }
        }
        // SAFETY: the caller hands us both numbers, open (checked above) and distinct (checked
        // above), so nothing else owns them.
        let (region, token) = unsafe {
            (
                OwnedFd::from_raw_fd(self.region.fd),
                OwnedFd::from_raw_fd(self.token),
            )
        };
        ConnectionHandle::open_owned(region, self.region.len, token, self.end)
    }

    /// Opens an end from descriptors this process owns (received with a process's arguments,
    /// or inherited): checks the region (a size-sealed memfd of `len` bytes) and the token (a
    /// socket), sets both close-on-exec, checks the pipe's header, and resumes at the
    /// positions published in the region.
    pub(crate) fn open_owned(
        region: OwnedFd,
        len: usize,
        token: OwnedFd,
        end: End,
    ) -> Result<Connection, Error> {
        if len == 0 || len > MAX_REGION {
            return Err(Error::InvalidArgument("not a pipe handle"));
        }
        let handle = RegionHandle {
            fd: region.into_raw_fd(),
            len,
        };
        // SAFETY: `into_raw_fd` just gave up this process's one owner of the number, which
        // `from_inherited` takes over (it fails before taking it only for a closed number or a
        // bad length: neither, checked above).
        let region = Arc::new(unsafe { SharedRegion::from_inherited(handle) }?);
        // SAFETY: plain fcntl on an fd we own.
        if unsafe { libc::fcntl(token.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
            return Err(os_error("fcntl(F_SETFD)", &std::io::Error::last_os_error()));
        }
        liveness::check_is_socket(&token)?;
        let layout = Layout::read(&region)?;
        Connection::attach(region, layout, end, token)
    }
}

/// In a process's arguments: `(memfd index, region length, token index, end)`, the indexes
/// into the descriptors passed with the bootstrap (`passing.rs`). Anywhere else, encoding
/// fails ([`Error::Serialize`]); a closed end fails with [`Error::ConnectionClosed`].
impl Serialize for Connection {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let token = self.token().map_err(passing::refuse)?;
        let region = passing::pass(self.region().fd(), "Connection")?;
        let token = passing::pass(token.as_fd(), "Connection")?;
        let end = match self.end() {
            End::A => 0u8,
            End::B => 1,
        };
        (region, self.region().len() as u64, token, end).serialize(s)
    }
}

/// In a child's arguments: claims the two descriptors and opens the end
/// (the checks of `ConnectionHandle::open`).
impl<'de> Deserialize<'de> for Connection {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Connection, D::Error> {
        let (region, len, token, end) = <(u32, u64, u32, u8)>::deserialize(d)?;
        let end = match end {
            0 => End::A,
            1 => End::B,
            e => return Err(passing::reject(format!("pipe end {e} is neither 0 nor 1"))),
        };
        let len = usize::try_from(len).map_err(|_| D::Error::custom("region length"))?;
        let region = passing::claim(region, "Connection")?;
        let token = passing::claim(token, "Connection")?;
        ConnectionHandle::open_owned(region, len, token, end)
            .map_err(|e| passing::reject(format!("opening a pipe end: {e}")))
    }
}
