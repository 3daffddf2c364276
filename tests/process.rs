//! `multiprocessing.Process` (spec section 9, ids MP-*) on real OS processes, and hostile
//! cases: a reply of garbage, a child that exits before replying, a panicking target, signals.
//!
//! Every test is bounded: children are joined with timeouts (a lost child fails its test and
//! is killed), and a watchdog fails a test that hangs anyway. Children that sleep long are
//! daemons, so even a failing test leaves no process behind.
#![cfg(target_os = "linux")]

concurrency::process_test_main!();

#[allow(unused_macros)]
#[macro_use]
mod native_harness;
use native_harness::bounded;

use concurrency::process::{self, Process, StartMethod};
use concurrency::{active_children, current_process, parent_process, Error};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// CPython's SHORT_TIMEOUT: the bound on every wait for a child.
const SHORT: Duration = Duration::from_secs(30);

macro_rules! bounded_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                bounded(stringify!($name), cases::$name)
            }
        )*
    };
}

/// Joins within SHORT or kills the child and fails.
fn join_bounded<R>(p: &Process<R>) {
    if !p.join(SHORT).unwrap() {
        let _ = p.kill();
        let _ = p.join(SHORT);
        panic!("{p:?} did not end within {SHORT:?}");
    }
}

/// Kills the child when dropped: for non-daemon children that would outlive a failed test.
struct KillOnDrop<R>(Process<R>);

impl<R> Drop for KillOnDrop<R> {
    fn drop(&mut self) {
        if self.0.is_alive() == Ok(true) {
            let _ = self.0.kill();
            let _ = self.0.join(SHORT);
        }
    }
}

/// Whether `p` is among `active_children()` (handles of any result type compare by identity).
fn in_active<R>(p: &Process<R>) -> bool {
    active_children().iter().any(|c| c == p)
}

/// CPython's assertTimeout: 0.6·expected ≤ actual < 10·expected.
fn assert_timeout(actual: Duration, expected: Duration) {
    assert!(
        actual >= expected.mul_f64(0.6) && actual < expected * 10,
        "took {actual:?}, expected about {expected:?}"
    );
}

/// A fresh scratch directory for the test's files.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("concurrency-process-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits (bounded) until `path` holds at least `lines` lines; returns them.
fn wait_lines(path: &std::path::Path, lines: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            let got: Vec<String> = s.lines().map(str::to_owned).collect();
            if got.len() >= lines {
                return got;
            }
        }
        assert!(
            start.elapsed() < SHORT,
            "{path:?}: fewer than {lines} lines in time"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn append(path: &str, line: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    writeln!(f, "{line}").unwrap();
}

/// Whether the process `pid` is gone (no entry, or a zombie: dead, waiting for its reaper).
fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.trim_start().starts_with(['Z', 'X']))
            .unwrap_or(true),
    }
}

/// The children's targets. Each runs in a child process.
mod targets {
    use super::*;

    /// MP-02: what the child sees of itself and its arguments.
    pub fn report(args: (i32, i32)) -> (i32, i32, String, u32, bool, Option<u32>) {
        let me = current_process();
        (
            args.0,
            args.1,
            me.name(),
            me.pid().unwrap().unwrap(),
            me.daemon(),
            parent_process().map(|p| p.pid().unwrap().unwrap()),
        )
    }

    pub fn sleep_secs(secs: f64) {
        std::thread::sleep(Duration::from_secs_f64(secs));
    }

    pub fn exit_with(code: i32) {
        std::process::exit(code);
    }

    pub fn panic_with(message: String) {
        panic!("{message}");
    }

    /// MP-06: this process's path, then its subtree's, in start order.
    pub fn recurse(path: Vec<u32>) -> Vec<Vec<u32>> {
        let mut out = vec![path.clone()];
        if path.len() < 2 {
            for i in 0..2 {
                let mut sub = path.clone();
                sub.push(i);
                let p = Process::builder()
                    .daemon(false)
                    .target(recurse, sub)
                    .build();
                p.start().unwrap();
                out.extend(p.result().unwrap());
            }
        }
        out
    }

    /// MP-07: the parent's pid and name as the child sees them.
    pub fn parent_info(_: ()) -> Option<(u32, String)> {
        parent_process().map(|p| (p.pid().unwrap().unwrap(), p.name()))
    }

