//! [`Arena`]: a [`SharedRegion`] that process-shared objects are allocated in, and
//! [`SharedHandle`], what names one of them to another process.
//!
//! ```text
//! offset 0   magic "CSA1" | reserved | next free offset (u64)       the arena's header
//! offset 64  tag | aux | the object's words ...                      one block per object
//!            tag | aux | ...
//!            (free up to the region's end)
//! ```
//!
//! Allocation is a bump of `next` (a compare-exchange, so any process holding the arena may
//! allocate); nothing is ever freed: the memory goes when the last process unmaps the region.
//! Each block starts with a **tag** naming its kind (`Lock`, `RLck`, ...), written last, with
//! Release, after the object's words were initialised: whoever opens a block by its offset
//! checks the tag (Acquire), so a wrong offset, a wrong kind or an unfinished block is a typed
//! error, and an opened object's words are initialised.
//!
//! Every number read from the region (the magic, `next`, a tag, an offset stored in a block)
//! is input from another process and is checked before use; a bad one is
//! [`Error::InvalidArgument`], never a panic or an access out of the region.

use crate::primitive::{AtomicU32, AtomicU64, Ordering::*};
use crate::sys::region::{RegionHandle, SharedRegion, SharedWord};
use crate::Error;
use std::sync::Arc;

const MAGIC: u32 = u32::from_le_bytes(*b"CSA1");
/// Bytes of the arena's header; the first block starts here.
const HEADER: usize = 64;
/// Offset of `next` in the header.
const NEXT: usize = 8;

/// A region that holds process-shared objects ([`Lock`](super::Lock), [`Value`](super::Value),
/// ...). Cloning it is cheap (an `Arc`); every object keeps its arena alive.
///
/// Hand it to a child process with [`handle`](Self::handle) (the region's fd and size; the
/// child inherits the fd, see [`RegionHandle::inherit_in`]), then name each object by its
/// offset ([`SharedHandle`]); the child maps the arena once,
/// [`Arena::from_inherited`], and opens each object with its type's `open(&arena, offset)`.
#[derive(Clone)]
pub struct Arena {
    region: Arc<SharedRegion>,
}

impl Arena {
    /// A new arena of `len` bytes (its header takes 64), mapped in this process.
    pub fn create(len: usize) -> Result<Arena, Error> {
        if len <= HEADER {
            return Err(Error::InvalidArgument(
                "an arena needs more than its 64-byte header",
            ));
        }
        let region = SharedRegion::create(len)?;
        region.u64_at(NEXT)?.store(HEADER as u64, Relaxed);
        // Release: whoever sees the magic sees `next` initialised.
        region.u32_at(0)?.store(MAGIC, Release);
        Ok(Arena {
            region: Arc::new(region),
        })
    }

    /// The arena in `region` (mapped here already: [`SharedRegion::map_again`], or a region
    /// from [`SharedRegion::from_inherited`]). [`Error::InvalidArgument`] unless it was
    /// created by [`Arena::create`].
    pub fn from_region(region: Arc<SharedRegion>) -> Result<Arena, Error> {
        if region.len() <= HEADER || region.u32_at(0)?.load(Acquire) != MAGIC {
            return Err(Error::InvalidArgument(
                "the shared region is not an arena of shared objects",
            ));
        }
        Ok(Arena { region })
    }

    /// Maps the arena a parent handed down (see [`SharedRegion::from_inherited`], which checks
    /// the fd) and checks it is an arena.
    ///
    /// # Safety
    /// As for [`SharedRegion::from_inherited`]: `handle.fd` must be an fd this process
    /// inherited for this purpose and that nothing else owns or will close; call it once per
    /// handle.
    pub unsafe fn from_inherited(handle: RegionHandle) -> Result<Arena, Error> {
        // SAFETY: the caller's promise is the one `SharedRegion::from_inherited` requires.
        let region = unsafe { SharedRegion::from_inherited(handle)? };
        Arena::from_region(Arc::new(region))
    }

    /// A second, independent mapping of the same arena (as another process would have it).
    pub fn map_again(&self) -> Result<Arena, Error> {
        Arena::from_region(Arc::new(self.region.map_again()?))
    }

    /// What a child needs to map this arena (the fd and the size).
    pub fn handle(&self) -> RegionHandle {
        self.region.handle()
    }

    /// The region under the arena.
    pub fn region(&self) -> &Arc<SharedRegion> {
        &self.region
    }

