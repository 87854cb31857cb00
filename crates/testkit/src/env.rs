//! Where tests find what lies outside the crate (the workspace, the shared
//! corpus, the reference tools) and what they do when it is missing: skip
//! with a reason on stderr, or panic under `CI=true` where everything is
//! required.

use std::fmt::Display;
use std::path::{Path, PathBuf};

/// Where the reference (Debian's auditd) installs its tools.
const REFERENCE_DIRS: &[&str] = &["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/// Whether this run is CI (`CI=true`): nothing may be skipped there.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Something a test needs is missing: prints `skipped: REASON` and returns
/// `None`, or panics under `CI=true`.
pub fn skip<T>(reason: impl Display) -> Option<T> {
    skip_or_panic(reason, under_ci())
}

fn skip_or_panic<T>(reason: impl Display, ci: bool) -> Option<T> {
    if ci {
        panic!("required under CI=true, but {reason}");
    }
    skipped(reason);
    None
}

/// The file (`$RAUDIT_SKIP_LOG`) where every skip is also recorded, one
/// `TEST: REASON` line each, so that scripts/test can list the reasons
/// even of tests that passed (cargo shows their stderr only on failure).
pub const SKIP_LOG_VAR: &str = "RAUDIT_SKIP_LOG";

/// Records a skip that is right even under `CI=true` (a test that does
/// not apply here): prints `skipped: REASON` and appends it to
/// `$RAUDIT_SKIP_LOG`. [`skip`] uses it outside CI.
pub fn skipped(reason: impl Display) {
    eprintln!("skipped: {reason}");
    if let Some(path) = std::env::var_os(SKIP_LOG_VAR) {
        record_skip(Path::new(&path), &reason.to_string());
    }
}

/// Appends `TEST: REASON` (on one line) to `path`.
fn record_skip(path: &Path, reason: &str) {
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let line = format!("{test}: {reason}\n").replace('\n', " ").trim_end().to_string() + "\n";
    // One write of one short line in append mode: lines of parallel tests
    // do not mix.
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    if let Err(e) = appended {
        eprintln!("raudit-testkit: cannot record the skip in {}: {e}", path.display());
    }
}

/// Whether tests that change the machine for good may run: the kernel's
/// `lost` counter and `backlog_wait_time_actual` can be reset but never
/// restored. They run under `CI=true` (a throw-away machine) or with
/// `RAUDIT_DESTRUCTIVE_TESTS=1`; otherwise this records a skip naming
/// `what` and returns false.
pub fn destructive_allowed(what: &str) -> bool {
    if under_ci() || std::env::var("RAUDIT_DESTRUCTIVE_TESTS").is_ok_and(|v| v == "1") {
        return true;
    }
    skipped(format!(
        "{what} cannot be undone; set RAUDIT_DESTRUCTIVE_TESTS=1 (or CI=true) to run it"
    ));
    false
}

/// The reference tool `name` (e.g. `ausearch`) when it is installed.
pub fn find_reference(name: &str) -> Option<PathBuf> {
    REFERENCE_DIRS.iter().map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// The reference tool `name`, or a [`skip`] (a panic under `CI=true`).
pub fn reference_tool(name: &str) -> Option<PathBuf> {
    find_reference(name).or_else(|| skip(format!("the reference {name} is not installed")))
}

/// The workspace's root directory (where `Cargo.toml` and `testdata/` are).
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `../shared/corpus/SUB` beside the workspace, or a [`skip`].
pub fn shared_corpus(sub: &str) -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/corpus").join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(format!("the shared corpus {} is not there", dir.display()))
    }
}

/// A link `dir/name` to `exe`: a multi-call binary run under a tool's name.
///
/// # Panics
/// When the link cannot be made (a test set-up failure).
pub fn tool_link(dir: &Path, name: &str, exe: &str) -> PathBuf {
    let link = dir.join(name);
    if let Err(e) = std::os::unix::fs::symlink(exe, &link) {
        panic!("cannot link {} to {exe}: {e}", link.display());
    }
    link
}

/// The files below `root` (recursively) that `keep` accepts, sorted; a
/// missing or unreadable directory adds nothing.
pub fn files_under(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "required under CI=true, but no audit here")]
    fn ci_panics_instead_of_skipping() {
        let _: Option<()> = skip_or_panic("no audit here", true);
    }

    #[test]
    fn outside_ci_it_skips() {
        assert!(skip_or_panic::<()>("no audit here", false).is_none());
    }

    #[test]
    fn a_skip_is_recorded_in_the_skip_log() {
        let log = std::env::temp_dir().join(format!("raudit-skips-{}", std::process::id()));
        record_skip(&log, "no thing\nhere");
        let text = std::fs::read_to_string(&log).unwrap();
        std::fs::remove_file(&log).unwrap();
        assert_eq!(text, "env::tests::a_skip_is_recorded_in_the_skip_log: no thing here\n");
    }

    #[test]
    fn the_root_holds_the_workspace() {
        assert!(workspace_root().join("crates/testkit/Cargo.toml").is_file());
    }
}
