//! rauditd against the real kernel: registers, writes what a watch rule produces, rotates on
//! SIGUSR1, reports state on SIGCONT, stops on SIGTERM with DAEMON_END, unregisters, and the
//! reference ausearch reads the log. Holds the kernel test lock (KernelGuard).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops the daemon (SIGTERM) if the test ends early, so it never stays registered.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = Command::new("kill").arg(self.0.id().to_string()).status();
            let _ = self.0.wait();
        }
    }
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
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("log")).unwrap();
    let log = d.join("log/audit.log");
    std::fs::write(
        d.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nflush = SYNC\nnum_logs = 4\n\
             space_left = 2\nadmin_space_left = 1\n",
            log.display()
        ),
    )
    .unwrap();
    let watched = d.join("watched");
    std::fs::write(&watched, "").unwrap();

    let child = Command::new(env!("CARGO_BIN_EXE_rauditd"))
        .args(["-n", "-c"])
        .arg(d)
        .env("RAUDIT_RUN_DIR", d)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Daemon(child);
    let pid = child.0.id();
    wait_for("registration", || kernel.client().get_status().is_ok_and(|s| s.pid == pid));
    assert_eq!(std::fs::read_to_string(d.join("auditd.pid")).unwrap(), format!("{pid}\n"));
    // priority_boost (code default 4): the daemon runs at nice -4.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    assert_eq!(after_comm.split(' ').nth(16), Some("-4"), "{stat}");

    let mut b = raudit_rules::RuleBuilder::new();
    b.watch(watched.to_str().unwrap(), false).unwrap();
    b.perm("wa").unwrap();
    b.key("rauditd-test").unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
    const N: usize = 7;
    for i in 0..N {
        let mut f = std::fs::OpenOptions::new().append(true).open(&watched).unwrap();
        writeln!(f, "{i}").unwrap();
    }
    let t = Instant::now();
    while watch_hits(&std::fs::read_to_string(&log).unwrap_or_default()) != N {
        let st = kernel.client().get_status().unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "records not on disk; status {st:?}; log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
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

    // SIGUSR1: rotate, DAEMON_ROTATE first in the new file.
    let kill = |sig: &str| {
        assert!(
            Command::new("kill").args(["-s", sig, &pid.to_string()]).status().unwrap().success()
        )
    };
    kill("USR1");
    let rotated = d.join("log/audit.log.1");
    wait_for("rotation", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.starts_with("type=DAEMON_ROTATE "))
    });
    // SIGHUP with a changed file: DAEMON_CONFIG; SIGUSR2: DAEMON_RESUME.
    let conf = std::fs::read_to_string(d.join("auditd.conf")).unwrap();
    let conf = conf.replace("flush = SYNC", "flush = DATA");
    std::fs::write(
        d.join("auditd.conf"),
        conf.replace("log_format = RAW", "log_format = ENRICHED"),
    )
    .unwrap();
    kill("HUP");
    wait_for("reconfigure", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("op=reconfigure state=changed"))
    });
    // Now ENRICHED: the records carry their names after 0x1D.
    let mut f = std::fs::OpenOptions::new().append(true).open(&watched).unwrap();
    writeln!(f, "enriched").unwrap();
    wait_for("an enriched record", || {
        std::fs::read_to_string(&log).is_ok_and(|t| {
            t.lines().any(|l| {
                l.starts_with("type=SYSCALL ")
                    && l.contains("key=\"rauditd-test\"\u{1d}ARCH=x86_64 SYSCALL=")
                    && l.contains(" UID=\"root\"")
            })
        })
    });
    kill("USR2");
    wait_for("resume", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("op=resume-logging auid="))
    });
    kill("TERM");
    let status = child.0.wait().unwrap();
    assert!(status.success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");
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
    let rs = Command::new("ausearch")
        .args(["-if"])
        .arg(d.join("log"))
        .args(["-k", "rauditd-test", "--raw"])
        .output();
    if let Ok(rs) = rs {
        let text = String::from_utf8_lossy(&rs.stdout);
        assert_eq!(watch_hits(&text), N + 1, "{text}");
        // Interpreted, the reference and raudit read our RAW and ENRICHED
        // records alike (names stored by our enricher included).
        let interpreted = |program: &str, tool: &[&str]| {
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
        let reference = interpreted("ausearch", &[]);
        let ours = interpreted(env!("CARGO_BIN_EXE_raudit"), &["search"]);
        assert!(!reference.is_empty());
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&reference));
    }
}

