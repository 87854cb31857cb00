//! Sealed logs (`rauditd --seal`, `raudit verify`): a rotated set written by the daemon's log
//! writer verifies whole; each kind of tampering is found at its file:line; the reference's
//! ausearch reads the sealed logs.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use raudit_config::DaemonConfig;
use raudit_daemon::LogWriter;
use raudit_daemon::testing::RecordingHooks;
use raudit_seal::{Policy, SealKey, Sealer};
use raudit_testkit::reference_tool;

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
/// Oldest first, as `raudit verify` takes them.
const SET: [&str; 3] = ["audit.log.2", "audit.log.1", "audit.log"];

fn record(n: usize) -> Vec<u8> {
    format!(
        "type=USER msg=audit(1700000000.{:03}:{}): pid=1 uid=0 auid=0 ses=1 msg='op=test n={n} res=success'\n",
        n % 1000,
        100 + n
    )
    .into_bytes()
}

fn sealer() -> Sealer {
    Sealer::new(SealKey::from_bytes(KEY), Policy { records: 10, ..Policy::default() }, 7)
}

/// Records 0-24 in audit.log.2, 25-49 in audit.log.1, 50-64 in audit.log, with a daemon
/// restart after record 57; returns the key file.
fn write_sealed_set(dir: &Path) -> PathBuf {
    let cfg = DaemonConfig {
        log_file: dir.join("audit.log"),
        num_logs: 3,
        ..DaemonConfig::code_defaults()
    };
    let mut w = LogWriter::open_sealed(cfg.clone(), RecordingHooks::default(), Some(sealer()));
    let batch = |w: &mut LogWriter<RecordingHooks>, range: std::ops::Range<usize>| {
        let lines: Vec<Vec<u8>> = range.map(record).collect();
        assert_eq!(w.write_batch(&lines).dropped, 0);
    };
    batch(&mut w, 0..25);
    assert!(w.rotate_requested());
    batch(&mut w, 25..50);
    assert!(w.rotate_requested());
    batch(&mut w, 50..58);
    w.shutdown();
    let mut w = LogWriter::open_sealed(cfg, RecordingHooks::default(), Some(sealer()));
    batch(&mut w, 58..65);
    w.shutdown();
    let key = dir.join("seal.key");
    std::fs::write(&key, KEY).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    key
}

