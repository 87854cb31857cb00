//! rauditd start-up failures that need no kernel: bad command lines (exit 2) and config errors
//! (exit 6, the reference's message).

mod common;

fn rauditd(args: &[&str]) -> (i32, String) {
    let out = common::rauditd(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_command_lines_exit_2() {
    for args in [&["-x"][..], &["-s"], &["-s", "maybe"], &["-c"], &["extra"]] {
        let (code, err) = rauditd(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.starts_with("Usage: rauditd [-f] [-l] [-n]"), "{err}");
    }
}

#[test]
fn config_errors_exit_6() {
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 {
        raudit_testkit::skipped("needs root");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("auditd.conf"),
        "space_left = 75\nadmin_space_left = 50\nfoo = 1\n",
    )
    .unwrap();
    let (code, err) = rauditd(&["-f", "-c", d.path().to_str().unwrap()]);
    assert_eq!(code, 6);
    assert!(err.contains("Unknown keyword \"foo\" in line 3 of "), "{err}");
    std::fs::write(d.path().join("auditd.conf"), "log_format = raw\n").unwrap();
    let (code, err) = rauditd(&["-f", "-c", d.path().to_str().unwrap()]);
    assert_eq!(code, 6);
    assert!(err.contains("Error - space_left(0) must be larger than admin_space_left(0)"), "{err}");
}
