//! Where everything of a process queue sits in its shared region.
//!
//! | offset | what                                                                      |
//! |--------|---------------------------------------------------------------------------|
//! | 0      | magic `"cPQU"`, version, capacity, maxsize, joinable (u32s)               |
//! | 64     | the put lock's word (`shared_lock.rs`): producers, one at a time          |
//! | 128    | the get lock's word: consumers, one at a time                             |
//! | 192    | put log (u64): the ring's `Tail` and `puts` as the put lock's holder found them |
//! | 256    | get log (u64): the ring's `Head` and `gets` as the get lock's holder found them |
//! | 320    | `puts`: items ever put (wrapping u32; only the put lock's holder writes)  |
//! | 384    | `gets`: items ever taken (only the get lock's holder writes)              |
//! | 448    | `done`: `task_done()` calls (a `JoinableQueue`'s; any process, by CAS)    |
//! | 512    | the ring's `Tail` word (`ring.rs`)                                        |
//! | 576    | the ring's `Head` word                                                    |
//! | 4096   | the ring's data, `capacity` bytes                                         |
//!
//! Every word has a cache line of its own. A process that opens an inherited queue checks the
//! header against the region before it trusts any of it, and keeps its own copy of capacity
//! and maxsize (a peer rewriting them later changes nothing here).

use crate::ipc::ring::{MAX_CAPACITY, MIN_CAPACITY};
use crate::primitive::Ordering::*;
use crate::sys::region::SharedRegion;
use crate::Error;

const MAGIC: u32 = u32::from_le_bytes(*b"cPQU");
const VERSION: u32 = 1;
pub(crate) const PUT_LOCK: usize = 64;
pub(crate) const GET_LOCK: usize = 128;
pub(crate) const PUT_LOG: usize = 192;
pub(crate) const GET_LOG: usize = 256;
pub(crate) const PUTS: usize = 320;
pub(crate) const GETS: usize = 384;
pub(crate) const DONE: usize = 448;
pub(crate) const TAIL: usize = 512;
pub(crate) const HEAD: usize = 576;
pub(crate) const DATA: usize = 4096;

/// A queue's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Bytes of ring: a power of two from 64 bytes to 256 MiB.
    pub(crate) capacity: u32,
    /// The most items it holds; 0: as many as fit in the ring.
    pub(crate) maxsize: u32,
    /// A `JoinableQueue`'s region (a `Queue` may open it too, not the other way round).
    pub(crate) joinable: bool,
}

impl Layout {
    /// A layout for `capacity` bytes of ring, checked. A `maxsize` beyond what the ring can
    /// ever hold (one item takes at least 8 bytes) is kept as `u32::MAX`.
    pub(crate) fn new(capacity: usize, maxsize: usize, joinable: bool) -> Result<Layout, Error> {
        let capacity = u32::try_from(capacity)
            .ok()
            .filter(|c| c.is_power_of_two() && (MIN_CAPACITY..=MAX_CAPACITY).contains(c))
            .ok_or(Error::InvalidArgument(
                "queue capacity must be a power of two from 64 bytes to 256 MiB",
            ))?;
        Ok(Layout {
            capacity,
            maxsize: u32::try_from(maxsize).unwrap_or(u32::MAX),
            joinable,
        })
    }

    /// The region size this layout needs.
    pub(crate) fn size(&self) -> usize {
        DATA + self.capacity as usize
    }

    /// The most items the ring can hold at once: each frame takes at least 8 bytes.
    pub(crate) fn max_frames(&self) -> u32 {
        self.capacity / 8
    }

    /// Writes the header into a fresh (zeroed) region.
    pub(crate) fn write(&self, region: &SharedRegion) -> Result<(), Error> {
        region.u32_at(4)?.store(VERSION, Relaxed);
        region.u32_at(8)?.store(self.capacity, Relaxed);
        region.u32_at(12)?.store(self.maxsize, Relaxed);
        region.u32_at(16)?.store(self.joinable as u32, Relaxed);
        region.u32_at(0)?.store(MAGIC, Release);
        Ok(())
    }

    /// Reads and checks the header of a region someone handed us.
    pub(crate) fn read(region: &SharedRegion) -> Result<Layout, Error> {
        let bad = Error::InvalidArgument("the shared region does not hold a process queue");
        if region.len() < DATA || region.u32_at(0)?.load(Acquire) != MAGIC {
            return Err(bad);
        }
        if region.u32_at(4)?.load(Relaxed) != VERSION {
            return Err(Error::InvalidArgument(
                "the queue was made by another version",
            ));
        }
        let capacity = region.u32_at(8)?.load(Relaxed) as usize;
        let maxsize = region.u32_at(12)?.load(Relaxed) as usize;
        let joinable = match region.u32_at(16)?.load(Relaxed) {
            0 => false,
            1 => true,
            _ => return Err(bad),
        };
        let layout = Layout::new(capacity, maxsize, joinable).map_err(|_| bad.clone())?;
        if layout.size() != region.len() {
            return Err(bad);
        }
        Ok(layout)
    }
}