fn verify(dir: &Path, key: &Path) -> Output {
    let files: Vec<PathBuf> = SET.iter().map(|f| dir.join(f)).collect();
    Command::new(RAUDIT).arg("verify").arg("--key").arg(key).args(&files).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn lines(p: &Path) -> Vec<Vec<u8>> {
    std::fs::read(p).unwrap().split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

/// The 1-based line of record `n` in `p`.
fn line_of(p: &Path, n: usize) -> usize {
    let want = record(n);
    lines(p).iter().position(|l| *l == want).unwrap() + 1
}

/// A fresh copy of the set, changed by `tamper`; `raudit verify` must fail naming `expect`.
fn tampered(set: &Path, key: &Path, tamper: impl FnOnce(&Path), expect: &str) {
    let d = tempfile::tempdir().unwrap();
    for f in SET {
        std::fs::copy(set.join(f), d.path().join(f)).unwrap();
    }
    tamper(d.path());
    let out = verify(d.path(), key);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let expect = format!("{}/{expect}", d.path().display());
    assert!(stdout.contains(&expect), "expected {expect:?} in:\n{stdout}");
}

#[test]
fn a_sealed_set_verifies_and_every_tampering_is_found_at_its_line() {
    let set = tempfile::tempdir().unwrap();
    let key = write_sealed_set(set.path());
    let out = verify(set.path(), &key);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("seal whole: 3 file(s)"));
    // The restart left a stop and a resume checkpoint in the live file.
    let live = text(&std::fs::read(set.path().join("audit.log")).unwrap());
    assert!(live.contains("reason=stop") && live.contains("reason=resume"), "{live}");

    let log1 = |d: &Path| d.join("audit.log.1");
    let at = line_of(&log1(set.path()), 30);
    tampered(
        set.path(),
        &key,
        |d| {
            let mut ls = lines(&log1(d));
            ls[at - 1][40] ^= 0x01;
            std::fs::write(log1(d), ls.concat()).unwrap();
        },
        &format!("audit.log.1:{at}: record altered"),
    );

    let at = line_of(&log1(set.path()), 33);
    tampered(
        set.path(),
        &key,
        |d| {
            let mut ls = lines(&log1(d));
            ls.remove(at - 1);
            std::fs::write(log1(d), ls.concat()).unwrap();
        },
        &format!("audit.log.1:{at}: a record was removed before this line"),
    );

    let (a, b) = (line_of(&log1(set.path()), 40), line_of(&log1(set.path()), 41));
    assert_eq!(a + 1, b);
    tampered(
        set.path(),
        &key,
        |d| {
            let mut ls = lines(&log1(d));
            ls.swap(a - 1, b - 1);
            std::fs::write(log1(d), ls.concat()).unwrap();
        },
        &format!("audit.log.1:{a}: records reordered (lines {a} and {b} swapped)"),
    );

    // Cut in the middle of a line: the cut line is named.
    let live_len = std::fs::metadata(set.path().join("audit.log")).unwrap().len();
    let cut_line = std::fs::read(set.path().join("audit.log")).unwrap()[..live_len as usize / 2]
        .split_inclusive(|&b| b == b'\n')
        .count();
    tampered(
        set.path(),
        &key,
        |d| {
            let f = std::fs::OpenOptions::new().write(true).open(d.join("audit.log")).unwrap();
            f.set_len(live_len / 2).unwrap();
        },
        &format!("audit.log:{cut_line}: the last line is cut short"),
    );

    // The tail removed at a line boundary: the first line after the last checkpoint left is
    // named, with the count of unsealed records.
    let kept = lines(&set.path().join("audit.log"));
    let kept = &kept[..kept.len() - 3];
    let last_seal = kept.iter().rposition(|l| l.starts_with(b"type=UNKNOWN[2990]")).unwrap() + 1;
    tampered(
        set.path(),
        &key,
        |d| {
            let ls = lines(&d.join("audit.log"));
            std::fs::write(d.join("audit.log"), ls[..ls.len() - 3].concat()).unwrap();
        },
        &format!(
            "audit.log:{}: the file ends without its closing seal record: truncated, or its tail \
             removed; {} record(s) after the last seal record (line {last_seal},",
            last_seal + 1,
            kept.len() - last_seal
        ),
    );

    // Two rotated files swapped.
    tampered(
        set.path(),
        &key,
        |d| {
            std::fs::rename(d.join("audit.log.1"), d.join("tmp")).unwrap();
            std::fs::rename(d.join("audit.log.2"), d.join("audit.log.1")).unwrap();
            std::fs::rename(d.join("tmp"), d.join("audit.log.2")).unwrap();
        },
        "audit.log.1:1: this file does not follow",
    );
}

#[test]
fn the_reference_reads_sealed_logs() {
    let Some(ausearch) = reference_tool("ausearch") else { return };
    let set = tempfile::tempdir().unwrap();
    write_sealed_set(set.path());
    for f in SET {
        let p = set.path().join(f);
        let out = Command::new(&ausearch).arg("-if").arg(&p).output().unwrap();
        assert!(out.status.success(), "{f}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{f}: {}", text(&out.stderr));
        // Every line, checkpoints included, comes out as its own event.
        let events = text(&out.stdout).matches("\n----").count() + 1;
        assert_eq!(events, lines(&p).len(), "{f}");
        // raudit's ausearch knows the checkpoint type by name and prints what the reference
        // prints for its number.
        let reference =
            Command::new(&ausearch).args(["--raw", "-m", "2990", "-if"]).arg(&p).output().unwrap();
        let ours = Command::new(RAUDIT)
            .args(["search", "--raw", "-m", "RAUDIT_SEAL", "-if"])
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(text(&ours.stdout), text(&reference.stdout), "{f}");
        assert!(text(&ours.stdout).contains("op=seal reason=open"), "{f}");
    }
}
