//! ausyscall against the reference: stdout and exit code (x86_64 and i386,
//! whose tables are both generated from the uapi headers).

use std::path::Path;
use std::process::Command;

const REFERENCE: &str = "/usr/bin/ausyscall";

const CASES: &[&str] = &[
    "open",
    "2",
    "x86_64 open",
    "i386 5",
    "--dump",
    "i386 --dump",
    "open --exact",
    "b32 open",
    "b64 openat --exact",
    "nosuch",
    "",
    "1 2",
    "x86_64 i386 open",
    "a b c d",
    "OPEN",
    "0x3",
    "b64 9999",
    "foo bar",
    "--exact",
    "x86_64",
    "pread",
    "i386 sys_kexec_load --exact",
    "stat",
];

#[test]
fn ausyscall_matches_the_reference() {
    if !Path::new(REFERENCE).exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true: the reference must be installed"
        );
        eprintln!("ausyscall compat: no reference, skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ausyscall");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_raudit"), &ours).unwrap();
    let mut failed = 0;
    for case in CASES {
        let args: Vec<&str> = case.split_whitespace().collect();
        let theirs = Command::new(REFERENCE).args(&args).output().unwrap();
        let mine = Command::new(&ours).args(&args).output().unwrap();
        if (theirs.stdout.as_slice(), theirs.status.code())
            != (mine.stdout.as_slice(), mine.status.code())
        {
            failed += 1;
            eprintln!(
                "FAIL ausyscall [{case}]: exit {:?} vs {:?}",
                theirs.status.code(),
                mine.status.code()
            );
        }
    }
    eprintln!("ausyscall compat: {} passed, {failed} failed", CASES.len() - failed);
    assert_eq!(failed, 0);
}