#[test]
fn foreground_writes_records_to_stdout() {
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    kernel.client().set_enabled(1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("log")).unwrap();
    let log = d.join("log/audit.log");
    std::fs::write(
        d.join("auditd.conf"),
        format!("log_file = {}\nspace_left = 2\nadmin_space_left = 1\n", log.display()),
    )
    .unwrap();
    let watched = d.join("watched");
    std::fs::write(&watched, "").unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_rauditd"))
        .args(["-f", "-s", "nochange", "-c"])
        .arg(d)
        .env("RAUDIT_RUN_DIR", d)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Daemon(child);
    let pid = child.0.id();
    wait_for("registration", || kernel.client().get_status().is_ok_and(|s| s.pid == pid));
    let mut b = raudit_rules::RuleBuilder::new();
    b.watch(watched.to_str().unwrap(), false).unwrap();
    b.perm("wa").unwrap();
    b.key("rauditd-test").unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
    const N: usize = 3;
    for i in 0..N {
        let mut f = std::fs::OpenOptions::new().append(true).open(&watched).unwrap();
        writeln!(f, "{i}").unwrap();
    }
    // Let the records reach the daemon before stopping it (TERM drains the socket anyway).
    std::thread::sleep(Duration::from_millis(200));
    assert!(Command::new("kill").arg(pid.to_string()).status().unwrap().success());
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.0.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    assert!(child.0.wait().unwrap().success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0);
    assert!(stdout.starts_with("type=DAEMON_START msg=audit("), "{stdout}");
    assert!(stdout.lines().last().unwrap().starts_with("type=DAEMON_END "), "{stdout}");
    assert_eq!(watch_hits(&stdout), N, "{stdout}");
    assert!(!log.exists(), "foreground mode must not open the log");
}

/// A private config dir for the storm tests: RAW, INCREMENTAL_ASYNC, its
/// `audit.log` beside the config.
fn storm_config() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(
        dir.path().join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 50\nspace_left = 2\nadmin_space_left = 1\n",
            log.display()
        ),
    )
    .unwrap();
    (dir, log)
}

/// Under a syscall storm with the kernel's default backlog wait, every one
/// of N audited syscalls reaches the log and the kernel loses nothing.
#[test]
fn a_storm_is_written_in_full_without_loss() {
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let (dir, log) = storm_config();
    let d = dir.path();
    // The kernel's defaults: a small backlog and the default wait, so the
    // daemon sets the pace and nothing may be dropped.
    kernel.client().set_backlog_limit(64).unwrap();
    kernel.client().set_backlog_wait_time(60 * 250).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_rauditd"))
        .args(["-n", "-c"])
        .arg(d)
        .env("RAUDIT_RUN_DIR", d)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let daemon = Daemon(child);
    let pid = daemon.0.id();
    let t = Instant::now();
    while !kernel.client().get_status().is_ok_and(|s| s.pid == pid) {
        assert!(t.elapsed() < Duration::from_secs(10), "the daemon did not register");
        std::thread::sleep(Duration::from_millis(20));
    }
    let lost_before = kernel.client().get_status().unwrap().lost;

    // getppid from a child of this test process, N times.
    const N: usize = 20_000;
    let mut b = raudit_rules::RuleBuilder::new();
    b.list_action(raudit_rules::RuleOp::Add, "always,exit").unwrap();
    b.field("arch=b64").unwrap();
    b.syscall("getppid").unwrap();
    b.field(&format!("ppid={}", std::process::id())).unwrap();
    b.key("rauditd-storm").unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
    let storm = |n: usize| {
        let script = format!("import os\nfor _ in range({n}): os.getppid()\n");
        assert!(Command::new("python3").arg("-c").arg(script).status().unwrap().success());
    };
    let settle = |expected: usize| {
        let t = Instant::now();
        let mut written =
            key_hits(&std::fs::read_to_string(&log).unwrap_or_default(), "rauditd-storm");
        while written < expected && t.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(200));
            written = key_hits(&std::fs::read_to_string(&log).unwrap_or_default(), "rauditd-storm");
        }
        // A moment more, so that extra records would show up too.
        std::thread::sleep(Duration::from_millis(500));
        key_hits(&std::fs::read_to_string(&log).unwrap_or_default(), "rauditd-storm")
    };
    // Python calls getppid a few times on its own: count that first.
    storm(0);
    let startup = settle(1);
    storm(N);
    let written = settle(2 * startup + N) - startup;
    kernel.client().delete_rule(&rule).unwrap();
    let expected = startup + N;
    let lost_after = kernel.client().get_status().unwrap().lost;
    drop(daemon);
    eprintln!(
        "storm: {written} of {expected} records written ({startup} from the interpreter), kernel lost {}",
        lost_after - lost_before
    );
    assert_eq!(written, expected, "every audited syscall must reach the log");
    assert_eq!(lost_after, lost_before, "the kernel lost records");
}

