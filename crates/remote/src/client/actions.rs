//! What the client does when something goes wrong: the `*_action` keys with the reference's
//! semantics and messages. The return value says whether the record at the head of the queue may
//! be dropped.

use std::process::{Command, Stdio};

use crate::conf::{FailureAction, OverflowAction};
use crate::sys;

pub use libc::{LOG_ALERT, LOG_ERR, LOG_INFO, LOG_NOTICE, LOG_WARNING};

/// Where messages go: syslog as the reference, and stderr when asked (tests, foreground use).
#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub stderr: bool,
}

impl Log {
    pub fn msg(&self, level: libc::c_int, text: &str) {
        sys::syslog(level, text);
        if self.stderr {
            eprintln!("audisp-remote: {text}");
        }
    }
}

/// Flags the actions change.
#[derive(Debug, Default)]
pub struct ActionState {
    /// Bit 1: warn_once_continue fired; bit 2: warn_once fired. Cleared by a successful send.
    pub warned: u8,
    pub suspend: bool,
    pub stop: bool,
    /// The connection must be dropped (reconnect action).
    pub drop_connection: bool,
}

/// Run `action` for the condition `desc`; true when the current record may be dequeued.
pub fn run(
    log: &Log,
    st: &mut ActionState,
    desc: &str,
    message: &str,
    level: libc::c_int,
    action: &FailureAction,
) -> bool {
    match action {
        FailureAction::Ignore => true,
        FailureAction::Syslog => {
            log.msg(level, &format!("{desc}, {message}"));
            true
        }
        FailureAction::Exec(path) => {
            let r = Command::new(path).arg(message).env_clear().stdin(Stdio::null()).spawn();
            if r.is_err() {
                log.msg(LOG_ALERT, &format!("audisp-remote failed to exec {}", path.display()));
            }
            true
        }
        FailureAction::WarnOnceContinue => {
            if st.warned & 1 != 0 {
                return false;
            }
            st.warned |= 1;
            log.msg(level, &format!("{desc}, {message}"));
            true
        }
        FailureAction::WarnOnce => {
            if st.warned & 2 == 0 {
                st.warned |= 2;
                log.msg(level, &format!("{desc}, {message}"));
            }
            false
        }
        FailureAction::Suspend => {
            log.msg(level, &format!("suspending remote logging due to {desc}"));
            st.suspend = true;
            false
        }
        FailureAction::Reconnect => {
            log.msg(
                level,
                &format!("remote logging disconnected due to {desc}, will attempt reconnection"),
            );
            st.drop_connection = true;
            false
        }
        FailureAction::Single => {
            log.msg(
                level,
                &format!("remote logging is switching system to single user mode due to {desc}"),
            );
            change_runlevel(log, "1");
            false
        }
        FailureAction::Halt => {
            log.msg(level, &format!("remote logging halting system due to {desc}"));
            change_runlevel(log, "0");
            false
        }
        FailureAction::Stop => {
            log.msg(level, &format!("remote logging stopping due to {desc}, {message}"));
            st.stop = true;
            false
        }
    }
}

/// The local queue is full (the record is dropped whatever the action).
pub fn overflow(log: &Log, st: &mut ActionState, action: OverflowAction) {
    match action {
        OverflowAction::Ignore => {}
        OverflowAction::Syslog => log.msg(LOG_ERR, "queue is full - dropping event"),
        OverflowAction::Suspend => {
            log.msg(
                LOG_ALERT,
                "Audisp-remote is suspending event processing due to overflowing its queue.",
            );
            st.suspend = true;
        }
        OverflowAction::Single => {
            log.msg(
                LOG_ALERT,
                "Audisp-remote is now changing the system to single user mode due to overflowing its queue",
            );
            change_runlevel(log, "1");
        }
        OverflowAction::Halt => {
            log.msg(
                LOG_ALERT,
                "Audisp-remote is now halting the system due to overflowing its queue",
            );
            change_runlevel(log, "0");
        }
    }
}

fn change_runlevel(log: &Log, level: &str) {
    let r = Command::new("/sbin/init").arg(level).env_clear().stdin(Stdio::null()).spawn();
    if r.is_err() {
        log.msg(LOG_ALERT, "audisp-remote failed to exec /sbin/init");
    }
}
