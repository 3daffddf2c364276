//! [`Pipe`] and [`pipe`]: a new pair of connected ends.

use super::connection::{Connection, End};
use super::layout::Layout;
use super::liveness;
use crate::sys::region::SharedRegion;
use crate::Error;
use std::sync::Arc;

/// The default ring size per direction: 1 MiB, so messages up to 1 MiB − 8 bytes. Pages
/// of a ring are only backed by memory once a message has passed through them.
pub const DEFAULT_CAPACITY: usize = 1 << 20;

/// Builds a pipe: `Pipe::new().duplex(false).capacity(1 << 16).open()`.
#[derive(Clone, Copy, Debug)]
pub struct Pipe {
    duplex: bool,
    capacity: usize,
}

impl Default for Pipe {
    fn default() -> Pipe {
        Pipe::new()
    }
}

impl Pipe {
    /// Duplex, [`DEFAULT_CAPACITY`].
    pub fn new() -> Pipe {
        Pipe {
            duplex: true,
            capacity: DEFAULT_CAPACITY,
        }
    }

    /// Both ends send and receive (true, the default), or the first end only receives and
    /// the second only sends (CPython's `Pipe(duplex=False)`).
    pub fn duplex(mut self, duplex: bool) -> Pipe {
        self.duplex = duplex;
        self
    }

    /// Bytes of ring per direction: a power of two from 64 bytes to 256 MiB. The longest
    /// message is 8 bytes less ([`Connection::max_message`]).
    pub fn capacity(mut self, bytes: usize) -> Pipe {
        self.capacity = bytes;
        self
    }

    /// Creates the pipe: its shared region and both ends, in this process.
    pub fn open(self) -> Result<(Connection, Connection), Error> {
        let layout = Layout::new(self.capacity, self.duplex)?;
        let region = SharedRegion::create(layout.size())?;
        layout.write(&region)?;
        let region = Arc::new(region);
        let (ta, tb) = liveness::pair()?;
        let a = Connection::attach(region.clone(), layout, End::A, ta)?;
        let b = Connection::attach(region, layout, End::B, tb)?;
        Ok((a, b))
    }
}

/// CPython's `multiprocessing.Pipe(duplex)`: a pair of connected ends. With `duplex` both
/// send and receive; without, the first only receives and the second only sends.
pub fn pipe(duplex: bool) -> Result<(Connection, Connection), Error> {
    Pipe::new().duplex(duplex).open()
}