    /// Bytes not yet allocated.
    pub fn available(&self) -> usize {
        match self.next() {
            Ok(next) => self.region.len().saturating_sub(next),
            Err(_) => 0,
        }
    }

    /// Whether `other` is this arena (the same mapping).
    pub(crate) fn same(&self, other: &Arena) -> bool {
        Arc::ptr_eq(&self.region, &other.region)
    }

    fn next(&self) -> Result<usize, Error> {
        let next = self.region.u64_at(NEXT)?.load(Relaxed);
        usize::try_from(next)
            .ok()
            .filter(|&n| n >= HEADER && n.is_multiple_of(8) && n <= self.region.len())
            .ok_or(Error::InvalidArgument(
                "the arena's allocation pointer is corrupt",
            ))
    }

    /// Allocates `size` bytes (rounded up to 8), 8-aligned; their content is whatever the
    /// region held (zeros in a new region). [`Error::Os`] `ENOMEM` when the arena is full.
    fn alloc(&self, size: usize) -> Result<usize, Error> {
        let next = self.region.u64_at(NEXT)?;
        loop {
            let at = self.next()?;
            let end = at
                .checked_add(size)
                .filter(|&e| e <= self.region.len())
                .ok_or(Error::Os {
                    op: "allocate in a shared arena (create a larger one)",
                    errno: libc::ENOMEM,
                })?;
            if next
                .compare_exchange(at as u64, end as u64, Relaxed, Relaxed)
                .is_ok()
            {
                return Ok(at);
            }
        }
    }

    /// Allocates a block of `size` bytes for an object of kind `tag`, lets `init` write its
    /// words (all 0 before), then publishes the tag. Returns the block.
    pub(crate) fn new_block(
        &self,
        tag: Tag,
        aux: u32,
        size: usize,
        init: impl FnOnce(&Block) -> Result<(), Error>,
    ) -> Result<Block, Error> {
        let size = round8(size)?;
        let offset = self.alloc(size)?;
        let block = Block {
            arena: self.clone(),
            offset,
            size,
        };
        // A block may reuse nothing (bump allocation), but be strict: zero it.
        for at in (0..size).step_by(8) {
            block.u64(at)?.store(0, Relaxed);
        }
        block.u32(4)?.store(aux, Relaxed);
        init(&block)?;
        // Release: whoever opens the block (Acquire on the tag) sees it initialised.
        block.u32(0)?.store(tag as u32, Release);
        Ok(block)
    }

    /// The block of kind `tag` and `size` bytes at `offset`, as written by [`new_block`](Self::new_block).
    pub(crate) fn open_block(&self, offset: usize, tag: Tag, size: usize) -> Result<Block, Error> {
        let size = round8(size)?;
        let inside = offset >= HEADER
            && offset.is_multiple_of(8)
            && offset
                .checked_add(size)
                .is_some_and(|end| end <= self.region.len());
        if !inside {
            return Err(Error::InvalidArgument(
                "no shared object at this offset of the arena",
            ));
        }
        let block = Block {
            arena: self.clone(),
            offset,
            size,
        };
        if block.u32(0)?.load(Acquire) != tag as u32 {
            return Err(Error::InvalidArgument(tag.mismatch()));
        }
        Ok(block)
    }
}

/// `size` rounded up to a multiple of 8 (blocks are 8-aligned and zeroed in u64s).
fn round8(size: usize) -> Result<usize, Error> {
    size.checked_next_multiple_of(8)
        .ok_or(Error::Overflow("shared object too large"))
}

impl core::fmt::Debug for Arena {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Arena")
            .field("region", &self.region)
            .field("available", &self.available())
            .finish()
    }
}

/// The kinds of block, as their tags (four ASCII bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Tag {
    Lock = u32::from_le_bytes(*b"Lock"),
    RLock = u32::from_le_bytes(*b"RLck"),
    Semaphore = u32::from_le_bytes(*b"Sema"),
    BoundedSemaphore = u32::from_le_bytes(*b"BSem"),
    Event = u32::from_le_bytes(*b"Evnt"),
    Condition = u32::from_le_bytes(*b"Cond"),
    Value = u32::from_le_bytes(*b"Valu"),
    Array = u32::from_le_bytes(*b"Arry"),
}

