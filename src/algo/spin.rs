//! The short spin a waiter does before it parks.
//!
//! Parking and waking a thread costs 15-30 µs each way on the VMs this project runs on; the
//! other side of a ping-pong, or the next item of a producer, usually comes sooner. So a waiter
//! first re-reads its condition a bounded number of times ([`crate::primitive::SPINS`]) and
//! parks only if it is still unmet. Never used where waiting is impossible (the browser's main
//! thread does not get this far).

/// Re-reads `done` up to SPINS times; true as soon as it holds.
#[inline]
pub(crate) fn spin_until(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..crate::primitive::SPINS {
        if done() {
            return true;
        }
        core::hint::spin_loop();
    }
    done()
}

/// A short wait for another thread to finish a step of a few instructions (a producer between
/// claiming a slot and filling it): exponentially growing spins, then yields of the CPU, so a
/// preempted peer gets to run. Under loom every pause is a yield (loom's requirement for a
/// busy loop).
pub(crate) struct Backoff(u32);

impl Backoff {
    pub(crate) fn new() -> Backoff {
        Backoff(0)
    }

    pub(crate) fn snooze(&mut self) {
        if cfg!(loom) || self.0 >= 6 {
            crate::primitive::yield_now();
        } else {
            for _ in 0..1u32 << self.0 {
                core::hint::spin_loop();
            }
            self.0 += 1;
        }
    }
}
