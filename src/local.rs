//! `threading.local`: one value per thread.
//!
//! Values are kept per library thread (by ident), not per OS thread or worker, so a browser
//! worker that runs one thread after another never shows a thread the previous one's value.
//! A thread's value is dropped when the thread ends (or with the `Local`).

use crate::internal::Mutex;
use crate::thread::{current_id, current_thread};
use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

/// Thread-local storage: each thread that touches it sees its own `T`.
pub struct Local<T: Send + 'static> {
    values: Arc<Mutex<BTreeMap<u64, T>>>,
    init: Box<dyn Fn() -> T + Send + Sync>,
}

impl<T: Send + 'static> Local<T> {
    /// Storage whose value, in each thread, starts as `init()`.
    pub fn new(init: impl Fn() -> T + Send + Sync + 'static) -> Local<T> {
        Local {
            values: Arc::new(Mutex::new(BTreeMap::new())),
            init: Box::new(init),
        }
    }

    /// Runs `f` on the calling thread's value (creating it on first use).
    ///
    /// `f` runs without any lock held, so it may use other `Local`s or block.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let me = current_id();
        let taken = self.values.lock().remove(&me);
        let mut value = match taken {
            Some(v) => v,
            None => {
                let weak: Weak<Mutex<BTreeMap<u64, T>>> = Arc::downgrade(&self.values);
                current_thread().at_exit(move || {
                    if let Some(values) = weak.upgrade() {
                        let value = values.lock().remove(&me);
                        drop(value);
                    }
                });
                (self.init)()
            }
        };
        let r = f(&mut value);
        self.values.lock().insert(me, value);
        r
    }
}

impl<T: Send + Clone + 'static> Local<T> {
    /// A copy of the calling thread's value.
    pub fn get(&self) -> T {
        self.with(|v| v.clone())
    }

    /// Replaces the calling thread's value.
    pub fn set(&self, value: T) {
        self.with(|v| *v = value)
    }
}
