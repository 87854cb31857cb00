//! Crash-safe capture against the real kernel (issue 17; docs/crash-safety.md): a worker killed
//! with -9 mid-storm is replaced by its supervisor and no storm event is lost, also those the
//! kernel sent while no worker was alive; a daemon killed whole leaves a gap that the next one
//! reports in a RAUDIT_GAP record; a line cut by a crash is completed at the next start. Holds
//! the kernel test lock (KernelGuard).

use std::time::Duration;

mod common;

use common::{
    add_storm_rule, config_dir, read, start_daemon, start_gated_storm, start_storm, stop_daemon,
};

use raudit_testkit::{KernelGuard, Signal, poll_until, signal, wait_for};

const SHORT: Duration = Duration::from_secs(30);
const LONG: Duration = Duration::from_secs(120);

/// The supervisor's worker (its first child; plugins are the worker's children).
fn worker_of(supervisor: u32) -> Option<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{supervisor}/task/{supervisor}/children"));
    children.ok()?.split_whitespace().next()?.parse().ok()
}

/// Whether `pid` has exited (gone, or a zombie its stopped parent has not reaped).
fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

/// Bytes queued in the receive buffers of `pid`'s netlink audit sockets (/proc/net/netlink:
/// protocol 9, Rmem in the fifth column, the socket's inode in the last).
fn queued_bytes(pid: u32) -> u64 {
    let inodes: std::collections::HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|t| {
            let t = t.to_string_lossy().into_owned();
            Some(t.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect();
    let table = std::fs::read_to_string("/proc/net/netlink").unwrap_or_default();
    table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.get(1) == Some(&"9") && f.last().is_some_and(|i| inodes.contains(*i)))
        .filter_map(|f| f.get(4)?.parse::<u64>().ok())
        .sum()
}

/// Waits until the kernel queue is empty and `count` stops growing.
fn drained(kernel: &mut KernelGuard, mut count: impl FnMut() -> usize) {
    let mut prev = usize::MAX;
    let settled = poll_until(LONG, || {
        std::thread::sleep(Duration::from_millis(300));
        let now = count();
        let done = now == prev && kernel.client().get_status().unwrap().backlog == 0;
        prev = now;
        done
    });
    assert!(settled, "the log never settled");
}

/// Checks every line is one whole record and none is written twice; returns how many times
/// each storm call (its a0) was logged.
fn storm_calls(text: &str, key: &str, n: usize) -> Vec<u32> {
    let mut seen = vec![0u32; n];
    let mut lines = std::collections::HashSet::new();
    for l in text.lines() {
        assert!(
            l.starts_with("type=") && l.matches(" msg=audit(").count() == 1,
            "torn or merged record: {l}"
        );
        assert!(lines.insert(l), "a line was written twice: {l}");
        if l.starts_with("type=SYSCALL ") && l.contains(&format!("key=\"{key}\"")) {
            let a0 = l.split(' ').find_map(|f| f.strip_prefix("a0=")).unwrap();
            seen[usize::from_str_radix(a0, 16).unwrap()] += 1;
        }
    }
    seen
}

/// The `name=value` fields of the log's RAUDIT_GAP records.
fn gap_records(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    text.lines()
        .filter(|l| l.starts_with("type=UNKNOWN[2991] "))
        .map(|l| {
            l.split(' ')
                .filter_map(|f| f.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn serial(line: &str) -> u32 {
    let at = line.find("msg=audit(").unwrap();
    let rest = &line[at..];
    let colon = rest.find(':').unwrap();
    let close = rest.find(')').unwrap();
    rest[colon + 1..close].parse().unwrap()
}

fn storm_config() -> (tempfile::TempDir, std::path::PathBuf) {
    config_dir("audit.log", "log_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 50\n")
}

/// The worker is killed with -9 mid-storm while its supervisor is held stopped, so that the
/// kernel goes on sending into the socket with no process reading it; once the supervisor
/// runs again it starts a new worker, which logs all of it: every storm call exactly once.
#[test]
fn a_killed_worker_is_replaced_and_no_storm_event_is_lost() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = storm_config();
    kernel.client().set_backlog_limit(8192).unwrap();
    kernel.client().set_backlog_wait_time(60 * 250).unwrap();
    let mut daemon = start_daemon(&mut kernel, dir.path());
    let supervisor = daemon.pid();
    let mut first_worker = None;
    wait_for("the worker", SHORT, || {
        first_worker = worker_of(supervisor);
        first_worker.is_some()
    });
    let first_worker = first_worker.unwrap();

    const N: usize = 30_000;
    const KEY: &str = "rauditd-crash-worker";
    let rule = add_storm_rule(&mut kernel, KEY);
    let mut storm = start_storm(N);
    let count = || storm_calls(&read(&log), KEY, N).iter().filter(|&&c| c > 0).count();
    wait_for("the storm to start", LONG, || count() >= N / 10);
    storm.signal(Signal::STOP);
    drained(&mut kernel, count);
    let before = count();
    // No worker, and none can be started: what the kernel sends now stays in the socket.
    signal(supervisor, Signal::STOP);
    signal(first_worker, Signal::KILL);
    wait_for("the worker to die", SHORT, || exited(first_worker));
    storm.signal(Signal::CONT);
    wait_for("records queued with no reader", LONG, || {
        queued_bytes(supervisor) > 1 << 20 || exited(storm.pid())
    });
    signal(supervisor, Signal::CONT);
    wait_for("a new worker", SHORT, || worker_of(supervisor).is_some_and(|w| w != first_worker));
    assert!(storm.wait(LONG).success());
    drained(&mut kernel, count);
    kernel.client().delete_rule(&rule).unwrap();
    // The state report (SIGCONT to the pid file's pid, forwarded) comes from the new worker.
    let state = raudit_daemon::daemon::request_state(dir.path()).unwrap();
    assert!(state.contains(&format!("supervisor pid = {supervisor}\n")), "{state}");
    assert!(state.contains("worker restarts = 1\n"), "{state}");
    stop_daemon(&mut kernel, &mut daemon);

    let text = read(&log);
    let seen = storm_calls(&text, KEY, N);
    let missing: Vec<usize> = (0..N).filter(|&i| seen[i] == 0).collect();
    eprintln!("worker killed after {before} of {N} calls were logged; {} missing", missing.len());
    assert!(missing.is_empty(), "{} storm calls lost: {:?}..", missing.len(), missing.first());
    assert_eq!(text.matches("type=DAEMON_START ").count(), 2, "one start per worker");
    assert_eq!(text.matches("type=DAEMON_END ").count(), 1);
    let gaps = gap_records(&text);
    assert_eq!(gaps.len(), 1, "one gap record for the one restart");
    let g = &gaps[0];
    assert_eq!((g["reason"].as_str(), g["sig"].as_str()), ("worker-killed", "9"));
    assert_eq!(g["missing"], "0", "{g:?}");
    // The daemon's records name the pid the tools see: the supervisor's.
    let starts: Vec<&str> = text.lines().filter(|l| l.starts_with("type=DAEMON_START ")).collect();
    assert!(starts.iter().all(|l| l.contains(&format!(" pid={supervisor} "))), "{starts:?}");
}

/// Killing the supervisor kills the worker with it: nothing stays registered, the kernel drops
/// what it makes meanwhile, and the next daemon writes one RAUDIT_GAP record whose serials
/// bracket the hole: at least the storm calls that are missing.
#[test]
fn a_daemon_killed_whole_leaves_a_gap_record() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = storm_config();
    kernel.client().set_backlog_limit(8192).unwrap();
    kernel.client().set_backlog_wait_time(60 * 250).unwrap();
    let mut first = start_daemon(&mut kernel, dir.path());
    let mut worker = None;
    wait_for("the worker", SHORT, || {
        worker = worker_of(first.pid());
        worker.is_some()
    });
    let worker = worker.unwrap();

    const N: usize = 20_000;
    const KEY: &str = "rauditd-crash-both";
    let rule = add_storm_rule(&mut kernel, KEY);
    // The second half of the storm waits for the kill: the daemon's socket and queue can hold
    // much of a storm, and the kernel holds up to a backlog of records for the next daemon, so
    // a storm left to run could be over, and nothing lost, before the kill.
    let gate = dir.path().join("storm-gate");
    let mut storm = start_gated_storm(N, N / 2, &gate);
    let count = || storm_calls(&read(&log), KEY, N).iter().filter(|&&c| c > 0).count();
    wait_for("the storm to start", LONG, || count() >= N / 10);
    storm.signal(Signal::STOP);
    first.kill();
    wait_for("the worker to die with its supervisor", SHORT, || exited(worker));
    // With no daemon the storm's second half (more records than the backlog the kernel holds
    // for the next daemon) runs to its end: the kernel drops what it cannot hold.
    std::fs::write(&gate, b"").unwrap();
    storm.signal(Signal::CONT);
    assert!(storm.wait(LONG).success());
    let mut second = start_daemon(&mut kernel, dir.path());
    wait_for("the gap record", LONG, || !gap_records(&read(&log)).is_empty());
    kernel.client().delete_rule(&rule).unwrap();
    stop_daemon(&mut kernel, &mut second);

    let text = read(&log);
    let seen = storm_calls(&text, KEY, N);
    let missing = (0..N).filter(|&i| seen[i] == 0).count();
    let gaps = gap_records(&text);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    let g = &gaps[0];
    assert_eq!(g["reason"], "no-end-record");
    let (last, first_after): (u32, u32) =
        (g["last_serial"].parse().unwrap(), g["first_serial"].parse().unwrap());
    let counted: usize = g["missing"].parse().unwrap();
    eprintln!(
        "daemon killed: {missing} of {N} storm calls missing, the gap record counts {counted}"
    );
    assert!(missing > 0, "the kill lost nothing: the test did not force a gap");
    assert_eq!(counted as u32, first_after - last - 1);
    assert!(
        counted >= missing,
        "the gap record counts {counted}, {missing} storm calls are missing"
    );
    // The serials it names are the kernel records on either side of it. The kill may cut the
    // last line short: that line is completed, named by its length, and its serial is not the
    // last one written whole.
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("type=UNKNOWN[2991] ")).unwrap();
    let kernel_line = |l: &&&str| !l.starts_with("type=DAEMON_") && !l.starts_with("type=UNKNOWN[");
    let around = lines[at.saturating_sub(3)..(at + 4).min(lines.len())].join("\n");
    let mut before = lines[..at].iter().rev().filter(kernel_line);
    let torn: usize = g["torn_bytes"].parse().unwrap();
    if torn > 0 {
        assert_eq!(before.next().unwrap().len(), torn, "{around}");
    }
    assert_eq!(serial(before.next().unwrap()), last, "{around}");
    assert_eq!(serial(lines[at..].iter().find(kernel_line).unwrap()), first_after, "{around}");
}

/// A log whose last line was cut by a crash: the next daemon completes it with a newline
/// (nothing glued onto it) and its gap record names the cut bytes and the last serial.
#[test]
fn a_cut_last_line_is_completed_and_named() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = storm_config();
    let cut = "type=PROCTITLE msg=audit(1.001:7";
    std::fs::write(
        &log,
        format!(
            "type=DAEMON_START msg=audit(1.000:4000): op=start ver=3.0.9 res=success\n\
             type=SYSCALL msg=audit(1.001:6): arch=c000003e syscall=110 key=\"x\"\n{cut}"
        ),
    )
    .unwrap();
    let mut daemon = start_daemon(&mut kernel, dir.path());
    wait_for("the gap record", LONG, || !gap_records(&read(&log)).is_empty());
    stop_daemon(&mut kernel, &mut daemon);
    let text = read(&log);
    assert!(text.lines().any(|l| l == cut), "the cut line was not completed alone:\n{text}");
    let g = &gap_records(&text)[0];
    assert_eq!(g["torn_bytes"], cut.len().to_string());
    assert_eq!(g["last_serial"], "6");
}
