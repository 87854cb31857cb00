//! One module per tool. Each exposes `main(Invocation) -> ExitCode`.

pub mod bpf;
pub mod ctl;
pub mod daemon;
pub mod doctor;
pub mod fleet;
pub mod follow;
pub mod index;
pub mod last;
pub mod lastlog;
pub mod logs;
pub mod progress;
pub mod remote;
pub mod report;
pub mod rules;
pub mod search;
pub mod syscall;
pub mod syslog;
pub mod trace;
pub mod verify;
pub mod virt;

use std::process::ExitCode;

use crate::Invocation;

/// What a tool that is not built yet does: say so, and fail.
pub fn not_built(inv: &Invocation) -> ExitCode {
    eprintln!("{}: not implemented yet in raudit {}", inv.display_name, env!("CARGO_PKG_VERSION"));
    ExitCode::from(1)
}
