//! `threading.Thread`: a builder for the target, name and daemon flag; `start`, `join` with a
//! timeout, identity, and an observable lifecycle ([`ThreadState`]).
//!
//! Natively a thread is an OS thread. In a browser it runs on a pooled Web Worker sharing the
//! module's memory (see `www/bridge/README.md`); the API is the same.

mod excepthook;
mod exit;
mod registry;
mod state;

pub use excepthook::{
    default_excepthook, format_exception, reset_excepthook, set_excepthook, ExceptHookArgs,
};
pub use registry::{
    active_count, current_thread, enumerate, get_ident, get_native_id, main_thread,
};
pub use state::ThreadState;

#[cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]
pub(crate) use excepthook::payload_text;
pub(crate) use exit::ExitHandle;
pub(crate) use registry::{current_id, with_current};
pub(crate) use state::Blocked;

use crate::error::Error;
use crate::internal::Mutex;
use crate::primitive::{AtomicBool, AtomicU32, AtomicU64, Ordering::*};
use crate::sys::futex;
use crate::time::IntoTimeout;
use crate::trace::{self, Kind};
use state::StateCell;
use std::fmt;
use std::sync::Arc;

type Target = Box<dyn FnOnce() + Send + 'static>;

/// Values of the join word (`Inner::finished`).
const RUNNING: u32 = 0;
const FINISHED: u32 = 1;
const NOT_STARTED: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Made with [`Builder`] / [`Thread::new`].
    Created,
    /// The process's first thread.
    Main,
    /// A thread this crate did not start, seen through `current_thread()`.
    Foreign,
}

/// One thread of control, shared by handle (cloning a `Thread` clones the handle).
#[derive(Clone)]
pub struct Thread {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    origin: Origin,
    name: Mutex<String>,
    daemon: AtomicBool,
    started: AtomicBool,
    /// 0 until started; then a trace id (threads and primitives share one id space).
    ident: AtomicU64,
    /// 0 until the thread runs, then native id + 1.
    native_id: AtomicU64,
    /// The join word: [`RUNNING`] (also before start), [`FINISHED`] once the thread has ended,
    /// [`NOT_STARTED`] after a failed start.
    finished: AtomicU32,
    panicked: AtomicBool,
    pub(crate) state: StateCell,
    target: Mutex<Option<Target>>,
    /// Run when the thread ends: dropping its `Local` values (see `exit.rs`).
    exit: Mutex<exit::ExitHooks>,
}

impl Inner {
    fn new(origin: Origin, name: String, daemon: bool, target: Option<Target>) -> Inner {
        Inner {
            origin,
            name: Mutex::new(name),
            daemon: AtomicBool::new(daemon),
            started: AtomicBool::new(false),
            ident: AtomicU64::new(0),
            native_id: AtomicU64::new(0),
            finished: AtomicU32::new(RUNNING),
            panicked: AtomicBool::new(false),
            state: StateCell::new(),
            target: Mutex::new(target),
            exit: Mutex::new(exit::ExitHooks::default()),
        }
    }

    fn set_native_id(&self, id: u64) {
        self.native_id.store(id.wrapping_add(1), Relaxed);
    }
}

static NAME_COUNTER: AtomicU64 = AtomicU64::new(1);

fn next_name(prefix: &str) -> String {
    format!("{prefix}-{}", NAME_COUNTER.fetch_add(1, Relaxed))
}

/// The short name of a target's type for CPython's default `"Thread-N (func)"`: the last path
/// segment of a function item; `None` for closures.
fn target_name<F>() -> Option<&'static str> {
    let full = std::any::type_name::<F>();
    if full.ends_with("}}") {
        return None;
    }
    full.rsplit("::").next()
}

/// Configures a [`Thread`] before it exists (CPython's constructor keywords).
#[derive(Default)]
#[must_use]
pub struct Builder {
    name: Option<String>,
    daemon: Option<bool>,
    target: Option<(Target, Option<&'static str>)>,
}

impl Builder {
    /// A builder with no target (the thread then does nothing), a default name, and the
    /// creating thread's daemon flag.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The thread's name. An empty name means "no name", as in CPython.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Whether the thread is a daemon (default: inherited from the creating thread).
    pub fn daemon(mut self, daemon: bool) -> Builder {
        self.daemon = Some(daemon);
        self
    }

    /// What the thread runs. Arguments are captured by the closure.
    pub fn target<F: FnOnce() + Send + 'static>(mut self, f: F) -> Builder {
        self.target = Some((Box::new(f), target_name::<F>()));
        self
    }

    /// Creates the thread (state `New`; nothing runs until [`Thread::start`]).
    pub fn build(self) -> Thread {
        let (target, fn_name) = match self.target {
            Some((t, n)) => (Some(t), n),
            None => (None, None),
        };
        let name = match self.name.filter(|n| !n.is_empty()) {
            Some(n) => n,
            None => match fn_name {
                Some(f) => format!("{} ({f})", next_name("Thread")),
                None => next_name("Thread"),
            },
        };
        let daemon = self.daemon.unwrap_or_else(|| current_thread().daemon());
        Thread::from_inner(Inner::new(Origin::Created, name, daemon, target))
    }
}

