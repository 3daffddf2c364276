//! Cases that switch process-wide modes, in a browser worker, in a wasm instance of their own.
#![cfg(target_arch = "wasm32")]

mod programs;
#[macro_use]
mod web_harness;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

isolated_cases!(web_test);
