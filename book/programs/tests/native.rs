//! The book's programs natively, each bounded by a watchdog.
#![cfg(not(target_arch = "wasm32"))]

#[macro_use]
#[path = "../../../tests/native_harness/mod.rs"]
mod native_harness;
mod programs;

program_cases!(native_test);
native_program_cases!(native_test);
