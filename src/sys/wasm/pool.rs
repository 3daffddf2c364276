//! The pool of Web Workers that library threads run on.
//!
//! Pooled workers live inside wasm: each runs [`worker_main`], which takes jobs (a boxed
//! closure in the shared memory) from one queue and parks on the seam when there are none.
//! So starting a thread is "push a job, wake one worker": no worker is created per thread,
//! and no message has to reach a worker that is busy in wasm.
//!
//! When a job is pushed and the idle workers (plus those already being started) are fewer than
//! the queued jobs, the pool asks the coordinator for one more worker (`request_worker`, a
//! postMessage that never blocks). The coordinator is a worker that never runs wasm, so its
//! event loop is always free to create workers: the thread that asked may block at once
//! without the nested-worker deadlock.
//!
//! | counter    | meaning (all under `STATE`'s lock)                                  |
//! |------------|---------------------------------------------------------------------|
//! | `jobs`     | threads started but not yet picked up                               |
//! | `idle`     | workers between "queue empty" and their next look at the queue      |
//! | `starting` | workers requested that have not reached `worker_main` yet           |
//! | `live`     | workers inside `worker_main`                                        |
//! | `failed`   | why the bridge gave up starting the pool (`start_failed`), if it did |

use crate::internal::Mutex;
use crate::primitive::{AtomicU32, Ordering::*};
use crate::sys::futex::{self, WaitOutcome};
use std::cell::Cell;
use std::collections::VecDeque;
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

struct State {
    running: bool,
    jobs: VecDeque<Job>,
    idle: u32,
    starting: u32,
    live: u32,
    /// Workers kept even when idle (the size the pool was started with).
    keep: u32,
    failed: Option<String>,
}

static STATE: Mutex<State> = Mutex::new(State {
    running: false,
    jobs: VecDeque::new(),
    idle: 0,
    starting: 0,
    live: 0,
    keep: 0,
    failed: None,
});

/// Bumped on every push: a worker parks only while it is unchanged since it saw the queue
/// empty, so a push between "empty" and "park" is never missed.
static SIGNAL: AtomicU32 = AtomicU32::new(0);
static NEXT_WORKER: AtomicU32 = AtomicU32::new(1);

/// How long an extra worker idles before it retires (its stack and TLS are then freed).
const RETIRE_AFTER: Duration = Duration::from_secs(30);

thread_local! {
    static WORKER_NUMBER: Cell<u32> = const { Cell::new(0) };
}

pub(crate) fn worker_number() -> u32 {
    WORKER_NUMBER.with(Cell::get)
}

/// Records that `count` workers are being started. Returns false if the pool already runs.
pub(crate) fn begin(count: u32) -> bool {
    let mut s = STATE.lock();
    if s.running {
        return false;
    }
    s.running = true;
    s.starting += count;
    s.keep = count;
    true
}

/// The bridge gave up starting the pool (a worker failed, or none came up in time): `why`
/// says how many came up. Called once, from the agent that started the pool.
pub(crate) fn start_failed(why: String) {
    STATE.lock().failed = Some(why);
}

/// Queues a job for a pooled worker. Never blocks (callable on the page).
pub(crate) fn spawn(_name: &str, job: Job) -> Result<(), String> {
    let grow = {
        let mut s = STATE.lock();
        if !s.running {
            return Err("no worker pool: call start_workers(n) before starting threads".into());
        }
        // A job queued where no worker is up, nor is coming, would wait for ever. Workers that
        // come up late (after the bridge gave up) still take jobs: then `live` is above zero.
        if let Some(why) = s.failed.as_ref().filter(|_| s.live == 0) {
            return Err(format!("the worker pool could not start: {why}"));
        }
        s.jobs.push_back(job);
        let grow = s.jobs.len() as u32 > s.idle + s.starting;
        if grow {
            s.starting += 1;
        }
        grow
    };
    SIGNAL.fetch_add(1, Release);
    futex::wake_one(&SIGNAL);
    if grow {
        super::host::request_worker();
    }
    Ok(())
}

/// The loop each pooled worker runs; returns when the worker retires.
pub fn worker_main() {
    WORKER_NUMBER.with(|n| n.set(NEXT_WORKER.fetch_add(1, Relaxed)));
    install_panic_hook();
    {
        let mut s = STATE.lock();
        s.starting = s.starting.saturating_sub(1);
        s.live += 1;
    }
    loop {
        let seen = SIGNAL.load(Acquire);
        let job = {
            let mut s = STATE.lock();
            let job = s.jobs.pop_front();
            if job.is_none() {
                s.idle += 1;
            }
            job
        };
        if let Some(job) = job {
            job();
            continue;
        }
        let outcome = futex::wait(&SIGNAL, seen, Some(RETIRE_AFTER));
        let mut s = STATE.lock();
        s.idle -= 1;
        if outcome == WaitOutcome::TimedOut && s.jobs.is_empty() && s.live > s.keep {
            s.live -= 1;
            return;
        }
    }
}

/// With panic=abort a panic traps the worker. Before it does, report the panic of the library
/// thread that ran there (excepthook), let its joiners go, and count the worker as gone; the
/// bridge then replaces it.
fn install_panic_hook() {
    static INSTALLED: AtomicU32 = AtomicU32::new(0);
    if INSTALLED.swap(1, Relaxed) == 1 {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if worker_number() != 0 {
            let mut s = STATE.lock();
            s.live = s.live.saturating_sub(1);
        }
        let message = crate::thread::payload_text(info.payload());
        if !crate::thread::on_fatal_panic(&message) {
            previous(info);
        }
    }));
}
