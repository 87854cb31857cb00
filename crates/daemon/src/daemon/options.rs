//! The daemon's command-line options, how a run ends, and why a start fails (with the
//! reference's words).

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use raudit_config::ConfigError;

/// `-s`: what to do with the kernel's enabled flag at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Startup {
    Enable,
    Disable,
    NoChange,
}

/// Command-line options.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-f`: foreground, records to stdout, messages to stderr.
    pub foreground: bool,
    /// `-l`: the config file may be a symlink.
    pub allow_links: bool,
    /// `-n`: do not fork.
    pub no_fork: bool,
    pub startup: Startup,
    /// `-c DIR`: config file DIR/auditd.conf.
    pub config_dir: PathBuf,
    /// Where the pid and state files live (`/var/run`; `RAUDIT_RUN_DIR` overrides it).
    pub run_dir: PathBuf,
    /// `--load-rules`: the init flow's rule loading (augenrules --load), run once the daemon is
    /// registered, so that no event of the new rules is missed.
    pub load_rules: bool,
    /// `--multicast`: read the kernel's multicast log group (AUDIT_NLGRP_READLOG) instead of
    /// registering, so raudit runs beside the daemon that owns the audit socket.
    pub multicast: bool,
    /// `--metrics-file PATH`: the counters in Prometheus' text format, for node_exporter's
    /// textfile collector (raudit's own setting: auditd.conf takes no unknown key).
    pub metrics_file: Option<PathBuf>,
    /// `--metrics-interval SECONDS`: how often the metrics file is replaced.
    pub metrics_interval: Duration,
    /// `--bpf connect,exec,open` (raudit only): BPF events as records in the same log.
    pub bpf: Option<crate::bpf_source::BpfSource>,
    /// `--seal KEYFILE`: seal every log file written (raudit's own; see docs/security.md).
    pub seal: Option<SealOptions>,
    /// Registered capture through a supervisor that keeps the audit socket open while the
    /// worker restarts (raudit's own; `--no-supervisor` turns it off; docs/crash-safety.md).
    pub supervise: bool,
    /// Keep each log file's index as it is written (raudit's own, on unless `--no-index`;
    /// docs/index.md).
    pub index: bool,
}

/// `--seal KEYFILE [--seal-records N] [--seal-seconds T]`.
#[derive(Debug, Clone)]
pub struct SealOptions {
    pub key_file: PathBuf,
    pub policy: raudit_seal::Policy,
}

impl Options {
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("auditd.conf")
    }
    pub fn pid_file(&self) -> PathBuf {
        self.run_dir.join("auditd.pid")
    }
    pub fn state_file(&self) -> PathBuf {
        self.run_dir.join("auditd.state")
    }
}

/// How [`run`] ended when nothing went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// SIGTERM or SIGINT: the end record is written and the log closed.
    Terminated,
    /// This is the parent of the fork, and the daemon in the background reported a good start.
    Detached,
}

/// Why the daemon did not start. Each is said when it happens, in the reference's words, on
/// the daemon's message channel (stderr; syslog once it goes to the background) and the
/// Display is those words, so the caller only picks the exit status.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("You must be root to run this program.")]
    NotRoot,
    /// The config file's messages were said as they came.
    #[error("The audit daemon is exiting (config file error: {0})")]
    Config(#[source] ConfigError),
    #[error("Cannot change priority ({0})")]
    Priority(#[source] io::Error),
    #[error("Cannot set up signal handling ({0})")]
    Signals(#[source] io::Error),
    #[error("Cannot daemonize ({0})")]
    Daemonize(#[source] io::Error),
    /// This is the parent of the fork, and the daemon in the background reported a failed
    /// start (it said why itself).
    #[error("The audit daemon failed to start")]
    BackgroundStartFailed,
    /// name_format asks for a name that cannot be had.
    #[error("{0}")]
    NodeName(String),
    #[error("Unable to open the audit netlink socket ({0})")]
    Netlink(#[source] raudit_netlink::Error),
    /// log_file is a symbolic link: the daemon does not start (see docs/security.md).
    #[error("Refusing to start: log file {} is a symbolic link", .0.display())]
    LogFileSymlink(PathBuf),
    #[error("Unable to write pid file {} ({source})", path.display())]
    PidFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("Unable to set initial audit startup state ({0})")]
    StartupState(#[source] raudit_netlink::Error),
    /// `owner` names who holds the audit socket when the kernel said EEXIST (beyond the
    /// reference's words, which leave the user to find out).
    #[error("Unable to set audit pid, exiting ({source}){owner}")]
    Register {
        #[source]
        source: raudit_netlink::Error,
        owner: String,
    },
    #[error(
        "Unable to join the audit multicast group ({0}); reading it needs CAP_AUDIT_READ and \
         a kernel with AUDIT_NLGRP_READLOG"
    )]
    Multicast(#[source] raudit_netlink::Error),
    #[error("{0}")]
    Listener(#[source] raudit_remote::listener::ListenError),
    #[error("Unable to seal the logs: {0}")]
    Seal(#[source] raudit_seal::KeyError),
    #[error("Unable to start the BPF source: {0}")]
    Bpf(#[source] raudit_bpf::BpfError),
    /// The supervisor could not start its worker.
    #[error("Cannot start the daemon's worker ({0})")]
    Supervisor(#[source] io::Error),
    /// The supervised worker did not start (it said why); its exit status.
    #[error("The audit daemon's worker failed to start (exit status {0})")]
    WorkerFailed(i32),
}
