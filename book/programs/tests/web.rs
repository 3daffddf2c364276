//! The book's programs in a browser: in a dedicated worker (where blocking is allowed), with
//! library threads on pooled Web Workers, as the reader's page runs them.
#![cfg(target_arch = "wasm32")]

mod programs;
#[macro_use]
#[path = "../../../tests/web_harness/mod.rs"]
mod web_harness;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

program_cases!(web_test);
