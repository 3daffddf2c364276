//! Runs the book's programs on a pooled worker and keeps their results for the page to poll.

use crate::book::counter;
use crate::internal::Mutex;
use crate::{monotonic, Error, Thread};
use wasm_bindgen::prelude::*;

static RESULTS: Mutex<Vec<Option<String>>> = Mutex::new(Vec::new());

/// Starts the counter demo (`threads` adders, `iterations` each, with or without the Lock) on a
/// worker. Returns a run id for [`counter_demo_result`]. Never blocks.
#[wasm_bindgen]
pub fn counter_demo_start(threads: u32, iterations: u32, locked: bool) -> Result<u32, JsError> {
    let run = {
        let mut results = RESULTS.lock();
        results.push(None);
        results.len() as u32 - 1
    };
    let program = Thread::builder()
        .name(if locked { "main (with lock)" } else { "main (no lock)" })
        .target(move || {
            let start = monotonic();
            let (n, k) = (threads as usize, u64::from(iterations));
            let total = if locked {
                counter::count_with_lock(n, k)
            } else {
                counter::count_without_lock(n, k)
            };
            let elapsed = (monotonic() - start).as_secs_f64() * 1e3;
            let json = match total {
                Ok(total) => format!(
                    r#"{{"total":{total},"expected":{},"elapsed_ms":{elapsed:.3},"locked":{locked}}}"#,
                    n as u64 * k
                ),
                Err(e) => format!(r#"{{"error":{:?}}}"#, e.to_string()),
            };
            if let Some(slot) = RESULTS.lock().get_mut(run as usize) {
                *slot = Some(json);
            }
        })
        .build();
    program.start().map_err(|e: Error| JsError::new(&e.to_string()))?;
    Ok(run)
}

/// The result of run `run` as JSON (`total`, `expected`, `elapsed_ms`, `locked`, or `error`),
/// or `undefined` while it is still running.
#[wasm_bindgen]
pub fn counter_demo_result(run: u32) -> Option<String> {
    RESULTS.lock().get(run as usize).cloned().flatten()
}
