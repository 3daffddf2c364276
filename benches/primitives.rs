//! `RLock`, `Semaphore`, `Event` and `Condition` against their Rust peers, side by side in one
//! run, reported as ratios (ours / reference; every figure here is a time, lower is better):
//!
//! 1. uncontended `RLock` acquire+release vs `parking_lot::ReentrantMutex<()>` (ns);
//! 2. uncontended `Semaphore(1)` acquire+release vs a semaphore on `parking_lot::Mutex<u32>` +
//!    `Condvar` and one on `std::sync::Mutex<u32>` + `Condvar` (ns);
//! 3. `Event` ping-pong between two threads (A, B: one side sets A, waits B, clears B; the other
//!    waits A, clears A, sets B) vs the same events on `Mutex<bool>` + `Condvar` (µs per round
//!    trip);
//! 4. `Condition` ping-pong: a turn variable guarded by the condition's lock, each side waits
//!    for its turn, passes it and notifies; over an RLock (`Condition()`) and over a Lock, vs
//!    std and parking_lot `Mutex<u32>` + `Condvar` (µs per round trip).
//!
//! Two threads contending for a `Lock` is `benches/lock.rs`'s business and is not repeated here.
//!
//! Each figure is the median of 7 repetitions after a warm-up; implementations are interleaved
//! within every repetition so drift hits them all alike. Then `benches/cpython_baseline.py`
//! measures the same four shapes in CPython (run as `python3`, after ours, never alongside) and
//! a second table gives our speedup over it; without a working `python3` that table is skipped.
//!
//! Run with `cargo bench --bench primitives`; `BENCH_QUICK=1` divides the iterations by 20 (CI
//! smoke) and passes `--quick` to the CPython script.

mod common;

use common::{cpython_comparison, measure, ns_per_op, Quick, Table, REPS};
use concurrency::{Condition, ConditionLock, Event, Lock, RLock, Semaphore};
use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Barrier, Condvar, Mutex};
use std::time::Instant;

const RLOCK_ITERS: u64 = 5_000_000;
const SEMAPHORE_ITERS: u64 = 2_000_000;
/// std's Condvar makes a futex syscall on every notify, so its semaphore gets fewer iterations.
const STD_SEMAPHORE_ITERS: u64 = 500_000;
const ROUND_TRIPS: u64 = 10_000;

/// Runs `side1` `n` times on this thread and `side2` `n` times on a second one, started
/// together; returns µs per round trip, timed from the common start until the second thread has
/// been joined (so the last half trip counts whichever side finishes it).
fn ping_pong_us(n: u64, mut side1: impl FnMut(), mut side2: impl FnMut() + Send) -> f64 {
    let start = Barrier::new(2);
    let mut began = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            start.wait();
            for _ in 0..n {
                side2();
            }
        });
        start.wait();
        began = Instant::now();
        for _ in 0..n {
            side1();
        }
    });
    began.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// A counting semaphore on parking_lot's Mutex + Condvar; release notifies one.
struct PlSemaphore {
    value: parking_lot::Mutex<u32>,
    cv: parking_lot::Condvar,
}

impl PlSemaphore {
    fn new(value: u32) -> PlSemaphore {
        PlSemaphore {
            value: parking_lot::Mutex::new(value),
            cv: parking_lot::Condvar::new(),
        }
    }
    fn acquire(&self) {
        let mut v = self.value.lock();
        while *v == 0 {
            self.cv.wait(&mut v);
        }
        *v -= 1;
    }
    fn release(&self) {
        *self.value.lock() += 1;
        self.cv.notify_one();
    }
}

/// The same semaphore on std's Mutex + Condvar.
struct StdSemaphore {
    value: Mutex<u32>,
    cv: Condvar,
}

impl StdSemaphore {
    fn new(value: u32) -> StdSemaphore {
        StdSemaphore {
            value: Mutex::new(value),
            cv: Condvar::new(),
        }
    }
    fn acquire(&self) {
        let mut v = self.value.lock().unwrap();
        while *v == 0 {
            v = self.cv.wait(v).unwrap();
        }
        *v -= 1;
    }
    fn release(&self) {
        *self.value.lock().unwrap() += 1;
        self.cv.notify_one();
    }
}

