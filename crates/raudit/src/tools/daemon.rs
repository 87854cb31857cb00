//! auditd / rauditd: `[-f] [-l] [-n] [-s disable|enable|nochange] [-c DIR]`, `--load-rules` to load
//! the rules at start as the reference's init flow does, `--multicast` to read the kernel's
//! multicast log group beside another audit daemon, and `--state` to print the running
//! daemon's state report, `--metrics-file PATH` to export its counters for Prometheus,
//! `--bpf KINDS` to add raudit's BPF source (docs/bpf.md), and `--seal KEYFILE` to seal the
//! logs it writes (docs/security.md).
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use raudit_cli::flags::{Flag, Values};
use raudit_daemon::daemon::{DaemonError, Options, SealOptions, Startup};

use crate::Invocation;

/// Every option: the man page and completions come from this table, and a
/// test checks the parser below against it.
pub const FLAGS: &[Flag] = &[
    Flag::switch(Some("-f"), None, "foreground, with records on stdout and no log file"),
    Flag::switch(Some("-l"), None, "follow symlinks when reading the config"),
    Flag::switch(Some("-n"), None, "do not fork (for a service manager)"),
    Flag::with_value(
        Some("-s"),
        None,
        "disable|enable|nochange",
        Values::Words(&["disable", "enable", "nochange"]),
        "what to set the kernel's enabled flag to at start",
    ),
    Flag::with_value(Some("-c"), None, "DIR", Values::Dir, "read auditd.conf from DIR"),
    Flag::switch(None, Some("--load-rules"), "once registered, load the rules (augenrules --load)"),
    Flag::switch(
        None,
        Some("--multicast"),
        "read the kernel's multicast group beside another daemon",
    ),
    Flag::with_value(
        None,
        Some("--metrics-file"),
        "PATH",
        Values::File,
        "write the counters for node_exporter's textfile collector",
    ),
    Flag::with_value(
        None,
        Some("--metrics-interval"),
        "S",
        Values::Any,
        "seconds between metrics file updates (default 15)",
    ),
    Flag::with_value(
        None,
        Some("--bpf"),
        "connect,exec,open",
        Values::Any,
        "also log these BPF events (feature bpf; docs/bpf.md)",
    ),
    Flag::with_value(None, Some("--bpf-key"), "KEY", Values::Any, "the key of BPF records (bpf)"),
    Flag::switch(
        None,
        Some("--no-supervisor"),
        "one process: no supervisor keeping the audit socket across a crash",
    ),
    Flag::switch(None, Some("--state"), "print the running daemon's counters and state"),
    Flag::switch(
        None,
        Some("--index"),
        "keep each log file's index as it is written, for fast searches (the default; docs/index.md)",
    ),
    Flag::switch(None, Some("--no-index"), "write no index beside the logs"),
    Flag::with_value(
        None,
        Some("--seal"),
        "KEYFILE",
        Values::File,
        "seal each log file with a hash chain and HMAC'd checkpoints (key: root, 0600)",
    ),
    Flag::with_value(
        None,
        Some("--seal-records"),
        "N",
        Values::Any,
        "with --seal: a checkpoint after at most N records (1-1000, default 1000)",
    ),
    Flag::with_value(
        None,
        Some("--seal-seconds"),
        "T",
        Values::Any,
        "with --seal: a checkpoint once records waited T seconds (default 5)",
    ),
    Flag::with_value(
        None,
        Some("--seal-heartbeat"),
        "H",
        Values::Any,
        "with --seal: a checkpoint every H seconds even when idle (default off)",
    ),
    Flag::switch(Some("-h"), Some("--help"), "print the usage line and the options"),
];

fn usage(name: &str) -> ExitCode {
    eprintln!(
        "Usage: {name} [-f] [-l] [-n] [-s disable|enable|nochange] [-c <config_dir>] [--load-rules] [--multicast] [--no-supervisor] [--metrics-file <path> [--metrics-interval <s>]] [--bpf connect,exec,open [--bpf-key KEY]] [--seal <keyfile> [--seal-records N] [--seal-seconds T] [--seal-heartbeat H]] [--index | --no-index] | --state"
    );
    ExitCode::from(2)
}

fn help(name: &str) -> ExitCode {
    let code = usage(name);
    eprint!("{}", raudit_cli::flags::option_lines(FLAGS));
    eprintln!("The run directory (pid and state files) is /var/run, or $RAUDIT_RUN_DIR.");
    code
}

