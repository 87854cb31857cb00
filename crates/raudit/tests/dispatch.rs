//! The multi-call binary dispatches on the name it was invoked by.

use std::path::Path;
use std::process::{Command, Output};

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
const RAUDITD: &str = env!("CARGO_BIN_EXE_rauditd");

/// Every legacy name and the subcommand it must reach.
const LEGACY: &[(&str, &str)] = &[
    ("auditd", "daemon"),
    ("auditctl", "ctl"),
    ("ausearch", "search"),
    ("aureport", "report"),
    ("autrace", "trace"),
    ("augenrules", "rules"),
    ("ausyscall", "syscall"),
    ("audisp-remote", "remote"),
    ("audisp-syslog", "syslog"),
    ("aulast", "last"),
    ("aulastlog", "lastlog"),
    ("auvirt", "virt"),
    ("tcpconnect", "tcpconnect"),
    ("execsnoop", "execsnoop"),
    ("opensnoop", "opensnoop"),
];

fn link_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, _) in LEGACY {
        std::os::unix::fs::symlink(RAUDIT, dir.path().join(name)).unwrap();
    }
    std::os::unix::fs::symlink(RAUDIT, dir.path().join("notatool")).unwrap();
    dir
}

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn list_names_every_tool_with_its_legacy_name() {
    let out = run(Path::new(RAUDIT), &["--list"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for (legacy, sub) in LEGACY {
        let line = text.lines().find(|l| l.split_whitespace().next() == Some(sub));
        let line = line.unwrap_or_else(|| panic!("--list misses {sub}:\n{text}"));
        assert!(line.contains(legacy), "{line}");
    }
}

#[test]
fn version_and_help() {
    let out = run(Path::new(RAUDIT), &["--version"]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("raudit "));
    let out = run(Path::new(RAUDIT), &["--help"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("usage: raudit <tool>"));
}

#[test]
fn unknown_names_fail_clearly() {
    let out = run(Path::new(RAUDIT), &["frobnicate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown tool 'frobnicate'"));

    let dir = link_dir();
    let out = run(&dir.path().join("notatool"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown program 'notatool'"));
}

fn reached(program: &Path, args: &[&str]) -> String {
    let out = Command::new(program).args(args).env("RAUDIT_PRINT_TOOL", "1").output().unwrap();
    assert!(out.status.success(), "{program:?} {args:?}: {out:?}");
    stdout(&out).trim_end().to_string()
}

#[test]
fn links_and_subcommands_reach_their_tool_with_the_invoked_name() {
    let dir = link_dir();
    for (legacy, sub) in LEGACY {
        assert_eq!(reached(&dir.path().join(legacy), &["-x"]), format!("{sub} {legacy}"));
        assert_eq!(reached(Path::new(RAUDIT), &[sub, "-x"]), format!("{sub} raudit {sub}"));
        // The legacy name works as a subcommand too.
        assert_eq!(reached(Path::new(RAUDIT), &[legacy]), format!("{sub} raudit {sub}"));
    }
    assert_eq!(reached(Path::new(RAUDITD), &[]), "daemon rauditd");
}

/// Without the diagnostic variable the link really runs the tool, so an
/// option no tool accepts must fail.
#[test]
fn links_run_the_tool() {
    let dir = link_dir();
    for (legacy, _) in LEGACY {
        let out = run(&dir.path().join(legacy), &["--no-such-option-xyzzy"]);
        assert!(!out.status.success(), "{legacy} accepted a bogus option: {out:?}");
    }
}
