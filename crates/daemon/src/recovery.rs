//! What a daemon that starts after a crash finds in the log it takes over, and the record of the
//! gap it leaves (issue 17, crash-safe capture; docs/crash-safety.md).
//!
//! A daemon killed mid-write can leave its last line cut short; the next line written would then
//! be glued onto it and both records would be unreadable. At start the tail of the log is read:
//! a cut line is completed with a newline (the gap record right after it names it), and the
//! last kernel serial written is remembered. When the first kernel record arrives, the serials
//! between the two are reported in one RAUDIT_GAP record, with why they are missing.

use std::fs::OpenOptions;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// raudit's record type for a gap in the kernel's serials (`RAUDIT_GAP` in raudit_tables::RAUDIT_TYPES).
pub const RAUDIT_GAP: u16 = 2991;

/// How much of the log's end is read: far more than one batch of records.
const TAIL_BYTES: u64 = 1 << 20;

/// What the end of the log says about how the previous daemon stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tail {
    /// The last line was cut (no newline): its length in bytes, now completed.
    pub torn_bytes: usize,
    /// The previous daemon wrote its end (DAEMON_END or DAEMON_ABORT) as its last record.
    pub clean_end: bool,
    /// The serial of the last kernel record written, when the tail holds one.
    pub last_serial: Option<u32>,
    /// The file held a daemon's records at all (an empty or new log has no gap to tell).
    pub seen: bool,
}

/// Reads the tail of `log` and completes a cut last line. A missing file is an empty tail.
/// `node` is this daemon's node name: lines of other nodes (network clients) are skipped.
pub fn inspect(log: &Path, node: Option<&str>) -> io::Result<Tail> {
    let mut f = match OpenOptions::new()
        .read(true)
        .append(true)
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::CLOEXEC).bits() as i32)
        .open(log)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Tail::default()),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity((len - start) as usize);
    f.read_to_end(&mut buf)?;
    let tail = read_tail(&buf, start > 0, node);
    if tail.torn_bytes > 0 {
        // Completed, not removed: the bytes are evidence; the gap record that follows names them.
        f.write_all(b"\n")?;
        f.sync_data()?;
    }
    Ok(tail)
}

/// [`inspect`] on bytes: `cut_front` says the first line may be a fragment.
pub fn read_tail(buf: &[u8], cut_front: bool, node: Option<&str>) -> Tail {
    let complete = match buf.iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None => 0,
    };
    let mut tail = Tail { torn_bytes: buf.len() - complete, ..Tail::default() };
    let mut lines: Vec<&[u8]> = buf[..complete].split(|&b| b == b'\n').collect();
    lines.pop(); // after the final newline
    if cut_front && !lines.is_empty() {
        lines.remove(0);
    }
    let mut decided = false;
    for line in lines.iter().rev() {
        let Some(rec) = Line::parse(line, node) else { continue };
        tail.seen = true;
        match rec.kind {
            Kind::End if !decided => {
                tail.clean_end = true;
                return tail;
            }
            Kind::Start | Kind::End => decided = true,
            Kind::OtherOwn => {}
            Kind::Kernel => {
                tail.last_serial = rec.serial;
                return tail;
            }
        }
    }
    tail
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Start,
    /// DAEMON_END, or DAEMON_ABORT (a start that failed and said so).
    End,
    /// The daemon's other records (DAEMON_ROTATE, seal checkpoints, BPF records...).
    OtherOwn,
    Kernel,
}

struct Line {
    kind: Kind,
    serial: Option<u32>,
}

impl Line {
    fn parse(line: &[u8], node: Option<&str>) -> Option<Line> {
        let text = std::str::from_utf8(line.get(..line.len().min(256))?).ok()?;
        let mut rest = text;
        if let Some(n) = rest.strip_prefix("node=") {
            let (name, after) = n.split_once(' ')?;
            if Some(name) != node {
                return None;
            }
            rest = after;
        }
        let ty = rest.strip_prefix("type=")?.split(' ').next()?;
        let kind = match ty {
            "DAEMON_START" => Kind::Start,
            "DAEMON_END" | "DAEMON_ABORT" => Kind::End,
            t if t.starts_with("DAEMON_") || t.starts_with("UNKNOWN[2") => Kind::OtherOwn,
            _ => Kind::Kernel,
        };
        Some(Line { kind, serial: serial_of(rest.as_bytes()) })
    }
}

/// The serial of `audit(SECS.MS:SERIAL)` in a line or a kernel payload.
pub fn serial_of(text: &[u8]) -> Option<u32> {
    let at = text.windows(6).position(|w| w == b"audit(")? + 6;
    let rest = &text[at..];
    let colon = rest.iter().position(|&b| b == b':')?;
    let digits = &rest[colon + 1..];
    let end = digits.iter().position(|&b| !b.is_ascii_digit())?;
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

/// Why the previous capture stopped without its end record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The supervisor restarted a worker that died from this signal (or exited with `code`).
    WorkerDied { signal: Option<i32>, code: Option<i32> },
    /// A daemon started and found no end record: the previous one was killed or crashed.
    NoEndRecord,
}

/// A gap to report once the first kernel record says where capture resumed.
#[derive(Debug, Clone)]
pub struct PendingGap {
    pub tail: Tail,
    pub cause: Cause,
}

