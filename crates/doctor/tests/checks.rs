//! The checks on fixed facts: a healthy machine is all ok, and each fault gives its finding.

use std::path::PathBuf;

use raudit_config::{Flush, SpaceThreshold};
use raudit_doctor::facts::{
    Config, Disk, Facts, FileMeta, Journald, KernelSample, Plugin, Rules, Tail,
};
use raudit_doctor::{Check, Status, evaluate};
use raudit_proto::Status as KStatus;

const NOW: u64 = 1_700_000_000;

fn healthy() -> Facts {
    let status = KStatus {
        enabled: 1,
        pid: 4242,
        backlog_limit: 8192,
        backlog: 3,
        backlog_wait_time: Some(60000),
        ..KStatus::default()
    };
    Facts {
        kernel: Some(Ok(KernelSample { first: status, second: status, interval_ms: 1000 })),
        owner_program: Some("rauditd".into()),
        journald: Some(Journald { enabled: false, active: false }),
        rules: Some(Ok(Rules { count: 3, exit_rules: 3, all_syscall_rules: 1, problems: vec![] })),
        config: Some(Ok(Config {
            path: PathBuf::from("/etc/audit/auditd.conf"),
            log_file: PathBuf::from("/var/log/audit/audit.log"),
            log_group: 0,
            flush: Flush::IncrementalAsync,
            freq: 50,
            space_left: SpaceThreshold::Megabytes(75),
            admin_space_left: SpaceThreshold::Megabytes(50),
            write_logs: true,
            plugin_dir: PathBuf::from("/etc/audit/plugins.d"),
        })),
        // 10 GiB free of 40 GiB, 4 KiB blocks.
        disk: Some(Disk { block_size: 4096, blocks: 10 << 18, available: 10 << 18 >> 2 }),
        log_file: Some(FileMeta { mode: 0o600, uid: 0, gid: 0 }),
        log_dir: Some(FileMeta { mode: 0o700, uid: 0, gid: 0 }),
        tail: Some(Tail { last_event: Some(NOW - 5), rate: Some(20.0) }),
        plugins: vec![Plugin {
            name: "syslog.conf".into(),
            path: Some("/sbin/audisp-syslog".into()),
            exists: true,
            executable: true,
            running: Some(true),
        }],
        plugin_errors: vec![],
        now: NOW,
    }
}

fn find<'a>(checks: &'a [Check], id: &str) -> &'a Check {
    checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id} in {checks:#?}"))
}

fn kernel(f: &mut Facts) -> &mut KernelSample {
    f.kernel.as_mut().unwrap().as_mut().unwrap()
}

fn config(f: &mut Facts) -> &mut Config {
    f.config.as_mut().unwrap().as_mut().unwrap()
}

#[test]
fn a_healthy_setup_is_all_ok() {
    let checks = evaluate(&healthy());
    let bad: Vec<&Check> = checks.iter().filter(|c| c.status != Status::Ok).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(
        find(&checks, "socket.owner").finding,
        "the audit socket belongs to pid 4242 (rauditd)"
    );
    assert!(checks.iter().all(|c| c.fix.is_empty()));
    assert_eq!(find(&checks, "plugin.syslog.conf").status, Status::Ok);
}

