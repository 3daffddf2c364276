//! The atomics and locks the algorithms in `algo/` are written against, re-exported in one
//! place (crossbeam's and tokio's pattern). `tests/loom.rs` compiles those same algorithm files
//! with its own `primitive` module, whose names point at loom's model-checked types.

pub(crate) use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
#[cfg(all(
    not(target_arch = "wasm32"),
    any(not(target_os = "linux"), feature = "portable-seam")
))]
pub(crate) use std::sync::{Condvar, Mutex};
