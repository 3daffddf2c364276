//! `concurrency::ipc::Queue` throughput between two processes, side by side in one run, in ns
//! per item (lower is better), reported as ratios:
//!
//! 1. small items (`u64`) through an unbounded `Queue`: a producer child puts them, this
//!    process gets them;
//! 2. the same through `Queue::new(100)`, so the producer keeps waiting for room;
//! 3. the reference: the same items through a one-way `Pipe` (the same ring, one writer and
//!    one reader, no locks and no counters): what the queue's locking costs.
//!
//! Each run starts a producer child (a `concurrency::Process` with the queue in its
//! arguments), which puts N + 1 items; the clock starts at the first item received (the child
//! is running) and stops at the last, so process start-up is not counted. Each figure is the
//! median of 7 runs after a warm-up, the shapes interleaved. Then
//! `benches/cpython_process_queue.py` measures `multiprocessing.Queue()` and `Queue(100)` the
//! same way in CPython (run as `python3`, after ours, never alongside), and a second table
//! gives our speedup over it; goal ≥ 10x (issue 10).
//!
//! Run with `cargo bench --bench process_queue`; `BENCH_QUICK=1` divides N by 20. This
//! binary's `main` calls `concurrency::process::entry()` first: its children are this program
//! again.

mod common;

#[cfg(target_os = "linux")]
fn main() {
    linux::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("the process queue bench needs Linux");
}

#[cfg(target_os = "linux")]
mod linux {
    use super::common::{cpython_comparison, measure, Quick, Table, REPS};
    use concurrency::ipc::{pipe, Connection, Queue};
    use concurrency::Process;
    use std::time::Instant;

    const ITEMS: u64 = 200_000;
    /// Goal: ours ≥ 10x CPython's items per second.
    const CPYTHON_GOAL: f64 = 10.0;

    const TABLE: Table = Table {
        shape: 28,
        figure: 8,
        reference: 30,
    };

    /// The producer: items 0..=n (item 0 tells the consumer it is running).
    fn produce((q, n): (Queue<u64>, u64)) {
        for i in 0..=n {
            q.put(&i, true, None).expect("put");
        }
    }

    /// The reference producer: the same items through a one-way pipe.
    fn send_all((c, n): (Connection, u64)) {
        for i in 0..=n {
            c.send(&i).expect("send");
        }
    }

    /// Nanoseconds per item from the first item received to the last.
    fn ns_per_item(n: u64, mut get: impl FnMut() -> u64) -> f64 {
        assert_eq!(get(), 0);
        let t = Instant::now();
        for i in 1..=n {
            assert_eq!(get(), i);
        }
        t.elapsed().as_nanos() as f64 / n as f64
    }

    fn through_queue(n: u64, maxsize: usize) -> f64 {
        let q: Queue<u64> = Queue::new(maxsize).expect("queue");
        let p = Process::new(produce, (q.clone(), n));
        p.start().expect("start");
        let ns = ns_per_item(n, || q.get(true, None).expect("get"));
        assert_eq!(p.join(None), Ok(true));
        assert_eq!(p.exitcode(), Ok(Some(0)));
        ns
    }

    fn through_pipe(n: u64) -> f64 {
        let (reader, writer) = pipe(false).expect("pipe");
        let p = Process::new(send_all, (writer, n));
        p.start().expect("start");
        let ns = ns_per_item(n, || reader.recv().expect("recv"));
        assert_eq!(p.join(None), Ok(true));
        ns
    }

    pub fn main() {
        concurrency::process::entry();
        let quick = Quick::from_env();
        let n = ITEMS / quick.div();
        let began = Instant::now();
        let [unbounded, bounded, piped] = measure([
            &mut || through_queue(n, 0),
            &mut || through_queue(n, 100),
            &mut || through_pipe(n),
        ]);
        let rust_secs = began.elapsed().as_secs_f64();

        println!(
            "concurrency::ipc::Queue, a producer process and a consumer process: median of \
             {REPS}, {n} items per run{}",
            quick.note()
        );
        TABLE.heading("shape (ns per item)");
        for (shape, ours) in [
            ("1. u64, Queue()", unbounded),
            ("2. u64, Queue(100)", bounded),
        ] {
            let (line, _) = TABLE.line(shape, ours, "one-way Pipe, same items", piped);
            println!("{line}");
        }
        println!(
            "(lower is better; ours/ref is what the queue's two locks and counters cost over \
             the bare ring; items per second = 1e9 / ns)"
        );

        cpython_comparison(
            "benches/cpython_process_queue.py",
            quick,
            ["queue_item_ns", "bounded_queue_item_ns"],
            began,
            rust_secs,
            |version, [cpy_unbounded, cpy_bounded]| {
                println!(
                    "speedup vs CPython 3.11 ({version}, benches/cpython_process_queue.py{}, \
                     multiprocessing.Queue with a forked producer; CPython / ours, higher is \
                     better)",
                    quick.flag()
                );
                println!(
                    "{:<30}{:>10}{:>10}{:>10}  goal",
                    "shape (ns per item)", "CPython", "ours", "speedup"
                );
                for (shape, cpy, ours) in [
                    ("int through Queue()", cpy_unbounded, unbounded),
                    ("int through Queue(100)", cpy_bounded, bounded),
                ] {
                    let speedup = cpy / ours;
                    let verdict = if speedup >= CPYTHON_GOAL {
                        "met"
                    } else {
                        "MISSED"
                    };
                    println!(
                        "{shape:<30}{cpy:>10.0}{ours:>10.0}{speedup:>9.1}x  ≥ {CPYTHON_GOAL}x \
                         {verdict}"
                    );
                }
            },
        );
    }
}
