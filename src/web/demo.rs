//! Runs the book's programs (`src/book/`) on a pooled worker and keeps their results, as JSON,
//! for the page to poll. Nothing here blocks the page.

use crate::book;
use crate::internal::Mutex;
use crate::{monotonic, Error, Event, Queue, Thread};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::prelude::*;

struct Run {
    result: Option<String>,
    /// The Event of an "event" run, for the page's Set button.
    event: Option<Arc<Event>>,
    /// The queue of a "queue" run, for the page's Shutdown buttons.
    queue: Option<Arc<Queue<u32>>>,
}

static RUNS: Mutex<Vec<Run>> = Mutex::new(Vec::new());

/// Starts `program` with numeric `args` on a worker; returns a run id for [`demo_result`].
///
/// | program     | args                                                    |
/// |-------------|---------------------------------------------------------|
/// | `counter`   | threads, iterations, locked (0/1)                        |
/// | `rlock`     | threads, rounds, work ms                                 |
/// | `semaphore` | threads, permits, work ms                                |
/// | `bounded`   | —                                                        |
/// | `event`     | runners, patience ms                                     |
/// | `condition` | producers, consumers, items per producer, capacity, ms  |
/// | `barrier`   | threads, rounds, unit ms                                 |
/// | `deadlock`  | ordered (0/1), hold ms, patience ms, detect (0/1): with detection the second lock is awaited without a timeout (a timed wait is never refused) |
/// | `queue`     | producers, consumers, maxsize, items each, make ms, take ms |
/// | `orders`    | the items                                                 |
#[wasm_bindgen]
pub fn demo_start(program: &str, args: Vec<f64>) -> Result<u32, JsError> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(0.0).max(0.0);
    let n = |i: usize| arg(i).min(64.0) as usize;
    let ms = |i: usize| Duration::from_secs_f64(arg(i).min(60_000.0) / 1000.0);
    let event = (program == "event").then(|| Arc::new(Event::new()));
    let queue = (program == "queue").then(|| Arc::new(Queue::new(n(2))));
    let job: Box<dyn FnOnce() -> Result<String, Error> + Send> = match program {
        "counter" => {
            let (threads, iterations, locked) = (n(0), arg(1).min(1e8) as u64, arg(2) > 0.0);
            Box::new(move || {
                let total = if locked {
                    book::counter::count_with_lock(threads, iterations)
                } else {
                    book::counter::count_without_lock(threads, iterations)
                }?;
                Ok(format!(
                    r#""total":{total},"expected":{},"locked":{locked}"#,
                    threads as u64 * iterations
                ))
            })
        }
        "rlock" => {
            let (threads, rounds, work) = (n(0), arg(1).min(1e6) as u64, ms(2));
            Box::new(move || {
                let balance = book::rlock::clerks(threads, rounds, work)?;
                Ok(format!(
                    r#""balance":{balance},"expected":{}"#,
                    threads as u64 * rounds * 2
                ))
            })
        }
        "semaphore" => {
            let (threads, permits, work) = (n(0), arg(1) as i64, ms(2));
            Box::new(move || {
                let most = book::semaphore::downloads(threads, permits, work)?;
                Ok(format!(r#""most":{most},"permits":{permits}"#))
            })
        }
        "bounded" => Box::new(|| {
            let (refused, value) = book::semaphore::over_release()?;
            Ok(format!(
                r#""refused":{},"value":{value}"#,
                json_str(&refused.to_string())
            ))
        }),
        "event" => {
            let (runners, patience, e) = (n(0), ms(1), event.clone());
            Box::new(move || {
                let start = e.ok_or(Error::InvalidArgument("no event"))?;
                let saw = book::event::starting_line(start, runners, patience)?;
                Ok(format!(r#""saw":{saw},"runners":{runners}"#))
            })
        }
        "condition" => {
            let (p, c, per, cap, work) = (n(0), n(1), arg(2).min(1e6) as u32, arg(3) as u32, ms(4));
            Box::new(move || {
                let consumed = book::condition::shelf(p, c, per, cap, work)?;
                Ok(format!(
                    r#""consumed":{consumed},"expected":{}"#,
                    p as u64 * u64::from(per)
                ))
            })
        }
        "barrier" => {
            let (threads, rounds, unit) = (n(0).max(1), arg(1) as u32, ms(2));
            Box::new(move || {
                let trips = book::barrier::rounds(threads, rounds, unit)?;
                Ok(format!(r#""trips":{trips},"rounds":{rounds}"#))
            })
        }
        "deadlock" => {
            let (ordered, hold, detect) = (arg(0) > 0.0, ms(1), arg(3) > 0.0);
            // Detection refuses only a wait that would never end: one without a timeout.
            let patience = if detect {
                crate::Timeout::FOREVER
            } else {
                crate::Timeout::after(ms(2))
            };
            Box::new(move || {
                crate::inspect::set_deadlock_detection(detect);
                let outcomes = book::deadlock::two_locks(ordered, hold, patience);
                crate::inspect::set_deadlock_detection(false);
                let text: Vec<String> = outcomes?
                    .iter()
                    .map(|o| match o {
                        book::deadlock::Outcome::Done => r#""done""#.to_owned(),
                        book::deadlock::Outcome::GaveUp => r#""gave up""#.to_owned(),
                        book::deadlock::Outcome::Refused(cycle) => {
                            json_str(&format!("refused: {}", cycle.join(" -> ")))
                        }
                    })
                    .collect();
                Ok(format!(
                    r#""outcomes":[{}],"ordered":{ordered}"#,
                    text.join(",")
                ))
            })
        }
        "queue" => {
            let (p, c, items, make, take) = (n(0), n(1), arg(3).min(1e5) as u32, ms(4), ms(5));
            let q = queue.clone();
            Box::new(move || {
                let q = q.ok_or(Error::InvalidArgument("no queue"))?;
                let counts = book::queue::pipeline(q, p, c, items, make, take)?;
                Ok(format!(
                    r#""made":{},"used":{},"expected":{}"#,
                    counts.made,
                    counts.used,
                    p as u64 * u64::from(items)
                ))
            })
        }
        "orders" => {
            let items: Vec<u32> = args.iter().map(|&x| x.max(0.0) as u32).collect();
            Box::new(move || {
                let [fifo, lifo, priority] = book::queue::orders(&items)?;
                let list = |v: &[u32]| {
                    let parts: Vec<String> = v.iter().map(u32::to_string).collect();
                    format!("[{}]", parts.join(","))
                };
                Ok(format!(
                    r#""fifo":{},"lifo":{},"priority":{}"#,
                    list(&fifo),
                    list(&lifo),
                    list(&priority)
                ))
            })
        }
        other => return Err(JsError::new(&format!("no program named {other:?}"))),
    };
    let run = {
        let mut runs = RUNS.lock();
        runs.push(Run {
            result: None,
            event,
            queue,
        });
        runs.len() as u32 - 1
    };
    let program = Thread::builder()
        .name(format!("main ({program})"))
        .target(move || {
            let start = monotonic();
            let outcome = job();
            let elapsed = (monotonic() - start).as_secs_f64() * 1e3;
            let json = match outcome {
                Ok(fields) => format!(r#"{{{fields},"elapsed_ms":{elapsed:.3}}}"#),
                Err(e) => format!(
                    r#"{{"error":{},"elapsed_ms":{elapsed:.3}}}"#,
                    json_str(&e.to_string())
                ),
            };
            if let Some(slot) = RUNS.lock().get_mut(run as usize) {
                slot.result = Some(json);
            }
        })
        .build();
    program.start().map_err(|e| JsError::new(&e.to_string()))?;
    Ok(run)
}

/// The result of run `run` as a JSON object (with `elapsed_ms`, or `error`), or `undefined`
/// while it is still running.
#[wasm_bindgen]
pub fn demo_result(run: u32) -> Option<String> {
    RUNS.lock().get(run as usize).and_then(|r| r.result.clone())
}

/// Sets the Event of an `event` run: called on the page's main thread, it never blocks.
/// Returns false if the run has no event.
#[wasm_bindgen]
pub fn demo_event_set(run: u32) -> bool {
    let event = RUNS.lock().get(run as usize).and_then(|r| r.event.clone());
    match event {
        Some(e) => {
            e.set();
            true
        }
        None => false,
    }
}

/// Shuts down the queue of a `queue` run (`immediate`: drop what is left). Called on the page's
/// main thread, it never blocks. Returns false if the run has no queue.
#[wasm_bindgen]
pub fn demo_queue_shutdown(run: u32, immediate: bool) -> bool {
    let queue = RUNS.lock().get(run as usize).and_then(|r| r.queue.clone());
    match queue {
        Some(q) => {
            q.shutdown(immediate);
            true
        }
        None => false,
    }
}

/// The cycles in the wait-for graph now, certain and suspected alike, as a JSON array of
/// cycles (each an array of names). [`inspect_cycles`] tells the two kinds apart.
#[wasm_bindgen]
pub fn inspect_deadlocks() -> String {
    let cycles: Vec<String> = crate::inspect::deadlocks()
        .iter()
        .map(|c| json_names(&c.names))
        .collect();
    format!("[{}]", cycles.join(","))
}

/// The cycles now as a JSON array of `{"certain": bool, "cycle": [names]}`: certain cycles
/// never resolve (detection refuses to close them); suspected ones pass through a Lock that
/// another thread may still release, or a wait with a timeout (see `inspect::Cycle`).
#[wasm_bindgen]
pub fn inspect_cycles() -> String {
    let cycles: Vec<String> = crate::inspect::deadlocks()
        .iter()
        .map(|c| {
            format!(
                r#"{{"certain":{},"cycle":{}}}"#,
                c.certain,
                json_names(&c.names)
            )
        })
        .collect();
    format!("[{}]", cycles.join(","))
}

/// Names as a JSON array of strings.
fn json_names(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|n| json_str(n)).collect();
    format!("[{}]", names.join(","))
}

/// `s` as a JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Starts recording lock holders (for the wait-for graph).
#[wasm_bindgen]
pub fn inspect_enable() {
    crate::inspect::enable();
}
