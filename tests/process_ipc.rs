//! Pipes and process queues handed to `Process` children in their arguments, as CPython's
//! `Process(target=f, args=(child_conn, queue))` (spec sections 8.4 and 9; ids MP-17, MQ-*),
//! between real OS processes, and what each side sees when the other dies.
//!
//! Every test is bounded: blocking calls run on a helper thread joined with a timeout, children
//! are joined with timeouts (a lost child fails its test and is killed), children that could
//! outlive a failing test are daemons (they die with this process), and a watchdog fails a
//! test that hangs anyway.
#![cfg(target_os = "linux")]

concurrency::process_test_main!();

use concurrency::ipc::{pipe, Connection};
use concurrency::{Error, Process};
use std::time::{Duration, Instant};

/// CPython's SHORT_TIMEOUT: the bound on every wait for a child or a blocking call.
const SHORT: Duration = Duration::from_secs(30);
const WATCHDOG: Duration = Duration::from_secs(120);
/// A killed peer must be reported within this (the ring checks every 20 ms).
const DEATH_NOTICED: Duration = Duration::from_secs(1);

fn bounded(name: &'static str, body: fn()) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let r = std::panic::catch_unwind(body);
            let _ = tx.send(r);
        })
        .unwrap();
    match rx.recv_timeout(WATCHDOG) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{name} hung: no result within {WATCHDOG:?}"),
    }
}

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

/// Runs `f` on a helper thread; its result, or a failure if it does not end within `within`.
fn within<T: Send + 'static>(within: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(within)
        .unwrap_or_else(|_| panic!("a blocking call did not return within {within:?}"))
}

/// Joins within SHORT or kills the child and fails.
fn join_bounded<R>(p: &Process<R>) {
    if !p.join(SHORT).unwrap() {
        let _ = p.kill();
        let _ = p.join(SHORT);
        panic!("{p:?} did not end within {SHORT:?}");
    }
}

/// A daemon child running `target(args)`, started.
fn start<A, R>(target: fn(A) -> R, args: A) -> Process<R>
where
    A: serde::Serialize + serde::de::DeserializeOwned + 'static,
    R: serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    let p = Process::builder().daemon(true).target(target, args).build();
    p.start().unwrap();
    p
}

/// The children's targets. Each runs in a child process.
mod targets {
    use super::*;

    /// MP-17: echoes upper-cased strings until "stop"; returns how many it echoed.
    pub fn echo_upper(conn: Connection) -> usize {
        let mut n = 0;
        loop {
            let s: String = conn.recv().unwrap();
            if s == "stop" {
                return n;
            }
            conn.send(&s.to_uppercase()).unwrap();
            n += 1;
        }
    }

    /// Answers one message, then waits for another that never comes (it is killed meanwhile).
    pub fn answer_once_then_wait(conn: Connection) {
        let x: u32 = conn.recv().unwrap();
        conn.send(&(x + 1)).unwrap();
        let _ = conn.recv::<u32>();
        std::thread::sleep(Duration::from_secs(100));
    }

    /// Sends its id and its pid on its own pipe, then the sum of what it receives back.
    pub fn report_on_own_pipe((id, conn): (u32, Connection)) {
        conn.send(&(id, std::process::id())).unwrap();
        let back: Vec<u32> = conn.recv().unwrap();
        conn.send(&back.iter().sum::<u32>()).unwrap();
    }

    /// Writes `n` numbers to a one-way pipe's writing end.
    pub fn write_numbers((conn, n): (Connection, u32)) {
        for i in 0..n {
            conn.send(&i).unwrap();
        }
    }

    /// Reads numbers from a one-way pipe's reading end until its writer is gone; their sum.
    pub fn sum_until_closed(conn: Connection) -> u64 {
        let mut sum = 0u64;
        while let Ok(i) = conn.recv::<u32>() {
            sum += u64::from(i);
        }
        sum
    }

    /// What a connection received in a child can do: its ends' flags.
    pub fn flags(conn: Connection) -> (bool, bool, bool) {
        (conn.readable(), conn.writable(), conn.closed())
    }
}

mod cases {
    use super::targets::*;
    use super::*;

    /// MP-17 (as CPython's `_UpperCaser`): a child echoes upper-cased strings over a Pipe end
    /// given in its arguments; both directions work; "stop" ends it with exit code 0.
    pub fn mp_17_child_echoes_over_a_pipe_end_in_its_arguments() {
        let (parent_conn, child_conn) = pipe(true).unwrap();
        // The parent's copy of `child_conn` goes into the arguments (and is dropped there).
        let p = start(echo_upper, child_conn);
        for word in ["hello", "world"] {
            parent_conn.send(word).unwrap();
            let got: String = parent_conn.recv().unwrap();
            assert_eq!(got, word.to_uppercase());
        }
        parent_conn.send("stop").unwrap();
        assert_eq!(p.result(), Ok(2));
        assert_eq!(p.exitcode(), Ok(Some(0)));
        // The child is gone and held the only other copy: the pipe reports it.
        assert_eq!(parent_conn.recv::<String>(), Err(Error::PeerClosed));
    }

