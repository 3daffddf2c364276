//! The JavaScript this backend calls (`www/bridge/host.js`), and the URLs the bridge needs.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/www/bridge/host.js")]
extern "C" {
    /// True in a Web Worker (where `Atomics.wait` is allowed), false on a page.
    pub(crate) fn is_worker() -> bool;
    /// `performance.timeOrigin + performance.now()`: milliseconds, comparable across workers.
    pub(crate) fn now_ms() -> f64;
    /// `console.error`.
    pub(crate) fn console_error(text: &str);
    /// Asks the coordinator for one more pooled worker. Never blocks.
    pub(crate) fn request_worker();
    /// Starts the coordinator worker and `count` pooled workers; resolves when they are ready.
    /// If they cannot start (a worker fails, or they are not ready within 10 s of the agent
    /// running), calls `on_fail(message)` once and rejects with that message.
    pub(crate) fn start_coordinator(
        glue_url: &str,
        coordinator_url: &str,
        worker_url: &str,
        module: JsValue,
        memory: JsValue,
        count: u32,
        on_fail: JsValue,
    ) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    // Evaluated in the generated glue module, so this is the glue's own URL: the script each
    // pooled worker imports to join the same module and memory.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

pub(crate) fn glue_url() -> String {
    GLUE_URL.with(String::clone)
}

pub(crate) fn coordinator_url() -> String {
    wasm_bindgen::link_to!(module = "/www/bridge/coordinator.js")
}

pub(crate) fn worker_url() -> String {
    wasm_bindgen::link_to!(module = "/www/bridge/pool-worker.js")
}
