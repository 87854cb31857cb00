//! rauditd's TCP listener under a connection flood (issue #17, item 5): more connections from one
//! address than `tcp_max_per_addr` allows, then hundreds of addresses each opening a connection
//! that sends half a frame and stalls, past the daemon's open-file limit. The daemon must refuse
//! the duplicates as the reference does (DAEMON_ACCEPT op=dup, closed at once), close what goes
//! past its client cap instead of running out of descriptors, stay within bounded memory and
//! descriptors without spinning, and keep serving a well-behaved client: every record it sends
//! during the flood is acknowledged and logged.
//!
//! Only loopback addresses (127.0.0.0/8) are used; the kernel's audit state is not touched
//! (`local_events = no`).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use raudit_remote::wire::{self, HEADER_SIZE, Header};
use raudit_testkit::{DaemonProcess, wait_for};

const RAUDITD: &str = env!("CARGO_BIN_EXE_rauditd");
/// The daemon's open-file limit in this test: the listener serves at most this less 64 clients.
const NOFILE: u64 = 256;
/// Flood addresses: more than the daemon has descriptors.
const FLOOD: u32 = 400;
/// Connections from the good client's own address beyond tcp_max_per_addr = 1.
const DUPLICATES: usize = 50;
/// Records the good client sends during the flood.
const RECORDS: u32 = 1000;
/// Peak RSS allowed to the daemon through all of it.
const RSS_CAP_KB: u64 = 64 << 10;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_server(dir: &Path, port: u16) -> DaemonProcess {
    std::fs::create_dir_all(dir.join("plugins.d")).unwrap();
    std::fs::write(
        dir.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nlocal_events = no\ntcp_listen_port = {port}\n\
             tcp_max_per_addr = 1\ntcp_listen_queue = 64\nspace_left = 2\nadmin_space_left = 1\n\
             plugin_dir = {}\n",
            dir.join("audit.log").display(),
            dir.join("plugins.d").display()
        ),
    )
    .unwrap();
    let script = format!("ulimit -n {NOFILE} && exec {RAUDITD} -n -c {}", dir.display());
    let daemon = DaemonProcess::spawn(
        Command::new("sh")
            .args(["-c", &script])
            .env("RAUDIT_RUN_DIR", dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let log = dir.join("audit.log");
    wait_for("the listener", Duration::from_secs(10), || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("type=DAEMON_START"))
    });
    daemon
}

/// A connection from `from` (any port) to the server.
fn connect_from(from: Ipv4Addr, port: u16) -> TcpStream {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let fd = rustix::net::socket_with(
        AddressFamily::INET,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .unwrap();
    rustix::net::bind(&fd, &SocketAddr::new(IpAddr::V4(from), 0)).unwrap();
    rustix::net::connect(&fd, &SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)).unwrap();
    TcpStream::from(fd)
}

/// Whether the server has closed `s` (reads end or fail), waiting up to `wait` for it.
fn closed_by_server(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut b = [0u8; 64];
    match s.read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => {
            !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
        }
    }
}

fn record(serial: u32) -> Vec<u8> {
    let mut frame = Vec::new();
    let line = format!(
        "node=good type=SYSCALL msg=audit(1700000000.{:03}:{serial}): arch=c000003e syscall=2 \
         success=yes exit=3 items=0 ppid=1 pid=2 auid=0 uid=0 comm=\"good\" key=(null)\n",
        serial % 1000
    );
    wire::put_frame(&mut frame, wire::TYPE_MESSAGE, 0, serial, line.as_bytes());
    frame
}

/// Reads one reply header.
fn reply(s: &mut TcpStream) -> Header {
    let mut h = [0u8; HEADER_SIZE];
    s.read_exact(&mut h).unwrap();
    let h = Header::decode(&h).unwrap();
    let mut payload = vec![0u8; usize::from(h.length)];
    s.read_exact(&mut payload).unwrap();
    h
}

