//! Processes from a `harness = false` test binary, whose `main` is its own: the entry point is
//! `concurrency::process::entry()`, first in `main`. Checks what needs the whole program:
//!
//! * MP-21 `test_noforkbomb`: a child whose program starts a process without having
//!   dispatched (the guard missing) does not start anything; it exits with
//!   `EXIT_NOT_DISPATCHED` and the parent's `result()` is `ProcessNotDispatched`. The
//!   guard is made to go missing by an environment variable this program reads before
//!   calling `entry()`, which the child inherits.
//! * `concurrency::shutdown()`: joins non-daemon children and terminates daemon ones
//!   (CPython's atexit handler).
//!
//! A watchdog fails the binary if anything hangs.

#[cfg(not(target_os = "linux"))]
fn main() {}

#[cfg(target_os = "linux")]
fn main() {
    use concurrency::process::{self, Process, EXIT_NOT_DISPATCHED};
    use concurrency::Error;
    use std::time::Duration;

    /// Set in the parent to make its children skip `entry()`, as a program without the guard.
    const SKIP_GUARD: &str = "CONCURRENCY_TEST_SKIP_GUARD";

    if std::env::var_os(SKIP_GUARD).is_none() {
        process::entry();
    }
    // Only the test's own process gets here, or a child without the guard: that one must
    // refuse at its first start, never reach the rest of main.
    let guardless_child = std::env::var_os(SKIP_GUARD).is_some();

    const WATCHDOG: Duration = Duration::from_secs(60);
    std::thread::spawn(|| {
        std::thread::sleep(WATCHDOG);
        eprintln!("process_harnessless hung: no result within {WATCHDOG:?}");
        std::process::exit(1);
    });

    fn nap(secs: f64) {
        std::thread::sleep(Duration::from_secs_f64(secs));
    }
    fn touch_after(args: (f64, String)) {
        nap(args.0);
        std::fs::write(&args.1, "done").unwrap();
    }

    // MP-21. In the guardless child, this start refuses and exits the child.
    std::env::set_var(SKIP_GUARD, "1");
    let p = Process::builder().daemon(true).target(nap, 0.0).build();
    let started = p.start();
    assert!(
        !guardless_child,
        "a child without the guard got past Process::start"
    );
    std::env::remove_var(SKIP_GUARD);
    started.unwrap();
    assert_eq!(p.join(Duration::from_secs(30)), Ok(true));
    assert_eq!(p.exitcode(), Ok(Some(EXIT_NOT_DISPATCHED)));
    assert_eq!(
        p.result(),
        Err(Error::ProcessNotDispatched(EXIT_NOT_DISPATCHED))
    );
    println!("MP-21 no fork bomb: ok (exit code {EXIT_NOT_DISPATCHED})");

    // With the guard, the same program works.
    let p = Process::new(|x: i32| x + 1, 41);
    p.start().unwrap();
    assert_eq!(p.result(), Ok(42));
    println!("entry() in a harness-less main: ok");

    // shutdown(): the non-daemon child is joined (it finishes its file), the daemon one is
    // terminated.
    let dir = std::env::temp_dir().join(format!("concurrency-harnessless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("late");
    let late = Process::builder()
        .daemon(false)
        .target(touch_after, (0.3, file.to_string_lossy().into_owned()))
        .build();
    late.start().unwrap();
    let daemon = Process::builder().daemon(true).target(nap, 100.0).build();
    daemon.start().unwrap();
    concurrency::shutdown().unwrap();
    assert!(file.exists(), "shutdown joined the non-daemon child");
    assert_eq!(late.exitcode(), Ok(Some(0)));
    assert_eq!(
        daemon.exitcode(),
        Ok(Some(-15)),
        "shutdown terminated the daemon child"
    );
    assert!(concurrency::active_children().is_empty());
    let _ = std::fs::remove_dir_all(dir);
    println!("shutdown joins non-daemon children and terminates daemon ones: ok");
}
