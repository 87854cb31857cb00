//! The log writer: appends lines to the log file with the configured flush mode, rotates, and runs
//! the size, space, disk-full and disk-error policies (kernel-and-daemon.md §2.5-2.7).
//!
//! A write failure never panics: it is handed to `disk_full_action` (ENOSPC) or
//! `disk_error_action`, and the record is tried once more if the file is still open afterwards.
//! System actions (syslog, exec, email, single user, halt) go through [`Hooks`] so tests can
//! observe them without touching the machine.
//!
//! This file holds the writer's state and the log file's life (open, permissions, torn tail,
//! resume, shutdown); the write path is in `append`, the flush modes in `flush`, rotation and
//! the size policy in `rotate`, the space checks in `space`, and the one dispatcher of the
//! disk actions (space_left, admin_space_left, disk_full, disk_error) in `actions`, and the
//! optional hash chain over the written lines (raudit's `--seal`) in `seal`.

mod actions;
mod append;
mod flush;
mod index;
mod rotate;
mod seal;
mod space;

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::sync::Arc;
use std::time::Instant;

use raudit_tables::errno::io_text;

use raudit_config::{DaemonConfig, Flush};

use crate::hooks::{Hooks, Priority};
use actions::DiskEvent;
use flush::Flusher;

pub use rotate::rotated_name;
pub use space::FsSpace;

const MEGABYTE: u64 = 1024 * 1024;

/// `open(2)` flags of the log: never through a symlink, never inherited by a child.
const OPEN_FLAGS: i32 =
    (rustix::fs::OFlags::NOFOLLOW.bits() | rustix::fs::OFlags::CLOEXEC.bits()) as i32;

/// What [`LogWriter::write_batch`] did with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Records on disk (for DATA/SYNC: after the batch's sync).
    pub written: usize,
    /// Records not written (suspended, no file, or failed twice).
    pub dropped: usize,
}

/// Counters for the state report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub written: u64,
    pub dropped: u64,
    pub write_errors: u64,
    pub syncs: u64,
    pub rotations: u64,
}

/// Where the space-threshold actions stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpaceState {
    pub suspended: bool,
    /// False once disk_full handling ran (until resume).
    pub fs_space_left: bool,
    pub space_warning: bool,
    pub admin_space_warning: bool,
    pub disk_error_warnings: u32,
}

/// The log file writer.
pub struct LogWriter<H: Hooks> {
    cfg: DaemonConfig,
    hooks: H,
    file: Option<Arc<File>>,
    log_size: u64,
    state: SpaceState,
    flush_count: u32,
    /// KEEP_LOGS: last known rotated index.
    known_logs: u32,
    /// Space thresholds in MiB (percentages resolved at open).
    space_left_mb: u64,
    admin_space_left_mb: u64,
    /// When free space was last checked (see `SPACE_CHECK_EVERY`).
    space_checked_at: Instant,
    stats: WriterStats,
    flusher: Option<Flusher>,
    /// `--seal`: the chain over the written lines.
    seal: Option<raudit_seal::Sealer>,
    /// A checkpoint is being written: a policy it sets off (a failed write that suspends and
    /// closes the file) must not start another one.
    seal_writing: bool,
    /// The thread that keeps the logs' indexes (none with `--no-index`).
    indexer: Option<index::Indexer>,
}

impl<H: Hooks> LogWriter<H> {
    /// Fix permissions, open (creating) the log, resolve percentage thresholds, remove excess logs
    /// and check space, as the daemon does at start.
    pub fn open(cfg: DaemonConfig, hooks: H) -> LogWriter<H> {
        Self::open_sealed(cfg, hooks, None)
    }

