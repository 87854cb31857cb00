//! Messages beyond the reference (docs/compat.md): the file name and the real cause on stderr,
//! while stdout and the exit code stay the reference's.

use std::process::{Command, Output};

fn raudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raudit")).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn ctl_check_usage_missing_file_and_costs_on_request() {
    let o = raudit(&["ctl", "--check"]);
    assert_eq!(o.status.code(), Some(255));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).starts_with("raudit ctl: usage: raudit ctl --check FILE [--costs]"),
        "{}",
        stderr(&o)
    );

    let o = raudit(&["ctl", "--check", "/nonexistent/audit.rules"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "raudit ctl: /nonexistent/audit.rules: No such file or directory\n");

    let d = tempfile::tempdir().unwrap();
    let rules = d.path().join("audit.rules");
    std::fs::write(
        &rules,
        "-a never,exit -F arch=b64 -S unlink\n\
         -a always,exit -F arch=b64 -S unlink -k twin\n\
         -a always,exit -F arch=b64 -S unlink -k twin\n",
    )
    .unwrap();
    let path = rules.to_str().unwrap();
    let o = raudit(&["ctl", "--check", path]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(out.contains(&format!("{path}:3: duplicate of line 2\n")), "{out}");
    assert!(!out.contains("cost:"), "{out}");
    let o = raudit(&["ctl", "--check", path, "--costs"]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().filter(|l| l.contains(": cost: ")).count(), 3, "{out}");
    // Problems come first.
    assert!(out.find("duplicate").unwrap() < out.find("cost:").unwrap(), "{out}");
}

#[test]
fn search_and_report_name_the_missing_input() {
    for tool in ["search", "report"] {
        let o = raudit(&[tool, "-if", "/nonexistent.log"]);
        assert_eq!(o.status.code(), Some(1), "{tool}");
        assert!(
            stderr(&o).contains("stat: /nonexistent.log: No such file or directory"),
            "{tool}: {}",
            stderr(&o)
        );
        if let Some(reference) = raudit_testkit::reference_tool(&format!("au{tool}")) {
            let theirs =
                Command::new(reference).args(["-if", "/nonexistent.log"]).output().unwrap();
            assert_eq!(theirs.stdout, o.stdout, "{tool}");
            assert_eq!(theirs.status.code(), o.status.code(), "{tool}");
        }
    }
}

#[test]
fn daemon_help_lists_the_options() {
    let o = raudit(&["daemon", "--help"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for opt in
        ["-f ", "-l ", "-n ", "-s disable", "-c DIR", "--load-rules", "--multicast", "--state"]
    {
        assert!(err.lines().any(|l| l.trim_start().starts_with(opt)), "{opt}: {err}");
    }
}
