//! The library's [`inspect::snapshot`] as the page reads it: JSON with plain names, so that
//! the end-to-end test can compare what the page draws with what the threads are doing.
//!
//! ```json
//! {"threads":[{"id":1,"name":"clerk-0","state":"blocked","on":7}],
//!  "objects":[{"id":7,"name":"account lock","kind":"RLock","kind_code":3,
//!              "holders":[2],"waiters":[1],"value":2}]}
//! ```
//!
//! `state` is one of `new`, `runnable`, `blocked`, `terminated`; `on` is the object a blocked
//! thread waits for (`null` otherwise). `kind` is the [`ObjectKind`]'s name and `kind_code`
//! its number (the `arg` of a trace's `ObjectNew`). `value` is the primitive's count: 1/0 for
//! a Lock, an RLock's recursion count, the permits, an Event's flag, a Barrier's arrivals, a
//! queue's length. Ids are trace ids, as in the trace events.

use concurrency::inspect::{self, ObjectView, Snapshot, ThreadView};
use concurrency::trace::ObjectKind;
use concurrency::ThreadState;
use serde::Serialize;

/// Every live thread and primitive.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Now {
    pub threads: Vec<ThreadNow>,
    pub objects: Vec<ObjectNow>,
}

/// One thread: [`ThreadView`] with its state as a word.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ThreadNow {
    pub id: u64,
    pub name: String,
    pub state: &'static str,
    pub on: Option<u64>,
}

/// One primitive: [`ObjectView`] with its kind as a word.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ObjectNow {
    pub id: u64,
    pub name: String,
    pub kind: String,
    pub kind_code: u32,
    pub holders: Vec<u64>,
    pub waiters: Vec<u64>,
    pub value: u64,
}

impl From<&ThreadView> for ThreadNow {
    fn from(t: &ThreadView) -> ThreadNow {
        let (state, on) = match t.state {
            ThreadState::New => ("new", None),
            ThreadState::Runnable => ("runnable", None),
            ThreadState::Blocked { on } => ("blocked", Some(u64::from(on))),
            ThreadState::Terminated => ("terminated", None),
        };
        ThreadNow {
            id: u64::from(t.ident),
            name: t.name.clone(),
            state,
            on,
        }
    }
}

impl From<&ObjectView> for ObjectNow {
    fn from(o: &ObjectView) -> ObjectNow {
        let ids = |v: &[_]| v.iter().copied().map(u64::from).collect();
        ObjectNow {
            id: u64::from(o.id),
            name: o.name.clone(),
            kind: kind_name(o.kind),
            kind_code: o.kind as u32,
            holders: ids(&o.holders),
            waiters: ids(&o.waiters),
            value: o.value,
        }
    }
}

impl From<&Snapshot> for Now {
    fn from(s: &Snapshot) -> Now {
        Now {
            threads: s.threads.iter().map(ThreadNow::from).collect(),
            objects: s.objects.iter().map(ObjectNow::from).collect(),
        }
    }
}

/// `Lock`, `RLock`, `BoundedSemaphore`...: the variant's name.
fn kind_name(kind: ObjectKind) -> String {
    format!("{kind:?}")
}

/// Every live thread and primitive, now.
pub fn now() -> Now {
    Now::from(&inspect::snapshot())
}

/// [`now`] as JSON.
pub fn json() -> String {
    serde_json::to_string(&now()).unwrap_or_else(|e| format!(r#"{{"error":"{e}"}}"#))
}