impl Thread {
    fn from_inner(inner: Inner) -> Thread {
        Thread {
            inner: Arc::new(inner),
        }
    }

    /// A thread that will run `target` (default name and daemon flag).
    pub fn new<F: FnOnce() + Send + 'static>(target: F) -> Thread {
        Builder::new().target(target).build()
    }

    /// A [`Builder`].
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Starts the thread. Never blocks, so it may be called on the browser's main thread.
    ///
    /// Errors: [`Error::AlreadyStarted`] on a second call (also after the thread finished),
    /// [`Error::SpawnFailed`] if the OS or the browser cannot run another thread. A failed
    /// start leaves the thread as it was, as in CPython (TH-12): not alive, not in
    /// [`enumerate`], no ident, and `start` may be tried again.
    pub fn start(&self) -> Result<(), Error> {
        if self.inner.started.swap(true, AcqRel) {
            return Err(Error::AlreadyStarted);
        }
        self.inner.ident.store(trace::next_id(), Relaxed);
        self.inner.finished.store(RUNNING, Relaxed);
        self.inner.state.set(ThreadState::Runnable);
        if trace::is_enabled() {
            self.label_for_trace();
            // Reported by the starting thread: a reader learns who started whom (the book
            // routes each demo's events by it).
            trace::emit(
                trace::Kind::ObjectNew,
                self.trace_id(),
                trace::ObjectKind::Thread as u32,
            );
        }
        registry::add_active(self);
        let me = self.clone();
        let name = self.name();
        match crate::sys::spawn(&name, Box::new(move || run(me))) {
            Ok(()) => Ok(()),
            Err(why) => {
                registry::remove_active(self);
                self.inner.ident.store(0, Relaxed);
                self.inner.state.set(ThreadState::New);
                self.inner.started.store(false, Release);
                // A join that began meanwhile ends with NotStarted, as it would have before.
                self.inner.finished.store(NOT_STARTED, Release);
                futex::wake_all(&self.inner.finished);
                Err(Error::SpawnFailed(why))
            }
        }
    }

    /// Waits until the thread terminates or `timeout` passes (`None`: forever; see
    /// [`IntoTimeout`]). Returns whether it terminated (CPython returns `None` and leaves the
    /// question to `is_alive()`; both work here).
    ///
    /// Errors: [`Error::NotStarted`], [`Error::JoinSelf`], [`Error::JoinForeign`], a bad
    /// timeout, or [`Error::WouldBlockOnMainThread`] if it would have to wait there.
    pub fn join(&self, timeout: impl IntoTimeout) -> Result<bool, Error> {
        let timeout = timeout.into_timeout()?;
        if !self.inner.started.load(Acquire) {
            return Err(Error::NotStarted);
        }
        if *self == current_thread() {
            return Err(Error::JoinSelf);
        }
        if self.inner.origin == Origin::Foreign {
            return Err(Error::JoinForeign);
        }
        if self.inner.finished.load(Acquire) == FINISHED {
            return Ok(true);
        }
        if timeout.duration() == Some(core::time::Duration::ZERO) {
            return Ok(false);
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Thread::join"));
        }
        let deadline = timeout.deadline();
        let blocked = Blocked::on(self.trace_id(), deadline.is_some())?;
        loop {
            // Acquire: everything the thread wrote happens-before join's return.
            match self.inner.finished.load(Acquire) {
                FINISHED => {
                    blocked.succeeded();
                    return Ok(true);
                }
                NOT_STARTED => return Err(Error::NotStarted),
                _ => {}
            }
            let left = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(left) => Some(left),
                    None => return Ok(false),
                },
            };
            futex::wait(&self.inner.finished, RUNNING, left);
        }
    }

    /// Started and not yet terminated.
    pub fn is_alive(&self) -> bool {
        self.inner.started.load(Acquire) && self.inner.finished.load(Acquire) == RUNNING
    }

    /// The thread's name.
    pub fn name(&self) -> String {
        self.inner.name.lock().clone()
    }

    /// Renames the thread (allowed at any time, as in CPython). A thread started here that
    /// renames itself also renames its OS thread (natively; CPython does the same, TH-39).
    /// The OS names of the main and foreign threads belong to whoever started them.
    pub fn set_name(&self, name: impl Into<String>) {
        let name = name.into();
        let renames_itself = self.inner.origin == Origin::Created
            && matches!(registry::current_if_set(), Ok(Some(me)) if me == *self);
        if renames_itself {
            crate::sys::set_current_os_name(&name);
        }
        *self.inner.name.lock() = name;
        if trace::is_enabled() && self.ident().is_some() {
            self.label_for_trace();
        }
    }

    /// The thread's identifier, `None` before `start`. Never 0; unique among live threads.
    pub fn ident(&self) -> Option<u64> {
        match self.inner.ident.load(Relaxed) {
            0 => None,
            id => Some(id),
        }
    }

    /// The OS thread id natively, the Web Worker's number in a browser; `None` until the
    /// thread has begun to run.
    pub fn native_id(&self) -> Option<u64> {
        match self.inner.native_id.load(Relaxed) {
            0 => None,
            id => Some(id - 1),
        }
    }

    /// Whether this is a daemon thread.
    pub fn daemon(&self) -> bool {
        self.inner.daemon.load(Relaxed)
    }

    /// Sets the daemon flag; [`Error::DaemonAfterStart`] once started.
    pub fn set_daemon(&self, daemon: bool) -> Result<(), Error> {
        if self.inner.started.load(Acquire) {
            return Err(Error::DaemonAfterStart);
        }
        self.inner.daemon.store(daemon, Relaxed);
        Ok(())
    }

    /// Where the thread is in its lifecycle right now.
    pub fn state(&self) -> ThreadState {
        self.inner.state.get()
    }

    /// Whether the thread's target panicked (the panic went to the excepthook). In a browser,
    /// where a panic ends the worker, also a panic in a `Local` value's `Drop` at its exit.
    pub fn panicked(&self) -> bool {
        self.inner.panicked.load(Acquire)
    }

    /// The id this thread has in trace events (its ident, 0 before start).
    pub fn trace_id(&self) -> u64 {
        self.inner.ident.load(Relaxed)
    }

    fn label_for_trace(&self) {
        trace::set_label(self.trace_id(), &self.name());
    }
}

