//! `concurrency::ipc::Pipe` between real processes: this test binary re-executes itself as
//! the child (`harness = false`; `main` plays the child when `CONCURRENCY_IPC_ROLE` is set),
//! hands it one end of a pipe through two inherited fds, and checks what each side sees,
//! including a peer killed with SIGKILL while the other side blocks.
//!
//! Every wait is bounded: blocking calls run on a helper thread joined with a timeout, child
//! processes are waited for with a deadline and killed after it, each child dies with this
//! process (`PR_SET_PDEATHSIG`) and on its own after 60 s, and a watchdog fails the whole
//! binary (killing its children first) after 120 s. Prints `N passed, N failed`.

#[cfg(not(target_os = "linux"))]
fn main() {}

#[cfg(target_os = "linux")]
fn main() {
    linux::main()
}

#[cfg(target_os = "linux")]
mod child_harness;

#[cfg(target_os = "linux")]
mod linux {
    use concurrency::ipc::{pipe, Connection, ConnectionHandle, Pipe};
    use concurrency::Error;
    use std::process::{Child, Command};
    use std::time::{Duration, Instant};

    const ROLE: &str = "CONCURRENCY_IPC_ROLE";
    const END: &str = "CONCURRENCY_IPC_END";
    /// How long one blocking step may take before its test fails.
    const STEP: Duration = Duration::from_secs(10);
    /// A killed peer must be reported within this (the ring checks every 20 ms).
    const DEATH_NOTICED: Duration = Duration::from_secs(1);

    use crate::child_harness::{self, wait, Case};

    pub fn main() {
        if let Ok(role) = std::env::var(ROLE) {
            child(&role);
            return;
        }
        let tests: &[Case] = &[
            (
                "mp17_child_echoes_upper_cased_strings_over_a_pipe",
                mp17_child_echoes_upper_cased_strings_over_a_pipe,
            ),
            (
                "mq07_unserializable_value_is_reported_and_the_pipe_keeps_working",
                mq07_unserializable_value_is_reported_and_the_pipe_keeps_working,
            ),
            (
                "mq06_poll_timeout_on_a_cross_process_pipe_elapses",
                mq06_poll_timeout_on_a_cross_process_pipe_elapses,
            ),
            (
                "peer_killed_while_parent_waits_in_recv_is_peer_closed",
                peer_killed_while_parent_waits_in_recv_is_peer_closed,
            ),
            (
                "peer_killed_while_parent_waits_for_room_is_broken_pipe",
                peer_killed_while_parent_waits_for_room_is_broken_pipe,
            ),
            (
                "child_waiting_in_recv_sees_its_killed_peer_as_closed",
                child_waiting_in_recv_sees_its_killed_peer_as_closed,
            ),
            (
                "child_exit_without_close_delivers_its_messages_then_peer_closed",
                child_exit_without_close_delivers_its_messages_then_peer_closed,
            ),
            (
                "child_close_is_seen_at_once_while_it_lives_on",
                child_close_is_seen_at_once_while_it_lives_on,
            ),
            (
                "garbage_frames_from_a_child_are_values_or_decode_errors",
                garbage_frames_from_a_child_are_values_or_decode_errors,
            ),
            (
                "one_way_pipe_to_a_child_and_large_messages_across_wraps",
                one_way_pipe_to_a_child_and_large_messages_across_wraps,
            ),
        ];
        child_harness::run("tests/ipc.rs", tests, Duration::from_secs(120));
    }

    // ---------------------------------------------------------------- the parent's side

