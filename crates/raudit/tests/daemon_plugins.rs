//! rauditd with a real plugin: laurel (Debian `laurel`) in plugins.d gets every event of a
//! getppid storm, and what it writes from the daemon's dispatcher equals what it writes when fed
//! the daemon's own log. Holds the kernel test lock (KernelGuard), which restores the audit state.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use raudit_testkit::{DaemonProcess, laurel_config, wait_for};

const RAUDITD: &str = env!("CARGO_BIN_EXE_rauditd");
const LAUREL: &str = "/usr/sbin/laurel";
const KEY: &str = "raudit-plugin-storm";

/// Serials of the syscall events laurel wrote that carry the storm's key.
fn storm_ids(json: &str) -> BTreeSet<u64> {
    json.lines()
        .filter(|l| l.contains(KEY) && l.contains("\"SYSCALL\":{") && !l.contains("CONFIG_CHANGE"))
        .filter_map(|l| {
            let i = l.find("\"ID\":\"")? + 6;
            let rest = &l[i..];
            rest[rest.find(':')? + 1..rest.find('"')?].parse().ok()
        })
        .collect()
}

/// Serials of the storm's SYSCALL records in the daemon's log.
fn log_ids(log: &str) -> BTreeSet<u64> {
    let key = format!("key=\"{KEY}\"");
    log.lines()
        .filter(|l| l.starts_with("type=SYSCALL ") && l.contains(&key))
        .filter_map(|l| l.split_once("):")?.0.rsplit(':').next()?.parse().ok())
        .collect()
}

#[test]
fn laurel_under_rauditd_gets_every_storm_event() {
    if !Path::new(LAUREL).exists() {
        raudit_testkit::skip::<()>(format!("{LAUREL} is not installed"));
        return;
    }
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let via = d.join("via-daemon");
    let cfg = laurel_config(&via);
    std::fs::create_dir(d.join("plugins.d")).unwrap();
    std::fs::write(
        d.join("plugins.d/laurel.conf"),
        format!(
            "active = yes\ndirection = out\npath = {LAUREL}\ntype = always\nargs = -c {}\nformat = string\n",
            cfg.display()
        ),
    )
    .unwrap();
    // Misbehaving neighbours: one that never reads, one that exits at once, one whose file is
    // world-writable (skipped). The log and laurel must not notice them.
    let plugin = |name: &str, path: &str, args: &str| {
        let file = d.join("plugins.d").join(name);
        std::fs::write(
            &file,
            format!("active = yes\ndirection = out\npath = {path}\ntype = always\nargs = {args}\nformat = string\n"),
        )
        .unwrap();
        file
    };
    plugin("never-reads.conf", "/usr/bin/sleep", "3600");
    plugin("exits.conf", "/usr/bin/true", "now");
    let open = plugin("open.conf", "/usr/bin/cat", "-u");
    std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    let log = d.join("audit.log");
    std::fs::write(
        d.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 50\nq_depth = 20000\n\
             space_left = 2\nadmin_space_left = 1\nplugin_dir = {}\n",
            log.display(),
            d.join("plugins.d").display()
        ),
    )
    .unwrap();
    let mut daemon = DaemonProcess::spawn(
        Command::new(RAUDITD)
            .args(["-n", "-c"])
            .arg(d)
            .env("RAUDIT_RUN_DIR", d)
            .stderr(std::fs::File::create(d.join("stderr")).unwrap()),
    );
    daemon.wait_registered(&mut kernel, Duration::from_secs(10));

    // The storm: a shell loop of getppid calls under a rule with the test's key.
    let storm = Command::new("perl")
        .args(["-e", "sleep 1; getppid() for 1..3000;"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let storm_pid = storm.id();
    let mut b = raudit_rules::RuleBuilder::new();
    b.list_action(raudit_rules::RuleOp::Add, "always,exit").unwrap();
    b.field("arch=b64").unwrap();
    b.syscall("getppid").unwrap();
    b.field(&format!("pid={storm_pid}")).unwrap();
    b.key(KEY).unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
    let out = storm.wait_with_output().unwrap();
    assert!(out.status.success());
    wait_for("the storm in the log", Duration::from_secs(30), || {
        log_ids(&std::fs::read_to_string(&log).unwrap_or_default()).len() >= 3000
    });
    // TERM: the daemon writes its end record, then the plugins get EOF and finish.
    daemon.stop(Duration::from_secs(20));

    let said = std::fs::read_to_string(d.join("stderr")).unwrap();
    assert!(said.contains("Skipping open.conf plugin due to errors"), "{said}");
    assert!(said.contains("plugin /usr/bin/true has exceeded max_restarts"), "{said}");
    let written = std::fs::read_to_string(&log).unwrap();
    let want = log_ids(&written);
    assert_eq!(want.len(), 3000, "storm events in the daemon's log");
    let got = std::fs::read_to_string(via.join("audit.json")).unwrap();
    let seen = storm_ids(&got);
    let missing: Vec<_> = want.difference(&seen).take(5).collect();
    let extra: Vec<_> = seen.difference(&want).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "laurel saw {} storm events, the log has {}; missing {missing:?}, extra {extra:?}",
        seen.len(),
        want.len()
    );

    // laurel fed the daemon's log directly writes the same storm events.
    let direct = d.join("direct");
    let cfg2 = laurel_config(&direct);
    let st = Command::new(LAUREL)
        .arg("-c")
        .arg(&cfg2)
        .stdin(std::fs::File::open(&log).unwrap())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let direct_out = std::fs::read_to_string(direct.join("audit.json")).unwrap();
    let storm_lines =
        |t: &str| t.lines().filter(|l| l.contains(KEY)).map(String::from).collect::<Vec<_>>();
    assert!(
        storm_lines(&got) == storm_lines(&direct_out),
        "laurel's storm events differ between the dispatcher and the daemon's log"
    );
}
