//! ausearch compatibility suite: the same command lines through raudit and
//! the reference, comparing stdout and the exit code.
//!
//! - Logs: the repo's own `testdata/logs/*.log`, plus every log of
//!   `../shared/corpus/logs` when it is there (required under CI=true).
//! - With the reference installed (`/usr/sbin/ausearch`) every case runs
//!   live. Without it, the repo's own logs are checked against recordings
//!   in `testdata/compat/ausearch/expected/`; `RAUDIT_BLESS=1` rewrites
//!   them from the reference.
//! - `testdata/compat/ausearch/known-differences.txt` lists the cases that
//!   differ on purpose, with the reason (`log<TAB>args<TAB>reason`).

use std::path::Path;

mod common;
use common::*;

const TOOL: &str = "ausearch";
/// ausearch outputs compare as they are.
const NORMALISE: fn(Run) -> Run = |r| r;

/// The query matrix: run against every log.
const QUERIES: &[&str] = &[
    "--raw",
    "",
    "--escape shell",
    "--escape raw",
    "-m SYSCALL --raw",
    "-m USER_LOGIN,USER_AUTH,USER_START",
    "-m ALL --raw",
    "-k access --raw",
    "-k exec",
    "-sv no --raw",
    "-sv yes --raw",
    "-ua 0 --raw",
    "-ul -1 --raw",
    "-ui 1000 --raw",
    "-p 1 --raw",
    "-pp 1 --raw",
    "-x /usr/bin/sudo --raw",
    "-x sudo -w --raw",
    "-c cat --raw",
    "-f /etc --raw",
    "-f /etc/shadow -w --raw",
    "-hn 127.0.0.1 --raw",
    "-tm pts/0 --raw",
    "-e -2 --raw",
    "-e EACCES --raw",
    "-sc 59 --raw",
    "--session 1 --raw",
    "--session -1 --raw",
    // The reference's "not given" values typed as values (Criteria::forget_unset_values).
    "-ua 4294967295 --raw",
    "-ua 4294967294 --raw",
    "-ui 4294967295 --raw",
    "-ul -2 --raw",
    "-ga 4294967295 --raw",
    // -ua and -ga set every id, a later -ui, -ue, -ul, -gi or -ge one again.
    "-ua 0 -ul 4294967295 --raw",
    "-ul 4294967295 -ua 0 --raw",
    "-ua 1000 -ue 0 --raw",
    "-ua 0 -ui 4294967295 --raw",
    "-ua root -ul 1000 --raw",
    "-ga 0 -gi 4294967295 --raw",
    "-ga 1000 -ge 0 --raw",
    "-p 4294967295 --raw",
    "--session 4294967294 --raw",
    "-a 4294967296 --raw",
    "-ts 11/14/23 22:00:00 -te 11/15/23 00:00:00 --raw",
    "-ts 01/01/10 --raw",
    "-te 01/01/15 --raw",
    "-a 100 --raw",
    "-n host1 --raw",
    "-se unconfined --raw",
    "-o system_u --raw",
    "--just-one",
    "--eoe-timeout 1 --raw",
    "-ua root --raw",
    "-ul root --raw",
    "-ui root -ue root --raw",
    "-gi 0 --raw",
    "-ge 0 --raw",
    "-ga 0 --raw",
    "-ue 0 --raw",
    "-su unconfined --raw",
    "-o object_r --raw",
    "-k exec -w --raw",
    "-m USER_AVC,AVC -sv no --raw",
    "-m UNKNOWN[1999] --raw",
    "-m 1300 --raw",
    "-p 1 -pp 0 --raw",
    "-tm (none) --raw",
    "-hn ? --raw",
    "-x sshd --raw",
    "-c sudo -sv yes --raw",
    "-f / --raw",
    "-e 0 --raw",
    "-e 0x0 --raw",
    "-uu 0 --raw",
    "-vm a --raw",
    "-te 11/14/23 22:13:22 --raw",
    "-ts 22:00:00 11/14/23 --raw",
    "-ts this-year --raw",
    "-l",
    "--debug --raw",
    "-sc open --raw",
    "-sc openat -sv no --raw",
    "-sc execve",
    "--arch b32 -sc open --raw",
    "--arch b64 --raw",
    "--arch i386 -sc 5 --raw",
    "-i",
    "-i --escape shell",
    "-i --escape raw",
    "-i --escape shell_quote",
    "--format interpret -m SYSCALL,PATH",
    "-i -k exec",
    "-i -sv no",
    "--format csv",
    "--format text",
    "--format csv --extra-keys --extra-labels --extra-obj2 --extra-time",
    "--format text -k exec",
    "--format csv --escape shell",
    "--format text --escape raw",
    "--format csv -k nosuchkey",
    "--format csv -m SYSCALL --extra-obj2 --extra-labels",
];

