//! The page's dispatch (`concurrency_book::demo`): hostile numbers, unknown names, results as
//! JSON, and the buttons that reach a running program.

use super::{wait_for, SHORT};
use concurrency_book::demo::{self, Program};
use std::time::Duration;

pub fn parse_clamps_hostile_numbers() {
    let huge = [f64::INFINITY, 1e300, f64::NAN, -5.0, 1e12, 1e12];
    assert_eq!(
        Program::parse("queue", &huge),
        Ok(Program::Queue {
            producers: 64,
            consumers: 64,
            maxsize: 0,
            items: 0,
            make: Duration::from_secs(60),
            take: Duration::from_secs(60),
        })
    );
    assert_eq!(
        Program::parse("counter", &[f64::NAN]),
        Ok(Program::Counter {
            threads: 0,
            iterations: 0,
            locked: false
        })
    );
    let many: Vec<f64> = (0..1000).map(f64::from).collect();
    match Program::parse("orders", &many) {
        Ok(Program::Orders { items }) => assert_eq!(items.len(), 64),
        other => panic!("{other:?}"),
    }
}

pub fn unknown_program_is_an_error() {
    assert!(matches!(
        Program::parse("rm -rf", &[]),
        Err(concurrency::Error::InvalidArgument(_))
    ));
}

fn result_of(run: u32) -> serde_json::Value {
    let mut json = None;
    wait_for("the run's result", || {
        json = demo::result(run);
        json.is_some()
    });
    serde_json::from_str(&json.unwrap()).unwrap()
}

pub fn run_reports_json() {
    let started = demo::start(Program::parse("counter", &[3.0, 1000.0, 1.0]).unwrap()).unwrap();
    assert_ne!(
        started.thread, 0,
        "the program thread's trace id, known once started"
    );
    let result = result_of(started.run);
    assert_eq!(result["total"], 3000, "{result}");
    assert_eq!(result["expected"], 3000, "{result}");
    assert_eq!(result["locked"], true, "{result}");
    assert!(result["elapsed_ms"].as_f64().unwrap() >= 0.0, "{result}");
    let orders = demo::start(Program::Orders {
        items: vec![3, 1, 2],
    })
    .unwrap();
    let result = result_of(orders.run);
    assert_eq!(result["lifo"], serde_json::json!([2, 1, 3]), "{result}");
    assert_eq!(demo::result(u32::MAX), None);
}

pub fn buttons_reach_their_run() {
    let started = demo::start(Program::Event {
        runners: 2,
        patience: SHORT,
    })
    .unwrap();
    assert!(
        !demo::shutdown_queue(started.run, false),
        "an event run has no queue"
    );
    // The runners wait for the page's Set; set it as soon as the run has its event.
    assert!(demo::set_event(started.run));
    let result = result_of(started.run);
    assert_eq!(result["saw"], 2, "{result}");
    assert!(!demo::set_event(u32::MAX));
}

/// The two new programs through the page's dispatch: their names, numbers and result fields.
pub fn new_programs_report_json() {
    assert_eq!(Program::parse("rlock_owner", &[]), Ok(Program::RLockOwner));
    assert_eq!(
        Program::parse("barrier_broken", &[1.0, 0.0]),
        Ok(Program::BarrierBroken {
            threads: 2,
            timeout: None,
            late: None
        })
    );
    let owner = demo::start(Program::RLockOwner).unwrap();
    let broken = demo::start(Program::parse("barrier_broken", &[3.0, 300.0]).unwrap()).unwrap();
    let result = result_of(owner.run);
    assert_eq!(
        result["refused"], "cannot release un-acquired lock",
        "{result}"
    );
    assert_eq!(result["count"], 2, "{result}");
    assert_eq!(result["still_locked"], true, "{result}");
    assert_eq!(result["free_after"], true, "{result}");
    assert_eq!(result["stopped"], false, "{result}");
    let result = result_of(broken.run);
    let outcomes = serde_json::json!([
        "timed out: broke the barrier",
        "BrokenBarrierError",
        "BrokenBarrierError"
    ]);
    assert_eq!(result["outcomes"], outcomes, "{result}");
    assert_eq!(result["late"], 2, "{result}");
    assert_eq!(result["timeout_ms"], 300.0, "{result}");
}

/// The page's Abort button on a `barrier` run in the middle of its rounds, and on a
/// `barrier_broken` run with no timeout (where nothing else would end the waiting).
pub fn abort_button_breaks_a_barrier_run() {
    let rounds = demo::start(Program::parse("barrier", &[3.0, 100_000.0, 1.0]).unwrap()).unwrap();
    let waiting = demo::start(Program::parse("barrier_broken", &[3.0, 0.0]).unwrap()).unwrap();
    assert!(!demo::abort_barrier(u32::MAX));
    wait_for("both runs' barriers", || {
        demo::abort_barrier(rounds.run) && demo::abort_barrier(waiting.run)
    });
    let result = result_of(rounds.run);
    assert_eq!(result["broken"], true, "{result}");
    assert!(result["trips"].as_u64().unwrap() < 100_000, "{result}");
    let result = result_of(waiting.run);
    assert_eq!(
        result["outcomes"],
        serde_json::json!([
            "BrokenBarrierError",
            "BrokenBarrierError",
            "BrokenBarrierError"
        ]),
        "{result}"
    );
    assert_eq!(result["stopped"], false, "{result}");
}

