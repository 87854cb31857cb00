//! `raudit search --follow` on a log written in pieces the way the daemon
//! writes it: appends that cut events and lines, a rename-rotation in the
//! middle of an event, more appends to the old file, then the new file.
//! Every event must come out once, in order, in raw, `-i` and JSON output;
//! events written before the follower started only with `-ts`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use raudit_testkit::{DaemonProcess, Signal, wait_for};

const BOUND: Duration = Duration::from_secs(30);

/// Event `n`'s records (no EOE, as auditd writes them), three seconds
/// apart so that each event completes the one before it (the followers'
/// end_of_event_timeout is 3 s: the pieces of one event, written in a
/// row, are never split by a quiet spell however slow the machine).
fn event(n: u64) -> String {
    let (sec, serial) = (1_700_000_000 + 3 * n, 1000 + n);
    let stamp = format!("msg=audit({sec}.{:03}:{serial})", n % 1000);
    format!(
        "type=SYSCALL {stamp}: arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c \
         a1=7ffd0 a2=0 a3=0 items=1 ppid=1 pid={} auid=1000 uid=0 gid=0 euid=0 suid=0 \
         fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" \
         key=\"follow\"\n\
         type=CWD {stamp}: cwd=\"/root\"\n\
         type=PATH {stamp}: item=0 name=\"/etc/f{n}\" inode=1 dev=08:01 mode=0100644 \
         ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0\n\
         type=PROCTITLE {stamp}: proctitle=636174\n",
        200 + n
    )
}

/// A follower whose output and diagnostics are collected as they come.
struct Follower {
    process: DaemonProcess,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
}

impl Follower {
    /// `raudit search -if LOG --follow --debug ARGS`, once it has opened
    /// the log (its `--debug` note says so).
    fn start(log: &Path, args: &[&str]) -> Follower {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_raudit"));
        cmd.args(["search", "--follow", "--debug", "--eoe-timeout", "3", "-if"])
            .arg(log)
            .args(args)
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut process = DaemonProcess::spawn(&mut cmd);
        let out = common::collect_lines(process.take_stdout().unwrap());
        let err = common::collect_lines(process.take_stderr().unwrap());
        let f = Follower { process, out, err };
        wait_for("the follower to open the log", BOUND, || {
            f.err.lock().unwrap().contains("follow: reading ")
        });
        f
    }

    fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// SIGTERM: exits 0.
    fn stop(mut self) -> (String, String) {
        self.process.signal(Signal::TERM);
        assert!(self.process.wait(BOUND).success(), "{}", self.err.lock().unwrap());
        // The readers finish at end of file, after the exit.
        wait_for("the output's end", BOUND, || Arc::strong_count(&self.out) == 1);
        wait_for("the diagnostics' end", BOUND, || Arc::strong_count(&self.err) == 1);
        (self.output(), self.err.lock().unwrap().clone())
    }
}

/// The serials of the events in `text`, in order, as each format shows
/// where an event starts.
fn serials(format: &str, text: &str) -> Vec<u64> {
    let serial_of = |line: &str| -> u64 {
        let stamp = &line[line.find("msg=audit(").unwrap()..];
        let stamp = &stamp[..stamp.find(')').unwrap()];
        stamp[stamp.rfind(':').unwrap() + 1..].parse().unwrap()
    };
    match format {
        "json" => text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["serial"].as_u64().unwrap()
            })
            .collect(),
        // Raw: one SYSCALL record per event; -i prints the records of an
        // event last first, after its `----`, and the SYSCALL is the first.
        _ => text.lines().filter(|l| l.starts_with("type=SYSCALL ")).map(serial_of).collect(),
    }
}

fn append(file: &mut std::fs::File, text: &str) {
    file.write_all(text.as_bytes()).unwrap();
}