/// Bad command lines: run once, on the first log.
const ERRORS: &[&str] = &[
    "-p abc",
    "-a 99999999999999999999999",
    "-zz",
    "-m FOO",
    "-k",
    "-sv maybe",
    "--format xml",
    "-r -i",
    "-ts 2023-11-14",
    "-ts 11/14/2023",
    "-te 25:00",
    "--eoe-timeout 0",
    "-a x",
    "--extra-keys",
    "--extra-obj2 --raw",
    "--format text --extra-time",
    "-ua nosuchuser",
    "-gi nosuchgroup",
    "-e EBOGUS",
    "--session abc",
    "-ts",
    "--escape bogus",
    "--format raw --format default",
    "-i -r",
    "--arch x86_64 --arch i386",
    "--arch bogus",
    "-v",
    "--version",
    "-h",
    "-if /nonexistent/file",
    "-sc nosuchcall",
    "-sc open --arch b64",
];

#[test]
fn ausearch_matches_the_reference() {
    matrix_test(TOOL, NORMALISE, QUERIES, ERRORS, |_| Vec::new());
}

/// Runs `tool -if LOG --checkpoint CK ARGS` twice against a fresh checkpoint
/// and returns both runs plus the checkpoint file after each.
fn checkpoint_sequence(tool: &Path, log: &Path, args: &str, dir: &Path) -> Vec<(Run, String)> {
    let ck = dir.join(format!("ck-{}", tool.file_name().unwrap().to_string_lossy().len()));
    let _ = std::fs::remove_file(&ck);
    let mut out = Vec::new();
    for _ in 0..2 {
        let full = format!("--checkpoint {} {args}", ck.display());
        let r = run(tool, log, &full);
        out.push((r, std::fs::read_to_string(&ck).unwrap_or_default()));
    }
    out
}

#[test]
fn checkpoints_match_the_reference() {
    let Some(reference) = raudit_testkit::reference_tool(TOOL) else { return };
    let root = workspace_root();
    let mut logs = logs_under(&root.join("testdata/logs"), true);
    logs.extend(logs_under(&root.join("../shared/corpus/logs/audit-userspace"), false));
    let dir = tempfile::tempdir().unwrap();
    let ours = tool_link(dir.path(), "ausearch");
    let (mut passed, mut failed) = (0, 0);
    for (log, label, _) in &logs {
        for args in ["--raw", "", "-m SYSCALL"] {
            let theirs = checkpoint_sequence(&reference, log, args, dir.path());
            let mine = checkpoint_sequence(&ours, log, args, dir.path());
            if theirs == mine {
                passed += 1;
            } else {
                failed += 1;
                eprintln!(
                    "FAIL checkpoint {label} [{args}]:\n reference {theirs:?}\n raudit    {mine:?}"
                );
            }
        }
    }
    eprintln!("checkpoint compat: {passed} passed, {failed} failed");
    assert_eq!(failed, 0);
}

#[test]
fn directories_and_stdin_match_the_reference() {
    directories_and_stdin(
        TOOL,
        &["--raw", "-l", "-k exec --raw", "-m SYSCALL -sv no", "--just-one"],
    );
}
