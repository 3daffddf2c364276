//! What the page's JavaScript calls (wasm32 only). The page never blocks: it starts the worker
//! pool, starts demo programs on it, and drains the trace ring each animation frame.

mod demo;

use crate::sys::wasm as sys;
use crate::trace;
use wasm_bindgen::prelude::*;

pub use demo::{
    demo_event_set, demo_queue_shutdown, demo_result, demo_start, inspect_cycles,
    inspect_deadlocks, inspect_enable,
};

/// Starts the coordinator and `count` pooled workers. Returns a Promise that resolves once all
/// of them are ready; calling it again returns the same Promise. Threads may be started before
/// it resolves (they run as workers arrive).
#[wasm_bindgen]
pub fn start_workers(count: u32) -> JsValue {
    sys::pool::begin(count.max(1));
    sys::start_coordinator(
        &sys::glue_url(),
        &sys::coordinator_url(),
        &sys::worker_url(),
        wasm_bindgen::module(),
        wasm_bindgen::memory(),
        count.max(1),
    )
}

/// The loop of a pooled worker (called by `www/bridge/pool-worker.js`).
#[wasm_bindgen]
pub fn worker_main() {
    sys::pool::worker_main()
}

/// Starts recording events into a ring of `capacity` records.
#[wasm_bindgen]
pub fn trace_enable(capacity: u32) {
    trace::enable(capacity as usize);
}

/// Every recorded event, oldest first, as 5 numbers each: time in ms (same clock as
/// `performance.timeOrigin + performance.now()`), kind, thread, object, arg.
///
/// Thread and object ids are 64-bit; as JavaScript numbers they are exact below 2^53, which
/// a page reaches only after creating 9 × 10^15 threads and primitives.
#[wasm_bindgen]
pub fn trace_drain() -> Vec<f64> {
    let mut events = Vec::new();
    trace::drain(&mut events);
    let mut out = Vec::with_capacity(events.len() * 5);
    for e in events {
        out.extend_from_slice(&[
            e.time_ns as f64 / 1e6,
            e.kind as u32 as f64,
            e.thread as f64,
            e.object as f64,
            f64::from(e.arg),
        ]);
    }
    out
}

/// Events lost because the ring was full.
#[wasm_bindgen]
pub fn trace_dropped() -> f64 {
    trace::dropped() as f64
}

/// The name of a thread or object, if it has one. `id` is a number from [`trace_drain`]
/// (a JavaScript number, not a BigInt: exact for every id below 2^53).
#[wasm_bindgen]
pub fn trace_label(id: f64) -> Option<String> {
    trace::label(id as u64)
}
