//! LogWriter with its index (rauditd's default): each log file's index is kept as it is written, follows rotations,
//! is complete once the writer stops, and searches with it print what the whole read prints.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use raudit_config::{DaemonConfig, SizeAction};
use raudit_daemon::LogWriter;
use raudit_daemon::testing::QuietHooks as Quiet;
use raudit_daemon::writer::rotated_name;
use raudit_search::criteria::{Criteria, IdCriterion};
use raudit_search::index;
use raudit_search::{Settings, search, search_exhaustive};
use raudit_sys::FixedHost;

fn cfg(dir: &Path) -> DaemonConfig {
    DaemonConfig {
        log_file: dir.join("audit.log"),
        max_log_file: 1,
        max_log_file_action: SizeAction::Rotate,
        num_logs: 4,
        ..DaemonConfig::code_defaults()
    }
}

/// Event `i` (two records), with a rare key and pid now and then.
fn event(i: u64) -> Vec<Vec<u8>> {
    let stamp = format!("audit({}.{:03}:{i})", 1_700_000_000 + i / 40, i % 1000);
    let key = if i.is_multiple_of(997) { "rare-key" } else { "storm" };
    let pid = if i.is_multiple_of(1499) { 4242 } else { i % 300 };
    vec![
        format!(
            "type=SYSCALL msg={stamp}: arch=c000003e syscall=2 success=yes exit=3 a0=0 a1=0 a2=0 \
             a3=0 items=1 ppid=1 pid={pid} auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 \
             sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"x\" exe=\"/usr/bin/x\" key=\"{key}\"\n"
        )
        .into_bytes(),
        format!("type=PATH msg={stamp}: item=0 name=\"/etc/f{}\" nametype=NORMAL\n", i % 50)
            .into_bytes(),
    ]
}

fn write(w: &mut LogWriter<Quiet>, from: u64, to: u64) {
    for chunk in (from..to).collect::<Vec<_>>().chunks(50) {
        let lines: Vec<Vec<u8>> = chunk.iter().flat_map(|&i| event(i)).collect();
        assert_eq!(w.write_batch(&lines).dropped, 0);
    }
}

/// The log set oldest first.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let base = dir.join("audit.log");
    let mut v: Vec<_> =
        (1..4).rev().map(|n| rotated_name(&base, n)).filter(|p| p.exists()).collect();
    v.push(base);
    v
}

#[test]
fn indexes_follow_the_log_and_its_rotations() {
    let d = tempfile::tempdir().unwrap();
    let mut w = LogWriter::open(cfg(d.path()), Quiet);
    w.index_logs();
    assert!(w.indexing());
    write(&mut w, 0, 12_000);
    assert!(w.stats().rotations >= 2, "{:?}", w.stats());
    w.shutdown();
    // A restart appends to the current log and indexes what it held before.
    let mut w = LogWriter::open(cfg(d.path()), Quiet);
    w.index_logs();
    write(&mut w, 12_000, 13_000);
    w.shutdown();

    let files = files(d.path());
    assert_eq!(files.len(), 4);
    let datas: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let mut indexes = Vec::new();
    for (f, data) in files.iter().zip(&datas) {
        let ix =
            index::load(f, data).unwrap_or_else(|| panic!("{} has no valid index", f.display()));
        assert_eq!(ix.covered, data.len() as u64, "{}", f.display());
        let meta = std::fs::metadata(f).unwrap();
        assert_eq!(ix, index::build(meta.dev(), meta.ino(), data));
        indexes.push(Some(Arc::new(ix)));
    }
    // Indexes of rotated-away files are removed: one per log file.
    let stored = std::fs::read_dir(d.path().join(index::DIR)).unwrap().count();
    assert_eq!(stored, files.len());

    let inputs: Vec<&[u8]> = datas.iter().map(Vec::as_slice).collect();
    let host = FixedHost::new();
    for c in [
        Criteria { key: Some(b"rare-key".to_vec()), ..Criteria::default() },
        Criteria { pid: Some(4242), ..Criteria::default() },
        Criteria { loginuid: Some(IdCriterion::Number(1000)), ..Criteria::default() },
    ] {
        let plain = Settings { criteria: c, ..Settings::default() };
        let with = Settings { indexes: indexes.clone(), ..plain.clone() };
        let (mut a, mut b, mut e) = (Vec::new(), Vec::new(), Vec::new());
        let found = search(&inputs, &with, &mut a, &mut e, &host, &|_, _| {}).unwrap().found;
        search_exhaustive(&inputs, &plain, &mut b, &mut e, &host, &|_, _| {}).unwrap();
        assert!(a == b, "{:?}", plain.criteria);
        assert!(found);
    }
}
