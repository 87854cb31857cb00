//! What the compat suites share: running a tool on a log, finding the logs,
//! the recordings used when the reference is missing, and the list of
//! deliberate differences (`testdata/compat/TOOL/`).
#![allow(dead_code)] // each suite uses its part

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

pub use raudit_testkit::workspace_root;

pub struct Case {
    pub log: PathBuf,
    /// The log's name in reports and recordings (relative to its root).
    pub label: String,
    pub args: String,
    pub own: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    pub stdout: Vec<u8>,
    pub code: i32,
}

pub fn run(program: &Path, log: &Path, args: &str) -> Run {
    let out = Command::new(program)
        .arg("-if")
        .arg(log)
        .args(args.split_whitespace())
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Run { stdout: out.stdout, code: out.status.code().unwrap_or(-1) }
}

/// Runs `program ARGS` with `log` piped to its standard input, as in
/// `cat audit.log | ausearch`.
pub fn run_stdin(program: &Path, log: &Path, args: &str) -> Run {
    let script = format!("cat '{}' | '{}' {args}", log.display(), program.display());
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    Run { stdout: out.stdout, code: out.status.code().unwrap_or(-1) }
}

/// `rauditd ARGS`, standard input closed.
pub fn rauditd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rauditd"));
    cmd.args(args).stdin(std::process::Stdio::null());
    cmd
}

/// A link named `tool` to the raudit binary, in `dir`.
pub fn tool_link(dir: &Path, tool: &str) -> PathBuf {
    raudit_testkit::tool_link(dir, tool, env!("CARGO_BIN_EXE_raudit"))
}

/// Whether `path` is an audit log (not a corpus's metadata file).
pub fn is_log(path: &Path) -> bool {
    !matches!(path.extension().and_then(|x| x.to_str()), Some("yaml" | "ini" | "md"))
}

/// The logs below `root`, each with its label (its path below `root`).
pub fn logs_under(root: &Path, own: bool) -> Vec<(PathBuf, String, bool)> {
    raudit_testkit::files_under(root, is_log)
        .into_iter()
        .map(|p| {
            let label = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            (p, label, own)
        })
        .collect()
}