/// An event flag on std's Mutex<bool> + Condvar; set notifies all (after unlocking).
struct StdEvent {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl StdEvent {
    fn new() -> StdEvent {
        StdEvent {
            flag: Mutex::new(false),
            cv: Condvar::new(),
        }
    }
    fn set(&self) {
        *self.flag.lock().unwrap() = true;
        self.cv.notify_all();
    }
    fn clear(&self) {
        *self.flag.lock().unwrap() = false;
    }
    fn wait(&self) {
        let mut f = self.flag.lock().unwrap();
        while !*f {
            f = self.cv.wait(f).unwrap();
        }
    }
}

/// The same event on parking_lot's Mutex<bool> + Condvar.
struct PlEvent {
    flag: parking_lot::Mutex<bool>,
    cv: parking_lot::Condvar,
}

impl PlEvent {
    fn new() -> PlEvent {
        PlEvent {
            flag: parking_lot::Mutex::new(false),
            cv: parking_lot::Condvar::new(),
        }
    }
    fn set(&self) {
        *self.flag.lock() = true;
        self.cv.notify_all();
    }
    fn clear(&self) {
        *self.flag.lock() = false;
    }
    fn wait(&self) {
        let mut f = self.flag.lock();
        while !*f {
            self.cv.wait(&mut f);
        }
    }
}

/// One side of the condition ping-pong on ours: wait for `me`'s turn, pass it, notify. `turn`
/// is only touched under the condition's lock, which orders it (hence Relaxed).
fn cond_side(cond: &Condition, turn: &AtomicU32, me: u32) {
    cond.acquire(true, None).unwrap();
    while turn.load(Relaxed) != me {
        cond.wait(None).unwrap();
    }
    turn.store(1 - me, Relaxed);
    cond.notify(1).unwrap();
    cond.release().unwrap();
}

/// The same on std's Mutex<u32> + Condvar (notifying with the lock held, as a Condition must).
fn std_cond_side(turn: &Mutex<u32>, cv: &Condvar, me: u32) {
    let mut t = turn.lock().unwrap();
    while *t != me {
        t = cv.wait(t).unwrap();
    }
    *t = 1 - me;
    cv.notify_one();
}

/// The same on parking_lot's Mutex<u32> + Condvar.
fn pl_cond_side(turn: &parking_lot::Mutex<u32>, cv: &parking_lot::Condvar, me: u32) {
    let mut t = turn.lock();
    while *t != me {
        cv.wait(&mut t);
    }
    *t = 1 - me;
    cv.notify_one();
}

/// The first table's columns.
const TABLE: Table = Table {
    shape: 38,
    figure: 9,
    reference: 34,
};

/// One line of the first table. An empty `shape` continues the shape above: `ours` is not
/// repeated, only the ratio to another reference. `goal`: the ratio asked for, if any.
fn row(shape: &str, ours: f64, reference: &str, refv: f64, goal: Option<f64>) {
    let (line, ratio) = TABLE.line(shape, ours, reference, refv);
    match goal {
        Some(g) => {
            let verdict = if ratio <= g { "met" } else { "MISSED" };
            println!("{line}  ≤ {g}x {verdict}");
        }
        None => println!("{line}"),
    }
}

fn main() {
    let quick = Quick::from_env();
    let div = quick.div();
    let (rl_n, sem_n, std_sem_n, rt) = (
        RLOCK_ITERS / div,
        SEMAPHORE_ITERS / div,
        STD_SEMAPHORE_ITERS / div,
        ROUND_TRIPS / div,
    );
    let began = Instant::now();

    // 1. RLock, uncontended.
    let rlock = RLock::new();
    let pl_rm = parking_lot::ReentrantMutex::new(());
    let [o_rl, p_rl] = measure([
        &mut || {
            ns_per_op(rl_n, || {
                let l = black_box(&rlock);
                l.acquire(true, None).unwrap();
                l.release().unwrap();
            })
        },
        &mut || ns_per_op(rl_n, || drop(black_box(&pl_rm).lock())),
    ]);

    // 2. Semaphore(1), uncontended.
    let sem = Semaphore::new(1).unwrap();
    let pl_sem = PlSemaphore::new(1);
    let std_sem = StdSemaphore::new(1);
    let [o_sem, p_sem, s_sem] = measure([
        &mut || {
            ns_per_op(sem_n, || {
                let s = black_box(&sem);
                s.acquire(true, None).unwrap();
                s.release(1).unwrap();
            })
        },
        &mut || {
            ns_per_op(sem_n, || {
                let s = black_box(&pl_sem);
                s.acquire();
                s.release();
            })
        },
        &mut || {
            ns_per_op(std_sem_n, || {
                let s = black_box(&std_sem);
                s.acquire();
                s.release();
            })
        },
    ]);

    // 3. Event ping-pong.
    let (a, b) = (Event::new(), Event::new());
    let (sa, sb) = (StdEvent::new(), StdEvent::new());
    let (pa, pb) = (PlEvent::new(), PlEvent::new());
    let [o_ev, s_ev, p_ev] = measure([
        &mut || {
            ping_pong_us(
                rt,
                || {
                    a.set();
                    b.wait(None).unwrap();
                    b.clear();
                },
                || {
                    a.wait(None).unwrap();
                    a.clear();
                    b.set();
                },
            )
        },
        &mut || {
            ping_pong_us(
                rt,
                || {
                    sa.set();
                    sb.wait();
                    sb.clear();
                },
                || {
                    sa.wait();
                    sa.clear();
                    sb.set();
                },
            )
        },
        &mut || {
            ping_pong_us(
                rt,
                || {
                    pa.set();
                    pb.wait();
                    pb.clear();
                },
                || {
                    pa.wait();
                    pa.clear();
                    pb.set();
                },
            )
        },
    ]);

    // 4. Condition ping-pong (each run ends with turn back at 0).
    let cond_r = Condition::new();
    let cond_l = Condition::with_lock(ConditionLock::Lock(std::sync::Arc::new(Lock::new())));
    let (turn_r, turn_l) = (AtomicU32::new(0), AtomicU32::new(0));
    let (s_turn, s_cv) = (Mutex::new(0u32), Condvar::new());
    let (p_turn, p_cv) = (parking_lot::Mutex::new(0u32), parking_lot::Condvar::new());
    let [o_cr, o_cl, s_c, p_c] = measure([
        &mut || {
            ping_pong_us(
                rt,
                || cond_side(&cond_r, &turn_r, 0),
                || cond_side(&cond_r, &turn_r, 1),
            )
        },
        &mut || {
            ping_pong_us(
                rt,
                || cond_side(&cond_l, &turn_l, 0),
                || cond_side(&cond_l, &turn_l, 1),
            )
        },
        &mut || {
            ping_pong_us(
                rt,
                || std_cond_side(&s_turn, &s_cv, 0),
                || std_cond_side(&s_turn, &s_cv, 1),
            )
        },
        &mut || {
            ping_pong_us(
                rt,
                || pl_cond_side(&p_turn, &p_cv, 0),
                || pl_cond_side(&p_turn, &p_cv, 1),
            )
        },
    ]);
    let rust_secs = began.elapsed().as_secs_f64();

    println!(
        "concurrency primitives vs Rust peers: median of {REPS}; {rl_n} RLock / {sem_n} \
         Semaphore ({std_sem_n} for std's) iterations, {rt} round trips{}",
        quick.note()
    );
    TABLE.heading("shape");
    row(
        "RLock acquire+release (ns)",
        o_rl,
        "parking_lot ReentrantMutex<()>",
        p_rl,
        Some(1.2),
    );
    row(
        "Semaphore(1) acquire+release (ns)",
        o_sem,
        "parking_lot Mutex<u32>+Condvar",
        p_sem,
        Some(1.0),
    );
    row("", o_sem, "std Mutex<u32>+Condvar", s_sem, None);
    row(
        "Event ping-pong round trip (µs)",
        o_ev,
        "std Mutex<bool>+Condvar",
        s_ev,
        Some(1.3),
    );
    row("", o_ev, "parking_lot Mutex<bool>+Condvar", p_ev, None);
    row(
        "Condition(RLock) ping-pong RTT (µs)",
        o_cr,
        "std Mutex<u32>+Condvar",
        s_c,
        Some(1.3),
    );
    row("", o_cr, "parking_lot Mutex<u32>+Condvar", p_c, None);
    row(
        "Condition(Lock) ping-pong RTT (µs)",
        o_cl,
        "std Mutex<u32>+Condvar",
        s_c,
        Some(1.3),
    );
    row("", o_cl, "parking_lot Mutex<u32>+Condvar", p_c, None);
    println!("(all times: lower is better; 2 threads contending for a Lock: see benches/lock.rs)");

    cpython_comparison(
        "benches/cpython_baseline.py",
        quick,
        [
            "rlock_ns",
            "semaphore_ns",
            "event_rtt_us",
            "condition_rtt_us",
        ],
        began,
        rust_secs,
        |version, [rlock_ns, semaphore_ns, event_rtt_us, condition_rtt_us]| {
            println!(
                "speedup vs CPython 3.11 ({version}, benches/cpython_baseline.py{}; CPython / \
                 ours, higher is better)",
                quick.flag()
            );
            println!(
                "{:<38}{:>10}{:>10}{:>10}",
                "shape", "CPython", "ours", "speedup"
            );
            for (shape, cpy, ours) in [
                ("RLock acquire+release (ns)", rlock_ns, o_rl),
                ("Semaphore(1) acquire+release (ns)", semaphore_ns, o_sem),
                ("Event ping-pong round trip (µs)", event_rtt_us, o_ev),
                ("Condition() ping-pong RTT (µs)", condition_rtt_us, o_cr),
            ] {
                println!("{shape:<38}{cpy:>10.2}{ours:>10.2}{:>9.1}x", cpy / ours);
            }
            println!("(Condition(): over an RLock on both sides)");
        },
    );
}
