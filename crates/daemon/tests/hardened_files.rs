//! LogWriter against planted links: a link at log_file is refused with a message and the
//! disk_error_action policy (its target untouched), links among the rotated logs and as the log
//! directory are left alone by the permission repair, and rotation moves links as names.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use raudit_config::{DaemonConfig, DiskAction, SizeAction};
use raudit_daemon::LogWriter;
use raudit_daemon::testing::RecordingHooks as Rec;
use raudit_daemon::writer::rotated_name;

fn cfg(dir: &Path) -> DaemonConfig {
    DaemonConfig { log_file: dir.join("audit.log"), ..DaemonConfig::code_defaults() }
}

/// A file some other program owns, with mode 0644 and known text.
fn victim(dir: &Path) -> std::path::PathBuf {
    let v = dir.join("victim");
    std::fs::write(&v, "precious\n").unwrap();
    std::fs::set_permissions(&v, std::fs::Permissions::from_mode(0o644)).unwrap();
    v
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().mode() & 0o7777
}

#[test]
fn a_link_at_log_file_is_refused_with_the_error_policy() {
    let d = tempfile::tempdir().unwrap();
    let v = victim(d.path());
    let log = d.path().join("audit.log");
    std::os::unix::fs::symlink(&v, &log).unwrap();
    let c = DaemonConfig { disk_error_action: DiskAction::Suspend, ..cfg(d.path()) };
    let mut w = LogWriter::open(c, Rec::default());
    assert!(!w.is_open());
    assert_eq!(w.write_batch(&[b"type=USER msg=audit(1.0:1): x\n"]).dropped, 1);
    let h = w.shutdown();
    let refusal = format!("Refusing to open log file {}: it is a symbolic link", log.display());
    assert!(h.has(&refusal), "{:?}", h.msgs);
    assert!(
        h.has("Audit daemon is suspending logging due to previously mentioned write error"),
        "{:?}",
        h.msgs
    );
    assert_eq!(std::fs::read_to_string(&v).unwrap(), "precious\n");
    assert_eq!(mode(&v), 0o644, "the permission repair followed the link");

    // A dangling link (to where an attacker wants a file made) is refused too; nothing is made.
    std::fs::remove_file(&log).unwrap();
    let target = d.path().join("made-by-link");
    std::os::unix::fs::symlink(&target, &log).unwrap();
    let h = LogWriter::open(cfg(d.path()), Rec::default()).shutdown();
    assert!(h.has(&refusal), "{:?}", h.msgs);
    assert!(!target.exists());
}

#[test]
fn links_among_rotated_logs_are_left_alone_and_moved_as_names() {
    let d = tempfile::tempdir().unwrap();
    let v = victim(d.path());
    let log = d.path().join("audit.log");
    let first = rotated_name(&log, 1);
    std::os::unix::fs::symlink(&v, &first).unwrap();
    let c = DaemonConfig {
        num_logs: 3,
        max_log_file: 8,
        max_log_file_action: SizeAction::Rotate,
        ..cfg(d.path())
    };
    let mut w = LogWriter::open(c, Rec::default());
    assert_eq!(mode(&v), 0o644, "rotated-log permission repair followed a link");
    let warning = format!("Rotated log {} is a symbolic link; left alone", first.display());
    assert!(w.hooks().has(&warning), "{:?}", w.hooks().msgs);
    w.write_batch(&[b"type=USER msg=audit(1.0:1): x\n"]);
    // log.1 (the link) -> log.2, log -> log.1: the link moves as a name.
    assert!(w.rotate_requested());
    w.shutdown();
    let second = rotated_name(&log, 2);
    assert!(std::fs::symlink_metadata(&second).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&first).unwrap(), "type=USER msg=audit(1.0:1): x\n");
    assert_eq!(std::fs::read_to_string(&v).unwrap(), "precious\n");
    assert_eq!(mode(&v), 0o644);
}

#[test]
fn a_linked_log_directory_keeps_its_target_permissions() {
    let d = tempfile::tempdir().unwrap();
    let real = d.path().join("real");
    std::fs::create_dir(&real).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o755)).unwrap();
    let linked = d.path().join("linked");
    std::os::unix::fs::symlink(&real, &linked).unwrap();
    let c = DaemonConfig { log_file: linked.join("audit.log"), ..DaemonConfig::code_defaults() };
    let w = LogWriter::open(c, Rec::default());
    // The log itself is written (the link is a directory on the way, not the file).
    assert!(w.is_open());
    let warning = format!(
        "Log directory {} is a symbolic link; its permissions are left alone",
        linked.display()
    );
    assert!(w.hooks().has(&warning), "{:?}", w.hooks().msgs);
    w.shutdown();
    assert_eq!(mode(&real), 0o755);
    assert_eq!(mode(&real.join("audit.log")), 0o600);
}
