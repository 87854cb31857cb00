//! Read-only timing of request round trips: `cargo run --release -p
//! raudit-netlink --example request_latency [count]` (root).

use std::time::Instant;

fn main() -> Result<(), raudit_netlink::Error> {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mut c = raudit_netlink::Client::open()?;
    let t = Instant::now();
    for _ in 0..n {
        c.get_status()?;
    }
    let status = t.elapsed() / n;
    let t = Instant::now();
    let mut rules = 0;
    for _ in 0..n {
        rules = c.list_rules()?.len();
    }
    let list = t.elapsed() / n;
    println!(
        "get_status: {status:?} per request; list_rules ({rules} rules): {list:?} per request"
    );
    Ok(())
}
