//! The native backend: OS threads, `Instant`, stderr.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Native threads may always block.
#[inline]
pub(crate) fn can_block() -> bool {
    true
}

/// Monotonic time since the first call in this process.
pub(crate) fn now() -> Duration {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed()
}

/// The OS thread id (Linux `gettid`); elsewhere a per-thread number from this crate.
#[cfg(target_os = "linux")]
pub(crate) fn native_id() -> u64 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() as u64 }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn native_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static ID: u64 = NEXT.fetch_add(1, Relaxed));
    ID.with(|id| *id)
}

/// Whether the caller is the process's first thread.
#[cfg(target_os = "linux")]
pub(crate) fn is_main_thread() -> bool {
    // SAFETY: getpid and gettid have no preconditions and cannot fail.
    unsafe { libc::gettid() == libc::getpid() }
}

/// Without an OS answer, the first foreign thread that asks is taken as the main thread.
#[cfg(not(target_os = "linux"))]
pub(crate) fn is_main_thread() -> bool {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static MAIN: AtomicU64 = AtomicU64::new(0);
    let me = native_id();
    match MAIN.compare_exchange(0, me, Relaxed, Relaxed) {
        Ok(_) => true,
        Err(main) => main == me,
    }
}

/// Runs `job` on a new, detached OS thread named `name`.
pub(crate) fn spawn(name: &str, job: Box<dyn FnOnce() + Send>) -> Result<(), String> {
    // The OS name stops at the first NUL, as CPython's does (std refuses interior NULs).
    let os_name = name.split('\0').next().unwrap_or_default().to_owned();
    std::thread::Builder::new()
        .name(os_name)
        .spawn(job)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Where the default excepthook writes.
pub(crate) fn report_error(text: &str) {
    eprintln!("{text}");
}
