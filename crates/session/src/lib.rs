//! Login sessions rebuilt from the audit log: the engines of `aulast`
//! (every session, reboot and bad login, [`last`]) and `aulastlog` (each
//! account's latest login, [`lastlog`]).
//!
//! Both read the logs with the ausearch engine's event assembly
//! ([`feed`]), which is linear where the reference's is quadratic on
//! syscall storms, and look at the events through libauparse's cursor
//! model (`raudit_search::normalize::au`), because the reference's
//! results depend on where each field search leaves that cursor.
#![forbid(unsafe_code)]

pub mod feed;
pub mod last;
pub mod lastlog;
mod list;
mod row;

/// What can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing the output or the extract file, or a worker thread's panic
    /// (carried as a `raudit_search::WorkerPanic`).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