impl PendingGap {
    /// The gap to report after a start, or `None` when the previous daemon ended cleanly or
    /// there was none.
    pub fn after_start(tail: Tail, cause: Cause) -> Option<PendingGap> {
        let unclean = tail.seen && !tail.clean_end;
        (unclean || tail.torn_bytes > 0).then_some(PendingGap { tail, cause })
    }

    /// The RAUDIT_GAP body, given the first kernel serial received. `missing` counts the serials
    /// with no record in the log, an upper bound of the events lost whole (serials also go to
    /// events never sent here); the events at either end may have lost some of their records.
    pub fn body(&self, first: u32) -> String {
        let (last, missing) = match self.tail.last_serial {
            Some(last) if first > last => (last.to_string(), (first - last - 1).to_string()),
            // Serials restart with the kernel (a reboot) or wrapped: the count is unknown.
            Some(last) => (last.to_string(), "unknown".to_string()),
            None => ("unknown".to_string(), "unknown".to_string()),
        };
        let reason = match self.cause {
            Cause::WorkerDied { signal: Some(s), .. } => format!("worker-killed sig={s}"),
            Cause::WorkerDied { code, .. } => {
                format!("worker-exited code={}", code.map_or("?".into(), |c| c.to_string()))
            }
            Cause::NoEndRecord => "no-end-record".to_string(),
        };
        format!(
            "op=capture-gap reason={reason} last_serial={last} first_serial={first} \
             missing={missing} torn_bytes={} res=failed",
            self.tail.torn_bytes
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "type=DAEMON_START msg=audit(1.000:4000): op=start ver=3.0.9 res=success\n";
    const SYS: &str = "type=SYSCALL msg=audit(1.001:120): arch=c000003e syscall=110 key=\"s\"\n";
    const PT: &str = "type=PROCTITLE msg=audit(1.001:121): proctitle=73\n";
    const END: &str = "type=DAEMON_END msg=audit(1.002:4001): op=terminate res=success\n";

    #[test]
    fn a_clean_end_is_no_gap() {
        let t = read_tail(format!("{START}{SYS}{END}").as_bytes(), false, None);
        assert!(t.clean_end && t.seen);
        assert!(PendingGap::after_start(t, Cause::NoEndRecord).is_none());
    }

    #[test]
    fn a_kill_leaves_the_last_serial() {
        let t = read_tail(format!("{START}{SYS}{PT}").as_bytes(), false, None);
        assert_eq!(t, Tail { torn_bytes: 0, clean_end: false, last_serial: Some(121), seen: true });
        let g = PendingGap::after_start(t, Cause::NoEndRecord).unwrap();
        assert_eq!(
            g.body(200),
            "op=capture-gap reason=no-end-record last_serial=121 first_serial=200 missing=78 \
             torn_bytes=0 res=failed"
        );
    }

    #[test]
    fn a_torn_line_is_measured_and_skipped() {
        let t = read_tail(format!("{START}{SYS}type=PROCTITLE msg=au").as_bytes(), false, None);
        assert_eq!(t.torn_bytes, 21);
        assert_eq!(t.last_serial, Some(120));
        let g = PendingGap::after_start(t, Cause::WorkerDied { signal: Some(9), code: None });
        assert!(g.unwrap().body(121).contains("reason=worker-killed sig=9 last_serial=120"));
    }

    #[test]
    fn other_nodes_and_own_records_are_skipped() {
        let log = format!(
            "{START}{SYS}node=other type=SYSCALL msg=audit(1.1:99999): x\n\
             type=UNKNOWN[2990] msg=audit(1.2:5): seal\ntype=DAEMON_ROTATE msg=audit(1.3:7): r\n"
        );
        let t = read_tail(log.as_bytes(), false, None);
        assert_eq!(t.last_serial, Some(120));
        assert!(!t.clean_end);
        let mine = format!("node=me {SYS}node=me {END}");
        assert!(read_tail(mine.as_bytes(), false, Some("me")).clean_end);
    }

    #[test]
    fn a_restart_after_a_reboot_has_no_count() {
        let t = read_tail(format!("{START}{SYS}").as_bytes(), false, None);
        let g = PendingGap::after_start(t, Cause::NoEndRecord).unwrap();
        assert!(g.body(3).contains("last_serial=120 first_serial=3 missing=unknown"));
    }

    #[test]
    fn a_new_log_has_no_gap() {
        let t = read_tail(b"", false, None);
        assert!(PendingGap::after_start(t, Cause::NoEndRecord).is_none());
    }

    #[test]
    fn inspect_completes_a_cut_line_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        std::fs::write(&log, format!("{START}{SYS}type=PROCTITLE msg=au")).unwrap();
        let t = inspect(&log, None).unwrap();
        assert_eq!(t.torn_bytes, 21);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.ends_with("type=PROCTITLE msg=au\n"));
        // A second look finds nothing more to complete.
        assert_eq!(inspect(&log, None).unwrap().torn_bytes, 0);
        assert_eq!(inspect(&dir.path().join("none"), None).unwrap(), Tail::default());
    }

    #[test]
    fn serials_are_read_from_payloads() {
        assert_eq!(serial_of(b"audit(1796412946.718:12059754): arch=c000003e"), Some(12059754));
        assert_eq!(serial_of(b"no stamp"), None);
    }
}
