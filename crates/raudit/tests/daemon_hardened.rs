//! rauditd refuses to start on planted files: a symbolic link at the pid file or at log_file
//! (the daemon exits 1 with a message saying so, and the link's target is untouched), and a
//! disk-action helper someone other than root could rewrite (config error, exit 6). Holds the
//! kernel test lock (KernelGuard): a daemon that failed to refuse would register.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

mod common;

use raudit_testkit::{DaemonProcess, KernelGuard};

const SHORT: Duration = Duration::from_secs(30);

/// `rauditd -n -c DIR` with its run directory in DIR; returns (exit code, stderr).
fn start(dir: &Path) -> (Option<i32>, String) {
    let mut cmd = common::rauditd(&["-n"]);
    cmd.arg("-c").arg(dir).env("RAUDIT_RUN_DIR", dir).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut daemon = DaemonProcess::spawn(&mut cmd);
    let mut stderr = daemon.take_stderr().unwrap();
    // A daemon that did not refuse runs until stopped; the bounded wait then fails the test.
    let status = daemon.wait(SHORT);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut err).unwrap();
    (status.code(), err)
}

/// A config dir whose log is `DIR/log/audit.log`, with `extra` settings.
fn config_dir(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log/audit.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("auditd.conf"),
        format!("log_file = {}\nspace_left = 2\nadmin_space_left = 1\n{extra}", log.display()),
    )
    .unwrap();
    (dir, log)
}

fn victim(dir: &Path) -> std::path::PathBuf {
    let v = dir.join("victim");
    std::fs::write(&v, "precious\n").unwrap();
    v
}

#[test]
fn a_linked_pid_file_stops_the_start() {
    let Some(_kernel) = KernelGuard::acquire() else { return };
    let (dir, _) = config_dir("");
    let v = victim(dir.path());
    let pid = dir.path().join("auditd.pid");
    std::os::unix::fs::symlink(&v, &pid).unwrap();
    let (code, err) = start(dir.path());
    assert_eq!(code, Some(1), "{err}");
    let want = format!(
        "Unable to write pid file {} (it is a symbolic link; refusing to follow it)",
        pid.display()
    );
    assert!(err.contains(&want), "{err}");
    assert_eq!(std::fs::read_to_string(&v).unwrap(), "precious\n");
}

#[test]
fn a_linked_log_file_stops_the_start() {
    let Some(_kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = config_dir("");
    let v = victim(dir.path());
    std::os::unix::fs::symlink(&v, &log).unwrap();
    let (code, err) = start(dir.path());
    assert_eq!(code, Some(1), "{err}");
    let want = format!("Refusing to start: log file {} is a symbolic link", log.display());
    assert!(err.contains(&want), "{err}");
    assert_eq!(std::fs::read_to_string(&v).unwrap(), "precious\n");
    assert!(!dir.path().join("auditd.pid").exists(), "pid file left behind");
}

#[test]
fn exec_helpers_others_could_rewrite_are_config_errors() {
    use std::os::unix::fs::PermissionsExt;
    let Some(_kernel) = KernelGuard::acquire() else { return };
    let helpers = tempfile::tempdir().unwrap();
    let helper = helpers.path().join("helper");
    std::fs::write(&helper, "#!/bin/sh\nexit 0\n").unwrap();
    for (mode, owner, why) in [
        (0o757, 0, "permissions should be 0750, 0755, 0555 or 0550"),
        (0o755, 65534, "is not owned by root"),
    ] {
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(mode)).unwrap();
        std::os::unix::fs::chown(&helper, Some(owner), None).unwrap();
        let (dir, _) = config_dir(&format!("disk_error_action = exec {}\n", helper.display()));
        let (code, err) = start(dir.path());
        assert_eq!(code, Some(6), "{err}");
        assert!(err.contains(&format!("{} {why} - line 4", helper.display())), "{err}");
    }
}

/// The real daemon runs its EXEC helper (space_left_action, set off at start by a threshold
/// every disk is under) with no environment and no descriptor of its own beyond stdio: not its
/// netlink sockets, log file or signalfd.
#[test]
fn a_helper_run_by_the_daemon_inherits_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let helpers = tempfile::tempdir().unwrap();
    let out = helpers.path().join("helper.out");
    let helper = helpers.path().join("helper");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nexec > {0}.tmp\nls -l /proc/$$/fd\necho ENV\nenv\nmv {0}.tmp {0}\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log/audit.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("auditd.conf"),
        format!(
            "log_file = {}\nspace_left = 99%\nadmin_space_left = 1\nspace_left_action = exec {}\n",
            log.display(),
            helper.display()
        ),
    )
    .unwrap();
    let mut cmd = common::rauditd(&["-n"]);
    cmd.arg("-c")
        .arg(dir.path())
        .env("RAUDIT_RUN_DIR", dir.path())
        .env("RAUDIT_LEAK_MARKER", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut daemon = DaemonProcess::spawn(&mut cmd);
    daemon.wait_registered(&mut kernel, SHORT);
    raudit_testkit::wait_for("the helper's listing", SHORT, || out.exists());
    assert!(daemon.stop(SHORT).success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");

    let text = std::fs::read_to_string(&out).unwrap();
    let (fds, env) = text.split_once("ENV\n").unwrap();
    let script = helper.display().to_string();
    for l in fds.lines() {
        let Some((left, target)) = l.split_once(" -> ") else { continue };
        let fd: u32 = left.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(fd <= 2 || target == script, "fd {fd} -> {target} leaked:\n{fds}");
        assert!(!target.starts_with("socket:") || fd <= 2, "{l}");
    }
    for var in env.lines() {
        let name = var.split('=').next().unwrap_or("");
        assert!(["PWD", "SHLVL", "_", "OLDPWD"].contains(&name), "inherited {var}");
    }
}
