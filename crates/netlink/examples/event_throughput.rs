//! Records per second through a registered reader, under `KernelGuard`:
//! `cargo run --release -p raudit-netlink --example event_throughput [count]`
//! (root). A second thread sends AUDIT_USER messages; the reader counts them.

use std::time::{Duration, Instant};

use raudit_netlink::{Client, EventReader};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let mut reader = EventReader::register().expect("register");
    kernel.client().set_enabled(1).expect("enable");
    kernel.client().set_backlog_limit(100_000).expect("backlog");
    let tag = format!("raudit-bench-{}", std::process::id());
    let sender_tag = tag.clone();
    let start = Instant::now();
    let sender = std::thread::spawn(move || {
        let mut c = Client::open().expect("open");
        for i in 0..n {
            c.send_user_message(1005, format!("{sender_tag} {i}").as_bytes()).expect("send");
        }
    });
    let mut got = 0;
    while got < n {
        match reader.next_record(Some(Duration::from_secs(5))).expect("read") {
            Some(r) if r.text.windows(tag.len()).any(|w| w == tag.as_bytes()) => got += 1,
            Some(_) => {}
            None => break,
        }
    }
    sender.join().unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{got} of {n} records in {secs:.2} s: {:.0} records/s; stats {:?}; lost {}",
        got as f64 / secs,
        reader.stats(),
        kernel.client().get_status().unwrap().lost
    );
}
