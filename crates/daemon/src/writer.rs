//! The log writer: appends lines to the log file with the configured flush mode, rotates, and runs
//! the size, space, disk-full and disk-error policies (kernel-and-daemon.md §2.5-2.7).
//!
//! A write failure never panics: it is handed to `disk_full_action` (ENOSPC) or
//! `disk_error_action`, and the record is tried once more if the file is still open afterwards.
//! System actions (syslog, exec, email, single user, halt) go through [`Hooks`] so tests can
//! observe them without touching the machine.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use raudit_config::{DaemonConfig, DiskAction, Flush, SizeAction};

const MEGABYTE: u64 = 1024 * 1024;

/// Syslog priority of a daemon message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Alert,
    Err,
    Warning,
    Notice,
}

/// `/sbin/init` argument for the SINGLE and HALT actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runlevel {
    Single,
    Halt,
}

/// Side effects on the system. [`SystemHooks`] does them for real.
pub trait Hooks: Send {
    fn message(&mut self, priority: Priority, text: &str);
    /// Run `path` with no arguments and an empty environment.
    fn exec(&mut self, path: &Path);
    /// Mail `body` to `acct`.
    fn email(&mut self, subject: &str, body: &str, acct: &str);
    fn runlevel(&mut self, level: Runlevel);
}

/// The real hooks: messages to stderr (foreground) or syslog, programs really run. Every child
/// is reaped (the reference's SIGCHLD handler), so none is left a zombie.
pub struct SystemHooks {
    pub to_syslog: bool,
    /// The mailer run for EMAIL actions (`/usr/lib/sendmail`, as the reference's).
    pub sendmail: PathBuf,
    /// `/sbin/init`, told the runlevel for SINGLE and HALT.
    pub init: PathBuf,
}

impl SystemHooks {
    pub fn new(to_syslog: bool) -> Self {
        SystemHooks {
            to_syslog,
            sendmail: PathBuf::from(raudit_config::EMAIL_COMMAND),
            init: PathBuf::from("/sbin/init"),
        }
    }
}

/// Waits for `child` on a thread of its own.
fn reap(mut child: std::process::Child) {
    let spawned = std::thread::Builder::new().name("rauditd-reap".into()).spawn(move || {
        let _ = child.wait();
    });
    // Without a thread the child is reaped when the daemon exits.
    drop(spawned);
}

/// Runs `program` with `args` and no environment (std clears the signal mask the daemon set
/// for its signalfd).
fn spawn_clean(program: &Path, args: &[&str], stdin: bool) -> io::Result<std::process::Child> {
    let mut c = std::process::Command::new(program);
    c.args(args).env_clear();
    if stdin {
        c.stdin(std::process::Stdio::piped());
    }
    c.spawn()
}

impl Hooks for SystemHooks {
    fn message(&mut self, priority: Priority, text: &str) {
        crate::sys::message(self.to_syslog, priority, text);
    }
    fn exec(&mut self, path: &Path) {
        match spawn_clean(path, &[], false) {
            Ok(child) => reap(child),
            Err(_) => self.message(
                Priority::Alert,
                &format!("Audit daemon failed to exec {}", path.display()),
            ),
        }
    }
    fn email(&mut self, subject: &str, body: &str, acct: &str) {
        // COMPAT: auditd-sendmail.c: `-t -f<acct>`, no environment, and this exact message.
        let path = self.sendmail.clone();
        if rustix::fs::access(&path, rustix::fs::Access::EXEC_OK).is_err() {
            let t = format!("Error - {} isn't executable", path.display());
            return self.message(Priority::Err, &t);
        }
        match spawn_clean(&path, &["-t", &format!("-f{acct}")], true) {
            Ok(mut child) => {
                if let Some(mut stdin) = child.stdin.take() {
                    let mail =
                        format!("To: {acct}\nFrom: root\nSubject: {subject}\n\n{body}\n.\n\n");
                    let _ = stdin.write_all(mail.as_bytes());
                }
                reap(child);
            }
            Err(_) => self.message(
                Priority::Alert,
                &format!("Audit daemon failed to exec {}", path.display()),
            ),
        }
    }
    fn runlevel(&mut self, level: Runlevel) {
        let arg = match level {
            Runlevel::Single => "1",
            Runlevel::Halt => "0",
        };
        let init = self.init.clone();
        match spawn_clean(&init, &[arg], false) {
            Ok(child) => reap(child),
            Err(_) => self.message(
                Priority::Alert,
                &format!("Audit daemon failed to exec {}", init.display()),
            ),
        }
    }
}

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

