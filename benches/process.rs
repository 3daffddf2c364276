//! `concurrency::Process` start + join, side by side in one run, in milliseconds per process
//! (lower is better), reported as ratios:
//!
//! 1. ours, `spawn` start method: `Process::new(noop, ())`, `start()`, `join(None)`, one at a
//!    time; and the same with `result()` (the reply decoded) instead of `join`;
//! 2. the floor: `std::process::Command::new("/bin/true").status()` (a fork/exec of the
//!    smallest program and a wait, nothing of ours);
//! 3. CPython 3.11's `multiprocessing` with the `fork`, `spawn` and `forkserver` start methods
//!    (`benches/cpython_process.py`, run as `python3` after ours, never alongside).
//!
//! Each figure is the median of 7 repetitions after a warm-up, interleaved within every
//! repetition. Goal (issue 10): start + join ≤ 2 ms.
//!
//! Run with `cargo bench --bench process`; `BENCH_QUICK=1` divides the iterations by 20 (CI
//! smoke) and passes `--quick` to the CPython script. This binary's `main` calls
//! `concurrency::process::entry()` first: its children are this program again.

mod common;

#[cfg(target_os = "linux")]
fn main() {
    use common::{cpython_comparison, measure, Quick, Table, REPS};
    use concurrency::Process;
    use std::time::Instant;

    concurrency::process::entry();

    const ITERS: u64 = 100;
    const GOAL_MS: f64 = 2.0;

    fn noop(_: ()) {}
    fn ms_per(n: u64, mut op: impl FnMut()) -> f64 {
        let t = Instant::now();
        for _ in 0..n {
            op();
        }
        t.elapsed().as_secs_f64() * 1e3 / n as f64
    }

    let quick = Quick::from_env();
    let n = (ITERS / quick.div()).max(1);
    let began = Instant::now();
    let [ours_join, ours_result, floor] = measure([
        &mut || {
            ms_per(n, || {
                let p = Process::new(noop, ());
                p.start().expect("start");
                assert_eq!(p.join(None), Ok(true));
                assert_eq!(p.exitcode(), Ok(Some(0)));
            })
        },
        &mut || {
            ms_per(n, || {
                let p = Process::new(noop, ());
                p.start().expect("start");
                assert_eq!(p.result(), Ok(()));
            })
        },
        &mut || {
            ms_per(n, || {
                let s = std::process::Command::new("/bin/true")
                    .status()
                    .expect("/bin/true");
                assert!(s.success());
            })
        },
    ]);
    let rust_secs = began.elapsed().as_secs_f64();
    println!(
        "process start + join, ms per process, median of {REPS} x {n}{} (lower is better)",
        quick.note()
    );
    let t = Table {
        shape: 26,
        figure: 8,
        reference: 22,
    };
    t.heading("shape");
    let (line, _) = t.line("spawn start+join", ours_join, "Command /bin/true", floor);
    println!(
        "{line}  ≤ {GOAL_MS} ms: {}",
        if ours_join <= GOAL_MS {
            "met"
        } else {
            "not met"
        }
    );
    let (line, _) = t.line(
        "spawn start+result",
        ours_result,
        "Command /bin/true",
        floor,
    );
    println!("{line}");

    cpython_comparison(
        "benches/cpython_process.py",
        quick,
        ["fork_ms", "spawn_ms", "forkserver_ms"],
        began,
        rust_secs,
        |version, [fork, spawn, forkserver]| {
            println!(
                "vs CPython ({version}, benches/cpython_process.py{}; CPython / ours, higher \
                 is better)",
                quick.flag()
            );
            println!(
                "{:<34}{:>10}{:>10}{:>10}",
                "shape (ms per process)", "CPython", "ours", "speedup"
            );
            for (shape, cpy) in [
                ("start+join: fork vs our spawn", fork),
                ("start+join: spawn vs our spawn", spawn),
                ("start+join: forkserver vs spawn", forkserver),
            ] {
                println!(
                    "{shape:<34}{cpy:>10.2}{ours_join:>10.2}{:>9.1}x",
                    cpy / ours_join
                );
            }
        },
    );
}

#[cfg(not(target_os = "linux"))]
fn main() {}