#[test]
fn kernel_faults() {
    let mut f = healthy();
    kernel(&mut f).second.enabled = 0;
    let c = evaluate(&f);
    assert_eq!(find(&c, "kernel.enabled").status, Status::Fail);
    assert!(find(&c, "kernel.enabled").fix.contains("auditctl -e 1"));

    let mut f = healthy();
    kernel(&mut f).first.lost = 10;
    kernel(&mut f).second.lost = 25;
    let lost = find(&evaluate(&f), "kernel.lost").clone();
    assert_eq!(lost.status, Status::Fail);
    assert!(lost.finding.starts_with("the kernel lost 15 records in 1000 ms"), "{lost:?}");
    // Lost before, not during the sample: a warning.
    kernel(&mut f).first.lost = 25;
    assert_eq!(find(&evaluate(&f), "kernel.lost").status, Status::Warn);

    let mut f = healthy();
    kernel(&mut f).second.backlog_limit = 2;
    let b = find(&evaluate(&f), "kernel.backlog").clone();
    assert_eq!(b.status, Status::Fail);
    assert!(b.finding.contains("backlog_limit 2 is tiny"), "{b:?}");
    kernel(&mut f).second.backlog_limit = 100;
    kernel(&mut f).second.backlog = 90;
    assert_eq!(find(&evaluate(&f), "kernel.backlog").status, Status::Fail);
    kernel(&mut f).second.backlog = 10;
    assert_eq!(find(&evaluate(&f), "kernel.backlog").status, Status::Warn);

    let mut f = healthy();
    kernel(&mut f).second.backlog_wait_time = Some(0);
    kernel(&mut f).second.rate_limit = 100;
    let c = evaluate(&f);
    assert_eq!(find(&c, "kernel.backlog_wait_time").status, Status::Warn);
    assert_eq!(find(&c, "kernel.rate_limit").status, Status::Warn);
    assert!(find(&c, "kernel.rate_limit").finding.contains("beyond 100 per second"));

    let mut f = healthy();
    f.kernel = Some(Err("not permitted".into()));
    let c = evaluate(&f);
    assert_eq!(find(&c, "kernel.status").status, Status::Fail);
}

#[test]
fn socket_owner_and_a_stopped_daemon() {
    let mut f = healthy();
    kernel(&mut f).second.pid = 0;
    let o = find(&evaluate(&f), "socket.owner").clone();
    assert_eq!(o.status, Status::Warn);
    assert!(o.finding.contains("still enabled 1"), "{o:?}");
    // A pid with no process behind it.
    let mut f = healthy();
    f.owner_program = None;
    assert_eq!(find(&evaluate(&f), "socket.owner").status, Status::Fail);
}

#[test]
fn journald_duplicates() {
    let mut f = healthy();
    f.journald = Some(Journald { enabled: true, active: true });
    let j = find(&evaluate(&f), "journald.audit").clone();
    assert_eq!(j.status, Status::Warn);
    assert!(j.finding.contains("logged twice") && j.fix.contains("mask"), "{j:?}");
    f.journald = None;
    assert!(evaluate(&f).iter().all(|c| c.id != "journald.audit"));
}

#[test]
fn rules_without_arch_and_cost() {
    let mut f = healthy();
    f.rules = Some(Ok(Rules {
        count: 40,
        exit_rules: 40,
        all_syscall_rules: 35,
        problems: vec![
            ("-a always,exit -S chmod".into(), "syscall rule without an arch: ...".into()),
            ("-a always,exit -F arch=b64 -S chmod".into(), "duplicate of line 1".into()),
        ],
    }));
    let c = evaluate(&f);
    let arch = find(&c, "rules.arch");
    assert_eq!(arch.status, Status::Warn);
    assert!(
        arch.finding
            .starts_with("1 syscall rule(s) without -F arch, first: -a always,exit -S chmod")
    );
    assert!(find(&c, "rules.lint").finding.contains("duplicate of line 1"));
    // 40 * 5 + 35 * 26 = 1110 ns.
    let cost = find(&c, "rules.cost");
    assert_eq!(cost.status, Status::Warn);
    assert!(cost.finding.starts_with("about 1110 ns"), "{cost:?}");
}

