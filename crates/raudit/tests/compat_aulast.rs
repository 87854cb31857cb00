//! aulast and aulastlog compatibility: the same command lines through
//! raudit (under the legacy names) and the reference, comparing stdout,
//! the exit code, and for `--extract` the `aulast.log` it writes.
//!
//! Logs: the repo's `testdata/sessions/*.log` (sessions, reboots, crashes,
//! bad logins, several ttys, and the reference's list quirks),
//! `testdata/logs/*.log`, and every log of the shared corpus (required
//! under CI=true, as is the reference).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use raudit_testkit::{Tally, reference_tool, shared_corpus, workspace_root};

mod common;
use common::{is_log, logs_under, tool_link};

/// What one run left: stdout, stderr, exit code, and the extract file.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    code: i32,
    extract: Option<Vec<u8>>,
}

/// Runs `program ARGS` in a fresh directory (where `--extract` writes),
/// with `stdin_log` on standard input when given.
fn run(program: &Path, args: &[&str], stdin_log: Option<&Path>) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let stdin = match stdin_log {
        Some(log) => Stdio::from(std::fs::File::open(log).unwrap()),
        None => Stdio::null(),
    };
    let out = Command::new(program)
        .args(args)
        .current_dir(dir.path())
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .stdin(stdin)
        .output()
        .unwrap();
    Outcome {
        stdout: out.stdout,
        stderr: out.stderr,
        code: out.status.code().unwrap_or(-1),
        extract: std::fs::read(dir.path().join("aulast.log")).ok(),
    }
}

/// The reference tool and a raudit link of the same name.
struct Pair {
    reference: PathBuf,
    ours: PathBuf,
    _links: tempfile::TempDir,
}

fn pair(name: &str) -> Option<Pair> {
    let reference = reference_tool(name)?;
    let links = tempfile::tempdir().unwrap();
    let ours = tool_link(links.path(), name);
    Some(Pair { reference, ours, _links: links })
}

/// Every log: the repo's own first, then the shared corpus.
fn all_logs() -> Vec<(PathBuf, String, bool)> {
    let root = workspace_root();
    let mut logs = logs_under(&root.join("testdata/sessions"), true);
    logs.extend(logs_under(&root.join("testdata/logs"), true));
    if let Some(corpus) = shared_corpus("logs") {
        logs.extend(logs_under(&corpus, false));
    }
    logs
}

