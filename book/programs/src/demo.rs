//! What a page asks for, run: a program's name and numbers become a [`Program`], started on a
//! library thread of its own ([`start`]); its result is kept as JSON for the page to poll
//! ([`result`]). Platform-independent, so the same dispatch is tested natively; `web.rs` only
//! exposes it to JavaScript.
//!
//! Nothing here blocks the caller: on the page's main thread a blocking wait would trap. The
//! run table is written only by the caller of [`start`] (the page), and a run's result is a
//! `OnceLock` the program's thread sets once and the page reads without waiting.
//!
//! The page's buttons reach a running program without blocking: [`set_event`],
//! [`shutdown_queue`], [`abort_barrier`], and [`stop`], which asks any run to stop.
//!
//! ## What Stop can and cannot do
//!
//! A thread cannot be killed, in Rust as in Python: it can only be asked to stop, and it stops
//! where it looks. [`stop`] sets the run's [`Stop`] flag, which the programs' loops test once
//! per iteration or round, and pokes the waits the library can cancel: a queue run's queue is
//! shut down at once (`shutdown(true)`), an event run's event is set, a barrier run's barrier
//! is aborted. A sleep (a step of "work") is not cut short; it ends on its own.
//!
//! A deadlocked run cannot be interrupted. Its threads are blocked in `acquire` on a lock that
//! only the other one could release, and nothing but a release or their timeout wakes them:
//! they end when their patience runs out, as they would without Stop (the result then says
//! `"stopped": true` and "gave up"). That is the lesson of the Deadlock page: once the cycle
//! closes, only a timeout gets you out.

use crate::common::Stop;
use crate::{barrier, condition, counter, deadlock, event, queue, rlock, semaphore};
use concurrency::{monotonic, Error, Event, Queue, Thread, Timeout};
use serde::Serialize;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

/// A program of the book and its parameters, parsed from the page's numbers.
///
/// | program     | args                                                        |
/// |-------------|-------------------------------------------------------------|
/// | `counter`   | threads, iterations, locked (0/1)                           |
/// | `rlock`     | threads, rounds, work ms                                    |
/// | `rlock_owner` | —                                                         |
/// | `semaphore` | threads, permits, work ms                                   |
/// | `bounded`   | —                                                           |
/// | `event`     | runners, patience ms                                        |
/// | `condition` | producers, consumers, items per producer, capacity, ms      |
/// | `barrier`   | threads, rounds, unit ms                                    |
/// | `barrier_broken` | threads (≥ 2), timeout ms (0: none), late ms (0: default) |
/// | `deadlock`  | ordered (0/1), hold ms, patience ms (ignored with detect), detect (0/1) |
/// | `queue`     | producers, consumers, maxsize, items each, make ms, take ms |
/// | `orders`    | the items                                                   |
///
/// Numbers are clamped to what a page may ask (at most 64 threads, 60 s, 10^8 iterations);
/// NaN and negative numbers count as 0.
#[derive(Clone, Debug, PartialEq)]
pub enum Program {
    Counter {
        threads: usize,
        iterations: u64,
        locked: bool,
    },
    RLock {
        threads: usize,
        rounds: u64,
        work: Duration,
    },
    RLockOwner,
    Semaphore {
        threads: usize,
        permits: i64,
        work: Duration,
    },
    Bounded,
    Event {
        runners: usize,
        patience: Duration,
    },
    Condition {
        producers: usize,
        consumers: usize,
        per: u32,
        capacity: u32,
        work: Duration,
    },
    Barrier {
        threads: usize,
        rounds: u32,
        unit: Duration,
    },
    BarrierBroken {
        threads: usize,
        timeout: Option<Duration>,
        late: Option<Duration>,
    },
    Deadlock {
        ordered: bool,
        hold: Duration,
        patience: Duration,
        detect: bool,
    },
    Queue {
        producers: usize,
        consumers: usize,
        maxsize: usize,
        items: u32,
        make: Duration,
        take: Duration,
    },
    Orders {
        items: Vec<u32>,
    },
}

