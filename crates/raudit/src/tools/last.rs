//! `aulast` / `raudit last`: the command line, the log input and the exit
//! code around the session engine (raudit-session). Also the log input
//! `aulastlog` shares: libauparse's sources (a file, stdin, or the
//! configured log and its rotations) with its messages.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use raudit_session::feed::Logs;
use raudit_session::last::{self, Options, Outputs};
use raudit_tables::errno::io_text;

use super::logs::LogData;
use crate::Invocation;
use raudit_cli::flags::{Flag, Values};

/// aulast's options (man page and completions are generated from this).
pub const FLAGS: &[Flag] = &[
    Flag::switch(None, Some("--bad"), "list failed logins instead of sessions"),
    Flag::switch(None, Some("--proof"), "after each row, the events it was built from"),
    Flag::switch(None, Some("--extract"), "also write the events used to ./aulast.log"),
    Flag::switch(None, Some("--stdin"), "read the log from standard input"),
    Flag::with_value(Some("-f"), None, "FILE", Values::File, "read this log file"),
    Flag::with_value(None, Some("--user"), "NAME", Values::User, "only this user's sessions"),
    Flag::with_value(None, Some("--tty"), "TTY", Values::Any, "only sessions on this terminal"),
    Flag::switch(None, Some("--debug"), "print the engine's notes on stderr"),
];

const USAGE: &str = "usage: aulast [--bad] [--debug] [--stdin] [--proof] [--extract] [-f file] \
                     [--user name] [--tty tty]";

/// Where libauparse reads from.
pub enum Source {
    File(PathBuf),
    Stdin,
    ConfiguredLogs,
}

/// The logs' bytes and end_of_event_timeout, or the message libauparse's
/// caller prints when it cannot start (after libauparse's own notes).
pub struct Opened {
    pub buffers: Vec<LogData>,
    pub eoe_timeout: u64,
}

/// auditd.conf's log file and timeout, read quietly as libauparse does.
fn conf() -> (PathBuf, u64) {
    let opts = raudit_config::LoadOptions { allow_links: true };
    match raudit_config::load(Path::new("/etc/audit/auditd.conf"), &opts) {
        Ok(loaded) => (loaded.config.log_file, loaded.config.end_of_event_timeout),
        Err(_) => (PathBuf::from(raudit_search::input::DEFAULT_LOG_FILE), 2),
    }
}

/// A file's bytes; one that opens but cannot be read (a directory) reads
/// as empty, as with libauparse.
fn read_file(path: &Path) -> LogData {
    LogData::map(path).unwrap_or(LogData::Read(Vec::new()))
}

/// Standard input mapped from its current offset when it is a regular
/// file (`aulastlog --stdin < audit.log`), so memory stays flat however
/// large the log; None for pipes and the like.
fn map_stdin() -> Option<LogData> {
    use std::io::Seek;
    use std::os::fd::AsFd;
    let file = std::fs::File::from(io::stdin().as_fd().try_clone_to_owned().ok()?);
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let offset = (&file).stream_position().ok()?;
    let len = usize::try_from(meta.len().checked_sub(offset)?).ok()?;
    if len == 0 {
        return Some(LogData::Read(Vec::new()));
    }
    // SAFETY: as in LogData::map: a read-only map of a log that is only
    // appended to (a truncation while we read could fault).
    let map = unsafe { memmap2::MmapOptions::new().offset(offset).len(len).map(&file) }.ok()?;
    let _ = map.advise(memmap2::Advice::Sequential);
    Some(LogData::Mapped(map))
}

/// Opens `source`. The error is what `strerror` says (libauparse's
/// `access` check failed); "No log file" is already on stderr then.
pub fn open(source: &Source) -> Result<Opened, String> {
    let (log_file, eoe_timeout) = conf();
    let readable = |p: &Path| std::fs::File::open(p).map(drop);
    let buffers = match source {
        Source::File(path) => {
            readable(path).map_err(|e| io_text(&e))?;
            vec![read_file(path)]
        }
        Source::Stdin => vec![map_stdin().unwrap_or_else(|| {
            let mut data = Vec::new();
            // An unreadable stdin (a directory) is an empty log.
            let _ = io::stdin().lock().read_to_end(&mut data);
            LogData::Read(data)
        })],
        Source::ConfiguredLogs => {
            if let Err(e) = readable(&log_file) {
                eprintln!("No log file");
                return Err(io_text(&e));
            }
            raudit_search::input::rotated_logs(&log_file).iter().map(|p| read_file(p)).collect()
        }
    };
    Ok(Opened { buffers, eoe_timeout })
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(1)
}

fn bytes(arg: Option<&OsString>) -> Option<Vec<u8>> {
    arg.map(|a| a.as_bytes().to_vec())
}

pub fn main(inv: Invocation) -> ExitCode {
    raudit_sys::clock::set_locale_from_env();
    let mut opts = Options::default();
    let (mut file, mut stdin) = (None, false);
    let mut extract: Option<std::fs::File> = None;
    let mut args = inv.args.iter();
    // COMPAT: aulast.c main: exact words; a value-taking option at the end
    // leaves its value unset; --extract opens the file at once.
    while let Some(arg) = args.next() {
        match arg.as_bytes() {
            b"-f" if stdin => {
                eprintln!("stdin already given");
                return ExitCode::from(1);
            }
            b"-f" => file = args.next().map(PathBuf::from),
            b"--bad" => opts.bad = true,
            b"--proof" => opts.proof = true,
            b"--extract" => extract = std::fs::File::create("aulast.log").ok(),
            b"--stdin" if file.is_some() => {
                eprintln!("file already given");
                return ExitCode::from(1);
            }
            b"--stdin" => stdin = true,
            b"--user" if opts.user.is_some() => return usage(),
            b"--user" => opts.user = bytes(args.next()),
            b"--tty" if opts.tty.is_some() => return usage(),
            b"--tty" => opts.tty = bytes(args.next()),
            b"--debug" => opts.debug = true,
            _ => return usage(),
        }
    }
    let source = match (file, stdin) {
        (Some(path), _) => Source::File(path),
        (None, true) => Source::Stdin,
        (None, false) => {
            if !rustix::process::getuid().is_root() {
                eprintln!("You probably need to be root for this to work");
            }
            Source::ConfiguredLogs
        }
    };
    let opened = match open(&source) {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("Error - {message}");
            return ExitCode::from(1);
        }
    };
    let data: Vec<&[u8]> = opened.buffers.iter().map(LogData::bytes).collect();
    let logs = Logs { data: &data, eoe_timeout: opened.eoe_timeout };
    let host = raudit_sys::SystemHost::new();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = io::stderr().lock();
    let mut extract = extract.map(io::BufWriter::new);
    let outputs = Outputs {
        out: &mut out,
        err: &mut err,
        extract: extract.as_mut().map(|f| f as &mut dyn Write),
    };
    let release = |index: usize, upto: usize| opened.buffers[index].release(upto);
    let result = last::run(&opts, &logs, &host, outputs, &release)
        .and_then(|()| extract.as_mut().map_or(Ok(()), Write::flush).map_err(Into::into));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(raudit_session::Error::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = out.flush();
            eprintln!("{}: {e}", inv.display_name);
            ExitCode::from(1)
        }
    }
}
