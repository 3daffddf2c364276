//! Cases that switch process-wide modes, natively, one at a time (see tests/programs/isolated.rs),
//! and cases that need a process of their own (`own_process_cases!` in tests/spec/cases.rs):
//! this binary runs itself again with only that case, so a regression that aborts the process
//! fails that one case (with the child's output) instead of taking every other case down.
#![cfg(not(target_arch = "wasm32"))]

#[allow(unused_macros)]
#[macro_use]
mod native_harness;
mod programs;
mod spec;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

use native_harness::WATCHDOG;

/// One at a time (the cases switch process-wide modes), each under the watchdog.
fn isolated(name: &'static str, body: fn()) {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    native_harness::bounded(name, body)
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

/// Set in the child: the one case it runs.
const CHILD: &str = "CONCURRENCY_OWN_PROCESS_CASE";

/// In the child, runs `body`; in the parent, runs this test binary again with only `name`
/// and fails if the child fails, aborts or outlives the watchdog.
fn own_process(name: &'static str, body: fn()) {
    if std::env::var(CHILD).as_deref() == Ok(name) {
        return body();
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary runs again");
    // Drained as it comes, so a chatty child never blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            break status;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} hung: no result within {WATCHDOG:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (stdout, stderr) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    assert!(
        status.success() && stdout.contains("1 passed"),
        "{name} failed in its own process ({status}):\n{stdout}\n{stderr}"
    );
}

macro_rules! own_process_test {
    ($name:ident, $body:path) => {
        #[test]
        fn $name() {
            own_process(stringify!($name), $body)
        }
    };
}

own_process_cases!(own_process_test);
