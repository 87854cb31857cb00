//! Remote logging with real programs on loopback: the reference audisp-remote and `raudit remote`
//! into raudit's listener library, a cut link, a forward-mode sender killed with -9, and bad peers.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use raudit_remote::listener::{self, Event, Handler, ListenerConfig, ListenerHandle, Peer, Reply};
use raudit_remote::wire::{self, Header};

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
const REFERENCE: &str = "/sbin/audisp-remote";
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[derive(Default)]
struct Seen {
    lines: Vec<Vec<u8>>,
    events: Vec<Event>,
}

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Seen>>);

impl Handler for Sink {
    fn record(&mut self, _peer: &Peer, line: &[u8]) -> Reply {
        self.0.lock().unwrap().lines.push(line.to_vec());
        Reply::Ack
    }
    fn event(&mut self, event: Event) {
        self.0.lock().unwrap().events.push(event);
    }
}

impl Sink {
    fn count(&self) -> usize {
        self.0.lock().unwrap().lines.len()
    }
    fn wait_for(&self, n: usize, secs: u64) {
        let end = Instant::now() + Duration::from_secs(secs);
        while self.count() < n && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    /// Serials of the received records, checking each keeps its node= name and none is EOE.
    fn serials(&self) -> Vec<u64> {
        let seen = self.0.lock().unwrap();
        seen.lines
            .iter()
            .map(|l| {
                let s = String::from_utf8_lossy(l);
                assert!(s.starts_with("node=client-7 type="), "node name lost: {s}");
                assert!(!s.contains("type=EOE"), "EOE sent: {s}");
                let i = s.find(":").unwrap();
                let j = s[i..].find(')').unwrap();
                s[i + 1..i + j].parse().unwrap()
            })
            .collect()
    }
}

fn listen(port: u16, sink: &Sink) -> ListenerHandle {
    let mut cfg = ListenerConfig::on(port, vec![LOOPBACK]);
    cfg.max_per_addr = 4;
    listener::start(cfg, sink.clone()).unwrap()
}

fn port_of(h: &ListenerHandle) -> u16 {
    h.local_addrs()[0].port()
}

/// Plugin string stream: record `serial` as SYSCALL + EOE (both with the node name).
fn stream(from: u64, to: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for s in from..to {
        out.extend_from_slice(
            format!(
                "node=client-7 type=SYSCALL msg=audit(1700000000.{:03}:{s}): arch=c000003e syscall=110 success=yes exit=1 a0=0 a1=0 items=0 ppid=1 pid=2 comm=\"storm\" key=(null)\nnode=client-7 type=EOE msg=audit(1700000000.{:03}:{s}): \n",
                s % 1000,
                s % 1000
            )
            .as_bytes(),
        );
    }
    out
}

fn write_conf(dir: &Path, port: u16, extra: &str) -> PathBuf {
    let p = dir.join("audisp-remote.conf");
    let text = format!(
        "remote_server = 127.0.0.1\nport = {port}\nqueue_depth = 20000\nnetwork_retry_time = 1\n{extra}"
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn raudit_remote(conf: &Path, stdin: Stdio) -> Child {
    Command::new(RAUDIT)
        .args(["remote", "--stderr", "--config"])
        .arg(conf)
        .stdin(stdin)
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_exit(child: &mut Child, secs: u64) -> Option<i32> {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if let Some(st) = child.try_wait().unwrap() {
            return st.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn assert_exactly(serials: Vec<u64>, from: u64, to: u64) {
    let n = serials.len();
    let set: HashSet<u64> = serials.into_iter().collect();
    assert_eq!(set.len(), n, "duplicated records");
    assert_eq!(set, (from..to).collect::<HashSet<u64>>(), "lost records");
}

#[test]
fn raudit_remote_into_raudit_listener() {
    let sink = Sink::default();
    let l = listen(0, &sink);
    let dir = tempfile::tempdir().unwrap();
    let conf = write_conf(dir.path(), port_of(&l), "");
    let mut child = raudit_remote(&conf, Stdio::piped());
    child.stdin.take().unwrap().write_all(&stream(1, 5001)).unwrap();
    assert_eq!(wait_exit(&mut child, 60), Some(0));
    sink.wait_for(5000, 10);
    assert_exactly(sink.serials(), 1, 5001);
    l.shutdown();
    let seen = sink.0.lock().unwrap();
    assert!(matches!(seen.events.first(), Some(Event::Accepted(p)) if p.addr == LOOPBACK));
    assert!(seen.events.iter().any(|e| matches!(e, Event::Closed(_))));
    let (t, text) = seen.events[0].record().unwrap();
    assert_eq!(t, raudit_tables::MsgType::DAEMON_ACCEPT);
    assert!(text.starts_with("addr=127.0.0.1 port=") && text.ends_with(" res=success"), "{text}");
}

#[test]
fn raudit_remote_stop_and_wait() {
    let sink = Sink::default();
    let l = listen(0, &sink);
    let dir = tempfile::tempdir().unwrap();
    let conf = write_conf(dir.path(), port_of(&l), "");
    let mut child = Command::new(RAUDIT)
        .args(["remote", "--no-pipeline", "--config"])
        .arg(&conf)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stream(1, 301)).unwrap();
    assert_eq!(wait_exit(&mut child, 60), Some(0));
    sink.wait_for(300, 10);
    assert_exactly(sink.serials(), 1, 301);
}

/// The reference reads only /etc/audit/audisp-remote.conf: give it a private /etc/audit.
fn reference_remote(conf_dir: &Path) -> Option<Child> {
    if !Path::new(REFERENCE).exists() || !rustix::process::geteuid().is_root() {
        return raudit_testkit::skip(format!("needs root and {REFERENCE} (audispd-plugins)"));
    }
    let script = format!("mount --bind {} /etc/audit && exec {REFERENCE}", conf_dir.display());
    Some(
        Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", &script])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

#[test]
fn reference_audisp_remote_into_raudit_listener() {
    let sink = Sink::default();
    let l = listen(0, &sink);
    let dir = tempfile::tempdir().unwrap();
    write_conf(dir.path(), port_of(&l), "");
    let Some(mut child) = reference_remote(dir.path()) else { return };
    child.stdin.take().unwrap().write_all(&stream(1, 1001)).unwrap();
    // stdin is a pipe: at EOF the reference flushes its queue, then exits 0.
    assert_eq!(wait_exit(&mut child, 120), Some(0));
    sink.wait_for(1000, 10);
    assert_exactly(sink.serials(), 1, 1001);
}

#[test]
fn cut_link_loses_and_duplicates_nothing() {
    let sink = Sink::default();
    let l = listen(0, &sink);
    let port = port_of(&l);
    let dir = tempfile::tempdir().unwrap();
    let conf =
        write_conf(dir.path(), port, "max_tries_per_record = 100\nmax_time_per_record = 60\n");
    let mut child = raudit_remote(&conf, Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&stream(1, 2001)).unwrap();
    sink.wait_for(2000, 20);
    // Cut: the listener ends (ENDING to the client), records keep coming, then it is back.
    l.shutdown();
    stdin.write_all(&stream(2001, 4001)).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let l = listen(port, &sink);
    stdin.write_all(&stream(4001, 6001)).unwrap();
    drop(stdin);
    assert_eq!(wait_exit(&mut child, 60), Some(0));
    sink.wait_for(6000, 10);
    assert_exactly(sink.serials(), 1, 6001);
    l.shutdown();
}

fn queued_in_file(p: &Path) -> u32 {
    std::fs::read(p)
        .ok()
        .filter(|d| d.len() >= 32)
        .map_or(0, |d| u32::from_be_bytes([d[28], d[29], d[30], d[31]]))
}

#[test]
fn forward_mode_survives_kill_9() {
    // A port with nobody listening yet.
    let port = {
        let probe = std::net::TcpListener::bind((LOOPBACK, 0)).unwrap();
        probe.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("remote.queue");
    let conf = write_conf(
        dir.path(),
        port,
        &format!("mode = forward\nqueue_file = {}\nqueue_depth = 3000\n", queue.display()),
    );
    let mut child = raudit_remote(&conf, Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&stream(1, 2001)).unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    while queued_in_file(&queue) < 2000 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(queued_in_file(&queue), 2000);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    drop(stdin);

    let sink = Sink::default();
    let l = listen(port, &sink);
    let mut again = raudit_remote(&conf, Stdio::null());
    assert_eq!(wait_exit(&mut again, 60), Some(0));
    sink.wait_for(2000, 10);
    assert_exactly(sink.serials(), 1, 2001);
    assert_eq!(queued_in_file(&queue), 0);
    l.shutdown();
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// True when the server closed the connection (EOF or reset) within the read timeout.
fn closed_by_server(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 64];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => return e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }
}

#[test]
fn bad_peers_are_closed_and_good_ones_served() {
    let sink = Sink::default();
    let mut cfg = ListenerConfig::on(0, vec![LOOPBACK]);
    cfg.max_per_addr = 2;
    let l = listener::start(cfg, sink.clone()).unwrap();
    let addr = l.local_addrs()[0];

    let mut garbage = connect(addr);
    garbage.write_all(b"hello, this is not audit\n").unwrap();
    assert!(closed_by_server(&mut garbage));

    let mut bad_magic = connect(addr);
    let mut h = Header::new(wire::TYPE_MESSAGE, 0, 2).encode();
    h[0] = 0xfd;
    bad_magic.write_all(&h).unwrap();
    assert!(closed_by_server(&mut bad_magic));

    let mut oversized = connect(addr);
    let mut h = Header::new(wire::TYPE_MESSAGE, 0, 2).encode();
    h[10..12].copy_from_slice(&60000u16.to_le_bytes());
    oversized.write_all(&h).unwrap();
    assert!(closed_by_server(&mut oversized));

    let mut half = connect(addr);
    half.write_all(&Header::new(wire::TYPE_MESSAGE, 5, 2).encode()[..7]).unwrap();
    half.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(closed_by_server(&mut half));

    // Two allowed per address: the third is refused (op=dup).
    let mut good = connect(addr);
    let mut second = connect(addr);
    let mut third = connect(addr);
    assert!(closed_by_server(&mut third));

    // The pipelining offer is answered with version 1; a plain heartbeat with 0.
    for (stream, mver) in [(&mut good, 1u8), (&mut second, 0u8)] {
        let mut hb = Header::new(wire::TYPE_HEARTBEAT, 0, 9);
        hb.message_version = mver;
        stream.write_all(&hb.encode()).unwrap();
        let mut r = [0u8; 16];
        stream.read_exact(&mut r).unwrap();
        let ack = Header::decode(&r).unwrap();
        assert_eq!((ack.msg_type, ack.sequence, ack.message_version), (wire::TYPE_ACK, 9, mver));
    }
    let mut frame = Vec::new();
    wire::put_frame(
        &mut frame,
        wire::TYPE_MESSAGE,
        0,
        10,
        b"node=client-7 type=X msg=audit(1.000:77): a=b\n",
    );
    good.write_all(&frame).unwrap();
    let mut r = [0u8; 16];
    good.read_exact(&mut r).unwrap();
    assert_eq!(Header::decode(&r).unwrap(), Header::new(wire::TYPE_ACK, 0, 10));
    assert_eq!(sink.serials(), vec![77]);

    // Shutdown: ENDING with sequence 0.
    l.shutdown();
    good.read_exact(&mut r).unwrap();
    assert_eq!(Header::decode(&r).unwrap(), Header::new(wire::TYPE_ENDING, 0, 0));

    let seen = sink.0.lock().unwrap();
    let warnings = seen.events.iter().filter(|e| matches!(e, Event::Warning(_))).count();
    assert_eq!(warnings, 4, "{:?}", seen.events);
    let dup = seen.events.iter().find_map(|e| match e {
        Event::Rejected(..) => e.record(),
        _ => None,
    });
    let (t, text) = dup.unwrap();
    assert_eq!(t, raudit_tables::MsgType::DAEMON_ACCEPT);
    assert!(text.starts_with("op=dup addr=127.0.0.1 port=") && text.ends_with(" res=no"));
}

#[test]
fn listener_refuses_what_it_cannot_do() {
    let mut cfg = ListenerConfig::on(0, vec![LOOPBACK]);
    cfg.krb5 = true;
    let e = listener::start(cfg, Sink::default()).err().unwrap();
    assert_eq!(e.to_string(), "krb5 transport is not supported by raudit; use transport = tcp");
}

#[test]
fn idle_clients_are_closed() {
    let sink = Sink::default();
    let mut cfg = ListenerConfig::on(0, vec![LOOPBACK]);
    cfg.client_max_idle = 1;
    let l = listener::start(cfg, sink.clone()).unwrap();
    let mut quiet = connect(l.local_addrs()[0]);
    let t0 = Instant::now();
    assert!(closed_by_server(&mut quiet));
    // Closed at the second tick after its last read: between 1 and 2 idle periods (+ slack).
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(4), "{waited:?}");
    l.shutdown();
    assert!(sink.0.lock().unwrap().events.iter().any(|e| matches!(e, Event::Closed(_))));
}

#[test]
fn signals_usr1_reports_and_term_stops_with_records_queued() {
    // Nobody listens: records stay queued.
    let port = {
        let probe = std::net::TcpListener::bind((LOOPBACK, 0)).unwrap();
        probe.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let conf = write_conf(dir.path(), port, "");
    let mut child = Command::new(RAUDIT)
        .args(["remote", "--stderr", "--config"])
        .arg(&conf)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&stream(1, 11)).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let pid = child.id() as libc::pid_t;
    // SAFETY: kill(2) on our own child's PID.
    unsafe { libc::kill(pid, libc::SIGUSR1) };
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(wait_exit(&mut child, 10), Some(1), "records remain: exit 1");
    drop(stdin);
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(
        err.contains(
            "suspend=no, remote_ended=yes, transport_ok=no, queued_items=10, queue_depth=20000"
        ),
        "{err}"
    );
    assert!(err.contains("audisp-remote is exiting on stop request, queue_size: 10"), "{err}");
}
