//! On the page's main thread nothing may block (`Atomics.wait` traps there): every call that
//! would have to wait returns `Error::WouldBlockOnMainThread`, and the non-blocking forms work.
#![cfg(target_arch = "wasm32")]

use concurrency::{Error, Lock, Thread};
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn lock_on_the_main_thread() {
    let lock = Lock::new();
    assert_eq!(
        lock.acquire(true, None),
        Ok(true),
        "a free lock is taken without waiting"
    );
    assert!(matches!(
        lock.acquire(true, None),
        Err(Error::WouldBlockOnMainThread(_))
    ));
    assert!(matches!(
        lock.acquire(true, Duration::from_millis(10)),
        Err(Error::WouldBlockOnMainThread(_))
    ));
    assert!(matches!(
        lock.guard(),
        Err(Error::WouldBlockOnMainThread(_))
    ));
    assert_eq!(lock.acquire(false, None), Ok(false));
    assert_eq!(lock.acquire(true, Duration::ZERO), Ok(false));
    assert!(!lock.try_acquire());
    assert_eq!(lock.release(), Ok(()), "release never blocks");
    assert!(lock.try_acquire());
    lock.release().unwrap();
    assert!(matches!(
        concurrency::sleep(Duration::from_millis(1)),
        Err(Error::WouldBlockOnMainThread(_))
    ));
}

#[wasm_bindgen_test]
async fn threads_from_the_main_thread() {
    let promise: js_sys::Promise = concurrency::web::start_workers(2).into();
    JsFuture::from(promise)
        .await
        .expect("the worker pool starts");
    let lock = std::sync::Arc::new(Lock::new());
    lock.acquire(true, None).unwrap();
    let l = lock.clone();
    let t = Thread::new(move || drop(l.guard().unwrap()));
    t.start().expect("starting a thread never blocks");
    assert!(matches!(
        t.join(None),
        Err(Error::WouldBlockOnMainThread(_))
    ));
    assert_eq!(t.join(Duration::ZERO), Ok(false));
    assert!(t.is_alive());
    lock.release().unwrap();
    // The page waits asynchronously: poll from the event loop.
    for _ in 0..3000 {
        if !t.is_alive() {
            break;
        }
        sleep_async(10).await;
    }
    assert!(!t.is_alive(), "the thread ended on its worker");
    assert_eq!(
        t.join(None),
        Ok(true),
        "joining a finished thread does not wait"
    );
}

async fn sleep_async(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let global: web_sys_free::Global = js_sys::global().unchecked_into();
        let _ = global.set_timeout(&resolve, ms);
    });
    JsFuture::from(promise).await.unwrap();
}

mod web_sys_free {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        pub type Global;
        #[wasm_bindgen(method, js_name = setTimeout)]
        pub fn set_timeout(this: &Global, f: &js_sys::Function, ms: i32) -> JsValue;
    }
}

/// The pooled worker's loop, exported for the bridge, refuses the page's main thread with an
/// error instead of freezing the tab.
#[wasm_bindgen_test]
fn worker_main_refuses_the_main_thread() {
    let refused = concurrency::web::worker_main();
    assert!(refused.is_err(), "worker_main() on the page must refuse");
}
