//! The page's checkpoints: `concurrency_book::snapshot` mirrors `inspect::snapshot()` with
//! the names the page's JavaScript reads.

use super::{wait_for, SHORT};
use concurrency::{RLock, Thread};
use concurrency_book::snapshot::{self, ObjectNow, ThreadNow};
use std::sync::Arc;

fn object(id: u64) -> Option<ObjectNow> {
    snapshot::now().objects.into_iter().find(|o| o.id == id)
}

fn thread(id: u64) -> Option<ThreadNow> {
    snapshot::now().threads.into_iter().find(|t| t.id == id)
}

/// An RLock held twice by one thread and waited for by another: the mirror shows the owner,
/// the count, the waiter, and the waiter's state and object.
pub fn shows_owner_count_and_waiter() {
    let lock = Arc::new(RLock::new());
    concurrency::trace::set_label(lock.trace_id(), "snapshot test lock");
    let lock_id = u64::from(lock.trace_id());
    let (l, w) = (lock.clone(), lock.clone());
    let release = Arc::new(concurrency::Event::new());
    let r = release.clone();
    let owner = Thread::builder()
        .name("snapshot-owner")
        .target(move || {
            let _one = l.guard().unwrap();
            let _two = l.guard().unwrap();
            assert_eq!(r.wait(SHORT), Ok(true));
        })
        .build();
    owner.start().unwrap();
    let owner_id = u64::from(owner.trace_id());
    wait_for("the owner at count 2", || {
        object(lock_id).is_some_and(|o| o.value == 2)
    });
    let waiter = Thread::builder()
        .name("snapshot-waiter")
        .target(move || assert_eq!(w.acquire(true, SHORT), Ok(true)))
        .build();
    waiter.start().unwrap();
    let waiter_id = u64::from(waiter.trace_id());
    wait_for("the waiter blocked on the lock", || {
        thread(waiter_id).is_some_and(|t| t.state == "blocked")
    });
    let now = object(lock_id).unwrap();
    assert_eq!(now.name, "snapshot test lock");
    assert_eq!((now.kind.as_str(), now.kind_code), ("RLock", 3));
    assert_eq!(now.holders, [owner_id]);
    assert_eq!(now.waiters, [waiter_id]);
    assert_eq!(now.value, 2);
    let blocked = thread(waiter_id).unwrap();
    assert_eq!(blocked.on, Some(lock_id));
    assert_eq!(blocked.name, "snapshot-waiter");
    let running = thread(owner_id).unwrap();
    assert_eq!(
        (running.state, running.on),
        ("blocked", Some(u64::from(release.trace_id())))
    );
    release.set();
    assert_eq!(owner.join(SHORT), Ok(true));
    assert_eq!(waiter.join(SHORT), Ok(true));
    assert!(!owner.panicked() && !waiter.panicked());
    let ended = thread(waiter_id);
    assert!(
        ended.as_ref().is_none_or(|t| t.state == "terminated"),
        "{ended:?}"
    );
}

/// The JSON text the page gets: the field names and value types of the checkpoints.
pub fn json_has_the_page_fields() {
    let lock = concurrency::Lock::new();
    concurrency::trace::set_label(lock.trace_id(), "snapshot json lock");
    let json: serde_json::Value = serde_json::from_str(&snapshot::json()).unwrap();
    let objects = json["objects"].as_array().unwrap();
    let mine = objects
        .iter()
        .find(|o| o["id"] == u64::from(lock.trace_id()))
        .unwrap();
    assert_eq!(mine["name"], "snapshot json lock");
    assert_eq!(mine["kind"], "Lock");
    assert_eq!(mine["value"], 0);
    assert_eq!(mine["holders"], serde_json::json!([]));
    assert_eq!(mine["waiters"], serde_json::json!([]));
    for t in json["threads"].as_array().unwrap() {
        let state = t["state"].as_str().unwrap();
        assert!(
            ["new", "runnable", "blocked", "terminated"].contains(&state),
            "{t}"
        );
        assert_eq!(state == "blocked", t["on"].is_u64(), "{t}");
        assert!(t["id"].is_u64() && t["name"].is_string(), "{t}");
    }
}
