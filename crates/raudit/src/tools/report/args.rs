//! aureport's command line, with the reference's grammar, checks, messages
//! and usage text (aureport-options.c behaviour).

use std::path::PathBuf;

use raudit_cli::args::ArgCursor;
use raudit_cli::flags::{Flag, Values};
use raudit_cli::time::{self, Bound, Keyword};
use raudit_report::{ConfAction, Kind, Options as ReportOptions, Outcome};
use raudit_search::Escape;
use raudit_search::input::Input;
use raudit_tables::REFERENCE_VERSION;

const fn sw(short: Option<&'static str>, long: Option<&'static str>, help: &'static str) -> Flag {
    Flag::switch(short, long, help)
}

const fn val(
    short: Option<&'static str>,
    long: Option<&'static str>,
    value: &'static str,
    values: Values,
    help: &'static str,
) -> Flag {
    Flag::with_value(short, long, value, values, help)
}

/// A parsed command line: the report, and where its records come from.
#[derive(Debug, Clone)]
pub struct Options {
    pub report: ReportOptions,
    pub input: Input,
    /// `--eoe-timeout`; otherwise auditd.conf's value.
    pub eoe_timeout: Option<u64>,
    /// `--follow`: the report again whenever the log changed.
    pub follow: bool,
}

/// How parsing ended when it did not produce options.
pub enum Stop {
    /// Printed already (help, version): exit with this code.
    Exit(u8),
    /// An error message for stderr; `usage` says whether the usage text
    /// follows on stdout. Exit 1.
    Error { message: String, newline: bool, usage: bool },
}

/// Every option, in `--help` order: `--help`, the man page and the
/// completions come from this table, and a test checks the parser against it.
/// Our own wording (the reference's usage text is GPL and is not copied).
pub const FLAGS: &[Flag] = &[
    sw(Some("-a"), Some("--avc"), "AVC report"),
    sw(Some("-au"), Some("--auth"), "authentication report"),
    sw(None, Some("--add"), "configuration report: only additions"),
    sw(None, Some("--comm"), "commands report"),
    sw(Some("-c"), Some("--config"), "configuration change report"),
    sw(Some("-cr"), Some("--crypto"), "crypto report"),
    sw(None, Some("--debug"), "report malformed events that are skipped on stderr"),
    sw(None, Some("--delete"), "configuration report: only deletions"),
    val(None, Some("--eoe-timeout"), "SECS", Values::Any, "end of event timeout"),
    sw(Some("-e"), Some("--event"), "event report"),
    val(
        None,
        Some("--escape"),
        "MODE",
        Values::Words(&["raw", "tty", "shell", "shell_quote"]),
        "escape output: raw, tty, shell or shell_quote",
    ),
    sw(Some("-f"), Some("--file"), "file report"),
    sw(
        None,
        Some("--follow"),
        "show the report again as the log grows; a terminal is redrawn (raudit)",
    ),
    sw(None, Some("--failed"), "failed events only"),
    sw(Some("-h"), Some("--host"), "remote host report"),
    sw(None, Some("--help"), "this help"),
    val(
        None,
        Some("--html"),
        "FILE",
        Values::File,
        "write every summary report, with charts, as one HTML page",
    ),
    sw(Some("-i"), Some("--interpret"), "names instead of numbers"),
    val(
        Some("-if"),
        Some("--input"),
        "FILE|DIR",
        Values::File,
        "read this log, or the logs of this directory",
    ),
    sw(None, Some("--input-logs"), "read the configured logs even when stdin is a pipe"),
    sw(None, Some("--integrity"), "integrity report"),
    sw(Some("-k"), Some("--key"), "rule key report"),
    sw(Some("-l"), Some("--login"), "login report"),
    sw(Some("-m"), Some("--mods"), "account modification report"),
    sw(Some("-ma"), Some("--mac"), "MAC report"),
    sw(Some("-n"), Some("--anomaly"), "anomaly report"),
    sw(Some("-nc"), Some("--no-config"), "leave out configuration change events"),
    val(None, Some("--node"), "NAME", Values::Any, "events of this node only (repeatable)"),
    sw(Some("-p"), Some("--pid"), "process ID report"),
    sw(Some("-r"), Some("--response"), "anomaly response report"),
    sw(Some("-s"), Some("--syscall"), "syscall report"),
    sw(None, Some("--success"), "successful events only"),
    sw(None, Some("--summary"), "totals sorted by count instead of one line per event"),
    sw(Some("-t"), Some("--log"), "time range of each log"),
    val(Some("-te"), Some("--end"), "[DATE] [TIME]", TIME_WORDS, "report up to this time"),
    sw(Some("-tm"), Some("--terminal"), "terminal report"),
    val(Some("-ts"), Some("--start"), "[DATE] [TIME]", TIME_WORDS, "report from this time"),
    sw(None, Some("--tty"), "TTY keystroke report"),
    sw(Some("-u"), Some("--user"), "user report"),
    sw(Some("-v"), Some("--version"), "version"),
    sw(None, Some("--virt"), "virtualization report"),
    sw(Some("-x"), Some("--executable"), "executable report"),
];

