//! The crate's own `Mutex<T>` for its bookkeeping (registries, the worker pool's job list).
//! Untraced, and safe to take on the browser's main thread: there it spins instead of
//! parking, which is fine because every critical section guarded by it is a few instructions
//! long and never blocks inside.

use crate::algo::raw_lock::RawLock;
use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};

pub(crate) struct Mutex<T> {
    lock: RawLock,
    data: UnsafeCell<T>,
}

// SAFETY: the data is only reached through a `MutexGuard`, and `RawLock` lets one guard exist
// at a time (Acquire on lock, Release on unlock order the accesses), so sharing the Mutex
// across threads hands `T` from one thread to another, which `T: Send` permits.
unsafe impl<T: Send> Sync for Mutex<T> {}
// SAFETY: moving the Mutex moves the `T` it owns; `T: Send` permits that.
unsafe impl<T: Send> Send for Mutex<T> {}

pub(crate) struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
}

impl<T> Mutex<T> {
    const_unless_loom! {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex {
                lock: RawLock::new(),
                data: UnsafeCell::new(value),
            }
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        if !self.lock.try_lock() {
            if crate::sys::can_block() {
                self.lock.lock_contended(None);
            } else {
                self.lock.lock_spinning();
            }
        }
        MutexGuard { mutex: self }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard exists only while `self.mutex.lock` is held by us, so no other
        // reference to the data exists (see the `Sync` impl).
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.lock.unlock();
    }
}
