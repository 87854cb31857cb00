//! A host's events reach the collected log and the fleet search in the shipper's order even
//! when the stream holds them out of order (a resend that landed behind later events), against
//! a real nats-server.
#![cfg(feature = "fleet")]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage};
use raudit_fleet::nats::{Connect, StreamSpec, collect, init_stream, replay, runtime};
use raudit_fleet::order::{HEADER, Order};
use raudit_fleet::store::{Rotation, host_log};
use raudit_testkit::{DaemonProcess, skip, wait_for};

const NATS_SERVER: &str = "/usr/sbin/nats-server";
static STOP: AtomicBool = AtomicBool::new(false);

fn server(dir: &Path) -> Option<(DaemonProcess, String)> {
    if !Path::new(NATS_SERVER).is_file() {
        return skip("nats-server is not installed (scripts/install-prereqs)");
    }
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let conf = dir.join("nats.conf");
    let store = dir.join("store");
    fs::write(
        &conf,
        format!("listen: 127.0.0.1:{port}\njetstream {{ store_dir: \"{}\" }}\n", store.display()),
    )
    .unwrap();
    let log = fs::File::create(dir.join("nats.log")).unwrap();
    let mut cmd = Command::new(NATS_SERVER);
    cmd.arg("-c").arg(&conf).stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
    let p = DaemonProcess::spawn(&mut cmd);
    wait_for("nats-server", Duration::from_secs(20), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    Some((p, format!("nats://127.0.0.1:{port}")))
}

fn event(serial: u64) -> Vec<u8> {
    format!("type=USER_LOGIN msg=audit(1700000000.000:{serial}): pid=1 uid=0 res=success\n")
        .into_bytes()
}

/// Publishes `(host, serial, order)` messages, in this order, each with its own message id.
fn publish(url: &str, messages: &[(&str, u64, Option<Order>)]) {
    runtime().unwrap().block_on(async {
        let client = async_nats::connect(url).await.unwrap();
        let js = jetstream::new(client);
        let spec = StreamSpec {
            replicas: 1,
            max_age: Duration::from_secs(3600),
            duplicate_window: Duration::from_secs(60),
        };
        init_stream(&js, spec).await.unwrap();
        for (host, serial, order) in messages {
            let mut msg = PublishMessage::build()
                .payload(event(*serial).into())
                .message_id(format!("{host}:{serial}:{}", order.map_or(0, |o| o.epoch)));
            if let Some(o) = order {
                msg = msg.header(HEADER, o.header_value());
            }
            js.send_publish(format!("audit.{host}.USER_LOGIN"), msg).await.unwrap().await.unwrap();
        }
    });
}

/// Runs the collector until it is caught up; returns what it said.
fn collect_once(url: &str, out: &Path) -> Vec<String> {
    let said = Arc::new(Mutex::new(Vec::new()));
    let notes = said.clone();
    let opts = collect::CollectOptions {
        connect: Connect { server: url.to_string(), name: "test".into(), ..Default::default() },
        out: out.to_path_buf(),
        durable: "test".into(),
        rotation: Rotation { max_bytes: 1 << 30, num_logs: 2 },
        init: None,
        idle_exit: Some(Duration::from_secs(1)),
    };
    let notice = Arc::new(move |s: &str| notes.lock().unwrap().push(s.to_string()));
    collect::run(opts, &STOP, notice).unwrap();
    said.lock().unwrap().clone()
}

/// The serials of a log's records, in order.
fn serials(log: &[u8]) -> Vec<u64> {
    String::from_utf8_lossy(log)
        .lines()
        .filter_map(|l| l.split_once("000:")?.1.split_once(')')?.0.parse().ok())
        .collect()
}

fn o(epoch: u64, n: u64, floor: u64) -> Option<Order> {
    Some(Order { epoch, n, floor })
}

#[test]
fn late_resends_are_put_back_in_the_shippers_order() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_server, url)) = server(dir.path()) else { return };
    let out = dir.path().join("out");
    // Host a: 2 failed and was sent again after 3 and 4 got in; host b has no order header.
    publish(&url, &[("a", 1, o(5, 1, 0)), ("a", 3, o(5, 3, 0)), ("b", 50, None)]);
    // The collector catches up while 2 is still missing: 3 waits, b's event does not.
    collect_once(&url, &out);
    assert_eq!(serials(&fs::read(host_log(&out, "a")).unwrap()), [1]);
    assert_eq!(serials(&fs::read(host_log(&out, "b")).unwrap()), [50]);
    // A new spool of host a (another epoch) starts on its own; 2 arrives; a 6 sent after 5 was
    // acknowledged says 5 (a resend JetStream dropped as a duplicate) is not coming.
    publish(
        &url,
        &[
            ("a", 4, o(5, 4, 0)),
            ("a", 101, o(9, 1, 0)),
            ("a", 2, o(5, 2, 1)),
            ("b", 51, None),
            ("a", 6, o(5, 6, 5)),
        ],
    );
    let said = collect_once(&url, &out);
    assert_eq!(serials(&fs::read(host_log(&out, "a")).unwrap()), [1, 101, 2, 3, 4, 6]);
    assert_eq!(serials(&fs::read(host_log(&out, "b")).unwrap()), [50, 51]);
    assert!(said.iter().any(|s| s.contains("1 event(s) of a")), "{said:?}");
    // The fleet search replays the stream in the same order per host.
    let connect = Connect { server: url.clone(), name: "test".into(), ..Default::default() };
    let all = replay::replay(&connect).unwrap();
    let of = |host: &str| {
        let lines: Vec<&[u8]> = all
            .split_inclusive(|&b| b == b'\n')
            .filter(|l| l.starts_with(format!("node={host} ").as_bytes()))
            .collect();
        serials(&lines.concat())
    };
    assert_eq!(of("a"), [1, 101, 2, 3, 4, 6]);
    assert_eq!(of("b"), [50, 51]);
}
