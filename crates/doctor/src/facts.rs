//! What the checks look at, as plain values: [`crate::gather`] fills them from the machine,
//! tests write them by hand. `Err(text)` or `None` stands for a fact that could not be read.

use std::path::PathBuf;

use raudit_config::{Flush, SpaceThreshold};
use raudit_proto::Status;

/// Everything [`crate::checks::evaluate`] needs.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The kernel's audit status, or why it could not be read.
    pub kernel: Option<Result<KernelSample, String>>,
    /// The program behind the kernel's audit pid, when that pid is not 0.
    pub owner_program: Option<String>,
    /// systemd-journald-audit.socket, when systemd runs.
    pub journald: Option<Journald>,
    /// The loaded rules as the linter saw them, or why they could not be read.
    pub rules: Option<Result<Rules, String>>,
    /// auditd.conf as the daemon reads it, or its error.
    pub config: Option<Result<Config, String>>,
    /// The filesystem of the log's directory.
    pub disk: Option<Disk>,
    /// The log file and its directory (`None` for either when missing).
    pub log_file: Option<FileMeta>,
    pub log_dir: Option<FileMeta>,
    /// The log's last records.
    pub tail: Option<Tail>,
    /// Active plugins of plugins.d.
    pub plugins: Vec<Plugin>,
    /// plugins.d's error messages (the files the daemon skips), in the reference's words.
    pub plugin_errors: Vec<String>,
    /// Seconds since the epoch when the facts were read.
    pub now: u64,
}

/// Two readings of the kernel's status, `interval_ms` apart (the `lost` trend).
#[derive(Debug, Clone, Copy, Default)]
pub struct KernelSample {
    pub first: Status,
    pub second: Status,
    pub interval_ms: u64,
}

/// systemd-journald-audit.socket: journald reading the audit multicast group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Journald {
    pub enabled: bool,
    pub active: bool,
}

/// The loaded rules, listed (`auditctl -l` text) and linted.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub count: usize,
    /// Rules on the exit list (each is walked for every audited syscall).
    pub exit_rules: usize,
    /// Exit rules on every syscall (`-S all`, watches as syscall rules).
    pub all_syscall_rules: usize,
    /// (rule text, problem) for each linter problem.
    pub problems: Vec<(String, String)>,
}

/// The auditd.conf settings the checks use.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub log_file: PathBuf,
    pub log_group: u32,
    pub flush: Flush,
    pub freq: u32,
    pub space_left: SpaceThreshold,
    pub admin_space_left: SpaceThreshold,
    pub write_logs: bool,
    pub plugin_dir: PathBuf,
}

/// statvfs of the log's filesystem.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk {
    pub block_size: u64,
    pub blocks: u64,
    /// Blocks available to the daemon.
    pub available: u64,
}

impl Disk {
    pub fn available_mb(&self) -> u64 {
        self.available.saturating_mul(self.block_size) / (1024 * 1024)
    }
}

/// Mode and owner of a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileMeta {
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// The end of the log.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tail {
    /// Time of the last record, in seconds since the epoch.
    pub last_event: Option<u64>,
    /// Records per second over the tail read (None when it spans no time).
    pub rate: Option<f64>,
}

/// One active plugin of plugins.d.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plugin {
    pub name: String,
    /// The program (None for builtins).
    pub path: Option<PathBuf>,
    pub exists: bool,
    pub executable: bool,
    /// Whether a child of the daemon runs it (None when no daemon runs).
    pub running: Option<bool>,
}
