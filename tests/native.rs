//! The spec's cases on the native backend, each bounded by a watchdog: a hang fails the test
//! with its name instead of stalling CI.
#![cfg(not(target_arch = "wasm32"))]

#[macro_use]
mod native_harness;
mod programs;
mod spec;

spec_cases!(native_test);
queue_cases!(native_test);
unwind_cases!(native_test);
queue_unwind_cases!(native_test);
native_only_cases!(native_test);
program_cases!(native_test);
