//! ausearch's options: one table drives both parsing and `--help`.

/// What an option does with the argument after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// Nothing.
    Nothing,
    /// A value that does not start with `-`.
    Value,
    /// A value even when it starts with `-` (`-e -EPERM`, `-ul -1`).
    AnyValue,
    /// One or two words (`-ts DATE TIME`).
    DateTime,
}

/// Which option this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    Event,
    Arch,
    Comm,
    Checkpoint,
    Debug,
    Exit,
    EoeTimeout,
    Escape,
    ExtraKeys,
    ExtraLabels,
    ExtraObj2,
    ExtraTime,
    File,
    Follow,
    Format,
    GidAll,
    GidEffective,
    Gid,
    Help,
    Host,
    Interpret,
    Input,
    InputLogs,
    JustOne,
    Key,
    LineBuffered,
    Message,
    Node,
    Object,
    Pid,
    Ppid,
    Raw,
    Syscall,
    Context,
    Session,
    Subject,
    Success,
    End,
    Start,
    Terminal,
    UidAll,
    UidEffective,
    Uid,
    Uuid,
    LoginUid,
    Version,
    VmName,
    Word,
    Executable,
}

pub struct Flag {
    pub opt: Opt,
    pub short: Option<&'static str>,
    pub long: &'static str,
    pub takes: Takes,
    /// Placeholder for the value in `--help`.
    pub value_name: &'static str,
    pub help: &'static str,
}

const fn flag(
    opt: Opt,
    short: Option<&'static str>,
    long: &'static str,
    takes: Takes,
    value_name: &'static str,
    help: &'static str,
) -> Flag {
    Flag { opt, short, long, takes, value_name, help }
}

use Takes::*;

/// Every option, in `--help` order. Names are the reference's (facts of its
/// interface); the descriptions are ours.
pub const FLAGS: &[Flag] = &[
    flag(Opt::Event, Some("-a"), "--event", Value, "SERIAL", "events with this serial number"),
    flag(
        Opt::Arch,
        None,
        "--arch",
        Value,
        "CPU",
        "events of this CPU architecture (b32, b64, x86_64, ...)",
    ),
    flag(Opt::Comm, Some("-c"), "--comm", Value, "COMM", "events whose command name contains COMM"),
    flag(
        Opt::Checkpoint,
        None,
        "--checkpoint",
        Value,
        "FILE",
        "resume after the last event of the previous run",
    ),
    flag(Opt::Debug, None, "--debug", Nothing, "", "report skipped malformed events on stderr"),
    flag(
        Opt::Exit,
        Some("-e"),
        "--exit",
        AnyValue,
        "EXIT",
        "syscall exit code or errno name (-EPERM)",
    ),
    flag(
        Opt::Escape,
        None,
        "--escape",
        Value,
        "MODE",
        "escape output: raw, tty, shell, shell_quote",
    ),
    flag(
        Opt::EoeTimeout,
        None,
        "--eoe-timeout",
        Value,
        "SECS",
        "seconds after which an open event is complete",
    ),
    flag(Opt::ExtraKeys, None, "--extra-keys", Nothing, "", "csv: add a column with the keys"),
    flag(
        Opt::ExtraLabels,
        None,
        "--extra-labels",
        Nothing,
        "",
        "csv: add subject and object label columns",
    ),
    flag(Opt::ExtraObj2, None, "--extra-obj2", Nothing, "", "csv: add columns for a second object"),
    flag(Opt::ExtraTime, None, "--extra-time", Nothing, "", "csv: add broken-down time columns"),
    flag(Opt::File, Some("-f"), "--file", Value, "FILE", "events about this file name (or cwd)"),
    flag(
        Opt::Follow,
        None,
        "--follow",
        Nothing,
        "",
        "raudit: print new matching events as the log grows, across rotations (with -ts: the current log's first)",
    ),
    flag(
        Opt::Format,
        None,
        "--format",
        Value,
        "FMT",
        "output: raw, default, interpret, csv, text, json",
    ),
    flag(
        Opt::GidAll,
        Some("-ga"),
        "--gid-all",
        Value,
        "GROUP",
        "events whose gid or egid is GROUP",
    ),
    flag(
        Opt::GidEffective,
        Some("-ge"),
        "--gid-effective",
        Value,
        "GROUP",
        "events whose egid is GROUP",
    ),
    flag(Opt::Gid, Some("-gi"), "--gid", Value, "GROUP", "events whose gid is GROUP"),
    flag(Opt::Help, Some("-h"), "--help", Nothing, "", "print this help"),
    flag(
        Opt::Host,
        Some("-hn"),
        "--host",
        Value,
        "HOST",
        "events from this remote host name or address",
    ),
    flag(Opt::Interpret, Some("-i"), "--interpret", Nothing, "", "turn numbers into names"),
    flag(
        Opt::Input,
        Some("-if"),
        "--input",
        Value,
        "PATH",
        "read this log file, or this directory's logs",
    ),
    flag(
        Opt::InputLogs,
        None,
        "--input-logs",
        Nothing,
        "",
        "read the configured logs even when stdin is a pipe",
    ),
    flag(Opt::JustOne, None, "--just-one", Nothing, "", "stop after the first matching event"),
    flag(Opt::Key, Some("-k"), "--key", Value, "KEY", "events with this rule key"),
    flag(
        Opt::LineBuffered,
        Some("-l"),
        "--line-buffered",
        Nothing,
        "",
        "flush output after every event",
    ),
    flag(
        Opt::Message,
        Some("-m"),
        "--message",
        Value,
        "TYPE,..",
        "events holding a record of these types (or ALL)",
    ),
    flag(Opt::Node, Some("-n"), "--node", Value, "NODE", "events from this node name (repeatable)"),
    flag(
        Opt::Object,
        Some("-o"),
        "--object",
        Value,
        "CTX",
        "events with this object security context",
    ),
    flag(Opt::Pid, Some("-p"), "--pid", Value, "PID", "events of this process id"),
    flag(Opt::Ppid, Some("-pp"), "--ppid", Value, "PPID", "events of this parent process id"),
    flag(Opt::Raw, Some("-r"), "--raw", Nothing, "", "print the records exactly as read"),
    flag(
        Opt::Syscall,
        Some("-sc"),
        "--syscall",
        Value,
        "SYSCALL",
        "events of this syscall name or number",
    ),
    flag(
        Opt::Context,
        Some("-se"),
        "--context",
        Value,
        "CTX",
        "events with this subject or object context",
    ),
    flag(Opt::Session, None, "--session", AnyValue, "SES", "events of this login session id"),
    flag(
        Opt::Subject,
        Some("-su"),
        "--subject",
        Value,
        "CTX",
        "events with this subject security context",
    ),
    flag(
        Opt::Success,
        Some("-sv"),
        "--success",
        Value,
        "yes|no",
        "events that succeeded, or failed",
    ),
    flag(
        Opt::End,
        Some("-te"),
        "--end",
        DateTime,
        "[DATE] [TIME]",
        "events up to this date and time",
    ),
    flag(
        Opt::Start,
        Some("-ts"),
        "--start",
        DateTime,
        "[DATE] [TIME]",
        "events from this date and time",
    ),
    flag(Opt::Terminal, Some("-tm"), "--terminal", Value, "TERM", "events on this terminal"),
    flag(
        Opt::UidAll,
        Some("-ua"),
        "--uid-all",
        Value,
        "USER",
        "events whose uid, euid or auid is USER",
    ),
    flag(
        Opt::UidEffective,
        Some("-ue"),
        "--uid-effective",
        Value,
        "USER",
        "events whose euid is USER",
    ),
    flag(Opt::Uid, Some("-ui"), "--uid", Value, "USER", "events whose uid is USER"),
    flag(
        Opt::LoginUid,
        Some("-ul"),
        "--loginuid",
        AnyValue,
        "USER",
        "events whose login uid (auid) is USER",
    ),
    flag(
        Opt::Uuid,
        Some("-uu"),
        "--uuid",
        Value,
        "UUID",
        "events about the virtual machine with this UUID",
    ),
    flag(Opt::Version, Some("-v"), "--version", Nothing, "", "print the version"),
    flag(
        Opt::VmName,
        Some("-vm"),
        "--vm-name",
        Value,
        "NAME",
        "events about the virtual machine with this name",
    ),
    flag(Opt::Word, Some("-w"), "--word", Nothing, "", "string criteria match whole values"),
    flag(Opt::Executable, Some("-x"), "--executable", Value, "EXE", "events of this executable"),
];

