//! The seam-level algorithm of each primitive: only atomics, the futex seam and deadlines. No
//! tracing, no Python argument rules, no thread bookkeeping (the public types add those). Being
//! this small, each file is also compiled by `tests/loom.rs` against loom's atomics and a loom
//! seam, and model-checked there (through `crate::primitive`, crossbeam-style).

pub(crate) mod event_word;
pub(crate) mod fifo_bound;
pub(crate) mod fifo_core;
pub(crate) mod fifo_list;
pub(crate) mod fifo_ring;
#[cfg(all(test, not(loom)))]
mod fifo_tests;
pub(crate) mod queue_core;
pub(crate) mod raw_lock;
pub(crate) mod reentrant_lock;
pub(crate) mod semaphore_word;
pub(crate) mod spin;
#[cfg_attr(not(all(target_os = "linux", feature = "native")), allow(dead_code))] // process::shared
pub(crate) mod ticket_condvar;
pub(crate) mod wait_queue;
pub(crate) mod word;
