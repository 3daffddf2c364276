//! The programs the book runs live, compiled and tested like the rest of the crate. The
//! chapters include them by anchor (`{{#include ../../src/book/counter.rs:with_lock}}`), so
//! the code a reader sees is the code that runs in their browser.

pub mod barrier;
pub mod common;
pub mod condition;
pub mod counter;
pub mod deadlock;
pub mod event;
pub mod queue;
pub mod rlock;
pub mod semaphore;
