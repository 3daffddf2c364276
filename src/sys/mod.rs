//! Everything platform-specific lives under `sys/`: the futex seam, the clock, and how a new
//! thread gets something to run on. Primitives use only these functions.

pub mod futex;

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::{can_block, is_main_thread, native_id, now, report_error, spawn};

#[cfg(target_arch = "wasm32")]
pub(crate) mod wasm;
#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::{can_block, is_main_thread, native_id, now, report_error, spawn};
