//! SystemHooks for real: the EMAIL action's mail through a stand-in sendmail, EXEC and the
//! runlevel change through stand-in programs, and every child reaped.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use raudit_daemon::{Hooks, Runlevel, SystemHooks};
use raudit_testkit::wait_for;

const TIMEOUT: Duration = Duration::from_secs(30);

/// A shell script at `dir/name` that records its arguments and stdin in `dir/name.out`.
fn recorder(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = dir.join(format!("{name}.out"));
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\n{{ printf '%s|' \"$@\"; echo; cat; }} > {0}.tmp\nmv {0}.tmp {0}\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The file's text, once something wrote it (the recorders write it whole).
fn wait_for_file(path: &Path) -> String {
    wait_for(&format!("{}", path.display()), TIMEOUT, || path.exists());
    std::fs::read_to_string(path).unwrap()
}

/// Zombie children of this process.
fn zombies() -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            let after = &stat[stat.rfind(')').unwrap() + 2..];
            let mut f = after.split(' ');
            f.next() == Some("Z") && f.next() == Some(me.as_str())
        })
        .count()
}

#[test]
fn mail_exec_and_runlevel_run_and_are_reaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = SystemHooks::new(false);
    h.sendmail = recorder(dir.path(), "sendmail");
    h.init = recorder(dir.path(), "init");

    h.email("Audit Disk Space Alert", "low\non space", "admin");
    let mail = wait_for_file(&dir.path().join("sendmail.out"));
    assert_eq!(
        mail,
        "-t|-fadmin|\nTo: admin\nFrom: root\nSubject: Audit Disk Space Alert\n\nlow\non space\n.\n\n"
    );
    h.exec(&recorder(dir.path(), "action"));
    assert_eq!(wait_for_file(&dir.path().join("action.out")), "|\n");
    h.runlevel(Runlevel::Single);
    assert_eq!(wait_for_file(&dir.path().join("init.out")), "1|\n");

    wait_for("every hook's child reaped", TIMEOUT, || zombies() == 0);
}
