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
