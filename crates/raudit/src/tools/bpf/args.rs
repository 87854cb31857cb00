//! The options of tcpconnect, execsnoop and opensnoop: bcc's letters and meanings
//! (which differ per tool: opensnoop's `-t` is a thread id, its timestamp is `-T`),
//! plus raudit's audit attribution filters (`-ua`, `--auid`, `--session`, `-A`).

use raudit_bpf::{Filter, Kind};
use raudit_cli::flags::{Flag, Values};

/// Which bcc tool is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    TcpConnect,
    ExecSnoop,
    OpenSnoop,
}

impl Tool {
    pub fn kind(self) -> Kind {
        match self {
            Tool::TcpConnect => Kind::Connect,
            Tool::ExecSnoop => Kind::Exec,
            Tool::OpenSnoop => Kind::Open,
        }
    }

    pub fn from_name(name: &str) -> Option<Tool> {
        match name {
            "tcpconnect" => Some(Tool::TcpConnect),
            "execsnoop" => Some(Tool::ExecSnoop),
            "opensnoop" => Some(Tool::OpenSnoop),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Everything a command line asked for.
#[derive(Debug, Clone)]
pub struct Args {
    pub tool: Tool,
    pub pid: Option<u32>,
    pub tid: Option<u32>,
    pub uid: Option<u32>,
    pub uid_or_auid: Option<u32>,
    pub auid: Option<u32>,
    pub ses: Option<u32>,
    pub cgroup: Option<String>,
    pub name: Option<String>,
    /// A TIME(s) column: seconds since the first event (since the start for execsnoop).
    pub timestamp: bool,
    /// execsnoop's TIME column (HH:MM:SS).
    pub clock: bool,
    pub print_uid: bool,
    /// AUID and SES columns (beyond bcc).
    pub print_audit: bool,
    /// opensnoop: only failed opens; execsnoop: failed execs too.
    pub failed: bool,
    pub ports: Vec<u16>,
    pub ipv4_only: bool,
    pub ipv6_only: bool,
    pub lport: bool,
    pub format: Format,
}

#[derive(Debug)]
pub enum Parsed {
    Run(Box<Args>),
    Help,
}

fn number(opt: &str, value: &str) -> Result<u32, String> {
    value.parse().map_err(|_| format!("argument {opt}: invalid number: '{value}'"))
}

/// A user name or a number; "unset" and -1 mean the unset login uid.
fn user(opt: &str, value: &str) -> Result<u32, String> {
    if value == "unset" || value == "-1" {
        return Ok(u32::MAX);
    }
    value
        .parse()
        .ok()
        .or_else(|| raudit_sys::accounts::user_id(value))
        .ok_or_else(|| format!("argument {opt}: unknown user: '{value}'"))
}

fn ports(value: &str) -> Result<Vec<u16>, String> {
    value
        .split(',')
        .map(|p| p.trim().parse().map_err(|_| format!("argument -P/--port: invalid port: '{p}'")))
        .collect()
}

pub fn parse(tool: Tool, argv: &[String]) -> Result<Parsed, String> {
    let mut a = Args {
        tool,
        pid: None,
        tid: None,
        uid: None,
        uid_or_auid: None,
        auid: None,
        ses: None,
        cgroup: None,
        name: None,
        timestamp: false,
        clock: false,
        print_uid: false,
        print_audit: false,
        failed: false,
        ports: Vec::new(),
        ipv4_only: false,
        ipv6_only: false,
        lport: false,
        format: Format::Text,
    };
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let (opt, inline) = match arg.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("argument {opt}: expected one argument"))
        };
        let open = tool == Tool::OpenSnoop;
        match opt {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-p" | "--pid" => a.pid = Some(number(opt, &value()?)?),
            "-u" | "--uid" => a.uid = Some(user(opt, &value()?)?),
            "-ua" => a.uid_or_auid = Some(user(opt, &value()?)?),
            "--auid" => a.auid = Some(user(opt, &value()?)?),
            "--session" => a.ses = Some(number(opt, &value()?)?),
            "--cgroup" | "--cgroupmap" => a.cgroup = Some(value()?),
            "-n" | "--name" => a.name = Some(value()?),
            "--format" => match value()?.as_str() {
                "json" => a.format = Format::Json,
                "text" => a.format = Format::Text,
                other => {
                    return Err(format!(
                        "argument --format: invalid choice: '{other}' (choose from 'text', 'json')"
                    ));
                }
            },
            "-U" | "--print-uid" => a.print_uid = true,
            "-A" | "--print-audit" => a.print_audit = true,
            "--timestamp" => a.timestamp = true,
            "-t" if open => a.tid = Some(number(opt, &value()?)?),
            "--tid" if open => a.tid = Some(number(opt, &value()?)?),
            "-T" if open => a.timestamp = true,
            "-t" => a.timestamp = true,
            "-T" | "--time" if tool == Tool::ExecSnoop => a.clock = true,
            "-x" | "--fails" | "--failed" if tool != Tool::TcpConnect => a.failed = true,
            "-P" | "--port" if tool == Tool::TcpConnect => a.ports.extend(ports(&value()?)?),
            "-4" | "--ipv4" if tool == Tool::TcpConnect => a.ipv4_only = true,
            "-6" | "--ipv6" if tool == Tool::TcpConnect => a.ipv6_only = true,
            "-L" | "--lport" if tool == Tool::TcpConnect => a.lport = true,
            _ => return Err(format!("unrecognized arguments: {arg}")),
        }
    }
    if a.ipv4_only && a.ipv6_only {
        return Err("argument -6/--ipv6: not allowed with argument -4/--ipv4".into());
    }
    Ok(Parsed::Run(Box::new(a)))
}

