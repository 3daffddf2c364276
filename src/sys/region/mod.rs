//! The seam's second kind of memory: a **shared region**, bytes that several processes map at
//! once, whose 32-bit words are waited on with the seam's shared kind
//! ([`crate::sys::futex::shared`]). `README.md` beside this file gives the design: how a child
//! receives a region, what a peer can and cannot do to it, and how the algorithms in `algo/`
//! will run on words in it without a second copy.
//!
//! ```text
//! parent                                   child (re-executed binary)
//! SharedRegion::create(len)                 unsafe SharedRegion::from_inherited(handle)
//!   memfd (CLOEXEC), sealed size, mmap        checks the fd: a memfd, sealed, `len` bytes
//! region.handle() -> "fd:len" ─ env/argv ─▶  mmap, CLOEXEC set again
//! handle.inherit_in(&mut command)
//!   FD_CLOEXEC cleared in the child only
//! ```
//!
//! Access is bounds-checked and typed: [`SharedRegion::u32_at`] / [`SharedRegion::u64_at`] give
//! atomics at an offset, [`SharedRegion::span`] a [`Span`] of bytes copied in and out. Every
//! view borrows the region, so the mapping outlives whatever points into it.

mod memfd;
mod span;
#[cfg(test)]
mod tests;
#[cfg_attr(not(feature = "native"), allow(dead_code))] // used by process::shared
mod word;

#[cfg_attr(not(feature = "native"), allow(unused_imports))] // used by ipc and process
pub(crate) use memfd::keep_open_across_exec;
pub use span::Span;
pub(crate) use word::SharedWord;

use crate::primitive::{AtomicU32, AtomicU64};
use crate::Error;
use core::ptr::NonNull;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// The largest region: offsets and sizes stay far from `isize::MAX`, and a region is a few
/// rings and words, not a heap.
pub const MAX_REGION: usize = 1 << 40;

/// Memory mapped `MAP_SHARED` from a sealed memfd: this process and every process it hands
/// the fd to see the same bytes. Unmapped (and the fd closed) on drop; the memory itself lives
/// while any process maps it or holds the fd.
pub struct SharedRegion {
    fd: OwnedFd,
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory reached only through atomics and raw copies (`Span`,
// `u32_at`, `u64_at`), never through references to plain bytes, so using it from several
// threads is as sound as sharing `[AtomicU64]`. The fd is an `OwnedFd`, which is Send + Sync.
unsafe impl Send for SharedRegion {}
// SAFETY: as for Send.
unsafe impl Sync for SharedRegion {}

impl SharedRegion {
    /// A new region of `len` zero bytes (1..=[`MAX_REGION`]), mapped in this process.
    pub fn create(len: usize) -> Result<SharedRegion, Error> {
        if len == 0 || len > MAX_REGION {
            return Err(Error::InvalidArgument(
                "region size must be in 1..=2^40 bytes",
            ));
        }
        let fd = memfd::create_sealed(len)?;
        let base = memfd::map(&fd, len)?;
        Ok(SharedRegion { fd, base, len })
    }

    /// Maps the region a parent handed down as `handle` (see [`RegionHandle::inherit_in`]).
    /// Checks that the fd is a memfd whose size is sealed at `handle.len` bytes (so nobody can
    /// shrink it under our mapping), maps it, and sets `FD_CLOEXEC` on it again so that this
    /// process's own children do not inherit it unasked.
    ///
    /// # Safety
    /// `handle.fd` must be an fd this process inherited for this purpose and that nothing
    /// else in the process owns or will close: the region takes ownership of it (I/O safety).
    /// Call it once per handle, at start-up.
    pub unsafe fn from_inherited(handle: RegionHandle) -> Result<SharedRegion, Error> {
        if handle.fd < 0 || handle.len == 0 || handle.len > MAX_REGION {
            return Err(Error::InvalidArgument("not a valid region handle"));
        }
        // Check the fd is open before taking ownership of it.
        memfd::check_open(handle.fd)?;
        // SAFETY: the caller guarantees that this process owns `handle.fd` and hands it to us
        // alone; we just checked that it is open.
        let fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(handle.fd) };
        memfd::set_cloexec(&fd)?;
        memfd::check_sealed(&fd, handle.len)?;
        let base = memfd::map(&fd, handle.len)?;
        Ok(SharedRegion {
            fd,
            base,
            len: handle.len,
        })
    }

    /// A second, independent mapping of the same memory (a new fd and a new address). Two
    /// mappings in one process behave as two processes would: this is how tests run a
    /// cross-process protocol between threads.
    pub fn map_again(&self) -> Result<SharedRegion, Error> {
        let fd = self.fd.try_clone().map_err(|e| os_error("dup", &e))?;
        let base = memfd::map(&fd, self.len)?;
        Ok(SharedRegion {
            fd,
            base,
            len: self.len,
        })
    }

    /// The region's size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no bytes (never: regions hold at least one).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// What a child needs to map this region: the fd number and the size.
    pub fn handle(&self) -> RegionHandle {
        RegionHandle {
            fd: self.fd.as_raw_fd(),
            len: self.len,
        }
    }

    /// The memfd behind the region.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// All of the region's bytes.
    pub fn bytes(&self) -> Span<'_> {
        // SAFETY: `base..base + len` is our mapping, readable and writable, page-aligned (so
        // 8-aligned), unmapped only when `self` drops, which the returned borrow prevents
        // while it lives; we only ever access it through atomics and raw copies.
        unsafe { Span::from_raw(self.base, self.len) }
    }

