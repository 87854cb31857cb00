//! ausyscall against the reference: stdout and exit code (x86_64 and i386,
//! whose tables are both generated from the uapi headers).

use std::process::Command;

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
    let Some(reference) = raudit_testkit::reference_tool("ausyscall") else { return };
    let dir = tempfile::tempdir().unwrap();
    let ours = raudit_testkit::tool_link(dir.path(), "ausyscall", env!("CARGO_BIN_EXE_raudit"));
    let mut tally = raudit_testkit::Tally::new();
    for case in CASES {
        let args: Vec<&str> = case.split_whitespace().collect();
        let theirs = Command::new(&reference).args(&args).output().unwrap();
        let mine = Command::new(&ours).args(&args).output().unwrap();
        let same = (theirs.stdout.as_slice(), theirs.status.code())
            == (mine.stdout.as_slice(), mine.status.code());
        tally.check(same, || {
            format!(
                "ausyscall [{case}]: exit {:?} vs {:?}",
                theirs.status.code(),
                mine.status.code()
            )
        });
    }
    tally.finish("ausyscall compat");
}
