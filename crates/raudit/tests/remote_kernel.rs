//! `raudit remote` into the reference auditd's listener. The reference daemon registers with the
//! kernel, so this holds the kernel test lock, saves and restores the audit state, runs auditd with
//! `-n -s nochange -c <tmpdir>` (empty plugin dir, log in the tmpdir) and stops it by PID.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
const AUDITD: &str = "/sbin/auditd";

/// Stops the reference daemon however the test ends.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the PID of a child this test started and has not reaped.
        unsafe { libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM) };
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a TCP socket listens on `port` (/proc/net/tcp and tcp6: the
/// local address's port in hex, state 0A), without connecting to it.
fn listening(port: u16) -> bool {
    let local = format!(":{port:04X} ");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        text.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(1).is_some_and(|l| format!("{l} ").ends_with(&local))
                && fields.get(3) == Some(&"0A")
        })
    })
}

fn stream(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for s in 1..=n {
        out.extend_from_slice(
            format!(
                "node=client-7 type=SYSCALL msg=audit(1700000000.{:03}:{s}): arch=c000003e syscall=110 success=yes exit=1 items=0 ppid=1 pid=2 comm=\"storm\" key=(null)\nnode=client-7 type=EOE msg=audit(1700000000.{:03}:{s}): \n",
                s % 1000,
                s % 1000
            )
            .as_bytes(),
        );
    }
    out
}

#[test]
fn raudit_remote_into_reference_auditd() {
    if !Path::new(AUDITD).exists() {
        raudit_testkit::skipped(format!("{AUDITD} (auditd package) is missing"));
        return;
    }
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let other = kernel.saved_status().pid;
    if other != 0 && Path::new(&format!("/proc/{other}")).exists() {
        raudit_testkit::skipped(format!("an audit daemon (pid {other}) is registered"));
        return;
    }
    let port = {
        let probe = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        probe.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("plugins")).unwrap();
    let log = d.join("audit.log");
    std::fs::write(
        d.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\nfreq = 20\n\
             space_left = 2\nadmin_space_left = 1\nplugin_dir = {}\n\
             tcp_listen_port = {port}\nuse_libwrap = no\ntcp_max_per_addr = 1\n",
            log.display(),
            d.join("plugins").display()
        ),
    )
    .unwrap();
    let child = Command::new(AUDITD)
        .args(["-n", "-s", "nochange", "-c"])
        .arg(d)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let daemon = Daemon(child);
    let pid = daemon.0.id();
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    // The reference logs DAEMON_START before it opens its listener
    // (auditd.c), so a sender started on that alone may find nothing there.
    wait_until("the reference auditd to start and listen", 60, || {
        kernel.client().get_status().is_ok_and(|s| s.pid == pid)
            && read_log().contains("DAEMON_START")
            && listening(port)
    });

    std::fs::write(
        d.join("audisp-remote.conf"),
        format!("remote_server = 127.0.0.1\nport = {port}\nqueue_depth = 5000\n"),
    )
    .unwrap();
    let mut sender = Command::new(RAUDIT)
        .args(["remote", "--config"])
        .arg(d.join("audisp-remote.conf"))
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    sender.stdin.take().unwrap().write_all(&stream(500)).unwrap();
    let end = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(st) = sender.try_wait().unwrap() {
            break Some(st);
        }
        if Instant::now() > end {
            let _ = sender.kill();
            let _ = sender.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    wait_until("500 remote records in the log", 30, || {
        read_log().lines().filter(|l| l.starts_with("node=client-7 ")).count() >= 500
    });
    drop(daemon);
    let problems = kernel.restore();
    assert!(problems.is_empty(), "{problems:?}");

    let text = read_log();
    let mut serials: Vec<u64> = text
        .lines()
        .filter(|l| l.starts_with("node=client-7 "))
        .map(|l| {
            assert!(l.starts_with("node=client-7 type=SYSCALL msg=audit("), "{l}");
            let i = l.find(':').unwrap();
            let j = l[i..].find(')').unwrap();
            l[i + 1..i + j].parse().unwrap()
        })
        .collect();
    serials.sort_unstable();
    assert_eq!(serials, (1..=500).collect::<Vec<u64>>(), "lost or duplicated records");
    assert!(
        text.lines().any(|l| l.starts_with("type=DAEMON_ACCEPT ")
            && (l.contains("): addr=127.0.0.1 port=")
                || l.contains("): addr=::ffff:127.0.0.1 port="))
            && l.ends_with(" res=success")),
        "no DAEMON_ACCEPT record:\n{}",
        text.lines().filter(|l| l.contains("DAEMON_")).collect::<Vec<_>>().join("\n")
    );
}
