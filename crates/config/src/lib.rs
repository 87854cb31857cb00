//! auditd.conf: the daemon's configuration, read the way the reference daemon (auditd 3.0.9) reads it.
//!
//! [`load`] applies the reference's tokenizer strictness (tokens separated by spaces only, `=` its own
//! token, lines of at most 159 bytes plus newline, `#` comments, case-insensitive keywords and values,
//! a third token only for the four disk/space actions), validates every key with the reference's
//! messages, fails on an unknown keyword and runs the cross-key sanity checks when the file had lines.
//! Every message is returned as a [`Diagnostic`] (the library prints nothing); a fatal one ends the
//! load as a [`ConfigError`].
//!
//! Two default sets exist: [`DaemonConfig::code_defaults`] (the value of a key absent from an existing
//! file) and [`DaemonConfig::debian_defaults`] (what Debian's shipped auditd.conf sets; the daemon uses
//! these when no file exists at all). [`log_file_of`] is the light entry point for ausearch/aureport.
#![forbid(unsafe_code)]

mod keys;
mod load;

use std::fmt;
use std::path::{Path, PathBuf};

pub use load::{
    LoadOptions, Loaded, RawLine, dirname, load, load_file, load_str, read_lines, tokens,
};

/// Every auditd.conf keyword, in the order the parser lists them (docs are
/// generated from this, so a new key cannot go undocumented).
pub fn keyword_names() -> impl Iterator<Item = &'static str> {
    keys::KEYWORDS.iter().map(|k| k.name)
}

/// The reference daemon's config file.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/audit/auditd.conf";
/// The program the EMAIL action runs (checked for execute permission when EMAIL is configured).
pub const EMAIL_COMMAND: &str = "/usr/lib/sendmail";

/// `log_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Raw,
    Enriched,
    /// Deprecated alias that forces `write_logs = no`.
    Nolog,
}

impl LogFormat {
    /// Lower-case name as written in DAEMON_START's `format=` field.
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Raw => "raw",
            LogFormat::Enriched => "enriched",
            LogFormat::Nolog => "nolog",
        }
    }
}

/// `flush`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flush {
    None,
    Incremental,
    IncrementalAsync,
    Data,
    Sync,
}

/// `max_log_file_action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeAction {
    Ignore,
    Syslog,
    Suspend,
    Rotate,
    KeepLogs,
}

/// `space_left_action`, `admin_space_left_action`, `disk_full_action`, `disk_error_action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskAction {
    Ignore,
    Syslog,
    Rotate,
    Email,
    /// Run this program (absolute, root-owned, mode 0750/0755/0555).
    Exec(PathBuf),
    Suspend,
    /// `/sbin/init 1`.
    Single,
    /// `/sbin/init 0`.
    Halt,
}

impl DiskAction {
    pub fn name(&self) -> &'static str {
        match self {
            DiskAction::Ignore => "ignore",
            DiskAction::Syslog => "syslog",
            DiskAction::Rotate => "rotate",
            DiskAction::Email => "email",
            DiskAction::Exec(_) => "exec",
            DiskAction::Suspend => "suspend",
            DiskAction::Single => "single",
            DiskAction::Halt => "halt",
        }
    }
}

/// `name_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFormat {
    None,
    Hostname,
    Fqd,
    Numeric,
    User,
}

/// Beyond the reference: TLS for the network listener. Clients must present a certificate signed
/// by `client_ca`; with `allow` set, one whose names include an allowed name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListenerTls {
    /// `tcp_tls_cert`: the server's certificate chain (PEM).
    pub cert: Option<PathBuf>,
    /// `tcp_tls_key`: its private key (PEM).
    pub key: Option<PathBuf>,
    /// `tcp_tls_client_ca`: the CA that signs client certificates (PEM).
    pub client_ca: Option<PathBuf>,
    /// `tcp_tls_allow = name1,name2`: client names allowed (empty: any the CA signed).
    pub allow: Vec<String>,
}

impl ListenerTls {
    /// Whether any TLS key was given.
    pub fn wanted(&self) -> bool {
        self.cert.is_some() || self.key.is_some() || self.client_ca.is_some()
    }
}

/// `overflow_action` (dispatcher queue full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverflowAction {
    Ignore,
    Syslog,
    Suspend,
    Single,
    Halt,
}

/// `transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Krb5,
}

/// `space_left` / `admin_space_left`: megabytes, or a percentage (1..=99) of the filesystem size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceThreshold {
    Megabytes(u64),
    Percent(u8),
}

impl SpaceThreshold {
    /// The threshold in MiB for a filesystem of `blocks` blocks of `block_size` bytes.
    // COMPAT: auditd-config.c calc_percent: blocks * (pct / 100.0) in double precision, truncated to
    // whole blocks, times the block size, divided by 1 MiB.
    pub fn megabytes(self, blocks: u64, block_size: u64) -> u64 {
        match self {
            SpaceThreshold::Megabytes(m) => m,
            SpaceThreshold::Percent(p) => {
                let threshold_blocks = (blocks as f64 * (f64::from(p) / 100.0)) as u64;
                threshold_blocks.saturating_mul(block_size) / (1024 * 1024)
            }
        }
    }
}

