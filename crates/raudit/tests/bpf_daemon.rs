//! rauditd's BPF source against the real kernel: `--bpf connect,exec,open` writes a login
//! session's connect, exec and open into the log as raudit's BPF records; raudit's ausearch
//! finds them by session, key, login uid, type name and exe; the reference's ausearch reads
//! the whole log without a parse error and finds them by session too. Holds the kernel lock.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use raudit_testkit::{DaemonProcess, KernelGuard, Signal, poll_until, wait_for};

const WAIT: Duration = Duration::from_secs(60);
const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `rauditd -n --bpf KINDS ARGS` writing into a fresh log in `dir`, registered with the kernel.
fn start_daemon(
    kernel: &mut KernelGuard,
    dir: &Path,
    kinds: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> DaemonProcess {
    let conf = format!(
        "log_file = {}\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 1\nspace_left = 2\nadmin_space_left = 1\n",
        dir.join("audit.log").display()
    );
    std::fs::write(dir.join("auditd.conf"), conf).unwrap();
    let mut cmd = common::rauditd(&["-n", "--bpf", kinds, "--bpf-key", "bpf-test"]);
    cmd.args(args).arg("-c").arg(dir).env("RAUDIT_RUN_DIR", dir).envs(env.iter().copied());
    cmd.stdout(Stdio::null()).stderr(Stdio::inherit());
    let mut daemon = DaemonProcess::spawn(&mut cmd);
    daemon.wait_registered(kernel, WAIT);
    daemon
}

/// Waits until the BPF source writes: an open of a probe file reaches the log.
fn wait_tracing(dir: &Path) {
    let probe = dir.join("probe");
    std::fs::write(&probe, "p").unwrap();
    let probe_text = format!("path=\"{}\"", probe.display());
    let log = dir.join("audit.log");
    wait_for("the BPF source", WAIT, || {
        let _ = std::fs::read(&probe);
        read(&log).contains(&probe_text)
    });
}

/// The local time of `secs` as ausearch's `-ts`/`-te` take it (C locale): date, time.
fn local_time(secs: u64) -> (String, String) {
    let out = Command::new("date")
        .args(["-d", &format!("@{secs}"), "+%m/%d/%y %H:%M:%S"])
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (date, time) = text.trim().split_once(' ').expect("date printed a date and a time");
    (date.to_string(), time.to_string())
}

/// The seconds of a record's `msg=audit(SECS.MS:SERIAL)`.
fn record_secs(line: &str) -> u64 {
    let stamp = line.split_once("msg=audit(").and_then(|(_, r)| r.split_once('.'));
    stamp.and_then(|(secs, _)| secs.parse().ok()).unwrap_or_else(|| panic!("no time: {line}"))
}

fn can_trace() -> bool {
    if !cfg!(feature = "bpf") {
        return raudit_testkit::skip::<()>("raudit is built without the bpf feature").is_some();
    }
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        return raudit_testkit::skip::<()>("the kernel has no BTF").is_some();
    }
    true
}

/// `ausearch -if LOG ARGS` of the reference, or raudit's (`raudit search`).
fn search(tool: &str, log: &Path, args: &[&str]) -> (i32, String, String) {
    run_on_log(tool, "search", log, args)
}

