//! Starting the browser backend (wasm32 only): the worker pool that library threads run on.
//! A page (or a test in a dedicated worker) calls [`start_workers`] once and awaits it before
//! it expects threads to run in parallel; `www/bridge/README.md` tells how the pieces fit.
//! The page never blocks: anything here returns at once.

use crate::sys::wasm as sys;
use wasm_bindgen::prelude::*;

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
