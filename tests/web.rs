//! The spec's cases in a browser: the same bodies as `tests/native.rs`, run in a dedicated
//! worker (where blocking is allowed), with library threads on pooled Web Workers. The cases
//! a browser cannot run (unwinding panics, OS threads the crate did not start) are listed
//! too, as ignored tests, so the report shows them as skipped rather than leaving them out.
//! Run by `wasm-pack test --headless --chrome -- --test web --test web_main_thread` (and
//! `--firefox`).
#![cfg(target_arch = "wasm32")]

mod programs;
mod spec;
#[macro_use]
mod web_harness;
mod web_pool_start;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

spec_cases!(web_test);
queue_cases!(web_test);
program_cases!(web_test);
unwind_cases!(web_needs_unwind);
queue_unwind_cases!(web_needs_unwind);
native_only_cases!(web_native_only);

// Starting the pool itself (each case makes fresh agents; none needs the pool of this one).
#[wasm_bindgen_test]
async fn pool_starts_in_every_fresh_instance_under_cpu_load() {
    web_pool_start::pool_starts_in_every_fresh_instance_under_cpu_load().await
}

#[wasm_bindgen_test]
async fn pool_that_cannot_start_says_how_many_workers_came_up() {
    web_pool_start::pool_that_cannot_start_says_how_many_workers_came_up().await
}

#[wasm_bindgen_test]
async fn pooled_worker_that_cannot_join_fails_the_start_at_once() {
    web_pool_start::pooled_worker_that_cannot_join_fails_the_start_at_once().await
}
