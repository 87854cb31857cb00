//! The programs the daemon runs (EXEC, the mailer) for real: a helper someone else could have
//! rewritten is refused with a message, and a helper that runs inherits no environment and no
//! descriptor beyond stdin, stdout and stderr, even one this process leaked without
//! close-on-exec.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use raudit_daemon::{Hooks, SystemHooks};
use raudit_testkit::wait_for;

const TIMEOUT: Duration = Duration::from_secs(30);

/// Set in the copy of this test binary that runs one hook and exits (its stderr is the
/// daemon's message channel, read by the parent).
const CHILD: &str = "RAUDIT_HARDEN_TEST_CHILD";

/// A script at `dir/name` with `mode` that writes its open descriptors (as `ls -l` of its
/// shell's /proc fd directory shows them) and its environment to `dir/name.out`.
fn lister(dir: &Path, name: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    let out = dir.join(format!("{name}.out"));
    std::fs::write(
        &path,
        format!(
            // `exec >` (not a redirected group, for which the shell keeps a copy of the old
            // stdout open).
            "#!/bin/sh\nexec > {0}.tmp\nls -l /proc/$$/fd\necho ENV\nenv\nmv {0}.tmp {0}\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// Runs `exec PATH` (or the mailer at PATH) in a copy of this test binary; returns its stderr.
fn hook_in_child(test: &str, what: &str, path: &Path) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{what}:{}", path.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// In the child: run the hook the parent asked for. Returns whether this is the child.
fn child_runs_hook() -> bool {
    let Ok(job) = std::env::var(CHILD) else { return false };
    let (what, path) = job.split_once(':').unwrap();
    let mut h = SystemHooks::new(false);
    match what {
        "exec" => h.exec(Path::new(path)),
        _ => {
            h.sendmail = PathBuf::from(path);
            h.email("subject", "body", "root");
        }
    }
    true
}

#[test]
fn helpers_others_could_rewrite_are_refused() {
    if child_runs_hook() {
        return;
    }
    if !rustix::process::geteuid().is_root() {
        // Every file a non-root user makes is not root's: nothing could pass the check.
        let _: Option<()> = raudit_testkit::skip("needs root to own the helper");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let test = "helpers_others_could_rewrite_are_refused";

    let world = lister(dir.path(), "world", 0o757);
    let err = hook_in_child(test, "exec", &world);
    let want = format!("Audit daemon refused to run {}: it is world writable", world.display());
    assert!(err.contains(&want), "{err}");

    let group = lister(dir.path(), "group", 0o775);
    let err = hook_in_child(test, "mail", &group);
    let want = format!("Audit daemon refused to run {}: it is group writable", group.display());
    assert!(err.contains(&want), "{err}");

    let theirs = lister(dir.path(), "theirs", 0o755);
    std::os::unix::fs::chown(&theirs, Some(65534), None).unwrap();
    let err = hook_in_child(test, "exec", &theirs);
    let want = format!("Audit daemon refused to run {}: it is not owned by root", theirs.display());
    assert!(err.contains(&want), "{err}");

    // The refusal comes before any fork: none of them ran.
    for name in ["world", "group", "theirs"] {
        assert!(!dir.path().join(format!("{name}.out")).exists(), "{name} ran");
    }
}

#[test]
fn a_helper_gets_no_environment_and_no_leaked_descriptor() {
    if child_runs_hook() {
        return;
    }
    if !rustix::process::geteuid().is_root() {
        let _: Option<()> = raudit_testkit::skip("needs root to own the helper");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A descriptor without close-on-exec (dup(2) never sets it), as a careless library would
    // leave one, and a variable only this process has.
    let leak = std::fs::File::open(dir.path()).unwrap();
    // SAFETY: dup of a descriptor this test owns; the copy is closed below.
    let leaked = unsafe { libc::dup(std::os::fd::AsRawFd::as_raw_fd(&leak)) };
    assert!(leaked > 2);
    let helper = lister(dir.path(), "helper", 0o755);
    let err = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_helper_gets_no_environment_and_no_leaked_descriptor", "--nocapture"])
        .env(CHILD, format!("exec:{}", helper.display()))
        .env("RAUDIT_LEAK_MARKER", "1")
        .output()
        .unwrap();
    // SAFETY: closes the copy made above, once.
    unsafe { libc::close(leaked) };
    assert!(err.status.success(), "{err:?}");
    let out = dir.path().join("helper.out");
    wait_for("the helper's listing", TIMEOUT, || out.exists());
    let text = std::fs::read_to_string(&out).unwrap();
    let (fds, env) = text.split_once("ENV\n").unwrap();
    // `ls -l` lines for descriptors read `... N -> TARGET`.
    let open: Vec<(u32, &str)> = fds
        .lines()
        .filter_map(|l| {
            let (left, target) = l.split_once(" -> ")?;
            Some((left.rsplit(' ').next()?.parse().ok()?, target))
        })
        .collect();
    let script = helper.display().to_string();
    for (fd, target) in &open {
        // Above stdio only the shell's own descriptor on its script may be open.
        assert!(*fd <= 2 || *target == script, "fd {fd} -> {target} leaked:\n{fds}");
    }
    assert!(open.iter().any(|(fd, _)| *fd == 0), "stdin missing:\n{fds}");
    // The shell may set PWD, SHLVL and `_` itself; nothing comes from the daemon.
    for var in env.lines() {
        let name = var.split('=').next().unwrap_or("");
        assert!(["PWD", "SHLVL", "_", "OLDPWD"].contains(&name), "inherited {var}");
    }
}
