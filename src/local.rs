//! `threading.local`: one value per thread, dropped when that thread ends.
//!
//! Values are kept per library thread (by its trace id), not per OS thread or worker, so a
//! browser worker that runs one thread after another never shows a thread the previous one's
//! value. Each thread's value is dropped on that thread when it ends, whoever started it: by
//! the crate's own exit path for threads started here, by a std thread-local destructor for
//! the main thread and for threads started with `std::thread` (see `thread/exit.rs`). Values
//! still held when the `Local` itself is dropped are dropped with it.
//!
//! One thread's value, as `with` sees it:
//!
//! ```text
//!  Absent ──with: init()──▶ Lent ◀──with──┐        with while Lent: Error::LocalInUse
//!    ▲                       │            │        (a nested `with` on the same Local)
//!    │                       ▼ f returns  │
//!    │                      Here ─────────┘
//!    └── the thread ends (its value is dropped), or the Local is dropped
//! ```
//!
//! `f` gets the value itself (`&mut T`) with no lock held, so it may block or use other
//! `Local`s. A panic in `f` puts the value back as `f` left it (Python keeps an attribute set
//! before an exception); a panic in `init` leaves the value Absent.

use crate::error::Error;
use crate::internal::Mutex;
use crate::primitive::{AtomicU64, Ordering::Relaxed};
use crate::thread::{current_id, current_thread, ExitHandle};
use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

/// Thread-local storage: each thread that touches it sees its own `T`.
pub struct Local<T: Send + 'static> {
    s: Arc<Shared<T>>,
}

struct Shared<T> {
    /// This Local's key among a thread's exit hooks.
    key: u64,
    /// By thread (trace id).
    values: Mutex<BTreeMap<u64, Entry<T>>>,
    init: Box<dyn Fn() -> T + Send + Sync>,
}

struct Entry<T> {
    /// `None` while a `with` on that thread has it (Lent).
    value: Option<T>,
    /// The thread's exit hook that drops it.
    exit: ExitHandle,
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

impl<T: Send + 'static> Local<T> {
    /// Storage whose value, in each thread, starts as `init()`.
    pub fn new(init: impl Fn() -> T + Send + Sync + 'static) -> Local<T> {
        Local {
            s: Arc::new(Shared {
                key: NEXT_KEY.fetch_add(1, Relaxed),
                values: Mutex::new(BTreeMap::new()),
                init: Box::new(init),
            }),
        }
    }

    /// Runs `f` on the calling thread's value (created with `init()` on first use) and
    /// returns what `f` returns.
    ///
    /// Errors:
    /// * [`Error::LocalInUse`] for a `with` on the same `Local` inside `f` (or inside `init`):
    ///   the value is already lent to the outer call, and a second `&mut` to it cannot exist.
    ///   The outer call is unaffected.
    /// * [`Error::ThreadExiting`] when called from another thread-local's destructor after
    ///   this thread's values were dropped: a new value would never be dropped.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, Error> {
        let me = current_id();
        let held = match self.s.values.lock().get_mut(&me) {
            Some(entry) => Some(entry.value.take().ok_or(Error::LocalInUse)?),
            None => None,
        };
        // From here on the entry is Lent; the guard puts the value back (or, if `init`
        // panicked, removes the entry), also during a panic.
        let mut lent = Lent {
            s: &self.s,
            me,
            value: None,
        };
        let value = match held {
            Some(v) => v,
            None => {
                self.add_entry(me)?;
                (self.s.init)()
            }
        };
        Ok(f(lent.value.insert(value)))
    }

    /// First use on this thread: an entry marked Lent, and the exit hook that will drop it.
    fn add_entry(&self, me: u64) -> Result<(), Error> {
        let weak: Weak<Shared<T>> = Arc::downgrade(&self.s);
        let exit = current_thread().on_exit(
            self.s.key,
            Box::new(move || {
                if let Some(s) = weak.upgrade() {
                    let entry = s.values.lock().remove(&me);
                    drop(entry);
                }
            }),
        )?;
        let entry = Entry { value: None, exit };
        self.s.values.lock().insert(me, entry);
        Ok(())
    }
}

impl<T: Send + Clone + 'static> Local<T> {
    /// A copy of the calling thread's value (errors as for [`Local::with`]).
    pub fn get(&self) -> Result<T, Error> {
        self.with(|v| v.clone())
    }

    /// Replaces the calling thread's value (errors as for [`Local::with`]).
    pub fn set(&self, value: T) -> Result<(), Error> {
        self.with(|v| *v = value)
    }
}

/// A value out of its entry for one `with`; dropping this puts it back.
struct Lent<'a, T> {
    s: &'a Shared<T>,
    me: u64,
    value: Option<T>,
}

impl<T> Drop for Lent<'_, T> {
    fn drop(&mut self) {
        let mut values = self.s.values.lock();
        let gone = match (values.get_mut(&self.me), self.value.take()) {
            (Some(entry), Some(v)) => {
                entry.value = Some(v);
                return;
            }
            // `init` panicked: no value to keep.
            (Some(_), None) => values.remove(&self.me),
            // The thread refused a hook (no entry was made), or there is no entry (which
            // cannot happen while the value is lent): drop what there is.
            (None, v) => {
                drop(values);
                drop(v);
                return;
            }
        };
        drop(values);
        if let Some(entry) = gone {
            entry.exit.cancel();
        }
    }
}

impl<T: Send + 'static> Drop for Local<T> {
    /// Drops every thread's value (here, on the dropping thread) and takes back the exit
    /// hooks, so a long-lived thread does not collect hooks of `Local`s long gone.
    fn drop(&mut self) {
        let values = std::mem::take(&mut *self.s.values.lock());
        for entry in values.values() {
            entry.exit.cancel();
        }
        drop(values);
    }
}
