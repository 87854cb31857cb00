//! The fleet tests' servers and data: real nats-server processes (Debian's package) on loopback
//! ports, alone or as a 3-node JetStream cluster, each with its config and store in the test's
//! temporary directory and stopped by PID; and generated audit logs whose events are known.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use raudit_testkit::{DaemonProcess, Signal, poll_until, skip};

pub const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
const NATS_SERVER: &str = "/usr/sbin/nats-server";

/// nats-server, or a skip (a failure under CI=true).
pub fn nats_server() -> Option<PathBuf> {
    let p = PathBuf::from(NATS_SERVER);
    if p.is_file() {
        Some(p)
    } else {
        skip("nats-server is not installed (scripts/install-prereqs)")
    }
}

/// A loopback port nobody uses now, below the kernel's range of ephemeral ports: a node that
/// is down for a while must find its port free again, and the outgoing connections of other
/// tests running meanwhile take their local ports from that range.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    // Each call moves on from the last, so ports handed out before their servers bind them
    // are not handed out twice; the start differs between test processes.
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(7919),
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    (0..12_000)
        .map(|_| 20_000 + (NEXT.fetch_add(1, Ordering::SeqCst) % 12_000) as u16)
        .find(|&p| TcpListener::bind(("127.0.0.1", p)).is_ok())
        .expect("a free loopback port in 20000-31999")
}

/// One nats-server process with its config file.
pub struct Node {
    pub name: String,
    pub port: u16,
    conf: PathBuf,
    log: PathBuf,
    process: Option<DaemonProcess>,
}

impl Node {
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Its server's log (stderr), emptied at each start.
    pub fn log_path(&self) -> &std::path::Path {
        &self.log
    }

    pub fn start(&mut self) {
        let log = fs::File::create(&self.log).expect("nats log");
        let mut cmd = Command::new(NATS_SERVER);
        cmd.arg("-c").arg(&self.conf).stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
        self.process = Some(DaemonProcess::spawn(&mut cmd));
        let port = self.port;
        // A cluster node that was killed recovers its JetStream store first: slow on a busy
        // machine.
        let up =
            poll_until(Duration::from_secs(90), || TcpStream::connect(("127.0.0.1", port)).is_ok());
        assert!(
            up,
            "nats-server {} did not listen on port {port} within 90 s ({}); its log:\n{}",
            self.name,
            self.conf.display(),
            fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// SIGKILL: a crash.
    pub fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.kill();
        }
    }

    /// SIGTERM: an orderly stop.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.signal(Signal::TERM);
            p.wait(Duration::from_secs(30));
        }
    }
}

/// Writes a node's config: JetStream with its store under `dir`, `extra` appended.
fn node(dir: &Path, name: &str, extra: &str) -> Node {
    let port = free_port();
    let store = dir.join(format!("{name}-store"));
    let conf = dir.join(format!("{name}.conf"));
    let text = format!(
        "server_name: {name}\nlisten: 127.0.0.1:{port}\njetstream {{ store_dir: \"{}\" }}\n{extra}\n",
        store.display()
    );
    fs::write(&conf, text).expect("write nats config");
    Node { name: name.to_string(), port, conf, log: dir.join(format!("{name}.log")), process: None }
}

/// One JetStream server named `name`, with `extra` config (e.g. an authorization block).
pub fn single(dir: &Path, name: &str, extra: &str) -> Node {
    let mut n = node(dir, name, extra);
    n.start();
    n
}

/// A 3-node JetStream cluster on loopback.
pub struct Cluster {
    pub nodes: Vec<Node>,
}

impl Cluster {
    pub fn start(dir: &Path) -> Cluster {
        let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let list: Vec<String> =
            routes.iter().map(|p| format!("nats-route://127.0.0.1:{p}")).collect();
        let mut nodes: Vec<Node> = (0..3)
            .map(|i| {
                let cluster = format!(
                    "cluster {{ name: fleet\n listen: 127.0.0.1:{}\n routes: [{}] }}",
                    routes[i],
                    list.join(", ")
                );
                node(dir, &format!("n{}", i + 1), &cluster)
            })
            .collect();
        for n in &mut nodes {
            n.start();
        }
        Cluster { nodes }
    }

