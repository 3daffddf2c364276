//! What the stress tests (`tests/stress.rs`, `tests/queue_stress.rs`) share: spurious wake-ups
//! under `--features portable-seam`, a per-thread xorshift, and library threads that every
//! test joins within a bound.

use concurrency::Thread;
use std::time::Duration;

/// How long any one thread may take: longer means a lost wake-up.
pub const BOUND: Duration = Duration::from_secs(60);

/// With `--features portable-seam`, has the fallback seam inject spurious wake-ups.
pub fn chaos() {
    #[cfg(feature = "portable-seam")]
    concurrency::sys::futex::inject_spurious_wakeups(200);
}

/// xorshift: reproducible per thread.
pub struct Rng(u32);

impl Rng {
    pub fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 % n
    }

    /// A timeout of 0–2 ms, or forever one time in four.
    pub fn timeout(&mut self) -> Option<Duration> {
        match self.below(4) {
            0 => None,
            _ => Some(Duration::from_micros(u64::from(self.below(2000)))),
        }
    }
}

/// Starts a library thread named `name` running `work` with its own Rng, seeded from `seed`.
pub fn start(name: String, seed: u32, work: impl FnOnce(&mut Rng) + Send + 'static) -> Thread {
    let t = Thread::builder()
        .name(name)
        .target(move || work(&mut Rng(seed * 7919 + 1)))
        .build();
    t.start().unwrap();
    t
}

/// Every thread must finish within BOUND without a failed assertion.
pub fn join_all(threads: &[Thread]) {
    for t in threads {
        assert_eq!(
            t.join(BOUND),
            Ok(true),
            "{} never finished: a lost wake-up?",
            t.name()
        );
        assert!(!t.panicked(), "{} failed an assertion", t.name());
    }
}
