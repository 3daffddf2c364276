//! The spec's cases in a browser: the same bodies as `tests/native.rs`, run in a dedicated
//! worker (where blocking is allowed), with library threads on pooled Web Workers.
//! Run by `wasm-pack test --headless --chrome -- --test web --test web_main_thread`.
#![cfg(target_arch = "wasm32")]

mod programs;
mod spec;
#[macro_use]
mod web_harness;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

spec_cases!(web_test);
queue_cases!(web_test);
program_cases!(web_test);
