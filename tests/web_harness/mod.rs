//! What the browser test crates (`tests/web.rs`, `tests/web_isolated.rs`) share: starting the
//! worker pool, and `web_test!`, the harness their case lists expand with. Each crate root
//! still says `wasm_bindgen_test_configure!(run_in_dedicated_worker)` itself.

use wasm_bindgen_futures::JsFuture;

/// Starts the pool once (4 workers: the 12-thread case makes it grow).
pub async fn ready() {
    let promise: js_sys::Promise = concurrency::web::start_workers(4).into();
    JsFuture::from(promise)
        .await
        .expect("the worker pool starts");
}

/// `web_test!(test_name, body_path)`: an async browser test that starts the pool, then runs
/// the body. Brought into the crate root with `#[macro_use] mod web_harness;`.
macro_rules! web_test {
    ($name:ident, $body:path) => {
        #[::wasm_bindgen_test::wasm_bindgen_test]
        async fn $name() {
            $crate::web_harness::ready().await;
            $body()
        }
    };
}
