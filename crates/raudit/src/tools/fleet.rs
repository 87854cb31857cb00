//! `raudit ship`, `raudit collect` and `raudit search --server`: the fleet's command lines over
//! `raudit_fleet` (docs/fleet.md). Without the cargo feature `fleet` they say how to get them.

use std::ffi::OsString;
use std::process::ExitCode;

use raudit_cli::flags::{Flag, Values};

use crate::Invocation;

/// How each fleet tool reaches the servers (also ausearch's `--server`).
pub const CONNECT_FLAGS: &[Flag] = &[
    Flag::with_value(
        None,
        Some("--server"),
        "URL",
        Values::Any,
        "the NATS server(s), nats://HOST:PORT[,...]",
    ),
    Flag::with_value(None, Some("--creds"), "FILE", Values::File, "NATS credentials file"),
    Flag::with_value(
        None,
        Some("--tls-ca"),
        "FILE",
        Values::File,
        "CA that signs the servers' certificates",
    ),
];

/// `raudit ship`'s own options (man page and completions come from these tables).
pub const SHIP_FLAGS: &[Flag] = &[
    Flag::with_value(
        None,
        Some("--host"),
        "NAME",
        Values::Any,
        "the host's subject token (default: the hostname)",
    ),
    Flag::with_value(
        None,
        Some("--spool"),
        "DIR",
        Values::Dir,
        "where events wait while no server answers",
    ),
    Flag::with_value(
        None,
        Some("--spool-cap"),
        "BYTES",
        Values::Any,
        "the spool's size cap (256 MiB)",
    ),
    Flag::with_value(None, Some("--window"), "N", Values::Any, "acknowledgements in flight (512)"),
    Flag::with_value(
        None,
        Some("--config"),
        "FILE",
        Values::File,
        "read options from key = value lines",
    ),
    Flag::with_value(
        None,
        Some("--from-log"),
        "FILE...",
        Values::File,
        "ship these logs instead of stdin",
    ),
];

/// `raudit collect`'s own options.
pub const COLLECT_FLAGS: &[Flag] = &[
    Flag::with_value(None, Some("--out"), "DIR", Values::Dir, "write DIR/<host>/audit.log"),
    Flag::switch(None, Some("--init"), "create or update the stream first"),
    Flag::with_value(
        None,
        Some("--replicas"),
        "N",
        Values::Any,
        "with --init: the stream's replicas (1)",
    ),
    Flag::with_value(
        None,
        Some("--max-age"),
        "D",
        Values::Any,
        "with --init: keep events this long (30d, 12h; 0 = ever)",
    ),
    Flag::with_value(
        None,
        Some("--duplicate-window"),
        "D",
        Values::Any,
        "with --init: de-duplication window (10m)",
    ),
    Flag::with_value(
        None,
        Some("--idle-exit"),
        "D",
        Values::Any,
        "stop after this long without events",
    ),
    Flag::with_value(
        None,
        Some("--max-log-file"),
        "MB",
        Values::Any,
        "rotate each host's log at this size (8)",
    ),
    Flag::with_value(None, Some("--num-logs"), "N", Values::Any, "logs kept per host (5)"),
    Flag::with_value(None, Some("--durable"), "NAME", Values::Any, "the consumer's durable name"),
    Flag::switch(None, Some("--state"), "per host: events received, serial gaps, last event"),
];

/// One tool's whole table: connection options, then its own.
pub fn flags(own: &[Flag]) -> Vec<Flag> {
    CONNECT_FLAGS.iter().chain(own).copied().collect()
}

#[cfg(feature = "fleet")]
mod imp;

/// `raudit ship`.
pub fn ship_main(inv: Invocation) -> ExitCode {
    #[cfg(feature = "fleet")]
    return imp::ship(inv);
    #[cfg(not(feature = "fleet"))]
    not_built(&inv)
}

/// `raudit collect`.
pub fn collect_main(inv: Invocation) -> ExitCode {
    #[cfg(feature = "fleet")]
    return imp::collect(inv);
    #[cfg(not(feature = "fleet"))]
    not_built(&inv)
}

/// `raudit search --server URL ...`: None when the arguments name no server (a local search).
pub fn search_main(inv: &Invocation) -> Option<ExitCode> {
    if !inv.args.iter().any(|a| a == "--server") {
        return None;
    }
    #[cfg(feature = "fleet")]
    return Some(imp::search(inv));
    #[cfg(not(feature = "fleet"))]
    Some(not_built(inv))
}

#[cfg(not(feature = "fleet"))]
fn not_built(inv: &Invocation) -> ExitCode {
    eprintln!("{}: built without the fleet (cargo feature fleet)", inv.display_name);
    ExitCode::from(1)
}

/// Takes every `--NAME VALUE` out of `args` and returns the last value (a later option wins);
/// Err when a value is missing.
pub fn take_value(args: &mut Vec<OsString>, name: &str) -> Result<Option<OsString>, String> {
    let mut last = None;
    while let Some(at) = args.iter().position(|a| a == name) {
        if at + 1 >= args.len() {
            return Err(format!("option {name} needs a value"));
        }
        last = Some(args.remove(at + 1));
        args.remove(at);
    }
    Ok(last)
}
