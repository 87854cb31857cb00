//! The systemd unit: `systemd-analyze verify` accepts it, it keeps the
//! ordering and hardening of Debian's auditd.service, and the daemon tells
//! systemd it is ready (sd_notify READY=1) only once it is registered with
//! the kernel and its log is open.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use raudit_testkit::{DaemonProcess, KernelGuard, skip, workspace_root};

const SHORT: Duration = Duration::from_secs(30);

fn unit_path() -> PathBuf {
    workspace_root().join("crates/raudit/debian/rauditd.service")
}

fn unit_text() -> String {
    std::fs::read_to_string(unit_path()).expect("read the unit")
}

/// `key=value` lines of a unit (comments and sections left out).
fn settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn unit_passes_systemd_analyze_verify() {
    let Ok(found) = Command::new("systemd-analyze").arg("--version").output() else {
        skip::<()>("systemd-analyze is not installed");
        return;
    };
    assert!(found.status.success());
    // The unit as installed, with its ExecStart pointing at the binary just built.
    let dir = tempfile::tempdir().expect("tempdir");
    let unit = dir.path().join("rauditd.service");
    let text = unit_text().replace("/usr/sbin/rauditd", env!("CARGO_BIN_EXE_rauditd"));
    std::fs::write(&unit, text).expect("write");
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .expect("systemd-analyze");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let about_ours: Vec<&str> = stderr.lines().filter(|l| l.contains("rauditd")).collect();
    assert!(out.status.success() && about_ours.is_empty(), "{stderr}");
}

/// Every ordering, condition and hardening setting of the reference's unit is
/// in ours (Conflicts may name more units).
#[test]
fn unit_keeps_auditd_service_settings() {
    let reference = Path::new("/lib/systemd/system/auditd.service");
    let Ok(theirs) = std::fs::read_to_string(reference) else {
        skip::<()>("the reference auditd.service is not installed");
        return;
    };
    let ours = settings(&unit_text());
    let kept = [
        "DefaultDependencies",
        "After",
        "Before",
        "ConditionKernelCommandLine",
        "Restart",
        "RestartPreventExitStatus",
        "MemoryDenyWriteExecute",
        "LockPersonality",
        "ProtectControlGroups",
        "ProtectKernelModules",
        "RestrictRealtime",
        "WantedBy",
    ];
    for (key, value) in settings(&theirs) {
        if kept.contains(&key.as_str()) {
            assert!(ours.contains(&(key.clone(), value.clone())), "{key}={value} missing");
        }
        if key == "Conflicts" {
            let ours_conflicts = ours.iter().find(|(k, _)| k == "Conflicts").expect("Conflicts");
            for unit in value.split_whitespace() {
                assert!(ours_conflicts.1.split_whitespace().any(|u| u == unit), "Conflicts {unit}");
            }
        }
    }
    for (key, value) in [
        ("Type", "notify"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("ExecStart", "/usr/sbin/rauditd -n --load-rules"),
    ] {
        assert!(ours.contains(&(key.to_string(), value.to_string())), "{key}={value}");
    }
}

/// rauditd under `NOTIFY_SOCKET` sends READY=1 once, after it registered and
/// opened its log.
#[test]
fn daemon_notifies_readiness_once_registered() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.log");
    std::fs::write(
        dir.path().join("auditd.conf"),
        format!("log_file = {}\nspace_left = 2\nadmin_space_left = 1\n", log.display()),
    )
    .expect("conf");
    let socket_path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&socket_path).expect("bind");
    socket.set_read_timeout(Some(SHORT)).expect("timeout");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rauditd"));
    cmd.args(["-n", "-c"])
        .arg(dir.path())
        .env("RAUDIT_RUN_DIR", dir.path())
        .env("NOTIFY_SOCKET", &socket_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut daemon = DaemonProcess::spawn(&mut cmd);
    let mut buf = [0u8; 64];
    let n = socket.recv(&mut buf).expect("no READY=1 from rauditd");
    assert_eq!(&buf[..n], b"READY=1");
    // At READY the daemon owns the audit socket and has its log open.
    let status = kernel.client().get_status().expect("status");
    assert_eq!(status.pid, daemon.pid(), "READY=1 before registration");
    assert!(log.exists(), "READY=1 before the log was opened");
    assert!(daemon.stop(SHORT).success());
    assert_eq!(kernel.client().get_status().expect("status").pid, 0, "daemon left registered");
    // Only once: nothing more arrived.
    socket.set_nonblocking(true).expect("nonblocking");
    assert!(socket.recv(&mut buf).is_err(), "a second notification");
}