/// Free space of the log's filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FsSpace {
    pub block_size: u64,
    pub blocks: u64,
    pub available: u64,
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
    stats: WriterStats,
    flusher: Option<Flusher>,
}

/// The INCREMENTAL_ASYNC flush thread: fsyncs the log when asked. Requests made while it is
/// busy are merged into one (the next fsync covers everything written before it starts), as the
/// reference's flush thread does with its condition variable: no descriptor is duplicated and
/// no message is queued per request.
struct Flusher {
    shared: Arc<(Mutex<FlushRequest>, Condvar)>,
    handle: JoinHandle<()>,
}

#[derive(Default)]
struct FlushRequest {
    file: Option<Arc<File>>,
    stop: bool,
}

impl Flusher {
    /// `None` when the thread cannot be started (flushes are then done inline).
    fn start() -> Option<Flusher> {
        let shared = Arc::new((Mutex::new(FlushRequest::default()), Condvar::new()));
        let theirs = shared.clone();
        let handle = std::thread::Builder::new()
            .name("rauditd-flush".into())
            .spawn(move || {
                let (lock, cv) = &*theirs;
                loop {
                    let file = {
                        let Ok(mut req) = lock.lock() else { return };
                        while req.file.is_none() && !req.stop {
                            req = match cv.wait(req) {
                                Ok(r) => r,
                                Err(_) => return,
                            };
                        }
                        match req.file.take() {
                            Some(f) => f,
                            None => return, // stop, nothing left to sync
                        }
                    };
                    let _ = file.sync_all();
                }
            })
            .ok()?;
        Some(Flusher { shared, handle })
    }

    /// Asks for an fsync of `file` (merged with a request not yet started).
    fn request(&self, file: &Arc<File>) {
        let (lock, cv) = &*self.shared;
        if let Ok(mut req) = lock.lock() {
            req.file = Some(file.clone());
            cv.notify_one();
        }
    }

    /// Syncs what is pending and ends the thread.
    fn stop(self) {
        let (lock, cv) = &*self.shared;
        if let Ok(mut req) = lock.lock() {
            req.stop = true;
            cv.notify_one();
        }
        let _ = self.handle.join();
    }
}

