//! Linux backend of the seam: the `futex` system call, process-private.

use super::WaitOutcome;
use crate::primitive::AtomicU32;
use core::time::Duration;

pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
    // A relative timeout; seconds beyond time_t saturate (callers cap timeouts far below).
    let spec = timeout.map(|d| libc::timespec {
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: d.subsec_nanos() as libc::c_long,
    });
    let spec_ptr = spec
        .as_ref()
        .map_or(core::ptr::null(), |s| s as *const libc::timespec);
    // SAFETY: `word` is a live, aligned 32-bit atomic for the whole call (we hold a reference),
    // and `spec_ptr` is null or points to `spec`, which outlives the call. FUTEX_WAIT only
    // reads both; the kernel compares the value atomically with respect to FUTEX_WAKE.
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
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

pub fn wake_one(word: &AtomicU32) {
    wake(word, 1)
}

pub fn wake_all(word: &AtomicU32) {
    wake(word, i32::MAX)
}

fn wake(word: &AtomicU32, count: i32) {
    // SAFETY: `word` is a live, aligned 32-bit atomic; FUTEX_WAKE does not access memory
    // through the pointer beyond using its address as a key.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            count,
        );
    }
}
