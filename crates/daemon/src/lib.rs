//! The audit daemon (auditd) as a library: the RAW record line ([`format`]), the log writer with
//! its flush modes, rotation and disk policies ([`writer`]), the system side effects those
//! policies have ([`hooks`]), the pipeline seam that connects a record source to stages and
//! sinks ([`pipeline`]), the daemon loop ([`daemon`]) and its crash-safe capture (a
//! supervisor that keeps the audit socket open across worker restarts, and the record of a gap
//! in the kernel's serials after a crash: [`recovery`]).
//!
//! Behaviour follows the reference auditd 3.0.9 (kernel-and-daemon.md §2-3); deliberate
//! differences are listed in docs/compat.md.

pub mod bpf_source;
pub mod daemon;
pub mod enrich;
pub mod format;
pub mod harden;
pub mod hooks;
pub mod metrics;
mod network;
pub mod notify;
mod own;
pub mod pipeline;
pub mod recovery;
mod self_events;
mod supervise;
pub mod sys;
pub mod testing;
pub mod writer;

pub use daemon::BATCH_RECORDS;
pub use daemon::{DaemonError, Stopped};
pub use hooks::{Hooks, Priority, Runlevel, SystemHooks};
pub use writer::{BatchOutcome, FsSpace, LogWriter, SpaceState, WriterStats};
