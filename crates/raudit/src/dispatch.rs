//! Picks the tool from the name the binary was invoked by.
//!
//! `raudit <tool> ARGS` selects a tool by subcommand or legacy name; a link
//! named `ausearch`, `auditctl`, ... selects it directly. The invoked name is
//! read from `AT_EXECFN` (the path the kernel actually executed, which a
//! caller cannot fake through argv[0]) and falls back to argv[0].

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;

use crate::tools;

/// What a tool receives: its arguments and the name to put in messages.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// How the user named the tool: `ausearch`, or `raudit search`.
    pub display_name: String,
    /// Arguments after the tool name.
    pub args: Vec<OsString>,
}

/// One tool of the multi-call binary.
pub struct Tool {
    pub subcommand: &'static str,
    pub legacy_name: &'static str,
    pub about: &'static str,
    pub entry: fn(Invocation) -> ExitCode,
}

/// Every tool, in the order `--list` prints them.
pub const TOOLS: &[Tool] = &[
    Tool {
        subcommand: "daemon",
        legacy_name: "auditd",
        about: "read the kernel's audit events and write the audit log",
        entry: tools::daemon::main,
    },
    Tool {
        subcommand: "ctl",
        legacy_name: "auditctl",
        about: "control the kernel's audit system: rules, status, settings",
        entry: tools::ctl::main,
    },
    Tool {
        subcommand: "search",
        legacy_name: "ausearch",
        about: "search the audit logs",
        entry: tools::search::main,
    },
    Tool {
        subcommand: "report",
        legacy_name: "aureport",
        about: "summary reports of the audit logs",
        entry: tools::report::main,
    },
    Tool {
        subcommand: "trace",
        legacy_name: "autrace",
        about: "run a program and audit everything it does",
        entry: tools::trace::main,
    },
    Tool {
        subcommand: "rules",
        legacy_name: "augenrules",
        about: "merge rules.d into audit.rules and load it",
        entry: tools::rules::main,
    },
    Tool {
        subcommand: "syscall",
        legacy_name: "ausyscall",
        about: "map syscall names and numbers",
        entry: tools::syscall::main,
    },
    Tool {
        subcommand: "remote",
        legacy_name: "audisp-remote",
        about: "plugin that sends audit records to a remote auditd",
        entry: tools::remote::main,
    },
    Tool {
        subcommand: "syslog",
        legacy_name: "audisp-syslog",
        about: "plugin that sends audit records to syslog",
        entry: tools::syslog::main,
    },
    Tool {
        subcommand: "last",
        legacy_name: "aulast",
        about: "logins, sessions and reboots rebuilt from the audit logs",
        entry: tools::last::main,
    },
    Tool {
        subcommand: "lastlog",
        legacy_name: "aulastlog",
        about: "each account's latest login from the audit logs",
        entry: tools::lastlog::main,
    },
    Tool {
        subcommand: "virt",
        legacy_name: "auvirt",
        about: "virtual machine sessions from the audit logs",
        entry: tools::virt::main,
    },
    Tool {
        subcommand: "doctor",
        legacy_name: "raudit-doctor",
        about: "check the audit setup's health and say how to fix it",
        entry: tools::doctor::main,
    },
    Tool {
        subcommand: "bpf",
        legacy_name: "raudit-bpf",
        about: "BPF tracing: tcpconnect, execsnoop, opensnoop (feature bpf)",
        entry: tools::bpf::main,
    },
    Tool {
        subcommand: "tcpconnect",
        legacy_name: "tcpconnect",
        about: "trace TCP connects, with login uid and session (BPF)",
        entry: tools::bpf::tcpconnect,
    },
    Tool {
        subcommand: "execsnoop",
        legacy_name: "execsnoop",
        about: "trace execs, with login uid and session (BPF)",
        entry: tools::bpf::execsnoop,
    },
    Tool {
        subcommand: "opensnoop",
        legacy_name: "opensnoop",
        about: "trace opens, with login uid and session (BPF)",
        entry: tools::bpf::opensnoop,
    },
    Tool {
        subcommand: "ship",
        legacy_name: "raudit-ship",
        about: "plugin that ships events into NATS JetStream (feature fleet)",
        entry: tools::fleet::ship_main,
    },
    Tool {
        subcommand: "collect",
        legacy_name: "raudit-collect",
        about: "write every host's events from NATS JetStream into per-host logs (feature fleet)",
        entry: tools::fleet::collect_main,
    },
    Tool {
        subcommand: "verify",
        legacy_name: "raudit-verify",
        about: "check the seal of logs written by rauditd --seal",
        entry: tools::verify::main,
    },
    Tool {
        subcommand: "index",
        legacy_name: "raudit-index",
        about: "build the index ausearch uses to skip what cannot match",
        entry: tools::index::main,
    },
];

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The path the kernel executed, from the auxiliary vector.
///
/// Through libc's getauxval, not `rustix::param::linux_execfn`: rustix fetches the vector
/// with prctl(PR_GET_AUXV) (Linux 6.4+) or from /proc/self/auxv and panics when neither
/// works, where getauxval reads the copy libc took at start and cannot fail.
fn exec_path() -> Option<OsString> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: getauxval has no preconditions; it returns 0 when the entry is absent.
    let ptr = unsafe { libc::getauxval(libc::AT_EXECFN) } as *const libc::c_char;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: AT_EXECFN points at the NUL-terminated pathname the kernel
    // copied onto the initial stack; it lives for the whole process.
    let bytes = unsafe { std::ffi::CStr::from_ptr(ptr) }.to_bytes();
    Some(OsStr::from_bytes(bytes).to_os_string())
}

