//! Starting the browser backend (wasm32 only): the worker pool that library threads run on.
//! A page (or a test in a dedicated worker) calls [`start_workers`] once and awaits it before
//! it expects threads to run in parallel; `www/bridge/README.md` tells how the pieces fit.
//! The page never blocks: anything here returns at once.

use crate::sys::wasm as sys;
use wasm_bindgen::prelude::*;

/// Starts the coordinator and `count` pooled workers. Returns a Promise that resolves once all
/// of them are ready; calling it again returns the same Promise. Threads may be started before
/// it resolves (they run as workers arrive).
///
/// The Promise rejects with an `Error` saying how many workers came up if a worker cannot
/// start, or if the pool is not ready within 10 s (counted while the agent runs, so a page the
/// browser suspended meanwhile is not blamed). Threads started on a pool that failed with no
/// worker up get `Error::SpawnFailed` instead of waiting for ever.
#[wasm_bindgen]
pub fn start_workers(count: u32) -> JsValue {
    let count = count.max(1);
    if !sys::pool::begin(count) {
        // Started before: in the agent that started it the bridge hands back the first call's
        // Promise; in another agent (a thread) it resolves at once.
        return start(count, JsValue::UNDEFINED);
    }
    // Called at most once (the bridge settles once); a pool that starts never calls it, and
    // its few bytes are then kept, once per module instance.
    let on_fail = Closure::once_into_js(sys::pool::start_failed);
    start(count, on_fail)
}

fn start(count: u32, on_fail: JsValue) -> JsValue {
    sys::start_coordinator(
        &sys::glue_url(),
        &sys::coordinator_url(),
        &sys::worker_url(),
        wasm_bindgen::module(),
        wasm_bindgen::memory(),
        count,
        on_fail,
    )
}

/// The loop of a pooled worker, called by `www/bridge/pool-worker.js` in each worker it
/// starts. Not for the page: there it throws at once (its loop would freeze the tab).
#[wasm_bindgen]
pub fn worker_main() -> Result<(), JsError> {
    if !sys::can_block() {
        return Err(JsError::new(
            "worker_main() runs only in a pooled worker: on the page's main thread it would \
             block and freeze the tab",
        ));
    }
    sys::pool::worker_main();
    Ok(())
}