fn show(o: &Outcome) -> String {
    format!(
        "rc={} stdout:\n{}stderr:\n{}",
        o.code,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Compares one case; `stderr` says whether stderr must match too.
fn compare(
    tally: &mut Tally,
    pair: &Pair,
    what: &str,
    args: &[&str],
    log: Option<&Path>,
    stderr: bool,
) {
    // A session still open at the log's end is closed at the current time
    // (its span, and `--end` in --proof, to the second), so the two runs can
    // straddle a second: a difference is looked at again, and only one that
    // stays on three tries (a real one) counts.
    let attempt = || {
        let want = run(&pair.reference, args, log);
        let got = run(&pair.ours, args, log);
        let same = want.stdout == got.stdout
            && want.code == got.code
            && want.extract == got.extract
            && (!stderr || want.stderr == got.stderr);
        (same, want, got)
    };
    let mut tries = 1;
    let (mut same, mut want, mut got) = attempt();
    while !same && tries < 3 {
        (same, want, got) = attempt();
        tries += 1;
    }
    tally.check(same, || {
        format!("{what} {args:?}\n--- reference\n{}--- raudit\n{}", show(&want), show(&got))
    });
}

#[test]
fn aulast_matches_the_reference_on_every_log() {
    let Some(pair) = pair("aulast") else { return };
    let mut tally = Tally::new();
    const OWN: &[&str] = &[
        "",
        "--bad",
        "--proof",
        "--bad --proof",
        "--extract",
        "--bad --extract",
        "--user root",
        "--user root --bad --proof",
        "--tty pts",
        "--tty tty --proof",
        "--debug",
    ];
    const CORPUS: &[&str] = &["--extract", "--bad --proof --extract", "--proof"];
    for (log, label, own) in all_logs() {
        let path = log.to_string_lossy().into_owned();
        for args in if own { OWN } else { CORPUS } {
            let mut argv: Vec<&str> = args.split_whitespace().collect();
            argv.extend(["-f", &path]);
            compare(&mut tally, &pair, &label, &argv, None, false);
        }
        if own {
            compare(&mut tally, &pair, &label, &["--stdin", "--extract"], Some(&log), false);
        }
    }
    tally.finish("aulast vs the reference");
}

#[test]
fn aulastlog_matches_the_reference_on_every_log() {
    let Some(pair) = pair("aulastlog") else { return };
    let mut tally = Tally::new();
    for (log, label, own) in all_logs() {
        compare(&mut tally, &pair, &label, &["--stdin"], Some(&log), false);
        if own {
            compare(&mut tally, &pair, &label, &["-u", "root", "--stdin"], Some(&log), false);
            compare(&mut tally, &pair, &label, &["--stdin", "--user", "root"], Some(&log), false);
        }
    }
    tally.finish("aulastlog vs the reference");
}

/// A log damaged in every way a file can be: binary noise, cut lines,
/// bad time stamps, a record with no body.
fn damaged_log(dir: &Path) -> PathBuf {
    let good = std::fs::read(workspace_root().join("testdata/sessions/sessions.log")).unwrap();
    let mut data = Vec::new();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for (i, line) in good.split(|&b| b == b'\n').enumerate() {
        match i % 7 {
            0 => data.extend_from_slice(&line[..line.len() / 2]),
            3 => {
                for _ in 0..40 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    data.push((state >> 24) as u8);
                }
            }
            5 => {
                data.extend_from_slice(b"type=USER_LOGIN msg=audit(99999999999999999999.000:1): x")
            }
            _ => data.extend_from_slice(line),
        }
        data.push(b'\n');
    }
    data.extend_from_slice(b"type=LOGIN msg=audit(1700000000.000:9):");
    let path = dir.join("damaged.log");
    std::fs::write(&path, data).unwrap();
    path
}

#[test]
fn bad_input_gets_the_reference_messages_and_exit_codes() {
    let (Some(last), Some(lastlog)) = (pair("aulast"), pair("aulastlog")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let damaged = damaged_log(dir.path());
    let damaged = damaged.to_str().unwrap();
    let missing = dir.path().join("missing.log");
    let missing = missing.to_str().unwrap();
    let directory = dir.path().to_str().unwrap();
    let mut tally = Tally::new();
    for args in [
        &["-f", missing][..],
        &["-f", damaged],
        &["-f", damaged, "--bad", "--proof", "--extract"],
        &["-f", directory],
        &["-d"],
        &["--nosuch"],
        &["--stdin", "-f", damaged],
        &["-f", damaged, "--stdin"],
        &["--user", "a", "--user", "b"],
        &["--tty", "a", "--tty", "b"],
        &["--extract", "--bogus"],
    ] {
        compare(&mut tally, &last, "aulast", args, None, true);
    }
    let damaged = Path::new(damaged);
    compare(&mut tally, &last, "aulast", &["--stdin"], Some(damaged), true);
    for args in [
        &["--stdin"][..],
        &["-u", "no-such-user-here", "--stdin"],
        &["--user"],
        &["-x"],
        &["--stdin", "extra"],
    ] {
        compare(&mut tally, &lastlog, "aulastlog", args, Some(damaged), true);
    }
    tally.finish("bad input");
}

#[test]
fn is_log_keeps_the_session_fixtures() {
    let root = workspace_root().join("testdata/sessions");
    for name in ["sessions.log", "quirks.log"] {
        assert!(is_log(&root.join(name)) && root.join(name).is_file(), "{name}");
    }
}