/// `TOOL -if LOG ARGS`: a reference tool, or raudit's `SUBCOMMAND`.
fn run_on_log(tool: &str, subcommand: &str, log: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(tool);
    if tool == RAUDIT {
        cmd.arg(subcommand);
    }
    let out = cmd.arg("-if").arg(log).args(args).env("LC_ALL", "C").output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn daemon_writes_bpf_records_that_both_searches_read() {
    if !can_trace() {
        return;
    }
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = d.join("audit.log");
    let mut daemon = start_daemon(&mut kernel, d, "connect,exec,open", &[], &[]);
    wait_tracing(d);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let theirs = d.join("theirs");
    std::fs::write(&theirs, "t").unwrap();
    let marker = format!("raudit-bpf-daemon-{}", std::process::id());
    let script = format!(
        "echo 4242 > /proc/self/loginuid && cat /proc/self/sessionid && echo && read x && cat {} > /dev/null && \
         (exec 3<>/dev/tcp/127.0.0.1/{port}) && /bin/true {marker}",
        theirs.display()
    );
    let mut child = Command::new("/bin/bash")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ses: u32 = line.trim().parse().unwrap_or_else(|_| panic!("child printed {line:?}"));
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let mut status = None;
    poll_until(WAIT, || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    let _accepted = listener.accept().unwrap();

    let ses_text = format!(" ses={ses} ");
    wait_for("the session's three records", WAIT, || {
        let text = read(&log);
        let mine = |ty: &str, what: &str| {
            text.lines().any(|l| l.starts_with(ty) && l.contains(&ses_text) && l.contains(what))
        };
        mine("type=UNKNOWN[2980] ", &format!("rport={port} "))
            && mine("type=UNKNOWN[2981] ", &marker)
            && mine("type=UNKNOWN[2982] ", &format!("path=\"{}\"", theirs.display()))
    });
    assert!(daemon.stop(WAIT).success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");
    drop(kernel);

    let text = read(&log);
    let exec = text.lines().find(|l| l.contains(&marker)).unwrap();
    let secs = record_secs(exec);
    assert!(exec.contains(&format!("auid=4242 ses={ses} msg='op=exec ")), "{exec}");
    assert!(
        exec.contains(" exe=\"/bin/true\" ") && exec.contains(&format!(" arg1=\"{marker}\" ")),
        "{exec}"
    );
    assert!(exec.ends_with(" key=\"bpf-test\" res=success'"), "{exec}");

    let ses_s = ses.to_string();
    for args in [
        vec!["--session", ses_s.as_str(), "-m", "BPF_EXEC"],
        vec!["-k", "bpf-test", "-ua", "4242", "-x", "/bin/true"],
        vec![
            "--session",
            ses_s.as_str(),
            "--format",
            "json",
            "-m",
            "BPF_CONNECT,BPF_EXEC,BPF_OPEN",
        ],
    ] {
        let (code, out, err) = search(RAUDIT, &log, &args);
        assert_eq!(code, 0, "raudit search {args:?}: {err}");
        assert!(out.contains(&marker), "raudit search {args:?} misses the exec:\n{out}");
    }
    // The session's events (bash, cat and true open libraries too), every one of them its own.
    let (_, json, _) = search(RAUDIT, &log, &["--session", &ses_s, "--format", "json"]);
    let events: Vec<serde_json::Value> =
        json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let in_log = text.lines().filter(|l| l.contains(&format!(" ses={ses} "))).count();
    assert!(in_log >= 3 && events.len() >= 3, "{in_log} records, {} events", events.len());
    let ses_json = format!("\"ses\":\"{ses}\"");
    assert!(events.iter().all(|e| e.to_string().contains(&ses_json)), "{json}");
    let exec =
        events.iter().find(|e| e["type"] == "UNKNOWN[2981]" && e.to_string().contains(&marker));
    let exec = exec.expect("the exec in JSON");
    let rec = &exec["records"][0];
    assert_eq!(rec["interp"]["msg"]["exe"], "/bin/true", "{exec}");
    assert_eq!(rec["interp"]["auid"], "unknown(4242)", "{exec}");
    assert_eq!(rec["fields"]["msg"]["arg1"], format!("\"{marker}\""), "{exec}");

    let Some(reference) = raudit_testkit::reference_tool("ausearch") else { return };
    let reference = reference.to_str().unwrap();
    let (code, out, err) = search(reference, &log, &["--raw"]);
    assert_eq!(code, 0, "reference ausearch: {err}");
    assert!(err.is_empty(), "reference ausearch complained: {err}");
    assert_eq!(
        out.lines().count(),
        text.lines().count(),
        "the reference did not read every record:\n{err}"
    );
    let (code, out, err) = search(reference, &log, &["--session", &ses_s, "--raw"]);
    assert_eq!(code, 0, "reference ausearch --session: {err}");
    let bpf_of_session = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("type=UNKNOWN[298") && l.contains(&format!(" ses={ses} ")))
            .count()
    };
    assert_eq!(bpf_of_session(&out), bpf_of_session(&text), "{out}");
    assert!(out.contains(&marker), "{out}");

    // -ts/-te select BPF records by their time, as the reference's ausearch does.
    let (day, from) = local_time(secs);
    let (end_day, to) = local_time(secs + 1);
    let (before_day, before) = local_time(secs - 1);
    let window = ["-ts", &day, &from, "-te", &end_day, &to, "--session", &ses_s, "--raw"];
    let (code, ours, err) = search(RAUDIT, &log, &window);
    assert_eq!(code, 0, "raudit search {window:?}: {err}");
    assert!(ours.contains(&marker), "{window:?} misses the exec:\n{ours}");
    let (_, theirs, _) = search(reference, &log, &window);
    assert_eq!(ours, theirs, "raudit and the reference differ on {window:?}");
    let earlier = ["-te", &before_day, &before, "--session", &ses_s, "--raw"];
    let (_, ours, _) = search(RAUDIT, &log, &earlier);
    assert!(!ours.contains(&marker), "{earlier:?} finds the exec:\n{ours}");

    // aureport reads the log with the BPF records as the reference does.
    let Some(aureport) = raudit_testkit::reference_tool("aureport") else { return };
    let aureport = aureport.to_str().unwrap();
    for args in [vec![], vec!["-x", "--summary"], vec!["-ts", &day, &from, "-te", &end_day, &to]] {
        let (code, ours, err) = run_on_log(RAUDIT, "report", &log, &args);
        assert_eq!(code, 0, "raudit report {args:?}: {err}");
        let (_, theirs, _) = run_on_log(aureport, "report", &log, &args);
        // raudit reads the `key=` inside a BPF record's msg (docs/bpf.md); the reference
        // does not look there: the one line where the two differ, by design.
        let keys =
            |t: &str| t.lines().find(|l| l.starts_with("Number of keys: ")).map(str::to_owned);
        let without_keys = |t: &str| -> Vec<String> {
            t.lines().filter(|l| !l.starts_with("Number of keys: ")).map(str::to_owned).collect()
        };
        assert_eq!(
            without_keys(&ours),
            without_keys(&theirs),
            "raudit report and aureport differ on {args:?}"
        );
        if let (Some(ours), Some(theirs)) = (keys(&ours), keys(&theirs)) {
            let count = |l: &str| l.rsplit(' ').next().and_then(|n| n.parse::<u32>().ok());
            assert_eq!(count(&ours), count(&theirs).map(|n| n + 1), "{ours} / {theirs}");
        }
    }
}

/// With a one-page ring buffer and the daemon stopped during a burst of opens, the drops
/// are written as BPF_LOST records: every open of the burst is logged or counted lost.
#[test]
fn daemon_writes_ring_buffer_drops_as_bpf_lost() {
    if !can_trace() {
        return;
    }
    const BURST: usize = 300;
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = d.join("audit.log");
    let env = [("RAUDIT_BPF_RING_BYTES", "4096")];
    // One process: the one stopped below is the one that reads the ring (with the supervisor,
    // the worker would go on reading and the ring might never fill).
    let mut daemon = start_daemon(&mut kernel, d, "open", &["--no-supervisor"], &env);
    wait_tracing(d);

    let burst = d.join("burst");
    std::fs::write(&burst, "b").unwrap();
    daemon.stop_all_threads(WAIT);
    // What the log held when the burst began: the drops are reported after it, before or after
    // the burst's events still in the ring (the reader may have been stopped between reading
    // the ring and reading the loss counters).
    let stopped_at = read(&log).len();
    for _ in 0..BURST {
        drop(std::fs::File::open(&burst).unwrap());
    }
    daemon.signal(Signal::CONT);
    let burst_text = format!("path=\"{}\"", burst.display());
    // The burst's opens logged, and those counted lost, in the log since the stop.
    let accounted = || {
        let text = read(&log);
        let after = text.get(stopped_at..).unwrap_or("").to_owned();
        let seen = after.lines().filter(|l| l.contains(&burst_text)).count();
        let lost: usize = after
            .lines()
            .filter(|l| l.starts_with("type=UNKNOWN[2983] "))
            .map(|l| {
                assert!(l.contains(" msg='op=lost ring_full="), "{l}");
                let n = l.split_once("ring_full=").and_then(|(_, r)| r.split_once(' '));
                n.and_then(|(n, _)| n.parse::<usize>().ok()).unwrap_or_else(|| panic!("{l}"))
            })
            .sum();
        (seen, lost)
    };
    // Every open of the burst is logged or counted lost (the ring's last events may be written
    // after the loss record).
    wait_for("the burst logged or counted lost", WAIT, || {
        let (seen, lost) = accounted();
        lost > 0 && seen + lost >= BURST
    });
    let (seen, lost) = accounted();
    assert!(daemon.stop(WAIT).success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");
    drop(kernel);
    assert!(seen < BURST, "{seen} of {BURST} logged: nothing overflowed");
    assert!(seen + lost >= BURST, "{seen} logged + {lost} lost < {BURST}: dropped silently");
    let (code, out, err) = search(RAUDIT, &log, &["-m", "BPF_LOST", "-k", "bpf-test"]);
    assert_eq!(code, 0, "raudit search -m BPF_LOST: {err}");
    assert!(out.contains("op=lost ring_full="), "{out}");
}

/// A daemon stopped right after a burst of opens writes every one of them, and its end
/// record is still the log's last: the BPF source is drained before the daemon says it ends.
#[test]
fn daemon_stopped_after_a_burst_writes_it_all_before_its_end_record() {
    if !can_trace() {
        return;
    }
    const BURST: usize = 2000;
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = d.join("audit.log");
    // Written before the daemon traces: the burst's opens are the only ones of this path.
    let burst = d.join("burst");
    std::fs::write(&burst, "b").unwrap();
    let mut daemon = start_daemon(&mut kernel, d, "open", &[], &[]);
    wait_tracing(d);

    for _ in 0..BURST {
        drop(std::fs::File::open(&burst).unwrap());
    }
    // Every open has returned: each is in the ring (or counted lost) before the stop is asked.
    assert!(daemon.stop(WAIT).success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");
    drop(kernel);

    let text = read(&log);
    let burst_text = format!("path=\"{}\"", burst.display());
    let seen = text.lines().filter(|l| l.contains(&burst_text)).count();
    // Loss records may come anyway: the source traces every process's opens, and on a busy
    // machine others can fill the ring while the burst runs. None of the burst may be lost.
    let lost = text.lines().filter(|l| l.starts_with("type=UNKNOWN[2983] ")).count();
    assert_eq!(seen, BURST, "opens logged ({lost} loss records)");
    let last = text.lines().last().unwrap_or_default();
    assert!(last.starts_with("type=DAEMON_END "), "the last record is not the end: {last}");
}
