//! Rotation: the size policy (max_log_file_action), rotation on request (SIGUSR1), ROTATE's
//! log -> log.1 -> ... -> log.(n-1), KEEP_LOGS's shift that overwrites nothing, and the removal
//! of logs beyond num_logs at start.
//!
//! rename(2) never follows a link, as source or as destination: a link planted as
//! `audit.log.N` is moved or replaced as a name, and what it points to is never touched.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use raudit_tables::errno::io_text;

use raudit_config::SizeAction;

use super::actions::DiskEvent;
use super::{LogWriter, MEGABYTE};
use crate::hooks::{Hooks, Priority};

/// The log path a rotation index names (`audit.log.3`).
pub fn rotated_name(base: &Path, n: u32) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

impl<H: Hooks> LogWriter<H> {
    pub(super) fn check_size(&mut self) {
        if self.log_size / MEGABYTE < self.cfg.max_log_file {
            return;
        }
        match self.cfg.max_log_file_action {
            SizeAction::Ignore => {}
            SizeAction::Syslog => {
                self.hooks.message(Priority::Err, "Audit daemon log file is larger than max size")
            }
            SizeAction::Suspend => {
                self.hooks.message(
                    Priority::Err,
                    "Audit daemon is suspending logging due to logfile size.",
                );
                self.suspend();
            }
            SizeAction::Rotate => self.rotate_if_allowed(),
            SizeAction::KeepLogs => {
                self.hooks
                    .message(Priority::Notice, "Audit daemon rotating log files with keep option");
                self.shift();
            }
        }
    }

    /// With ROTATE and num_logs >= 2: unlink `log.N`, `log.N+1`, ... until one is missing.
    pub fn remove_excess_logs(&mut self) {
        if self.cfg.max_log_file_action != SizeAction::Rotate || self.cfg.num_logs < 2 {
            return;
        }
        let mut i = self.cfg.num_logs;
        loop {
            let p = rotated_name(&self.cfg.log_file, i);
            if std::fs::remove_file(&p).is_err() {
                break;
            }
            self.hooks.message(
                Priority::Notice,
                &format!("Log {} removed as it exceeds num_logs parameter", p.display()),
            );
            i += 1;
        }
    }

    /// ROTATE as a disk or size action: only with num_logs >= 2.
    pub(super) fn rotate_if_allowed(&mut self) {
        if self.cfg.num_logs > 1 {
            self.hooks.message(Priority::Notice, "Audit daemon rotating log files");
            self.rotate_to(self.cfg.num_logs);
        }
    }

    /// SIGUSR1: KEEP_LOGS shifts; otherwise rotate when num_logs >= 2. Returns whether files moved.
    pub fn rotate_requested(&mut self) -> bool {
        if self.cfg.max_log_file_action == SizeAction::KeepLogs {
            self.shift();
            true
        } else if self.cfg.num_logs >= 2 {
            self.rotate_to(self.cfg.num_logs);
            true
        } else {
            self.hooks.message(Priority::Notice, "Log rotation disabled (num_logs < 2), skipping");
            false
        }
    }

    /// Rotate keeping `n` files: log -> log.1 -> ... -> log.(n-1) (the previous oldest is replaced).
    fn rotate_to(&mut self, n: u32) {
        let base = self.cfg.log_file.clone();
        self.write_seal(raudit_seal::Reason::Rotate);
        if let Some(f) = self.file.as_ref() {
            let _ = f.sync_all();
            if let Err(e) = f.set_permissions(std::fs::Permissions::from_mode(self.mode(true))) {
                self.hooks.message(
                    Priority::Warning,
                    &format!(
                        "Couldn't change permissions while rotating log file ({})",
                        io_text(&e)
                    ),
                );
            }
        }
        if self.file.take().is_some() {
            self.index_closed();
        }
        for i in (2..n).rev() {
            let (from, to) = (rotated_name(&base, i - 1), rotated_name(&base, i));
            if let Err(e) = std::fs::rename(&from, &to)
                && e.kind() != io::ErrorKind::NotFound
            {
                self.rename_failed(&from, &to, &e);
            }
        }
        let first = rotated_name(&base, 1);
        if let Err(e) = std::fs::rename(&base, &first) {
            self.rename_failed(&base, &first, &e);
            let _ = crate::harden::set_mode_nofollow(
                &base,
                self.mode(false),
                self.cfg.log_group,
                false,
            );
        }
        self.stats.rotations += 1;
        self.log_size = 0;
        if let Err(e) = self.open_log() {
            self.state.suspended = true;
            self.disk_action(DiskEvent::Error { op: "reopen", err: &e });
        }
    }

    fn rename_failed(&mut self, from: &Path, to: &Path, e: &io::Error) {
        self.hooks.message(
            Priority::Err,
            &format!(
                "Error rotating logs from {} to {} ({})",
                from.display(),
                to.display(),
                io_text(e)
            ),
        );
        if e.raw_os_error() == Some(rustix::io::Errno::NOSPC.raw_os_error()) {
            self.disk_action(DiskEvent::Full);
        } else {
            self.disk_action(DiskEvent::Error { op: "rotate", err: e });
        }
    }

    /// KEEP_LOGS: shift every rotated file up by one; nothing is overwritten.
    fn shift(&mut self) {
        let base = self.cfg.log_file.clone();
        if self.known_logs > 0 && !rotated_name(&base, self.known_logs).exists() {
            self.hooks.message(
                Priority::Warning,
                &format!(
                    "Last known log disappeared ({})",
                    rotated_name(&base, self.known_logs).display()
                ),
            );
            self.known_logs = 0;
        }
        let mut k = self.known_logs.max(1);
        while rotated_name(&base, k).exists() {
            k += 1;
        }
        self.known_logs = k;
        self.rotate_to(k + 1);
    }
}
