//! Python's `multiprocessing.Process`: a target function run in a separate OS process, with
//! its own pid and its own memory (Linux).
//!
//! ```no_run
//! use concurrency::process::{self, Process};
//!
//! fn square(x: u64) -> u64 {
//!     x * x // runs in the child process
//! }
//!
//! fn main() -> Result<(), concurrency::Error> {
//!     process::entry(); // the `if __name__ == '__main__':` guard: see below
//!     let p = Process::builder().name("squarer").target(square, 12).build();
//!     p.start()?;
//!     assert_eq!(p.result()?, 144); // joins, then decodes what the child returned
//!     assert_eq!(p.exitcode()?, Some(0));
//!     concurrency::shutdown() // joins what is left, as Python does at exit
//! }
//! ```
//! (`examples/process.rs` is this program, run by the tests; a doctest cannot start
//! processes, because its `main` is not the program's.)
//!
//! # The entry point: Python's `if __name__ == '__main__':`
//!
//! A child process is this same program started again (`spawn`, below). Python's spawned
//! child imports the main module again, and the guard `if __name__ == '__main__':` keeps it
//! from running the parent's program; a Rust child runs `main` again, and [`entry()`], called
//! first thing in `main`, is where it leaves for its target. Without it the child would run
//! `main` again, start its own children, which would do the same: a fork bomb. The crate
//! detects that: a child that reaches [`Process::start`] without having dispatched prints
//! why and exits with [`EXIT_NOT_DISPATCHED`] before starting anything, and its parent's
//! [`Process::result`] is [`Error::ProcessNotDispatched`](crate::Error::ProcessNotDispatched)
//! (CPython raises `RuntimeError` there, MP-21).
//!
//! In a `cargo test` binary, `main` belongs to libtest: invoke
//! [`process_test_main!()`](crate::process_test_main) once at the crate root. It defines a
//! hidden test that a child is re-executed into (`__concurrency_process_child --exact
//! --nocapture`), and which dispatches there (in the parent it is an empty test). A
//! `harness = false` test binary has its own `main`: call [`entry()`] first in it.
//!
//! # Targets, arguments and results
//!
//! A target is a plain function `fn(A) -> R` (a `fn` item or a closure capturing nothing):
//! the child cannot see the parent's memory, so a closure's captures could not come along.
//! `A` and `R` cross as bytes (serde, in postcard's compact format); several arguments are a
//! tuple. The child finds the function by its offset from an anchor function in the same
//! executable, after checking it runs the same image (see `target.rs`; the target must be in
//! the executable, not in a shared library: [`Error::TargetNotInExecutable`](crate::Error::TargetNotInExecutable)).
//! Whatever a child sends back is checked before it is believed: a truncated, oversized or
//! garbage reply is [`Error::BadMessage`](crate::Error::BadMessage), never a panic, and the
//! parent never allocates by a length the child claims.
//!
//! # Why not `fork()`
//!
//! `fork()` copies only the calling thread. Any lock another thread held at that moment (the
//! allocator's, stdout's, one of this crate's) stays locked forever in the child, which then
//! hangs the first time it allocates or prints; POSIX allows only async-signal-safe calls
//! between `fork` and `exec` in a multi-threaded program. A Rust program using this crate is
//! multi-threaded as soon as it starts a `Thread` (and a test harness always is). CPython 3.14
//! stopped defaulting to `fork` for the same reason. So a child here is always a fresh
//! program: `posix_spawn` (no memory copy, nothing of ours runs before `exec`) of
//! `/proc/self/exe`.
//!
//! # Exit codes (section 9.2)
//!
//! | how the child ended                             | `exitcode()`   | `result()`                |
//! |-------------------------------------------------|----------------|---------------------------|
//! | the target returned                             | `Some(0)`      | `Ok(value)`               |
//! | the target panicked                             | `Some(1)`      | `Err(ProcessPanicked(msg))` |
//! | `std::process::exit(n)` in the target           | `Some(n)`      | `Err(ProcessNoResult(n))` |
//! | killed by signal N (`terminate`: 15, `kill`: 9) | `Some(-N)`     | `Err(ProcessNoResult(-N))`|
//! | started without dispatching (no `entry()`)      | `Some(78)`     | `Err(ProcessNotDispatched(78))` |
//!
//! A panic prints `Process <name>:` and then the panic message on the child's stderr, as
//! CPython prints `Process <name>:` and the traceback.
//!
//! # Daemons, the parent's death, and shutdown
//!
//! A daemon child dies with its parent however the parent ends, SIGKILL included: it watches
//! the socket to its parent, which the kernel closes when the parent ends (not
//! `PR_SET_PDEATHSIG`, which fires when the parent *thread* ends). A daemon may not start
//! children ([`Error::DaemonicChildren`](crate::Error::DaemonicChildren)). [`crate::shutdown`]
//! (call it at the end of `main`) does what CPython does at exit: joins non-daemon threads,
//! terminates daemon children and joins all children. A non-daemon child outlives a parent
//! that ends without `shutdown()`, as in CPython when the parent is killed.
//!
//! # Start methods
//!
//! [`StartMethod::Spawn`] re-executes the program for each child. `forkserver` (one
//! single-threaded server process that forks each child) is not implemented yet; see
//! `src/process/README.md`.

mod builder;
mod child;
mod handle;
mod life;
mod registry;
pub mod shared;
mod spawn;
mod sys;
mod target;
mod test_main;
mod timeout;
mod wire;

pub use builder::Builder;
pub use child::{entry, EXIT_NOT_DISPATCHED};
pub use handle::Process;
pub use registry::{active_children, current_process, parent_process, shutdown};
pub use spawn::CHILD_TEST_NAME;
pub use timeout::JoinTimeout;

/// How a child process is started (CPython's start methods). Never `fork`: see the module
/// docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StartMethod {
    /// A new program for each child: `/proc/self/exe` run again, which dispatches to the
    /// target in [`entry()`].
    #[default]
    Spawn,
}

impl StartMethod {
    /// CPython's name for it.
    pub fn name(self) -> &'static str {
        match self {
            StartMethod::Spawn => "spawn",
        }
    }
}

/// The start methods available here, the default first (CPython's
/// `get_all_start_methods()`, MP-22).
pub fn all_start_methods() -> &'static [StartMethod] {
    &[StartMethod::Spawn]
}
