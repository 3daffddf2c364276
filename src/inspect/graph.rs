//! The wait-for graph of a snapshot: thread → the object it waits for → the thread(s) holding
//! that object. A thread waits for at most one object, and a held Lock or RLock has one
//! holder, so following edges from a thread either ends or comes back: that loop is a cycle.
//!
//! | object            | its holder                 | can anyone else end the wait?          |
//! |-------------------|----------------------------|----------------------------------------|
//! | RLock             | its owner                  | no: only the owner may release it      |
//! | a thread (joined) | itself, until it ends      | no: only the thread itself can end     |
//! | Lock              | its last recorded acquirer | yes: any thread may release a Lock     |
//! | anything else     | none (no edge, no cycle)   | Semaphore, Event, Condition, Barrier, queue |
//!
//! A cycle is **certain** when every object on it is of the first two kinds and no wait on it
//! has a timeout: each thread on it waits for something only the next one can give, and the
//! next one never will. Otherwise it is **suspected**: a Lock on it may still be released by
//! a thread off the cycle (Python allows it, LK-16), or a wait on it will time out.

use super::Snapshot;
use crate::trace::ObjectKind;
use std::collections::{BTreeMap, BTreeSet};

/// A cycle in the wait-for graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// `[thread, object it waits for, thread holding that, object it waits for, ...]` by id;
    /// the last object is held by the first thread.
    pub ids: Vec<u64>,
    /// The same by names.
    pub names: Vec<String>,
    /// Certain (no thread on it can ever go on) or only suspected: see the module's table.
    pub certain: bool,
}

/// What a thread waits for.
#[derive(Clone, Copy, Debug)]
struct Wait {
    on: u64,
    timed: bool,
}

/// Who waits for what, and who holds what.
#[derive(Debug, Default)]
pub struct WaitForGraph {
    waits: BTreeMap<u64, Wait>,
    holders: BTreeMap<u64, Vec<u64>>,
    /// Objects only their holder can let go of: RLocks and threads.
    owned: BTreeSet<u64>,
    names: BTreeMap<u64, String>,
}

impl WaitForGraph {
    /// The graph of `snapshot`.
    pub fn from_snapshot(s: &Snapshot) -> WaitForGraph {
        let mut g = WaitForGraph::default();
        for t in &s.threads {
            g.names.insert(t.ident, t.name.clone());
            // Joining a thread waits for that thread: it holds itself until it ends.
            g.holders.insert(t.ident, vec![t.ident]);
            g.owned.insert(t.ident);
            if let crate::ThreadState::Blocked { on } = t.state {
                g.waits.insert(t.ident, Wait { on, timed: t.timed });
            }
        }
        for o in &s.objects {
            g.names.insert(o.id, o.name.clone());
            g.holders.insert(o.id, o.holders.clone());
            if o.kind == ObjectKind::RLock {
                g.owned.insert(o.id);
            }
        }
        g
    }

    /// The object `thread` waits for.
    pub fn waits_on(&self, thread: u64) -> Option<u64> {
        self.waits.get(&thread).map(|w| w.on)
    }

    /// The single thread `thread` waits for, if its object has exactly one holder.
    fn next(&self, thread: u64) -> Option<u64> {
        let object = self.waits_on(thread)?;
        match self.holders.get(&object).map(Vec::as_slice) {
            Some([holder]) => Some(*holder),
            _ => None,
        }
    }

    /// The cycle that `start` is on, as `[thread, object, thread, object, ...]`, if any.
    pub fn cycle_through(&self, start: u64) -> Option<Vec<u64>> {
        let mut path = vec![start];
        let mut at = start;
        for _ in 0..=self.waits.len() {
            let object = self.waits_on(at)?;
            let next = self.next(at)?;
            path.push(object);
            if next == start {
                return Some(path);
            }
            if path.iter().step_by(2).any(|&t| t == next) {
                return None; // a loop that does not pass through `start`
            }
            path.push(next);
            at = next;
        }
        None
    }

