//! rauditd against the real kernel: registers, writes what a watch rule produces, rotates on
//! SIGUSR1, reports state on SIGCONT, stops on SIGTERM with DAEMON_END, unregisters, and the
//! reference ausearch reads the log. Holds the kernel test lock (KernelGuard).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use common::{
    add_storm_rule, assert_foreign_losses_only, config_dir, rauditd_in as rauditd, read,
    start_daemon, start_gated_storm, start_storm, stop_daemon,
};

use raudit_testkit::{DaemonProcess, KernelGuard, Signal, poll_until, wait_for};

/// Generous bounds: the machine may be busy, and a poll returns as soon as it can.
const SHORT: Duration = Duration::from_secs(30);
const LONG: Duration = Duration::from_secs(120);

/// Adds a `-w PATH -p wa -k KEY` rule.
fn add_watch(kernel: &mut KernelGuard, path: &Path, key: &str) {
    let mut b = raudit_rules::RuleBuilder::new();
    b.watch(path.to_str().unwrap(), false).unwrap();
    b.perm("wa").unwrap();
    b.key(key).unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
}

/// Appends `n` lines to `path`, one open and write each (each audited).
fn touch(path: &Path, n: usize) {
    for i in 0..n {
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        writeln!(f, "{i}").unwrap();
    }
}

/// Creates an empty file at `path` (a watch's target) and returns its path.
fn empty_file(path: &Path) -> std::path::PathBuf {
    std::fs::write(path, "").unwrap();
    path.to_path_buf()
}

/// SYSCALL records carrying `key`.
fn key_hits(text: &str, key: &str) -> usize {
    let key = format!("key=\"{key}\"");
    text.lines().filter(|l| l.starts_with("type=SYSCALL ") && l.contains(&key)).count()
}

/// SYSCALL records of the test's watch.
fn watch_hits(text: &str) -> usize {
    key_hits(text, "rauditd-test")
}