/// (open descriptors, peak RSS in KB, CPU ticks used) of a process.
fn usage(pid: u32) -> (usize, u64, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks = rest[11].parse::<u64>().unwrap() + rest[12].parse::<u64>().unwrap();
    (fds, hwm, ticks)
}

#[test]
fn a_flood_of_half_frames_leaves_a_good_client_served_in_bounded_resources() {
    if !rustix::process::geteuid().is_root() {
        raudit_testkit::skip::<()>("rauditd needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut daemon = start_server(dir.path(), port);
    let pid = daemon.pid();
    let log = dir.path().join("audit.log");

    let mut good = connect_from(Ipv4Addr::LOCALHOST, port);
    good.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    good.write_all(&record(1)).unwrap();
    assert_eq!(reply(&mut good).msg_type, wire::TYPE_ACK);

    // Duplicates from the good client's address: refused and closed, as the reference does.
    for _ in 0..DUPLICATES {
        let mut dup = connect_from(Ipv4Addr::LOCALHOST, port);
        assert!(closed_by_server(&mut dup, Duration::from_secs(10)), "a duplicate stayed open");
    }

    // Hundreds of addresses, each with half a frame: a header announcing 200 bytes, then 50.
    let mut half = Header::new(wire::TYPE_MESSAGE, 200, 9).encode().to_vec();
    half.extend_from_slice(&[b'x'; 50]);
    let mut flood = Vec::new();
    for i in 0..FLOOD {
        let from = Ipv4Addr::new(127, 1, (i / 250) as u8, (i % 250 + 1) as u8);
        let mut s = connect_from(from, port);
        // The server may already have closed it (over its cap): a failed write is expected.
        let _ = s.write_all(&half);
        flood.push(s);
    }

    // The good client, during the flood: every record acknowledged, in order.
    let mut frames = Vec::new();
    for serial in 2..2 + RECORDS {
        frames.extend(record(serial));
    }
    good.write_all(&frames).unwrap();
    for serial in 2..2 + RECORDS {
        let h = reply(&mut good);
        assert_eq!((h.msg_type, h.sequence), (wire::TYPE_ACK, serial), "reply to {serial}");
    }

    // Over the cap (the open-file limit less 64, the good client included), the rest is closed.
    let cap = (NOFILE - 64) as usize;
    let mut closed = vec![false; flood.len()];
    wait_for("the connections over the cap closed", Duration::from_secs(20), || {
        for (s, c) in flood.iter_mut().zip(closed.iter_mut()) {
            *c = *c || closed_by_server(s, Duration::from_millis(1));
        }
        closed.iter().filter(|&&c| c).count() >= flood.len() - (cap - 1)
    });
    let closed = closed.iter().filter(|&&c| c).count();
    let open = flood.len() - closed;
    assert_eq!(open, cap - 1, "flood connections still served");

    let (fds, hwm_kb, ticks) = usage(pid);
    assert!(fds as u64 <= NOFILE, "{fds} descriptors open");
    assert!(hwm_kb < RSS_CAP_KB, "peak RSS {hwm_kb} KB");
    // The stalled clients cost nothing while they stall: the daemon sleeps in poll.
    let quiet = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let spent = usage(pid).2 - ticks;
    // SAFETY: sysconf only reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1);
    let wall = quiet.elapsed().as_secs_f64();
    assert!(
        (spent as f64 / hz as f64) < wall / 2.0,
        "the daemon spun: {spent} ticks in {wall:.1} s"
    );
    eprintln!(
        "flood: {open} half-frame clients held, {closed} closed; {fds} fds, peak {hwm_kb} KB"
    );

    drop(flood);
    drop(good);
    let status = daemon.stop(Duration::from_secs(10));
    assert!(status.success(), "rauditd: {status:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    let logged = text.lines().filter(|l| l.starts_with("node=good type=SYSCALL")).count();
    assert_eq!(logged, 1 + RECORDS as usize, "good client's records in the log");
    let dups =
        text.lines().filter(|l| l.contains("type=DAEMON_ACCEPT") && l.contains("op=dup")).count();
    assert_eq!(dups, DUPLICATES, "DAEMON_ACCEPT op=dup records");
}
