//! `threading.Timer`: a thread that runs a function after a delay, unless cancelled first.

use crate::error::Error;
use crate::event::Event;
use crate::thread::Thread;
use crate::time::IntoTimeout;
use core::time::Duration;
use std::sync::Arc;

/// Runs `function` on its own thread after `interval`, unless [`Timer::cancel`] comes first.
pub struct Timer {
    thread: Thread,
    finished: Arc<Event>,
}

impl Timer {
    /// A timer (not started) for `function` after `interval`.
    pub fn new(interval: Duration, function: impl FnOnce() + Send + 'static) -> Timer {
        let finished = Arc::new(Event::new());
        let f = finished.clone();
        let thread = Thread::builder()
            .target(move || {
                // An error here means "cannot wait", which cannot happen on a thread we started;
                // treat it as cancelled rather than run early.
                if let Ok(false) = f.wait(interval) {
                    function();
                }
                f.set();
            })
            .build();
        Timer { thread, finished }
    }

    /// Starts the countdown.
    pub fn start(&self) -> Result<(), Error> {
        self.thread.start()
    }

    /// Stops the timer if it has not fired yet (the function then never runs).
    pub fn cancel(&self) {
        self.finished.set();
    }

    /// Waits for the timer's thread to end (see [`Thread::join`]).
    pub fn join(&self, timeout: impl IntoTimeout) -> Result<bool, Error> {
        self.thread.join(timeout)
    }

    /// The timer's thread.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}
