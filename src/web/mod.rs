//! What the page's JavaScript calls (wasm32 only). The page never blocks: it starts the worker
//! pool, starts demo programs on it, and drains the trace ring each animation frame.

mod demo;

use crate::sys::wasm as sys;
use crate::trace;
use wasm_bindgen::prelude::*;

pub use demo::{
    demo_event_set, demo_queue_shutdown, demo_result, demo_start, inspect_deadlocks, inspect_enable,
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
#[wasm_bindgen]
pub fn trace_drain() -> Vec<f64> {
    let mut events = Vec::new();
    trace::drain(&mut events);
    let mut out = Vec::with_capacity(events.len() * 5);
    for e in events {
        out.extend_from_slice(&[
            e.time_ns as f64 / 1e6,
            e.kind as u32 as f64,
            f64::from(e.thread),
            f64::from(e.object),
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

/// The name of a thread or object, if it has one.
#[wasm_bindgen]
pub fn trace_label(id: u32) -> Option<String> {
    trace::label(id)
}