#[test]
fn daemon_writes_kernel_records_and_stops_cleanly() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = config_dir("log/audit.log", "log_format = RAW\nflush = SYNC\nnum_logs = 4\n");
    let d = dir.path();
    let watched = empty_file(&d.join("watched"));

    let mut daemon = DaemonProcess::spawn(rauditd(d, &["-n"]).stderr(Stdio::inherit()));
    daemon.wait_registered(&mut kernel, SHORT);
    let pid = daemon.pid();
    assert_eq!(std::fs::read_to_string(d.join("auditd.pid")).unwrap(), format!("{pid}\n"));
    // priority_boost (code default 4): the daemon runs at nice -4.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    assert_eq!(after_comm.split(' ').nth(16), Some("-4"), "{stat}");

    add_watch(&mut kernel, &watched, "rauditd-test");
    const N: usize = 7;
    touch(&watched, N);
    if !poll_until(SHORT, || watch_hits(&read(&log)) == N) {
        let st = kernel.client().get_status().unwrap();
        panic!("records not on disk; status {st:?}; log:\n{}", read(&log));
    }

    // SIGCONT: state report through `raudit daemon --state`.
    let out = Command::new(env!("CARGO_BIN_EXE_raudit"))
        .args(["daemon", "--state"])
        .env("RAUDIT_RUN_DIR", d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let state = String::from_utf8(out.stdout).unwrap();
    assert!(state.contains("writing to logs = yes"), "{state}");
    let written: u64 =
        state.lines().find_map(|l| l.strip_prefix("records written = ")).unwrap().parse().unwrap();
    assert!(written >= (N * 4) as u64, "{state}");
    // The gap between received and written is labelled: each watch event ends with an EOE.
    let eoe: u64 = state
        .lines()
        .find_map(|l| l.strip_prefix("records not written: EOE (end of event, never logged) = "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(eoe >= N as u64, "{state}");

    // SIGUSR1: rotate, DAEMON_ROTATE first in the new file.
    daemon.signal(Signal::USR1);
    let rotated = d.join("log/audit.log.1");
    wait_for("rotation", SHORT, || read(&log).starts_with("type=DAEMON_ROTATE "));
    // SIGHUP with a changed file: DAEMON_CONFIG; SIGUSR2: DAEMON_RESUME.
    let conf = std::fs::read_to_string(d.join("auditd.conf")).unwrap();
    let conf = conf.replace("flush = SYNC", "flush = DATA");
    std::fs::write(
        d.join("auditd.conf"),
        conf.replace("log_format = RAW", "log_format = ENRICHED"),
    )
    .unwrap();
    daemon.signal(Signal::HUP);
    wait_for("reconfigure", SHORT, || read(&log).contains("op=reconfigure state=changed"));
    // Now ENRICHED: the records carry their names after 0x1D.
    let mut f = std::fs::OpenOptions::new().append(true).open(&watched).unwrap();
    writeln!(f, "enriched").unwrap();
    wait_for("an enriched record", SHORT, || {
        read(&log).lines().any(|l| {
            l.starts_with("type=SYSCALL ")
                && l.contains("key=\"rauditd-test\"\u{1d}ARCH=x86_64 SYSCALL=")
                && l.contains(" UID=\"root\"")
        })
    });
    daemon.signal(Signal::USR2);
    wait_for("resume", SHORT, || read(&log).contains("op=resume-logging auid="));
    stop_daemon(&mut kernel, &mut daemon);
    assert!(!d.join("auditd.pid").exists());

    let old = std::fs::read_to_string(&rotated).unwrap();
    let cur = std::fs::read_to_string(&log).unwrap();
    assert!(old.starts_with("type=DAEMON_START msg=audit("), "{old}");
    assert!(old.contains(" op=start ver=3.0.9 format=raw kernel="));
    assert_eq!(watch_hits(&old), N);
    assert_eq!(watch_hits(&cur), 1);
    assert!(cur.lines().last().unwrap().starts_with("type=DAEMON_END msg=audit("), "{cur}");
    assert!(cur.contains("op=rotate-logs auid="));
    assert!(!old.contains("type=EOE"));

    // The reference reads our log set.
    if let Some(ausearch) = raudit_testkit::reference_tool("ausearch") {
        let rs = Command::new(&ausearch)
            .args(["-if"])
            .arg(d.join("log"))
            .args(["-k", "rauditd-test", "--raw"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&rs.stdout);
        assert_eq!(watch_hits(&text), N + 1, "{text}");
        // Interpreted, the reference and raudit read our RAW and ENRICHED
        // records alike (names stored by our enricher included).
        let interpreted = |program: &Path, tool: &[&str]| {
            Command::new(program)
                .args(tool)
                .arg("-if")
                .arg(d.join("log"))
                .args(["-i", "-k", "rauditd-test"])
                .env("TZ", "UTC")
                .env("LC_ALL", "C")
                .output()
                .unwrap()
                .stdout
        };
        let reference = interpreted(&ausearch, &[]);
        let ours = interpreted(Path::new(env!("CARGO_BIN_EXE_raudit")), &["search"]);
        assert!(!reference.is_empty());
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&reference));
    }
}

#[test]
fn foreground_writes_records_to_stdout() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    kernel.client().set_enabled(1).unwrap();
    let (dir, log) = config_dir("log/audit.log", "");
    let d = dir.path();
    let watched = empty_file(&d.join("watched"));
    let mut daemon =
        DaemonProcess::spawn(rauditd(d, &["-f", "-s", "nochange"]).stdout(Stdio::piped()));
    daemon.wait_registered(&mut kernel, SHORT);
    // Stdout is read as it comes, so the test can wait for the records.
    let mut pipe = daemon.take_stdout().unwrap();
    let stdout = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let reader = {
        let stdout = stdout.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = std::io::Read::read(&mut pipe, &mut buf) {
                stdout.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    add_watch(&mut kernel, &watched, "rauditd-test");
    const N: usize = 3;
    touch(&watched, N);
    wait_for("the records on stdout", SHORT, || {
        watch_hits(&String::from_utf8_lossy(&stdout.lock().unwrap())) >= N
    });
    stop_daemon(&mut kernel, &mut daemon);
    reader.join().unwrap();
    let stdout = String::from_utf8(stdout.lock().unwrap().clone()).unwrap();
    assert!(stdout.starts_with("type=DAEMON_START msg=audit("), "{stdout}");
    assert!(stdout.lines().last().unwrap().starts_with("type=DAEMON_END "), "{stdout}");
    assert_eq!(watch_hits(&stdout), N, "{stdout}");
    assert!(!log.exists(), "foreground mode must not open the log");
}

/// A private config dir for the storm tests: RAW, INCREMENTAL_ASYNC, its
/// `audit.log` beside the config.
fn storm_config() -> (tempfile::TempDir, std::path::PathBuf) {
    config_dir("audit.log", "log_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 50\n")
}

/// The kernel's defaults for the storms: a small backlog and the default wait, so the daemon
/// sets the pace and nothing may be dropped.
const BACKLOG: u32 = 64;

/// Waits until the kernel queue is empty and `count` stops growing, and returns it.
fn drained(kernel: &mut KernelGuard, mut count: impl FnMut() -> usize) -> usize {
    let mut prev = usize::MAX;
    let mut now = 0;
    let settled = poll_until(LONG, || {
        std::thread::sleep(Duration::from_millis(300));
        now = count();
        let done = now == prev && kernel.client().get_status().unwrap().backlog == 0;
        prev = now;
        done
    });
    assert!(settled, "the log never settled ({now} records)");
    now
}

/// Under a syscall storm with the kernel's default backlog wait, every one
/// of N audited syscalls reaches the log and the kernel loses nothing.
#[test]
fn a_storm_is_written_in_full_without_loss() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = storm_config();
    kernel.client().set_backlog_limit(BACKLOG).unwrap();
    kernel.client().set_backlog_wait_time(60 * 250).unwrap();
    let mut daemon = start_daemon(&mut kernel, dir.path());
    let lost_before = kernel.client().get_status().unwrap().lost;

    const N: usize = 20_000;
    let rule = add_storm_rule(&mut kernel, "rauditd-storm");
    let count = || key_hits(&read(&log), "rauditd-storm");
    assert!(start_storm(N).wait(LONG).success());
    // All N, then a settled log, so that extra records would show up too.
    let complete = poll_until(LONG, || count() >= N);
    let written = drained(&mut kernel, count);
    kernel.client().delete_rule(&rule).unwrap();
    let lost_after = kernel.client().get_status().unwrap().lost;
    stop_daemon(&mut kernel, &mut daemon);
    eprintln!("storm: {written} of {N} records written, kernel lost {}", lost_after - lost_before);
    assert!(complete, "only {written} of {N} records reached the log");
    assert_eq!(written, N, "every audited syscall must reach the log, once");
    assert_foreign_losses_only(lost_after - lost_before, &read(&log));
}

/// rauditd is killed with SIGKILL in the middle of a storm and started again.
///
/// What the kernel may drop, and why "nothing lost" is asserted the way it is: a record the
/// kernel has already put on the killed daemon's socket, or that the daemon had received but
/// not yet written, dies with the process. Records kauditd takes off its queue while no daemon
/// is registered are printed (rate-limited) and freed unless the kernel was booted with
/// `audit=1`, in which case they wait in the hold queue (up to backlog_limit, the overflow
/// counted in `lost`) for the next daemon (kernel/audit.c kauditd_hold_skb). Neither of the
/// first two is counted in `lost`. So the storm is stopped (SIGSTOP) for the moment of the
/// kill and continued once the new daemon is registered: no audited call is made while no
/// daemon is registered, and the only records that can be missing are the ones that were in
/// flight at the kill, all made just before it.
///
/// Asserted: every line of the log is one complete record (the new daemon removes a record
/// the killed one left half-written); no record is written twice; the storm's records that are
/// missing form one run of consecutive calls, no longer than what the kernel queue, the socket
/// and one batch can hold, and made before the kill; every call made after the restart is
/// in the log; the kernel's lost counter did not move but for other processes' records (see
/// [`assert_foreign_losses_only`]; the default backlog wait paces the
/// storm, so the backlog never overflows).
#[test]
fn kill_9_mid_storm_then_restart_tears_nothing_and_loses_only_what_was_in_flight() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = storm_config();
    let d = dir.path();
    kernel.client().set_backlog_limit(BACKLOG).unwrap();
    kernel.client().set_backlog_wait_time(60 * 250).unwrap();
    let mut first = start_daemon(&mut kernel, d);
    let lost_before = kernel.client().get_status().unwrap().lost;

    const N: usize = 40_000;
    let rule = add_storm_rule(&mut kernel, "rauditd-kill9");
    // The second half of the storm waits for the restart: the killed daemon's socket can hold
    // all of it, so without the gate the storm could be over before the kill.
    let gate = d.join("storm-gate");
    let mut storm = start_gated_storm(N, N / 2, &gate);
    let count = || key_hits(&read(&log), "rauditd-kill9");
    wait_for("the storm to start", LONG, || count() >= N / 4);
    // Mid-storm: stop the storm and kill -9 the daemon in the same instant (two syscalls, so
    // the daemon is caught with records in flight), start a new one, let the storm go on.
    storm.signal(Signal::STOP);
    first.kill();
    let at_kill = count();
    let mut second = start_daemon(&mut kernel, d);
    storm.signal(Signal::CONT);
    std::fs::write(&gate, b"").unwrap();
    assert!(storm.wait(LONG).success());

    drained(&mut kernel, count);
    kernel.client().delete_rule(&rule).unwrap();
    let lost = kernel.client().get_status().unwrap().lost - lost_before;
    stop_daemon(&mut kernel, &mut second);

    let text = std::fs::read(&log).unwrap();
    assert_eq!(text.last(), Some(&b'\n'), "the log ends in a partial record");
    let text = String::from_utf8_lossy(&text);
    let mut seen = vec![0u32; N];
    for l in text.lines() {
        assert!(
            l.starts_with("type=") && l.matches(" msg=audit(").count() == 1,
            "torn or merged record: {l}"
        );
        if l.starts_with("type=SYSCALL ") && l.contains("key=\"rauditd-kill9\"") {
            assert!(l.ends_with(" key=\"rauditd-kill9\""), "cut record: {l}");
            let a0 = l.split(' ').find_map(|f| f.strip_prefix("a0=")).unwrap();
            seen[usize::from_str_radix(a0, 16).unwrap()] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n <= 1), "a record was written twice");
    let missing: Vec<usize> = (0..N).filter(|&i| seen[i] == 0).collect();
    let starts = text.matches("type=DAEMON_START ").count();
    eprintln!(
        "kill -9: {} of {N} calls written, {} missing {:?}..{:?} ({at_kill} on disk at the kill), kernel lost {lost}, {starts} daemon starts",
        N - missing.len(),
        missing.len(),
        missing.first(),
        missing.last()
    );
    assert_eq!(starts, 2);
    assert_foreign_losses_only(lost, &read(&log));
    if let (Some(&a), Some(&z)) = (missing.first(), missing.last()) {
        assert_eq!(z - a + 1, missing.len(), "missing records are not one run: {missing:?}");
        // Made before the kill: at least the records on disk then came before them, and
        // everything after the run (the calls after the restart) is there.
        // (+1: a last line cut right after its key counted at the kill and was removed.)
        assert!(a + 1 >= at_kill.min(N), "missing run starts at {a}, {at_kill} were on disk");
        assert!(z < N - 1, "the last call, made after the restart, is missing");
        // In flight at most: the kernel queue (backlog_limit; producers wait there), one
        // batch being written, and what the killed daemon's socket held (its receive buffer
        // is doubled by the kernel; an audit record's buffer is at least 1 KiB).
        let socket = 2 * raudit_netlink::EVENT_RECEIVE_BUFFER / 1024;
        let bound = BACKLOG as usize + raudit_daemon::BATCH_RECORDS + socket;
        assert!(missing.len() <= bound, "{} missing, more than {bound} in flight", missing.len());
    }
}

