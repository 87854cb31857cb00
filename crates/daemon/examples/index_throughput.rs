//! What `rauditd --index` costs the log writer: `cargo run --release -p raudit-daemon --example
//! index_throughput [DIR]` writes the same 300k realistic events (SYSCALL, PATH, PROCTITLE; 64
//! records a batch, flush NONE) with and without the index thread, three times each alternating,
//! and prints records/s, including the writer's shutdown (the index thread then stores the last
//! of its index), with the ratio of the medians.

use std::time::Instant;

use raudit_config::{DaemonConfig, Flush};
use raudit_daemon::LogWriter;
use raudit_daemon::testing::QuietHooks as Quiet;

fn events(n: u64) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(3 * n as usize);
    for i in 0..n {
        let stamp = format!("audit({}.{:03}:{})", 1_700_000_000 + i / 30_000, i % 1000, i + 1);
        out.push(
            format!(
                "type=SYSCALL msg={stamp}: arch=c000003e syscall=110 success=yes exit={} a0=0 \
                 a1=0 a2=0 a3=0 items=0 ppid=1 pid={} auid=1000 uid=0 gid=0 euid=0 suid=0 \
                 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"storm\" \
                 exe=\"/usr/bin/storm{}\" key=\"storm\"\n",
                i % 5000,
                i % 30_000,
                i % 7
            )
            .into_bytes(),
        );
        out.push(
            format!(
                "type=PATH msg={stamp}: item=0 name=\"/etc/f{}\" inode=1 dev=08:01 mode=0100644 \
                 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n",
                i % 100
            )
            .into_bytes(),
        );
        out.push(format!("type=PROCTITLE msg={stamp}: proctitle=73746F726D\n").into_bytes());
    }
    out
}

fn run(dir: &std::path::Path, lines: &[Vec<u8>], index: bool) -> f64 {
    let log = dir.join(if index { "indexed.log" } else { "plain.log" });
    let _ = std::fs::remove_file(&log);
    let cfg = DaemonConfig { log_file: log, flush: Flush::None, ..DaemonConfig::code_defaults() };
    let t = Instant::now();
    let mut w = LogWriter::open(cfg, Quiet);
    if index {
        w.index_logs();
    }
    let mut n = 0;
    for batch in lines.chunks(64) {
        n += w.write_batch(batch).written;
    }
    w.shutdown();
    n as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let base = std::env::args().nth(1).map(std::path::PathBuf::from);
    let dir = tempfile::tempdir_in(base.unwrap_or_else(std::env::temp_dir)).unwrap();
    let lines = events(100_000);
    let (mut plain, mut indexed) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        plain.push(run(dir.path(), &lines, false));
        indexed.push(run(dir.path(), &lines, true));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[1]
    };
    let (p, i) = (median(&mut plain), median(&mut indexed));
    println!("without index: {p:.0} records/s (runs {plain:.0?})");
    println!("with index:    {i:.0} records/s (runs {indexed:.0?})");
    println!("with/without:  {:.3}", i / p);
}