    /// Starts this binary as a child playing `role`, holding `ends` (by index, `END0`, ...).
    fn spawn(role: &str, ends: &[&Connection]) -> Result<Child, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(exe);
        cmd.env(ROLE, role);
        for (i, end) in ends.iter().enumerate() {
            let h = end.handle().map_err(|e| e.to_string())?;
            h.inherit_in(&mut cmd);
            cmd.env(format!("{END}{i}"), h.encode());
        }
        let child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        child_harness::track(&child);
        Ok(child)
    }

    /// Runs `f` on a helper thread; its result if it ends within `within`.
    fn bounded<T: Send + 'static>(
        within: Duration,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(within)
            .map_err(|_| format!("a blocking call did not return within {within:?}"))
    }

    fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what}: got {got:?}, expected {want:?}"))
        }
    }

    fn e(err: Error) -> String {
        format!("{err:?}")
    }

    /// Receives `T` with a bound.
    fn recv_within<T: serde::de::DeserializeOwned + Send + 'static>(
        c: &std::sync::Arc<Connection>,
    ) -> Result<Result<T, Error>, String> {
        let c = c.clone();
        bounded(STEP, move || c.recv::<T>())
    }

    /// MP-17: a child echoes upper-cased strings over a Pipe: "hello" → "HELLO", "world" →
    /// "WORLD"; then stop and join (exit code 0).
    fn mp17_child_echoes_upper_cased_strings_over_a_pipe() -> Result<(), String> {
        let (a, b) = pipe(true).map_err(e)?;
        let mut child = spawn("echo", &[&b])?;
        drop(b);
        let a = std::sync::Arc::new(a);
        for word in ["hello", "world"] {
            a.send(word).map_err(e)?;
            expect("echo", recv_within::<String>(&a)?, Ok(word.to_uppercase()))?;
        }
        a.send("stop").map_err(e)?;
        expect("exit code", wait(&mut child, STEP)?.code(), Some(0))
    }

    /// MQ-07 on a Pipe: a value that cannot be serialized is reported to the caller
    /// (`Error::Serialize`), nothing is sent, and the pipe keeps working.
    fn mq07_unserializable_value_is_reported_and_the_pipe_keeps_working() -> Result<(), String> {
        struct Refuses;
        impl serde::Serialize for Refuses {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("cannot serialize this"))
            }
        }
        let (a, b) = pipe(true).map_err(e)?;
        let mut child = spawn("echo", &[&b])?;
        drop(b);
        let a = std::sync::Arc::new(a);
        match a.send(&Refuses) {
            Err(Error::Serialize(_)) => {}
            other => return Err(format!("send of an unserializable value: {other:?}")),
        }
        a.send("after").map_err(e)?;
        expect(
            "echo after the failure",
            recv_within::<String>(&a)?,
            Ok("AFTER".into()),
        )?;
        a.send("stop").map_err(e)?;
        expect("exit code", wait(&mut child, STEP)?.code(), Some(0))
    }

    /// MQ-06 on a Pipe: `poll(0.2)` with nothing sent returns false after at least 0.1 s
    /// (CLOCK_RES below nominal), and not 10x late.
    fn mq06_poll_timeout_on_a_cross_process_pipe_elapses() -> Result<(), String> {
        let (a, b) = pipe(true).map_err(e)?;
        let mut child = spawn("echo", &[&b])?;
        drop(b);
        let t = Instant::now();
        expect(
            "poll(0.2)",
            a.poll(Some(Duration::from_millis(200))),
            Ok(false),
        )?;
        let dt = t.elapsed();
        if dt < Duration::from_millis(100) || dt >= Duration::from_secs(2) {
            return Err(format!("poll(0.2) took {dt:?}"));
        }
        a.send("stop").map_err(e)?;
        expect("exit code", wait(&mut child, STEP)?.code(), Some(0))
    }

    /// The child says "ready" and then sleeps without touching the pipe; killed with SIGKILL
    /// while we block in `recv`, it is `PeerClosed` within a bound.
    fn peer_killed_while_parent_waits_in_recv_is_peer_closed() -> Result<(), String> {
        let (a, b) = pipe(true).map_err(e)?;
        let mut child = spawn("ready_then_idle", &[&b])?;
        drop(b);
        let a = std::sync::Arc::new(a);
        expect("ready", recv_within::<String>(&a)?, Ok("ready".into()))?;
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = a.clone();
        std::thread::spawn(move || {
            let r = waiter.recv_bytes();
            let _ = tx.send((r, Instant::now()));
        });
        std::thread::sleep(Duration::from_millis(200)); // the recv is blocked by now
        let killed = Instant::now();
        child.kill().map_err(|e| e.to_string())?;
        let (r, at) = rx
            .recv_timeout(STEP)
            .map_err(|_| "recv still blocked after its peer was killed".to_string())?;
        expect("recv after the kill", r, Err(Error::PeerClosed))?;
        let late = at.saturating_duration_since(killed);
        if late > DEATH_NOTICED {
            return Err(format!("the death was noticed after {late:?}"));
        }
        expect(
            "signal",
            std::os::unix::process::ExitStatusExt::signal(&wait(&mut child, STEP)?),
            Some(9),
        )
    }

    /// The child never reads; we fill the ring and block in `send`; killed, the child is
    /// `BrokenPipe` within a bound.
    fn peer_killed_while_parent_waits_for_room_is_broken_pipe() -> Result<(), String> {
        let (a, b) = Pipe::new().capacity(4096).open().map_err(e)?;
        let mut child = spawn("ready_then_idle", &[&b])?;
        drop(b);
        let a = std::sync::Arc::new(a);
        expect("ready", recv_within::<String>(&a)?, Ok("ready".into()))?;
        let (tx, rx) = std::sync::mpsc::channel();
        let sender = a.clone();
        std::thread::spawn(move || {
            let r = loop {
                if let Err(err) = sender.send_bytes(&[0u8; 1000]) {
                    break err;
                }
            };
            let _ = tx.send((r, Instant::now()));
        });
        std::thread::sleep(Duration::from_millis(200)); // the ring is full, the send blocked
        let killed = Instant::now();
        child.kill().map_err(|e| e.to_string())?;
        let (r, at) = rx
            .recv_timeout(STEP)
            .map_err(|_| "send still blocked after its reader was killed".to_string())?;
        expect("send after the kill", r, Error::BrokenPipe)?;
        let late = at.saturating_duration_since(killed);
        if late > DEATH_NOTICED {
            return Err(format!("the death was noticed after {late:?}"));
        }
        wait(&mut child, STEP).map(|_| ())
    }

    /// The other way round: a child blocks in `recv`; the process holding the other end (a
    /// second child, so that we can kill it) dies by SIGKILL; the first child's `recv` is
    /// `PeerClosed` and it exits 0 (exit 2 if it got anything else).
    fn child_waiting_in_recv_sees_its_killed_peer_as_closed() -> Result<(), String> {
        let (a, b) = pipe(true).map_err(e)?;
        let mut holder = spawn("ready_then_idle", &[&a])?;
        let mut waiter = spawn("recv_expect_peer_closed", &[&b])?;
        // The holder's "ready" goes to the waiter, which then blocks in its next `recv`.
        drop(a);
        drop(b);
        std::thread::sleep(Duration::from_millis(300));
        if waiter.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Err("the waiter returned before its peer died".into());
        }
        let killed = Instant::now();
        holder.kill().map_err(|e| e.to_string())?;
        let status = wait(&mut waiter, STEP)?;
        expect("waiter's exit code", status.code(), Some(0))?;
        if killed.elapsed() > DEATH_NOTICED + Duration::from_millis(500) {
            return Err(format!("the waiter took {:?}", killed.elapsed()));
        }
        wait(&mut holder, STEP).map(|_| ())
    }

    /// A child sends three messages and exits at once (`process::exit`, no destructor, no
    /// close): all three arrive, then `PeerClosed`.
    fn child_exit_without_close_delivers_its_messages_then_peer_closed() -> Result<(), String> {
        let (a, b) = pipe(true).map_err(e)?;
        let mut child = spawn("send3_and_exit", &[&b])?;
        drop(b);
        expect("exit code", wait(&mut child, STEP)?.code(), Some(0))?;
        let a = std::sync::Arc::new(a);
        for i in 0..3u32 {
            expect("message", recv_within::<u32>(&a)?, Ok(i))?;
        }
        expect(
            "after the last",
            recv_within::<u32>(&a)?,
            Err(Error::PeerClosed),
        )
    }

    /// A child closes its end and keeps running: our blocked `recv` is `PeerClosed` at once,
    /// although the process lives.
    fn child_close_is_seen_at_once_while_it_lives_on() -> Result<(), String> {
        let (a, b) = pipe(true).map_err(e)?;
        let mut child = spawn("close_then_idle", &[&b])?;
        drop(b);
        let a = std::sync::Arc::new(a);
        let start = Instant::now();
        expect("recv", recv_within::<u32>(&a)?, Err(Error::PeerClosed))?;
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Err("the child was meant to live on".into());
        }
        if start.elapsed() > Duration::from_secs(5) {
            return Err(format!("took {:?}", start.elapsed()));
        }
        child.kill().map_err(|e| e.to_string())?;
        wait(&mut child, STEP).map(|_| ())
    }

    /// A child sends 2000 random byte strings (some with huge length prefixes); received as
    /// values, each is a value or `Error::BadMessage`, never a panic or a huge allocation; the
    /// child's final "done" arrives intact.
    fn garbage_frames_from_a_child_are_values_or_decode_errors() -> Result<(), String> {
        let (a, b) = pipe(true).map_err(e)?;
        let mut child = spawn("send_garbage", &[&b])?;
        drop(b);
        let a = std::sync::Arc::new(a);
        for i in 0..2000 {
            let ok = match i % 3 {
                0 => matches!(
                    recv_within::<Vec<String>>(&a)?,
                    Ok(_) | Err(Error::BadMessage(_))
                ),
                1 => matches!(
                    recv_within::<(u64, String)>(&a)?,
                    Ok(_) | Err(Error::BadMessage(_))
                ),
                _ => matches!(
                    recv_within::<Option<Vec<u8>>>(&a)?,
                    Ok(_) | Err(Error::BadMessage(_))
                ),
            };
            if !ok {
                return Err(format!("message {i}: neither a value nor a decode error"));
            }
        }
        expect("last", recv_within::<String>(&a)?, Ok("done".into()))?;
        expect("exit code", wait(&mut child, STEP)?.code(), Some(0))
    }

    /// `Pipe(duplex=False)`: the child gets the writing end, sends messages of every size up
    /// to the maximum through a small ring; we receive them all in order.
    fn one_way_pipe_to_a_child_and_large_messages_across_wraps() -> Result<(), String> {
        let (r, w) = Pipe::new()
            .duplex(false)
            .capacity(1 << 12)
            .open()
            .map_err(e)?;
        let mut child = spawn("send_sizes", &[&w])?;
        drop(w);
        let r = std::sync::Arc::new(r);
        for len in (0..=4088usize).step_by(37).chain([4088]) {
            let rr = r.clone();
            let got = bounded(STEP, move || rr.recv_bytes())?.map_err(e)?;
            if got.len() != len || got.iter().enumerate().any(|(k, &x)| x != (len + k) as u8) {
                return Err(format!(
                    "message of {len} bytes came back as {} bytes",
                    got.len()
                ));
            }
        }
        expect("exit code", wait(&mut child, STEP)?.code(), Some(0))
    }

    // ---------------------------------------------------------------- the child's side

    /// The end handed down as `END<i>`.
    fn take_end(i: usize) -> Connection {
        let text = std::env::var(format!("{END}{i}")).expect("the parent names the end");
        let handle = ConnectionHandle::decode(&text).expect("a valid handle");
        // SAFETY: the parent made this process inherit both fds for this end, and this is
        // the one place, at start-up, that claims them.
        unsafe { handle.open() }.expect("the inherited end opens")
    }

    fn child(role: &str) {
        // Die with the parent; and on our own if something went wrong.
        // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and changes no memory.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_secs(60));
            std::process::exit(3);
        });
        let c = take_end(0);
        match role {
            "echo" => loop {
                match c.recv::<String>() {
                    Ok(s) if s == "stop" => break,
                    Ok(s) => c.send(&s.to_uppercase()).expect("echo"),
                    Err(_) => std::process::exit(2),
                }
            },
            "ready_then_idle" => {
                c.send("ready").expect("ready");
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            "recv_expect_peer_closed" => {
                // The holder's "ready" comes first; then nothing until it is killed.
                match c.recv::<String>() {
                    Ok(s) if s == "ready" => {}
                    _ => std::process::exit(2),
                }
                match c.recv_bytes() {
                    Err(Error::PeerClosed) => std::process::exit(0),
                    _ => std::process::exit(2),
                }
            }
            "send3_and_exit" => {
                for i in 0..3u32 {
                    c.send(&i).expect("send");
                }
                std::process::exit(0); // no destructor runs: no close
            }
            "close_then_idle" => {
                let mut c = c;
                c.close();
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            "send_garbage" => {
                let mut x: u64 = 0x2545_F491_4F6C_DD1D;
                for i in 0..2000 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let len = (x % 48) as usize;
                    let mut msg: Vec<u8> = (0..len).map(|k| (x >> (k % 8 * 8)) as u8).collect();
                    if i % 4 == 0 && !msg.is_empty() {
                        msg[0] = 0xFF;
                    }
                    c.send_bytes(&msg).expect("send");
                }
                c.send("done").expect("send");
            }
            "send_sizes" => {
                for len in (0..=4088usize).step_by(37).chain([4088]) {
                    let msg: Vec<u8> = (0..len).map(|k| (len + k) as u8).collect();
                    c.send_bytes(&msg).expect("send");
                }
            }
            other => panic!("unknown role {other}"),
        }
    }
}
