//! `concurrency::ipc::Pipe` round trips between two processes, side by side in one run, in µs
//! per round trip (lower is better), reported as ratios:
//!
//! 1. a `u64` value: `send(&i)` then `recv::<u64>()` against a child that `recv`s and `send`s
//!    it back (postcard both ways);
//! 2. 8 bytes: `send_bytes` then `recv_bytes` against a child echoing bytes;
//! 3. the floor: 8 bytes over a `std::os::unix::net::UnixStream` pair (`write_all` then
//!    `read_exact`), the child echoing them: a socket's kernel path without any framing.
//!
//! The children are this bench binary re-executed (`PIPE_BENCH_CHILD` set), started once and
//! kept for all rounds. Each figure is the median of 7 repetitions of 20,000 round trips after
//! a warm-up; the three are interleaved within every repetition. Then
//! `benches/cpython_pipe.py` measures `multiprocessing.Pipe()` the same way in CPython (run as
//! `python3`, after ours, never alongside), and a second table gives our speedup over it;
//! goal ≥ 5x (issue 10).
//!
//! Run with `cargo bench --bench pipe`; `BENCH_QUICK=1` divides the round trips by 20.

mod common;

#[cfg(target_os = "linux")]
fn main() {
    linux::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("the pipe bench needs Linux");
}

#[cfg(target_os = "linux")]
mod linux {
    use super::common::{cpython_comparison, measure, Quick, Table, REPS};
    use concurrency::ipc::{pipe, Connection, ConnectionHandle};
    use std::io::{Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::net::UnixStream;
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command};
    use std::time::Instant;

    const ROUND_TRIPS: u64 = 20_000;
    const CHILD: &str = "PIPE_BENCH_CHILD";
    const HANDLE: &str = "PIPE_BENCH_HANDLE";
    /// Goal: ours ≥ 5x CPython's round trips per second.
    const CPYTHON_GOAL: f64 = 5.0;

    const TABLE: Table = Table {
        shape: 26,
        figure: 8,
        reference: 34,
    };

    pub fn main() {
        if let Ok(role) = std::env::var(CHILD) {
            child(&role);
            return;
        }
        let quick = Quick::from_env();
        let n = ROUND_TRIPS / quick.div();
        let began = Instant::now();

        let (values, values_child) = start_pipe_child("values");
        let (bytes, bytes_child) = start_pipe_child("bytes");
        let (mut stream, stream_child) = start_stream_child();

        let [o_val, o_bytes, std_stream] = measure([
            &mut || {
                us_per_round_trip(n, |i| {
                    values.send(&i).unwrap();
                    assert_eq!(values.recv::<u64>().unwrap(), i);
                })
            },
            &mut || {
                us_per_round_trip(n, |i| {
                    bytes.send_bytes(&i.to_le_bytes()).unwrap();
                    assert_eq!(bytes.recv_bytes().unwrap(), i.to_le_bytes());
                })
            },
            &mut || {
                us_per_round_trip(n, |i| {
                    stream.write_all(&i.to_le_bytes()).unwrap();
                    let mut b = [0u8; 8];
                    stream.read_exact(&mut b).unwrap();
                    assert_eq!(u64::from_le_bytes(b), i);
                })
            },
        ]);
        let rust_secs = began.elapsed().as_secs_f64();
        drop(values);
        drop(bytes);
        drop(stream);
        for mut c in [values_child, bytes_child, stream_child] {
            let _ = c.wait();
        }

        println!(
            "concurrency::ipc::Pipe round trips between two processes: median of {REPS}, {n} \
             round trips per run{}",
            quick.note()
        );
        TABLE.heading("shape (µs per round trip)");
        println!(
            "{}",
            TABLE
                .line(
                    "1. u64 send/recv",
                    o_val,
                    "UnixStream 8 bytes (the floor)",
                    std_stream
                )
                .0
        );
        println!(
            "{}",
            TABLE
                .line(
                    "2. 8 bytes send_bytes",
                    o_bytes,
                    "UnixStream 8 bytes (the floor)",
                    std_stream
                )
                .0
        );
        println!("(latency: lower is better; ours/ref below 1 means faster than the reference)");

        cpython_comparison(
            "benches/cpython_pipe.py",
            quick,
            ["pipe_obj_rt_us", "pipe_bytes_rt_us"],
            began,
            rust_secs,
            |version, [obj, raw]| {
                println!(
                    "speedup vs CPython 3.11 ({version}, benches/cpython_pipe.py{}, \
                     multiprocessing.Pipe() with a forked echo child; CPython / ours, higher \
                     is better)",
                    quick.flag()
                );
                println!(
                    "{:<30}{:>10}{:>10}{:>10}  goal",
                    "shape (µs per round trip)", "CPython", "ours", "speedup"
                );
                for (shape, cpy, ours) in [
                    ("send/recv of an int", obj, o_val),
                    ("send_bytes/recv_bytes 8 B", raw, o_bytes),
                ] {
                    let speedup = cpy / ours;
                    let verdict = if speedup >= CPYTHON_GOAL {
                        "met"
                    } else {
                        "MISSED"
                    };
                    println!(
                        "{shape:<30}{cpy:>10.2}{ours:>10.2}{speedup:>9.1}x  ≥ {CPYTHON_GOAL}x \
                         {verdict}"
                    );
                }
            },
        );
    }

    fn us_per_round_trip(n: u64, mut round_trip: impl FnMut(u64)) -> f64 {
        let start = Instant::now();
        for i in 0..n {
            round_trip(i);
        }
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    }

    fn start_pipe_child(role: &str) -> (Connection, Child) {
        let (a, b) = pipe(true).unwrap();
        let h = b.handle().unwrap();
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.env(CHILD, role).env(HANDLE, h.encode());
        h.inherit_in(&mut cmd);
        let child = cmd.spawn().unwrap();
        drop(b);
        (a, child)
    }

    fn start_stream_child() -> (UnixStream, Child) {
        let (a, b) = UnixStream::pair().unwrap();
        let fd = b.as_raw_fd();
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.env(CHILD, "stream").env(HANDLE, fd.to_string());
        // SAFETY: runs in the forked child before exec; one async-signal-safe fcntl that
        // clears close-on-exec on the socket in the child only.
        unsafe {
            cmd.pre_exec(move || {
                if libc::fcntl(fd, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        drop(b);
        (a, child)
    }

    fn child(role: &str) {
        // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and changes no memory.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        let text = std::env::var(HANDLE).unwrap();
        match role {
            "values" | "bytes" => {
                let h = ConnectionHandle::decode(&text).unwrap();
                // SAFETY: the parent made this process inherit the end's two fds; this is the
                // one place that claims them, at start-up.
                let c = unsafe { h.open() }.unwrap();
                if role == "values" {
                    while let Ok(v) = c.recv::<u64>() {
                        c.send(&v).unwrap();
                    }
                } else {
                    while let Ok(b) = c.recv_bytes() {
                        c.send_bytes(&b).unwrap();
                    }
                }
            }
            _ => {
                // SAFETY: the parent made this process inherit this fd for us alone.
                let fd = unsafe { OwnedFd::from_raw_fd(text.parse().unwrap()) };
                let mut s = UnixStream::from(fd);
                let mut b = [0u8; 8];
                while s.read_exact(&mut b).is_ok() {
                    if s.write_all(&b).is_err() {
                        break;
                    }
                }
            }
        }
    }
}
