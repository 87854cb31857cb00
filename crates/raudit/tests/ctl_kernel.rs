//! auditctl against the real kernel and the reference: rule sets loaded by
//! the reference are listed identically by raudit (`-l` and `-l -i`), and the same sets loaded
//! by raudit give the kernel identical rules (byte for byte).

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(program: &Path, args: &[&str]) -> (String, i32) {
    let out = Command::new(program).args(args).env("LC_ALL", "C").output().unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1))
}

/// The reference auditctl; outside CI a test without it is skipped, under
/// CI=true it must be installed.
fn reference() -> Option<PathBuf> {
    raudit_testkit::reference_tool("auditctl")
}

/// Rule files to compare: the reference's examples and the shared corpus.
fn rule_files() -> Vec<PathBuf> {
    let is_rules = |p: &Path| p.extension().is_some_and(|x| x == "rules");
    let corpus = raudit_testkit::workspace_root().join("../shared/corpus/rules");
    let mut files = raudit_testkit::files_under(&corpus, is_rules);
    files.extend(raudit_testkit::files_under(
        Path::new("/usr/share/doc/auditd/examples/rules"),
        is_rules,
    ));
    files.sort();
    files
}

/// A copy of a rules file that never touches the enabled flag (`-e 2`
/// would lock audit until a reboot) and never loads nested files.
fn sanitized(src: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(src).unwrap_or_default();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("-e") || t.starts_with("-R") || t.starts_with("--loginuid-immutable"))
        })
        .collect();
    let dest = dir.join(src.file_name().unwrap());
    std::fs::write(&dest, kept.join("\n") + "\n").unwrap();
    dest
}

#[test]
fn rule_sets_load_and_list_like_the_reference() {
    let Some(reference) = reference() else { return };
    let reference = reference.as_path();
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_raudit"));
    let dir = tempfile::tempdir().unwrap();
    let (mut passed, mut failed, mut rules_seen) = (0, 0, 0);
    for src in rule_files() {
        let file = sanitized(&src, dir.path());
        let f = file.to_str().unwrap();
        run(reference, &["-D"]);
        let (_, ref_rc) = run(reference, &["-R", f]);
        let (ref_list, _) = run(reference, &["-l"]);
        let (our_list, _) = run(ours, &["ctl", "-l"]);
        let (ref_interpreted, _) = run(reference, &["-l", "-i"]);
        let (our_interpreted, _) = run(ours, &["ctl", "-l", "-i"]);
        let ref_bytes = kernel.client().list_rules().unwrap();
        rules_seen += ref_bytes.len();
        run(reference, &["-D"]);
        let (_, our_rc) = run(ours, &["ctl", "-R", f]);
        let our_bytes = kernel.client().list_rules().unwrap();
        run(reference, &["-D"]);
        let label = src.display();
        let mut ok = true;
        if ref_list != our_list {
            ok = false;
            let first = ref_list.lines().zip(our_list.lines()).find(|(a, b)| a != b);
            eprintln!(
                "FAIL -l {label}: {first:?} ({} vs {} lines)",
                ref_list.lines().count(),
                our_list.lines().count()
            );
        }
        if ref_interpreted != our_interpreted {
            ok = false;
            let first = ref_interpreted.lines().zip(our_interpreted.lines()).find(|(a, b)| a != b);
            eprintln!("FAIL -l -i {label}: {first:?}");
        }
        if ref_bytes != our_bytes {
            ok = false;
            let at = ref_bytes.iter().zip(&our_bytes).position(|(a, b)| a != b);
            eprintln!(
                "FAIL -R {label}: kernel rules differ (reference {} rules, raudit {}; first difference at {at:?})",
                ref_bytes.len(),
                our_bytes.len()
            );
        }
        if ref_rc != our_rc {
            ok = false;
            eprintln!("FAIL -R {label}: exit reference {ref_rc}, raudit {our_rc}");
        }
        if ok { passed += 1 } else { failed += 1 }
    }
    eprintln!(
        "auditctl compat: {passed} rule files passed, {failed} failed ({rules_seen} kernel rules)"
    );
    assert!(rules_seen > 100, "too few rules were loaded to prove anything");
    assert_eq!(failed, 0);
}

