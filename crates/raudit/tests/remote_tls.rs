//! raudit into raudit over TLS (cargo feature `tls`): certificates made with openssl, a client on
//! the allow-list gets every record through, one off the list gets nothing through.
#![cfg(feature = "tls")]

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use raudit_remote::listener::{self, Event, Handler, ListenerConfig, Peer, Reply};
use raudit_remote::tls::ServerTls;

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");

type Seen = (Vec<Vec<u8>>, Vec<Event>);

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Seen>>);

impl Handler for Sink {
    fn record(&mut self, _peer: &Peer, line: &[u8]) -> Reply {
        self.0.lock().unwrap().0.push(line.to_vec());
        Reply::Ack
    }
    fn event(&mut self, event: Event) {
        self.0.lock().unwrap().1.push(event);
    }
}

fn stream(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for s in 1..=n {
        out.extend_from_slice(
            format!("node=client-7 type=SYSCALL msg=audit(1700000000.000:{s}): a=b\nnode=client-7 type=EOE msg=audit(1700000000.000:{s}): \n")
                .as_bytes(),
        );
    }
    out
}

fn send(dir: &Path, port: u16, who: &str, n: u64) -> std::process::Child {
    let conf = dir.join(format!("{who}.conf"));
    std::fs::write(
        &conf,
        format!("remote_server = 127.0.0.1\nport = {port}\nqueue_depth = 5000\n"),
    )
    .unwrap();
    let mut child = Command::new(RAUDIT)
        .args(["remote", "--config"])
        .arg(&conf)
        .arg("--tls-ca")
        .arg(dir.join("ca.pem"))
        .arg("--tls-cert")
        .arg(dir.join(format!("{who}.pem")))
        .arg("--tls-key")
        .arg(dir.join(format!("{who}.key")))
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stream(n)).unwrap();
    child
}

#[test]
fn tls_with_allow_list() {
    if Command::new("openssl").arg("version").output().is_err() {
        raudit_testkit::skipped("openssl is needed to make test certificates");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    raudit_testkit::make_certs(d, &["client-7.example", "intruder.example"]);
    let tls = ServerTls::from_pem_files(
        &d.join("server.pem"),
        &d.join("server.key"),
        &d.join("ca.pem"),
        vec!["client-7.example".to_string()],
    )
    .unwrap();
    let sink = Sink::default();
    let mut cfg = ListenerConfig::on(0, vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    cfg.max_per_addr = 4;
    cfg.tls = Some(Arc::new(tls));
    let l = listener::start(cfg, sink.clone()).unwrap();
    let port = l.local_addrs()[0].port();

    let mut good = send(d, port, "client-7.example", 3000);
    let end = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = good.try_wait().unwrap() {
            break st.code();
        }
        assert!(Instant::now() < end, "TLS sender did not finish");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status, Some(0));
    let got: Vec<Vec<u8>> = sink.0.lock().unwrap().0.clone();
    assert_eq!(got.len(), 3000);
    for (i, line) in got.iter().enumerate() {
        let want = format!("node=client-7 type=SYSCALL msg=audit(1700000000.000:{}): a=b", i + 1);
        assert_eq!(String::from_utf8_lossy(line), want);
    }

    let mut bad = send(d, port, "intruder.example", 10);
    std::thread::sleep(Duration::from_secs(2));
    let _ = bad.kill();
    let _ = bad.wait();
    l.shutdown();
    let seen = sink.0.lock().unwrap();
    assert_eq!(seen.0.len(), 3000, "a client off the allow-list got records through");
    assert!(
        seen.1.iter().any(|e| matches!(e, Event::Warning(w) if w.contains("no allowed client"))),
        "{:?}",
        seen.1
    );
}

/// rauditd's own listener with `tcp_tls_*` in auditd.conf: the allowed client's records reach
/// the daemon's log in order, as sent.
#[test]
fn rauditd_listener_over_tls() {
    if Command::new("openssl").arg("version").output().is_err()
        || !rustix::process::geteuid().is_root()
    {
        raudit_testkit::skip::<()>("needs root and openssl");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    raudit_testkit::make_certs(d, &["client-7.example"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::create_dir(d.join("plugins.d")).unwrap();
    let log = d.join("audit.log");
    std::fs::write(
        d.join("auditd.conf"),
        format!(
            "log_file = {}\nlocal_events = no\ntcp_listen_port = {port}\nspace_left = 2\n\
             admin_space_left = 1\nplugin_dir = {}\ntcp_tls_cert = {}\ntcp_tls_key = {}\n\
             tcp_tls_client_ca = {}\ntcp_tls_allow = client-7.example\n",
            log.display(),
            d.join("plugins.d").display(),
            d.join("server.pem").display(),
            d.join("server.key").display(),
            d.join("ca.pem").display(),
        ),
    )
    .unwrap();
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_rauditd"))
        .args(["-n", "-c"])
        .arg(d)
        .env("RAUDIT_RUN_DIR", d)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let syscalls = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("type=SYSCALL"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let end = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("DAEMON_START")) {
        assert!(Instant::now() < end, "rauditd did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The client's TLS from its config file's tls_* keys this time (the plugin form).
    let conf = d.join("tls-client.conf");
    std::fs::write(
        &conf,
        format!(
            "remote_server = 127.0.0.1\nport = {port}\ntls_ca = {}\ntls_cert = {}\ntls_key = {}\n",
            d.join("ca.pem").display(),
            d.join("client-7.example.pem").display(),
            d.join("client-7.example.key").display(),
        ),
    )
    .unwrap();
    let mut client = Command::new(RAUDIT)
        .args(["remote", "--config"])
        .arg(&conf)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    client.stdin.take().unwrap().write_all(&stream(2000)).unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    while syscalls().len() < 2000 {
        assert!(Instant::now() < end, "records missing: {}", syscalls().len());
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = client.kill();
    let _ = client.wait();
    let _ = Command::new("kill").arg(daemon.id().to_string()).status();
    let _ = daemon.wait();
    let got = syscalls();
    assert_eq!(got.len(), 2000);
    for (i, line) in got.iter().enumerate() {
        let want = format!("node=client-7 type=SYSCALL msg=audit(1700000000.000:{}): a=b", i + 1);
        assert_eq!(line, &want);
    }
}
