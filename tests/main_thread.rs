//! TH-06 `test_main_thread`, the half that must run on the process's real main thread (the
//! default test harness runs tests on other threads), so this file has its own `main`.
//! (In a browser the page's main thread is covered by `tests/web_main_thread.rs`.)

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use concurrency::{current_thread, get_ident, main_thread, Thread};

    let main = main_thread();
    assert_eq!(main.name(), "MainThread");
    assert_eq!(main.ident(), current_thread().ident());
    assert_eq!(main.ident(), Some(get_ident()));
    assert!(main.is_alive());
    assert_eq!(
        main.native_id(),
        Some(std::process::id() as u64),
        "on Linux the main thread's id is the process id"
    );
    let t = Thread::new(|| assert_ne!(main_thread().ident(), current_thread().ident()));
    t.start().unwrap();
    assert_eq!(t.join(std::time::Duration::from_secs(30)), Ok(true));
    assert!(!t.panicked());
    println!("TH-06 main thread: ok");
}