/// Every auditd.conf setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonConfig {
    pub local_events: bool,
    pub write_logs: bool,
    pub log_file: PathBuf,
    pub log_format: LogFormat,
    pub log_group: u32,
    pub priority_boost: u32,
    pub flush: Flush,
    pub freq: u32,
    pub num_logs: u32,
    pub name_format: NameFormat,
    pub name: Option<String>,
    /// MiB.
    pub max_log_file: u64,
    pub max_log_file_action: SizeAction,
    pub space_left: SpaceThreshold,
    pub space_left_action: DiskAction,
    pub action_mail_acct: String,
    pub verify_email: bool,
    pub admin_space_left: SpaceThreshold,
    pub admin_space_left_action: DiskAction,
    pub disk_full_action: DiskAction,
    pub disk_error_action: DiskAction,
    pub tcp_listen_port: u16,
    pub tcp_listen_queue: u32,
    pub tcp_max_per_addr: u32,
    pub use_libwrap: bool,
    pub tcp_client_min_port: u16,
    pub tcp_client_max_port: u16,
    pub tcp_client_max_idle: u32,
    pub transport: Transport,
    pub krb5_principal: Option<String>,
    pub krb5_key_file: Option<PathBuf>,
    pub distribute_network: bool,
    /// Beyond the reference: the listener's TLS settings (`tcp_tls_*`).
    pub tls: ListenerTls,
    pub q_depth: u32,
    pub overflow_action: OverflowAction,
    pub max_restarts: u32,
    /// Always ends in `/` when set from a file.
    pub plugin_dir: PathBuf,
    /// Seconds.
    pub end_of_event_timeout: u64,
}

impl DaemonConfig {
    /// The value of every key absent from an existing file.
    // COMPAT: auditd-config.c clear_config: these are the reference's fallbacks (flush NONE although
    // the man page says INCREMENTAL_ASYNC; disk_error_action SYSLOG; space thresholds 0).
    pub fn code_defaults() -> DaemonConfig {
        DaemonConfig {
            local_events: true,
            write_logs: true,
            log_file: PathBuf::from("/var/log/audit/audit.log"),
            log_format: LogFormat::Enriched,
            log_group: 0,
            priority_boost: 4,
            flush: Flush::None,
            freq: 0,
            num_logs: 0,
            name_format: NameFormat::None,
            name: None,
            max_log_file: 0,
            max_log_file_action: SizeAction::Ignore,
            space_left: SpaceThreshold::Megabytes(0),
            space_left_action: DiskAction::Ignore,
            action_mail_acct: "root".to_string(),
            verify_email: true,
            admin_space_left: SpaceThreshold::Megabytes(0),
            admin_space_left_action: DiskAction::Ignore,
            disk_full_action: DiskAction::Ignore,
            disk_error_action: DiskAction::Syslog,
            tcp_listen_port: 0,
            tcp_listen_queue: 5,
            tcp_max_per_addr: 1,
            use_libwrap: true,
            tcp_client_min_port: 0,
            tcp_client_max_port: 65535,
            tcp_client_max_idle: 0,
            transport: Transport::Tcp,
            krb5_principal: None,
            krb5_key_file: None,
            distribute_network: false,
            tls: ListenerTls::default(),
            q_depth: 2000,
            overflow_action: OverflowAction::Syslog,
            max_restarts: 10,
            plugin_dir: PathBuf::from("/etc/audit/plugins.d"),
            end_of_event_timeout: 2,
        }
    }

    /// What Debian's shipped `/etc/audit/auditd.conf` (auditd 1:3.0.9-1) sets, applied over the code
    /// defaults. The daemon runs on these when no config file exists.
    // Source: the installed /etc/audit/auditd.conf of Debian 12's auditd package (values only).
    pub fn debian_defaults() -> DaemonConfig {
        DaemonConfig {
            log_group: 4, // adm on Debian
            flush: Flush::IncrementalAsync,
            freq: 50,
            max_log_file: 8,
            num_logs: 5,
            max_log_file_action: SizeAction::Rotate,
            space_left: SpaceThreshold::Megabytes(75),
            space_left_action: DiskAction::Syslog,
            admin_space_left: SpaceThreshold::Megabytes(50),
            admin_space_left_action: DiskAction::Suspend,
            disk_full_action: DiskAction::Suspend,
            disk_error_action: DiskAction::Suspend,
            krb5_principal: Some("auditd".to_string()),
            plugin_dir: PathBuf::from("/etc/audit/plugins.d/"),
            ..DaemonConfig::code_defaults()
        }
    }
}

/// Severity of a [`Diagnostic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// One message of a load, in the reference's words (which already name the line where it does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    /// Config file line the message is about, when there is one.
    pub line: Option<u32>,
    pub text: String,
}

/// A failed load: every message produced up to and including the fatal one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// Line of the fatal error, when it has one.
    pub line: Option<u32>,
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    /// The fatal message (the last error diagnostic).
    pub fn message(&self) -> &str {
        self.diagnostics
            .iter()
            .rev()
            .find(|d| d.level == Level::Error)
            .map_or("configuration error", |d| d.text.as_str())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message()),
            None => write!(f, "{}: {}", self.path.display(), self.message()),
        }
    }
}

impl std::error::Error for ConfigError {}

/// `log_file` of the auditd.conf at `path`, for ausearch/aureport: `None` when the file is missing
/// or does not load (the tools then use their built-in log).
pub fn log_file_of(path: &Path) -> Option<PathBuf> {
    let opts = LoadOptions { allow_links: true };
    match load(path, &opts) {
        Ok(loaded) if loaded.file_found => Some(loaded.config.log_file),
        _ => None,
    }
}