/// The keys of the kernel's rules.
fn kernel_keys(kernel: &mut KernelGuard) -> Vec<String> {
    let rules = kernel.client().list_rules().unwrap();
    rules.iter().filter_map(|r| r.key()).map(|k| String::from_utf8_lossy(k).into_owned()).collect()
}

/// `--load-rules`: once registered, the daemon runs the reference's init flow: augenrules --load
/// (rules.d merged into audit.rules, which is loaded), or audit.rules alone when
/// /etc/default/auditd says USE_AUGENRULES="no". The loaded watch's events reach the log.
#[test]
fn rules_are_loaded_at_start_when_asked() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = config_dir("audit.log", "log_format = RAW\n");
    let d = dir.path();
    let root = d.join("root");
    std::fs::create_dir_all(root.join("etc/audit/rules.d")).unwrap();
    std::fs::create_dir_all(root.join("etc/default")).unwrap();
    let watched = empty_file(&d.join("watched"));
    let w = watched.display();
    std::fs::write(
        root.join("etc/audit/rules.d/10-test.rules"),
        format!("-D\n-b 320\n-w {w} -p wa -k rauditd-rules-d\n"),
    )
    .unwrap();
    let start =
        || DaemonProcess::spawn(rauditd(d, &["-n", "--load-rules"]).env("RAUDIT_ROOT", &root));

    // augenrules --load: merged, then loaded.
    let mut daemon = start();
    wait_for("the merged rules in the kernel", SHORT, || {
        kernel_keys(&mut kernel) == ["rauditd-rules-d"]
    });
    assert_eq!(kernel.client().get_status().unwrap().backlog_limit, 320);
    let merged = std::fs::read_to_string(root.join("etc/audit/audit.rules")).unwrap();
    assert!(
        merged.starts_with("## This file is automatically generated from /etc/audit/rules.d\n")
    );
    assert!(merged.contains("-k rauditd-rules-d"), "{merged}");
    std::fs::write(&watched, "1").unwrap();
    wait_for("the watch's record", SHORT, || key_hits(&read(&log), "rauditd-rules-d") >= 1);
    stop_daemon(&mut kernel, &mut daemon);

    // USE_AUGENRULES="no": audit.rules as it is, rules.d ignored.
    std::fs::write(root.join("etc/default/auditd"), "EXTRAOPTIONS=\"\"\nUSE_AUGENRULES=\"no\"\n")
        .unwrap();
    let own = format!("-D\n-w {w} -p wa -k rauditd-rules-file\n");
    std::fs::write(root.join("etc/audit/audit.rules"), &own).unwrap();
    kernel.client().delete_all_rules().unwrap();
    let mut daemon = start();
    wait_for("audit.rules in the kernel", SHORT, || {
        kernel_keys(&mut kernel) == ["rauditd-rules-file"]
    });
    assert_eq!(std::fs::read_to_string(root.join("etc/audit/audit.rules")).unwrap(), own);
    stop_daemon(&mut kernel, &mut daemon);
}

