//! The progress bar of ausearch and aureport (issue #14): on a terminal it shows bytes, rate
//! and time left on standard error and is erased before any output; never in a pipe, nor for
//! `--raw` output into a file. The terminal is a pseudo-terminal from `script` (util-linux);
//! `RAUDIT_PROGRESS_AFTER_MS=0` shows the bar at once instead of after a second.

use std::path::Path;
use std::process::Command;

use raudit_testkit::{skip, workspace_root};

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
/// The start of every drawing and erasing of the bar.
const ERASE: &str = "\r\x1b[K";

/// What the terminal got when `shell` ran on one (stdout and stderr both).
fn on_terminal(shell: &str) -> Option<String> {
    if !Path::new("/usr/bin/script").is_file() {
        return skip("script (util-linux) is not installed");
    }
    let out = Command::new("/usr/bin/script")
        .args(["-qec", shell, "/dev/null"])
        .env("RAUDIT_PROGRESS_AFTER_MS", "0")
        .env("TZ", "UTC")
        .output()
        .unwrap();
    Some(String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"))
}

fn log() -> String {
    workspace_root().join("testdata/logs/synthetic.log").display().to_string()
}

/// Whether `text` shows a bar: erase, then percent, size, rate and time left.
fn has_bar(text: &str) -> bool {
    text.split(ERASE)
        .any(|part| part.contains("% ") && part.contains(" MB/s ") && part.contains(" left"))
}

#[test]
fn a_terminal_gets_a_bar_erased_before_the_output() {
    let Some(text) = on_terminal(&format!("{RAUDIT} search -if {} -k nosuchkey", log())) else {
        return;
    };
    assert!(has_bar(&text), "{text:?}");
    assert!(text.ends_with(&format!("{ERASE}<no matches>\n")), "{text:?}");

    // Matches printed on the same terminal: no line of output carries the bar.
    let text = on_terminal(&format!("{RAUDIT} search -if {} -m USER_AUTH", log())).unwrap();
    assert!(has_bar(&text), "{text:?}");
    let events = text.lines().filter(|l| l.starts_with("type=USER_AUTH ")).count();
    assert!(events > 0, "{text:?}");
    assert!(text.lines().filter(|l| l.contains("type=")).all(|l| !l.contains("MB/s")), "{text:?}");

    // aureport: the bar, then the report intact.
    let text = on_terminal(&format!("{RAUDIT} report -if {} -x --summary", log())).unwrap();
    assert!(has_bar(&text), "{text:?}");
    let report = text.rsplit(ERASE).next().unwrap();
    assert!(report.starts_with("\nExecutable Summary Report\n"), "{text:?}");
}

#[test]
fn no_bar_in_a_pipe_or_for_raw_output_into_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out");
    let f = file.display();
    let l = log();
    for (shell, bar) in [
        (format!("{RAUDIT} search -if {l} -m USER_AUTH | cat"), false),
        (format!("{RAUDIT} report -if {l} | cat"), false),
        (format!("{RAUDIT} search -if {l} -m USER_AUTH --raw > {f}"), false),
        (format!("{RAUDIT} search -if {l} -m USER_AUTH > {f}"), true),
        (format!("{RAUDIT} search -if {l} -m USER_AUTH 2> {f}"), false),
    ] {
        let Some(text) = on_terminal(&shell) else { return };
        assert_eq!(text.contains(ERASE), bar, "{shell}: {text:?}");
        assert_eq!(has_bar(&text), bar, "{shell}: {text:?}");
    }
    // The file got the output alone.
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(!saved.contains('\x1b'), "{saved:?}");
}
