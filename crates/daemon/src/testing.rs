//! [`Hooks`] for tests and benchmarks, which must not mail, exec or change
//! the runlevel: one that ignores every action and one that records them.

use std::path::{Path, PathBuf};

use crate::hooks::{Hooks, Priority, Runlevel};

/// Hooks that do nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct QuietHooks;

impl Hooks for QuietHooks {
    fn message(&mut self, _: Priority, _: &str) {}
    fn exec(&mut self, _: &Path) {}
    fn email(&mut self, _: &str, _: &str, _: &str) {}
    fn runlevel(&mut self, _: Runlevel) {}
}

/// Hooks that record every call, for a test to inspect.
#[derive(Debug, Default, Clone)]
pub struct RecordingHooks {
    pub msgs: Vec<(Priority, String)>,
    pub execs: Vec<PathBuf>,
    pub runlevels: Vec<Runlevel>,
    /// The subjects of the mails.
    pub emails: Vec<String>,
}

impl RecordingHooks {
    /// Whether a message with exactly `text` was sent.
    pub fn has(&self, text: &str) -> bool {
        self.msgs.iter().any(|(_, t)| t == text)
    }
}

impl Hooks for RecordingHooks {
    fn message(&mut self, p: Priority, t: &str) {
        self.msgs.push((p, t.to_string()));
    }
    fn exec(&mut self, path: &Path) {
        self.execs.push(path.to_path_buf());
    }
    fn email(&mut self, subject: &str, _: &str, _: &str) {
        self.emails.push(subject.to_string());
    }
    fn runlevel(&mut self, l: Runlevel) {
        self.runlevels.push(l);
    }
}
