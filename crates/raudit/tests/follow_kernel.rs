//! `raudit search --follow` on the log of a real rauditd that rotates it
//! (a small max_log_file) during a syscall storm: the follower prints
//! every event the logs hold, once and in order. Holds the kernel test
//! lock (KernelGuard).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

mod common;

use raudit_testkit::{DaemonProcess, KernelGuard, Signal, poll_until, wait_for};

const SHORT: Duration = Duration::from_secs(30);
const LONG: Duration = Duration::from_secs(180);
const KEY: &str = "rauditd-follow";
const N: usize = 8_000;

/// The serials of the storm's SYSCALL records in `text`, in order.
fn serials(text: &str) -> Vec<u64> {
    let key = format!("key=\"{KEY}\"");
    text.lines()
        .filter(|l| l.starts_with("type=SYSCALL ") && l.contains(&key))
        .map(|l| {
            let stamp = &l[l.find("msg=audit(").unwrap()..];
            let stamp = &stamp[..stamp.find(')').unwrap()];
            stamp[stamp.rfind(':').unwrap() + 1..].parse().unwrap()
        })
        .collect()
}

/// Every log of the set, oldest first, as one text.
fn logs(log: &Path) -> String {
    let mut text = String::new();
    for n in (1..20).rev() {
        text += &std::fs::read_to_string(format!("{}.{n}", log.display())).unwrap_or_default();
    }
    text + &std::fs::read_to_string(log).unwrap_or_default()
}

#[test]
fn follow_has_every_event_of_a_rotating_daemon_log() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = common::config_dir(
        "audit.log",
        "log_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 50\n\
         max_log_file = 1\nmax_log_file_action = ROTATE\nnum_logs = 15\n",
    );
    let d = dir.path();
    let mut cmd = common::rauditd_in(d, &["-n"]);
    let mut daemon = DaemonProcess::spawn(&mut cmd);
    daemon.wait_registered(&mut kernel, SHORT);
    wait_for("the log", SHORT, || log.exists());

    let mut follow = Command::new(env!("CARGO_BIN_EXE_raudit"));
    follow
        .args(["search", "--follow", "--debug", "--raw", "-k", KEY, "-if"])
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut follower = DaemonProcess::spawn(&mut follow);
    let out = common::collect_lines(follower.take_stdout().unwrap());
    let err = common::collect_lines(follower.take_stderr().unwrap());
    wait_for("the follower to open the log", SHORT, || {
        err.lock().unwrap().contains("follow: reading ")
    });

    let rule = common::add_storm_rule(&mut kernel, KEY);
    let mut storm = common::start_storm(N);
    assert!(storm.wait(LONG).success());
    let written = poll_until(LONG, || serials(&logs(&log)).len() >= N);
    kernel.client().delete_rule(&rule).unwrap();
    assert!(written, "only {} of {N} events reached the logs", serials(&logs(&log)).len());

    // The last event completes once the log has been quiet for the
    // end_of_event_timeout.
    let in_logs = serials(&logs(&log));
    let printed = poll_until(LONG, || serials(&out.lock().unwrap()).len() >= in_logs.len());
    follower.signal(Signal::TERM);
    assert!(follower.wait(SHORT).success());
    assert!(daemon.stop(SHORT).success());
    // The readers end at end of file, after the exit.
    wait_for("the follower's output", SHORT, || Arc::strong_count(&out) == 1);
    wait_for("the follower's notes", SHORT, || Arc::strong_count(&err) == 1);
    let notes = err.lock().unwrap().clone();
    let got = serials(&out.lock().unwrap());
    assert!(printed, "the follower printed {} of {} events; {notes}", got.len(), in_logs.len());
    assert_eq!(got.len(), in_logs.len());
    assert!(got == in_logs, "the follower's events differ from the logs'");
    // Several rotations, maybe more than one between two looks of the
    // follower, none of them past a file it could not find.
    assert!(Path::new(&format!("{}.2", log.display())).exists(), "the log rotated less than twice");
    assert!(notes.contains(" was rotated; "), "{notes}");
    assert!(!notes.contains("may be missing"), "{notes}");
}
