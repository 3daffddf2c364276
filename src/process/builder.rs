//! Configures a [`Process`] before it exists (CPython's constructor keywords).

use super::life::{Inner, Job, Origin};
use super::{registry, target, Process, StartMethod};
use serde::{de::DeserializeOwned, Serialize};
use std::marker::PhantomData;
use std::sync::Arc;

/// A builder for a [`Process`] whose target returns `R`.
#[must_use]
pub struct Builder<R = ()> {
    name: Option<String>,
    daemon: Option<bool>,
    method: StartMethod,
    job: Option<Job>,
    _result: PhantomData<fn() -> R>,
}

impl Default for Builder<()> {
    fn default() -> Self {
        Builder {
            name: None,
            daemon: None,
            method: StartMethod::default(),
            job: None,
            _result: PhantomData,
        }
    }
}

/// The target of a process built without one: returns at once (CPython's `Process()` with
/// no target runs nothing and exits 0).
fn nothing(_: ()) {}

impl Builder<()> {
    /// A builder with no target (the child does nothing), a default name (`Process-N`, with
    /// the parent's numbers before it in a child: `Process-1:2`), and the current process's
    /// daemon flag (MP-03).
    pub fn new() -> Builder<()> {
        Builder::default()
    }
}

impl<R> Builder<R> {
    /// The process's name. An empty name means "no name", as in CPython.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Whether the process is a daemon: it is terminated by [`crate::shutdown`] instead of
    /// joined, it dies with its parent however the parent ends, and it may not start
    /// children of its own. Default: the current process's flag.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// How the child is started (default: [`StartMethod::Spawn`]).
    pub fn start_method(mut self, method: StartMethod) -> Self {
        self.method = method;
        self
    }

    /// What the child runs: `target(args)`, in the child process, once.
    ///
    /// The target is a plain function (a `fn` item, or a closure that captures nothing):
    /// the child is a new program and finds the function in its own copy of the executable
    /// (see the module docs). Everything it needs comes in `args`, encoded with serde in the
    /// parent at `start()`; several arguments travel as a tuple. Its return value comes back
    /// the same way ([`Process::result`]).
    pub fn target<A, T>(self, target: fn(A) -> T, args: A) -> Builder<T>
    where
        A: Serialize + DeserializeOwned + 'static,
        T: Serialize + DeserializeOwned + 'static,
    {
        let wrapper: target::Wrapper = target::run::<A, T>;
        let (args, fds) = match crate::ipc::passing::encode(&args, true) {
            Ok((bytes, fds)) => (Ok(bytes), fds),
            Err(e) => (Err(e), Vec::new()),
        };
        let job = Job {
            wrapper: wrapper as usize,
            target: target as usize,
            args,
            fds,
        };
        Builder {
            name: self.name,
            daemon: self.daemon,
            method: self.method,
            job: Some(job),
            _result: PhantomData,
        }
    }

    /// Creates the process (not started; nothing runs until [`Process::start`]).
    pub fn build(self) -> Process<R> {
        let identity = registry::next_identity();
        let name = match self.name.filter(|n| !n.is_empty()) {
            Some(n) => n,
            None => {
                let numbers: Vec<String> = identity.iter().map(u32::to_string).collect();
                format!("Process-{}", numbers.join(":"))
            }
        };
        let daemon = self
            .daemon
            .unwrap_or_else(|| super::current_process().daemon());
        let inner = Inner::new(Origin::Child, name, daemon, identity);
        let job = self.job.unwrap_or_else(|| {
            let wrapper: target::Wrapper = target::run::<(), ()>;
            Job {
                wrapper: wrapper as usize,
                target: nothing as fn(()) as usize,
                args: Ok(Vec::new()),
                fds: Vec::new(),
            }
        });
        *inner.job.lock() = Some(job);
        let _ = self.method;
        Process::from_arc(Arc::new(inner))
    }
}
