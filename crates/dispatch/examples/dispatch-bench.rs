//! bench/dispatch-run's driver: a getppid storm fed to the dispatcher as fast as possible, delivered
//! to a plugin that reads and discards (it counts bytes to prove nothing was lost).
//! Usage: dispatch-bench EVENTS [FORMAT]

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use raudit_config::OverflowAction;
use raudit_dispatch::{Dispatcher, Record, Settings, format};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let events: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let fmt = args.next().unwrap_or_else(|| "string".into());
    let dir = std::env::temp_dir().join(format!("raudit-dispatch-bench-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("plugins.d"))?;
    let count = dir.join("count");
    let prog = dir.join("discard");
    std::fs::write(&prog, format!("#!/bin/sh\nexec /usr/bin/wc -c > {}\n", count.display()))?;
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755))?;
    std::fs::write(
        dir.join("plugins.d/discard"),
        format!(
            "active = yes\ndirection = out\npath = {}\ntype = always\nformat = {fmt}\n",
            prog.display()
        ),
    )?;
    let settings = Settings {
        q_depth: 2000,
        overflow_action: OverflowAction::Syslog,
        max_restarts: 10,
        plugin_dir: dir.join("plugins.d"),
        stop_grace: Duration::from_secs(600),
        log: Arc::new(|_, t: &str| eprintln!("dispatcher: {t}")),
        runlevel: Arc::new(|_| {}),
    };
    let mut recs = Vec::with_capacity(events as usize * 3);
    for i in 0..events {
        let stamp = format!("audit(1700000100.{:03}:{}): ", i % 1000, 5000 + i);
        recs.push((1300, format!("{stamp}arch=c000003e syscall=110 success=yes exit=4242 a0=0 a1=0 a2=0 a3=0 items=0 ppid=4242 pid=4243 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"storm\" exe=\"/tmp/storm\" subj=unconfined key=\"storm\"")));
        recs.push((1327, format!("{stamp}proctitle=73746F726D")));
        recs.push((1320, stamp));
    }
    let mut want: u64 = 0;
    let mut buf = Vec::new();
    for (t, p) in &recs {
        let r = Record::raw(*t, p.as_bytes());
        if fmt == "binary" {
            want += (format::HEADER_LEN + format::DATA_AREA) as u64;
        } else {
            format::write_string(&r, &mut buf);
            want += buf.len() as u64;
        }
    }
    let d = Dispatcher::load(settings);
    let t0 = Instant::now();
    for (t, p) in &recs {
        d.enqueue(&Record::raw(*t, p.as_bytes()));
    }
    let fed = t0.elapsed();
    let stats = d.stats();
    d.shutdown();
    let total = t0.elapsed();
    let got: u64 = std::fs::read_to_string(&count)?.trim().parse().unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "events={events} records={} format={fmt} enqueue_s={:.3} delivered_s={:.3} events_per_s={:.0} bytes={got}/{want} loss={} overflowed={}",
        recs.len(),
        fed.as_secs_f64(),
        total.as_secs_f64(),
        f64::from(events) / total.as_secs_f64(),
        if got == want { "none" } else { "YES" },
        stats.overflowed,
    );
    Ok(())
}
