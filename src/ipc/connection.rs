//! [`Connection`]: one end of a pipe (CPython's `multiprocessing.connection.Connection`).

use super::layout::Layout;
use super::liveness;
use super::memory::{SharedPark, SpanRing};
use super::ring::{self, Reader, RingError, Word, Writer};
use crate::sys::region::SharedRegion;
use crate::time::Deadline;
use crate::Error;
use core::time::Duration;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Which end of a pipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The first of the pair `Pipe` returns (the reader of a one-way pipe).
    A,
    /// The second (the writer of a one-way pipe).
    B,
}

impl End {
    /// The rings this end writes to and reads from.
    fn rings(self, layout: Layout) -> (Option<usize>, Option<usize>) {
        match (self, layout.rings) {
            (End::A, 2) => (Some(0), Some(1)),
            (End::B, 2) => (Some(1), Some(0)),
            (End::A, _) => (None, Some(0)),
            (End::B, _) => (Some(0), None),
        }
    }
}

/// One end of a pipe: send and receive whole messages (bytes, or serde values in postcard's
/// format), to and from whichever process holds the other end.
///
/// Both ends of a new pipe live in the creating process; hand one to a child by putting it in
/// the child [`Process`](crate::Process)'s arguments (it is `Serialize`/`Deserialize` there,
/// and only there), or by hand with [`Connection::handle`]. Either way, keep no copy of it (as
/// with CPython, a copy you keep counts as a holder, and its peer cannot tell you from the
/// child); moving it into the arguments does that.
///
/// It is `Send` and `Sync`: threads may share one end. Concurrent sends are taken one whole
/// message at a time, and so are concurrent receives (CPython leaves that case to luck).
///
/// Dropping it closes it.
pub struct Connection {
    region: Arc<SharedRegion>,
    layout: Layout,
    end: End,
    writer: Option<(usize, Mutex<Writer>)>,
    reader: Option<(usize, Mutex<Reader>)>,
    /// The reader's position as of its last `recv`, readable without the reader's lock (which
    /// a blocked `recv` holds): what `poll` waits from. `u32::MAX`: a framing error stuck.
    reader_head: AtomicU32,
    /// This end's liveness token; `None` once closed.
    token: Option<OwnedFd>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The states hold plain positions that no panic leaves half-written.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn ring_error(e: RingError, sending: bool) -> Error {
    match e {
        RingError::PeerGone if sending => Error::BrokenPipe,
        RingError::PeerGone => Error::PeerClosed,
        RingError::Corrupt(why) => Error::BadFrame(why),
        RingError::TooLarge { len, max } => Error::FrameTooLarge { len, max },
        // Only the deadline-taking calls see it, and they turn it into their own answer.
        RingError::TimedOut => Error::Empty,
    }
}

impl Connection {
    /// This end of the pipe in `region`, attaching to the positions published there.
    pub(crate) fn attach(
        region: Arc<SharedRegion>,
        layout: Layout,
        end: End,
        token: OwnedFd,
    ) -> Result<Connection, Error> {
        let mut c = Connection {
            region,
            layout,
            end,
            writer: None,
            reader: None,
            reader_head: AtomicU32::new(0),
            token: Some(token),
        };
        let (out, inn) = end.rings(layout);
        if let Some(r) = out {
            let w = c
                .with_ring(r, |m| Writer::attach(m))
                .and_then(|w| w.map_err(|e| ring_error(e, true)))?;
            c.writer = Some((r, Mutex::new(w)));
        }
        if let Some(r) = inn {
            let rd = c
                .with_ring(r, |m| Reader::attach(m))
                .and_then(|rd| rd.map_err(|e| ring_error(e, false)))?;
            c.reader_head = AtomicU32::new(rd.head());
            c.reader = Some((r, Mutex::new(rd)));
        }
        Ok(c)
    }