fn errtext(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn numbered(base: &Path, n: u32) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

impl<H: Hooks> LogWriter<H> {
    /// Fix permissions, open (creating) the log, resolve percentage thresholds, remove excess logs
    /// and check space, as the daemon does at start.
    pub fn open(cfg: DaemonConfig, hooks: H) -> LogWriter<H> {
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
            stats: WriterStats::default(),
            flusher,
        };
        w.fix_permissions();
        if let Err(e) = w.open_log() {
            w.hooks.message(
                Priority::Err,
                &format!("Unable to open {} ({})", w.cfg.log_file.display(), errtext(&e)),
            );
            w.state.suspended = true;
            w.disk_error_action("open", &e);
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

    /// Directory 0700/0750 root:log_group, rotated files 0400/0440, current 0600/0640.
    pub fn fix_permissions(&mut self) {
        let group = self.cfg.log_group;
        if let Some(dir) = self.cfg.log_file.parent() {
            let mode = if group != 0 { 0o750 } else { 0o700 };
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode));
            let _ = std::os::unix::fs::chown(dir, Some(0), Some(group));
        }
        for i in 1..self.cfg.num_logs {
            let p = numbered(&self.cfg.log_file, i);
            if std::fs::set_permissions(&p, std::fs::Permissions::from_mode(self.mode(true)))
                .is_err()
            {
                break;
            }
            let _ = std::os::unix::fs::chown(&p, Some(0), Some(group));
        }
        let _ = std::fs::set_permissions(
            &self.cfg.log_file,
            std::fs::Permissions::from_mode(self.mode(false)),
        );
    }

    fn open_log(&mut self) -> io::Result<()> {
        let path = &self.cfg.log_file.clone();
        let mut extra = libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // DATA and SYNC are done by an explicit fdatasync/fsync per batch (group commit), so
        // the file itself is opened without O_DSYNC/O_SYNC.
        if !path.exists() {
            // Created 0640 under umask 007 (the mode is fixed below anyway).
            let _ = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o640)
                .custom_flags(extra)
                .open(path);
        }
        self.repair_torn_tail();
        extra |= libc::O_APPEND;
        let f = OpenOptions::new().write(true).custom_flags(extra).open(path)?;
        f.set_permissions(std::fs::Permissions::from_mode(self.mode(false)))?;
        std::os::unix::fs::fchown(&f, Some(0), Some(self.cfg.log_group))?;
        self.log_size = f.metadata()?.len();
        self.file = Some(Arc::new(f));
        Ok(())
    }

    /// A log that does not end in a newline was cut in the middle of a record (the daemon was
    /// killed during a write: a fatal signal stops a write at a page boundary). The partial
    /// record is removed, so the next record does not run into it; a tail with no newline in
    /// the last 16 KiB (longer than any record) is closed with a newline instead.
    fn repair_torn_tail(&mut self) {
        use std::os::unix::fs::FileExt;
        let path = self.cfg.log_file.clone();
        let Ok(f) = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
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
        if let Some(f) = self.file.take() {
            let _ = f.sync_all();
        }
    }

    fn suspend(&mut self) {
        self.close();
        self.state.suspended = true;
    }

    /// Free space of the log's filesystem (None when no log is open).
    pub fn fs_space(&self) -> Option<FsSpace> {
        let f = self.file.as_ref()?;
        let s = rustix::fs::fstatfs(f).ok()?;
        Some(FsSpace { block_size: s.f_bsize as u64, blocks: s.f_blocks, available: s.f_bavail })
    }

    fn setup_thresholds(&mut self) {
        let (blocks, bsize) = self.fs_space().map_or((0, 0), |s| (s.blocks, s.block_size));
        self.space_left_mb = self.cfg.space_left.megabytes(blocks, bsize);
        self.admin_space_left_mb = self.cfg.admin_space_left.megabytes(blocks, bsize);
        if self.file.is_some() && self.space_left_mb <= self.admin_space_left_mb {
            let t = format!(
                "Error - space_left({}) must be larger than admin_space_left({})",
                self.space_left_mb, self.admin_space_left_mb
            );
            self.hooks.message(Priority::Err, &t);
        }
    }

    /// With ROTATE and num_logs >= 2: unlink `log.N`, `log.N+1`, ... until one is missing.
    pub fn remove_excess_logs(&mut self) {
        if self.cfg.max_log_file_action != SizeAction::Rotate || self.cfg.num_logs < 2 {
            return;
        }
        let mut i = self.cfg.num_logs;
        loop {
            let p = numbered(&self.cfg.log_file, i);
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

    /// Write one batch of lines (each ending in a newline). With DATA/SYNC the batch is followed by
    /// one fdatasync/fsync, and its records count as written only once that succeeded.
    pub fn write_batch<L: AsRef<[u8]>>(&mut self, lines: &[L]) -> BatchOutcome {
        let mut buf = Vec::with_capacity(lines.iter().map(|l| l.as_ref().len()).sum());
        let mut ends = Vec::with_capacity(lines.len());
        for l in lines {
            buf.extend_from_slice(l.as_ref());
            ends.push(buf.len());
        }
        self.write_lines(&buf, &ends)
    }

    /// Like [`LogWriter::write_batch`] for lines laid end to end in `buf`: line `i` ends at
    /// `ends[i]` (exclusive), each with its newline. Runs of lines go out with one `write(2)`
    /// each; a run ends early only where a line reaches the size limit, so the size action
    /// (rotate, suspend, ...) still happens right after that line. With DATA/SYNC one
    /// fdatasync/fsync follows the batch (group commit).
    pub fn write_lines(&mut self, buf: &[u8], ends: &[usize]) -> BatchOutcome {
        let mut out = BatchOutcome::default();
        let mut pending = 0usize;
        let mut i = 0;
        let n = ends.len();
        let start_of = |i: usize| if i == 0 { 0 } else { ends[i - 1] };
        while i < n {
            if self.state.suspended || self.file.is_none() || !self.cfg.write_logs {
                out.dropped += n - i;
                break;
            }
            let j = self.run_end(buf, ends, i);
            let before = self.log_size;
            let (written, dropped, bytes) = self.write_run(buf, &ends[i..j], start_of(i));
            out.dropped += dropped;
            if written > 0 {
                pending += written;
                // COMPAT: auditd-event.c write_to_log: space is checked after a record when
                // (log_size % 8) < 3. A run is one write here: it is checked once, after the
                // run, when that test held after any of its lines.
                let base = start_of(i) as u64;
                let space = ends[i..j].iter().any(|&e| (before + e as u64 - base) % 8 < 3);
                self.after_write(bytes as u64, written, space);
                if self.file.is_none() {
                    // Rotated away or suspended by a policy: settle what is on disk.
                    out.written += pending;
                    pending = 0;
                }
            }
            i = j;
        }
        if pending > 0 {
            match self.cfg.flush {
                Flush::Data | Flush::Sync => {
                    let r = self.file.as_ref().map(|f| {
                        if self.cfg.flush == Flush::Data { f.sync_data() } else { f.sync_all() }
                    });
                    self.stats.syncs += 1;
                    match r {
                        Some(Err(e)) => {
                            self.stats.write_errors += 1;
                            self.disk_error_action("fsync", &e);
                            out.dropped += pending;
                        }
                        _ => out.written += pending,
                    }
                }
                _ => out.written += pending,
            }
        }
        self.stats.written += out.written as u64;
        self.stats.dropped += out.dropped as u64;
        out
    }

    /// Lines `i..j` go out in one write: the run stops after the line that reaches
    /// max_log_file (its size action must come before the next line), and after every line
    /// once the log is over the limit with an action other than IGNORE.
    fn run_end(&self, buf: &[u8], ends: &[usize], i: usize) -> usize {
        let _ = buf;
        if self.cfg.max_log_file_action == SizeAction::Ignore {
            return ends.len();
        }
        let limit = self.cfg.max_log_file.saturating_mul(MEGABYTE);
        let base = if i == 0 { 0 } else { ends[i - 1] } as u64;
        let mut j = i;
        while j < ends.len() {
            let size = self.log_size + (ends[j] as u64 - base);
            j += 1;
            if size >= limit {
                break;
            }
        }
        j
    }

    /// Writes lines laid end to end (`ends` relative to `buf`, the run starting at `start`).
    /// On a failure the error policy runs and the write is tried once more from where it
    /// stopped (so nothing is written twice); a line that fails twice is dropped and the next
    /// line gets its own two attempts. Returns (lines written, lines dropped); the dropped ones
    /// are the last lines of the run when the file went away (suspended), else the failed line.
    fn write_run(&mut self, buf: &[u8], ends: &[usize], start: usize) -> (usize, usize, usize) {
        let mut pos = start;
        let mut line = 0; // the line `pos` is in
        let mut failures = 0; // of the current line
        let mut written = 0;
        let mut dropped = 0;
        let mut bytes = 0;
        let end = ends[ends.len() - 1];
        while pos < end {
            let Some(f) = self.file.as_ref() else {
                dropped += ends.len() - line;
                break;
            };
            match (&**f).write(&buf[pos..end]) {
                Ok(0) => {
                    // Treated as an error: nothing was accepted.
                    let e = io::Error::from(io::ErrorKind::WriteZero);
                    if self.write_failed(&e, &mut failures) {
                        dropped += 1;
                        pos = ends[line];
                        line += 1;
                        failures = 0;
                    }
                }
                Ok(k) => {
                    pos += k;
                    bytes += k;
                    self.state.disk_error_warnings = 0;
                    while line < ends.len() && ends[line] <= pos {
                        line += 1;
                        written += 1;
                        failures = 0;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if self.write_failed(&e, &mut failures) {
                        dropped += 1;
                        pos = ends[line];
                        line += 1;
                        failures = 0;
                    }
                }
            }
        }
        (written, dropped, bytes)
    }

    /// Runs the error policy for a failed write; `true` when the current line is given up
    /// (second failure, or the policy closed the file). A full disk runs disk_full_action at
    /// once (ROTATE may make room for the retry); any other error is retried first and goes to
    /// disk_error_action only when the retry fails too, once per line given up.
    fn write_failed(&mut self, e: &io::Error, failures: &mut u32) -> bool {
        self.stats.write_errors += 1;
        *failures += 1;
        if e.raw_os_error() == Some(libc::ENOSPC) {
            if self.state.fs_space_left {
                self.state.fs_space_left = false;
                self.disk_full_action();
            }
        } else if *failures >= 2 {
            self.disk_error_action("write", e);
        }
        *failures >= 2 || self.state.suspended
    }

    /// After `lines` lines (`len` bytes) reached the file: size, flush and space policies.
    fn after_write(&mut self, len: u64, lines: usize, check_space: bool) {
        self.log_size += len;
        self.incremental_flush(lines);
        self.check_size();
        if check_space {
            self.check_space();
        }
    }

    /// INCREMENTAL/INCREMENTAL_ASYNC: a flush every `freq` records, the count running across
    /// writes. A run of lines that passes one or more multiples of `freq` is followed by one
    /// flush (it covers every line of the run).
    fn incremental_flush(&mut self, lines: usize) {
        if !matches!(self.cfg.flush, Flush::Incremental | Flush::IncrementalAsync) {
            return;
        }
        let freq = u64::from(self.cfg.freq.max(1));
        let total = u64::from(self.flush_count) + lines as u64;
        self.flush_count = (total % freq) as u32;
        if total < freq {
            return;
        }
        let Some(f) = self.file.as_ref() else { return };
        if self.cfg.flush == Flush::Incremental || self.flusher.is_none() {
            self.stats.syncs += 1;
            if let Err(e) = f.sync_all() {
                self.disk_error_action("fsync", &e);
            }
        } else if let Some(fl) = self.flusher.as_ref() {
            self.stats.syncs += 1;
            fl.request(f);
        }
    }

    fn check_size(&mut self) {
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
            SizeAction::Rotate => {
                if self.cfg.num_logs > 1 {
                    self.hooks.message(Priority::Notice, "Audit daemon rotating log files");
                    self.rotate_to(self.cfg.num_logs);
                }
            }
            SizeAction::KeepLogs => {
                self.hooks
                    .message(Priority::Notice, "Audit daemon rotating log files with keep option");
                self.shift();
            }
        }
    }

    /// Run the space checks now (the daemon does this at start, after reconfigure and after
    /// some writes).
    pub fn check_space(&mut self) {
        let Some(s) = self.fs_space() else { return };
        if s.available < 5 {
            // The daemon never consumes the last 5 blocks.
            self.state.fs_space_left = false;
            self.disk_full_action();
            return;
        }
        let per_mb = MEGABYTE / s.block_size.max(1);
        for admin in [false, true] {
            let mb = if admin { self.admin_space_left_mb } else { self.space_left_mb };
            let action =
                if admin { &self.cfg.admin_space_left_action } else { &self.cfg.space_left_action }
                    .clone();
            let warned =
                if admin { self.state.admin_space_warning } else { self.state.space_warning };
            if s.available < mb.saturating_mul(per_mb) {
                if !warned {
                    self.space_left_action(admin, &action);
                    if action != DiskAction::Rotate {
                        self.set_warning(admin, true);
                    }
                }
            } else if warned && action == DiskAction::Syslog {
                self.set_warning(admin, false);
            }
            if self.file.is_none() {
                return;
            }
        }
    }

    fn set_warning(&mut self, admin: bool, on: bool) {
        if admin {
            self.state.admin_space_warning = on;
        } else {
            self.state.space_warning = on;
        }
    }

    fn space_left_action(&mut self, admin: bool, action: &DiskAction) {
        match action {
            DiskAction::Ignore => {}
            DiskAction::Syslog => {
                self.hooks.message(Priority::Alert, "Audit daemon is low on disk space for logging")
            }
            DiskAction::Rotate => self.rotate_if_allowed(),
            DiskAction::Email => {
                let acct = self.cfg.action_mail_acct.clone();
                if admin {
                    self.hooks.email(
                        "Audit Admin Space Alert",
                        "The audit daemon is very low on disk space for logging! Immediate action\nis required to ensure no loss of service.",
                        &acct,
                    );
                    self.hooks.message(
                        Priority::Alert,
                        "Audit daemon is very low on disk space for logging",
                    );
                } else {
                    self.hooks.email(
                        "Audit Disk Space Alert",
                        "The audit daemon is low on disk space for logging! Please take action\nto ensure no loss of service.",
                        &acct,
                    );
                    self.hooks
                        .message(Priority::Alert, "Audit daemon is low on disk space for logging");
                }
            }
            DiskAction::Exec(p) => {
                self.suspend();
                self.hooks.exec(p);
            }
            DiskAction::Suspend => {
                self.hooks.message(
                    Priority::Alert,
                    "Audit daemon is suspending logging due to low disk space.",
                );
                self.suspend();
            }
            DiskAction::Single => {
                self.hooks.message(
                    Priority::Alert,
                    "The audit daemon is now changing the system to single user mode",
                );
                self.hooks.runlevel(Runlevel::Single);
            }
            DiskAction::Halt => {
                self.hooks.message(Priority::Alert, "The audit daemon is now halting the system");
                self.hooks.runlevel(Runlevel::Halt);
            }
        }
    }

    fn rotate_if_allowed(&mut self) {
        if self.cfg.num_logs > 1 {
            self.hooks.message(Priority::Notice, "Audit daemon rotating log files");
            self.rotate_to(self.cfg.num_logs);
        }
    }

    fn disk_full_action(&mut self) {
        self.hooks.message(Priority::Alert, "Audit daemon has no space left on logging partition");
        match self.cfg.disk_full_action.clone() {
            DiskAction::Ignore | DiskAction::Syslog | DiskAction::Email => {}
            DiskAction::Rotate => self.rotate_if_allowed(),
            DiskAction::Exec(p) => {
                self.suspend();
                self.hooks.exec(&p);
            }
            DiskAction::Suspend => {
                self.hooks.message(
                    Priority::Alert,
                    "Audit daemon is suspending logging due to no space left on logging partition.",
                );
                self.suspend();
            }
            DiskAction::Single => {
                self.hooks.message(Priority::Alert, "The audit daemon is now changing the system to single user mode due to no space left on logging partition");
                self.hooks.runlevel(Runlevel::Single);
            }
            DiskAction::Halt => {
                self.hooks.message(Priority::Alert, "The audit daemon is now halting the system due to no space left on logging partition");
                self.hooks.runlevel(Runlevel::Halt);
            }
        }
    }

    fn disk_error_action(&mut self, func: &str, err: &io::Error) {
        match self.cfg.disk_error_action.clone() {
            DiskAction::Ignore | DiskAction::Rotate | DiskAction::Email => {}
            DiskAction::Syslog => {
                // COMPAT: do_disk_error_action: at most 5 messages until a write succeeds.
                if self.state.disk_error_warnings < 5 {
                    let t = format!(
                        "{func}: Audit daemon detected an error writing an event to disk ({})",
                        errtext(err)
                    );
                    self.hooks.message(Priority::Alert, &t);
                    self.state.disk_error_warnings += 1;
                }
            }
            DiskAction::Exec(p) => {
                self.suspend();
                self.hooks.exec(&p);
            }
            DiskAction::Suspend => {
                self.hooks.message(
                    Priority::Alert,
                    "Audit daemon is suspending logging due to previously mentioned write error",
                );
                self.suspend();
            }
            DiskAction::Single => {
                self.hooks.message(Priority::Alert, "The audit daemon is now changing the system to single user mode due to previously mentioned write error");
                self.hooks.runlevel(Runlevel::Single);
            }
            DiskAction::Halt => {
                self.hooks.message(Priority::Alert, "The audit daemon is now halting the system due to previously mentioned write error.");
                self.hooks.runlevel(Runlevel::Halt);
            }
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
        if let Some(f) = self.file.as_ref() {
            let _ = f.sync_all();
            if let Err(e) = f.set_permissions(std::fs::Permissions::from_mode(self.mode(true))) {
                self.hooks.message(
                    Priority::Warning,
                    &format!(
                        "Couldn't change permissions while rotating log file ({})",
                        errtext(&e)
                    ),
                );
            }
        }
        self.file = None;
        for i in (2..n).rev() {
            let (from, to) = (numbered(&base, i - 1), numbered(&base, i));
            if let Err(e) = std::fs::rename(&from, &to)
                && e.kind() != io::ErrorKind::NotFound
            {
                self.rename_failed(&from, &to, &e);
            }
        }
        let first = numbered(&base, 1);
        if let Err(e) = std::fs::rename(&base, &first) {
            self.rename_failed(&base, &first, &e);
            let _ =
                std::fs::set_permissions(&base, std::fs::Permissions::from_mode(self.mode(false)));
        }
        self.stats.rotations += 1;
        self.log_size = 0;
        if let Err(e) = self.open_log() {
            self.state.suspended = true;
            self.disk_error_action("reopen", &e);
        }
    }

    fn rename_failed(&mut self, from: &Path, to: &Path, e: &io::Error) {
        self.hooks.message(
            Priority::Err,
            &format!(
                "Error rotating logs from {} to {} ({})",
                from.display(),
                to.display(),
                errtext(e)
            ),
        );
        if e.raw_os_error() == Some(libc::ENOSPC) {
            self.disk_full_action();
        } else {
            self.disk_error_action("rotate", e);
        }
    }

    /// KEEP_LOGS: shift every rotated file up by one; nothing is overwritten.
    fn shift(&mut self) {
        let base = self.cfg.log_file.clone();
        if self.known_logs > 0 && !numbered(&base, self.known_logs).exists() {
            self.hooks.message(
                Priority::Warning,
                &format!(
                    "Last known log disappeared ({})",
                    numbered(&base, self.known_logs).display()
                ),
            );
            self.known_logs = 0;
        }
        let mut k = self.known_logs.max(1);
        while numbered(&base, k).exists() {
            k += 1;
        }
        self.known_logs = k;
        self.rotate_to(k + 1);
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
                self.disk_error_action("resume", &e);
                return;
            }
        }
        self.check_size();
        self.hooks.message(Priority::Notice, "Audit daemon resumed logging.");
    }

    /// Flush and close (shutdown). The async flush thread is stopped.
    pub fn shutdown(mut self) -> H {
        self.close();
        if let Some(fl) = self.flusher.take() {
            fl.stop();
        }
        self.hooks
    }
}

/// The log path a rotation index names (`audit.log.3`).
pub fn rotated_name(base: &Path, n: u32) -> PathBuf {
    numbered(base, n)
}
