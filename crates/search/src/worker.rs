//! Panics of the engine's worker threads, turned into errors: a parse or
//! preparation thread that panics must end the run with an error, never
//! with partial output and success.

use std::any::Any;
use std::fmt;
use std::io;
use std::sync::mpsc;

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

/// A job running in the thread pool, whose result the thread that handed
/// it over takes later.
pub struct Pending<T>(mpsc::Receiver<std::thread::Result<T>>);

/// Hands `job` to the thread pool within `scope`. A pool job, not a thread
/// of its own: the engine hands over a job per block and per batch, and
/// the pool runs them as soon as a core is free.
pub fn spawn<'s, T: Send + 's>(
    scope: &rayon::Scope<'s>,
    job: impl FnOnce() -> T + Send + 's,
) -> Pending<T> {
    let (done, result) = mpsc::sync_channel(1);
    scope.spawn(move |_| {
        // The receiver may be gone (the run stopped early): nothing waits.
        let _ = done.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
    });
    Pending(result)
}

impl<T> Pending<T> {
    /// Waits for the job; its panic becomes an error.
    pub fn wait(self) -> io::Result<T> {
        match self.0.recv() {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(payload)) => Err(WorkerPanic::from_payload(payload).into()),
            Err(_) => {
                Err(WorkerPanic { message: "a worker job ended without a result".into() }.into())
            }
        }
    }
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
    fn a_pool_job_panic_is_an_error() {
        let (e, ok) = rayon::in_place_scope(|s| {
            let bad = spawn(s, || -> u32 { panic!("pool boom") });
            let good = spawn(s, || 7);
            (bad.wait().unwrap_err(), good.wait().unwrap())
        });
        assert_eq!(WorkerPanic::find(&e).map(|p| p.message.as_str()), Some("pool boom"));
        assert_eq!(e.to_string(), "internal error: pool boom");
        assert_eq!(ok, 7);
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
