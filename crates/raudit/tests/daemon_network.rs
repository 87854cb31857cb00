//! rauditd as a central log server: its TCP listener (`tcp_listen_port`, `local_events = no`, so
//! the kernel is not touched) takes records from the reference's audisp-remote and from `raudit
//! remote` at once, writes them as they came (node= names kept), logs DAEMON_ACCEPT and
//! DAEMON_CLOSE, and sends ENDING to its clients when it stops.

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use raudit_testkit::{DaemonProcess, wait_for};

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
const RAUDITD: &str = env!("CARGO_BIN_EXE_rauditd");
const REFERENCE_REMOTE: &str = "/sbin/audisp-remote";

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `count` records of `node` in the plugin string format: SYSCALL + EOE per serial.
fn stream(node: &str, from: u64, count: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for s in from..from + count {
        let stamp = format!("audit(1700000000.{:03}:{s})", s % 1000);
        out.extend_from_slice(
            format!(
                "node={node} type=SYSCALL msg={stamp}: arch=c000003e syscall=110 success=yes exit=1 \
                 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 \
                 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"storm\" exe=\"/bin/storm\" key=(null)\n\
                 node={node} type=EOE msg={stamp}: \n"
            )
            .as_bytes(),
        );
    }
    out
}

/// Serials of the SYSCALL records of each node in the log.
fn serials_by_node(log: &str) -> HashMap<String, Vec<u64>> {
    let mut by = HashMap::<String, Vec<u64>>::new();
    for l in log.lines() {
        let Some(rest) = l.strip_prefix("node=") else { continue };
        let (node, rest) = rest.split_once(' ').unwrap();
        if !rest.starts_with("type=SYSCALL ") {
            continue;
        }
        let serial = rest.split_once("):").unwrap().0.rsplit(':').next().unwrap();
        by.entry(node.to_string()).or_default().push(serial.parse().unwrap());
    }
    by
}

fn start_server(dir: &Path, port: u16) -> DaemonProcess {
    std::fs::create_dir_all(dir.join("plugins.d")).unwrap();
    std::fs::write(
        dir.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nlocal_events = no\ntcp_listen_port = {port}\n\
             tcp_max_per_addr = 4\nspace_left = 2\nadmin_space_left = 1\nnum_logs = 5\n\
             plugin_dir = {}\n",
            dir.join("audit.log").display(),
            dir.join("plugins.d").display()
        ),
    )
    .unwrap();
    let daemon = DaemonProcess::spawn(
        Command::new(RAUDITD)
            .args(["-n", "-c"])
            .arg(dir)
            .env("RAUDIT_RUN_DIR", dir)
            .stderr(Stdio::null()),
    );
    let log = dir.join("audit.log");
    wait_for("the listener", Duration::from_secs(10), || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("type=DAEMON_START"))
            && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    daemon
}

fn remote_conf(dir: &Path, port: u16) {
    std::fs::write(
        dir.join("audisp-remote.conf"),
        format!("remote_server = 127.0.0.1\nport = {port}\nqueue_depth = 20000\n"),
    )
    .unwrap();
}

#[test]
fn rauditd_listener_takes_reference_and_raudit_clients() {
    if !rustix::process::geteuid().is_root() || !Path::new(REFERENCE_REMOTE).exists() {
        raudit_testkit::skip::<()>(format!("needs root and {REFERENCE_REMOTE}"));
        return;
    }
    let server = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut daemon = start_server(server.path(), port);
    let log = server.path().join("audit.log");

    // The reference's client reads /etc/audit/audisp-remote.conf only: a private /etc/audit.
    let theirs_dir = tempfile::tempdir().unwrap();
    remote_conf(theirs_dir.path(), port);
    let script = format!(
        "mount --bind {} /etc/audit && exec {REFERENCE_REMOTE}",
        theirs_dir.path().display()
    );
    let mut theirs = DaemonProcess::spawn(
        Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", &script])
            .stdin(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let ours_dir = tempfile::tempdir().unwrap();
    remote_conf(ours_dir.path(), port);
    let mut ours = DaemonProcess::spawn(
        Command::new(RAUDIT)
            .args(["remote", "--config"])
            .arg(ours_dir.path().join("audisp-remote.conf"))
            .stdin(Stdio::piped())
            .stderr(Stdio::null()),
    );
    const N: u64 = 2000;
    let mut a = theirs.take_stdin().unwrap();
    let mut b = ours.take_stdin().unwrap();
    let feed_a = std::thread::spawn(move || a.write_all(&stream("reference-client", 1, N)));
    let feed_b = std::thread::spawn(move || b.write_all(&stream("raudit-client", 1, N)));
    feed_a.join().unwrap().unwrap();
    feed_b.join().unwrap().unwrap();
    wait_for("every record in the server's log", Duration::from_secs(60), || {
        let by = serials_by_node(&std::fs::read_to_string(&log).unwrap_or_default());
        by.values().map(Vec::len).sum::<usize>() >= 2 * N as usize
    });
    let text = std::fs::read_to_string(&log).unwrap();
    let by = serials_by_node(&text);
    for node in ["reference-client", "raudit-client"] {
        let mut got = by.get(node).cloned().unwrap_or_default();
        got.sort_unstable();
        assert_eq!(got, (1..=N).collect::<Vec<_>>(), "{node}: lost or duplicated records");
    }
    // Written as received: no EOE on disk, the client's line untouched.
    assert!(!text.contains("type=EOE"));
    // The two clients, and start_server's probe.
    assert_eq!(text.matches("type=DAEMON_ACCEPT").count(), 3, "{text}");
    assert!(text.contains("res=success"));

    // TERM: the server ends, every client is told (ENDING) and the log closes with DAEMON_END.
    drop(theirs);
    drop(ours);
    daemon.stop(Duration::from_secs(10));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.lines().last().unwrap().starts_with("type=DAEMON_END "), "{text}");
}

/// A collector (`local_events = no`) rotates on SIGUSR1 as a registered daemon does, though it has
/// no kernel to ask who sent the signal (docs/compat.md: the reference ignores it there).
#[test]
fn a_collector_rotates_on_sigusr1() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = start_server(dir.path(), free_port());
    let rotated = dir.path().join("audit.log.1");
    daemon.signal(raudit_testkit::Signal::USR1);
    wait_for("the rotation", Duration::from_secs(10), || {
        std::fs::read_to_string(dir.path().join("audit.log"))
            .is_ok_and(|t| t.contains("type=DAEMON_ROTATE"))
    });
    assert!(daemon.stop(Duration::from_secs(10)).success());
    let first = std::fs::read_to_string(&rotated).unwrap();
    assert!(first.starts_with("type=DAEMON_START "), "{first}");
    let now = std::fs::read_to_string(dir.path().join("audit.log")).unwrap();
    assert!(now.contains("op=rotate-logs auid=-1 pid=-1 subj=? res=success"), "{now}");
}