    /// The child is killed while the parent waits in `recv`: the parent gets `PeerClosed`
    /// (CPython's EOFError) within a bound, never a hang.
    pub fn child_killed_mid_conversation_is_peer_closed_within_a_bound() {
        let (parent_conn, child_conn) = pipe(true).unwrap();
        let p = start(answer_once_then_wait, child_conn);
        parent_conn.send(&41u32).unwrap();
        assert_eq!(parent_conn.recv::<u32>(), Ok(42));
        let parent_conn = std::sync::Arc::new(parent_conn);
        let c = parent_conn.clone();
        let (killed_tx, killed_rx) = std::sync::mpsc::channel::<Instant>();
        let waiter = std::thread::spawn(move || {
            let r = c.recv::<u32>();
            (r, Instant::now(), killed_rx.recv().ok())
        });
        std::thread::sleep(Duration::from_millis(100)); // the parent blocks in recv
        p.kill().unwrap();
        killed_tx.send(Instant::now()).unwrap();
        let (r, at, killed) = within(SHORT, move || waiter.join().unwrap());
        assert_eq!(r, Err(Error::PeerClosed));
        let killed = killed.unwrap();
        assert!(
            at.saturating_duration_since(killed) < DEATH_NOTICED,
            "noticed {:?} after the kill",
            at.saturating_duration_since(killed)
        );
        join_bounded(&p);
        assert_eq!(p.exitcode(), Ok(Some(-libc::SIGKILL)));
    }

    /// Many children, each with its own pipe in its arguments: each talks only to its own
    /// end (its id and pid come back on the pipe it was given, and its reply to what only its
    /// pipe carried).
    pub fn many_children_each_with_their_own_pipe() {
        const N: u32 = 12;
        let mut kids = Vec::new();
        for id in 0..N {
            let (mine, theirs) = pipe(true).unwrap();
            let p = start(report_on_own_pipe, (id, theirs));
            kids.push((id, mine, p));
        }
        for (id, conn, p) in &kids {
            let (got_id, pid): (u32, u32) = conn.recv().unwrap();
            assert_eq!(got_id, *id);
            assert_eq!(Some(pid), p.pid().unwrap());
            conn.send(&vec![*id; 3]).unwrap();
        }
        for (id, conn, p) in &kids {
            assert_eq!(conn.recv::<u32>(), Ok(id * 3));
            join_bounded(p);
            assert_eq!(p.exitcode(), Ok(Some(0)));
        }
    }

    /// Both ends of one one-way pipe go to two siblings: one writes, the other reads until
    /// the writer is gone. The parent holds neither end after building the processes.
    pub fn siblings_talk_over_a_one_way_pipe_both_ends_passed() {
        let (reader, writer) = pipe(false).unwrap();
        let r = start(sum_until_closed, reader);
        let w = start(write_numbers, (writer, 1000));
        join_bounded(&w);
        assert_eq!(w.exitcode(), Ok(Some(0)));
        assert_eq!(r.result(), Ok((0..1000u64).sum()));
    }

    /// The ends keep their direction in the child: the reading end of a one-way pipe is
    /// readable only, and open.
    pub fn an_end_keeps_its_direction_in_the_child() {
        let (reader, writer) = pipe(false).unwrap();
        let p = start(flags, reader);
        assert_eq!(p.result(), Ok((true, false, false)));
        let p = start(flags, writer);
        assert_eq!(p.result(), Ok((false, true, false)));
    }

    /// A closed connection cannot be handed over: `start` fails with `ConnectionClosed` and
    /// the process stays unstarted (CPython raises OSError when it pickles a closed handle).
    pub fn closed_connection_in_the_arguments_fails_start_with_a_typed_error() {
        let (mut a, _b) = pipe(true).unwrap();
        a.close();
        let p = Process::builder().daemon(true).target(flags, a).build();
        assert_eq!(p.start(), Err(Error::ConnectionClosed));
        assert_eq!(p.is_alive(), Ok(false));
        assert_eq!(p.pid(), Ok(None));
        assert_eq!(p.join(0.0), Err(Error::ProcessNotStarted));
    }

    /// A pipe end inside an ordinary message is refused with a typed error (it crosses only in
    /// a process's arguments), and the pipe it was sent on keeps working.
    pub fn a_pipe_end_in_a_message_is_refused_and_the_pipe_keeps_working() {
        let (a, b) = pipe(true).unwrap();
        let (c, _d) = pipe(true).unwrap();
        assert!(matches!(a.send(&c), Err(Error::Serialize(m)) if m.contains("arguments")));
        a.send(&5u8).unwrap();
        assert_eq!(b.recv::<u8>(), Ok(5));
    }

    /// A process built and never started closes its duplicates when it goes: the other end
    /// then sees the pipe's other side gone.
    pub fn a_never_started_process_releases_the_end_it_was_given() {
        let (mine, theirs) = pipe(true).unwrap();
        let p = Process::builder()
            .daemon(true)
            .target(flags, theirs)
            .build();
        assert_eq!(
            mine.poll(Some(Duration::from_millis(50))),
            Ok(false),
            "the duplicates in the unstarted process hold the end"
        );
        drop(p);
        assert!(mine.poll(Some(SHORT)).unwrap());
        assert_eq!(mine.recv::<u8>(), Err(Error::PeerClosed));
    }
}

bounded_tests!(
    mp_17_child_echoes_over_a_pipe_end_in_its_arguments,
    child_killed_mid_conversation_is_peer_closed_within_a_bound,
    many_children_each_with_their_own_pipe,
    siblings_talk_over_a_one_way_pipe_both_ends_passed,
    an_end_keeps_its_direction_in_the_child,
    closed_connection_in_the_arguments_fails_start_with_a_typed_error,
    a_pipe_end_in_a_message_is_refused_and_the_pipe_keeps_working,
    a_never_started_process_releases_the_end_it_was_given,
);
