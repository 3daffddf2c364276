//! What the page's JavaScript calls (wasm32 only), besides the library's own
//! `concurrency::web::start_workers`. The page never blocks: it starts demo programs on the
//! worker pool ([`crate::demo`]), polls their results, and drains the trace ring each
//! animation frame. Everything crosses as numbers or JSON text.

use crate::demo::{self, Program};
use concurrency::{inspect, trace};
use wasm_bindgen::prelude::*;

/// Starts `program` with numeric `args` on a worker. Returns `{"run":N,"thread":ID}` as JSON:
/// the run's number for [`demo_result`], and its program thread's trace id.
#[wasm_bindgen]
pub fn demo_start(program: &str, args: Vec<f64>) -> Result<String, JsError> {
    let started = Program::parse(program, &args).and_then(demo::start);
    let started = started.map_err(|e| JsError::new(&format!("{program}: {e}")))?;
    serde_json::to_string(&started).map_err(|e| JsError::new(&e.to_string()))
}

/// The result of run `run` as JSON (with `elapsed_ms`, or `error`), or `undefined` while it
/// is still running.
#[wasm_bindgen]
pub fn demo_result(run: u32) -> Option<String> {
    demo::result(run)
}

/// Sets the Event of an `event` run; never blocks. False if the run has no event.
#[wasm_bindgen]
pub fn demo_event_set(run: u32) -> bool {
    demo::set_event(run)
}

/// Shuts down the queue of a `queue` run (`immediate`: drop what is left); never blocks.
#[wasm_bindgen]
pub fn demo_queue_shutdown(run: u32, immediate: bool) -> bool {
    demo::shutdown_queue(run, immediate)
}

/// Aborts the barrier of a `barrier` or `barrier_broken` run: its waiters (and later
/// arrivals) get `BrokenBarrierError`. Never blocks. False if the run has no barrier (yet).
#[wasm_bindgen]
pub fn demo_barrier_abort(run: u32) -> bool {
    demo::abort_barrier(run)
}

/// Asks run `run` to stop: its loops end at their next check, and its queue, event or barrier
/// is shut down, set or aborted. A deadlocked run still ends only when its threads' patience
/// runs out. Never blocks. Its result then has `"stopped": true`. False if there is no such
/// run or it has already ended.
#[wasm_bindgen]
pub fn demo_stop(run: u32) -> bool {
    demo::stop(run)
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
            e.thread as f64,
            e.object as f64,
            e.arg as f64,
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
pub fn trace_label(id: f64) -> Option<String> {
    trace::label(id as _)
}

/// Starts recording lock holders (for the wait-for graph).
#[wasm_bindgen]
pub fn inspect_enable() {
    inspect::enable();
}

/// The cycles in the wait-for graph now, as a JSON array of `{"certain": bool, "names":
/// [thread, object, thread, object, ...]}`: a certain cycle never resolves (every lock on it is
/// owned and every wait untimed: detection refuses to close it); a suspected one passes
/// through a Lock another thread may still release, or a wait with a timeout.
#[wasm_bindgen]
pub fn inspect_deadlocks() -> String {
    let cycles: Vec<serde_json::Value> = inspect::deadlocks()
        .into_iter()
        .map(|c| serde_json::json!({ "certain": c.certain, "names": c.names }))
        .collect();
    serde_json::to_string(&cycles).unwrap_or_else(|_| "[]".to_owned())
}

/// Every live thread and primitive now, as JSON (see `crate::snapshot`):
/// `{"threads":[{"id","name","state","on"}],"objects":[{"id","name","kind","kind_code",
/// "holders","waiters","value"}]}`. Never blocks.
#[wasm_bindgen]
pub fn inspect_snapshot() -> String {
    crate::snapshot::json()
}
