//! A listener that counts records, for bench/remote-run: `remote-sink PORT COUNT` listens on
//! 127.0.0.1:PORT, acknowledges every record, and once COUNT records arrived prints
//! `<records> <seconds from the first accepted connection>` and exits.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::mpsc;
use std::time::Instant;

use raudit_remote::listener::{self, Event, Handler, ListenerConfig, Peer, Reply};

struct Count {
    n: u64,
    want: u64,
    first: Option<Instant>,
    done: mpsc::Sender<(u64, f64)>,
}

impl Handler for Count {
    fn record(&mut self, _peer: &Peer, _line: &[u8]) -> Reply {
        let first = *self.first.get_or_insert_with(Instant::now);
        self.n += 1;
        // (first is set at accept; this covers a record arriving without one)
        if self.n == self.want {
            let _ = self.done.send((self.n, first.elapsed().as_secs_f64()));
        }
        Reply::Ack
    }
    fn event(&mut self, event: Event) {
        if matches!(event, Event::Accepted(_)) && self.first.is_none() {
            self.first = Some(Instant::now());
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(port), Some(want)) = (
        args.get(1).and_then(|a| a.parse::<u16>().ok()),
        args.get(2).and_then(|a| a.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: remote-sink PORT COUNT");
        std::process::exit(2);
    };
    let (tx, rx) = mpsc::channel();
    let mut cfg = ListenerConfig::on(port, vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    cfg.max_per_addr = 16;
    let handle = match listener::start(cfg, Count { n: 0, want, first: None, done: tx }) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("remote-sink: {e}");
            std::process::exit(1);
        }
    };
    println!("listening");
    if let Ok((n, secs)) = rx.recv() {
        println!("{n} {secs:.6}");
    }
    handle.shutdown();
}