    /// MP-08, the middle process: starts a grandchild that watches it, then sleeps until
    /// terminated.
    pub fn parent_of_watcher(file: String) {
        let g = Process::builder()
            .daemon(false)
            .target(watch_parent, file)
            .build();
        g.start().unwrap();
        std::thread::sleep(Duration::from_secs(100));
    }

    /// MP-08, the grandchild: reports its parent alive, waits for it to end, reports again.
    pub fn watch_parent(file: String) {
        let parent = parent_process().unwrap();
        append(&file, &format!("alive={}", parent.is_alive().unwrap()));
        let joined = parent.join(SHORT).unwrap();
        append(
            &file,
            &format!("joined={joined} alive={}", parent.is_alive().unwrap()),
        );
    }

    /// MP-03, MP-30: the daemon flag seen from inside, and what starting a child gives.
    pub fn daemon_try_child(_: ()) -> (bool, Option<String>) {
        let p = Process::new(sleep_secs, 0.0);
        let err = p.start().err().map(|e| e.to_string());
        if err.is_none() {
            join_bounded(&p);
        }
        (current_process().daemon(), err)
    }

    /// MP-13: a non-daemon thread writes the file after 0.5 s; a daemon thread sleeps 20 s.
    pub fn threads_then_return(file: String) {
        concurrency::Thread::builder()
            .daemon(true)
            .target(|| std::thread::sleep(Duration::from_secs(20)))
            .build()
            .start()
            .unwrap();
        concurrency::Thread::new(move || {
            std::thread::sleep(Duration::from_millis(500));
            append(&file, "done");
        })
        .start()
        .unwrap();
    }

    /// MP-14: stdout and stderr closed, then written to.
    pub fn closed_stdio(_: ()) {
        // SAFETY: closing this process's own stdout and stderr descriptors.
        unsafe {
            libc::close(1);
            libc::close(2);
        }
        println!("to a closed stdout");
        eprintln!("to a closed stderr");
    }

    /// MP-16: the number of open descriptors.
    pub fn fd_count(_: ()) -> usize {
        std::fs::read_dir("/proc/self/fd").unwrap().count()
    }

    /// MP-28: runs a panicking grandchild with stderr sent to a file; returns that file.
    pub fn capture_panic(file: String) -> (Option<i32>, String, String) {
        let f = std::fs::File::create(&file).unwrap();
        // SAFETY: replaces this (child) process's stderr with the file.
        unsafe { libc::dup2(f.as_raw_fd(), 2) };
        let g = Process::builder()
            .name("Panicker")
            .target(panic_with, "boom 1/0".to_owned())
            .build();
        g.start().unwrap();
        let err = g.result().unwrap_err().to_string();
        (
            g.exitcode().unwrap(),
            err,
            std::fs::read_to_string(&file).unwrap(),
        )
    }

    /// The no-orphan test's middle process: two daemon children sleeping 100 s, their pids in
    /// the file, then sleeps until killed.
    pub fn parent_of_daemons(file: String) {
        for _ in 0..2 {
            let g = Process::builder()
                .daemon(true)
                .target(sleep_secs, 100.0)
                .build();
            g.start().unwrap();
            append(&file, &g.pid().unwrap().unwrap().to_string());
        }
        std::thread::sleep(Duration::from_secs(100));
    }

    /// The channel socket to the parent (the only socket a test child has).
    fn channel_fd() -> i32 {
        for e in std::fs::read_dir("/proc/self/fd").unwrap() {
            let e = e.unwrap();
            if let Ok(link) = std::fs::read_link(e.path()) {
                if link.to_string_lossy().starts_with("socket:") {
                    return e.file_name().to_string_lossy().parse().unwrap();
                }
            }
        }
        panic!("no channel socket");
    }

    /// Hostile: writes `bytes` raw to the parent, then exits 0 without a real reply.
    pub fn write_raw(bytes: Vec<u8>) -> String {
        let fd = channel_fd();
        // SAFETY: writes a valid buffer to a descriptor this process owns.
        unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        std::process::exit(0);
    }

    pub fn big(n: usize) -> Vec<u8> {
        (0..n).map(|i| i as u8).collect()
    }

    pub fn args_of(v: (u8, String, Vec<u8>, (u8,))) -> (u8, String, Vec<u8>, (u8,)) {
        v
    }
}

mod cases {
    use super::targets::*;
    use super::*;

