//! Cases that switch process-wide modes, in a browser worker, in a wasm instance of their own.
#![cfg(target_arch = "wasm32")]

mod programs;

use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

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

isolated_cases!(web_test);