    /// Runs `f` on ring `r`'s memory view (bounds checked against the region).
    fn with_ring<R>(
        &self,
        r: usize,
        f: impl FnOnce(&SpanRing<'_, SharedPark, &dyn Fn() -> bool>) -> R,
    ) -> Result<R, Error> {
        let token = self.token.as_ref().map(|t| t.as_fd());
        let alive = move || token.is_none_or(liveness::peer_alive);
        let tail = self.region.u32_at(Layout::tail_offset(r))?;
        let head = self.region.u32_at(Layout::head_offset(r))?;
        let data = self
            .region
            .span(self.layout.data_offset(r), self.layout.capacity as usize)?;
        let mem = SpanRing::new(tail, head, data, &alive as &dyn Fn() -> bool).ok_or(
            Error::InvalidArgument("pipe capacity is not a power of two"),
        )?;
        Ok(f(&mem))
    }

    fn open(&self) -> Result<(), Error> {
        match self.token {
            Some(_) => Ok(()),
            None => Err(Error::ConnectionClosed),
        }
    }

    fn writing(&self) -> Result<&(usize, Mutex<Writer>), Error> {
        self.open()?;
        self.writer.as_ref().ok_or(Error::ConnectionReadOnly)
    }

    fn reading(&self) -> Result<&(usize, Mutex<Reader>), Error> {
        self.open()?;
        self.reader.as_ref().ok_or(Error::ConnectionWriteOnly)
    }

    /// Sends `buf` as one message. Blocks while the other end's ring lacks room for it.
    ///
    /// Errors: [`Error::FrameTooLarge`] for more than [`max_message`](Self::max_message)
    /// bytes (nothing sent), [`Error::BrokenPipe`] once the other end is closed or its
    /// process is gone (a reader killed without closing is noticed when the ring fills up, or
    /// at once if it closed), [`Error::ConnectionClosed`] after [`close`](Self::close),
    /// [`Error::ConnectionReadOnly`] on the reading end of a one-way pipe.
    pub fn send_bytes(&self, buf: &[u8]) -> Result<(), Error> {
        let (r, w) = self.writing()?;
        let mut w = locked(w);
        self.with_ring(*r, |m| ring::send(m, &mut w, buf, None))?
            .map_err(|e| ring_error(e, true))
    }

    /// [`send_bytes`](Self::send_bytes) that gives up at `deadline` (`Ok(false)`, nothing
    /// sent): for tests against a peer that never frees room.
    #[cfg(test)]
    pub(crate) fn send_bytes_until(
        &self,
        buf: &[u8],
        deadline: Option<Deadline>,
    ) -> Result<bool, Error> {
        let (r, w) = self.writing()?;
        let mut w = locked(w);
        match self.with_ring(*r, |m| ring::send(m, &mut w, buf, deadline))? {
            Ok(()) => Ok(true),
            Err(RingError::TimedOut) => Ok(false),
            Err(e) => Err(ring_error(e, true)),
        }
    }

    /// Receives one message as bytes. Blocks until one arrives.
    ///
    /// Errors: [`Error::PeerClosed`] when nothing is left and the other end is closed or its
    /// process is gone (noticed within about 20 ms of a kill, at once after a close; every
    /// message sent before is delivered first), [`Error::BadFrame`] if the other side broke
    /// the framing (then every later call says so too), [`Error::ConnectionClosed`],
    /// [`Error::ConnectionWriteOnly`].
    pub fn recv_bytes(&self) -> Result<Vec<u8>, Error> {
        self.recv_bytes_until(None)?.ok_or(Error::PeerClosed)
    }

    /// [`recv_bytes`](Self::recv_bytes) that gives up at `deadline` (`Ok(None)`).
    pub(crate) fn recv_bytes_until(
        &self,
        deadline: Option<Deadline>,
    ) -> Result<Option<Vec<u8>>, Error> {
        let (r, rd) = self.reading()?;
        let mut rd = locked(rd);
        let got = self.with_ring(*r, |m| ring::recv(m, &mut rd, deadline))?;
        self.publish_head(&rd, &got);
        match got {
            Ok(bytes) => Ok(Some(bytes)),
            Err(RingError::TimedOut) => Ok(None),
            Err(e) => Err(ring_error(e, false)),
        }
    }

    /// Sends `value`, serialized with postcard. A value that fails to serialize is
    /// [`Error::Serialize`] and nothing is sent. Otherwise as [`send_bytes`](Self::send_bytes).
    pub fn send<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<(), Error> {
        self.writing()?;
        let bytes = super::codec::encode(value)?;
        self.send_bytes(&bytes)
    }

    /// Receives one message and deserializes it as a `T`. A message that is not a `T` is
    /// [`Error::BadMessage`]: it is consumed, and the next call receives the next message.
    /// Otherwise as [`recv_bytes`](Self::recv_bytes).
    pub fn recv<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        super::codec::decode(&self.recv_bytes()?)
    }

