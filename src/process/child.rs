//! The child side: [`entry`], the Rust form of Python's `if __name__ == '__main__':` guard.
//!
//! A spawned child runs this program again from the top. `entry()`, called first thing in
//! `main`, recognises it (the environment variable of `spawn.rs`), reads the bootstrap,
//! checks it runs the same image, runs the target, sends the reply and exits; the rest of
//! `main` never runs in a child. Without that call the child would run `main` again and start
//! children of its own, each of which would do the same: the fork bomb CPython prevents by
//! refusing `start()` in a child still importing its main module (MP-21). Here
//! [`Process::start`](super::Process::start) refuses the same way: a child that reaches it
//! without having dispatched (no `entry()`, or one called too late) prints why and exits at
//! once with [`EXIT_NOT_DISPATCHED`], and its parent's `result()` says
//! [`Error::ProcessNotDispatched`](crate::Error::ProcessNotDispatched).

use super::life::{Inner, Origin};
use super::spawn::ENV_CHILD;
use super::wire::{self, Bootstrap};
use super::{registry, sys, target};
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};

/// The exit code of a child that reached `Process::start` without having dispatched to its
/// target (sysexits' `EX_CONFIG`: the program is set up wrong, see [`entry`]).
pub const EXIT_NOT_DISPATCHED: i32 = 78;

/// If this process is a child started by [`Process::start`](super::Process::start), runs its
/// target and exits; otherwise returns at once and does nothing.
///
/// Call it first thing in `main`: it is Python's `if __name__ == '__main__':` guard turned
/// around. Python runs the main module again in a spawned child and the guard keeps the
/// child from running the parent's program; Rust runs `main` again and this call is where the
/// child leaves for its target. Whatever `main` does before this call happens in every child
/// too. In a `cargo test` binary use [`crate::process_test_main!`] instead, once, at the crate
/// root; in a `harness = false` test, call it first in its `main` like any program.
pub fn entry() {
    if std::env::var_os(ENV_CHILD).is_none() {
        return;
    }
    // Grandchildren started by the target get it set afresh by their own start.
    std::env::remove_var(ENV_CHILD);
    let code = dispatch();
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

/// Whether this process is a spawned child that has not dispatched to its target yet.
pub(crate) fn undispatched_child() -> bool {
    std::env::var_os(ENV_CHILD).is_some()
}

/// What `Process::start` does in an undispatched child: explain, and exit before anything
/// else can start (no fork bomb).
pub(crate) fn refuse_start() -> ! {
    eprintln!(
        "concurrency: An attempt has been made to start a new process before the current \
         process has finished its bootstrapping phase. This child process was started to run \
         a target, but reached Process::start without dispatching to it: call \
         concurrency::process::entry() first thing in main (the Rust form of Python's \
         `if __name__ == '__main__':` guard), or invoke concurrency::process_test_main!() \
         once at the root of a cargo test crate. Exiting with code {EXIT_NOT_DISPATCHED}."
    );
    let _ = std::io::stderr().flush();
    std::process::exit(EXIT_NOT_DISPATCHED)
}

/// The thread running the target and the process's name, for the panic hook's header.
static PANIC_HEADER: OnceLock<(std::thread::ThreadId, String)> = OnceLock::new();
static HOOKED: AtomicBool = AtomicBool::new(false);

/// CPython prints `Process <name>:` and the traceback when the target raises (MP-28); here
/// the header comes before the standard panic message, for panics of the target's thread.
fn install_panic_header(name: &str) {
    let _ = PANIC_HEADER.set((std::thread::current().id(), name.to_owned()));
    if HOOKED.swap(true, Relaxed) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Some((id, name)) = PANIC_HEADER.get() {
            if *id == std::thread::current().id() {
                eprintln!("Process {name}:");
            }
        }
        previous(info);
    }));
}

fn send(chan: &OwnedFd, bytes: &[u8]) {
    // The parent may be gone; then nobody is listening and there is nothing to do.
    let _ = sys::send_all(chan.as_fd(), bytes, &[]);
}

/// Descriptors that came with the bootstrap: the parent's stdout (if it passed one) and those
/// of the arguments (`crate::ipc::passing`).
struct Passed {
    stdout: Option<OwnedFd>,
    args: Vec<OwnedFd>,
}

/// Reads the bootstrap: its 9-byte header (with the descriptors passed alongside), then the
/// body. The body buffer grows with what arrives, never by the announced length alone; at
/// most `sys::MAX_FDS` descriptors are kept, and their count must be the one the bootstrap
/// announces.
fn read_bootstrap(chan: &OwnedFd) -> Result<(Bootstrap, Passed), String> {
    let mut header = [0u8; 9];
    let mut got = 0;
    let mut fds: Vec<OwnedFd> = Vec::new();
    let keep = |received: sys::Received, fds: &mut Vec<OwnedFd>| {
        if received.truncated || fds.len() + received.fds.len() > sys::MAX_FDS {
            return Err("more descriptors than a bootstrap may pass".to_owned());
        }
        fds.extend(received.fds);
        Ok(received.n)
    };
    while got < header.len() {
        let received = sys::recv_with_fds(chan.as_fd(), &mut header[got..])
            .map_err(|e| format!("reading the bootstrap: {e}"))?;
        let n = keep(received, &mut fds)?;
        if n == 0 {
            return Err("the parent closed the channel before the bootstrap".into());
        }
        got += n;
    }
    let len = Bootstrap::body_len(&header)?;
    let mut body = Vec::with_capacity(len.min(64 * 1024));
    let mut buf = vec![0u8; 64 * 1024];
    while body.len() < len {
        let want = (len - body.len()).min(buf.len());
        let received = sys::recv_with_fds(chan.as_fd(), &mut buf[..want])
            .map_err(|e| format!("reading the bootstrap: {e}"))?;
        let n = keep(received, &mut fds)?;
        if n == 0 {
            return Err("the bootstrap was cut short".into());
        }
        body.extend_from_slice(&buf[..n]);
    }
    let boot = Bootstrap::decode(&body)?;
    if fds.len() != boot.descriptors() {
        return Err(format!(
            "{} descriptors came with the bootstrap, which announces {}",
            fds.len(),
            boot.descriptors()
        ));
    }
    let stdout = if boot.stdout {
        Some(fds.remove(0))
    } else {
        None
    };
    Ok((boot, Passed { stdout, args: fds }))
}