impl Args {
    /// The part of the selection the kernel applies.
    pub fn filter(&self) -> Result<Filter, raudit_bpf::BpfError> {
        let mut f = Filter::for_kind(self.tool.kind());
        f.pid = self.pid;
        f.uid = self.uid;
        f.uid_or_auid = self.uid_or_auid;
        f.auid = self.auid;
        f.ses = self.ses;
        f.failed_only = self.failed && self.tool == Tool::OpenSnoop;
        if let Some(path) = &self.cgroup {
            f.cgroup = Some(raudit_bpf::cgroup::target(path)?);
        }
        Ok(f)
    }
}

pub fn usage(tool: Tool) -> &'static str {
    match tool {
        Tool::TcpConnect => {
            "usage: tcpconnect [-h] [-t] [-p PID] [-P PORT[,PORT...]] [-4 | -6] [-L] [-U] [-u USER]\n                  [-A] [-ua USER] [--auid USER] [--session N] [--cgroup PATH] [--format text|json]"
        }
        Tool::ExecSnoop => {
            "usage: execsnoop [-h] [-T] [-t] [-x] [-U] [-u USER] [-p PID] [-n NAME]\n                 [-A] [-ua USER] [--auid USER] [--session N] [--cgroup PATH] [--format text|json]"
        }
        Tool::OpenSnoop => {
            "usage: opensnoop [-h] [-T] [-U] [-x] [-p PID] [-t TID] [-u USER] [-n NAME]\n                 [-A] [-ua USER] [--auid USER] [--session N] [--cgroup PATH] [--format text|json]"
        }
    }
}

/// Options every one of the three tools takes.
const COMMON: &[Flag] = &[
    Flag::switch(Some("-h"), Some("--help"), "print the usage and exit"),
    Flag::with_value(Some("-p"), Some("--pid"), "PID", Values::Any, "only this process"),
    Flag::with_value(Some("-u"), Some("--uid"), "USER", Values::User, "only this user id"),
    Flag::with_value(Some("-ua"), None, "USER", Values::User, "this uid or login uid (raudit)"),
    Flag::with_value(None, Some("--auid"), "USER", Values::User, "only this login uid (raudit)"),
    Flag::with_value(None, Some("--session"), "N", Values::Any, "only this audit session (raudit)"),
    Flag::with_value(
        None,
        Some("--cgroup"),
        "PATH",
        Values::Dir,
        "only tasks in this cgroup (a path under /sys/fs/cgroup)",
    ),
    Flag::with_value(None, Some("--cgroupmap"), "PATH", Values::Dir, "the same as --cgroup"),
    Flag::with_value(
        None,
        Some("--format"),
        "text|json",
        Values::Words(&["text", "json"]),
        "json: one object per event (raudit)",
    ),
    Flag::switch(Some("-U"), Some("--print-uid"), "add a UID column"),
    Flag::switch(Some("-A"), Some("--print-audit"), "add AUID and SES columns (raudit)"),
    Flag::switch(None, Some("--timestamp"), "add a TIME(s) column"),
];

