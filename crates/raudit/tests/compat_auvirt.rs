//! auvirt compatibility suite: the same command lines through raudit (as
//! `auvirt` and as `raudit virt`) and the reference /usr/bin/auvirt,
//! comparing stdout and the exit code (and stderr for bad input).
//!
//! Logs: the repo's `testdata/virt/*.log` (libvirt guest sessions on an
//! SELinux and an AppArmor host, and random mixes, made by
//! scripts/gen-virt-log.py), a damaged copy made here, and every log of
//! the shared corpus. Skipped without the reference, required under
//! CI=true.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::*;

/// Run against every log.
const EVERY_LOG: &[&str] = &[
    "",
    "--all-events",
    "--all-events --proof --show-uuid",
    "--summary",
    "--summary --all-events --proof",
    "--show-uuid --proof",
    "--debug --all-events",
    "-a -s",
];

/// Run against the repo's VM logs: filters and time windows.
const VM_QUERIES: &[&str] = &[
    "--vm web1 --all-events --proof",
    "-v db1 --summary",
    "--vm nosuchvm --all-events",
    "-u 8e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b --all-events --proof",
    "--uuid 5d3c2b1a-0f9e-4d8c-b7a6-958473625140 --all-events",
    "--uuid 00000001-1111-4222-8333-000000000002 --all-events --show-uuid",
    "--vm g1 --all-events --proof",
    "--vm g2 --uuid 00000002-1111-4222-8333-000000000001 --all-events",
    "--start 11/14/23 22:16:00 --all-events",
    "-ts 11/14/23 22:16 --end 11/14/23 22:20 --all-events --proof",
    "--end 11/14/23 22:20:00",
    "--start 11/14/23 --end 11/15/23 23:00:00 --summary",
    "-ts 11/15/23 -te now --all-events",
    "--start this-year --summary",
    "--end 11/14/23 --summary",
    "--debug --vm db1 --summary --proof",
];

/// Bad arguments: stdout, stderr and the exit code are compared.
const BAD_ARGS: &[&str] = &[
    "--file /nonexistent/audit.log",
    "--debug --file /nonexistent/audit.log",
    "--stdin --file x",
    "--start 13/45/23",
    "--start 11/14/23 25:00:00",
    "--start 11/14/23 12:00:00.5",
    "--end 01/01/99",
    "--start",
    "-te",
    "--vm",
    "--vm -a",
    "--file",
    "--uuid abc",
    "--uuid 8e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5",
    "-u",
    "stray",
    "--bogus",
    "--debug --bogus",
    "--debug -h",
    "-h --bogus",
    "--bogus -h",
    "--help",
    "-f /",
    "-f / --summary",
];

struct Out {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    code: i32,
}

fn run_tool(program: &[&Path], args: &str, stdin: Option<&Path>) -> Out {
    let mut cmd = Command::new(program[0]);
    cmd.args(program[1..].iter().map(|p| p.as_os_str()));
    cmd.args(args.split_whitespace()).env("TZ", "UTC").env("LC_ALL", "C");
    cmd.stdin(match stdin {
        Some(log) => Stdio::from(std::fs::File::open(log).unwrap()),
        None => Stdio::null(),
    });
    let out = cmd.output().unwrap();
    Out { stdout: out.stdout, stderr: out.stderr, code: out.status.code().unwrap_or(-1) }
}

/// A copy of `log` damaged the ways real logs are: lines cut short, lines
/// that are not records, out-of-range time stamps, NUL bytes.
fn damaged(log: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read(log).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let mut line = line.to_vec();
        if i % 9 == 3 {
            line.truncate(line.len() / 2);
        }
        if i % 13 == 5 {
            out.extend_from_slice(b"garbage line here\n");
        }
        if i % 17 == 7 {
            let s = String::from_utf8_lossy(&line).replacen(
                "audit(1700",
                "audit(99999999999999999999",
                1,
            );
            line = s.into_bytes();
        }
        if i % 11 == 2
            && let Some(at) = line.windows(6).position(|w| w == b" uid=0")
        {
            line.insert(at + 6, 0);
        }
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    let path = dir.join("damaged.log");
    std::fs::write(&path, out).unwrap();
    path
}

