//! The spec's cases on the native backend, each bounded by a watchdog: a hang fails the test
//! with its name instead of stalling CI.
#![cfg(not(target_arch = "wasm32"))]

mod programs;
mod spec;

use std::time::Duration;

const WATCHDOG: Duration = Duration::from_secs(120);

fn bounded(name: &'static str, body: fn()) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let r = std::panic::catch_unwind(body);
            let _ = tx.send(r);
        })
        .unwrap();
    match rx.recv_timeout(WATCHDOG) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{name} hung: no result within {WATCHDOG:?}"),
    }
}

macro_rules! native_test {
    ($name:ident, $body:path) => {
        #[test]
        fn $name() {
            bounded(stringify!($name), $body)
        }
    };
}

spec_cases!(native_test);
queue_cases!(native_test);
unwind_cases!(native_test);
queue_unwind_cases!(native_test);
native_only_cases!(native_test);
program_cases!(native_test);