const TCPCONNECT: &[Flag] = &[
    Flag::switch(Some("-t"), None, "add a TIME(s) column"),
    Flag::with_value(
        Some("-P"),
        Some("--port"),
        "PORT[,PORT...]",
        Values::Any,
        "only these destination ports",
    ),
    Flag::switch(Some("-4"), Some("--ipv4"), "only IPv4 connects"),
    Flag::switch(Some("-6"), Some("--ipv6"), "only IPv6 connects"),
    Flag::switch(Some("-L"), Some("--lport"), "add the local port"),
];

const EXECSNOOP: &[Flag] = &[
    Flag::switch(Some("-t"), None, "add a TIME(s) column"),
    Flag::switch(Some("-T"), Some("--time"), "add a TIME column (HH:MM:SS)"),
    Flag::switch(Some("-x"), Some("--fails"), "include failed execs"),
    Flag::switch(None, Some("--failed"), "the same as --fails"),
    Flag::with_value(
        Some("-n"),
        Some("--name"),
        "NAME",
        Values::Any,
        "only commands matching NAME",
    ),
];

const OPENSNOOP: &[Flag] = &[
    Flag::with_value(Some("-t"), Some("--tid"), "TID", Values::Any, "only this thread"),
    Flag::switch(Some("-T"), None, "add a TIME(s) column"),
    Flag::switch(Some("-x"), Some("--fails"), "only failed opens"),
    Flag::switch(None, Some("--failed"), "the same as --fails"),
    Flag::with_value(
        Some("-n"),
        Some("--name"),
        "NAME",
        Values::Any,
        "only commands matching NAME",
    ),
];

/// One tool's options (man page and completions are generated from this).
pub fn flags(tool: Tool) -> Vec<Flag> {
    let own = match tool {
        Tool::TcpConnect => TCPCONNECT,
        Tool::ExecSnoop => EXECSNOOP,
        Tool::OpenSnoop => OPENSNOOP,
    };
    COMMON.iter().chain(own).copied().collect()
}

/// Every spelling any of the three accepts, once (`raudit bpf`'s page): a
/// spelling the tools use differently (`-t`) keeps its first meaning.
pub fn all_flags() -> Vec<Flag> {
    let mut out: Vec<Flag> = Vec::new();
    for mut f in [Tool::TcpConnect, Tool::ExecSnoop, Tool::OpenSnoop].into_iter().flat_map(flags) {
        let seen = |n: &str| out.iter().any(|o| o.names().any(|m| m == n));
        f.short = f.short.filter(|n| !seen(n));
        f.long = f.long.filter(|n| !seen(n));
        if f.short.is_some() || f.long.is_some() {
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tool: Tool, v: &[&str]) -> Args {
        let v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        match parse(tool, &v) {
            Ok(Parsed::Run(a)) => *a,
            other => panic!("{v:?}: {:?}", other.err()),
        }
    }

    #[test]
    fn letters_follow_each_bcc_tool() {
        let o = args(Tool::OpenSnoop, &["-t", "42", "-T", "-x"]);
        assert_eq!((o.tid, o.timestamp, o.failed), (Some(42), true, true));
        let e = args(Tool::ExecSnoop, &["-t", "-T", "-x"]);
        assert!(e.timestamp && e.clock && e.failed);
        let t = args(Tool::TcpConnect, &["-P", "80,443", "-P", "22", "-4", "-L"]);
        assert_eq!(t.ports, vec![80, 443, 22]);
        assert!(t.ipv4_only && t.lport);
        assert!(parse(Tool::TcpConnect, &["-x".to_string()]).is_err());
    }

    #[test]
    fn audit_filters_and_format() {
        let a = args(
            Tool::ExecSnoop,
            &["-ua", "0", "--auid=unset", "--session", "7", "--format", "json"],
        );
        assert_eq!((a.uid_or_auid, a.auid, a.ses), (Some(0), Some(u32::MAX), Some(7)));
        assert_eq!(a.format, Format::Json);
        assert!(
            parse(Tool::ExecSnoop, &["--session".to_string()])
                .unwrap_err()
                .contains("expected one argument")
        );
        assert!(parse(Tool::ExecSnoop, &["--format".into(), "xml".into()]).is_err());
    }
}
