//! The spec's cases in a browser: the same bodies as `tests/native.rs`, run in a dedicated
//! worker (where blocking is allowed), with library threads on pooled Web Workers. The cases
//! a browser cannot run (unwinding panics, OS threads the crate did not start) are listed
//! too, as ignored tests, so the report shows them as skipped rather than leaving them out.
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
unwind_cases!(web_needs_unwind);
queue_unwind_cases!(web_needs_unwind);
native_only_cases!(web_native_only);