    /// MP-01 `test_current`.
    pub fn mp_01_current() {
        let me = current_process();
        assert_eq!(me.is_alive(), Ok(true));
        assert!(!me.daemon());
        assert_eq!(me.pid(), Ok(Some(std::process::id())));
        assert_eq!(me.exitcode(), Ok(None));
        assert_eq!(me.name(), "MainProcess");
        assert!(
            parent_process().is_none(),
            "MP-07: no parent in the main process"
        );
    }

    /// MP-02 `test_process`, MP-05 `test_active_children`.
    pub fn mp_02_process() {
        let p = Process::builder()
            .name("SomeProcess")
            .target(report, (1, 2))
            .build();
        p.set_daemon(true).unwrap();
        assert_eq!(p.is_alive(), Ok(false));
        assert!(p.daemon());
        assert!(!in_active(&p));
        assert_eq!(p.exitcode(), Ok(None));
        assert_eq!(p.pid(), Ok(None));
        p.start().unwrap();
        assert_eq!(p.exitcode(), Ok(None));
        assert!(in_active(&p) || p.exitcode().unwrap().is_some());
        let (a, b, name, pid, daemon, parent) = p.result().unwrap();
        assert_eq!((a, b), (1, 2));
        assert_eq!(name, "SomeProcess");
        assert_eq!(Some(pid), p.pid().unwrap(), "the child's own pid is p.pid");
        assert_ne!(pid, std::process::id(), "a separate OS process");
        assert!(daemon);
        assert_eq!(parent, Some(std::process::id()));
        assert_eq!(p.exitcode(), Ok(Some(0)));
        assert_eq!(p.is_alive(), Ok(false));
        assert!(!in_active(&p));
    }

