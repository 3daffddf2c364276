//! Cases that switch process-wide modes, natively, one at a time (see tests/programs/isolated.rs).
#![cfg(not(target_arch = "wasm32"))]

mod programs;

use std::sync::Mutex;
use std::time::Duration;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn isolated(name: &'static str, body: fn()) {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(body));
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{name} hung"),
    }
}

macro_rules! isolated_test {
    ($name:ident, $body:path) => {
        #[test]
        fn $name() {
            isolated(stringify!($name), $body)
        }
    };
}

isolated_cases!(isolated_test);