#[test]
fn disk_space_against_thresholds_and_percentages() {
    let mut f = healthy();
    // 60 MB free: below space_left (75), above admin_space_left (50).
    f.disk = Some(Disk { block_size: 4096, blocks: 1 << 20, available: 60 * 256 });
    assert_eq!(find(&evaluate(&f), "disk.space").status, Status::Warn);
    f.disk = Some(Disk { block_size: 4096, blocks: 1 << 20, available: 50 * 256 });
    assert_eq!(find(&evaluate(&f), "disk.space").status, Status::Fail);
    // Percentages of a 4 GiB filesystem: 25% = 1024 MB, 5% = 204 MB.
    config(&mut f).space_left = SpaceThreshold::Percent(25);
    config(&mut f).admin_space_left = SpaceThreshold::Percent(5);
    f.disk = Some(Disk { block_size: 4096, blocks: 1 << 20, available: 1000 * 256 });
    let d = find(&evaluate(&f), "disk.space").clone();
    assert_eq!(d.status, Status::Warn);
    assert!(d.finding.contains("space_left 1024 MB, admin_space_left 204 MB"), "{d:?}");
}

#[test]
fn log_modes_and_owner() {
    let mut f = healthy();
    f.log_file = Some(FileMeta { mode: 0o644, uid: 0, gid: 0 });
    assert_eq!(find(&evaluate(&f), "log.file").status, Status::Fail);
    // Group-readable without a log_group, or the wrong group.
    f.log_file = Some(FileMeta { mode: 0o640, uid: 0, gid: 4 });
    assert_eq!(find(&evaluate(&f), "log.file").status, Status::Warn);
    config(&mut f).log_group = 4;
    assert_eq!(find(&evaluate(&f), "log.file").status, Status::Ok);
    f.log_dir = Some(FileMeta { mode: 0o755, uid: 0, gid: 0 });
    assert_eq!(find(&evaluate(&f), "log.dir").status, Status::Fail);
}

#[test]
fn flush_against_rate_and_last_event() {
    let mut f = healthy();
    config(&mut f).flush = Flush::None;
    assert_eq!(find(&evaluate(&f), "log.flush").status, Status::Warn);
    config(&mut f).flush = Flush::Incremental;
    config(&mut f).freq = 1000;
    f.tail = Some(Tail { last_event: Some(NOW), rate: Some(2.0) });
    let fl = find(&evaluate(&f), "log.flush").clone();
    assert_eq!(fl.status, Status::Warn);
    assert!(fl.finding.contains("a flush every 500 s"), "{fl:?}");
    config(&mut f).flush = Flush::Sync;
    f.tail = Some(Tail { last_event: Some(NOW), rate: Some(20000.0) });
    assert_eq!(find(&evaluate(&f), "log.flush").status, Status::Warn);

    f.tail = Some(Tail { last_event: Some(NOW - 3 * 24 * 3600), rate: None });
    assert_eq!(find(&evaluate(&f), "log.last_event").status, Status::Warn);
    f.tail = None;
    assert_eq!(find(&evaluate(&f), "log.last_event").status, Status::Warn);
}

#[test]
fn plugins_health() {
    let mut f = healthy();
    f.plugins[0].running = Some(false);
    assert_eq!(find(&evaluate(&f), "plugin.syslog.conf").status, Status::Fail);
    f.plugins[0].executable = false;
    assert!(find(&evaluate(&f), "plugin.syslog.conf").finding.ends_with("is not executable"));
    f.plugins[0].exists = false;
    assert!(find(&evaluate(&f), "plugin.syslog.conf").finding.ends_with("does not exist"));
    f.plugins[0] = Plugin { name: "af_unix.conf".into(), ..Plugin::default() };
    assert_eq!(find(&evaluate(&f), "plugin.af_unix.conf").status, Status::Ok);
    assert!(evaluate(&f).iter().all(|c| c.id != "plugins.d"));
    f.plugin_errors = vec!["Skipping x.conf plugin due to errors".into()];
    assert_eq!(find(&evaluate(&f), "plugins.d").status, Status::Fail);
}

#[test]
fn a_config_that_does_not_load_fails() {
    let mut f = healthy();
    f.config = Some(Err("Unknown keyword \"foo\"".into()));
    assert_eq!(find(&evaluate(&f), "config").status, Status::Fail);
}