/// The basename a program was invoked by.
fn invoked_name(argv0: Option<&OsStr>) -> String {
    let path = exec_path().or_else(|| argv0.map(OsStr::to_os_string)).unwrap_or_default();
    Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Finds a tool by subcommand or legacy name.
pub fn find_tool(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.subcommand == name || t.legacy_name == name)
}

/// Set to 1 to make the binary say which tool and display name a link
/// reaches, instead of running it: a check for packagers and for the tests.
pub const PRINT_TOOL_ENV: &str = "RAUDIT_PRINT_TOOL";

/// Runs `tool`, or only names it when `RAUDIT_PRINT_TOOL=1`.
fn enter(tool: &Tool, inv: Invocation) -> ExitCode {
    if std::env::var_os(PRINT_TOOL_ENV).is_some_and(|v| v == "1") {
        println!("{} {}", tool.subcommand, inv.display_name);
        return ExitCode::SUCCESS;
    }
    (tool.entry)(inv)
}

/// Runs the tool `name` with `display_name` in its messages.
pub fn run_tool(name: &str, display_name: &str, args: Vec<OsString>) -> ExitCode {
    match find_tool(name) {
        Some(tool) => enter(tool, Invocation { display_name: display_name.to_string(), args }),
        None => {
            eprintln!("raudit: unknown program '{name}'");
            ExitCode::from(1)
        }
    }
}

fn print_help() {
    println!("raudit {VERSION}: the Linux audit userspace");
    println!();
    println!("usage: raudit <tool> [ARGS...]");
    println!("       <legacy-name> [ARGS...]   (through a link named auditd, ausearch, ...)");
    println!();
    print_list();
    println!();
    println!("options: --list, --version, --help, --generate man|completions DIR");
}

fn print_list() {
    for tool in TOOLS {
        println!("  {:<8} {:<11} {}", tool.subcommand, tool.legacy_name, tool.about);
    }
}

/// Entry point of the `raudit` executable.
pub fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    let argv0 = argv.next();
    let rest: Vec<OsString> = argv.collect();
    let name = invoked_name(argv0.as_deref());
    if let Some(tool) = find_tool(&name) {
        return enter(tool, Invocation { display_name: name, args: rest });
    }
    if name != "raudit" && !name.is_empty() && !name.starts_with("raudit") {
        eprintln!("raudit: unknown program '{name}'");
        return ExitCode::from(1);
    }
    let Some(first) = rest.first() else {
        print_help();
        return ExitCode::from(1);
    };
    match first.to_string_lossy().as_ref() {
        "--list" => {
            print_list();
            ExitCode::SUCCESS
        }
        "--version" | "-V" => {
            println!("raudit {VERSION}");
            ExitCode::SUCCESS
        }
        "--help" | "-h" | "help" => {
            print_help();
            ExitCode::SUCCESS
        }
        "--generate" => crate::manual::main(&rest[1..]),
        sub => match find_tool(sub) {
            Some(tool) => {
                let display_name = format!("raudit {}", tool.subcommand);
                enter(tool, Invocation { display_name, args: rest[1..].to_vec() })
            }
            None => {
                eprintln!("raudit: unknown tool '{sub}' (raudit --list shows them)");
                ExitCode::from(1)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_found_by_both_names() {
        for tool in TOOLS {
            assert_eq!(find_tool(tool.subcommand).unwrap().legacy_name, tool.legacy_name);
            assert_eq!(find_tool(tool.legacy_name).unwrap().subcommand, tool.subcommand);
        }
        assert!(find_tool("nosuch").is_none());
    }
}