    /// Every node's URL, comma-separated: what the tools are given.
    pub fn urls(&self) -> String {
        self.nodes.iter().map(Node::url).collect::<Vec<_>>().join(",")
    }
}

/// Runs `raudit ARGS` to its end.
pub fn raudit(args: &[&str]) -> std::process::Output {
    Command::new(RAUDIT).args(args).stdin(Stdio::null()).output().expect("run raudit")
}

/// Creates the stream (R`replicas`), retrying while the cluster elects its leaders.
pub fn init_stream(urls: &str, out: &Path, replicas: u32) {
    let out = out.to_string_lossy().into_owned();
    let r = replicas.to_string();
    let mut last = String::new();
    let ok = poll_until(Duration::from_secs(60), || {
        let o = raudit(&[
            "collect",
            "--server",
            urls,
            "--out",
            &out,
            "--init",
            "--replicas",
            &r,
            "--max-age",
            "1d",
            "--duplicate-window",
            "10m",
            "--idle-exit",
            "0",
        ]);
        last = String::from_utf8_lossy(&o.stderr).into_owned();
        o.status.success()
    });
    assert!(ok, "stream never created: {last}");
}

/// The collected tree's per-host event counts (`raudit collect --state`).
pub fn collected(out: &Path) -> Vec<(String, u64, u64)> {
    let o = raudit(&["collect", "--state", "--out", &out.to_string_lossy()]);
    assert!(o.status.success(), "{o:?}");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut t = l.split_whitespace();
            Some((t.next()?.to_string(), t.next()?.parse().ok()?, t.next()?.parse().ok()?))
        })
        .collect()
}

/// Events of `host` collected so far.
pub fn events_of(out: &Path, host: &str) -> u64 {
    collected(out).into_iter().find(|(h, _, _)| h == host).map_or(0, |(_, n, _)| n)
}

/// A generated log of `events` events with contiguous serials from `first_serial`: mostly
/// syscall events (SYSCALL, CWD, PATH, PROCTITLE, EOE), every fifth a single USER_LOGIN record.
/// With `node`, every record carries `node=NAME`.
pub fn generated_log(events: usize, first_serial: u64, node: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let prefix = node.map(|n| format!("node={n} ")).unwrap_or_default();
    for i in 0..events {
        let sec = 1_700_000_000 + (i / 10) as u64;
        let milli = (i % 10) * 100;
        let serial = first_serial + i as u64;
        let stamp = format!("msg=audit({sec}.{milli:03}:{serial})");
        if i % 5 == 4 {
            out.extend_from_slice(format!(
                "{prefix}type=USER_LOGIN {stamp}: pid={} uid=0 auid=1000 ses={i} msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.{} terminal=ssh res=success'\n",
                2000 + i, i % 250
            ).as_bytes());
            continue;
        }
        out.extend_from_slice(format!(
            "{prefix}type=SYSCALL {stamp}: arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=1 pid={} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"fleet\"\n\
             {prefix}type=CWD {stamp}: cwd=\"/home/u{i}\"\n\
             {prefix}type=PATH {stamp}: item=0 name=\"/etc/f{i}\" inode={} dev=fe:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0\n\
             {prefix}type=PROCTITLE {stamp}: proctitle=636174\n\
             {prefix}type=EOE {stamp}: \n",
            3000 + i, 10_000 + i
        ).as_bytes());
    }
    out
}

/// The lines of `log` cut into `parts` pieces on event boundaries (a blank-free split after
/// an EOE or a single-record line).
pub fn split_events(log: &[u8], parts: usize) -> Vec<Vec<u8>> {
    let lines: Vec<&[u8]> = log.split_inclusive(|&b| b == b'\n').collect();
    let ends: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            let s = String::from_utf8_lossy(l);
            s.contains("type=EOE") || s.contains("type=USER_LOGIN")
        })
        .map(|(i, _)| i + 1)
        .collect();
    let mut out = Vec::new();
    let mut start = 0;
    for p in 1..=parts {
        let end = if p == parts { lines.len() } else { ends[ends.len() * p / parts - 1] };
        out.push(lines[start..end].concat());
        start = end;
    }
    out
}
