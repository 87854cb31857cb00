//! The disk actions (IGNORE, SYSLOG, ROTATE, EMAIL, EXEC, SUSPEND, SINGLE, HALT) and the one
//! dispatcher that runs them for every event that has a setting: space_left_action,
//! admin_space_left_action, disk_full_action and disk_error_action. What differs between the
//! events is only the setting read and the words of the messages (the reference's).

use std::io;

use raudit_tables::errno::io_text;

use raudit_config::{DaemonConfig, DiskAction};

use super::LogWriter;
use crate::hooks::{Hooks, Priority, Runlevel};

/// What happened to the log's disk; each event has its own action setting.
#[derive(Debug, Clone, Copy)]
pub(super) enum DiskEvent<'a> {
    /// Free space fell below space_left.
    SpaceLow,
    /// Free space fell below admin_space_left.
    AdminSpaceLow,
    /// No space left (ENOSPC, or the last blocks the daemon never uses).
    Full,
    /// A write, sync, open or rename failed; `op` names the operation in the message.
    Error { op: &'a str, err: &'a io::Error },
}

/// The messages of the actions that take the system or the log down, as each event words them.
struct Wording {
    suspend: &'static str,
    single: &'static str,
    halt: &'static str,
}

const LOW_SPACE: &str = "Audit daemon is low on disk space for logging";

impl DiskEvent<'_> {
    /// The setting that says what to do.
    pub(super) fn action<'c>(&self, cfg: &'c DaemonConfig) -> &'c DiskAction {
        match self {
            DiskEvent::SpaceLow => &cfg.space_left_action,
            DiskEvent::AdminSpaceLow => &cfg.admin_space_left_action,
            DiskEvent::Full => &cfg.disk_full_action,
            DiskEvent::Error { .. } => &cfg.disk_error_action,
        }
    }

    fn wording(&self) -> Wording {
        match self {
            DiskEvent::SpaceLow | DiskEvent::AdminSpaceLow => Wording {
                suspend: "Audit daemon is suspending logging due to low disk space.",
                single: "The audit daemon is now changing the system to single user mode",
                halt: "The audit daemon is now halting the system",
            },
            DiskEvent::Full => Wording {
                suspend: "Audit daemon is suspending logging due to no space left on logging partition.",
                single: "The audit daemon is now changing the system to single user mode due to no space left on logging partition",
                halt: "The audit daemon is now halting the system due to no space left on logging partition",
            },
            DiskEvent::Error { .. } => Wording {
                suspend: "Audit daemon is suspending logging due to previously mentioned write error",
                single: "The audit daemon is now changing the system to single user mode due to previously mentioned write error",
                halt: "The audit daemon is now halting the system due to previously mentioned write error.",
            },
        }
    }
}

impl<H: Hooks> LogWriter<H> {
    /// Runs the action configured for `event`.
    pub(super) fn disk_action(&mut self, event: DiskEvent<'_>) {
        if let DiskEvent::Full = event {
            self.hooks
                .message(Priority::Alert, "Audit daemon has no space left on logging partition");
        }
        let words = event.wording();
        match event.action(&self.cfg).clone() {
            DiskAction::Ignore => {}
            DiskAction::Syslog => self.syslog_action(event),
            DiskAction::Rotate => {
                if !matches!(event, DiskEvent::Error { .. }) {
                    self.rotate_if_allowed();
                }
            }
            DiskAction::Email => self.email_action(event),
            DiskAction::Exec(p) => {
                self.suspend();
                self.hooks.exec(&p);
            }
            DiskAction::Suspend => {
                self.hooks.message(Priority::Alert, words.suspend);
                self.suspend();
            }
            DiskAction::Single => {
                self.hooks.message(Priority::Alert, words.single);
                self.hooks.runlevel(Runlevel::Single);
            }
            DiskAction::Halt => {
                self.hooks.message(Priority::Alert, words.halt);
                self.hooks.runlevel(Runlevel::Halt);
            }
        }
    }

    /// SYSLOG: low space is said once per crossing (the caller keeps the warning flag); a full
    /// disk has said it already; errors are said at most 5 times until a write succeeds.
    fn syslog_action(&mut self, event: DiskEvent<'_>) {
        match event {
            DiskEvent::SpaceLow | DiskEvent::AdminSpaceLow => {
                self.hooks.message(Priority::Alert, LOW_SPACE)
            }
            DiskEvent::Full => {}
            DiskEvent::Error { op, err } => {
                // COMPAT: do_disk_error_action: at most 5 messages until a write succeeds.
                if self.state.disk_error_warnings < 5 {
                    let t = format!(
                        "{op}: Audit daemon detected an error writing an event to disk ({})",
                        io_text(err)
                    );
                    self.hooks.message(Priority::Alert, &t);
                    self.state.disk_error_warnings += 1;
                }
            }
        }
    }

    /// EMAIL: only the space thresholds mail (the reference's disk_full and disk_error do not).
    fn email_action(&mut self, event: DiskEvent<'_>) {
        let acct = self.cfg.action_mail_acct.clone();
        match event {
            DiskEvent::SpaceLow => {
                self.hooks.email(
                    "Audit Disk Space Alert",
                    "The audit daemon is low on disk space for logging! Please take action\nto ensure no loss of service.",
                    &acct,
                );
                self.hooks.message(Priority::Alert, LOW_SPACE);
            }
            DiskEvent::AdminSpaceLow => {
                self.hooks.email(
                    "Audit Admin Space Alert",
                    "The audit daemon is very low on disk space for logging! Immediate action\nis required to ensure no loss of service.",
                    &acct,
                );
                self.hooks
                    .message(Priority::Alert, "Audit daemon is very low on disk space for logging");
            }
            DiskEvent::Full | DiskEvent::Error { .. } => {}
        }
    }
}
