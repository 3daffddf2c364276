//! What the native test crates share: `bounded`, which runs a case body on a thread of its own
//! under a watchdog, so a hang fails the test with its name instead of stalling CI, and
//! `native_test!`, the harness their case lists expand with. Used by `tests/native.rs`,
//! `tests/isolated.rs`, the process tests, and the book's programs
//! (`book/programs/tests/native.rs`, through `#[path]`).

use std::time::Duration;

/// How long one case may take.
pub const WATCHDOG: Duration = Duration::from_secs(120);

/// Runs `body` on its own thread; fails if it panics or takes longer than [`WATCHDOG`].
pub fn bounded(name: &'static str, body: fn()) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let r = std::panic::catch_unwind(body);
            let _ = tx.send(r);
        })
        .expect("the test thread starts");
    match rx.recv_timeout(WATCHDOG) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{name} hung: no result within {WATCHDOG:?}"),
    }
}

/// `native_test!(test_name, body_path)`: a `#[test]` that runs the body under [`bounded`].
/// Brought into the crate root with `#[macro_use] mod native_harness;`.
macro_rules! native_test {
    ($name:ident, $body:path) => {
        #[test]
        fn $name() {
            $crate::native_harness::bounded(stringify!($name), $body)
        }
    };
}
