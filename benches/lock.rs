//! `concurrency::Lock` against `std::sync::Mutex<()>` and `parking_lot::Mutex<()>`, side by
//! side in one run, reported as ratios (ours / reference):
//!
//! 1. uncontended acquire+release on one thread (ns per op; `acquire`/`release` and the guard);
//! 2. two threads contending, each doing N acquire+release pairs around a tiny critical section
//!    (total M ops/s; here a ratio above 1 means ours is faster);
//! 3. the cost of tracing: uncontended acquire+release with `trace` on versus off.
//!
//! Each figure is the median of 7 repetitions after a warm-up; implementations are interleaved
//! within every repetition so drift hits them all alike. The tracing section runs last and
//! switches tracing off again at the end.
//!
//! Run with `cargo bench --bench lock`; `BENCH_QUICK=1` divides the iterations by 20 (CI smoke).

mod common;

use common::{measure, ns_per_op, Quick, REPS};
use concurrency::{trace, Lock};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

const UNCONTENDED_ITERS: u64 = 5_000_000;
const CONTENDED_ITERS: u64 = 2_000_000;
/// Iterations between drains while tracing (2 events each, well below the ring's 1 << 16).
const TRACE_CHUNK: u64 = 8_192;

/// Two threads each run `pair` `iters` times, started together; returns total M ops/s.
/// `pair` must do one acquire, `counter += 1` (relaxed load + store), one release.
fn contended_mops(iters: u64, counter: &AtomicU64, pair: impl Fn() + Sync) -> f64 {
    counter.store(0, Relaxed);
    let barrier = Barrier::new(3);
    let mut start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                barrier.wait();
                for _ in 0..iters {
                    pair();
                }
            });
        }
        barrier.wait();
        start = Instant::now();
    });
    let elapsed = start.elapsed();
    // The lock is what keeps the non-atomic-style increments from losing updates.
    assert_eq!(
        counter.load(Relaxed),
        2 * iters,
        "lost updates: mutual exclusion failed"
    );
    (2 * iters) as f64 / elapsed.as_secs_f64() / 1e6
}

/// The critical section: an increment that would lose updates without the lock.
#[inline(always)]
fn bump(counter: &AtomicU64) {
    counter.store(black_box(counter.load(Relaxed)) + 1, Relaxed);
}

/// Uncontended acquire+release with tracing on, draining every `TRACE_CHUNK` iterations; the
/// drains are not timed. Returns ns per op.
fn traced_ns_per_op(lock: &Lock, iters: u64, events: &mut Vec<trace::Event>) -> f64 {
    trace::enable(1 << 16);
    let mut timed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = TRACE_CHUNK.min(iters - done);
        let start = Instant::now();
        for _ in 0..n {
            let l = black_box(lock);
            l.acquire(true, None).unwrap();
            l.release().unwrap();
        }
        timed += start.elapsed();
        trace::drain(events);
        events.clear();
        done += n;
    }
    trace::disable();
    trace::drain(events);
    events.clear();
    timed.as_nanos() as f64 / iters as f64
}

fn row(shape: &str, ours: f64, std: f64, pl: f64) {
    println!(
        "{shape:<36}{ours:>9.2}{std:>11.2}{pl:>14.2}{:>10.2}x{:>8.2}x",
        ours / std,
        ours / pl
    );
}

fn main() {
    let quick = Quick::from_env();
    let un = UNCONTENDED_ITERS / quick.div();
    let co = CONTENDED_ITERS / quick.div();
    let began = Instant::now();

    let ours = Lock::new();
    let std_m = Mutex::new(());
    let pl_m = parking_lot::Mutex::new(());

    // 1. Uncontended.
    let [o_acq, o_guard, s_un, p_un] = measure([
        &mut || {
            ns_per_op(un, || {
                let l = black_box(&ours);
                l.acquire(true, None).unwrap();
                l.release().unwrap();
            })
        },
        &mut || ns_per_op(un, || drop(black_box(&ours).guard().unwrap())),
        &mut || ns_per_op(un, || drop(black_box(&std_m).lock().unwrap())),
        &mut || ns_per_op(un, || drop(black_box(&pl_m).lock())),
    ]);

    // 2. Two threads contending.
    let counter = AtomicU64::new(0);
    let c = &counter;
    let [o_co, s_co, p_co] = measure([
        &mut || {
            contended_mops(co, c, || {
                ours.acquire(true, None).unwrap();
                bump(c);
                ours.release().unwrap();
            })
        },
        &mut || {
            contended_mops(co, c, || {
                let _g = std_m.lock().unwrap();
                bump(c);
            })
        },
        &mut || {
            contended_mops(co, c, || {
                let _g = pl_m.lock();
                bump(c);
            })
        },
    ]);

    // 3. Tracing off versus on (last: it leaves the trace ring allocated).
    let mut events = Vec::with_capacity(2 * TRACE_CHUNK as usize);
    let [t_off, t_on] = measure([
        &mut || {
            ns_per_op(un, || {
                let l = black_box(&ours);
                l.acquire(true, None).unwrap();
                l.release().unwrap();
            })
        },
        &mut || traced_ns_per_op(&ours, un, &mut events),
    ]);
    trace::disable();
    let dropped = trace::dropped();

    println!(
        "concurrency::Lock vs std::sync::Mutex<()> vs parking_lot::Mutex<()>: median of {REPS}, \
         {un} uncontended / {co} per thread contended iterations{}",
        quick.note()
    );
    println!(
        "{:<36}{:>9}{:>11}{:>14}{:>11}{:>9}",
        "shape", "ours", "std", "parking_lot", "ours/std", "ours/pl"
    );
    row("lock+unlock, 1 thread (ns)", o_acq, s_un, p_un);
    row("guard, 1 thread (ns)", o_guard, s_un, p_un);
    row("2 threads contending (M ops/s)", o_co, s_co, p_co);
    println!("(ns: lower is better; M ops/s: higher is better)");
    println!(
        "tracing on/off, lock+unlock 1 thread: {t_on:.2} ns / {t_off:.2} ns = {:.2}x \
         ({dropped} events dropped)",
        t_on / t_off
    );
    println!("total bench time: {:.1} s", began.elapsed().as_secs_f64());
}
