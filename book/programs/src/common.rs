//! Small helpers the book's programs share.

use concurrency::{Barrier, Error, Thread};
use std::sync::atomic::{fence, AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};

/// Threads started together by [`start_threads`], with the first error any of them returned.
pub struct Crew {
    threads: Vec<Thread>,
    failure: Arc<Mutex<Option<Error>>>,
}

/// Starts one thread per `i` in `0..n`, named `{prefix}-{i}`, each running `work(i)`.
/// An `Err` from `work` ends that thread early; [`join_all`] returns the first one.
pub fn start_threads<F>(prefix: &str, n: usize, work: F) -> Result<Crew, Error>
where
    F: Fn(usize) -> Result<(), Error> + Clone + Send + 'static,
{
    let failure = Arc::new(Mutex::new(None));
    let threads = (0..n)
        .map(|i| {
            let (work, failure) = (work.clone(), failure.clone());
            let t = Thread::builder()
                .name(format!("{prefix}-{i}"))
                .target(move || {
                    if let Err(e) = work(i) {
                        if let Ok(mut first) = failure.lock() {
                            first.get_or_insert(e);
                        }
                    }
                })
                .build();
            t.start()?;
            Ok(t)
        })
        .collect::<Result<_, Error>>()?;
    Ok(Crew { threads, failure })
}

/// Joins every thread (waiting as long as it takes); then the first error one of them
/// returned, if any.
pub fn join_all(crew: &Crew) -> Result<(), Error> {
    for t in &crew.threads {
        t.join(None)?;
    }
    match crew.failure.lock().map(|mut f| f.take()) {
        Ok(Some(e)) => Err(e),
        _ => Ok(()),
    }
}

/// A request to stop a running program: the page's Stop button ([`crate::demo::stop`]).
///
/// Python's usual idiom is a `threading.Event` named `stop` that the loops test with
/// `stop.is_set()`. This is the same flag without being a traced primitive, so that it does not
/// appear on the demo's drawing. A program's loops test [`Stop::requested`] where they loop;
/// a thread blocked in a wait does not see it, so [`Stop::request`] also breaks the barrier a
/// program registered with [`Stop::watch_barrier`] (the other objects a stop pokes, an event
/// or a queue, belong to the run, see [`crate::demo`]).
#[derive(Clone, Default)]
pub struct Stop(Arc<StopInner>);

#[derive(Default)]
struct StopInner {
    flag: AtomicBool,
    barrier: OnceLock<Arc<Barrier>>,
}

impl Stop {
    /// A flag nobody has set yet.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Whether a stop was requested (the loops' test, like `stop.is_set()`).
    pub fn requested(&self) -> bool {
        self.0.flag.load(SeqCst)
    }

    /// Requests a stop: sets the flag and aborts the watched barrier, if any. Never blocks.
    pub fn request(&self) {
        self.0.flag.store(true, SeqCst);
        // Pairs with the fence in `watch_barrier`: one of the two sees the other's write.
        fence(SeqCst);
        if let Some(b) = self.0.barrier.get() {
            b.abort();
        }
    }

    /// Registers the program's barrier: a stop aborts it (its waiters get
    /// `Error::BrokenBarrier`), and the page's Abort button reaches it ([`Stop::barrier`]).
    /// A program has at most one; a second is not registered.
    pub fn watch_barrier(&self, barrier: &Arc<Barrier>) {
        let _ = self.0.barrier.set(barrier.clone());
        fence(SeqCst);
        if self.0.flag.load(SeqCst) {
            barrier.abort(); // the stop came before the barrier existed
        }
    }

    /// The barrier registered with [`Stop::watch_barrier`], if any.
    pub fn barrier(&self) -> Option<Arc<Barrier>> {
        self.0.barrier.get().cloned()
    }
}
