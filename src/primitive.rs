//! The atomics and locks this crate is built from, re-exported in one place so that the same
//! code can run under `loom` (crossbeam's and tokio's pattern): with `--cfg loom` these names
//! point at loom's model-checked versions.

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
#[cfg(all(
    not(loom),
    not(target_arch = "wasm32"),
    any(not(target_os = "linux"), feature = "portable-seam")
))]
pub(crate) use std::sync::{Condvar, Mutex};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex};
