//! Panics of the engine's worker threads, turned into errors: a parse or
//! preparation thread that panics must end the run with an error, never
//! with partial output and success.

use std::any::Any;
use std::fmt;
use std::io;
use std::thread::ScopedJoinHandle;

/// A worker thread (or a preparation stage) panicked; the run's output is
/// incomplete. Carried inside the run's `io::Error` (kind `Other`), so the
/// tools print `TOOL: internal error: ...` and fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerPanic {
    /// The panic's message, when it was a string.
    pub message: String,
}

impl WorkerPanic {
    /// From a panic payload (`JoinHandle::join`'s or `catch_unwind`'s error).
    pub fn from_payload(payload: Box<dyn Any + Send>) -> WorkerPanic {
        let message = match payload.downcast::<String>() {
            Ok(s) => *s,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(s) => (*s).to_string(),
                Err(_) => "a worker thread panicked".to_string(),
            },
        };
        WorkerPanic { message }
    }

    /// The worker panic an I/O error carries, if it carries one.
    pub fn find(e: &io::Error) -> Option<&WorkerPanic> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<WorkerPanic>())
    }
}

impl fmt::Display for WorkerPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internal error: {}", self.message)
    }
}

impl std::error::Error for WorkerPanic {}

impl From<WorkerPanic> for io::Error {
    fn from(p: WorkerPanic) -> io::Error {
        io::Error::other(p)
    }
}

/// Joins a scoped worker; its panic becomes an error.
pub fn join<T>(handle: ScopedJoinHandle<'_, T>) -> io::Result<T> {
    handle.join().map_err(|payload| WorkerPanic::from_payload(payload).into())
}

/// Runs `f`; a panic in it, or in a thread it joins by leaving a scope,
/// becomes an error.
pub fn catch<T>(f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    // The state `f` touched is dropped or abandoned with the error, so no
    // broken invariant is observed after the unwind.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(WorkerPanic::from_payload(payload).into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joined_panic_is_an_error() {
        let e = std::thread::scope(|s| join(s.spawn(|| -> u32 { panic!("boom") }))).unwrap_err();
        assert_eq!(WorkerPanic::find(&e).map(|p| p.message.as_str()), Some("boom"));
        assert_eq!(e.to_string(), "internal error: boom");
        let ok = std::thread::scope(|s| join(s.spawn(|| 7)));
        assert_eq!(ok.unwrap(), 7);
    }

    #[test]
    fn an_unjoined_panic_is_an_error() {
        let e = catch(|| {
            std::thread::scope(|s| {
                s.spawn(|| panic!("left {}", 1));
            });
            Ok(())
        })
        .unwrap_err();
        // The scope reports its own message; the thread's went to the hook.
        assert_eq!(WorkerPanic::find(&e).unwrap().message, "a scoped thread panicked");
        assert!(WorkerPanic::find(&io::Error::other("plain")).is_none());
    }
}
