//! [`Span`]: bounds-checked access to a run of bytes that other threads or processes may
//! touch at the same time (a part of a [`SharedRegion`](super::SharedRegion), or a heap
//! buffer standing in for one in tests).
//!
//! Why raw pointers and not `&[u8]`: a `&[u8]` promises nobody writes the bytes while it
//! lives, and another process may. A `Span` never hands out a reference to plain bytes; it
//! copies them in and out ([`Span::read`], [`Span::write`]), and gives 32-bit words only as
//! atomics ([`Span::u32_at`]), whose `UnsafeCell` allows writes from elsewhere.
//!
//! What a peer racing with a copy can do: make the copy hold garbage. We copy into private
//! memory first and validate the copy, never the shared bytes, so a value cannot change
//! between its check and its use (no double fetch).

use crate::primitive::{AtomicU32, AtomicU64};
use crate::Error;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// `len` bytes at `base`, valid for reads and writes for `'a`, 8-byte aligned.
#[derive(Clone, Copy)]
pub struct Span<'a> {
    base: NonNull<u8>,
    len: usize,
    /// Borrows the memory as atomics would: shared, and writable through the cells.
    _memory: PhantomData<&'a [AtomicU64]>,
}

// SAFETY: a Span is a shared borrow of memory that is only ever accessed through atomics or
// raw-pointer copies (never through `&`/`&mut` to plain bytes), like `&[AtomicU64]`, which
// is Send and Sync.
unsafe impl Send for Span<'_> {}
// SAFETY: as for Send.
unsafe impl Sync for Span<'_> {}

impl<'a> Span<'a> {
    /// A span over memory this process owns: the stand-in for a region in tests (and what Miri
    /// can check, since it cannot map shared memory).
    pub fn over(memory: &'a [AtomicU64]) -> Span<'a> {
        Span {
            // `as_ptr` of a slice is never null (dangling but aligned when empty).
            base: NonNull::from(memory).cast(),
            len: core::mem::size_of_val(memory),
            _memory: PhantomData,
        }
    }

    /// # Safety
    /// `base..base + len` must be valid for reads and writes for all of `'a`, 8-byte aligned,
    /// and only ever accessed through atomics or raw-pointer copies while `'a` lasts.
    pub(crate) unsafe fn from_raw(base: NonNull<u8>, len: usize) -> Span<'a> {
        Span {
            base,
            len,
            _memory: PhantomData,
        }
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `at..at + n` if it lies inside the span.
    fn check(&self, at: usize, n: usize) -> Result<(), Error> {
        match at.checked_add(n) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(Error::InvalidArgument(
                "offset out of the shared region's bounds",
            )),
        }
    }

    /// Sub-span `at..at + len`.
    pub fn sub(&self, at: usize, len: usize) -> Result<Span<'a>, Error> {
        self.check(at, len)?;
        if !at.is_multiple_of(8) {
            return Err(Error::InvalidArgument("a span must start 8-byte aligned"));
        }
        // SAFETY: `at..at + len` lies inside this span (checked above), which is valid for 'a;
        // `at` is a multiple of 8 and the base is 8-aligned, so the new base is too.
        Ok(unsafe { Span::from_raw(self.base.add(at), len) })
    }

    /// Copies `dst.len()` bytes from offset `at` into `dst`.
    pub fn read(&self, at: usize, dst: &mut [u8]) -> Result<(), Error> {
        self.check(at, dst.len())?;
        // Why this is sound: the source `at..at + dst.len()` is inside the span (checked above), valid for
        // reads for 'a; `dst` is our own exclusive buffer, so the two cannot overlap. Every
        // bit pattern is a valid u8. The only writer that may race with this copy is another
        // process breaking the protocol: then `dst` gets garbage, which callers validate.
        // SAFETY: the source range is inside the span and cannot overlap `dst` (proved just above).
        unsafe {
            core::ptr::copy_nonoverlapping(self.base.as_ptr().add(at), dst.as_mut_ptr(), dst.len())
        };
        Ok(())
    }

    /// Copies `src` to offset `at`.
    pub fn write(&self, at: usize, src: &[u8]) -> Result<(), Error> {
        self.check(at, src.len())?;
        // SAFETY: the destination is inside the span (checked above), valid for writes for 'a
        // and never behind a `&`/`&mut` to plain bytes, so writing through the pointer aliases
        // no reference; `src` is a separate borrow, so they do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(src.as_ptr(), self.base.as_ptr().add(at), src.len())
        };
        Ok(())
    }

    /// The 32-bit atomic at offset `at` (4-byte aligned, inside the span).
    pub fn u32_at(&self, at: usize) -> Result<&'a AtomicU32, Error> {
        self.check(at, 4)?;
        if !at.is_multiple_of(4) {
            return Err(Error::InvalidArgument(
                "a 32-bit word must be 4-byte aligned",
            ));
        }
        // Why this is sound: `at..at + 4` is inside the span (valid for 'a), and 4-aligned since the base
        // is 8-aligned. AtomicU32 has the size and alignment of u32, every bit pattern is
        // valid, and it tolerates writes from elsewhere (UnsafeCell), from another process's
        // atomics too. The borrow lasts 'a, which the memory outlives.
        // SAFETY: a 4-aligned word inside the span, valid for 'a (proved just above).
        Ok(unsafe { &*self.base.as_ptr().add(at).cast::<AtomicU32>() })
    }

    /// `n` consecutive 32-bit atomics from offset `at` (4-byte aligned, inside the span).
    pub fn u32s_at(&self, at: usize, n: usize) -> Result<&'a [AtomicU32], Error> {
        let len = n.checked_mul(4).ok_or(Error::InvalidArgument(
            "offset out of the shared region's bounds",
        ))?;
        self.check(at, len)?;
        if !at.is_multiple_of(4) {
            return Err(Error::InvalidArgument(
                "a 32-bit word must be 4-byte aligned",
            ));
        }
        // SAFETY: as in `u32_at`, for `n` words: `at..at + 4n` is inside the span (valid for
        // 'a), 4-aligned; `[AtomicU32]` has the layout of `[u32]`, every bit pattern is valid
        // and the cells tolerate writes from elsewhere.
        Ok(unsafe {
            core::slice::from_raw_parts(self.base.as_ptr().add(at).cast::<AtomicU32>(), n)
        })
    }

    /// The 64-bit atomic at offset `at` (8-byte aligned, inside the span).
    pub fn u64_at(&self, at: usize) -> Result<&'a AtomicU64, Error> {
        self.check(at, 8)?;
        if !at.is_multiple_of(8) {
            return Err(Error::InvalidArgument(
                "a 64-bit word must be 8-byte aligned",
            ));
        }
        // SAFETY: as in `u32_at`, with 8 bytes at an 8-aligned offset of an 8-aligned base.
        Ok(unsafe { &*self.base.as_ptr().add(at).cast::<AtomicU64>() })
    }
}