/// Time keywords `-ts`/`-te` take (shell completion).
const TIME_WORDS: &[&str] = &[
    "now",
    "recent",
    "boot",
    "today",
    "yesterday",
    "this-week",
    "week-ago",
    "this-month",
    "this-year",
    "checkpoint",
];

impl Flag {
    /// This option as the docs and completions describe it (the common table type).
    pub fn doc(&self) -> raudit_cli::flags::Flag {
        use raudit_cli::flags::Values;
        let values = match (self.opt, self.value_name) {
            (Opt::Start | Opt::End, _) => Values::Words(TIME_WORDS),
            (Opt::Escape, _) => Values::Words(&["raw", "tty", "shell", "shell_quote"]),
            (Opt::Format, _) => {
                Values::Words(&["raw", "default", "interpret", "csv", "text", "json"])
            }
            (Opt::Success, _) => Values::Words(&["yes", "no"]),
            (Opt::Input, _) => Values::File,
            (_, "FILE") => Values::File,
            (_, "USER") => Values::User,
            (_, "GROUP") => Values::Group,
            _ => Values::Any,
        };
        raudit_cli::flags::Flag {
            short: self.short,
            long: Some(self.long),
            value: (self.takes != Takes::Nothing).then_some(self.value_name),
            values,
            help: self.help,
        }
    }
}

/// The whole table in the common type (man page, completions).
pub fn docs() -> Vec<raudit_cli::flags::Flag> {
    // `--server` and its connection options are taken before this table is
    // consulted (a fleet search; feature fleet).
    FLAGS.iter().map(Flag::doc).chain(crate::tools::fleet::CONNECT_FLAGS.iter().copied()).collect()
}

/// Finds an option by its exact spelling (no abbreviations, no `=value`).
pub fn lookup(word: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.long == word || f.short == Some(word))
}

/// `--help`, generated from the table.
pub fn help(tool: &str) -> String {
    let mut out = format!("usage: {tool} [options]\n");
    for f in FLAGS {
        let names = match f.short {
            Some(s) => format!("{s},{}", f.long),
            None => f.long.to_string(),
        };
        let left =
            if f.value_name.is_empty() { names } else { format!("{names} {}", f.value_name) };
        out.push_str(&format!("  {left:<36} {}\n", f.help));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_unique_and_found() {
        let mut names: Vec<&str> =
            FLAGS.iter().flat_map(|f| f.short.into_iter().chain([f.long])).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        assert_eq!(lookup("-ts").unwrap().opt, Opt::Start);
        assert!(lookup("--ts").is_none() && lookup("-t").is_none());
        assert!(help("ausearch").contains("-ua,--uid-all USER"));
    }
}
