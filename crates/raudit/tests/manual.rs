//! `raudit --generate`: every man page renders without a warning, every
//! completion file parses in its shell, and bash completes every option of
//! every tool under each of its names.

use std::path::Path;
use std::process::Command;

use raudit_testkit::skip;

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");

fn generate(kind: &str, dir: &Path) {
    let out = Command::new(RAUDIT).args(["--generate", kind]).arg(dir).output().expect("raudit");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn man_pages_render_without_warnings() {
    if !have("man") {
        skip::<()>("man is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    generate("man", dir.path());
    let pages = raudit_testkit::files_under(dir.path(), |_| true);
    assert!(pages.len() >= 13, "{pages:?}");
    for page in pages {
        let out = Command::new("man")
            .args(["-l", "--warnings"])
            .arg(&page)
            .env("MANWIDTH", "80")
            .output()
            .expect("man");
        assert!(
            out.status.success(),
            "{}: {:?} {}",
            page.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{} warns", page.display());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("NAME") && text.contains("DESCRIPTION"), "{}", page.display());
    }
}

/// Each shell parses its file (`-n`); zsh and fish are installed by
/// scripts/install-prereqs, so they are required under CI=true.
#[test]
fn completions_parse_in_their_shells() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate("completions", dir.path());
    let check = |shell: &str, file: &Path| {
        let out = Command::new(shell).arg("-n").arg(file).output().expect(shell);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{shell} -n {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    check("bash", &dir.path().join("bash/raudit"));
    if have("zsh") {
        check("zsh", &dir.path().join("zsh/_raudit"));
    } else {
        skip::<()>("zsh is not installed (scripts/install-prereqs installs it)");
    }
    if have("fish") {
        let files = raudit_testkit::files_under(&dir.path().join("fish"), |_| true);
        assert!(files.len() > 10, "{files:?}");
        for f in files {
            check("fish", &f);
        }
    } else {
        skip::<()>("fish is not installed (scripts/install-prereqs installs it)");
    }
}

/// What bash offers for `WORDS...` with the cursor on the last word.
fn bash_complete(file: &Path, function: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; {function}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let out = Command::new("bash").args(["-c", &script]).output().expect("bash");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect()
}

#[test]
fn bash_completes_every_option_of_every_tool() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate("completions", dir.path());
    let file = dir.path().join("bash/raudit");
    let tools = bash_complete(&file, "_raudit", &["raudit", ""]);
    for page in raudit::manual::PAGES {
        assert!(tools.contains(&page.subcommand.to_string()), "{}: {tools:?}", page.subcommand);
        let via_raudit = bash_complete(&file, "_raudit", &["raudit", page.subcommand, "-"]);
        let function = format!("_raudit_tool_{}", page.subcommand);
        let legacy = page.command_names()[0];
        let via_legacy = bash_complete(&file, &function, &[legacy, "-"]);
        for flag in (page.flags)() {
            for name in flag.names() {
                assert!(
                    via_raudit.contains(&name.to_string()),
                    "raudit {} {name}",
                    page.subcommand
                );
                assert!(via_legacy.contains(&name.to_string()), "{legacy} {name}");
            }
        }
    }
    // Values: a word list, and a file name.
    let escape = bash_complete(&file, "_raudit_tool_search", &["ausearch", "--escape", "sh"]);
    assert_eq!(escape, ["shell", "shell_quote"]);
    let input = bash_complete(&file, "_raudit_tool_search", &["ausearch", "-if", "/etc/host"]);
    assert!(input.iter().any(|f| f == "/etc/hostname" || f == "/etc/hosts"), "{input:?}");
    let registered = std::fs::read_to_string(&file).expect("read");
    assert!(registered.contains("complete -F _raudit_tool_daemon auditd rauditd"));
}
