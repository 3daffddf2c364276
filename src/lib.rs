//! Python's `threading` (and, as the project grows, `queue` and `multiprocessing`) for Rust,
//! on two backends with one API: real OS threads natively, and Web Workers sharing one
//! `WebAssembly.Memory` in a browser.
//!
//! ```
//! use concurrency::{Lock, Thread};
//! use std::sync::Arc;
//!
//! let lock = Arc::new(Lock::new());
//! let l = lock.clone();
//! let t = Thread::builder().name("worker").target(move || {
//!     let _held = l.guard().expect("a worker thread may block");
//! }).build();
//! t.start()?;
//! assert!(t.join(None)?);
//! assert!(!t.is_alive());
//! # Ok::<(), concurrency::Error>(())
//! ```
//!
//! Every primitive is written once over the futex seam in `sys::futex`; no primitive contains
//! platform code. Every blocking call records what it waits on ([`ThreadState::Blocked`]) and
//! reports to the [`trace`] buffer, which the book draws.
#![cfg_attr(
    all(target_arch = "wasm32", target_feature = "atomics"),
    feature(stdarch_wasm_atomic_wait)
)]
#![warn(missing_docs)]

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
compile_error!(
    "wasm32 builds need shared memory: build with nightly, CARGO_UNSTABLE_BUILD_STD=panic_abort,std \
     and the rustflags in .cargo/config.toml (the xtask does this)"
);

/// `const fn` in the library; `tests/loom.rs` defines the same macro as a plain `fn`, because
/// loom's atomics have no const constructor. Wraps the constructors in `algo/`.
macro_rules! const_unless_loom {
    ($(#[$m:meta])* $vis:vis fn $($rest:tt)*) => { $(#[$m])* $vis const fn $($rest)* };
}

mod algo;
mod barrier;
mod condition;
mod error;
mod event;
pub mod inspect;
mod internal;
mod local;
mod lock;
mod observe;
mod primitive;
#[cfg(all(target_os = "linux", feature = "native"))]
pub mod process;
pub mod queue;
mod rlock;
mod semaphore;
pub mod sys;
pub mod thread;
mod time;
mod timer;
pub mod trace;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use barrier::Barrier;
pub use condition::{Condition, ConditionGuard, ConditionLock};
pub use error::Error;
pub use event::Event;
pub use local::Local;
pub use lock::{Lock, LockGuard};
#[cfg(all(target_os = "linux", feature = "native"))]
pub use process::{active_children, current_process, parent_process, shutdown, Process};
pub use queue::{LifoQueue, PriorityQueue, PutError, Queue, SimpleQueue};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphoreGuard};
#[cfg(not(all(target_os = "linux", feature = "native")))]
pub use thread::shutdown;
pub use thread::{
    active_count, current_thread, enumerate, get_ident, get_native_id, main_thread, Builder,
    Thread, ThreadState,
};
pub use time::{monotonic, sleep, IntoTimeout, Timeout, TIMEOUT_MAX};
pub use timer::Timer;
