//! Measures LogWriter throughput per flush mode: `cargo run --release -p raudit-daemon --example
//! writer_throughput [DIR]` (batches of 64 records of 300 bytes, 200k records per mode).

use std::time::Instant;

use raudit_config::{DaemonConfig, Flush};
use raudit_daemon::LogWriter;
use raudit_daemon::testing::QuietHooks as Quiet;

fn main() {
    let base = std::env::args().nth(1).map(std::path::PathBuf::from);
    let dir = tempfile::tempdir_in(base.unwrap_or_else(std::env::temp_dir)).unwrap();
    let mut line = b"type=SYSCALL msg=audit(1700000000.000:1): ".to_vec();
    line.resize(299, b'x');
    line.push(b'\n');
    let batch: Vec<&[u8]> = vec![&line; 64];
    let total = 200_000;
    for (flush, freq) in [
        (Flush::None, 0),
        (Flush::IncrementalAsync, 50),
        (Flush::Incremental, 50),
        (Flush::Data, 0),
        (Flush::Sync, 0),
    ] {
        let log = dir.path().join(format!("{flush:?}.log"));
        let cfg = DaemonConfig { log_file: log, flush, freq, ..DaemonConfig::code_defaults() };
        let mut w = LogWriter::open(cfg, Quiet);
        let t = Instant::now();
        let mut n = 0;
        while n < total {
            n += w.write_batch(&batch).written;
        }
        w.shutdown();
        let s = t.elapsed().as_secs_f64();
        println!(
            "{flush:?}: {:.0} records/s ({:.1} MB/s)",
            n as f64 / s,
            n as f64 * 300.0 / s / 1e6
        );
    }
}
