//! What the browser test crates (`tests/web.rs`, `tests/web_isolated.rs`) share: starting the
//! worker pool, and the harnesses their case lists expand with: `web_test!` runs a case,
//! `web_needs_unwind!` and `web_native_only!` register one a browser cannot run as ignored.
//! Each crate root still says `wasm_bindgen_test_configure!(run_in_dedicated_worker)` itself.

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

/// `web_needs_unwind!(test_name, body_path)`: a case whose body needs panics to unwind (it
/// catches one, or checks what a guard did during the unwind). A browser build aborts on
/// panic, so the case is registered as an ignored test: the report counts it as skipped, not
/// as passed. The body is still compiled for wasm.
#[allow(unused_macros)] // `tests/web_isolated.rs` has no such case
macro_rules! web_needs_unwind {
    ($name:ident, $body:path) => {
        #[::wasm_bindgen_test::wasm_bindgen_test]
        #[ignore = "needs unwinding panics; a browser build aborts on panic"]
        fn $name() {
            let _body: fn() = $body;
        }
    };
}

/// `web_native_only!(test_name, body_path)`: a case that needs OS threads the crate did not
/// start (`std::thread`), which a browser does not have: registered as an ignored test.
#[allow(unused_macros)] // `tests/web_isolated.rs` has no such case
macro_rules! web_native_only {
    ($name:ident, $body:path) => {
        #[::wasm_bindgen_test::wasm_bindgen_test]
        #[ignore = "needs OS threads the crate did not start (std::thread)"]
        fn $name() {
            let _body: fn() = $body;
        }
    };
}
