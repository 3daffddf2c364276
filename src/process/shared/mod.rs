//! Synchronisation between processes (CPython's `multiprocessing.Lock`, `RLock`,
//! `Semaphore`, `BoundedSemaphore`, `Event`, `Condition`, `Value` and `Array`), in memory
//! the processes map together (Linux).
//!
//! ```
//! use concurrency::process::shared::{Arena, Lock, Value};
//!
//! let arena = Arena::create(4096)?;
//! let counter = Value::new_in(&arena, 0i64)?;
//! {
//!     let lock = counter.get_lock();
//!     let _held = lock.guard()?;              // `with counter.get_lock():`
//!     let raw = counter.get_obj();
//!     raw.set(raw.get() + 1);                 // `counter.value += 1`, under the lock
//! }
//! assert_eq!(counter.get()?, 1);
//! // A child maps the arena from `arena.handle()` (an inherited fd) and opens the value by
//! // `counter.handle().offset`: `Value::<i64>::open(&arena, offset)`.
//! # Ok::<(), concurrency::Error>(())
//! ```
//!
//! # Where they live: an arena in a shared region
//! Every object lives in an [`Arena`]: a [`SharedRegion`](crate::sys::region::SharedRegion)
//! (a sealed memfd mapped `MAP_SHARED`) with a bump allocator. `Lock::new()` and the like make
//! an arena of their own; `new_in(&arena)` puts several objects in one, so that a child needs
//! one fd for all of them. An object is named by its offset in the arena ([`SharedHandle`]):
//! the child maps the arena once ([`Arena::from_inherited`]) and opens each object with its
//! type's `open(&arena, offset)`, which checks the kind (and a value's type) written there.
//!
//! # The same algorithms as `threading`
//! No primitive here has an algorithm of its own: each call builds the state machine of
//! `src/algo/` (`RawLock`, `ReentrantLock`, `SemaphoreWord`, `EventWord`) over words of the
//! arena (`sys::region::SharedWord`: the region's atomics, the shared futex kind), the same
//! code the threading primitives run over their own words and that `tests/loom.rs` model-checks.
//! The Condition's waiter queue holds pointers in `threading`; here it is
//! `algo/ticket_condvar.rs`, tickets in a few words, with the same guarantees.
//!
//! # Python's rules, multiprocessing's timeouts
//! The errors are those of the threading versions, same variants: releasing an unlocked
//! `Lock` is [`Error::ReleaseUnlocked`](crate::Error::ReleaseUnlocked) (CPython:
//! `ValueError`), releasing an `RLock` the caller does not own, from this process or another,
//! is [`Error::NotOwner`](crate::Error::NotOwner) (CPython: `AssertionError`), a
//! `BoundedSemaphore` over-release is [`Error::TooManyReleases`](crate::Error::TooManyReleases),
//! a Condition's `wait`/`notify` without its lock is [`Error::WaitNotOwned`](crate::Error::WaitNotOwned)
//! / [`Error::NotifyNotOwned`](crate::Error::NotifyNotOwned). Timeouts follow multiprocessing
//! (section 11.7 of the specification, [`JoinTimeout`](crate::process::JoinTimeout)): a
//! negative float, `-1.0` included, does not wait at all (threading's `-1.0` waits for
//! ever), `None` waits for ever, and a non-blocking acquire ignores its timeout.
//!
//! # A holder that dies
//! A process can die at any instruction, holding a lock (SIGKILL, a crash). CPython's waiters
//! then wait for ever. Here a lock records its holder (`pid << 32 | thread`, beside the lock
//! word) and a waiter waits in slices of 50 ms; between slices it checks whether the holder's
//! process has ended (`holder.rs`: a pidfd, so a zombie counts as ended). If it has, the
//! waiter takes the lock in the dead holder's place (a compare-exchange on the holder word,
//! so exactly one waiter does) and its `acquire` returns
//! [`Error::OwnerDied`](crate::Error::OwnerDied): **the caller now holds the lock**, as after
//! a successful acquire, and learns that what the lock protects may be half-updated; it
//! repairs that and releases. These are the semantics of a robust POSIX mutex
//! (`EOWNERDEAD`). The kernel's robust-futex list is not used: it is one list per thread,
//! which glibc already owns.
//!
//! | where the holder dies                                  | what a waiter sees                              |
//! |--------------------------------------------------------|-------------------------------------------------|
//! | anywhere while holding it                              | `Err(OwnerDied { pid })` within a slice of the death, holding the lock |
//! | between taking the word and recording itself (a few instructions), or between clearing its record and freeing the word on release | no holder recorded: it waits (as in CPython) |
//! | after the pid was reused by a new process, if nobody waited meanwhile | the new process looks alive: it waits (as in CPython) |
//!
//! This covers `Lock`, `RLock`, a `Condition`'s lock and a `Value`'s or `Array`'s lock
//! (whose `get`/`set` then return `OwnerDied` after releasing the lock again). A
//! `Semaphore` has no owner, so permits a dead process held are not recovered, as in CPython.
//! An `RLock` whose owner *thread* ends while its process lives stays held, as in CPython.
//!
//! # Why `process::shared`
//! These are the `multiprocessing` objects a user of [`Process`](crate::Process) reaches for
//! next to it, and their names (`Lock`, `Event`, ...) are the threading ones: a module whose
//! path says "shared between processes" keeps `process::shared::Lock` apart from
//! `concurrency::Lock`. `crate::ipc` is the transport (pipes, rings and frames), and holds no
//! synchronisation objects.

mod arena;
mod condition;
mod event;
mod holder;
mod lock;
mod rlock;
mod semaphore;
#[cfg(test)]
mod tests;
mod value;

pub use arena::{Arena, SharedHandle};
pub use condition::{Condition, ConditionGuard, ConditionLock};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{BoundedSemaphore, Semaphore, SemaphoreGuard};
pub use value::{Array, Plain, RawArray, RawValue, Value};
