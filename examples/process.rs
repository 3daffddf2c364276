//! The module example of `concurrency::process`, as a program: a child process squares a
//! number, the parent gets the result back. Run with `cargo run --example process`; the test
//! `tests/process.rs` (`example_program_runs`) runs it too.
//!
//! `process::entry()` first in `main` is the Rust form of Python's
//! `if __name__ == '__main__':` guard: in the child, it runs the target and exits there.

#[cfg(target_os = "linux")]
fn main() -> Result<(), concurrency::Error> {
    use concurrency::process::{self, Process};

    process::entry();
    let p = Process::builder()
        .name("squarer")
        .target(square, 12)
        .build();
    p.start()?;
    let pid = p.pid()?.unwrap_or_default();
    assert_eq!(p.result()?, 144);
    assert_eq!(p.exitcode()?, Some(0));
    println!(
        "parent {}: {} (pid {pid}) returned 144",
        std::process::id(),
        p.name()
    );
    concurrency::shutdown()
}

/// Runs in the child process.
#[cfg(target_os = "linux")]
fn square(x: u64) -> u64 {
    println!("child {}: squaring {x}", std::process::id());
    x * x
}

#[cfg(not(target_os = "linux"))]
fn main() {}
