//! The spec's cases in a browser: the same bodies as `tests/native.rs`, run in a dedicated
//! worker (where blocking is allowed), with library threads on pooled Web Workers.
//! Run by `wasm-pack test --headless --chrome -- --test web --test web_main_thread`.
#![cfg(target_arch = "wasm32")]

mod programs;
mod spec;

use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Starts the pool once (4 workers: the 12-thread case makes it grow).
async fn ready() {
    let promise: js_sys::Promise = concurrency::web::start_workers(4).into();
    JsFuture::from(promise).await.expect("the worker pool starts");
}

macro_rules! web_test {
    ($name:ident, $body:path) => {
        #[wasm_bindgen_test]
        async fn $name() {
            ready().await;
            $body()
        }
    };
}

spec_cases!(web_test);
program_cases!(web_test);