/// What CPython does when the main program ends (`threading._shutdown`): waits for every
/// non-daemon thread this crate started, including threads they start meanwhile, then
/// returns. Daemon threads are not waited for (they end with the process).
///
/// Rust ends the process when `main` returns, whatever threads still run: call this at the end
/// of `main` to get Python's behaviour. [`Error::WouldBlockOnMainThread`] on a browser's page
/// if a thread is still running.
pub fn shutdown() -> Result<(), Error> {
    let me = current_thread();
    loop {
        let pending: Vec<Thread> = enumerate()
            .into_iter()
            .filter(|t| t.inner.origin == Origin::Created && !t.daemon() && *t != me)
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        for t in pending {
            t.join(None)?;
        }
    }
}

/// Runs on the new OS thread or worker.
fn run(me: Thread) {
    registry::set_current(Some(me.clone()));
    let native = crate::sys::native_id();
    me.inner.set_native_id(native);
    trace::emit(Kind::ThreadStart, me.trace_id(), native as u32);
    let target = me.inner.target.lock().take();
    if let Some(f) = target {
        #[cfg(panic = "unwind")]
        if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            let message = excepthook::payload_text(&*payload);
            me.inner.panicked.store(true, Release);
            excepthook::report(&me, &message);
        }
        // With panic=abort (the wasm build) the panic hook reports and finishes the thread
        // before the worker traps: see `on_fatal_panic`.
        #[cfg(not(panic = "unwind"))]
        f();
    }
    finish(&me);
    registry::set_current(None);
}

/// Ends a thread started here: drops its `Local` values (a panicking `Drop` goes to the
/// excepthook and does not stop the rest), unregisters it, and lets its joiners go.
fn finish(me: &Thread) {
    exit::run_hooks(me);
    registry::remove_active(me);
    me.inner.state.set(ThreadState::Terminated);
    trace::emit(Kind::ThreadEnd, me.trace_id(), me.panicked() as u32);
    // Release: pairs with join's Acquire load.
    me.inner.finished.store(FINISHED, Release);
    futex::wake_all(&me.inner.finished);
}

/// Called by the panic hook where panics abort (wasm): report the panic of the current
/// library thread to the excepthook and let its joiners go, before the worker dies.
/// Returns whether the panicking thread was one this crate started.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn on_fatal_panic(message: &str) -> bool {
    let Ok(Some(me)) = registry::current_if_set() else {
        return false;
    };
    if me.inner.origin != Origin::Created {
        return false;
    }
    me.inner.panicked.store(true, Release);
    excepthook::report(&me, message);
    finish(&me);
    true
}

impl PartialEq for Thread {
    fn eq(&self, other: &Thread) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for Thread {}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match (
            self.inner.started.load(Acquire),
            self.is_alive(),
            self.ident(),
        ) {
            (false, _, _) => "initial".to_owned(),
            (true, true, Some(id)) => format!("started {id}"),
            (true, _, Some(id)) => format!("stopped {id}"),
            _ => "started".to_owned(),
        };
        let daemon = if self.daemon() { " daemon" } else { "" };
        write!(f, "<Thread({}, {status}{daemon})>", self.name())
    }
}
