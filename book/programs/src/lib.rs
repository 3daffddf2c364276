//! The programs the book runs live, compiled and tested like the library. The chapters include
//! them by anchor (`{{#include ../programs/src/counter.rs:with_lock}}`), so the code a reader
//! sees is the code that runs in their browser.
//!
//! This crate is the book's, not the library's: it depends on `concurrency` through its public
//! API only. [`demo`] turns a page's request (a program's name and numbers) into a run and its
//! result as JSON; `web` (wasm32 only) is what the page's JavaScript calls.

pub mod barrier;
pub mod common;
pub mod condition;
pub mod counter;
pub mod deadlock;
pub mod demo;
pub mod event;
pub mod queue;
pub mod rlock;
pub mod semaphore;
pub mod snapshot;
#[cfg(target_arch = "wasm32")]
mod web;
