//! The checker: walks each file's lines through the chain, checks every checkpoint, and names
//! the first line that was altered, removed or inserted. Given a rotated set, oldest first, it
//! also checks that each file follows the one before it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::chain::{digest, link, tag};
use crate::key::SealKey;
use crate::line::{Checkpoint, Digest, TAG_HEX, hex, is_checkpoint, parse_checkpoint};

/// A broken seal: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    /// 1-based; one past the last line for something missing at the end.
    pub line: u64,
    pub what: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.what)
    }
}

/// What [`verify_set`] found.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Broken seals: the chain is whole only when there are none.
    pub findings: Vec<Finding>,
    /// What holds, and what is not sealed yet in a file still being written.
    pub notes: Vec<String>,
}

impl Report {
    pub fn whole(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The last checkpoint of a file, and its line.
struct FileEnd {
    last: Checkpoint,
    line: u64,
}

/// How to judge the end of the last file.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The last file may end without a closing checkpoint (the daemon is still writing it);
    /// its unsealed lines are reported as a note.
    pub live: bool,
    /// With `live`: the last file's last checkpoint may be at most this old (the daemon's
    /// `--seal-heartbeat` keeps it younger), else its tail may have been removed.
    pub max_age: Option<Duration>,
    /// The time ages are measured against.
    pub now: SystemTime,
}

impl Default for Options {
    fn default() -> Self {
        Options { live: false, max_age: None, now: SystemTime::now() }
    }
}

/// Checks files given oldest first.
pub fn verify_set(key: &SealKey, files: &[(String, Vec<u8>)], opts: &Options) -> Report {
    let mut report = Report::default();
    let mut before: Option<(String, FileEnd)> = None;
    for (i, (name, data)) in files.iter().enumerate() {
        let is_last = i + 1 == files.len();
        let prev = before.as_ref().map(|(n, e)| (n.as_str(), &e.last));
        let live = opts.live && is_last;
        match verify_file(key, name, data, prev, live, &mut report) {
            Some(end) => {
                if live && let Some(max) = opts.max_age {
                    check_age(name, &end, max, opts.now, &mut report);
                }
                before = Some((name.clone(), end));
            }
            None => before = None,
        }
    }
    report
}

/// The last checkpoint of a live file must be recent: a removed tail takes the recent ones
/// with it.
fn check_age(name: &str, end: &FileEnd, max: Duration, now: SystemTime, report: &mut Report) {
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    let Ok(then) = end.last.time.parse::<f64>() else { return };
    let age = now - then;
    if age > max.as_secs_f64() {
        report.findings.push(Finding {
            file: name.to_string(),
            line: end.line,
            what: format!(
                "the last seal record is {age:.0} s old, more than --max-age {} s: the daemon \
                 stopped sealing, or the records after it were removed",
                max.as_secs()
            ),
        });
    }
}

/// One line's place in a segment: its tag and line number.
struct Seen {
    tag: String,
    line: u64,
}

fn verify_file(
    key: &SealKey,
    name: &str,
    data: &[u8],
    previous: Option<(&str, &Checkpoint)>,
    open_end: bool,
    report: &mut Report,
) -> Option<FileEnd> {
    let mut fail = |line: u64, what: String| {
        report.findings.push(Finding { file: name.to_string(), line, what });
    };
    let mut chain: Digest = [0; 32];
    let mut seen: Vec<Seen> = Vec::new();
    let mut last: Option<(u64, Checkpoint)> = None;
    let mut n = 0u64;
    for raw in data.split_inclusive(|&b| b == b'\n') {
        n += 1;
        if !raw.ends_with(b"\n") {
            fail(n, "the last line is cut short (the file was truncated)".into());
            return None;
        }
        if is_checkpoint(raw) {
            let c = match parse_checkpoint(key, raw) {
                Ok(c) => c,
                Err(e) => {
                    fail(n, e.to_string());
                    return None;
                }
            };
            if let Err((line, what)) = check_segment(&c, n, &chain, &seen, last.as_ref(), previous)
            {
                fail(line, what);
                return None;
            }
            seen.clear();
            last = Some((n, c));
        }
        let d = digest(raw);
        chain = link(&chain, &d);
        seen.push(Seen { tag: tag(&d), line: n });
    }
    let Some((at, c)) = last else {
        fail(1, "no seal record: this file is not sealed, or its seal records were removed".into());
        return None;
    };
    // The checkpoint's own line is the first of `seen`.
    let unsealed = seen.len().saturating_sub(1);
    let closed = c.reason.closes() && unsealed == 0;
    if !closed {
        let what = format!(
            "{unsealed} record(s) after the last seal record (line {at}, time {}, reason {}) \
             are not sealed",
            c.time,
            c.reason.as_str()
        );
        if open_end {
            report.notes.push(format!("{name}: {what} (the file is still being written)"));
        } else {
            fail(
                at + 1,
                format!(
                    "the file ends without its closing seal record: truncated, or its tail \
                     removed; {what}"
                ),
            );
            return Some(FileEnd { last: c, line: at });
        }
    }
    report.notes.push(format!(
        "{name}: {n} lines, chain whole up to line {at} (file {} of the series, {} checkpoints)",
        c.fseq,
        c.cseq + 1
    ));
    Some(FileEnd { last: c, line: at })
}

/// Checks checkpoint `c` at line `at` against the lines since the previous one.
fn check_segment(
    c: &Checkpoint,
    at: u64,
    chain: &Digest,
    seen: &[Seen],
    last: Option<&(u64, Checkpoint)>,
    previous: Option<(&str, &Checkpoint)>,
) -> Result<(), (u64, String)> {
    let expected: Vec<&str> = (0..c.tags.len() / TAG_HEX)
        .filter_map(|i| c.tags.get(i * TAG_HEX..(i + 1) * TAG_HEX))
        .collect();
    match last {
        None => {
            if c.cseq != 0 {
                // The file's first checkpoints are gone: its head was removed.
                let what = format!(
                    "the file's first {} seal record(s) are missing: its head was removed \
                     ({} lines were before this one)",
                    c.cseq, c.records
                );
                return Err((1, what));
            }
            if c.records > 0
                && expected.is_empty()
                && *chain != [0; 32]
                && seen.len() as u64 == c.records
            {
                return Err((
                    1,
                    format!("lines 1-{} were written before sealing began", c.records),
                ));
            }
            if let Some((pname, p)) = previous {
                let follows = c.fseq == p.fseq + 1 && c.prev == p.mac;
                if !follows {
                    return Err((
                        at,
                        format!(
                            "this file does not follow {pname} (it is file {} of the series and \
                             names a predecessor {}; {pname} is file {} and ends with {}): files \
                             swapped, missing or out of order (give them oldest first)",
                            c.fseq,
                            short(&c.prev),
                            p.fseq,
                            short(&p.mac)
                        ),
                    ));
                }
            }
        }
        Some((lat, l)) => {
            if c.fseq != l.fseq || c.cseq != l.cseq + 1 || c.prev != l.mac {
                let what = format!(
                    "seal record {} of file {} follows seal record {} of file {} (line {lat}): \
                     a seal record between them was removed, or records were moved in from \
                     elsewhere",
                    c.cseq, c.fseq, l.cseq, l.fseq
                );
                return Err((
                    locate_removed_checkpoint(&expected, seen, at).unwrap_or(lat + 1),
                    what,
                ));
            }
        }
    }
    if let Some(err) = compare_tags(&expected, seen, at) {
        return Err(err);
    }
    if &c.chain != chain || c.records != at - 1 {
        let from = seen.first().map_or(1, |s| s.line);
        return Err((
            from,
            format!(
                "a record in lines {from}-{} was altered (the chain does not match seal record \
                 at line {at})",
                at - 1
            ),
        ));
    }
    Ok(())
}

fn short(d: &Digest) -> String {
    hex(&d[..6])
}

/// A whole checkpoint line removed: the lines after it still match the next checkpoint's
/// tags (all but the first, which was the removed line's own). The line where it was, or
/// `None` when the lines say otherwise.
fn locate_removed_checkpoint(expected: &[&str], seen: &[Seen], at: u64) -> Option<u64> {
    let rest = expected.get(1..)?;
    let start = seen.len().checked_sub(rest.len())?;
    let tail_matches = seen[start..].iter().zip(rest).all(|(s, e)| s.tag == *e);
    tail_matches.then(|| seen.get(start).map_or(at, |s| s.line))
}

/// The first place where the lines differ from the tags the checkpoint holds, and what
/// happened there.
fn compare_tags(expected: &[&str], seen: &[Seen], at: u64) -> Option<(u64, String)> {
    let k = expected.iter().zip(seen).take_while(|(e, s)| **e == s.tag).count();
    if k == expected.len() && k == seen.len() {
        return None;
    }
    let line_of = |i: usize| seen.get(i).map_or(at, |s| s.line);
    let same =
        |a: &[Seen], b: &[&str]| a.len() == b.len() && a.iter().zip(b).all(|(s, e)| s.tag == *e);
    let (n, m) = (seen.len(), expected.len());
    let l = line_of(k);
    let what = if n == m && same(&seen[k + 1..], &expected[k + 1..]) {
        "record altered".to_string()
    } else if n == m
        && k + 1 < n
        && seen[k].tag == expected[k + 1]
        && seen[k + 1].tag == expected[k]
        && same(&seen[k + 2..], &expected[k + 2..])
    {
        format!("records reordered (lines {l} and {} swapped)", l + 1)
    } else if n + 1 == m && same(&seen[k..], &expected[k + 1..]) {
        "a record was removed before this line".to_string()
    } else if n == m + 1 && same(&seen[k + 1..], &expected[k..]) {
        "record inserted".to_string()
    } else if n < m && k == n {
        "records removed before this line".to_string()
    } else {
        format!(
            "records altered, removed, inserted or reordered from here ({n} lines where {m} were sealed)"
        )
    };
    Some((l, what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{Policy, Sealer};
    use crate::line::Reason;

    fn key() -> SealKey {
        SealKey::from_bytes(b"a test key of thirty-two bytes!!")
    }

    /// A sealed file of `n` records with a checkpoint every `every`, closed by `end`.
    fn sealed(s: &mut Sealer, n: usize, end: Reason) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |s: &mut Sealer, line: &[u8]| {
            out.extend_from_slice(line);
            s.record(line);
        };
        s.start_file();
        let (open, _) = s.checkpoint(Reason::Open);
        put(s, &open);
        for i in 0..n {
            let line = format!("type=USER msg=audit(1.000:{i}): n={i}\n");
            put(s, line.as_bytes());
            if s.room() == 0 {
                let (cp, _) = s.checkpoint(Reason::Interval);
                put(s, &cp);
            }
        }
        let (cp, _) = s.checkpoint(end);
        put(s, &cp);
        out
    }

    fn lines(data: &[u8]) -> Vec<Vec<u8>> {
        data.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
    }

    fn first(files: &[(String, Vec<u8>)]) -> Option<Finding> {
        verify_set(&key(), files, &Options::default()).findings.into_iter().next()
    }

    fn one(data: Vec<u8>) -> Vec<(String, Vec<u8>)> {
        vec![("audit.log".to_string(), data)]
    }

    fn sealer() -> Sealer {
        Sealer::new(key(), Policy { records: 5, ..Policy::default() }, 1)
    }

    #[test]
    fn an_untouched_file_verifies() {
        let data = sealed(&mut sealer(), 12, Reason::Stop);
        let r = verify_set(&key(), &one(data), &Options::default());
        assert!(r.whole(), "{:?}", r.findings);
    }

    #[test]
    fn each_change_is_found_at_its_line() {
        let data = sealed(&mut sealer(), 12, Reason::Stop);
        let ls = lines(&data);
        let join = |ls: &[Vec<u8>]| ls.concat();
        // Line 4 is a record (1 open, records 1-5 on lines 2-6, checkpoint on 7).
        let mut flipped = ls.clone();
        flipped[3][20] ^= 1;
        let f = first(&one(join(&flipped))).unwrap();
        assert_eq!((f.line, f.what.as_str()), (4, "record altered"));

        let mut deleted = ls.clone();
        deleted.remove(3);
        let f = first(&one(join(&deleted))).unwrap();
        assert_eq!(f.line, 4, "{f}");
        assert!(f.what.contains("removed"), "{f}");

        let mut inserted = ls.clone();
        inserted.insert(3, b"type=USER msg=audit(1.000:99): forged\n".to_vec());
        let f = first(&one(join(&inserted))).unwrap();
        assert_eq!((f.line, f.what.as_str()), (4, "record inserted"));

        let mut swapped = ls.clone();
        swapped.swap(3, 4);
        let f = first(&one(join(&swapped))).unwrap();
        assert_eq!(f.line, 4, "{f}");
        assert!(f.what.contains("reordered"), "{f}");

        let cut = &data[..data.len() - 30];
        let f = first(&one(cut.to_vec())).unwrap();
        assert!(f.what.contains("truncated"), "{f}");

        // The tail removed at a line boundary (the closing checkpoint with it).
        let tail_gone = join(&ls[..ls.len() - 2]);
        let f = first(&one(tail_gone)).unwrap();
        assert_eq!(f.line, 14, "{f}");
        assert!(f.what.contains("1 record(s) after the last seal record"), "{f}");

        let mut no_checkpoint = ls.clone();
        no_checkpoint.remove(6);
        let f = first(&one(join(&no_checkpoint))).unwrap();
        assert_eq!(f.line, 7, "{f}");
        assert!(f.what.contains("seal record between them was removed"), "{f}");
    }

    #[test]
    fn a_rotated_set_must_be_in_order() {
        let mut s = sealer();
        let a = sealed(&mut s, 7, Reason::Rotate);
        let b = sealed(&mut s, 7, Reason::Rotate);
        let c = sealed(&mut s, 3, Reason::Interval);
        let set = |x: &[u8], y: &[u8], z: &[u8]| {
            vec![
                ("audit.log.2".to_string(), x.to_vec()),
                ("audit.log.1".to_string(), y.to_vec()),
                ("audit.log".to_string(), z.to_vec()),
            ]
        };
        let live = Options { live: true, ..Options::default() };
        let r = verify_set(&key(), &set(&a, &b, &c), &live);
        assert!(r.whole(), "{:?}", r.findings);
        assert!(r.notes.iter().any(|n| n.contains("still being written")), "{:?}", r.notes);
        assert!(!verify_set(&key(), &set(&a, &b, &c), &Options::default()).whole());
        // The last checkpoint must be recent when --max-age says so.
        let max_age = Some(Duration::from_secs(60));
        let fresh = Options { max_age, ..live };
        assert!(verify_set(&key(), &set(&a, &b, &c), &fresh).whole());
        let later = Options { now: fresh.now + Duration::from_secs(3600), ..fresh };
        let r = verify_set(&key(), &set(&a, &b, &c), &later);
        let f = &r.findings[0];
        assert_eq!((f.file.as_str(), f.line), ("audit.log", lines(&c).len() as u64), "{f}");
        assert!(f.what.contains("more than --max-age 60 s"), "{f}");

        let f = first(&set(&b, &a, &c)).unwrap();
        assert_eq!((f.file.as_str(), f.line), ("audit.log.1", 1), "{f}");
        assert!(f.what.contains("does not follow audit.log.2"), "{f}");
    }

    #[test]
    fn every_single_byte_change_is_found() {
        let data = sealed(&mut sealer(), 7, Reason::Stop);
        for i in 0..data.len() {
            for bit in [0x01u8, 0x20, 0x80] {
                let mut bad = data.clone();
                bad[i] ^= bit;
                let r = verify_set(&key(), &one(bad), &Options::default());
                assert!(!r.whole(), "byte {i} ^ {bit:#x} went unnoticed");
            }
        }
        // Lines cut out anywhere, one at a time.
        let ls = lines(&data);
        for i in 0..ls.len() {
            let mut cut = ls.clone();
            cut.remove(i);
            assert!(
                !verify_set(&key(), &one(cut.concat()), &Options::default()).whole(),
                "line {i} removed"
            );
        }
    }

    #[test]
    fn a_forged_checkpoint_and_a_wrong_key_fail() {
        let data = sealed(&mut sealer(), 3, Reason::Stop);
        let other = SealKey::from_bytes(b"not the key that sealed this log");
        let r = verify_set(&other, &one(data), &Options::default());
        assert_eq!(r.findings[0].line, 1);
        assert!(r.findings[0].what.contains("HMAC"));
    }
}