#[test]
fn follow_prints_every_event_once_across_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    // Events 0..3 are there before the followers start.
    let mut current = std::fs::File::create(&log).unwrap();
    append(&mut current, &(0..3).map(event).collect::<String>());

    let formats: [(&str, &[&str]); 4] = [
        ("raw", &["--raw"]),
        ("interpret", &["-i"]),
        ("json", &["--format", "json"]),
        // From the start of the current log: events 0..3 as well.
        ("from-start", &["--raw", "-ts", "01/01/20", "00:00:00"]),
    ];
    let followers: Vec<(&str, Follower)> =
        formats.iter().map(|(name, args)| (*name, Follower::start(&log, args))).collect();
    let wait_printed = |upto: u64| {
        for (name, f) in &followers {
            let format = if *name == "json" { "json" } else { "raw" };
            wait_for(&format!("{name}: events up to {upto}"), BOUND, || {
                serials(format, &f.output()).last().is_some_and(|&s| s >= 1000 + upto)
            });
        }
    };

    // Burst 1: events 3..10, written in pieces that cut lines.
    let burst: String = (3..10).map(event).collect();
    for piece in burst.as_bytes().chunks(333) {
        current.write_all(piece).unwrap();
    }
    // Event n is complete when event n+1 opens.
    wait_printed(8);

    // Burst 2, with a rotation inside event 12: its first records go to
    // the old file, also after the rename (auditd still holds it open),
    // the rest to the new file.
    append(&mut current, &(10..12).map(event).collect::<String>());
    let e12 = event(12);
    let (head, rest) = e12.split_at(e12.find("type=PATH").unwrap());
    append(&mut current, &head[..10]);
    std::fs::rename(&log, dir.path().join("audit.log.1")).unwrap();
    append(&mut current, &head[10..]);
    let mut current = std::fs::File::create(&log).unwrap();
    append(&mut current, rest);
    append(&mut current, &(13..16).map(event).collect::<String>());
    wait_printed(14);

    // Burst 3 after a pause; its last event has nothing after it and
    // comes out when the log has been quiet for the timeout.
    append(&mut current, &(16..20).map(event).collect::<String>());
    wait_printed(19);

    for (name, f) in followers {
        let (out, err) = f.stop();
        let format = if name == "json" { "json" } else { "raw" };
        let first = if name == "from-start" { 0 } else { 3 };
        let expected: Vec<u64> = (first..20).map(|n| 1000 + n).collect();
        assert_eq!(serials(format, &out), expected, "{name}:\n{out}");
        assert!(err.contains("was rotated; reading the new file"), "{name}: {err}");
        match name {
            "raw" | "from-start" => {
                // Whole events: four records each, event 12 too.
                assert_eq!(out.lines().count(), expected.len() * 4, "{name}:\n{out}");
                assert!(out.contains(&event(12)), "{out}");
            }
            "interpret" => {
                assert_eq!(out.matches("----\n").count(), expected.len());
                assert!(out.contains("name=/etc/f12 "), "{out}");
                assert!(out.contains("syscall=openat "), "{out}");
            }
            _ => {
                let e12 = out.lines().find(|l| l.contains("\"serial\":1012,")).unwrap();
                assert_eq!(e12.matches("\"type\":\"PATH\"").count(), 1, "{e12}");
            }
        }
    }
}

#[test]
fn follow_survives_a_truncation_and_a_closed_pipe_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let mut current = std::fs::File::create(&log).unwrap();
    let f = Follower::start(&log, &["--raw"]);
    append(&mut current, &(0..2).map(event).collect::<String>());
    wait_for("event 1", BOUND, || serials("raw", &f.output()) == [1000, 1001]);
    // Truncated in place and written again from its start.
    current.set_len(0).unwrap();
    let mut current = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    append(&mut current, &event(5));
    wait_for("event 5", BOUND, || serials("raw", &f.output()) == [1000, 1001, 1005]);
    let (out, err) = f.stop();
    assert_eq!(serials("raw", &out), [1000, 1001, 1005], "{err}");
    assert!(err.contains("was truncated"), "{err}");

    // `... --follow | head -1`: the reader goes away, the follower ends by
    // itself, quietly and with success, even when nothing more comes.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_raudit"));
    cmd.args(["search", "--follow", "--raw", "-if"]).arg(&log).stdout(Stdio::piped());
    let mut process = DaemonProcess::spawn(&mut cmd);
    drop(process.take_stdout());
    let status = process.wait(BOUND);
    assert!(status.success(), "{status:?}");
}

#[test]
fn follow_refuses_what_it_cannot_do() {
    let raudit = env!("CARGO_BIN_EXE_raudit");
    let out = Command::new(raudit)
        .args(["search", "--follow", "--checkpoint", "/nonexistent/cp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "--follow cannot be used with --checkpoint\n");
    let out = Command::new(raudit)
        .args(["search", "--follow", "-if", "/nonexistent/audit.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/audit.log"));
}

#[test]
fn report_follow_prints_a_new_summary_when_the_log_grows() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let mut current = std::fs::File::create(&log).unwrap();
    append(&mut current, &(0..3).map(event).collect::<String>());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_raudit"));
    cmd.args(["report", "--follow", "-x", "--summary", "-if"])
        .arg(&log)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut process = DaemonProcess::spawn(&mut cmd);
    let out = common::collect_lines(process.take_stdout().unwrap());
    let text = || out.lock().unwrap().clone();
    // Not a terminal: one report block after the other, no screen control.
    wait_for("the first report", BOUND, || text().contains("3  /usr/bin/cat\n"));
    append(&mut current, &(3..8).map(event).collect::<String>());
    wait_for("the second report", BOUND, || text().contains("8  /usr/bin/cat\n"));
    process.signal(Signal::TERM);
    assert!(process.wait(BOUND).success());
    wait_for("the output's end", BOUND, || Arc::strong_count(&out) == 1);
    let text = text();
    assert!(!text.contains('\x1b'), "{text}");
    let once = "\nExecutable Summary Report\n";
    assert!(text.starts_with(once), "{text}");
    assert_eq!(text.matches(once).count(), 2, "a report per change only:\n{text}");
}
