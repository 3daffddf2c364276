//! The wait-for graph of a snapshot: thread → the object it waits for → the thread(s) holding
//! that object (a thread being joined "holds" itself). A thread waits for at most one object,
//! and Locks and RLocks have at most one holder, so following edges from a thread either ends
//! or comes back: that loop is a deadlock.

use super::Snapshot;
use std::collections::BTreeMap;

/// Who waits for what, and who holds what.
#[derive(Debug, Default)]
pub struct WaitForGraph {
    waits: BTreeMap<u32, u32>,
    holders: BTreeMap<u32, Vec<u32>>,
    names: BTreeMap<u32, String>,
}

impl WaitForGraph {
    /// The graph of `snapshot`.
    pub fn from_snapshot(s: &Snapshot) -> WaitForGraph {
        let mut g = WaitForGraph::default();
        for t in &s.threads {
            g.names.insert(t.ident, t.name.clone());
            // Joining a thread waits for that thread: it holds itself until it ends.
            g.holders.insert(t.ident, vec![t.ident]);
            if let crate::ThreadState::Blocked { on } = t.state {
                g.waits.insert(t.ident, on);
            }
        }
        for o in &s.objects {
            g.names.insert(o.id, o.name.clone());
            g.holders.insert(o.id, o.holders.clone());
        }
        g
    }

    /// The object `thread` waits for.
    pub fn waits_on(&self, thread: u32) -> Option<u32> {
        self.waits.get(&thread).copied()
    }

    /// The single thread `thread` waits for, if its object has exactly one holder.
    fn next(&self, thread: u32) -> Option<u32> {
        let object = self.waits_on(thread)?;
        match self.holders.get(&object).map(Vec::as_slice) {
            Some([holder]) => Some(*holder),
            _ => None,
        }
    }

    /// The cycle that `start` is on, as `[thread, object, thread, object, ...]`, if any.
    pub fn cycle_through(&self, start: u32) -> Option<Vec<u32>> {
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

    /// Every cycle once, each starting at its smallest thread id, by names.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for &t in self.waits.keys() {
            if let Some(cycle) = self.cycle_through(t) {
                let threads: Vec<u32> = cycle.iter().step_by(2).copied().collect();
                if threads.iter().min() == Some(&t) && !seen.contains(&t) {
                    seen.push(t);
                    out.push(self.names(&cycle));
                }
            }
        }
        out
    }

    /// Names for ids.
    pub fn names(&self, ids: &[u32]) -> Vec<String> {
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
