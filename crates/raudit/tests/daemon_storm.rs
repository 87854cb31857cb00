//! rauditd under a syscall storm with the kernel's default backlog wait:
//! every one of N audited syscalls reaches the log, and the kernel loses
//! nothing. Holds the kernel test lock (KernelGuard).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Stops the daemon (SIGTERM) however the test ends.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = Command::new("kill").arg(self.0.id().to_string()).status();
            let _ = self.0.wait();
        }
    }
}

fn storm_records(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("type=SYSCALL ") && l.contains("key=\"rauditd-storm\""))
        .count()
}

#[test]
fn a_storm_is_written_in_full_without_loss() {
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = d.join("audit.log");
    std::fs::write(
        d.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 50\nspace_left = 2\nadmin_space_left = 1\n",
            log.display()
        ),
    )
    .unwrap();
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
        let mut written = storm_records(&log);
        while written < expected && t.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(200));
            written = storm_records(&log);
        }
        // A moment more, so that extra records would show up too.
        std::thread::sleep(Duration::from_millis(500));
        storm_records(&log)
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