    /// Whether `cycle` (from [`WaitForGraph::cycle_through`]) is certain: every object on it
    /// owned (an RLock or a thread) and every wait on it without a timeout.
    pub fn is_certain(&self, cycle: &[u64]) -> bool {
        cycle.chunks(2).all(|pair| match *pair {
            [thread, object] => {
                self.waits.get(&thread).is_some_and(|w| !w.timed) && self.owned.contains(&object)
            }
            _ => false,
        })
    }

    /// Every cycle once, each starting at its smallest thread id.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut out = Vec::new();
        for &t in self.waits.keys() {
            if let Some(ids) = self.cycle_through(t) {
                if ids.iter().step_by(2).min() == Some(&t) {
                    out.push(Cycle {
                        names: self.names(&ids),
                        certain: self.is_certain(&ids),
                        ids,
                    });
                }
            }
        }
        out
    }

    /// Names for ids.
    pub fn names(&self, ids: &[u64]) -> Vec<String> {
        ids.iter()
            .map(|id| {
                self.names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("#{id}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{ObjectView, ThreadView};
    use crate::ThreadState;

    fn thread(ident: u64, on: Option<u64>, timed: bool) -> ThreadView {
        ThreadView {
            ident,
            name: format!("t{ident}"),
            state: on.map_or(ThreadState::Runnable, |on| ThreadState::Blocked { on }),
            timed,
        }
    }

    fn object(id: u64, kind: ObjectKind, holder: u64) -> ObjectView {
        ObjectView {
            id,
            kind,
            name: format!("o{id}"),
            holders: vec![holder],
            value: 1,
            waiters: vec![],
        }
    }

    /// Two threads, each holding one object of `kind` and waiting (timed or not) for the other's.
    fn crossed(kind: ObjectKind, timed: [bool; 2]) -> Vec<Cycle> {
        let s = Snapshot {
            threads: vec![thread(1, Some(11), timed[0]), thread(2, Some(10), timed[1])],
            objects: vec![object(10, kind, 1), object(11, kind, 2)],
            deadlocks: vec![],
        };
        WaitForGraph::from_snapshot(&s).cycles()
    }

    #[test]
    fn a_cycle_over_rlocks_without_timeouts_is_certain() {
        let cycles = crossed(ObjectKind::RLock, [false, false]);
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].ids, [1, 11, 2, 10]);
        assert_eq!(cycles[0].names, ["t1", "o11", "t2", "o10"]);
        assert!(cycles[0].certain);
    }

    #[test]
    fn a_cycle_with_one_timed_wait_is_only_suspected() {
        let cycles = crossed(ObjectKind::RLock, [false, true]);
        assert_eq!(cycles.len(), 1);
        assert!(!cycles[0].certain);
    }

    #[test]
    fn a_cycle_through_a_lock_is_only_suspected() {
        let cycles = crossed(ObjectKind::Lock, [false, false]);
        assert_eq!(cycles.len(), 1);
        assert!(!cycles[0].certain);
    }

    #[test]
    fn a_join_cycle_is_certain() {
        // Thread 1 joins thread 2, which waits for an RLock thread 1 owns.
        let s = Snapshot {
            threads: vec![thread(1, Some(2), false), thread(2, Some(10), false)],
            objects: vec![object(10, ObjectKind::RLock, 1)],
            deadlocks: vec![],
        };
        let cycles = WaitForGraph::from_snapshot(&s).cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].ids, [1, 2, 2, 10]);
        assert!(cycles[0].certain);
    }

    #[test]
    fn ids_past_32_bits_stay_apart() {
        let big = 1u64 << 32;
        let s = Snapshot {
            threads: vec![
                thread(big + 1, Some(big + 11), false),
                thread(1, None, false),
            ],
            objects: vec![object(big + 11, ObjectKind::RLock, 1)],
            deadlocks: vec![],
        };
        // Thread 1 (= (2^32 + 1) truncated) holds the RLock but waits for nothing: no cycle.
        assert!(WaitForGraph::from_snapshot(&s).cycles().is_empty());
    }
}