const TIME_WORDS: Values = Values::Words(&[
    "now",
    "recent",
    "boot",
    "today",
    "yesterday",
    "this-week",
    "week-ago",
    "this-month",
    "this-year",
]);

/// The usage text (stdout).
pub fn usage() -> String {
    let mut out = String::from("usage: aureport [options]\n");
    for f in FLAGS {
        let names = f.names().collect::<Vec<_>>().join(",");
        let left = match f.value {
            Some(v) => format!("{names} {v}"),
            None => names,
        };
        out.push_str(&format!("  {left:<28} {}\n", f.help));
    }
    out.push_str("Without a report option, aureport prints the summary report.\n");
    out
}

/// What the reference says when a report option is given an argument.
pub const UNIMPLEMENTED: &str = "Unimplemented option";

/// The report an option selects, and whether an argument after it is
/// refused (`aureport -f foo` is "Unimplemented"); others ignore it.
fn report_of(word: &str) -> Option<(Kind, bool)> {
    Some(match word {
        "-t" | "--log" => (Kind::Time, false),
        "-a" | "--avc" => (Kind::Avc, false),
        "-au" | "--auth" => (Kind::Auth, false),
        "-ma" | "--mac" => (Kind::Mac, false),
        "--integrity" => (Kind::Integrity, false),
        "--virt" => (Kind::Virt, false),
        "-c" | "--config" => (Kind::Config, false),
        "-cr" | "--crypto" => (Kind::Crypto, false),
        "-l" | "--login" => (Kind::Login, false),
        "-m" | "--mods" => (Kind::AcctMod, false),
        "-e" | "--event" => (Kind::Event, false),
        "-f" | "--file" => (Kind::File, true),
        "-h" | "--host" => (Kind::Host, true),
        "-p" | "--pid" => (Kind::Pid, true),
        "-s" | "--syscall" => (Kind::Syscall, true),
        "-tm" | "--terminal" => (Kind::Term, true),
        "-u" | "--user" => (Kind::User, true),
        "-x" | "--executable" => (Kind::Exe, true),
        "--comm" => (Kind::Comm, true),
        "-n" | "--anomaly" => (Kind::Anomaly, true),
        "-r" | "--response" => (Kind::Response, true),
        "-k" | "--key" => (Kind::Key, true),
        "--tty" => (Kind::Tty, false),
        _ => return None,
    })
}

fn error(message: String) -> Stop {
    Stop::Error { message, newline: true, usage: true }
}