/// Bad command lines: the same message and exit code as the reference.
const BAD_LINES: &[&str] = &[
    "-a bogus,exit",
    "-a always,bogus",
    "-a always,exit -F uidd=0",
    "-a always,exit -S bogus",
    "-a always,task -S open",
    "-a always,exclude -S open",
    "-a always,user -S open",
    "-p r",
    "-a always,exit -k x",
    "-w relative/path",
    "-e 3",
    "-f x",
    "-r abc",
    "-b abc",
    "--backlog_wait_time abc",
    "-a always,exit -F arch=b64 -S open -F perm=z",
    "-a always,exit -C uid<auid",
    "-a always,exit -C uid=gid",
    "-a always,exit -C bogus=uid",
    "-a always,exit -F exit=-EBOGUS",
    "-a always,exit -F filetype=bogus",
    "-a always,exit -F missing",
    "-a always,exit -F =1",
    "-a always,exit -F uid=",
    "-F uid=0",
    "-a always,exit -S open -F arch=b64",
    "-a always,exit -F ppid=abc",
    "-a always,exit -F uid=nosuchuser",
    "-a always,exit -F gid=nosuchgroup",
    "-a always,task -F ppid=1",
    "-a always,exit -a always,exit",
    "-a always,exit -F arch=b64 -S open -w /etc",
    "-a always,exit -F arch=b64 -S open -F key=x -k y",
    "-d always,exit -F arch=b64 -S open -F key=nosuchrule",
    "-W /nonexistent/watch",
    "--help",
    "-Z",
    "-m a b",
    "--signal bogus",
];

