//! rauditd's log index (docs/index.md) as a log server (`local_events = no`, so the kernel is not
//! touched): records from `raudit remote` go to the log, which rotates; once the daemon stops,
//! every file of the set has an index that covers all of it, and ausearch prints the same with
//! and without the indexes.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use raudit_search::index;
use raudit_testkit::{DaemonProcess, wait_for};

mod common;
use common::*;

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
const RAUDITD: &str = env!("CARGO_BIN_EXE_rauditd");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `count` events of the plugin string format, a rare key and pid now and then.
fn stream(count: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for s in 1..=count {
        let stamp = format!("audit({}.{:03}:{s})", 1_700_000_000 + s / 100, s % 1000);
        let key = if s % 1301 == 0 { "rare-key" } else { "storm" };
        let pid = if s % 1733 == 0 { 4242 } else { s % 500 };
        out.extend_from_slice(
            format!(
                "node=client type=SYSCALL msg={stamp}: arch=c000003e syscall=110 success=yes \
                 exit=1 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid={pid} auid=1000 uid=0 gid=0 \
                 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"storm\" \
                 exe=\"/bin/storm\" key=\"{key}\"\n"
            )
            .as_bytes(),
        );
    }
    out
}

fn count_records(dir: &Path) -> usize {
    raudit_search::input::rotated_logs(&dir.join("audit.log"))
        .iter()
        .map(|f| read(f).matches("node=client type=SYSCALL").count())
        .sum()
}

/// rauditd as a log server writing into `dir` (rotating every megabyte), with `args`; returns
/// once it listens on `port`.
fn log_server(dir: &Path, port: u16, args: &[&str]) -> DaemonProcess {
    std::fs::create_dir_all(dir.join("plugins.d")).unwrap();
    std::fs::write(
        dir.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nlocal_events = no\ntcp_listen_port = {port}\n\
             max_log_file = 1\nmax_log_file_action = ROTATE\nnum_logs = 5\nspace_left = 2\n\
             admin_space_left = 1\nplugin_dir = {}\n",
            dir.join("audit.log").display(),
            dir.join("plugins.d").display()
        ),
    )
    .unwrap();
    let daemon = DaemonProcess::spawn(
        Command::new(RAUDITD)
            .arg("-n")
            .args(args)
            .arg("-c")
            .arg(dir)
            .env("RAUDIT_RUN_DIR", dir)
            .stderr(Stdio::null()),
    );
    wait_for("the listener", DAEMON_WAIT, || {
        read(&dir.join("audit.log")).contains("type=DAEMON_START")
            && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    daemon
}

fn needs_root() -> bool {
    let root = rustix::process::geteuid().is_root();
    if !root {
        raudit_testkit::skip::<()>("needs root (the log is chowned to root)");
    }
    root
}

/// Indexing is the default: no option is given.
#[test]
fn rauditd_keeps_the_index_of_each_log_it_writes() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut daemon = log_server(dir.path(), port, &[]);
    let log = dir.path().join("audit.log");
    std::fs::write(
        dir.path().join("audisp-remote.conf"),
        format!("remote_server = 127.0.0.1\nport = {port}\nqueue_depth = 20000\n"),
    )
    .unwrap();
    let mut client = DaemonProcess::spawn(
        Command::new(RAUDIT)
            .args(["remote", "--config"])
            .arg(dir.path().join("audisp-remote.conf"))
            .stdin(Stdio::piped())
            .stderr(Stdio::null()),
    );
    const N: u64 = 8000;
    client.take_stdin().unwrap().write_all(&stream(N)).unwrap();
    wait_for("every record in the log set", Duration::from_secs(120), || {
        count_records(dir.path()) >= N as usize
    });
    // While the daemon still runs, the rotated logs' indexes become whole: the index thread (at
    // idle priority, reading the files itself) catches up without waiting for the stop.
    wait_for("whole indexes of the rotated logs", Duration::from_secs(90), || {
        let rotated: Vec<_> =
            raudit_search::input::rotated_logs(&log).into_iter().filter(|f| *f != log).collect();
        rotated.len() >= 2
            && rotated.iter().all(|f| {
                let data = std::fs::read(f).unwrap_or_default();
                index::load(f, &data).is_some_and(|ix| ix.covered == data.len() as u64)
            })
    });
    drop(client);
    assert!(daemon.stop(DAEMON_WAIT).success());

    let files = raudit_search::input::rotated_logs(&log);
    assert!(files.len() >= 3, "no rotation: {files:?}");
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let ix = index::load(f, &data).unwrap_or_else(|| panic!("{}: no valid index", f.display()));
        assert_eq!(ix.covered, data.len() as u64, "{}", f.display());
    }
    let search = tool_link(dir.path(), "ausearch");
    let run = |args: &[&str]| {
        let out = Command::new(&search).arg("-if").arg(dir.path()).args(args).output().unwrap();
        (out.stdout, out.status.code())
    };
    let queries: [&[&str]; 3] =
        [&["-k", "rare-key", "--raw"], &["-p", "4242"], &["-m", "DAEMON_END"]];
    let with: Vec<_> = queries.iter().map(|q| run(q)).collect();
    assert!(with[0].1 == Some(0) && with[1].1 == Some(0), "nothing found");
    std::fs::remove_dir_all(dir.path().join(index::DIR)).unwrap();
    for (q, w) in queries.iter().zip(&with) {
        assert!(&run(q) == w, "{q:?}");
    }
}

/// `--no-index`: nothing is written beside the log (the same run without it leaves an index).
#[test]
fn no_index_writes_none() {
    if !needs_root() {
        return;
    }
    for (args, indexed) in [(&["--no-index"][..], false), (&[][..], true)] {
        let dir = tempfile::tempdir().unwrap();
        let mut daemon = log_server(dir.path(), free_port(), args);
        assert!(daemon.stop(DAEMON_WAIT).success());
        assert!(read(&dir.path().join("audit.log")).contains("type=DAEMON_END"));
        assert_eq!(dir.path().join(index::DIR).exists(), indexed, "{args:?}");
    }
}
