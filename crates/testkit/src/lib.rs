//! The one home of what tests share, so every suite skips, waits and
//! cleans up the same way:
//!
//! * [`KernelGuard`] (kernel): exclusive, restored use of the kernel's audit
//!   state, behind a cross-process lock;
//! * [`skip`], [`reference_tool`], [`shared_corpus`], [`workspace_root`]
//!   (env): a missing prerequisite skips with a printed reason outside CI and
//!   fails under `CI=true`, so CI never skips silently;
//! * [`wait_for`], [`poll_until`] (wait): bounded polls instead of fixed
//!   sleeps;
//! * [`DaemonProcess`], [`signal`] (process): children stopped by PID on
//!   drop, with bounded waits, never left registered with the kernel;
//! * [`laurel_config`] (laurel): the real plugin laurel set up to give the
//!   same bytes on every run;
//! * [`Tally`] (tally): a differential suite's pass/fail count.
//! * [`run_with_dev_log`] (devlog): a program run with its syslog messages caught.
#![forbid(unsafe_code)]

mod devlog;
mod env;
mod kernel;
mod laurel;
mod pki;
mod process;
mod rng;
mod tally;
mod wait;

pub use devlog::run_with_dev_log;
pub use env::{
    SKIP_LOG_VAR, destructive_allowed, files_under, find_reference, reference_tool, shared_corpus,
    skip, skipped, tool_link, under_ci, workspace_root,
};
pub use kernel::{KernelGuard, LOCK_PATH};
pub use laurel::laurel_config;
pub use pki::make_certs;
pub use process::{DaemonProcess, Signal, signal, stop_all_threads};
pub use rng::Rng;
pub use tally::Tally;
pub use wait::{POLL, poll_until, wait_for};
