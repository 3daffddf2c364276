//! Crate-private building blocks.
pub(crate) mod mutex;
pub(crate) use mutex::Mutex;