/// Storm logs with guest sessions in them, made by the repo's generators:
/// a syscall storm (bench/gen-synthetic.py) and a SECCOMP storm, where
/// libauparse's completion and hand-out order decide the event order.
fn generated_logs(dir: &Path) -> Vec<(PathBuf, String)> {
    let root = workspace_root();
    let storm = dir.join("storm.log");
    let steps: [(&str, Vec<String>, PathBuf); 3] = [
        (
            "bench/gen-synthetic.py",
            vec![storm.display().to_string(), "1".into(), "--burst".into(), "3000".into()],
            storm.clone(),
        ),
        (
            "scripts/gen-virt-log.py",
            vec![
                "mix".into(),
                storm.display().to_string(),
                dir.join("mixed.log").display().to_string(),
            ],
            dir.join("mixed.log"),
        ),
        (
            "scripts/gen-virt-log.py",
            vec!["seccomp".into(), "0.5".into(), dir.join("seccomp.log").display().to_string()],
            dir.join("seccomp.log"),
        ),
    ];
    let mut out = Vec::new();
    for (script, args, made) in steps {
        let ok = Command::new("python3")
            .arg(root.join(script))
            .args(&args)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("auvirt compat: could not run {script}");
            return out;
        }
        if made != storm {
            let label = made.file_name().unwrap().to_string_lossy().into_owned();
            out.push((made, label));
        }
    }
    out
}

struct Suite {
    reference: PathBuf,
    /// raudit through a link named auvirt.
    link: PathBuf,
    tally: raudit_testkit::Tally,
}

impl Suite {
    fn check(&mut self, label: &str, args: &str, stdin: Option<&Path>, stderr_too: bool) {
        let theirs = run_tool(&[&self.reference], args, stdin);
        let mine = run_tool(&[&self.link], args, stdin);
        let same = theirs.stdout == mine.stdout
            && theirs.code == mine.code
            && (!stderr_too || theirs.stderr == mine.stderr);
        self.tally.check(same, || {
            format!(
                "{label} [{args}]: exit {} vs {}; {}; stderr {:?} vs {:?}",
                theirs.code,
                mine.code,
                first_difference(&theirs.stdout, &mine.stdout),
                String::from_utf8_lossy(&theirs.stderr),
                String::from_utf8_lossy(&mine.stderr),
            )
        });
    }
}

fn suite() -> Option<(Suite, tempfile::TempDir)> {
    let reference = raudit_testkit::reference_tool("auvirt")?;
    let dir = tempfile::tempdir().unwrap();
    let link = tool_link(dir.path(), "auvirt");
    Some((Suite { reference, link, tally: raudit_testkit::Tally::new() }, dir))
}

fn vm_logs() -> Vec<(PathBuf, String, bool)> {
    let logs = logs_under(&workspace_root().join("testdata/virt"), true);
    assert!(logs.len() >= 5, "testdata/virt holds the VM logs");
    logs
}

#[test]
fn vm_logs_match_the_reference() {
    let Some((mut s, dir)) = suite() else { return };
    let mut logs = vm_logs();
    let selinux = workspace_root().join("testdata/virt/selinux.log");
    logs.push((damaged(&selinux, dir.path()), "damaged.log".into(), true));
    logs.extend(generated_logs(dir.path()).into_iter().map(|(p, l)| (p, l, false)));
    for (log, label, _) in &logs {
        for q in EVERY_LOG.iter().chain(VM_QUERIES) {
            s.check(label, &format!("--file {} {q}", log.display()), None, q.contains("--debug"));
        }
    }
    s.tally.finish("auvirt compat (VM logs)");
}

#[test]
fn corpus_logs_match_the_reference() {
    let Some((mut s, _dir)) = suite() else { return };
    let Some(corpus) = raudit_testkit::shared_corpus("logs") else { return };
    for (log, label, _) in logs_under(&corpus, false) {
        for q in EVERY_LOG {
            s.check(&label, &format!("--file {} {q}", log.display()), None, false);
        }
    }
    s.tally.finish("auvirt compat (corpus)");
}

#[test]
fn stdin_matches_the_reference() {
    let Some((mut s, _dir)) = suite() else { return };
    for (log, label, _) in vm_logs() {
        for q in ["--stdin", "--stdin --all-events --proof", "--summary --stdin"] {
            s.check(&label, q, Some(&log), false);
        }
    }
    s.tally.finish("auvirt compat (stdin)");
}

#[test]
fn bad_input_gets_the_reference_message_and_code() {
    let Some((mut s, _dir)) = suite() else { return };
    for q in BAD_ARGS {
        s.check("(no log)", q, None, true);
    }
    s.tally.finish("auvirt compat (bad input)");
}

#[test]
fn the_subcommand_is_the_same_tool() {
    let selinux = workspace_root().join("testdata/virt/selinux.log");
    let args = format!("virt --file {} --all-events --proof", selinux.display());
    let raudit = Path::new(env!("CARGO_BIN_EXE_raudit"));
    let by_sub = run_tool(&[raudit], &args, None);
    let dir = tempfile::tempdir().unwrap();
    let link = tool_link(dir.path(), "auvirt");
    let by_link = run_tool(&[&link], &args["virt ".len()..], None);
    assert_eq!(by_sub.code, 0);
    assert_eq!(by_sub.stdout, by_link.stdout);
    let text = String::from_utf8_lossy(&by_sub.stdout);
    // The fixture's guests and event kinds are all there.
    for want in ["start  web1", "stop   db1", "resrc  db1", "avc    web1", "anom   db1", "win 10"] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
}
