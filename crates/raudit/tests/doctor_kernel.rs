//! `raudit doctor` against the real kernel: a faulty state (auditing off, a tiny backlog, a
//! syscall rule without an arch, a missing plugin) is reported and exits 1; a healthy setup
//! (rauditd running with a plugin, a watch, a fresh log) is ok. Also: a second daemon names
//! the first. Holds the kernel test lock (KernelGuard).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod common;

use raudit_testkit::{DaemonProcess, KernelGuard, poll_until, wait_for};

const SHORT: Duration = Duration::from_secs(30);

fn doctor(dir: &Path) -> (Output, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_raudit"))
        .args(["doctor", "--format", "json", "--interval", "100", "-c"])
        .arg(dir)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out, json)
}

/// (status, finding) of the check `id`.
fn check(json: &serde_json::Value, id: &str) -> (String, String) {
    let c = json
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {json:#}"));
    (c["status"].as_str().unwrap().into(), c["finding"].as_str().unwrap().into())
}

/// auditd.conf with the log in DIR/log and plugins in DIR/plugins.d, one plugin `NAME` running
/// `program`.
fn config_dir(program: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("log")).unwrap();
    std::fs::create_dir_all(d.join("plugins.d")).unwrap();
    std::fs::write(
        d.join("plugins.d/reader.conf"),
        format!(
            "active = yes\ndirection = out\npath = {program}\ntype = always\nformat = string\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 50\n\
             space_left = 2\nadmin_space_left = 1\nplugin_dir = {}\n",
            d.join("log/audit.log").display(),
            d.join("plugins.d").display()
        ),
    )
    .unwrap();
    dir
}

#[test]
fn doctor_reports_a_faulty_kernel_state_and_fails() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let dir = config_dir("/nonexistent/plugin");
    let c = kernel.client();
    c.set_enabled(0).unwrap();
    c.set_backlog_limit(2).unwrap();
    let mut b = raudit_rules::RuleBuilder::new();
    b.list_action(raudit_rules::RuleOp::Add, "always,exit").unwrap();
    b.syscall("chmod").unwrap();
    b.key("doctor-noarch").unwrap();
    let (_, rule) = b.finish().unwrap();
    c.add_rule(&rule).unwrap();

    let (out, json) = doctor(dir.path());
    assert_eq!(out.status.code(), Some(1), "{json:#}");
    assert_eq!(check(&json, "kernel.enabled").0, "fail");
    let (status, finding) = check(&json, "kernel.backlog");
    assert_eq!(status, "fail");
    assert!(finding.contains("backlog_limit 2 is tiny"), "{finding}");
    let (status, finding) = check(&json, "rules.arch");
    assert_eq!(status, "warn");
    assert!(finding.contains("-S chmod") && finding.contains("doctor-noarch"), "{finding}");
    // The daemon would skip the plugin whose program is missing.
    let (status, finding) = check(&json, "plugins.d");
    assert_eq!(status, "fail");
    assert!(finding.contains("Skipping reader.conf plugin due to errors"), "{finding}");
    // The text form says the fix under each problem.
    let text = Command::new(env!("CARGO_BIN_EXE_raudit"))
        .args(["doctor", "--interval", "10", "-c"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("fail  kernel.enabled: ") && text.contains("      fix: auditctl -e 1"));
}

#[test]
fn doctor_finds_a_healthy_setup_ok() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    c.set_backlog_limit(8192).unwrap();
    c.set_backlog_wait_time(60000).unwrap();
    c.set_rate_limit(0).unwrap();
    let cat = std::fs::canonicalize("/bin/cat").unwrap();
    let dir = config_dir(cat.to_str().unwrap());
    let d = dir.path();
    let watched = d.join("watched");
    std::fs::write(&watched, "").unwrap();
    let mut b = raudit_rules::RuleBuilder::new();
    b.watch(watched.to_str().unwrap(), false).unwrap();
    b.perm("wa").unwrap();
    b.key("doctor-test").unwrap();
    let (_, rule) = b.finish().unwrap();
    c.add_rule(&rule).unwrap();

    let mut daemon = DaemonProcess::spawn(
        common::rauditd(&["-n", "-c"])
            .arg(d)
            .env("RAUDIT_RUN_DIR", d)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    daemon.wait_registered(&mut kernel, SHORT);
    std::fs::write(&watched, "x").unwrap();
    let log = d.join("log/audit.log");
    wait_for("the watch's event in the log", SHORT, || {
        std::fs::read_to_string(&log).unwrap_or_default().contains("key=\"doctor-test\"")
    });
    // The plugin runs as a child of the daemon's worker (the supervisor's child) once started.
    let daemon_pid = daemon.pid();
    let parent_of = |p: &str| {
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        let after = stat.rfind(')').map(|i| stat[i + 2..].to_string()).unwrap_or_default();
        after.split(' ').nth(1).and_then(|v| v.parse::<u32>().ok())
    };
    let plugin_running = poll_until(SHORT, || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let parent = parent_of(&name);
            let grandparent = parent.and_then(|p| parent_of(&p.to_string()));
            (parent == Some(daemon_pid) || grandparent == Some(daemon_pid))
                && std::fs::read_link(e.path().join("exe")).is_ok_and(|x| x == cat)
        })
    });
    assert!(plugin_running, "the plugin did not start");

    let (out, json) = doctor(d);
    for id in [
        "kernel.enabled",
        "kernel.backlog",
        "kernel.backlog_wait_time",
        "kernel.rate_limit",
        "socket.owner",
        "rules.arch",
        "rules.cost",
        "disk.space",
        "log.file",
        "log.flush",
        "log.last_event",
        "plugin.reader.conf",
    ] {
        assert_eq!(check(&json, id).0, "ok", "{id}: {json:#}");
    }
    let owner = check(&json, "socket.owner").1;
    assert_eq!(owner, format!("the audit socket belongs to pid {} (rauditd)", daemon.pid()));
    assert_eq!(out.status.code(), Some(0), "{json:#}");

    // A second daemon is refused (EEXIST) and names the first.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("auditd.conf"),
        "write_logs = no\nspace_left = 2\nadmin_space_left = 1\n",
    )
    .unwrap();
    let second = common::rauditd(&["-n", "-s", "nochange", "-c"])
        .arg(other.path())
        .env("RAUDIT_RUN_DIR", other.path())
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains(&format!("the audit socket belongs to pid {} (rauditd)", daemon.pid())),
        "{said}"
    );

    assert!(daemon.stop(SHORT).success());
    // Stopped, the daemon leaves the kernel enabled (as auditd does): doctor says so.
    let (_, json) = doctor(d);
    let (status, finding) = check(&json, "socket.owner");
    assert_eq!(status, "warn");
    assert!(finding.contains("still enabled 1"), "{finding}");
}
