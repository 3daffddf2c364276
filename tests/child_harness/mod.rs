//! What the harness-less cross-process test binaries share (`tests/ipc.rs`,
//! `tests/shared_sync.rs`): each re-executes itself as its children, so libtest cannot run it;
//! this runs its cases one by one, with a filter from the command line, a watchdog for the
//! whole binary, and no child left behind (every child's pid is kept and killed after each
//! case and by the watchdog). Prints `test NAME ... ok` / `FAILED: why`, then `N passed, N
//! failed`, and exits 1 if any failed.

use std::process::{Child, ExitStatus};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A case: its name and its body (`Err` says why it failed).
pub type Case = (&'static str, fn() -> Result<(), String>);

/// Pids of live children, killed after each case and by the watchdog.
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Remembers a child to kill after the current case (or when the watchdog fires).
pub fn track(child: &Child) {
    CHILDREN
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(child.id());
}

/// Kills every tracked child.
pub fn kill_children() {
    for pid in CHILDREN.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
        // SAFETY: kill(2) with a pid we started; at worst it is already gone (ESRCH).
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
}

/// Runs `cases` (those whose name contains a command-line argument, if any are given); exits
/// the process with 1 if one failed, or if all of them take longer than `watchdog`.
pub fn run(binary: &'static str, cases: &[Case], watchdog: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(watchdog);
        eprintln!("{binary}: watchdog: no result within {watchdog:?}");
        kill_children();
        std::process::exit(1);
    });
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let (mut passed, mut failed) = (0, 0);
    for (name, case) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let start = Instant::now();
        match case() {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok ({:.0?})", start.elapsed());
            }
            Err(why) => {
                failed += 1;
                println!("test {name} ... FAILED: {why}");
            }
        }
        kill_children();
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Waits for `child` up to `within`; kills it after that.
pub fn wait(child: &mut Child, within: Duration) -> Result<ExitStatus, String> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "child {} did not exit within {within:?}",
                child.id()
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