    /// [`LogWriter::open`], sealing every file it writes when `seal` is given.
    pub fn open_sealed(
        cfg: DaemonConfig,
        hooks: H,
        seal: Option<raudit_seal::Sealer>,
    ) -> LogWriter<H> {
        let flusher = if cfg.flush == Flush::IncrementalAsync { Flusher::start() } else { None };
        let mut w = LogWriter {
            cfg,
            hooks,
            file: None,
            log_size: 0,
            state: SpaceState { fs_space_left: true, ..SpaceState::default() },
            flush_count: 0,
            known_logs: 0,
            space_left_mb: 0,
            admin_space_left_mb: 0,
            space_checked_at: Instant::now(),
            stats: WriterStats::default(),
            flusher,
            seal,
            seal_writing: false,
            indexer: None,
        };
        w.fix_permissions();
        if let Err(e) = w.open_log() {
            w.hooks.message(
                Priority::Err,
                &format!("Unable to open {} ({})", w.cfg.log_file.display(), io_text(&e)),
            );
            w.state.suspended = true;
            w.disk_action(DiskEvent::Error { op: "open", err: &e });
        }
        w.setup_thresholds();
        w.remove_excess_logs();
        w.check_space();
        w
    }

    pub fn config(&self) -> &DaemonConfig {
        &self.cfg
    }
    pub fn hooks(&self) -> &H {
        &self.hooks
    }
    pub fn stats(&self) -> WriterStats {
        self.stats
    }
    pub fn state(&self) -> SpaceState {
        self.state
    }
    /// Bytes in the current log file.
    pub fn log_size(&self) -> u64 {
        self.log_size
    }
    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }
    /// The resolved (space_left, admin_space_left) thresholds in MiB.
    pub fn thresholds_mb(&self) -> (u64, u64) {
        (self.space_left_mb, self.admin_space_left_mb)
    }

    fn mode(&self, rotated: bool) -> u32 {
        match (rotated, self.cfg.log_group != 0) {
            (false, false) => 0o600,
            (false, true) => 0o640,
            (true, false) => 0o400,
            (true, true) => 0o440,
        }
    }

    /// Directory 0700/0750 root:log_group, rotated files 0400/0440, current 0600/0640. Each is
    /// changed through a descriptor opened without following a link: a link planted in the
    /// directory (or as the directory) is left alone, so it cannot turn this chmod and chown on
    /// some other file.
    pub fn fix_permissions(&mut self) {
        use crate::harden::set_mode_nofollow;
        let group = self.cfg.log_group;
        if let Some(dir) = self.cfg.log_file.parent() {
            let mode = if group != 0 { 0o750 } else { 0o700 };
            if let Err(e) = set_mode_nofollow(dir, mode, group, true)
                && e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
            {
                let text = format!(
                    "Log directory {} is a symbolic link; its permissions are left alone",
                    dir.display()
                );
                self.hooks.message(Priority::Warning, &text);
            }
        }
        for i in 1..self.cfg.num_logs {
            let p = rotated_name(&self.cfg.log_file, i);
            if crate::harden::is_symlink(&p) {
                let text = format!("Rotated log {} is a symbolic link; left alone", p.display());
                self.hooks.message(Priority::Warning, &text);
                continue;
            }
            if set_mode_nofollow(&p, self.mode(true), group, false).is_err() {
                break;
            }
        }
        let _ = set_mode_nofollow(&self.cfg.log_file, self.mode(false), group, false);
    }

    /// The message for a link at log_file: the log is never written through one.
    fn refuse_symlink(&mut self) -> io::Error {
        let text = format!(
            "Refusing to open log file {}: it is a symbolic link",
            self.cfg.log_file.display()
        );
        self.hooks.message(Priority::Err, &text);
        io::Error::from_raw_os_error(rustix::io::Errno::LOOP.raw_os_error())
    }

    fn open_log(&mut self) -> io::Result<()> {
        // COMPAT: auditd-event.c: with write_logs = no the log is never opened, so not created
        // either (at start, after a rotation or a resume).
        if !self.cfg.write_logs {
            return Ok(());
        }
        let path = &self.cfg.log_file.clone();
        if crate::harden::is_symlink(path) {
            return Err(self.refuse_symlink());
        }
        // DATA and SYNC are done by an explicit fdatasync/fsync per batch (group commit), so
        // the file itself is opened without O_DSYNC/O_SYNC.
        if std::fs::symlink_metadata(path).is_err() {
            // Created 0640 under umask 007 (the mode is fixed below anyway).
            let _ = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o640)
                .custom_flags(OPEN_FLAGS)
                .open(path);
        }
        self.repair_torn_tail();
        let f = match OpenOptions::new().append(true).custom_flags(OPEN_FLAGS).open(path) {
            // A link planted between the check above and this open.
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
                return Err(self.refuse_symlink());
            }
            r => r?,
        };
        if !f.metadata()?.file_type().is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        f.set_permissions(std::fs::Permissions::from_mode(self.mode(false)))?;
        std::os::unix::fs::fchown(&f, Some(0), Some(self.cfg.log_group))?;
        self.log_size = f.metadata()?.len();
        self.file = Some(Arc::new(f));
        self.index_opened();
        self.seal_opened();
        Ok(())
    }

    /// A log that does not end in a newline was cut in the middle of a record (the daemon was
    /// killed during a write: a fatal signal stops a write at a page boundary). The partial
    /// record is removed, so the next record does not run into it; a tail with no newline in
    /// the last 16 KiB (longer than any record) is closed with a newline instead.
    fn repair_torn_tail(&mut self) {
        use std::os::unix::fs::FileExt;
        let path = self.cfg.log_file.clone();
        let Ok(f) = OpenOptions::new().read(true).write(true).custom_flags(OPEN_FLAGS).open(&path)
        else {
            return;
        };
        let Ok(len) = f.metadata().map(|m| m.len()) else { return };
        if len == 0 {
            return;
        }
        let tail_len = len.min(16 * 1024);
        let mut tail = vec![0u8; tail_len as usize];
        if f.read_exact_at(&mut tail, len - tail_len).is_err() || tail.last() == Some(&b'\n') {
            return;
        }
        let r = match tail.iter().rposition(|&b| b == b'\n') {
            Some(i) => {
                let keep = len - tail_len + i as u64 + 1;
                let text = format!(
                    "Log {} ended in a partial record ({} bytes); removed it",
                    path.display(),
                    len - keep
                );
                self.hooks.message(Priority::Warning, &text);
                f.set_len(keep)
            }
            None if tail_len == len => {
                let text =
                    format!("Log {} holds only a partial record; removed it", path.display());
                self.hooks.message(Priority::Warning, &text);
                f.set_len(0)
            }
            None => f.write_all_at(b"\n", len),
        };
        if r.is_ok() {
            let _ = f.sync_all();
        }
    }

    fn close(&mut self) {
        self.write_seal(raudit_seal::Reason::Stop);
        if let Some(f) = self.file.take() {
            let _ = f.sync_all();
            self.index_closed();
        }
    }

    fn suspend(&mut self) {
        self.close();
        self.state.suspended = true;
    }

    /// SIGUSR2: clear the suspension and warnings, reopen the log and check its size again.
    pub fn resume(&mut self) {
        self.hooks.message(Priority::Notice, "Audit daemon is attempting to resume logging.");
        self.state = SpaceState { fs_space_left: true, ..SpaceState::default() };
        if self.file.is_none() {
            self.fix_permissions();
            if let Err(e) = self.open_log() {
                self.hooks.message(Priority::Err, "Could not reopen a log after resume logging");
                self.state.suspended = true;
                self.disk_action(DiskEvent::Error { op: "resume", err: &e });
                return;
            }
        }
        self.check_size();
        self.hooks.message(Priority::Notice, "Audit daemon resumed logging.");
    }

    /// Flush and close (shutdown). The async flush thread is stopped.
    pub fn shutdown(mut self) -> H {
        self.close();
        self.index_stop();
        if let Some(fl) = self.flusher.take() {
            fl.stop();
        }
        self.hooks
    }
}
