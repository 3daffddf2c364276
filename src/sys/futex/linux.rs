//! Linux backend of the seam: the `futex` system call, in its two kinds.
//!
//! - The private kind (`FUTEX_PRIVATE_FLAG`: `wait`, `wake_one`, `wake_all`) keys a word by its
//!   virtual address in this process: cheaper, and what every in-process primitive uses.
//! - The shared kind (`wait_shared`, `wake_one_shared`, `wake_all_shared`) keys a word in a
//!   `MAP_SHARED` mapping by the mapped object and the offset in it, so a waiter and a waker in
//!   two processes (or in two mappings of one region in one process) meet on the same word.
//!   Only [`super::shared`] calls it, for words in a [`crate::sys::region::SharedRegion`].
//!
//! The shared kind is compiled even with the `portable-seam` feature: the parking table cannot
//! reach another process, so there is no portable fallback for it.

// With `portable-seam` the private kind is compiled but the parking table serves instead.
#![cfg_attr(feature = "portable-seam", allow(dead_code))]

use super::WaitOutcome;
use crate::primitive::AtomicU32;
use core::time::Duration;

/// `FUTEX_*_PRIVATE`: the word is private to this process.
const PRIVATE: i32 = libc::FUTEX_PRIVATE_FLAG;
/// No flag: the word may be in memory shared with other processes.
const SHARED: i32 = 0;

pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
    futex_wait(word, expected, timeout, PRIVATE)
}

pub fn wake_one(word: &AtomicU32) {
    wake(word, 1, PRIVATE)
}

pub fn wake_all(word: &AtomicU32) {
    wake(word, i32::MAX, PRIVATE)
}

/// The shared kind of [`wait`]: `word` may lie in a `MAP_SHARED` mapping.
pub fn wait_shared(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
    futex_wait(word, expected, timeout, SHARED)
}

/// The shared kind of [`wake_one`].
pub fn wake_one_shared(word: &AtomicU32) {
    wake(word, 1, SHARED)
}

/// The shared kind of [`wake_all`].
pub fn wake_all_shared(word: &AtomicU32) {
    wake(word, i32::MAX, SHARED)
}

fn futex_wait(
    word: &AtomicU32,
    expected: u32,
    timeout: Option<Duration>,
    kind: i32,
) -> WaitOutcome {
    // A relative timeout; seconds beyond time_t saturate (callers cap timeouts far below).
    let spec = timeout.map(|d| libc::timespec {
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: d.subsec_nanos() as libc::c_long,
    });
    let spec_ptr = spec
        .as_ref()
        .map_or(core::ptr::null(), |s| s as *const libc::timespec);
    // Why this is sound: `word` is a live, aligned 32-bit atomic for the whole call (we hold a reference),
    // and `spec_ptr` is null or points to `spec`, which outlives the call. FUTEX_WAIT only
    // reads both; the kernel compares the value atomically with respect to FUTEX_WAKE. For the
    // shared kind the reference also keeps the mapping alive (a region outlives its views).
    // SAFETY: `word` and `spec_ptr` are live for the whole call (proved just above).
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT | kind,
            expected,
            spec_ptr,
        )
    };
    if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ETIMEDOUT) {
        WaitOutcome::TimedOut
    } else {
        // 0 (woken), EAGAIN (value differed) and EINTR (signal) all mean "re-check".
        WaitOutcome::Woken
    }
}

fn wake(word: &AtomicU32, count: i32, kind: i32) {
    // SAFETY: `word` is a live, aligned 32-bit atomic; FUTEX_WAKE does not access memory
    // through the pointer beyond using its address as a key.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE | kind,
            count,
        );
    }
}
