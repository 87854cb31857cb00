//! `auvirt` / `raudit virt`: the command line, the log input and the exit
//! code around the guest-session engine (raudit-virt).

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use raudit_cli::time::{self, Bound};
use raudit_search::input::{LogSettings, rotated_logs};
use raudit_tables::errno::io_text;
use raudit_virt::Options;

use super::logs::LogData;
use crate::Invocation;
use raudit_cli::flags::{Flag, Values};

/// auvirt's options (man page and completions are generated from this).
pub const FLAGS: &[Flag] = &[
    Flag::switch(None, Some("--stdin"), "read the log from standard input"),
    Flag::with_value(Some("-f"), Some("--file"), "FILE", Values::File, "read this log file"),
    Flag::switch(
        Some("-a"),
        Some("--all-events"),
        "list resource and AVC events, not only sessions",
    ),
    Flag::switch(Some("-s"), Some("--summary"), "totals per guest instead of rows"),
    Flag::with_value(
        Some("-ts"),
        Some("--start"),
        "DATE [TIME]",
        Values::Any,
        "events from this time on",
    ),
    Flag::with_value(
        Some("-te"),
        Some("--end"),
        "DATE [TIME]",
        Values::Any,
        "events up to this time",
    ),
    Flag::with_value(Some("-v"), Some("--vm"), "NAME", Values::Any, "only this guest"),
    Flag::with_value(
        Some("-u"),
        Some("--uuid"),
        "UUID",
        Values::Any,
        "only the guest with this UUID",
    ),
    Flag::switch(None, Some("--proof"), "after each row, the events it was built from"),
    Flag::switch(None, Some("--show-uuid"), "add each guest's UUID to its rows"),
    Flag::switch(None, Some("--debug"), "print the engine's notes, and the exit code"),
    Flag::switch(Some("-h"), Some("--help"), "print the usage line"),
];

const USAGE: &str = "usage: auvirt [--stdin] [--all-events] [--summary] \
[--start start-date [start-time]] [--end end-date [end-time]] [--file file-name] \
[--show-uuid] [--proof] [--debug] [--uuid uuid] [--vm vm-name]\n";

const AUDITD_CONF: &str = "/etc/audit/auditd.conf";

/// The command line, parsed.
#[derive(Default)]
struct Args {
    opts: Options,
    help: bool,
    stdin: bool,
    file: Option<OsString>,
}

/// Whether `s` is an RFC 4122 uuid: 8-4-4-4-12 hex digits.
fn is_uuid(s: &[u8]) -> bool {
    let groups = [8, 4, 4, 4, 12];
    let parts: Vec<&[u8]> = s.split(|&b| b == b'-').collect();
    parts.len() == groups.len()
        && parts
            .iter()
            .zip(groups)
            .all(|(p, n)| p.len() == n && p.iter().all(u8::is_ascii_hexdigit))
}

/// Parses the arguments as auvirt.c parse_args does: exact option names,
/// a value is the next argument unless it starts with `-`. `debug` is set
/// as soon as `--debug` is seen (it decides the final `Exit code:` line).
fn parse(args: &[OsString], debug: &mut bool) -> Result<Args, String> {
    let mut a = Args::default();
    let now = raudit_sys::clock::now();
    let mut i = 0;
    let value = |i: usize| args.get(i + 1).filter(|v| v.as_bytes().first() != Some(&b'-'));
    while i < args.len() {
        let opt = args[i].to_string_lossy().into_owned();
        let needs = || format!("\"{opt}\" option requires an argument.");
        match opt.as_str() {
            _ if args[i].as_bytes().first() != Some(&b'-') => {
                return Err(format!("Argument not expected: {opt}"));
            }
            "--vm" | "-v" => {
                let v = value(i).ok_or_else(needs)?;
                a.opts.filters.vm = Some(v.as_bytes().to_vec());
                i += 1;
            }
            "--uuid" | "-u" => {
                let v = value(i).ok_or_else(needs)?;
                if !is_uuid(v.as_bytes()) {
                    return Err(format!("Invalid uuid: {}", v.to_string_lossy()));
                }
                a.opts.filters.uuid = Some(v.as_bytes().to_vec());
                i += 1;
            }
            "--all-events" | "-a" => a.opts.show.all_events = true,
            "--summary" | "-s" => a.opts.summary = true,
            "--file" | "-f" => {
                a.file = Some(value(i).ok_or_else(needs)?.clone());
                i += 1;
            }
            "--show-uuid" => a.opts.show.uuid = true,
            "--stdin" => a.stdin = true,
            "--proof" => {
                a.opts.show.proof = true;
                a.opts.filters.proof = true;
            }
            "--help" | "-h" => {
                a.help = true;
                return Ok(a);
            }
            "--start" | "-ts" | "--end" | "-te" => {
                let date = value(i)
                    .ok_or_else(|| format!("\"{opt}\" option requires at least one argument."))?
                    .to_string_lossy()
                    .into_owned();
                i += 1;
                let clock = match value(i) {
                    Some(t) => {
                        i += 1;
                        t.to_string_lossy().into_owned()
                    }
                    None => "00:00:00".to_string(),
                };
                let bound =
                    if opt == "--start" || opt == "-ts" { Bound::Start } else { Bound::End };
                let t = time::resolve(bound, Some(&date), Some(&clock), now)?;
                match bound {
                    Bound::Start => a.opts.filters.start = t,
                    Bound::End => a.opts.filters.end = t,
                }
            }
            "--debug" => {
                *debug = true;
                a.opts.filters.debug = true;
            }
            _ => return Err(format!("Unknown option \"{opt}\".")),
        }
        i += 1;
    }
    if a.stdin && a.file.is_some() {
        return Err("\"--sdtin\" and \"--file\" options must not be specified together.".into());
    }
    a.opts.filters.avcs_and_anomalies = a.opts.show.all_events || a.opts.summary;
    if *debug {
        eprint!("{}", debug_dump(&a));
    }
    Ok(a)
}