/// The checks that make calling through the offsets sound (see `target.rs`).
fn verify(boot: &Bootstrap) -> Result<(), String> {
    let exe = sys::exe_identity().map_err(|e| format!("reading /proc/self/exe: {e}"))?;
    if exe != boot.exe {
        return Err("this process runs another executable than its parent".into());
    }
    if target::layout_check() != boot.layout {
        return Err("this executable's layout differs from the parent's".into());
    }
    Ok(())
}

/// Kills this process when the parent is gone: a thread waits for end of file on the socket
/// to the parent, which the kernel delivers however the parent ended, SIGKILL included.
///
/// Not `prctl(PR_SET_PDEATHSIG)`: that signal fires when the parent *thread* that started the
/// child exits, so a daemon started from a short-lived `Thread` would die with that thread.
fn watch_parent(chan: Arc<OwnedFd>) {
    let watcher = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(move || {
            super::life::wait_parent(&chan, None);
            // SAFETY: kill of our own pid with a fixed signal.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
        });
    if let Err(e) = watcher {
        eprintln!("concurrency: cannot watch the parent process ({e}); exiting");
        // SAFETY: plain _exit; nothing of ours needs to run.
        unsafe { libc::_exit(1) }
    }
}

/// Runs the child's part; returns its exit code.
fn dispatch() -> i32 {
    // Our socket is stdin; keep it elsewhere and give stdin /dev/null (CPython does that too).
    let chan = match sys::dup_cloexec(0) {
        Ok(fd) => Arc::new(fd),
        Err(e) => {
            eprintln!("concurrency: child process without its channel: {e}");
            return 1;
        }
    };
    if let Ok(null) = std::fs::File::open("/dev/null") {
        let _ = sys::dup2(null.as_fd(), 0);
    }
    let (boot, passed) = match read_bootstrap(&chan).and_then(|(b, p)| verify(&b).map(|()| (b, p)))
    {
        Ok(x) => x,
        Err(why) => {
            eprintln!("concurrency: child process cannot run its target: {why}");
            send(&chan, &wire::frame(wire::REFUSED, why.as_bytes()));
            return 1;
        }
    };
    if let Some(out) = passed.stdout {
        let _ = std::io::stdout().flush();
        let _ = sys::dup2(out.as_fd(), std::io::stdout().as_raw_fd());
    }
    let mut me = Inner::new(
        Origin::Current,
        boot.name.clone(),
        boot.daemon,
        boot.identity,
    );
    me.fixed_pid = std::process::id();
    let mut parent = Inner::new(Origin::Parent, boot.parent_name, false, Vec::new());
    parent.fixed_pid = boot.parent_pid;
    parent.parent_chan = Some(chan.clone());
    registry::set_identity(me, parent);
    send(&chan, &[wire::STARTED]);
    if boot.daemon {
        watch_parent(chan.clone());
    }
    install_panic_header(&boot.name);
    let wrapper_addr = target::addr_at(boot.wrapper);
    // Why this is sound: `verify` proved this process runs the parent's image, in which the parent took
    // `boot.wrapper` as the offset of a function of type `target::Wrapper` (`Builder::target`
    // stores `target::run::<A, R>` as exactly that type), so the same offset from the same
    // anchor is that function here.
    // SAFETY: the same image, so this offset is a `target::Wrapper` here (proved just above).
    let wrapper: target::Wrapper =
        unsafe { std::mem::transmute::<usize, target::Wrapper>(wrapper_addr) };
    let target_addr = target::addr_at(boot.target);
    // The pipes and queues in the arguments claim theirs while the arguments decode.
    crate::ipc::passing::receive(passed.args);
    let (reply, code) = match target::call(wrapper, target_addr, &boot.args) {
        Ok(target::Outcome::Returned(bytes)) => (wire::frame(wire::RETURNED, &bytes), 0),
        Ok(target::Outcome::BadArguments(why)) => {
            eprintln!("Process {}: the arguments did not decode: {why}", boot.name);
            (wire::frame(wire::REFUSED, why.as_bytes()), 1)
        }
        Ok(target::Outcome::Unserializable(why)) => {
            eprintln!("Process {}: the result did not encode: {why}", boot.name);
            (wire::frame(wire::UNSERIALIZABLE, why.as_bytes()), 1)
        }
        // The panic hook has printed the header and the message.
        Err(message) => (wire::frame(wire::PANICKED, message.as_bytes()), 1),
    };
    send(&chan, &reply);
    // CPython's child, after `run()`: join its own children (terminating daemon ones), then
    // its non-daemon threads (MP-13).
    let _ = registry::shutdown_children();
    let _ = crate::thread::shutdown();
    code
}