impl Program {
    /// The program called `name`, with `args` as the table above says.
    pub fn parse(name: &str, args: &[f64]) -> Result<Program, Error> {
        // `f64::max` turns NaN into 0 here.
        let arg = |i: usize| args.get(i).copied().unwrap_or(0.0).max(0.0);
        let n = |i: usize| arg(i).min(64.0) as usize;
        let count = |i: usize, most: f64| arg(i).min(most) as u64;
        let ms = |i: usize| Duration::from_secs_f64(arg(i).min(60_000.0) / 1000.0);
        let flag = |i: usize| arg(i) > 0.0;
        Ok(match name {
            "counter" => Program::Counter {
                threads: n(0),
                iterations: count(1, 1e8),
                locked: flag(2),
            },
            "rlock" => Program::RLock {
                threads: n(0),
                rounds: count(1, 1e6),
                work: ms(2),
            },
            // At least one permit, consumer and shelf slot: with none, a program could never
            // end (its threads would wait for what nobody can give).
            "semaphore" => Program::Semaphore {
                threads: n(0),
                permits: n(1).max(1) as i64,
                work: ms(2),
            },
            "rlock_owner" => Program::RLockOwner,
            "bounded" => Program::Bounded,
            "event" => Program::Event {
                runners: n(0),
                patience: ms(1),
            },
            "condition" => Program::Condition {
                producers: n(0),
                consumers: n(1).max(1),
                per: count(2, 1e6) as u32,
                capacity: count(3, 1e6).max(1) as u32,
                work: ms(4),
            },
            "barrier" => Program::Barrier {
                threads: n(0).max(1),
                rounds: count(1, 1e6) as u32,
                unit: ms(2),
            },
            "barrier_broken" => Program::BarrierBroken {
                threads: n(0).max(2),
                timeout: Some(ms(1)).filter(|t| !t.is_zero()),
                late: Some(ms(2)).filter(|t| !t.is_zero()),
            },
            "deadlock" => Program::Deadlock {
                ordered: flag(0),
                hold: ms(1),
                patience: ms(2),
                detect: flag(3),
            },
            "queue" => Program::Queue {
                producers: n(0),
                consumers: n(1).max(1),
                maxsize: count(2, 1e6) as usize,
                items: count(3, 1e5) as u32,
                make: ms(4),
                take: ms(5),
            },
            "orders" => Program::Orders {
                items: args
                    .iter()
                    .take(64)
                    .map(|&x| x.max(0.0).min(1e9) as u32)
                    .collect(),
            },
            _ => return Err(Error::InvalidArgument("no program with that name")),
        })
    }
}

/// What a run reports: its program's fields, and how long it took.
#[derive(Serialize)]
struct Report<T: Serialize> {
    #[serde(flatten)]
    outcome: T,
    elapsed_ms: f64,
    /// Whether the page asked the run to stop ([`stop`]) before it ended.
    stopped: bool,
}

/// One run: what the page may poll or poke while it goes on.
struct Run {
    result: OnceLock<String>,
    /// The Event of an `event` run, for the page's Set button.
    event: Option<Arc<Event>>,
    /// The queue of a `queue` run, for the page's Shutdown buttons.
    queue: Option<Arc<Queue<u32>>>,
    /// The run's stop flag; it also holds a barrier run's barrier, for the Abort button.
    stop: Stop,
}

static RUNS: RwLock<Vec<Arc<Run>>> = RwLock::new(Vec::new());

/// A started run: its number (for [`result`] and the buttons) and its program thread's trace
/// id (every thread it starts, every primitive they make, belong to this run).
#[derive(Serialize, Debug, Clone, Copy)]
pub struct Started {
    pub run: u32,
    pub thread: u64,
}

