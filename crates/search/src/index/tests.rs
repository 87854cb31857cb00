use super::*;

fn log(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let sec = 1_700_000_000 + i as u64 / 50;
        out.extend_from_slice(
            format!(
                "type=SYSCALL msg=audit({sec}.{:03}:{i}): arch=c000003e syscall=59 success=yes \
                 exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid={} auid=1000 uid=0 gid=0 \
                 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"x\" \
                 exe=\"/usr/bin/prog{}\" key=\"key{}\"\n",
                i % 1000,
                1000 + i,
                i % 7,
                i % 13
            )
            .as_bytes(),
        );
    }
    out
}

#[test]
fn round_trips_and_answers_for_its_values() {
    let data = log(5000);
    let index = build(1, 2, &data);
    assert!(index.blocks.len() > 1);
    assert_eq!(index.covered, data.len() as u64);
    let again = Index::decode(&index.encode()).unwrap();
    assert_eq!(again, index);
    assert!(again.fits(1, 2, &data).is_ok());
    assert_eq!(index.time_range(), Some((1_700_000_000, 1_700_000_000 + 4999 / 50)));
    assert_eq!(index.serial_range(), Some((0, 4999)));
    // Every value written is found in its block.
    let b = &index.blocks[0];
    assert!(b.filter.may_hold(hash_u32(build::tag::PID, 1000)));
    assert!(b.filter.may_hold(hash_u32(build::tag::UID, 1000)));
    for piece in build::trigrams(build::tag::EXE, b"/usr/bin/prog3") {
        assert!(b.filter.may_hold(piece));
    }
}

#[test]
fn numbers_are_read_as_the_extractor_reads_them() {
    // 4294968530 kept as 32 bits is 1234.
    let data = b"type=SYSCALL msg=audit(1700000000.000:1): pid=4294968530 uid=12x \n";
    let index = build(0, 0, data);
    let f = &index.blocks[0].filter;
    assert!(f.may_hold(hash_u32(build::tag::PID, 1234)));
    assert!(f.may_hold(hash_u32(build::tag::UID, 12)));
}

#[test]
fn builds_the_same_line_by_line() {
    let mut data = log(4000);
    // A line longer than the readers' 8969 bytes, whose second piece reads as a record.
    let mut long = b"type=USER msg=audit(1700000090.000:9): pid=1 msg='".to_vec();
    long.resize(8969, b'x');
    long.extend_from_slice(b"type=PATH msg=audit(1700000090.000:10): pid=77 name=\"y\"\n");
    let at = data.len() / 2;
    let at = at + data[at..].iter().position(|&c| c == b'\n').unwrap() + 1;
    data.splice(at..at, long);
    let mut b = Builder::new(3, 4);
    for line in data.split_inclusive(|&c| c == b'\n') {
        b.line(line);
    }
    assert_eq!(b.index(), build(3, 4, &data));
    // A partial last line is not covered.
    let mut partial = data.clone();
    partial.extend_from_slice(b"type=SYSCALL msg=audit(1700");
    assert_eq!(build(3, 4, &partial), build(3, 4, &data));
}

#[test]
fn a_changed_log_makes_it_stale() {
    let data = log(3000);
    let index = build(1, 2, &data);
    assert_eq!(index.fits(1, 3, &data), Err(Invalid::Stale));
    assert_eq!(index.fits(1, 2, &data[..data.len() - 1]), Err(Invalid::Stale));
    let mut longer = data.clone();
    longer.extend_from_slice(b"more\n");
    assert!(index.fits(1, 2, &longer).is_ok());
    let mut changed = data.clone();
    let n = changed.len();
    changed[n - 10] ^= 1;
    assert_eq!(index.fits(1, 2, &changed), Err(Invalid::Stale));
    changed = data.clone();
    changed[10] ^= 1;
    assert_eq!(index.fits(1, 2, &changed), Err(Invalid::Stale));
}

#[test]
fn damage_is_reported_never_a_panic() {
    let bytes = build(1, 2, &log(2000)).encode();
    assert!(Index::decode(&bytes[..bytes.len() - 1]).is_err());
    assert!(Index::decode(&[]).is_err());
    let mut other = bytes.clone();
    other[8] = 9;
    assert_eq!(Index::decode(&other), Err(Invalid::Corrupt("another version")));
    // Every single-byte change is caught (checksum or structure).
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut damaged = bytes.clone();
        let at = (rng % damaged.len() as u64) as usize;
        damaged[at] ^= 1 << (rng >> 60 & 7);
        assert!(Index::decode(&damaged).is_err());
        let _ = Index::decode(&damaged[..at]);
    }
}

#[test]
fn stored_next_to_the_log_with_its_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let data = log(100);
    std::fs::write(&path, &data).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    let index = build(meta.dev(), meta.ino(), &data);
    let stored = store(&path, &index).unwrap();
    assert_eq!(stored, dir.path().join(DIR).join(meta.ino().to_string()));
    assert_eq!(std::fs::metadata(&stored).unwrap().mode() & 0o777, 0o640);
    assert_eq!(load(&path, &data), Some(index));
    // Not the log's index once the log is replaced.
    std::fs::write(&path, log(90)).unwrap();
    assert_eq!(load(&path, &log(90)), None);
    prune(&path, &[]);
    assert!(!stored.exists());
}
