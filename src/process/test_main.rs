//! The entry point for `cargo test` binaries, whose `main` is libtest's.

/// Makes a `cargo test` binary able to start processes: defines the hidden test
/// `__concurrency_process_child`, which a child process is re-executed into (as
/// `<binary> __concurrency_process_child --exact --nocapture`) and which dispatches to the
/// child's target there (see [`crate::process::entry`]). In the parent it is a test that does
/// nothing.
///
/// Invoke it once, at the root of the test crate (`--exact` needs the test's full path).
///
/// ```ignore
/// // tests/my_processes.rs
/// concurrency::process_test_main!();
///
/// fn double(x: i32) -> i32 { x * 2 }
///
/// #[test]
/// fn doubles_in_a_child() {
///     let p = concurrency::Process::new(double, 21);
///     p.start().unwrap();
///     assert_eq!(p.result(), Ok(42));
/// }
/// ```
#[macro_export]
macro_rules! process_test_main {
    () => {
        #[test]
        #[doc(hidden)]
        fn __concurrency_process_child() {
            $crate::process::entry();
        }
    };
}
