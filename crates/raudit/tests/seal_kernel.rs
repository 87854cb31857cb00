//! `rauditd --seal` against the real kernel: the logs it writes while a watch rule fires,
//! through a rotation, idle heartbeats and a stop, verify whole with `raudit verify`, and the
//! reference's ausearch reads them. Also: a key others may read is refused. Holds the kernel
//! test lock (KernelGuard) where it registers.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use raudit_testkit::{DaemonProcess, KernelGuard, Signal, reference_tool, wait_for};

const SHORT: Duration = Duration::from_secs(30);
const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");

fn key_file(dir: &Path, mode: u32) -> PathBuf {
    let p = dir.join("seal.key");
    std::fs::write(&p, b"a key of thirty-two bytes, test.").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

fn config(dir: &Path) -> PathBuf {
    let log = dir.join("log/audit.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(
        dir.join("auditd.conf"),
        format!(
            "log_file = {}\nnum_logs = 4\nflush = DATA\nspace_left = 2\nadmin_space_left = 1\n",
            log.display()
        ),
    )
    .unwrap();
    log
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn a_key_others_can_read_is_refused() {
    let d = tempfile::tempdir().unwrap();
    config(d.path());
    let key = key_file(d.path(), 0o644);
    let out = common::rauditd(&["-f", "--seal", key.to_str().unwrap()])
        .arg("-c")
        .arg(d.path())
        .env("RAUDIT_RUN_DIR", d.path())
        .output()
        .unwrap();
    if out.status.code() == Some(4) {
        raudit_testkit::skip::<()>("rauditd needs root");
        return;
    }
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("must be readable by its owner only (mode 0600; it is 0644)"), "{err}");
}

#[test]
fn the_daemon_seals_what_the_kernel_sends() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let d = tempfile::tempdir().unwrap();
    let log = config(d.path());
    let key = key_file(d.path(), 0o600);
    let watched = d.path().join("watched");
    std::fs::write(&watched, "").unwrap();

    let args =
        ["-n", "--seal", key.to_str().unwrap(), "--seal-records", "5", "--seal-heartbeat", "1"];
    let mut cmd = common::rauditd(&args);
    cmd.arg("-c").arg(d.path()).env("RAUDIT_RUN_DIR", d.path());
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let mut daemon = DaemonProcess::spawn(&mut cmd);
    daemon.wait_registered(&mut kernel, SHORT);
    let mut b = raudit_rules::RuleBuilder::new();
    b.watch(watched.to_str().unwrap(), false).unwrap();
    b.perm("wa").unwrap();
    b.key("rauditd-seal").unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
    let touch = |n: usize| {
        for i in 0..n {
            let mut f = std::fs::OpenOptions::new().append(true).open(&watched).unwrap();
            writeln!(f, "{i}").unwrap();
        }
    };
    let hits = |p: &Path| read(p).matches("key=\"rauditd-seal\"").count();

    touch(6);
    wait_for("records on disk", SHORT, || hits(&log) >= 6);
    // The state report tells how many records wait for their checkpoint (under 5 here).
    let state = Command::new(RAUDIT)
        .args(["daemon", "--state"])
        .env("RAUDIT_RUN_DIR", d.path())
        .output()
        .unwrap();
    let state = String::from_utf8_lossy(&state.stdout);
    let unsealed: usize = state
        .lines()
        .find_map(|l| l.strip_prefix("records not yet sealed = "))
        .unwrap_or_else(|| panic!("{state}"))
        .parse()
        .unwrap();
    assert!(unsealed < 5, "{state}");
    daemon.signal(Signal::USR1);
    let rotated = d.path().join("log/audit.log.1");
    wait_for("rotation", SHORT, || read(&log).contains("op=rotate-logs"));
    touch(6);
    wait_for("records after rotation", SHORT, || hits(&log) >= 6);
    // Idle: the heartbeat keeps the last checkpoint recent, so the live log verifies with a
    // --max-age.
    wait_for("a heartbeat", SHORT, || read(&log).contains("reason=heartbeat"));
    let out = Command::new(RAUDIT)
        .args(["verify", "--live", "--max-age", "20", "--key"])
        .arg(&key)
        .arg(&rotated)
        .arg(&log)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(daemon.stop(SHORT).success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");
    drop(kernel);

    let old = read(&rotated);
    assert!(old.starts_with("type=UNKNOWN[2990] ") && old.contains("reason=rotate"), "{old}");
    let cur = read(&log);
    assert!(cur.contains("reason=interval") && cur.contains("reason=stop"), "{cur}");
    let out = Command::new(RAUDIT)
        .args(["verify", "--key"])
        .arg(&key)
        .arg(&rotated)
        .arg(&log)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("seal whole: 2 file(s)"), "{text}");

    let Some(ausearch) = reference_tool("ausearch") else { return };
    for p in [&rotated, &log] {
        let out = Command::new(&ausearch).arg("-if").arg(p).output().unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{p:?}: {out:?}");
        let found = String::from_utf8_lossy(&out.stdout);
        assert!(found.contains("op=seal") && found.contains("rauditd-seal"), "{found}");
    }
}