pub fn recording(tool: &str, label: &str, args: &str) -> PathBuf {
    let name: String = format!("{label} {args}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect();
    workspace_root().join(format!("testdata/compat/{tool}/expected")).join(name)
}

pub fn with_suffix(base: &Path, suffix: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub fn load_recording(tool: &str, label: &str, args: &str) -> Option<Run> {
    let base = recording(tool, label, args);
    let stdout = std::fs::read(with_suffix(&base, ".out")).ok()?;
    let code = std::fs::read_to_string(with_suffix(&base, ".rc")).ok()?.trim().parse().ok()?;
    Some(Run { stdout, code })
}

pub fn save_recording(tool: &str, label: &str, args: &str, run: &Run) {
    let base = recording(tool, label, args);
    std::fs::create_dir_all(base.parent().unwrap()).unwrap();
    std::fs::write(with_suffix(&base, ".out"), &run.stdout).unwrap();
    std::fs::write(with_suffix(&base, ".rc"), format!("{}\n", run.code)).unwrap();
}

pub fn known_differences(tool: &str) -> HashMap<(String, String), String> {
    let path = workspace_root().join(format!("testdata/compat/{tool}/known-differences.txt"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            Some((
                (parts.next()?.to_string(), parts.next()?.to_string()),
                parts.next()?.to_string(),
            ))
        })
        .collect()
}

pub fn first_difference(a: &[u8], b: &[u8]) -> String {
    let la: Vec<&[u8]> = a.split(|&c| c == b'\n').collect();
    let lb: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
    let i = la.iter().zip(&lb).position(|(x, y)| x != y).unwrap_or(la.len().min(lb.len()));
    let show = |v: &Vec<&[u8]>| {
        v.get(i).map(|l| String::from_utf8_lossy(l).into_owned()).unwrap_or("<end>".into())
    };
    format!("line {}: reference {:?}\n          raudit    {:?}", i + 1, show(&la), show(&lb))
}

/// One compat matrix: a tool, the reference, and how outputs compare.
pub struct Matrix<'a> {
    pub tool: &'a str,
    /// The reference tool; without it, the recordings.
    pub reference: Option<&'a Path>,
    /// raudit, through a link with the tool's name.
    pub ours: &'a Path,
    /// RAUDIT_BLESS=1: rewrite the recordings of the repo's own logs.
    pub bless: bool,
    /// Applied to both outputs before comparing (e.g. usage text).
    pub normalise: fn(Run) -> Run,
}

/// The whole matrix test of `tool`: the repo's logs, and with the reference
/// installed (required under CI=true) also the `extra` logs (made in the
/// given temp dir) and the shared corpus; without it, the repo's logs
/// against their recordings.
pub fn matrix_test(
    tool: &str,
    normalise: fn(Run) -> Run,
    queries: &[&str],
    errors: &[&str],
    extra: impl FnOnce(&Path) -> Vec<(PathBuf, String, bool)>,
) {
    let bless = std::env::var("RAUDIT_BLESS").is_ok_and(|v| v == "1");
    let reference = raudit_testkit::reference_tool(tool);
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let mut logs = logs_under(&root.join("testdata/logs"), true);
    if reference.is_some() {
        logs.extend(extra(dir.path()));
        if let Some(corpus) = raudit_testkit::shared_corpus("logs") {
            logs.extend(logs_under(&corpus, false));
        }
    } else {
        eprintln!("{tool} compat: no reference; checking the recordings of the repo's own logs");
    }
    let ours = tool_link(dir.path(), tool);
    let m = Matrix { tool, reference: reference.as_deref(), ours: &ours, bless, normalise };
    run_matrix(&m, &logs, queries, errors);
}

/// `-if DIR` (a rotated set, oldest first) and standard input (the log
/// through a pipe, as in `cat audit.log | TOOL`): each of `arg_sets` both
/// ways, through the reference and raudit. Skipped without the reference.
pub fn directories_and_stdin(tool: &str, arg_sets: &[&str]) {
    let Some(reference) = raudit_testkit::reference_tool(tool) else { return };
    let root = workspace_root();
    let rotated = root.join("testdata/rotated");
    let dir = tempfile::tempdir().unwrap();
    let ours = tool_link(dir.path(), tool);
    let piped = root.join("testdata/logs/synthetic.log");
    // A set with empty files: the oldest but one, and the current log.
    let with_empty = dir.path().join("with-empty");
    std::fs::create_dir(&with_empty).unwrap();
    let text = std::fs::read_to_string(&piped).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let (older, newer) = lines.split_at(lines.len() / 2);
    for (name, part) in [("audit.log.3", older), ("audit.log.2", &[]), ("audit.log.1", newer)] {
        std::fs::write(with_empty.join(name), part.concat()).unwrap();
    }
    std::fs::write(with_empty.join("audit.log"), "").unwrap();
    let mut tally = raudit_testkit::Tally::new();
    for args in arg_sets {
        let pairs = [
            ("-if DIR", run(&reference, &rotated, args), run(&ours, &rotated, args)),
            (
                "-if DIR with empty files",
                run(&reference, &with_empty, args),
                run(&ours, &with_empty, args),
            ),
            ("stdin", run_stdin(&reference, &piped, args), run_stdin(&ours, &piped, args)),
        ];
        for (how, theirs, mine) in pairs {
            tally.check(theirs == mine, || {
                format!("{how} [{args}]: {}", first_difference(&theirs.stdout, &mine.stdout))
            });
        }
    }
    tally.finish(&format!("{tool} directory/stdin compat"));
}

/// Runs every query on every log (the error lines on the first log only)
/// through both tools on two threads, prints `N passed, N failed` and
/// fails on any difference not listed as known.
pub fn run_matrix(
    m: &Matrix<'_>,
    logs: &[(PathBuf, String, bool)],
    queries: &[&str],
    errors: &[&str],
) {
    let mut cases = Vec::new();
    for (i, (log, label, own)) in logs.iter().enumerate() {
        for q in queries.iter().chain(if i == 0 { errors } else { &[] }) {
            cases.push(Case {
                log: log.clone(),
                label: label.clone(),
                args: q.to_string(),
                own: *own,
            });
        }
    }

    let known = known_differences(m.tool);
    let failures = Mutex::new(Vec::new());
    let passed = Mutex::new(0usize);
    let known_hit = Mutex::new(0usize);
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(case) = cases.get(i) else { break };
                    let expected = if let Some(reference) = m.reference {
                        let r = (m.normalise)(run(reference, &case.log, &case.args));
                        if m.bless && case.own {
                            save_recording(m.tool, &case.label, &case.args, &r);
                        }
                        Some(r)
                    } else {
                        load_recording(m.tool, &case.label, &case.args)
                    };
                    let Some(expected) = expected else { continue };
                    let got = (m.normalise)(run(m.ours, &case.log, &case.args));
                    let key = (case.label.clone(), case.args.clone());
                    if got == expected {
                        *passed.lock().unwrap() += 1;
                    } else if known.contains_key(&key) {
                        *known_hit.lock().unwrap() += 1;
                    } else {
                        failures.lock().unwrap().push(format!(
                            "{} [{}]: exit reference {}, raudit {}; {}",
                            case.label,
                            case.args,
                            expected.code,
                            got.code,
                            first_difference(&expected.stdout, &got.stdout)
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let passed = passed.into_inner().unwrap();
    let known_hit = known_hit.into_inner().unwrap();
    for f in failures.iter().take(40) {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "{} compat: {passed} passed, {} failed, {known_hit} known differences (docs/compat.md)",
        m.tool,
        failures.len()
    );
    assert!(passed > 0, "no case ran");
    assert!(failures.is_empty(), "{} {} cases differ from the reference", failures.len(), m.tool);
}

/// Reads `from` line by line on a thread of its own into a string the test
/// polls (a child's stdout or stderr).
pub fn collect_lines(from: impl std::io::Read + Send + 'static) -> std::sync::Arc<Mutex<String>> {
    use std::io::BufRead;
    let text = std::sync::Arc::new(Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&text);
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            let mut t = sink.lock().unwrap();
            t.push_str(&line);
            t.push('\n');
        }
    });
    text
}

/// `getppid(i, STORM_TAG)` from a child of the test: a storm rule matches only the tagged
/// calls (not the interpreter's own), and a0 numbers them.
pub const STORM_TAG: u32 = 0x5eed;

/// Adds the storm rule (tagged getppid from the test's children, key `key`) and returns it.
pub fn add_storm_rule(
    kernel: &mut raudit_testkit::KernelGuard,
    key: &str,
) -> raudit_netlink::proto::RuleData {
    let mut b = raudit_rules::RuleBuilder::new();
    b.list_action(raudit_rules::RuleOp::Add, "always,exit").unwrap();
    b.field("arch=b64").unwrap();
    b.syscall("getppid").unwrap();
    b.field(&format!("ppid={}", std::process::id())).unwrap();
    b.field(&format!("a1={STORM_TAG}")).unwrap();
    b.key(key).unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
    rule
}

/// A storm of `n` tagged getppid calls, killed if the test ends early.
pub fn start_storm(n: usize) -> raudit_testkit::DaemonProcess {
    let script = format!(
        "import ctypes\nsc = ctypes.CDLL(None).syscall\nfor i in range({n}): sc(110, i, {STORM_TAG})\n"
    );
    raudit_testkit::DaemonProcess::spawn_with_stop(
        Command::new("python3").arg("-c").arg(script),
        raudit_testkit::Signal::KILL,
    )
}

/// [`start_storm`] that stops before call `gate_at` until the file `gate` exists: the calls
/// from there on are made only once the test says so (the daemon's socket holds more than a
/// storm, so an ungated storm may be over before the test gets to act in its middle).
pub fn start_gated_storm(n: usize, gate_at: usize, gate: &Path) -> raudit_testkit::DaemonProcess {
    let script = format!(
        "import ctypes, os, time\nsc = ctypes.CDLL(None).syscall\nfor i in range({n}):\n    \
         if i == {gate_at}:\n        while not os.path.exists({gate:?}): time.sleep(0.01)\n    \
         sc(110, i, {STORM_TAG})\n"
    );
    raudit_testkit::DaemonProcess::spawn_with_stop(
        Command::new("python3").arg("-c").arg(script),
        raudit_testkit::Signal::KILL,
    )
}

/// The kernel's `lost` counter is the machine's, not the storm's: records that other processes
/// send through netlink meanwhile (PAM's USER_* of a concurrent `su`, another test's auditctl)
/// are made while they hold the kernel's audit command lock, are not paced by
/// backlog_wait_time, and are dropped when the small backlog is full. (Seen once in ten runs:
/// 20000 of 20000 written, lost 7.) The storm's own records are counted above; here a loss is
/// accepted only when such records reached the log as well, i.e. other processes were sending.
pub fn assert_foreign_losses_only(lost: u32, log: &str) {
    if lost == 0 {
        return;
    }
    // The test makes the storm's SYSCALL/PROCTITLE records, the rule's CONFIG_CHANGE and the
    // daemon's own; anything else came from elsewhere.
    let ours = ["SYSCALL", "PROCTITLE", "CONFIG_CHANGE", "DAEMON_START", "DAEMON_END"];
    let foreign = log
        .lines()
        .filter(|l| {
            let kind = l.strip_prefix("type=").and_then(|r| r.split(' ').next()).unwrap_or("");
            !ours.contains(&kind)
        })
        .count();
    eprintln!("the kernel lost {lost} records; {foreign} user-space records of other processes");
    assert!(foreign > 0, "the kernel lost {lost} records and nothing else was sending");
}

/// How long a daemon may take to register or stop on a busy machine (a poll returns as soon
/// as it can).
pub const DAEMON_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Starts `rauditd -n -c DIR` and waits for its registration.
pub fn start_daemon(
    kernel: &mut raudit_testkit::KernelGuard,
    dir: &Path,
) -> raudit_testkit::DaemonProcess {
    let mut daemon = raudit_testkit::DaemonProcess::spawn(&mut rauditd_in(dir, &["-n"]));
    daemon.wait_registered(kernel, DAEMON_WAIT);
    daemon
}

/// Stops the daemon (SIGTERM): it exits 0 and the kernel no longer lists it.
pub fn stop_daemon(
    kernel: &mut raudit_testkit::KernelGuard,
    daemon: &mut raudit_testkit::DaemonProcess,
) {
    assert!(daemon.stop(DAEMON_WAIT).success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");
}

/// A log's text (bytes that are not UTF-8 replaced; empty when it does not exist).
pub fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// A private config dir: `auditd.conf` with `settings` and space thresholds any test machine
/// meets, the log at `DIR/LOG` (its directory made).
pub fn config_dir(log: &str, settings: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join(log);
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("auditd.conf"),
        format!("log_file = {}\n{settings}space_left = 2\nadmin_space_left = 1\n", log.display()),
    )
    .unwrap();
    (dir, log)
}

/// `rauditd ARGS -c DIR` with its run directory in DIR and quiet output (callers
/// change what they need).
pub fn rauditd_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = rauditd(args);
    cmd.arg("-c").arg(dir).env("RAUDIT_RUN_DIR", dir).stdout(std::process::Stdio::null());
    cmd.stderr(std::process::Stdio::null());
    cmd
}