fn spawn_daemon(d: &std::path::Path) -> Daemon {
    let child = Command::new(env!("CARGO_BIN_EXE_rauditd"))
        .args(["-n", "-c"])
        .arg(d)
        .env("RAUDIT_RUN_DIR", d)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Daemon(child)
}

/// Kills (SIGKILL) a child process if the test ends early: the storm must not outlive it.
struct Storm(std::process::Child);

impl Drop for Storm {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = Command::new("kill").args(["-s", "KILL", &self.0.id().to_string()]).status();
            let _ = self.0.wait();
        }
    }
}

fn signal(pid: u32, sig: &str) {
    assert!(Command::new("kill").args(["-s", sig, &pid.to_string()]).status().unwrap().success());
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
/// in the log; the kernel's lost counter did not move (the default backlog wait paces the
/// storm, so the backlog never overflows).
#[test]
fn kill_9_mid_storm_then_restart_tears_nothing_and_loses_only_what_was_in_flight() {
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let (dir, log) = storm_config();
    let d = dir.path();
    const BACKLOG: u32 = 64;
    kernel.client().set_backlog_limit(BACKLOG).unwrap();
    kernel.client().set_backlog_wait_time(60 * 250).unwrap();
    let registered = |kernel: &mut raudit_testkit::KernelGuard, pid: u32| {
        let t = Instant::now();
        while !kernel.client().get_status().is_ok_and(|s| s.pid == pid) {
            assert!(t.elapsed() < Duration::from_secs(10), "the daemon did not register");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    let first = spawn_daemon(d);
    let first_pid = first.0.id();
    registered(&mut kernel, first_pid);
    let lost_before = kernel.client().get_status().unwrap().lost;

    // getppid(i, 0x5eed) from a child of this test: the rule matches only the tagged calls,
    // and a0 numbers them.
    const N: usize = 40_000;
    const TAG: u32 = 0x5eed;
    let mut b = raudit_rules::RuleBuilder::new();
    b.list_action(raudit_rules::RuleOp::Add, "always,exit").unwrap();
    b.field("arch=b64").unwrap();
    b.syscall("getppid").unwrap();
    b.field(&format!("ppid={}", std::process::id())).unwrap();
    b.field(&format!("a1={TAG}")).unwrap();
    b.key("rauditd-kill9").unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
    let script = format!(
        "import ctypes\nsc = ctypes.CDLL(None).syscall\nfor i in range({N}): sc(110, i, {TAG})\n"
    );
    let storm = Storm(Command::new("python3").arg("-c").arg(script).spawn().unwrap());
    let storm_pid = storm.0.id();
    let count = || key_hits(&std::fs::read_to_string(&log).unwrap_or_default(), "rauditd-kill9");
    let t = Instant::now();
    while count() < N / 4 {
        assert!(t.elapsed() < Duration::from_secs(30), "the storm did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Mid-storm: stop the storm and kill -9 the daemon in the same instant (two syscalls, so
    // the daemon is caught with records in flight), start a new one, let the storm go on.
    // SAFETY: kill(2) on the pids of two children this test started and has not reaped.
    unsafe {
        libc::kill(storm_pid as libc::pid_t, libc::SIGSTOP);
        libc::kill(first_pid as libc::pid_t, libc::SIGKILL);
    }
    let mut first = first;
    let _ = first.0.wait();
    let at_kill = count();
    let second = spawn_daemon(d);
    registered(&mut kernel, second.0.id());
    signal(storm_pid, "CONT");
    let mut storm = storm;
    assert!(storm.0.wait().unwrap().success());

    // Drained: the kernel queue is empty and the log stops growing.
    let mut prev = usize::MAX;
    let t = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let n = count();
        if n == prev && kernel.client().get_status().unwrap().backlog == 0 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "the log never settled");
        prev = n;
    }
    kernel.client().delete_rule(&rule).unwrap();
    let lost = kernel.client().get_status().unwrap().lost - lost_before;
    drop(second);
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");

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
    assert_eq!(lost, 0, "the kernel lost records");
    if let (Some(&a), Some(&z)) = (missing.first(), missing.last()) {
        assert_eq!(z - a + 1, missing.len(), "missing records are not one run: {missing:?}");
        // Made before the kill: at least the records on disk then came before them, and
        // everything after the run (the calls after the restart) is there.
        // (+1: a last line cut right after its key counted at the kill and was removed.)
        assert!(a + 1 >= at_kill.min(N), "missing run starts at {a}, {at_kill} were on disk");
        assert!(z < N - 1, "the last call, made after the restart, is missing");
        // In flight at most: the kernel queue (backlog_limit; producers wait there), one
        // batch being written, and what the killed daemon's socket held (its 8 MiB buffer
        // is doubled by the kernel; an audit record's buffer is at least 1 KiB).
        let socket = 2 * raudit_netlink::EVENT_RECEIVE_BUFFER / 1024;
        let bound = BACKLOG as usize + raudit_daemon::BATCH_RECORDS + socket;
        assert!(missing.len() <= bound, "{} missing, more than {bound} in flight", missing.len());
    }
}

/// The keys of the kernel's rules.
fn kernel_keys(kernel: &mut raudit_testkit::KernelGuard) -> Vec<String> {
    let rules = kernel.client().list_rules().unwrap();
    rules.iter().filter_map(|r| r.key()).map(|k| String::from_utf8_lossy(k).into_owned()).collect()
}

/// `--load-rules`: once registered, the daemon runs the reference's init flow: augenrules --load
/// (rules.d merged into audit.rules, which is loaded), or audit.rules alone when
/// /etc/default/auditd says USE_AUGENRULES="no". The loaded watch's events reach the log.
#[test]
fn rules_are_loaded_at_start_when_asked() {
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = d.join("audit.log");
    std::fs::write(
        d.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nspace_left = 2\nadmin_space_left = 1\n",
            log.display()
        ),
    )
    .unwrap();
    let root = d.join("root");
    std::fs::create_dir_all(root.join("etc/audit/rules.d")).unwrap();
    std::fs::create_dir_all(root.join("etc/default")).unwrap();
    let watched = d.join("watched");
    std::fs::write(&watched, "").unwrap();
    let w = watched.display();
    std::fs::write(
        root.join("etc/audit/rules.d/10-test.rules"),
        format!("-D\n-b 320\n-w {w} -p wa -k rauditd-rules-d\n"),
    )
    .unwrap();
    let start = || {
        let child = Command::new(env!("CARGO_BIN_EXE_rauditd"))
            .args(["-n", "--load-rules", "-c"])
            .arg(d)
            .env("RAUDIT_RUN_DIR", d)
            .env("RAUDIT_ROOT", &root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Daemon(child)
    };
    let stop = |mut daemon: Daemon| {
        signal(daemon.0.id(), "TERM");
        assert!(daemon.0.wait().unwrap().success());
    };

    // augenrules --load: merged, then loaded.
    let daemon = start();
    wait_for("the merged rules in the kernel", || kernel_keys(&mut kernel) == ["rauditd-rules-d"]);
    assert_eq!(kernel.client().get_status().unwrap().backlog_limit, 320);
    let merged = std::fs::read_to_string(root.join("etc/audit/audit.rules")).unwrap();
    assert!(
        merged.starts_with("## This file is automatically generated from /etc/audit/rules.d\n")
    );
    assert!(merged.contains("-k rauditd-rules-d"), "{merged}");
    std::fs::write(&watched, "1").unwrap();
    wait_for("the watch's record", || {
        key_hits(&std::fs::read_to_string(&log).unwrap_or_default(), "rauditd-rules-d") >= 1
    });
    stop(daemon);

    // USE_AUGENRULES="no": audit.rules as it is, rules.d ignored.
    std::fs::write(root.join("etc/default/auditd"), "EXTRAOPTIONS=\"\"\nUSE_AUGENRULES=\"no\"\n")
        .unwrap();
    let own = format!("-D\n-w {w} -p wa -k rauditd-rules-file\n");
    std::fs::write(root.join("etc/audit/audit.rules"), &own).unwrap();
    kernel.client().delete_all_rules().unwrap();
    let daemon = start();
    wait_for("audit.rules in the kernel", || kernel_keys(&mut kernel) == ["rauditd-rules-file"]);
    assert_eq!(std::fs::read_to_string(root.join("etc/audit/audit.rules")).unwrap(), own);
    stop(daemon);
}
