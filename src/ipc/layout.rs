//! Where everything of a pipe sits in its shared region.
//!
//! | offset                   | what                                                      |
//! |--------------------------|-----------------------------------------------------------|
//! | 0                        | magic `"cPIP"`, version, capacity, number of rings (u32s) |
//! | 64 + 128·r               | ring r's `Tail` word (own cache line)                     |
//! | 128 + 128·r              | ring r's `Head` word (own cache line)                     |
//! | 4096 + capacity·r        | ring r's data, `capacity` bytes                           |
//!
//! A duplex pipe has two rings (ring 0 carries end A → end B, ring 1 end B → end A); a
//! one-way pipe has ring 0 only (end B writes, end A reads, as CPython's `Pipe(False)` gives
//! `(reader, writer)`). A process that opens an inherited pipe checks every field against the
//! region before it trusts any of them.

use super::ring::{MAX_CAPACITY, MIN_CAPACITY};
use crate::primitive::Ordering::*;
use crate::sys::region::SharedRegion;
use crate::Error;

const MAGIC: u32 = u32::from_le_bytes(*b"cPIP");
const VERSION: u32 = 1;
const DATA_START: usize = 4096;

/// A pipe's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) capacity: u32,
    pub(crate) rings: u32,
}

impl Layout {
    /// The region size this layout needs.
    pub(crate) fn size(&self) -> usize {
        DATA_START + self.rings as usize * self.capacity as usize
    }

    pub(crate) fn tail_offset(ring: usize) -> usize {
        64 + 128 * ring
    }

    pub(crate) fn head_offset(ring: usize) -> usize {
        128 + 128 * ring
    }

    pub(crate) fn data_offset(&self, ring: usize) -> usize {
        DATA_START + ring * self.capacity as usize
    }

    /// A layout for `capacity` bytes per direction, checked.
    pub(crate) fn new(capacity: usize, duplex: bool) -> Result<Layout, Error> {
        let capacity = u32::try_from(capacity)
            .ok()
            .filter(|c| c.is_power_of_two() && (MIN_CAPACITY..=MAX_CAPACITY).contains(c))
            .ok_or(Error::InvalidArgument(
                "pipe capacity must be a power of two from 64 bytes to 256 MiB",
            ))?;
        Ok(Layout {
            capacity,
            rings: if duplex { 2 } else { 1 },
        })
    }

    /// Writes the header into a fresh (zeroed) region.
    pub(crate) fn write(&self, region: &SharedRegion) -> Result<(), Error> {
        region.u32_at(4)?.store(VERSION, Relaxed);
        region.u32_at(8)?.store(self.capacity, Relaxed);
        region.u32_at(12)?.store(self.rings, Relaxed);
        region.u32_at(0)?.store(MAGIC, Release);
        Ok(())
    }

    /// Reads and checks the header of a region someone handed us.
    pub(crate) fn read(region: &SharedRegion) -> Result<Layout, Error> {
        let bad = Error::InvalidArgument("the shared region does not hold a pipe");
        if region.len() < DATA_START || region.u32_at(0)?.load(Acquire) != MAGIC {
            return Err(bad);
        }
        if region.u32_at(4)?.load(Relaxed) != VERSION {
            return Err(Error::InvalidArgument(
                "the pipe was made by another version",
            ));
        }
        let capacity = region.u32_at(8)?.load(Relaxed) as usize;
        let rings = region.u32_at(12)?.load(Relaxed);
        let layout = Layout::new(capacity, rings == 2).map_err(|_| bad.clone())?;
        if !(1..=2).contains(&rings) || layout.size() != region.len() {
            return Err(bad);
        }
        Ok(layout)
    }
}