/// `--multicast`: rauditd reads the kernel's multicast log group without registering (the audit
/// pid stays 0, the enabled flag is left alone), writes what a watch produces, and stops cleanly.
#[test]
fn multicast_reader_logs_without_registering() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = config_dir("log/audit.log", "log_format = RAW\nflush = DATA\n");
    let d = dir.path();
    let watched = empty_file(&d.join("watched"));
    let mut daemon = DaemonProcess::spawn(&mut rauditd(d, &["-n", "--multicast"]));
    wait_for("DAEMON_START", SHORT, || read(&log).contains("type=DAEMON_START "));
    // DAEMON_START is written before the reader joins the group (as the reference writes it
    // before it registers): records made in between never reach it.
    wait_for("the multicast group joined", SHORT, || daemon.joined_audit_multicast());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "a multicast reader registered");
    kernel.client().set_enabled(1).unwrap();
    add_watch(&mut kernel, &watched, "rauditd-multicast");
    const N: usize = 5;
    touch(&watched, N);
    // It timed out when the watch fired before the reader had joined (now waited for above).
    let hits = || key_hits(&read(&log), "rauditd-multicast");
    if !poll_until(SHORT, || hits() == N) {
        let status = kernel.client().get_status();
        panic!("{} of {N} watch records; kernel {status:?}; log:\n{}", hits(), read(&log));
    }
    assert!(daemon.stop(SHORT).success());
    assert!(read(&log).lines().last().is_some_and(|l| l.starts_with("type=DAEMON_END ")));
}
