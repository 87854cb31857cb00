//! `aulastlog` / `raudit lastlog`: the command line and exit code around
//! the lastlog engine (raudit-session); input as `aulast` reads it.

use std::io::{self, Write};
use std::process::ExitCode;

use raudit_session::feed::Logs;
use raudit_session::lastlog;

use super::last::{Source, open};
use super::logs::LogData;
use crate::Invocation;
use raudit_cli::flags::{Flag, Values};

/// aulastlog's options (man page and completions are generated from this).
pub const FLAGS: &[Flag] = &[
    Flag::with_value(Some("-u"), Some("--user"), "NAME", Values::User, "only this account"),
    Flag::switch(None, Some("--stdin"), "read the log from standard input"),
];

fn usage() -> ExitCode {
    eprintln!("usage: aulastlog [--stdin] [--user name]");
    ExitCode::from(1)
}

pub fn main(inv: Invocation) -> ExitCode {
    raudit_sys::clock::set_locale_from_env();
    let mut user = None;
    let mut stdin = false;
    let mut args = inv.args.iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--user" | "-u") => match args.next() {
                Some(name) => user = Some(name.to_string_lossy().into_owned()),
                None => return usage(),
            },
            Some("--stdin") => stdin = true,
            _ => return usage(),
        }
    }
    let host = raudit_sys::SystemHost::new();
    let Some(mut accounts) = lastlog::accounts(&host, user.as_deref()) else {
        // COMPAT: on stdout.
        println!("Unknown User: {}", user.unwrap_or_default());
        return ExitCode::from(1);
    };
    let source = if stdin { Source::Stdin } else { Source::ConfiguredLogs };
    let opened = match open(&source) {
        Ok(opened) => opened,
        Err(message) => {
            println!("Error - {message}");
            return ExitCode::from(1);
        }
    };
    let data: Vec<&[u8]> = opened.buffers.iter().map(LogData::bytes).collect();
    let logs = Logs { data: &data, eoe_timeout: opened.eoe_timeout };
    let release = |index: usize, upto: usize| opened.buffers[index].release(upto);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = lastlog::scan(&mut accounts, &logs, &host, &release)
        .map_err(|raudit_session::Error::Io(e)| e)
        .and_then(|()| lastlog::write_table(&mut out, &accounts, &host));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("{}: {e}", inv.display_name);
            ExitCode::from(1)
        }
    }
}
