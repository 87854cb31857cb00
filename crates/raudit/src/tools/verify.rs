//! `raudit verify` (raudit's own; no reference tool has it): checks the seal of logs written by
//! `rauditd --seal` and names the first altered, removed or inserted record with its file:line.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use raudit_cli::flags::{Flag, Values};
use raudit_seal::{Options, SealKey, verify_set};

use crate::Invocation;

/// Every option: the man page and completions come from this table.
pub const FLAGS: &[Flag] = &[
    Flag::with_value(
        Some("-k"),
        Some("--key"),
        "FILE",
        Values::File,
        "the key the daemon sealed the logs with (required)",
    ),
    Flag::switch(
        None,
        Some("--live"),
        "the last log is still being written: an open end is reported, not a failure",
    ),
    Flag::with_value(
        None,
        Some("--max-age"),
        "SECONDS",
        Values::Any,
        "with --live: fail when the last log's last checkpoint is older (rauditd --seal-heartbeat)",
    ),
];

fn usage(name: &str) -> ExitCode {
    eprintln!(
        "usage: {name} --key FILE [--live [--max-age SECONDS]] LOG... (rotated logs oldest first)"
    );
    ExitCode::from(2)
}

pub fn main(inv: Invocation) -> ExitCode {
    let name = &inv.display_name;
    let mut key_file = None;
    let mut live = false;
    let mut max_age = None;
    let mut logs: Vec<PathBuf> = Vec::new();
    let mut args = inv.args.iter();
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--key" | "-k") => match args.next() {
                Some(v) => key_file = Some(PathBuf::from(v)),
                None => return usage(name),
            },
            Some("--live") => live = true,
            Some("--max-age") => {
                match args.next().and_then(|v| v.to_str()).and_then(|v| v.parse().ok()) {
                    Some(secs) => max_age = Some(Duration::from_secs(secs)),
                    None => return usage(name),
                }
            }
            Some(s) if s.starts_with('-') && s.len() > 1 => return usage(name),
            _ => logs.push(PathBuf::from(a)),
        }
    }
    let (Some(key_file), false) = (key_file, logs.is_empty()) else { return usage(name) };
    let key = match SealKey::load_for_verify(&key_file) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut files = Vec::with_capacity(logs.len());
    for p in &logs {
        match std::fs::read(p) {
            Ok(data) => files.push((p.display().to_string(), data)),
            Err(e) => {
                eprintln!("{name}: cannot read {} ({e})", p.display());
                return ExitCode::from(2);
            }
        }
    }
    if max_age.is_some() && !live {
        return usage(name);
    }
    let opts = Options { live, max_age, now: SystemTime::now() };
    let report = verify_set(&key, &files, &opts);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut print = || -> io::Result<()> {
        for n in &report.notes {
            writeln!(out, "{n}")?;
        }
        for f in &report.findings {
            writeln!(out, "{f}")?;
        }
        if report.whole() {
            writeln!(out, "seal whole: {} file(s)", files.len())
        } else {
            writeln!(out, "seal broken: {} problem(s)", report.findings.len())
        }
    };
    if let Err(e) = print()
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("{name}: {e}");
        return ExitCode::from(2);
    }
    if report.whole() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