/// Parses the arguments after the program name.
pub fn parse(mut c: ArgCursor, stdin_is_pipe: impl Fn() -> bool) -> Result<Options, Stop> {
    let mut kind: Option<Kind> = None;
    let mut summary = false;
    let mut o = ReportOptions::default();
    let mut eoe_timeout = None;
    let mut user_file: Option<String> = None;
    let mut force_logs = false;
    let mut now: Option<i64> = None;
    let mut follow = false;
    while let Some(word) = c.next_option() {
        if let Some((k, refuses_argument)) = report_of(&word) {
            if kind.is_some() {
                // COMPAT: aureport-options.c set_report: no newline.
                return Err(Stop::Error {
                    message: "Error - only one report can be specified".into(),
                    newline: false,
                    usage: true,
                });
            }
            kind = Some(k);
            if refuses_argument && c.peek_value().is_some() {
                return Err(Stop::Error {
                    message: UNIMPLEMENTED.into(),
                    newline: true,
                    usage: false,
                });
            }
            continue;
        }
        match word.as_str() {
            "-if" | "--input" => {
                let Some(v) = c.value() else {
                    return Err(error(format!("Argument is required for {word}")));
                };
                if v.len() >= 4096 - 32 {
                    return Err(error(format!("File name is too long {v}")));
                }
                user_file = Some(v);
            }
            "-i" | "--interpret" => {
                o.interpret = true;
                if c.peek_value().is_some() {
                    return Err(error(format!("Argument is NOT required for {word}")));
                }
            }
            "-ts" | "--start" | "-te" | "--end" => {
                let bound = if matches!(word.as_str(), "-ts" | "--start") {
                    Bound::Start
                } else {
                    Bound::End
                };
                let Some(first) = c.peek_value().map(str::to_string) else {
                    return Err(error(format!("{word} requires either date and/or time")));
                };
                let second = c.peek_second_value().map(str::to_string);
                let now = *now.get_or_insert_with(raudit_sys::clock::now);
                let value = if let Some(second) = second {
                    c.skip(2);
                    if first.contains(':') {
                        time::resolve(bound, Some(&second), Some(&first), now)
                    } else {
                        time::resolve(bound, Some(&first), Some(&second), now)
                    }
                } else {
                    c.skip(1);
                    if Keyword::lookup(&first).is_some() {
                        time::resolve(bound, Some(&first), Some("00:00:00"), now)
                    } else if !first.contains(':') {
                        let t = if bound == Bound::Start { Some("00:00:00") } else { None };
                        time::resolve(bound, Some(&first), t, now)
                    } else {
                        time::resolve(bound, None, Some(&first), now)
                    }
                }
                .map_err(error)?;
                if bound == Bound::Start {
                    o.start = value;
                } else {
                    o.end = value;
                }
            }
            "--node" => {
                let Some(v) = c.value() else {
                    return Err(error(format!("Argument is required for {word}")));
                };
                o.nodes.push(v.into_bytes());
            }
            "--escape" => {
                let Some(v) = c.value() else {
                    return Err(error(format!("Argument is required for {word}")));
                };
                o.escape = match v.as_str() {
                    "raw" => Escape::Raw,
                    "tty" => Escape::Tty,
                    "shell" => Escape::Shell,
                    "shell_quote" => Escape::ShellQuote,
                    _ => return Err(error(format!("Unknown option ({v})"))),
                };
            }
            "--summary" => summary = true,
            "--follow" => follow = true,
            "--html" => {
                let Some(v) = c.value() else {
                    return Err(error(format!("Argument is required for {word}")));
                };
                o.html = Some(PathBuf::from(v));
            }
            "--failed" => o.outcome = Outcome::Failed,
            "--success" => o.outcome = Outcome::Success,
            "--add" => o.conf_action = ConfAction::Add,
            "--delete" => o.conf_action = ConfAction::Delete,
            "--debug" => o.debug = true,
            "--input-logs" => force_logs = true,
            "-nc" | "--no-config" => o.no_config = true,
            "-v" | "--version" => {
                println!(
                    "aureport version {REFERENCE_VERSION} (raudit {})",
                    env!("CARGO_PKG_VERSION")
                );
                return Err(Stop::Exit(0));
            }
            "--help" => {
                print!("{}", usage());
                return Err(Stop::Exit(0));
            }
            "--eoe-timeout" => {
                let Some(v) = c.value() else {
                    return Err(error(format!("Argument is required for {word}")));
                };
                if !v.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                    return Err(error(format!(
                        "End of Event Timeout must be a numeric value, was {v}"
                    )));
                }
                match raudit_parse::cnum::strtoul(v.as_bytes(), 10) {
                    Ok(n) if n > 0 && n <= i64::MAX as u64 => eoe_timeout = Some(n),
                    _ => {
                        return Err(error(format!(
                            "Illegal value for End of Event Timeout, was {v}"
                        )));
                    }
                }
            }
            _ => return Err(error(format!("{word} is an unsupported option"))),
        }
    }
    o.kind = kind.unwrap_or(Kind::Summary);
    // COMPAT: aureport-options.c set_detail: --summary wins in any order,
    // and no report at all is the main summary.
    o.summary = summary || kind.is_none();
    if o.html.is_some() && kind.is_some() {
        return Err(error("--html shows every report; leave out the report option".into()));
    }
    if follow && o.html.is_some() {
        return Err(error("--follow cannot be used with --html".into()));
    }
    // A follower reads the logs, never a pipe on its standard input.
    let input = Input::choose(user_file.map(PathBuf::from), force_logs || follow, stdin_is_pipe);
    Ok(Options { report: o, input, eoe_timeout, follow })
}