#[test]
fn bad_command_lines_fail_like_the_reference() {
    let Some(reference) = reference() else { return };
    let Some(_kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_raudit"));
    let both = |line: &str| {
        let args: Vec<&str> = line.split_whitespace().collect();
        let theirs = Command::new(&reference).args(&args).env("LC_ALL", "C").output().unwrap();
        Command::new(&reference).arg("-D").output().unwrap();
        let mine = Command::new(ours).arg("ctl").args(&args).env("LC_ALL", "C").output().unwrap();
        Command::new(&reference).arg("-D").output().unwrap();
        (theirs, mine)
    };
    let mut tally = raudit_testkit::Tally::new();
    for line in BAD_LINES {
        let (theirs, mine) = both(line);
        let (te, me) =
            (String::from_utf8_lossy(&theirs.stderr), String::from_utf8_lossy(&mine.stderr));
        tally.check(theirs.status.code() == mine.status.code() && te == me, || {
            format!(
                "[{line}]: exit reference {:?}, raudit {:?}\n  reference: {te:?}\n  raudit:    {me:?}",
                theirs.status.code(),
                mine.status.code()
            )
        });
    }
    tally.finish("auditctl errors");
}

/// Status and listing commands print what the reference prints.
#[test]
fn status_and_listing_commands_match_the_reference() {
    let Some(reference) = reference() else { return };
    let reference = reference.as_path();
    let Some(_kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_raudit"));
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("set.rules");
    std::fs::write(
        &rules,
        "-a always,exit -F arch=b64 -S openat -F exit=-EACCES -k access\n\
         -a always,exit -F arch=b64 -S execve -k exec -k audit-exec\n\
         -w /etc/passwd -p wa -k identity\n\
         -w /etc/shadow -p wa -k identity\n\
         -a never,exclude -F msgtype=CWD\n",
    )
    .unwrap();
    let mut failed = 0;
    let mut check = |label: &str, theirs: (String, i32), mine: (String, i32)| {
        let hidden = |(text, code): &(String, i32)| (kernel_counters_hidden(text), *code);
        if hidden(&theirs) != hidden(&mine) {
            failed += 1;
            eprintln!("FAIL {label}:\n reference {theirs:?}\n raudit    {mine:?}");
        }
    };
    // Settings that print the status block afterwards (restored by the guard).
    for args in [
        &["-b", "320"][..],
        &["-r", "0"],
        &["-f", "1"],
        &["--backlog_wait_time", "60000"],
        &["-e", "0"],
    ] {
        let theirs = run(reference, args);
        let mine = run(ours, &[&["ctl"][..], args].concat());
        check(&format!("{args:?}"), theirs, mine);
    }
    check("-s", run(reference, &["-s"]), run(ours, &["ctl", "-s"]));
    check("-s -i", run(reference, &["-s", "-i"]), run(ours, &["ctl", "-s", "-i"]));
    run(reference, &["-R", rules.to_str().unwrap()]);
    for args in
        [&["-l"][..], &["-l", "-k", "identity"], &["-l", "-k", "exec"], &["-l", "-k", "nomatch"]]
    {
        check(
            &format!("{args:?}"),
            run(reference, args),
            run(ours, &[&["ctl"][..], args].concat()),
        );
    }
    // -D -k: each tool deletes from its own copy of the set.
    let theirs = run(reference, &["-D", "-k", "identity"]);
    let theirs_left = run(reference, &["-l"]);
    run(reference, &["-D"]);
    run(reference, &["-R", rules.to_str().unwrap()]);
    let mine = run(ours, &["ctl", "-D", "-k", "identity"]);
    let mine_left = run(reference, &["-l"]);
    check("-D -k identity", theirs, mine);
    check("rules left after -D -k", theirs_left, mine_left);
    check("-D", run(reference, &["-D"]), run(ours, &["ctl", "-D"]));
    eprintln!("auditctl status and listing: {failed} failed");
    assert_eq!(failed, 0);
}

/// autrace: the same messages as the reference (pids aside), rules added
/// while the program runs and all removed afterwards, refusal with rules.
#[test]
fn autrace_runs_like_the_reference() {
    let Some(auditctl) = reference() else { return };
    let Some(reference) = raudit_testkit::reference_tool("autrace") else { return };
    let reference = reference.as_path();
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_raudit"));
    // A run of digits (pids, serials) reads as one '#': the two runs get
    // different pids, and their widths differ once pids wrap.
    let digits = |s: &str| {
        let mut out = String::new();
        for c in s.chars() {
            if !c.is_ascii_digit() {
                out.push(c);
            } else if !out.ends_with('#') {
                out.push('#');
            }
        }
        out
    };
    let trace = |program: &Path, extra: &[&str]| {
        let out = Command::new(program).args(extra).args(["/bin/true"]).output().unwrap();
        (
            digits(&String::from_utf8_lossy(&out.stdout)),
            digits(&String::from_utf8_lossy(&out.stderr)),
            out.status.code(),
        )
    };
    let theirs = trace(reference, &[]);
    let mine = trace(ours, &["trace"]);
    assert_eq!(theirs, mine);
    assert!(mine.0.contains("Trace complete"), "{mine:?}");
    assert!(kernel.client().list_rules().unwrap().is_empty(), "rules left behind");
    let theirs = trace(reference, &["-r"]);
    let mine = trace(ours, &["trace", "-r"]);
    assert_eq!(theirs, mine);
    // With a rule loaded both refuse.
    run(&auditctl, &["-a", "always,exit", "-F", "arch=b64", "-S", "getppid"]);
    let theirs = trace(reference, &[]);
    let mine = trace(ours, &["trace"]);
    assert_eq!(theirs, mine);
    assert_eq!(mine.2, Some(1));
    run(&auditctl, &["-D"]);
}

/// A status listing with the kernel's live counters as `#`: records lost, queued and the last
/// wait move with whatever else the machine audits meanwhile (each case's own CONFIG_CHANGE
/// records under `-r 1` included), so two runs of one command differ there.
fn kernel_counters_hidden(status: &str) -> String {
    status
        .split_inclusive('\n')
        .map(|line| {
            let (text, end) = line.split_at(line.trim_end_matches('\n').len());
            match text.split_once(' ') {
                Some((k @ ("lost" | "backlog" | "backlog_wait_time_actual"), v))
                    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    format!("{k} #{end}")
                }
                _ => line.to_string(),
            }
        })
        .collect()
}

/// Command lines and rules files found by the differential sweep
/// (`testdata/compat/auditctl/edge-cases.jsonl`: `{"args": [...]}` or
/// `{"file": TEXT}`): exit code, stdout, stderr (not for files: the
/// reference sends those messages to syslog) and the rules the kernel
/// holds afterwards are the reference's, and our `-l` lists the rules the
/// reference loaded as the reference does.
#[test]
fn edge_cases_match_the_reference() {
    let Some(reference) = reference() else { return };
    let reference = reference.as_path();
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ours = raudit_testkit::tool_link(dir.path(), "auditctl", env!("CARGO_BIN_EXE_raudit"));
    let cases = raudit_testkit::workspace_root().join("testdata/compat/auditctl/edge-cases.jsonl");
    let text = std::fs::read_to_string(cases).unwrap();
    let output = |program: &Path, args: &[String]| {
        let out = Command::new(program)
            .args(args)
            .env("LC_ALL", "C")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            kernel_counters_hidden(&String::from_utf8_lossy(&out.stdout)),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (mut passed, mut failed) = (0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let (args, is_file): (Vec<String>, bool) = match case.get("file") {
            Some(body) => {
                let path = dir.path().join("case.rules");
                std::fs::write(&path, body.as_str().unwrap()).unwrap();
                (vec!["-R".into(), path.display().to_string()], true)
            }
            None => (
                case["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                false,
            ),
        };
        assert!(
            !args
                .iter()
                .any(|a| a.contains("loginuid") || (a.starts_with("-e") && a.contains('2'))),
            "unsafe case {args:?}"
        );
        let _ = kernel.restore();
        let mut theirs = output(reference, &args);
        let theirs_rules = run(reference, &["-l"]);
        // Our listing of what the reference loaded.
        let listed_by_us = run(&ours, &["-l"]);
        let _ = kernel.restore();
        let mut mine = output(&ours, &args);
        let mine_rules = run(reference, &["-l"]);
        let _ = kernel.restore();
        if is_file {
            theirs.2.clear();
            mine.2.clear();
        }
        if theirs == mine && theirs_rules == mine_rules && listed_by_us == theirs_rules {
            passed += 1;
        } else {
            failed += 1;
            eprintln!(
                "FAIL {args:?}:\n reference {theirs:?} {theirs_rules:?}\n raudit    {mine:?} {mine_rules:?} (lists the reference's rules as {listed_by_us:?})"
            );
        }
    }
    eprintln!("auditctl edge cases: {passed} passed, {failed} failed");
    assert!(passed > 0);
    assert_eq!(failed, 0);
}