    /// Bytes `offset..offset + len`, 8-byte aligned.
    pub fn span(&self, offset: usize, len: usize) -> Result<Span<'_>, Error> {
        self.bytes().sub(offset, len)
    }

    /// The 32-bit atomic at `offset` (4-byte aligned, inside the region).
    pub fn u32_at(&self, offset: usize) -> Result<&AtomicU32, Error> {
        self.bytes().u32_at(offset)
    }

    /// The 64-bit atomic at `offset` (8-byte aligned, inside the region).
    pub fn u64_at(&self, offset: usize) -> Result<&AtomicU64, Error> {
        self.bytes().u64_at(offset)
    }

    /// `n` consecutive 32-bit atomics from `offset` (4-byte aligned, inside the region).
    pub fn u32s_at(&self, offset: usize, n: usize) -> Result<&[AtomicU32], Error> {
        self.bytes().u32s_at(offset, n)
    }

    /// The 32-bit word at `offset` as the algorithms in `algo/` run on it: the atomic, waited
    /// on and woken with the shared futex kind (see `word.rs`).
    #[cfg_attr(not(feature = "native"), allow(dead_code))] // used by process::shared
    #[inline]
    pub(crate) fn word(&self, offset: usize) -> Result<SharedWord<'_>, Error> {
        self.u32_at(offset).map(SharedWord::new)
    }
}

impl Drop for SharedRegion {
    fn drop(&mut self) {
        memfd::unmap(self.base, self.len);
    }
}

impl core::fmt::Debug for SharedRegion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedRegion")
            .field("fd", &self.fd.as_raw_fd())
            .field("len", &self.len)
            .finish()
    }
}

/// What a child process needs to map a region: an inherited fd number and the size. Its text
/// form, `"<fd>:<len>"`, travels in an environment variable or an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionHandle {
    /// The fd number, the same in the child as in the parent (inherited, not renumbered).
    pub fd: RawFd,
    /// The region's size in bytes.
    pub len: usize,
}

impl RegionHandle {
    /// `"<fd>:<len>"`.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.fd, self.len)
    }

    /// Parses [`encode`](Self::encode)'s text; anything else is [`Error::InvalidArgument`].
    pub fn decode(text: &str) -> Result<RegionHandle, Error> {
        let bad = || Error::InvalidArgument("not a region handle (expected <fd>:<len>)");
        let (fd, len) = text.split_once(':').ok_or_else(bad)?;
        Ok(RegionHandle {
            fd: fd.parse().map_err(|_| bad())?,
            len: len.parse().map_err(|_| bad())?,
        })
    }

    /// Makes `command`'s child inherit the fd: `FD_CLOEXEC` is cleared in the child only,
    /// between its `fork` and its `exec` (the parent's fd stays close-on-exec, so no other
    /// child started meanwhile by another thread inherits it).
    pub fn inherit_in(&self, command: &mut std::process::Command) {
        memfd::keep_open_across_exec(command, self.fd);
    }
}

/// An [`Error::Os`] from an I/O error of the call `op`.
pub(crate) fn os_error(op: &'static str, e: &std::io::Error) -> Error {
    Error::Os {
        op,
        errno: e.raw_os_error().unwrap_or(libc::EIO),
    }
}