/// Stop on every program that loops or waits, each started with far more work than it could
/// finish before the watchdog: each ends early and says `"stopped": true`. One after another,
/// so that the browser's worker pool stays small.
pub fn stop_ends_every_looping_program() {
    let asks: [(&str, &[f64]); 9] = [
        ("counter", &[2.0, 1e8, 0.0]),
        ("counter", &[2.0, 1e8, 1.0]),
        ("rlock", &[2.0, 1e6, 5.0]),
        ("semaphore", &[6.0, 1.0, 100.0]),
        ("event", &[3.0, 60_000.0]),
        ("condition", &[2.0, 1.0, 1e6, 2.0, 5.0]),
        ("barrier", &[3.0, 1e6, 5.0]),
        ("barrier_broken", &[3.0, 0.0]),
        ("queue", &[2.0, 1.0, 2.0, 1e5, 1.0, 5.0]),
    ];
    for (name, args) in asks {
        let started = demo::start(Program::parse(name, args).unwrap()).unwrap();
        concurrency::sleep(30 * super::MS).unwrap(); // let it get going
        assert!(
            demo::stop(started.run),
            "{name}: stop reaches a running run"
        );
        let result = result_of(started.run);
        assert_eq!(result["stopped"], true, "{name}: {result}");
        assert!(result.get("error").is_none(), "{name}: {result}");
        let short_of = |done: &str, all: &str| {
            assert!(
                result[done].as_u64() < result[all].as_u64(),
                "{name}: {result}"
            );
        };
        match name {
            "counter" => short_of("total", "expected"),
            "rlock" => short_of("balance", "expected"),
            "condition" => short_of("consumed", "expected"),
            "queue" => short_of("made", "expected"),
            "barrier" => assert_eq!(result["broken"], true, "{result}"),
            "event" => assert_eq!(result["saw"], 3, "the stop set the event: {result}"),
            _ => {}
        }
        let took = result["elapsed_ms"].as_f64().unwrap();
        assert!(
            took < 20_000.0,
            "{name} ended soon after the stop: {result}"
        );
    }
}

/// A deadlocked run cannot be interrupted: Stop is accepted, but the two threads still end
/// only when their patience runs out (the first to give up frees the other).
pub fn stop_cannot_interrupt_a_deadlock() {
    let patience = 400.0;
    let started = demo::start(Program::parse("deadlock", &[0.0, 50.0, patience, 0.0]).unwrap());
    let started = started.unwrap();
    concurrency::sleep(100 * super::MS).unwrap(); // both hold one lock and wait for the other
    assert!(demo::stop(started.run));
    let result = result_of(started.run);
    assert_eq!(result["stopped"], true, "{result}");
    // The first to give up drops its lock, so the other may still get it: "done".
    let outcomes = result["outcomes"].as_array().unwrap();
    assert!(outcomes.iter().any(|o| o == "gave up"), "{result}");
    let took = result["elapsed_ms"].as_f64().unwrap();
    assert!(
        took >= 0.6 * (50.0 + patience),
        "waited out its patience: {result}"
    );
}

/// Stop is for running runs: an ended run, or a number that is no run, answers false.
pub fn stop_of_an_ended_or_unknown_run_is_false() {
    let started = demo::start(Program::Bounded).unwrap();
    let result = result_of(started.run);
    assert_eq!(result["stopped"], false, "{result}");
    assert!(!demo::stop(started.run));
    assert!(!demo::stop(u32::MAX));
    let again: serde_json::Value =
        serde_json::from_str(&demo::result(started.run).unwrap()).unwrap();
    assert_eq!(
        again["stopped"], false,
        "a late stop changes nothing: {again}"
    );
}

/// Every program, given zeros or numbers a page's menus never offer (no permits, no
/// consumers, a shelf of 0), ends by itself or, at the latest, when the page's Stop asks it
/// to: hostile numbers never leave a run that nothing can end.
pub fn every_program_ends_on_hostile_numbers_or_stop() {
    let zeros = [0.0; 8];
    let cases: [(&str, &[f64]); 15] = [
        ("counter", &zeros),
        ("rlock", &zeros),
        ("semaphore", &zeros),
        ("semaphore", &[2.0, 0.0, 1.0]),
        ("rlock_owner", &zeros),
        ("bounded", &zeros),
        ("event", &zeros),
        ("condition", &zeros),
        ("condition", &[1.0, 0.0, 5.0, 0.0, 0.0]),
        ("barrier", &zeros),
        ("barrier_broken", &zeros),
        ("deadlock", &zeros),
        ("queue", &zeros),
        ("queue", &[1.0, 0.0, 1.0, 5.0, 0.0, 0.0]),
        ("orders", &zeros),
    ];
    for (name, args) in cases {
        let started = demo::start(Program::parse(name, args).unwrap()).unwrap();
        let begun = concurrency::monotonic();
        while demo::result(started.run).is_none()
            && concurrency::monotonic() - begun < Duration::from_secs(5)
        {
            concurrency::sleep(super::MS).unwrap();
        }
        if demo::result(started.run).is_none() {
            demo::stop(started.run);
        }
        let result = result_of(started.run);
        assert!(result.get("error").is_none(), "{name} {args:?}: {result}");
    }
}
