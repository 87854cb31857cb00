//! auditd / rauditd: `[-f] [-l] [-n] [-s disable|enable|nochange] [-c DIR]`, `--load-rules` to load
//! the rules at start as the reference's init flow does, `--multicast` to read the kernel's
//! multicast log group beside another audit daemon, and `--state` to print the running
//! daemon's state report; `--bpf KINDS` adds raudit's BPF source (docs/bpf.md).
use std::path::PathBuf;
use std::process::ExitCode;

use raudit_daemon::daemon::{DaemonError, Options, Startup};

use crate::Invocation;

fn usage(name: &str) -> ExitCode {
    eprintln!(
        "Usage: {name} [-f] [-l] [-n] [-s disable|enable|nochange] [-c <config_dir>] [--load-rules] [--multicast] [--bpf connect,exec,open [--bpf-key KEY]] | --state"
    );
    ExitCode::from(2)
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
        bpf: None,
    };
    let mut bpf_kinds: Option<String> = None;
    let mut bpf_key = "bpf".to_string();
    let mut args = inv.args.iter();
    while let Some(a) = args.next() {
        let Some(a) = a.to_str() else { return usage(name) };
        match a {
            "-f" => opts.foreground = true,
            "-l" => opts.allow_links = true,
            "-n" => opts.no_fork = true,
            "--load-rules" => opts.load_rules = true,
            "--multicast" => opts.multicast = true,
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
        | DaemonError::StartupState(_)
        | DaemonError::Register(_)
        | DaemonError::Multicast(_)
        | DaemonError::Listener(_)
        | DaemonError::Bpf(_) => 1,
    }
}
