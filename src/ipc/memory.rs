//! [`RingMemory`] over a [`Span`]: the ring's two words and data bytes at fixed places in
//! memory, waited on with one of the seam's kinds ([`Park`]), and a liveness check.
//!
//! In a pipe the span is a shared region and the kind is [`SharedPark`]; in unit tests it can
//! be heap memory with [`PrivatePark`], which is what Miri can run (no FFI mappings).

use super::ring::{RingMemory, Word};
use crate::primitive::{AtomicU32, Ordering};
use crate::sys::futex::{self, WaitOutcome};
use crate::sys::region::Span;
use core::marker::PhantomData;
use core::time::Duration;

/// One of the seam's kinds of wait/wake.
pub(crate) trait Park {
    fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome;
    fn wake_all(word: &AtomicU32);
}

/// The shared kind: words in memory other processes map.
pub(crate) struct SharedPark;

impl Park for SharedPark {
    fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
        futex::shared::wait(word, expected, timeout)
    }
    fn wake_all(word: &AtomicU32) {
        futex::shared::wake_all(word)
    }
}

/// The private kind: words in this process's own memory (tests).
#[cfg(test)]
pub(crate) struct PrivatePark;

#[cfg(test)]
impl Park for PrivatePark {
    fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
        futex::wait(word, expected, timeout)
    }
    fn wake_all(word: &AtomicU32) {
        futex::wake_all(word)
    }
}

/// A ring whose words and bytes are in a span.
pub(crate) struct SpanRing<'a, P, L> {
    tail: &'a AtomicU32,
    head: &'a AtomicU32,
    data: Span<'a>,
    capacity: u32,
    alive: L,
    _park: PhantomData<P>,
}

impl<'a, P: Park, L: Fn() -> bool> SpanRing<'a, P, L> {
    /// `data.len()` must be the capacity (a power of two the layout checked); `alive` says
    /// whether the other end is still held.
    pub(crate) fn new(
        tail: &'a AtomicU32,
        head: &'a AtomicU32,
        data: Span<'a>,
        alive: L,
    ) -> Option<SpanRing<'a, P, L>> {
        let capacity = u32::try_from(data.len()).ok()?;
        capacity.is_power_of_two().then_some(SpanRing {
            tail,
            head,
            data,
            capacity,
            alive,
            _park: PhantomData,
        })
    }

    fn word(&self, w: Word) -> &'a AtomicU32 {
        match w {
            Word::Tail => self.tail,
            Word::Head => self.head,
        }
    }
}

impl<P: Park, L: Fn() -> bool> RingMemory for SpanRing<'_, P, L> {
    fn capacity(&self) -> u32 {
        self.capacity
    }
    fn load(&self, w: Word, o: Ordering) -> u32 {
        self.word(w).load(o)
    }
    fn compare_exchange(
        &self,
        w: Word,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        self.word(w)
            .compare_exchange(current, new, success, failure)
    }
    fn fetch_or(&self, w: Word, bits: u32, o: Ordering) -> u32 {
        self.word(w).fetch_or(bits, o)
    }
    fn wait(&self, w: Word, expected: u32, timeout: Duration) -> bool {
        P::wait(self.word(w), expected, Some(timeout)) == WaitOutcome::TimedOut
    }
    fn wake_all(&self, w: Word) {
        P::wake_all(self.word(w))
    }
    fn read(&self, at: u32, dst: &mut [u8]) -> bool {
        self.data.read(at as usize, dst).is_ok()
    }
    fn write(&self, at: u32, src: &[u8]) -> bool {
        self.data.write(at as usize, src).is_ok()
    }
    fn read_u32(&self, at: u32) -> u32 {
        // Out of bounds never happens (the ring passes aligned offsets inside); if it did,
        // u32::MAX reads as an over-long frame: a typed error, not a panic.
        self.data
            .u32_at(at as usize)
            .map_or(u32::MAX, |w| w.load(Ordering::Relaxed))
    }
    fn write_u32(&self, at: u32, v: u32) {
        if let Ok(w) = self.data.u32_at(at as usize) {
            w.store(v, Ordering::Relaxed);
        }
    }
    fn peer_alive(&self) -> bool {
        (self.alive)()
    }
}
