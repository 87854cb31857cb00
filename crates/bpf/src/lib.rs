//! raudit's BPF event source: connects, execs and opens traced in the kernel on
//! tracepoints (per-syscall ones through tracefs, else BTF raw ones), each carrying the task's attribution the audit model knows (login uid,
//! session, parent, cgroup), for bcc-like tools and the daemon alike.
//!
//! The kernel side (`src/bpf/*.c`) is built by clang only with the `bpf` feature; without
//! it [`trace`] fails with [`BpfError::NotCompiled`] and everything else still works.

pub mod cgroup;
mod error;
mod event;
mod filter;
#[cfg(feature = "bpf")]
mod loader;
#[cfg(feature = "bpf")]
mod tracefs;

use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;

pub use error::BpfError;
pub use event::{Clock, Event, Kind, Payload, c_bytes, monotonic_ns, split_args};
pub use filter::{CgroupTarget, Filter};

/// What tracing reports to its sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Traced {
    /// The programs are attached: syscalls from now on are seen.
    Ready,
    Event(Event),
    /// Records the kernel could not hand over since the last report: the ring buffer was
    /// full, or the table of syscalls in flight was.
    Lost {
        ring_full: u64,
        table_full: u64,
    },
}

/// Whether this build can trace at all.
pub const COMPILED: bool = cfg!(feature = "bpf");

/// Traces what `filter` selects until `stop` is set or `sink` breaks.
#[cfg(feature = "bpf")]
pub fn trace(
    filter: &Filter,
    stop: &AtomicBool,
    sink: impl FnMut(Traced) -> ControlFlow<()>,
) -> Result<(), BpfError> {
    loader::trace(filter, stop, sink)
}

/// Traces what `filter` selects: this build has no BPF support, so it always fails.
#[cfg(not(feature = "bpf"))]
pub fn trace(
    _filter: &Filter,
    _stop: &AtomicBool,
    _sink: impl FnMut(Traced) -> ControlFlow<()>,
) -> Result<(), BpfError> {
    Err(BpfError::NotCompiled)
}
