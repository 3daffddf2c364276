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
    // A thread whose thread-locals are already torn down gets a fresh number (never 0).
    ID.try_with(|id| *id)
        .unwrap_or_else(|_| NEXT.fetch_add(1, Relaxed))
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

/// Runs `job` on a new, detached OS thread named `name` (as [`os_thread_name`] keeps it).
pub(crate) fn spawn(name: &str, job: Box<dyn FnOnce() + Send>) -> Result<(), String> {
    std::thread::Builder::new()
        .name(os_thread_name(name))
        .spawn(job)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The most bytes of a thread name the OS keeps (Linux: `TASK_COMM_LEN` 16, with the NUL).
#[cfg(target_os = "linux")]
const NAME_MAX: usize = 15;

/// Elsewhere std truncates to the platform's limit itself.
#[cfg(not(target_os = "linux"))]
const NAME_MAX: usize = usize::MAX;

/// The OS-level name of a thread called `name`, as CPython makes it (TH-39): up to the first
/// NUL (std refuses interior NULs), then at most the platform's limit in bytes, cut at a
/// character boundary (std would cut through a character).
pub(crate) fn os_thread_name(name: &str) -> String {
    let name = name.split('\0').next().unwrap_or_default();
    let mut end = name.len().min(NAME_MAX);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}

/// Renames the calling OS thread (CPython renames it when a thread sets its own name).
#[cfg(target_os = "linux")]
pub(crate) fn set_current_os_name(name: &str) {
    let Ok(name) = std::ffi::CString::new(os_thread_name(name)) else {
        return;
    };
    // SAFETY: `pthread_self()` is the calling thread, alive for the call; `name` is a
    // NUL-terminated string of at most 15 bytes plus the NUL, the most the call accepts, and
    // it outlives the call. A failure (none is possible with these arguments) changes nothing.
    unsafe {
        libc::pthread_setname_np(libc::pthread_self(), name.as_ptr());
    }
}

/// Elsewhere the name given at start stays.
#[cfg(not(target_os = "linux"))]
pub(crate) fn set_current_os_name(_name: &str) {}

/// Where the default excepthook writes.
pub(crate) fn report_error(text: &str) {
    eprintln!("{text}");
}
