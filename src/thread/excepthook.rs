//! What happens to a panic in a thread's target: like CPython's `threading.excepthook`, it is
//! reported, never propagated. `join` returns normally and the process lives on.
//!
//! A panic in the `Drop` of one of the thread's [`crate::Local`] values when the thread ends
//! is reported the same way (CPython reports an exception in a thread-local value's `__del__`
//! and carries on; see `exit.rs`), for threads started here and for the main and foreign
//! threads (whose values a std thread-local destructor drops, where a panic would abort).

use super::Thread;
use crate::internal::Mutex;
use std::sync::Arc;

/// What the hook receives (CPython's `ExceptHookArgs`, with the panic message as the value).
#[derive(Debug)]
pub struct ExceptHookArgs<'a> {
    /// The thread whose target (or a `Local` value's `Drop` at its exit) panicked.
    pub thread: &'a Thread,
    /// The panic message (the payload if it was a string, else a placeholder).
    pub message: &'a str,
}

type Hook = Arc<dyn Fn(&ExceptHookArgs<'_>) + Send + Sync>;

static HOOK: Mutex<Option<Hook>> = Mutex::new(None);

/// Replaces the hook called when a thread's target panics.
pub fn set_excepthook(hook: impl Fn(&ExceptHookArgs<'_>) + Send + Sync + 'static) {
    *HOOK.lock() = Some(Arc::new(hook));
}

/// Restores the default hook (CPython's `threading.__excepthook__`), which writes
/// `Exception in thread NAME:` and the message to stderr (the console in a browser).
pub fn reset_excepthook() {
    *HOOK.lock() = None;
}

/// The default hook's text.
pub fn default_excepthook(args: &ExceptHookArgs<'_>) {
    crate::sys::report_error(&format_exception(args));
}

pub(crate) fn report(thread: &Thread, message: &str) {
    let hook = HOOK.lock().clone();
    let args = ExceptHookArgs { thread, message };
    let Some(hook) = hook else {
        default_excepthook(&args);
        return;
    };
    // A hook that panics must not take the thread's bookkeeping down with it (TH-34).
    #[cfg(panic = "unwind")]
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(&args))) {
        crate::sys::report_error(&format!(
            "Exception in threading.excepthook:\n{}",
            payload_text(&*p)
        ));
    }
    #[cfg(not(panic = "unwind"))]
    hook(&args);
}

/// The default hook's text: `Exception in thread NAME:` then the message.
pub fn format_exception(args: &ExceptHookArgs<'_>) -> String {
    format!(
        "Exception in thread {}:\n{}",
        args.thread.name(),
        args.message
    )
}

/// The text of a panic payload.
pub(crate) fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}
