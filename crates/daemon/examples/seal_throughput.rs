//! What sealing costs the log writer: `cargo run --release -p raudit-daemon --example
//! seal_throughput [DIR]` writes the same 400k records of 300 bytes (batches of 64, flush NONE)
//! unsealed and sealed (a checkpoint every 1000 records) and prints both rates and their ratio,
//! best of three rounds each.

use std::time::Instant;

use raudit_config::{DaemonConfig, Flush};
use raudit_daemon::LogWriter;
use raudit_daemon::testing::QuietHooks as Quiet;
use raudit_seal::{Policy, SealKey, Sealer};

fn main() {
    let base = std::env::args().nth(1).map(std::path::PathBuf::from);
    let dir = tempfile::tempdir_in(base.unwrap_or_else(std::env::temp_dir)).unwrap();
    let mut line = b"type=SYSCALL msg=audit(1700000000.000:1): ".to_vec();
    line.resize(299, b'x');
    line.push(b'\n');
    let batch: Vec<&[u8]> = vec![&line; 64];
    let total = 400_000;
    let key = SealKey::from_bytes(b"benchmark key, thirty-two bytes.");
    let mut best = [0f64; 2];
    for round in 0..6 {
        let sealed = round % 2 == 1;
        let log = dir.path().join(format!("{round}.log"));
        let cfg = DaemonConfig {
            log_file: log.clone(),
            flush: Flush::None,
            ..DaemonConfig::code_defaults()
        };
        let sealer = sealed.then(|| Sealer::new(key.clone(), Policy::default(), 1));
        let mut w = LogWriter::open_sealed(cfg, Quiet, sealer);
        let t = Instant::now();
        let mut n = 0;
        while n < total {
            n += w.write_batch(&batch).written;
        }
        w.shutdown();
        let rate = n as f64 / t.elapsed().as_secs_f64();
        let slot = &mut best[usize::from(sealed)];
        *slot = slot.max(rate);
        let _ = std::fs::remove_file(&log);
    }
    println!("unsealed: {:.0} records/s", best[0]);
    println!("sealed:   {:.0} records/s", best[1]);
    println!("sealed / unsealed: {:.2}", best[1] / best[0]);
    println!("cost per record: {:.2} us", (1.0 / best[1] - 1.0 / best[0]) * 1e6);
}