    /// MP-05 while running: present during, absent before and after.
    pub fn mp_05_active_children() {
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 0.3)
            .build();
        assert!(!in_active(&p));
        p.start().unwrap();
        assert!(in_active(&p));
        join_bounded(&p);
        assert!(!in_active(&p));
    }

    /// MP-03 `test_daemon_argument`: default from the current process; both values honoured.
    pub fn mp_03_daemon_argument() {
        assert!(
            !Process::new(sleep_secs, 0.0).daemon(),
            "inherited from MainProcess"
        );
        for daemon in [true, false] {
            let p = Process::builder()
                .daemon(daemon)
                .target(daemon_try_child, ())
                .build();
            p.start().unwrap();
            let (seen, err) = p.result().unwrap();
            assert_eq!(seen, daemon);
            // MP-30: a daemon may not have children; a non-daemon may.
            assert_eq!(
                err.as_deref(),
                daemon.then_some("daemonic processes are not allowed to have children")
            );
        }
    }

    /// MP-04 (typed): arguments of several kinds round-trip.
    pub fn mp_04_args_argument() {
        let v = (1u8, "str".to_owned(), vec![1u8], (1u8,));
        let p = Process::new(args_of, v.clone());
        p.start().unwrap();
        assert_eq!(p.result(), Ok(v));
    }

    /// MP-06 `test_recursion`: grandchildren to depth 2, in order.
    pub fn mp_06_recursion() {
        let p = Process::new(recurse, vec![]);
        p.start().unwrap();
        let order = p.result().unwrap();
        let expect: Vec<Vec<u32>> = vec![
            vec![],
            vec![0],
            vec![0, 0],
            vec![0, 1],
            vec![1],
            vec![1, 0],
            vec![1, 1],
        ];
        assert_eq!(order, expect);
    }

    /// MP-07 `test_parent_process_attributes`.
    pub fn mp_07_parent_process_attributes() {
        assert!(parent_process().is_none());
        let p = Process::new(parent_info, ());
        p.start().unwrap();
        assert_eq!(
            p.result().unwrap(),
            Some((std::process::id(), "MainProcess".to_owned()))
        );
    }

    /// MP-08 `test_parent_process`: a grandchild sees its parent alive, then, once the parent
    /// is terminated, its join returns and it is not alive.
    pub fn mp_08_parent_process() {
        let dir = scratch("mp08");
        let file = dir.join("log");
        let p = Process::builder()
            .daemon(false)
            .target(parent_of_watcher, file.to_string_lossy().into_owned())
            .build();
        p.start().unwrap();
        let _guard = KillOnDrop(p.clone());
        let first = wait_lines(&file, 1);
        assert_eq!(first[0], "alive=true");
        p.terminate().unwrap();
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(-15)));
        let lines = wait_lines(&file, 2);
        assert_eq!(lines[1], "joined=true alive=false");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// MP-09 `test_sentinel`.
    pub fn mp_09_sentinel() {
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 0.3)
            .build();
        assert_eq!(
            p.sentinel(),
            Err(Error::InvalidArgument("process not started"))
        );
        p.start().unwrap();
        let fd = p.sentinel().unwrap();
        assert!(
            !readable(fd, Duration::ZERO),
            "not ready while the child runs"
        );
        join_bounded(&p);
        assert!(readable(fd, Duration::from_secs(1)), "ready after join");
    }

    fn readable(fd: i32, timeout: Duration) -> bool {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pfd, 1, timeout.as_millis() as i32) > 0 }
    }

    /// MP-10 `test_wait_integer`: a sentinel waited on with pipes; only it becomes ready.
    pub fn mp_10_wait_integer() {
        let mut a = [0; 2];
        let mut b = [0; 2];
        // SAFETY: two arrays of two ints.
        unsafe {
            assert_eq!(libc::pipe(a.as_mut_ptr()), 0);
            assert_eq!(libc::pipe(b.as_mut_ptr()), 0);
        }
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 0.5)
            .build();
        p.start().unwrap();
        let s = p.sentinel().unwrap();
        let wait = |timeout_ms: i32| {
            let mut fds = [a[0], s, b[0]].map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
            // SAFETY: three valid pollfds.
            unsafe { libc::poll(fds.as_mut_ptr(), 3, timeout_ms) };
            fds.map(|f| f.revents != 0)
        };
        let t = Instant::now();
        assert_eq!(wait(23_000), [false, true, false]);
        let dt = t.elapsed();
        assert!(
            dt > Duration::from_millis(300) && dt < Duration::from_secs(5),
            "{dt:?}"
        );
        let t = Instant::now();
        assert_eq!(wait(23_000), [false, true, false]);
        assert!(t.elapsed() < Duration::from_millis(400));
        join_bounded(&p);
        // Nothing else ready: the wait times out.
        let t = Instant::now();
        let mut fds = [a[0], b[0]].map(|fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        });
        // SAFETY: two valid pollfds.
        assert_eq!(unsafe { libc::poll(fds.as_mut_ptr(), 2, 500) }, 0);
        assert!(t.elapsed() > Duration::from_millis(400));
        for fd in a.into_iter().chain(b) {
            // SAFETY: closing the pipes made above.
            unsafe { libc::close(fd) };
        }
    }

    /// MP-11 `test_close`.
    pub fn mp_11_close() {
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 100.0)
            .build();
        p.close().unwrap();
        assert_eq!(p.start(), Err(Error::ProcessClosed), "closed before start");
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 100.0)
            .build();
        p.start().unwrap();
        assert_eq!(p.close(), Err(Error::ProcessStillRunning));
        assert_eq!(
            Error::ProcessStillRunning.to_string(),
            "Cannot close a process while it is still running. You should first call join() or terminate()."
        );
        p.terminate().unwrap();
        join_bounded(&p);
        assert_eq!(p.is_alive(), Ok(false));
        assert_eq!(p.exitcode(), Ok(Some(-15)));
        p.close().unwrap();
        assert_eq!(p.is_alive(), Err(Error::ProcessClosed));
        assert_eq!(p.join(None), Err(Error::ProcessClosed));
        assert_eq!(p.terminate(), Err(Error::ProcessClosed));
        assert_eq!(p.exitcode(), Err(Error::ProcessClosed));
        assert_eq!(p.sentinel(), Err(Error::ProcessClosed));
        assert_eq!(p.result(), Err(Error::ProcessClosed));
        assert_eq!(Error::ProcessClosed.to_string(), "process object is closed");
        p.close().unwrap();
    }

    /// MP-13 `test_wait_for_threads`: the child waits for its non-daemon threads, not for
    /// its daemon ones.
    pub fn mp_13_wait_for_threads() {
        let dir = scratch("mp13");
        let file = dir.join("done");
        let p = Process::new(threads_then_return, file.to_string_lossy().into_owned());
        let t = Instant::now();
        p.start().unwrap();
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(0)));
        assert!(
            file.exists(),
            "the non-daemon thread finished before the process ended"
        );
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "the daemon thread did not hold it up"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    /// MP-14 `test_error_on_stdio_flush`: closed stdout and stderr in the child.
    pub fn mp_14_error_on_stdio_flush() {
        let p = Process::new(closed_stdio, ());
        p.start().unwrap();
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(0)));
    }

    /// MP-15 `test_many_processes`: 100 short ones exit 0; 100 long ones terminated → −15.
    pub fn mp_15_many_processes() {
        let short: Vec<_> = (0..100)
            .map(|_| {
                Process::builder()
                    .daemon(true)
                    .target(sleep_secs, 0.01)
                    .build()
            })
            .collect();
        for p in &short {
            p.start().unwrap();
        }
        for p in &short {
            join_bounded(p);
            assert_eq!(p.exitcode(), Ok(Some(0)));
        }
        let long: Vec<_> = (0..100)
            .map(|_| {
                Process::builder()
                    .daemon(true)
                    .target(sleep_secs, 100.0)
                    .build()
            })
            .collect();
        for p in &long {
            p.start().unwrap();
        }
        for p in &long {
            p.terminate().unwrap();
        }
        for p in &long {
            join_bounded(p);
            assert_eq!(p.exitcode(), Ok(Some(-libc::SIGTERM)));
        }
    }

    /// MP-16 `test_child_fd_inflation`: every child starts with the same descriptors.
    pub fn mp_16_child_fd_inflation() {
        let counts: Vec<usize> = (0..5)
            .map(|_| {
                let p = Process::new(fd_count, ());
                p.start().unwrap();
                p.result().unwrap()
            })
            .collect();
        assert!(counts.iter().all(|&c| c == counts[0]), "{counts:?}");
    }

    /// MP-20 `test_poll_eintr`: a handled signal while blocked in join does not end it.
    pub fn mp_20_poll_eintr() {
        extern "C" fn on_usr1(_: libc::c_int) {}
        // SAFETY: installs a handler that does nothing (async-signal-safe), without
        // SA_RESTART, so the join's poll really sees EINTR.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_usr1 as extern "C" fn(libc::c_int) as usize;
            libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut());
        }
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 0.5)
            .build();
        p.start().unwrap();
        // SAFETY: pthread_self of the calling thread.
        let me = unsafe { libc::pthread_self() } as usize;
        let poker = std::thread::spawn(move || {
            for _ in 0..3 {
                std::thread::sleep(Duration::from_millis(100));
                // SAFETY: the joining thread is alive until this thread is joined below.
                unsafe { libc::pthread_kill(me as libc::pthread_t, libc::SIGUSR1) };
            }
        });
        assert_eq!(p.join(SHORT), Ok(true));
        poker.join().unwrap();
        assert_eq!(p.exitcode(), Ok(Some(0)));
    }

    /// MP-22 `TestStartMethod` (as far as it applies): spawn is there, and the default is
    /// not fork.
    pub fn mp_22_start_method() {
        let all = process::all_start_methods();
        assert!(all.contains(&StartMethod::Spawn));
        assert_eq!(all[0], StartMethod::default());
        assert!(all.iter().all(|m| m.name() != "fork"));
        assert_eq!(StartMethod::Spawn.name(), "spawn");
    }

    /// MP-23 `test_terminate`: join(0) and join(-1) return at once; terminate → −15.
    pub fn mp_23_terminate() {
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 100.0)
            .build();
        p.start().unwrap();
        let t = Instant::now();
        assert_eq!(p.join(0.0), Ok(false));
        assert_eq!(p.join(-1.0), Ok(false), "a negative timeout acts like 0");
        assert!(t.elapsed() < Duration::from_secs(1));
        assert_eq!(p.is_alive(), Ok(true));
        p.terminate().unwrap();
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(-15)));
        assert_eq!(p.is_alive(), Ok(false));
        assert!(!in_active(&p));
        assert!(
            format!("{p:?}").contains("stopped exitcode=-SIGTERM"),
            "{p:?}"
        );
        p.terminate().unwrap();
    }

    /// MP-24 `test_kill`: → −9.
    pub fn mp_24_kill() {
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 100.0)
            .build();
        p.start().unwrap();
        assert_eq!(p.join(0.0), Ok(false));
        p.kill().unwrap();
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(-9)));
        assert_eq!(p.is_alive(), Ok(false));
        assert_eq!(p.result(), Err(Error::ProcessNoResult(-9)));
    }

    /// MP-27 `test_sys_exit` (Rust form): `std::process::exit(n)` gives n.
    pub fn mp_27_sys_exit() {
        for code in [0, 1, 8] {
            let p = Process::new(exit_with, code);
            p.start().unwrap();
            join_bounded(&p);
            assert_eq!(p.exitcode(), Ok(Some(code)));
            assert_eq!(p.result(), Err(Error::ProcessNoResult(code)), "no reply");
        }
    }

    /// MP-28 `test_stderr_flush`: a panic gives exit code 1 and `Process <name>:` plus the
    /// message on the child's stderr.
    pub fn mp_28_stderr_flush() {
        let dir = scratch("mp28");
        let file = dir.join("stderr");
        let p = Process::new(capture_panic, file.to_string_lossy().into_owned());
        p.start().unwrap();
        let (code, err, stderr) = p.result().unwrap();
        assert_eq!(code, Some(1));
        assert_eq!(err, "the process's target panicked: boom 1/0");
        let header = stderr.find("Process Panicker:").expect(&stderr);
        let message = stderr.find("boom 1/0").expect(&stderr);
        assert!(header < message, "{stderr}");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// MP-30: the misuse errors, with CPython's messages.
    pub fn mp_30_misuse() {
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 0.0)
            .build();
        assert_eq!(p.join(None), Err(Error::ProcessNotStarted));
        assert_eq!(p.terminate(), Err(Error::ProcessNotStarted));
        assert_eq!(
            Error::ProcessNotStarted.to_string(),
            "can only join a started process"
        );
        p.start().unwrap();
        assert_eq!(p.start(), Err(Error::ProcessAlreadyStarted));
        assert_eq!(
            Error::ProcessAlreadyStarted.to_string(),
            "cannot start a process twice"
        );
        assert_eq!(p.set_daemon(false), Err(Error::ProcessDaemonAfterStart));
        assert_eq!(
            Error::ProcessDaemonAfterStart.to_string(),
            "process has already started"
        );
        join_bounded(&p);
        assert_eq!(
            p.start(),
            Err(Error::ProcessAlreadyStarted),
            "also after it ended"
        );
        let me = current_process();
        assert_eq!(
            me.join(None),
            Err(Error::ProcessNotChild("can only join a child process"))
        );
        assert!(matches!(me.start(), Err(Error::ProcessNotChild(_))));
        assert!(matches!(me.terminate(), Err(Error::ProcessNotChild(_))));
    }

    /// MP-31: join(timeout) on a running process returns after about the timeout.
    pub fn mp_31_join_timeout() {
        let p = Process::builder()
            .daemon(true)
            .target(sleep_secs, 100.0)
            .build();
        p.start().unwrap();
        let t = Instant::now();
        assert_eq!(p.join(Duration::from_millis(200)), Ok(false));
        assert_timeout(t.elapsed(), Duration::from_millis(200));
        assert_eq!(p.is_alive(), Ok(true));
        assert_eq!(p.exitcode(), Ok(None));
        let t = Instant::now();
        assert_eq!(p.join(0.2), Ok(false), "float seconds");
        assert_timeout(t.elapsed(), Duration::from_millis(200));
        p.kill().unwrap();
        join_bounded(&p);
    }

    /// A panicking target: exit code 1, the message comes back typed.
    pub fn target_panic_is_exitcode_1_and_a_typed_error() {
        let p = Process::new(panic_with, "deliberate".to_owned());
        p.start().unwrap();
        assert_eq!(p.result(), Err(Error::ProcessPanicked("deliberate".into())));
        assert_eq!(p.exitcode(), Ok(Some(1)));
    }

    /// A child that exits before replying.
    pub fn child_exiting_before_reply_is_no_result() {
        let p = Process::new(exit_with, 3);
        p.start().unwrap();
        assert_eq!(p.result(), Err(Error::ProcessNoResult(3)));
        assert_eq!(p.exitcode(), Ok(Some(3)));
    }

    /// Garbage, truncated, and lying replies are typed errors in the parent, never panics.
    pub fn garbage_replies_are_bad_message() {
        let mut huge_claim = vec![b'R'];
        huge_claim.extend_from_slice(&u32::MAX.to_le_bytes());
        huge_claim.extend_from_slice(b"abc");
        // A well-formed frame whose payload is not a String: a length varint of 2^64-ish.
        let mut not_a_string = vec![b'R', 5, 0, 0, 0];
        not_a_string.extend_from_slice(&[0xff; 5]);
        let cases: Vec<Vec<u8>> = vec![
            vec![0xde, 0xad, 0xbe, 0xef],
            huge_claim,
            not_a_string,
            vec![b'R', 1, 0, 0, 0, 0, b'x', b'y'],
        ];
        for bytes in cases {
            let p = Process::new(write_raw, bytes.clone());
            p.start().unwrap();
            match p.result() {
                Err(Error::BadMessage(_)) => {}
                other => panic!("{bytes:?} gave {other:?}"),
            }
            assert_eq!(p.exitcode(), Ok(Some(0)));
        }
    }

    /// A result larger than the socket's buffer: the parent reads while it waits, so the
    /// child is never stuck writing.
    pub fn large_result_crosses() {
        let n = 4 << 20;
        let p = Process::new(big, n);
        p.start().unwrap();
        let v = p.result().unwrap();
        assert_eq!(v.len(), n);
        assert!(v.iter().enumerate().all(|(i, &b)| b == i as u8));
    }

    /// Large arguments: sent by a helper thread, so `start` never blocks on a child.
    pub fn large_arguments_cross() {
        let v = (7u8, "x".repeat(1 << 20), vec![3u8; 3 << 20], (9u8,));
        let p = Process::new(args_of, v.clone());
        p.start().unwrap();
        assert_eq!(p.result(), Ok(v));
    }

    /// No orphan: SIGKILL a child that has daemon children; they die too.
    pub fn sigkilled_parent_leaves_no_daemon_grandchild() {
        let dir = scratch("orphans");
        let file = dir.join("pids");
        // Not a daemon: daemons may not have children.
        let p = Process::builder()
            .daemon(false)
            .target(parent_of_daemons, file.to_string_lossy().into_owned())
            .build();
        p.start().unwrap();
        let _guard = KillOnDrop(p.clone());
        let pids: Vec<u32> = wait_lines(&file, 2)
            .iter()
            .map(|l| l.parse().unwrap())
            .collect();
        assert!(
            pids.iter().all(|&g| !process_gone(g)),
            "the grandchildren run"
        );
        p.kill().unwrap();
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(-9)));
        let t = Instant::now();
        while !pids.iter().all(|&g| process_gone(g)) {
            assert!(
                t.elapsed() < SHORT,
                "a daemon grandchild outlived its SIGKILLed parent"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The program of the module docs runs (as `examples/process.rs`).
    pub fn example_program_runs() {
        // `cargo test` builds the examples, `cargo test --test process` does not: build it
        // (a no-op when up to date), in this test binary's profile.
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap();
        let mut build = std::process::Command::new(env!("CARGO"));
        build
            .args([
                "build",
                "--quiet",
                "--example",
                "process",
                "--manifest-path",
            ])
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        assert!(
            build.status().unwrap().success(),
            "cargo build --example process"
        );
        let example = profile_dir.join("examples/process");
        let mut child = std::process::Command::new(&example)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{example:?}: {e}"));
        let t = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if t.elapsed() > SHORT {
                let _ = child.kill();
                panic!("the example did not finish");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut out = String::new();
        std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
        assert!(status.success(), "{status}: {out}");
        assert!(
            out.contains("child") && out.contains("squaring 12"),
            "{out}"
        );
        assert!(out.contains("returned 144"), "{out}");
    }
}

bounded_tests!(
    mp_01_current,
    mp_02_process,
    mp_03_daemon_argument,
    mp_04_args_argument,
    mp_05_active_children,
    mp_06_recursion,
    mp_07_parent_process_attributes,
    mp_08_parent_process,
    mp_09_sentinel,
    mp_10_wait_integer,
    mp_11_close,
    mp_13_wait_for_threads,
    mp_14_error_on_stdio_flush,
    mp_15_many_processes,
    mp_16_child_fd_inflation,
    mp_20_poll_eintr,
    mp_22_start_method,
    mp_23_terminate,
    mp_24_kill,
    mp_27_sys_exit,
    mp_28_stderr_flush,
    mp_30_misuse,
    mp_31_join_timeout,
    target_panic_is_exitcode_1_and_a_typed_error,
    child_exiting_before_reply_is_no_result,
    garbage_replies_are_bad_message,
    large_result_crosses,
    large_arguments_cross,
    sigkilled_parent_leaves_no_daemon_grandchild,
    example_program_runs,
);
