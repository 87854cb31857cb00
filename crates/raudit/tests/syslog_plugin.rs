//! audisp-syslog against the reference: the same records and arguments given to
//! /sbin/audisp-syslog and to ours (run as `audisp-syslog`), each with /dev/log bound
//! to a socket of the test; the datagrams must match but for their timestamps.

use std::path::{Path, PathBuf};

use raudit_testkit::{run_with_dev_log, skip, tool_link, workspace_root};

const REFERENCE: &str = "/sbin/audisp-syslog";

fn prerequisites() -> Option<()> {
    if !Path::new(REFERENCE).exists() {
        return skip("no reference /sbin/audisp-syslog (audispd-plugins)");
    }
    if !rustix::process::geteuid().is_root() {
        return skip("needs root for a private mount namespace");
    }
    Some(())
}

/// `<N>Mmm dd hh:mm:ss ident: text` without the time.
fn strip_time(d: &[u8]) -> Vec<u8> {
    let Some(gt) = d.iter().position(|&b| b == b'>') else { return d.to_vec() };
    let mut out = d[..=gt].to_vec();
    out.extend_from_slice(d.get(gt + 1 + 16..).unwrap_or_default());
    out
}

fn run(program: &Path, args: &[&str], input: &[u8]) -> (Vec<Vec<u8>>, Option<i32>) {
    let t = tempfile::tempdir().unwrap();
    let env = [("TZ", "UTC"), ("LC_ALL", "C")];
    let (got, status) = run_with_dev_log(t.path(), program, args, input, &env);
    (got.iter().map(|d| strip_time(d)).collect(), status.code())
}

fn ours(dir: &Path) -> PathBuf {
    tool_link(dir, "audisp-syslog", env!("CARGO_BIN_EXE_raudit"))
}

fn input(names: &[&str]) -> Vec<u8> {
    let mut v = Vec::new();
    for n in names {
        v.extend(std::fs::read(workspace_root().join("testdata/logs").join(n)).unwrap());
    }
    v
}

fn compare(args: &[&str], input: &[u8]) {
    let t = tempfile::tempdir().unwrap();
    let ours = ours(t.path());
    let (want, want_code) = run(Path::new(REFERENCE), args, input);
    let (got, got_code) = run(&ours, args, input);
    assert_eq!(got_code, want_code, "exit code for {args:?}");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            g == w,
            "{args:?}: datagram {i}:\n ours {:?}\n  ref {:?}",
            String::from_utf8_lossy(g),
            String::from_utf8_lossy(w)
        );
    }
    assert_eq!(got.len(), want.len(), "{args:?}: datagram count");
}

#[test]
fn raw_lines_match_the_reference() {
    if prerequisites().is_none() {
        return;
    }
    let recs = input(&["synthetic.log", "edge-cases.log", "enriched-reference.log"]);
    compare(&[], &recs);
    compare(&["log_local3", "LOG_WARNING"], &recs);
    compare(&["LOG_EMERG", "LOG_USER"], &recs);
}

#[test]
fn unknown_arguments_fail_as_the_reference_does() {
    if prerequisites().is_none() {
        return;
    }
    compare(&["LOG_INFO", "bogus"], b"");
    compare(&["LOG_FTP"], b"");
}

#[test]
fn interpreted_records_match_the_reference() {
    if prerequisites().is_none() {
        return;
    }
    compare(&["interpret"], &input(&["interpret.log", "enriched-reference.log"]));
    compare(
        &["LOG_DAEMON", "INTERPRET", "log_debug"],
        &input(&["synthetic.log", "edge-cases.log"]),
    );
}

#[test]
fn sighup_is_ignored_and_sigterm_ends_it_cleanly() {
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let t = tempfile::tempdir().unwrap();
    let mut child =
        Command::new(ours(t.path())).arg("LOG_LOCAL7").stdin(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(200));
    raudit_testkit::signal(pid, raudit_testkit::Signal::HUP);
    std::thread::sleep(Duration::from_millis(100));
    assert!(child.try_wait().unwrap().is_none(), "SIGHUP ended the plugin");
    raudit_testkit::signal(pid, raudit_testkit::Signal::TERM);
    let ok =
        raudit_testkit::poll_until(Duration::from_secs(5), || child.try_wait().unwrap().is_some());
    assert!(ok, "SIGTERM did not end the plugin");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
