//! `raudit doctor [-c DIR] [--format text|json] [--interval MS]`: the health checks of
//! [`raudit_doctor`], printed; exit 1 when any check fails, 2 on a bad command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use raudit_doctor::gather::{Options, gather};
use raudit_doctor::{Status, evaluate, output};

use raudit_cli::flags::{Flag, Values};

use crate::Invocation;

/// doctor's options (usage, man page and completions come from this).
pub const FLAGS: &[Flag] = &[
    Flag::with_value(
        Some("-c"),
        None,
        "DIR",
        Values::Dir,
        "read DIR/auditd.conf, as the daemon's -c (default /etc/audit)",
    ),
    Flag::with_value(
        None,
        Some("--format"),
        "text|json",
        Values::Words(&["text", "json"]),
        "json: the checks as an array of {id,status,finding,fix}",
    ),
    Flag::with_value(
        None,
        Some("--interval"),
        "MS",
        Values::Any,
        "time between the two kernel samples for the lost trend (1000)",
    ),
];

fn usage(name: &str) -> ExitCode {
    eprintln!("Usage: {name} [-c <config_dir>] [--format text|json] [--interval <ms>]");
    eprint!("{}", raudit_cli::flags::option_lines(FLAGS));
    ExitCode::from(2)
}

pub fn main(inv: Invocation) -> ExitCode {
    let name = &inv.display_name;
    let mut opts =
        Options { config_dir: PathBuf::from("/etc/audit"), interval: Duration::from_secs(1) };
    let mut json = false;
    let mut args = inv.args.iter();
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("-c") => match args.next() {
                Some(v) => opts.config_dir = PathBuf::from(v),
                None => return usage(name),
            },
            Some("--format") => match args.next().and_then(|v| v.to_str()) {
                Some("json") => json = true,
                Some("text") => json = false,
                _ => return usage(name),
            },
            Some("--interval") => match args.next().and_then(|v| v.to_str()?.parse().ok()) {
                Some(ms) => opts.interval = Duration::from_millis(ms),
                None => return usage(name),
            },
            _ => return usage(name),
        }
    }
    let checks = evaluate(&gather(&opts));
    print!("{}", if json { output::json(&checks) } else { output::text(&checks) });
    if checks.iter().any(|c| c.status == Status::Fail) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