/// Starts `program` on a library thread of its own; returns at once.
pub fn start(program: Program) -> Result<Started, Error> {
    let run = Arc::new(Run {
        result: OnceLock::new(),
        event: matches!(program, Program::Event { .. }).then(|| Arc::new(Event::new())),
        queue: match program {
            Program::Queue { maxsize, .. } => Some(Arc::new(Queue::new(maxsize))),
            _ => None,
        },
        stop: Stop::new(),
    });
    let name = format!("main ({})", program_name(&program));
    let r = run.clone();
    let thread = Thread::builder()
        .name(name)
        .target(move || {
            let started = monotonic();
            let outcome = execute(program, &r);
            let elapsed_ms = (monotonic() - started).as_secs_f64() * 1e3;
            let stopped = r.stop.requested();
            let json = match outcome {
                Ok(fields) => serde_json::to_string(&Report {
                    outcome: fields,
                    elapsed_ms,
                    stopped,
                }),
                Err(e) => serde_json::to_string(&Report {
                    outcome: Failure {
                        error: e.to_string(),
                    },
                    elapsed_ms,
                    stopped,
                }),
            };
            let _ = r
                .result
                .set(json.unwrap_or_else(|e| format!(r#"{{"error":"{e}"}}"#)));
        })
        .build();
    let id = {
        let mut runs = RUNS
            .write()
            .map_err(|_| Error::InvalidArgument("the run table is poisoned"))?;
        runs.push(run);
        runs.len() as u32 - 1
    };
    thread.start()?;
    Ok(Started {
        run: id,
        thread: thread.trace_id().into(),
    })
}

#[derive(Serialize)]
struct Failure {
    error: String,
}

fn program_name(p: &Program) -> &'static str {
    match p {
        Program::Counter { .. } => "counter",
        Program::RLock { .. } => "rlock",
        Program::RLockOwner => "rlock_owner",
        Program::Semaphore { .. } => "semaphore",
        Program::Bounded => "bounded",
        Program::Event { .. } => "event",
        Program::Condition { .. } => "condition",
        Program::Barrier { .. } => "barrier",
        Program::BarrierBroken { .. } => "barrier_broken",
        Program::Deadlock { .. } => "deadlock",
        Program::Queue { .. } => "queue",
        Program::Orders { .. } => "orders",
    }
}

/// Runs `program` on the calling thread; its result's fields as JSON.
fn execute(program: Program, run: &Run) -> Result<serde_json::Value, Error> {
    use serde_json::json;
    let stop = &run.stop;
    Ok(match program {
        Program::Counter {
            threads,
            iterations,
            locked,
        } => {
            let total = if locked {
                counter::count_with_lock(threads, iterations, stop)
            } else {
                counter::count_without_lock(threads, iterations, stop)
            }?;
            json!({ "total": total, "expected": threads as u64 * iterations, "locked": locked })
        }
        Program::RLock {
            threads,
            rounds,
            work,
        } => {
            let balance = rlock::clerks(threads, rounds, work, stop)?;
            json!({ "balance": balance, "expected": threads as u64 * rounds * 2 })
        }
        Program::RLockOwner => {
            serde_json::to_value(rlock::release_by_non_owner(rlock::OWNER_HOLDS)?)
                .map_err(|_| Error::InvalidArgument("the result is not JSON"))?
        }
        Program::Semaphore {
            threads,
            permits,
            work,
        } => {
            let most = semaphore::downloads(threads, permits, work, stop)?;
            json!({ "most": most, "permits": permits })
        }
        Program::Bounded => {
            let (refused, value) = semaphore::over_release()?;
            json!({ "refused": refused.to_string(), "value": value })
        }
        Program::Event { runners, patience } => {
            let start = run
                .event
                .clone()
                .ok_or(Error::InvalidArgument("no event"))?;
            let saw = event::starting_line(start, runners, patience)?;
            json!({ "saw": saw, "runners": runners })
        }
        Program::Condition {
            producers,
            consumers,
            per,
            capacity,
            work,
        } => {
            let consumed = condition::shelf(producers, consumers, per, capacity, work, stop)?;
            json!({ "consumed": consumed, "expected": producers as u64 * u64::from(per) })
        }
        Program::Barrier {
            threads,
            rounds,
            unit,
        } => {
            let ended = barrier::rounds(threads, rounds, unit, stop)?;
            json!({ "trips": ended.trips, "rounds": rounds, "broken": ended.broken })
        }
        Program::BarrierBroken {
            threads,
            timeout,
            late,
        } => {
            let outcomes = barrier::late_worker(threads, timeout, late, stop)?;
            json!({
                "outcomes": outcomes,
                "late": outcomes.len() - 1,
                "timeout_ms": timeout.map(|t| t.as_secs_f64() * 1e3),
            })
        }
        Program::Deadlock {
            ordered,
            hold,
            patience,
            detect,
        } => {
            // Detection refuses only a wait that would never end: with it on, the second lock
            // is awaited without a timeout (a timed wait is never refused).
            let patience = if detect {
                Timeout::FOREVER
            } else {
                Timeout::after(patience)
            };
            concurrency::inspect::set_deadlock_detection(detect);
            let outcomes = deadlock::two_locks(ordered, hold, patience);
            concurrency::inspect::set_deadlock_detection(false);
            let text: Vec<String> = outcomes?
                .iter()
                .map(|o| match o {
                    deadlock::Outcome::Done => "done".to_owned(),
                    deadlock::Outcome::GaveUp => "gave up".to_owned(),
                    deadlock::Outcome::Refused(cycle) => format!("refused: {}", cycle.join(" -> ")),
                })
                .collect();
            json!({ "outcomes": text, "ordered": ordered })
        }
        Program::Queue {
            producers,
            consumers,
            items,
            make,
            take,
            ..
        } => {
            let q = run
                .queue
                .clone()
                .ok_or(Error::InvalidArgument("no queue"))?;
            let counts = queue::pipeline(q, producers, consumers, items, make, take, stop)?;
            json!({
                "made": counts.made,
                "used": counts.used,
                "expected": producers as u64 * u64::from(items),
            })
        }
        Program::Orders { items } => {
            let [fifo, lifo, priority] = queue::orders(&items)?;
            json!({ "fifo": fifo, "lifo": lifo, "priority": priority })
        }
    })
}

fn run(id: u32) -> Option<Arc<Run>> {
    RUNS.read().ok()?.get(id as usize).cloned()
}

/// The result of run `id` as a JSON object (its fields and `elapsed_ms`, or `error`), or
/// `None` while it is still running (or if there is no such run).
pub fn result(id: u32) -> Option<String> {
    run(id)?.result.get().cloned()
}

/// Sets the Event of an `event` run (never blocks). False if the run has no event.
pub fn set_event(id: u32) -> bool {
    run(id)
        .and_then(|r| r.event.clone())
        .map(|e| e.set())
        .is_some()
}

/// Shuts down the queue of a `queue` run (`immediate`: drop what is left); never blocks.
/// False if the run has no queue.
pub fn shutdown_queue(id: u32, immediate: bool) -> bool {
    run(id)
        .and_then(|r| r.queue.clone())
        .map(|q| q.shutdown(immediate))
        .is_some()
}

/// Aborts the barrier of a barrier run (`barrier` or `barrier_broken`): its waiters, and
/// whoever arrives later, get `Error::BrokenBarrier`. Never blocks. False if the run has no
/// barrier (yet: a program makes its barrier once it has started).
pub fn abort_barrier(id: u32) -> bool {
    run(id)
        .and_then(|r| r.stop.barrier())
        .map(|b| b.abort())
        .is_some()
}

/// Asks run `id` to stop (see the module's doc for what that can and cannot do); never
/// blocks. Its result then says `"stopped": true`. False if there is no such run or it has
/// already ended.
pub fn stop(id: u32) -> bool {
    let Some(r) = run(id) else { return false };
    if r.result.get().is_some() {
        return false;
    }
    r.stop.request(); // the loops' flag; aborts the barrier
    if let Some(e) = &r.event {
        e.set();
    }
    if let Some(q) = &r.queue {
        q.shutdown(true);
    }
    true
}
