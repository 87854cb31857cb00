//! `raudit doctor`: is this audit setup healthy, and if not, what fixes it?
//!
//! Two halves, so the judgement is testable without the machine: [`gather`] reads the machine
//! into plain [`Facts`] (kernel status sampled twice, who owns the audit socket, journald,
//! the loaded rules through the `ctl --check` linter, auditd.conf, the log's disk, modes and
//! tail, plugins.d), and [`checks::evaluate`] turns facts into [`Check`]s, each with a status,
//! a one-line finding and the fix. [`output`] prints them as text or JSON.

pub mod checks;
pub mod facts;
pub mod gather;
pub mod output;

pub use checks::{Check, Status, evaluate};
pub use facts::Facts;