impl Tag {
    fn mismatch(self) -> &'static str {
        match self {
            Tag::Lock => "no shared Lock at this offset of the arena",
            Tag::RLock => "no shared RLock at this offset of the arena",
            Tag::Semaphore => "no shared Semaphore at this offset of the arena",
            Tag::BoundedSemaphore => "no shared BoundedSemaphore at this offset of the arena",
            Tag::Event => "no shared Event at this offset of the arena",
            Tag::Condition => "no shared Condition at this offset of the arena",
            Tag::Value => "no shared Value of this type at this offset of the arena",
            Tag::Array => "no shared Array of this type at this offset of the arena",
        }
    }
}

/// One object's bytes in an arena: typed, bounds-checked access to its words, relative to
/// the block. Keeps the arena (and so the mapping) alive.
#[derive(Clone)]
pub(crate) struct Block {
    arena: Arena,
    offset: usize,
    size: usize,
}

impl Block {
    pub(crate) fn arena(&self) -> &Arena {
        &self.arena
    }

    fn at(&self, at: usize, len: usize) -> Result<usize, Error> {
        at.checked_add(len)
            .filter(|&end| end <= self.size)
            .ok_or(Error::InvalidArgument("offset out of the shared object"))?;
        Ok(self.offset + at)
    }

    /// The word at `at` as the algorithms see it (shared futex kind).
    #[inline]
    pub(crate) fn word(&self, at: usize) -> Result<SharedWord<'_>, Error> {
        self.arena.region.word(self.at(at, 4)?)
    }

    #[inline]
    pub(crate) fn u32(&self, at: usize) -> Result<&AtomicU32, Error> {
        self.arena.region.u32_at(self.at(at, 4)?)
    }

    #[inline]
    pub(crate) fn u64(&self, at: usize) -> Result<&AtomicU64, Error> {
        self.arena.region.u64_at(self.at(at, 8)?)
    }

    pub(crate) fn u32s(&self, at: usize, n: usize) -> Result<&[AtomicU32], Error> {
        let len = n
            .checked_mul(4)
            .ok_or(Error::InvalidArgument("offset out of the shared object"))?;
        self.arena.region.u32s_at(self.at(at, len)?, n)
    }

    /// The block's second header word (a type code, a kind).
    pub(crate) fn aux(&self) -> Result<u32, Error> {
        Ok(self.u32(4)?.load(Relaxed))
    }

    pub(crate) fn handle(&self) -> SharedHandle {
        SharedHandle {
            region: self.arena.handle(),
            offset: self.offset,
        }
    }
}

/// Names one process-shared object for another process: the arena's region (fd and size)
/// and the object's offset in it. Plain data: it travels as text ([`encode`](Self::encode),
/// `"<fd>:<len>@<offset>"`) or through serde (a tuple `(fd, len, offset)`).
///
/// In the other process, map the arena once ([`Arena::from_inherited`] with
/// [`region`](Self::region)) and open the object from it with [`offset`](Self::offset):
/// `Lock::open(&arena, handle.offset)`. (If the fd reaches the other process under another
/// number, as with descriptor passing, only `region.fd` changes; the offset stays.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedHandle {
    /// The arena's region.
    pub region: RegionHandle,
    /// The object's offset in it.
    pub offset: usize,
}

impl SharedHandle {
    /// `"<fd>:<len>@<offset>"`.
    pub fn encode(&self) -> String {
        format!("{}@{}", self.region.encode(), self.offset)
    }

    /// Parses [`encode`](Self::encode)'s text; anything else is [`Error::InvalidArgument`].
    pub fn decode(text: &str) -> Result<SharedHandle, Error> {
        let bad = || Error::InvalidArgument("not a shared object handle (<fd>:<len>@<offset>)");
        let (region, offset) = text.split_once('@').ok_or_else(bad)?;
        Ok(SharedHandle {
            region: RegionHandle::decode(region)?,
            offset: offset.parse().map_err(|_| bad())?,
        })
    }
}

impl serde::Serialize for SharedHandle {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.region.fd, self.region.len as u64, self.offset as u64).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for SharedHandle {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SharedHandle, D::Error> {
        use serde::de::Error as _;
        let (fd, len, offset) = <(i32, u64, u64)>::deserialize(d)?;
        let size = |v: u64| usize::try_from(v).map_err(|_| D::Error::custom("size out of range"));
        Ok(SharedHandle {
            region: RegionHandle {
                fd,
                len: size(len)?,
            },
            offset: size(offset)?,
        })
    }
}