/// The settings `--debug` shows after parsing.
fn debug_dump(a: &Args) -> String {
    let f = &a.opts.filters;
    let text = |v: &Option<Vec<u8>>| {
        v.as_deref().map_or("(null)".to_string(), |v| String::from_utf8_lossy(v).into_owned())
    };
    let when = |t: i64| {
        if t == 0 {
            String::new()
        } else {
            raudit_sys::clock::ctime(&raudit_sys::clock::localtime(t)).chars().take(16).collect()
        }
    };
    let file = a.file.as_ref().map_or("(null)".to_string(), |f| f.to_string_lossy().into_owned());
    format!(
        "help_flag='{}'\nstdin_flag='{}'\nall_events_flag='{}'\nsummary_flag='{}'\nuuid='{}'\n\
         vm='{}'\nfile='{}'\nstart_time='{}'\nend_time='{}'\n",
        u8::from(a.help),
        u8::from(a.stdin),
        u8::from(a.opts.show.all_events),
        u8::from(a.opts.summary),
        text(&f.uuid),
        text(&f.vm),
        file,
        when(f.start),
        when(f.end),
    )
}

/// auditd.conf's log_file and end_of_event_timeout, read silently as
/// libauparse reads them (defaults when it is missing or bad).
fn conf() -> LogSettings {
    let opts = raudit_config::LoadOptions { allow_links: true };
    match raudit_config::load(std::path::Path::new(AUDITD_CONF), &opts) {
        Ok(loaded) => LogSettings {
            log_file: loaded.config.log_file,
            eoe_timeout: loaded.config.end_of_event_timeout,
        },
        Err(_) => LogSettings::default(),
    }
}

/// The logs auvirt reads by default: the log file and its rotations,
/// oldest first.
fn default_logs(log_file: &std::path::Path) -> Result<Vec<LogData>, String> {
    let files = rotated_logs(log_file);
    if files.is_empty() {
        return Err("No log file\nError: No such file or directory".into());
    }
    files.iter().map(|f| LogData::map(f).map_err(|e| format!("Error: {}", io_text(&e)))).collect()
}

/// The input the arguments chose.
fn load(a: &Args, log_file: &std::path::Path) -> Result<Vec<LogData>, String> {
    if a.stdin {
        let mut data = Vec::new();
        io::stdin().lock().read_to_end(&mut data).map_err(|e| format!("Error: {}", io_text(&e)))?;
        return Ok(vec![LogData::Read(data)]);
    }
    match &a.file {
        Some(file) => {
            let path = std::path::Path::new(file);
            // COMPAT: libauparse opens a directory and reads no event from it.
            if path.is_dir() {
                return Ok(vec![LogData::Read(Vec::new())]);
            }
            let data = LogData::map(path).map_err(|e| format!("Error: {}", io_text(&e)))?;
            Ok(vec![data])
        }
        None => default_logs(log_file),
    }
}

pub fn main(inv: Invocation) -> ExitCode {
    raudit_sys::clock::set_locale_from_env();
    let mut debug = false;
    let code = run(&inv, &mut debug);
    if debug {
        // COMPAT: auvirt.c main: the exit code goes to stdout under --debug.
        println!("Exit code: {}", u8::from(code != 0));
    }
    ExitCode::from(code)
}

fn run(inv: &Invocation, debug: &mut bool) -> u8 {
    let args = match parse(&inv.args, debug) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return 1;
        }
    };
    if args.help {
        print!("{USAGE}");
        return 0;
    }
    let mut args = args;
    let conf = conf();
    args.opts.eoe_timeout = conf.eoe_timeout;
    let buffers = match load(&args, &conf.log_file) {
        Ok(b) => b,
        Err(message) => {
            eprintln!("{message}");
            return 1;
        }
    };
    let data: Vec<&[u8]> = buffers.iter().map(LogData::bytes).collect();
    let release = |index: usize, upto: usize| buffers[index].release(upto);
    let host = raudit_sys::SystemHost::new();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = io::stderr().lock();
    let result = raudit_virt::run(&args.opts, &data, &host, &mut out, &mut err, &release)
        .and_then(|()| out.flush());
    match result {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            let _ = writeln!(err, "{}: {e}", inv.display_name);
            1
        }
    }
}
