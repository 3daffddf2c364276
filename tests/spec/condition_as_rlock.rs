//! `lock_tests.ConditionAsRLockTests` (spec §5, on the cases of §3): the whole RLock suite on
//! a default `Condition()`, whose lock is an RLock. The generic bodies are in `base_lock.rs`
//! (LK) and `rlock.rs` (RL, with the [`Reentrant`] impl for [`Condition`]); these run them on
//! a Condition. CPython skips the
//! constructor-argument case and RL-07 here; RL-01 is the RLock's repr.
//!
//! [`Reentrant`]: super::rlock::Reentrant

use super::base_lock::{
    acquire_contended, acquire_destroy, acquire_release, constructor, timeout, try_acquire,
    try_acquire_contended, with,
};
use super::rlock::{
    different_thread, is_owned, locked, locked_with_2threads, reacquire, release_unacquired,
};
use concurrency::Condition;

/// LK-01 on a Condition.
pub fn cv_as_rl_lk_01_constructor() {
    constructor::<Condition>()
}
/// LK-05 on a Condition.
pub fn cv_as_rl_lk_05_acquire_destroy() {
    acquire_destroy::<Condition>()
}
/// LK-06 on a Condition.
pub fn cv_as_rl_lk_06_acquire_release() {
    acquire_release::<Condition>()
}
/// LK-07 on a Condition.
pub fn cv_as_rl_lk_07_try_acquire() {
    try_acquire::<Condition>()
}
/// LK-08 on a Condition.
pub fn cv_as_rl_lk_08_try_acquire_contended() {
    try_acquire_contended::<Condition>()
}
/// LK-09 on a Condition.
pub fn cv_as_rl_lk_09_acquire_contended() {
    acquire_contended::<Condition>()
}
/// LK-10 on a Condition.
pub fn cv_as_rl_lk_10_with() {
    with::<Condition>()
}
/// LK-12 on a Condition.
pub fn cv_as_rl_lk_12_timeout() {
    timeout::<Condition>()
}
/// RL-02 on a Condition.
pub fn cv_as_rl_02_reacquire() {
    reacquire::<Condition>()
}
/// RL-03 on a Condition.
pub fn cv_as_rl_03_release_unacquired() {
    release_unacquired::<Condition>()
}
/// RL-04 on a Condition.
pub fn cv_as_rl_04_locked() {
    locked::<Condition>()
}
/// RL-05 on a Condition.
pub fn cv_as_rl_05_locked_with_2threads() {
    locked_with_2threads::<Condition>()
}
/// RL-08 on a Condition.
pub fn cv_as_rl_08_different_thread() {
    different_thread::<Condition>()
}
/// RL-09 on a Condition.
pub fn cv_as_rl_09_is_owned() {
    is_owned::<Condition>()
}