    /// Whether a [`recv`](Self::recv) would return without blocking: a message is waiting,
    /// or the other end is gone (the `recv` then fails at once). Waits up to `timeout` for
    /// that (`None`: as long as it takes; `Some(Duration::ZERO)`: just looks, CPython's
    /// default `poll()`).
    pub fn poll(&self, timeout: Option<Duration>) -> Result<bool, Error> {
        let deadline = timeout.map(Deadline::after);
        let (r, rd) = self.reading()?;
        // Wait from the position of the last `recv`, without the reader's lock: a `recv`
        // blocked in another thread holds it, and waiting for it would overrun `timeout`.
        let head = self.reader_head.load(Acquire);
        if head == u32::MAX {
            // A framing error stuck: the locked state says which.
            let mut rd = locked(rd);
            let e = self.with_ring(*r, |m| {
                ring::wait_readable(m, &mut rd, Some(Deadline::after(Duration::ZERO)))
            })?;
            return e.map(|_| true).map_err(|e| ring_error(e, false));
        }
        let mut copy = Reader::copy_at(head);
        match self.with_ring(*r, |m| ring::wait_readable(m, &mut copy, deadline))? {
            Ok(_) | Err(RingError::PeerGone) => Ok(true),
            Err(RingError::TimedOut) => Ok(false),
            // The copy went stale: a `recv` in another thread took messages meanwhile (the
            // writer may then be more than a ring ahead of the copy). Messages flowed.
            // (The published Head word moves with each take; the mirror only after it.)
            Err(RingError::Corrupt(_))
                if self.with_ring(*r, |m| ring::published_head(m))? != head =>
            {
                Ok(true)
            }
            Err(e) => {
                // A framing error is the end's, not just the copy's: it sticks.
                if let RingError::Corrupt(why) = e {
                    locked(rd).mark_broken(why);
                    self.reader_head.store(u32::MAX, Release);
                }
                Err(ring_error(e, false))
            }
        }
    }

    /// After a `recv` under the reader's lock: where `poll` waits from next.
    fn publish_head<T>(&self, rd: &Reader, got: &Result<T, RingError>) {
        let head = match got {
            Err(RingError::Corrupt(_)) => u32::MAX,
            _ => rd.head(),
        };
        self.reader_head.store(head, Release);
    }

    /// Closes this end: the other end's blocked and later `recv` get [`Error::PeerClosed`]
    /// once they have received everything sent before, and its `send` gets
    /// [`Error::BrokenPipe`] (unless another process still holds this end). Every later call
    /// on this end is [`Error::ConnectionClosed`]. Closing twice is fine.
    pub fn close(&mut self) {
        let Some(token) = self.token.take() else {
            return;
        };
        // Give up our hold first, so that the peer woken below finds it gone.
        drop(token);
        if let Some((r, _)) = &self.writer {
            let _ = self.with_ring(*r, |m| ring::hang_up(m, Word::Tail));
        }
        if let Some((r, _)) = &self.reader {
            let _ = self.with_ring(*r, |m| ring::hang_up(m, Word::Head));
        }
    }

    /// Whether [`close`](Self::close) was called.
    pub fn closed(&self) -> bool {
        self.token.is_none()
    }

    /// Whether this end can receive (false for the writing end of a one-way pipe).
    pub fn readable(&self) -> bool {
        self.reader.is_some()
    }

    /// Whether this end can send (false for the reading end of a one-way pipe).
    pub fn writable(&self) -> bool {
        self.writer.is_some()
    }

    /// The longest message this pipe carries, in bytes: its capacity less 8.
    pub fn max_message(&self) -> usize {
        ring::max_payload(self.layout.capacity) as usize
    }

    #[cfg(test)]
    pub(crate) fn layout(&self) -> Layout {
        self.layout
    }

    pub(crate) fn region(&self) -> &Arc<SharedRegion> {
        &self.region
    }

    pub(crate) fn end(&self) -> End {
        self.end
    }

    pub(crate) fn token(&self) -> Result<&OwnedFd, Error> {
        self.token.as_ref().ok_or(Error::ConnectionClosed)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("end", &self.end)
            .field("readable", &self.readable())
            .field("writable", &self.writable())
            .field("closed", &self.closed())
            .finish()
    }
}