pub fn main(inv: Invocation) -> ExitCode {
    let name = &inv.display_name;
    let run_dir =
        std::env::var_os("RAUDIT_RUN_DIR").map_or(PathBuf::from("/var/run"), PathBuf::from);
    let mut opts = Options {
        foreground: false,
        allow_links: false,
        no_fork: false,
        startup: Startup::Enable,
        config_dir: PathBuf::from("/etc/audit"),
        run_dir,
        load_rules: false,
        multicast: false,
        metrics_file: None,
        metrics_interval: std::time::Duration::from_secs(15),
        bpf: None,
        seal: None,
        supervise: true,
        index: true,
    };
    let mut bpf_kinds: Option<String> = None;
    let mut bpf_key = "bpf".to_string();
    let mut seal_policy = raudit_seal::Policy::default();
    let mut seal_key = None;
    let mut args = inv.args.iter();
    while let Some(a) = args.next() {
        let Some(a) = a.to_str() else { return usage(name) };
        match a {
            "-f" => opts.foreground = true,
            "-l" => opts.allow_links = true,
            "-n" => opts.no_fork = true,
            "--load-rules" => opts.load_rules = true,
            "-h" | "--help" => return help(name),
            "--multicast" => opts.multicast = true,
            "--no-supervisor" => opts.supervise = false,
            "--metrics-file" => {
                let Some(v) = args.next() else { return usage(name) };
                opts.metrics_file = Some(PathBuf::from(v));
            }
            "--metrics-interval" => {
                let secs = args.next().and_then(|v| v.to_str()?.parse::<u64>().ok());
                let Some(secs) = secs.filter(|&s| s > 0) else { return usage(name) };
                opts.metrics_interval = std::time::Duration::from_secs(secs);
            }
            // raudit only: BPF events into the log (docs/bpf.md); not an auditd.conf key,
            // because the reference refuses a file with keys it does not know.
            "--bpf" => {
                let Some(v) = args.next().and_then(|v| v.to_str()) else { return usage(name) };
                bpf_kinds = Some(v.to_string());
            }
            "--bpf-key" => {
                let Some(v) = args.next().and_then(|v| v.to_str()) else { return usage(name) };
                bpf_key = v.to_string();
            }
            "-s" => {
                let Some(v) = args.next().and_then(|v| v.to_str()) else { return usage(name) };
                // COMPAT: auditd.c main: the value matches by prefix (strncmp over its length).
                opts.startup = if "disable".starts_with(v) {
                    Startup::Disable
                } else if "enable".starts_with(v) {
                    Startup::Enable
                } else if "nochange".starts_with(v) {
                    Startup::NoChange
                } else {
                    return usage(name);
                };
            }
            "-c" => {
                let Some(v) = args.next() else { return usage(name) };
                opts.config_dir = PathBuf::from(v);
            }
            "--seal" => {
                let Some(v) = args.next() else { return usage(name) };
                seal_key = Some(PathBuf::from(v));
            }
            "--seal-records" => {
                let max = raudit_seal::chain::MAX_RECORDS;
                match args.next().and_then(|v| v.to_str()).and_then(|v| v.parse().ok()) {
                    Some(n) if (1..=max).contains(&n) => seal_policy.records = n,
                    _ => return usage(name),
                }
            }
            "--seal-heartbeat" => {
                match args.next().and_then(|v| v.to_str()).and_then(|v| v.parse().ok()) {
                    Some(h) if h > 0 => seal_policy.heartbeat = Some(Duration::from_secs(h)),
                    _ => return usage(name),
                }
            }
            "--seal-seconds" => {
                match args.next().and_then(|v| v.to_str()).and_then(|v| v.parse().ok()) {
                    Some(t) if t > 0 => seal_policy.interval = Duration::from_secs(t),
                    _ => return usage(name),
                }
            }
            "--index" => opts.index = true,
            "--no-index" => opts.index = false,
            "--state" => {
                return match raudit_daemon::daemon::request_state(&opts.run_dir) {
                    Ok(text) => {
                        print!("{text}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("{name}: {e}");
                        ExitCode::from(1)
                    }
                };
            }
            _ => return usage(name),
        }
    }
    opts.seal = seal_key.map(|key_file| SealOptions { key_file, policy: seal_policy });
    if let Some(list) = bpf_kinds {
        match raudit_daemon::bpf_source::BpfSource::parse(&list, &bpf_key) {
            Ok(b) => opts.bpf = Some(b),
            Err(e) => {
                eprintln!("{name}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    match raudit_daemon::daemon::run(opts) {
        Ok(_) => ExitCode::SUCCESS,
        // The daemon has said why already (stderr, or syslog in the background).
        Err(e) => ExitCode::from(exit_status(&e)),
    }
}

/// The reference auditd's exit statuses.
fn exit_status(e: &DaemonError) -> u8 {
    match e {
        DaemonError::NotRoot => 4,
        DaemonError::Config(_) => 6,
        DaemonError::Priority(_)
        | DaemonError::Signals(_)
        | DaemonError::Daemonize(_)
        | DaemonError::BackgroundStartFailed
        | DaemonError::NodeName(_)
        | DaemonError::Netlink(_)
        | DaemonError::PidFile { .. }
        | DaemonError::LogFileSymlink(_)
        | DaemonError::StartupState(_)
        | DaemonError::Register { .. }
        | DaemonError::Multicast(_)
        | DaemonError::Listener(_)
        | DaemonError::Bpf(_)
        | DaemonError::Supervisor(_) => 1,
        DaemonError::WorkerFailed(code) => u8::try_from(*code).unwrap_or(1),
        DaemonError::Seal(_) => 6,
    }
}
