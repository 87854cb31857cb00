//! `--checkpoint FILE`: resume a search after the last complete event of
//! the previous run (the reference's ausearch-checkpt.c behaviour).
//!
//! The file holds three lines: `dev=0x%X`, `inode=%u` (the log file last
//! read) and `output=NODE|- SEC.MMM:SERIAL 0x%X` (the last complete event
//! seen and the type of its first record).

use std::fmt::Write as _;

/// Seconds past the checkpointed event after which finding a newer
/// complete event first means the checkpoint is stale (`MAX_EVENT_DELTA_SECS`).
pub const MAX_EVENT_DELTA_SECS: u64 = 2;

/// An event as a checkpoint remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckpointEvent {
    pub node: Option<Vec<u8>>,
    pub sec: u64,
    pub milli: u32,
    pub serial: u64,
    pub rtype: i32,
}

/// A checkpoint file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckpointFile {
    pub dev: u64,
    pub inode: u64,
    pub last: CheckpointEvent,
}

impl CheckpointFile {
    /// Parses a checkpoint; the error is the reference's message(s), one
    /// per line: a bad line stops the reading, and missing dev/inode lines
    /// are reported after it.
    pub fn parse(text: &str, path: &str) -> Result<CheckpointFile, String> {
        let mut cp = CheckpointFile::default();
        let mut errors = Vec::new();
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("dev=") {
                let v = v.trim_start_matches("0x").trim_start_matches("0X");
                let digits: String = v.chars().take_while(char::is_ascii_hexdigit).collect();
                cp.dev = u64::from_str_radix(&digits, 16).unwrap_or(0);
            } else if let Some(v) = line.strip_prefix("inode=") {
                let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
                cp.inode = digits.parse().unwrap_or(0);
            } else if let Some(v) = line.strip_prefix("output=") {
                let Some((node, rest)) = v.split_once(' ') else {
                    errors.push(format!(
                        "Malformed output/event checkpoint line near node - [{line}]"
                    ));
                    break;
                };
                match parse_event(node, rest) {
                    Some(e) => cp.last = e,
                    None => {
                        errors.push(format!(
                            "Malformed output/event checkpoint line after node - [{line}]"
                        ));
                        break;
                    }
                }
            } else {
                errors.push(format!("Unknown checkpoint line - [{line}]"));
                break;
            }
        }
        if cp.dev == 0 || cp.inode == 0 {
            errors.push(format!("Missing dev/inode lines from checkpoint file {path}"));
        }
        if errors.is_empty() { Ok(cp) } else { Err(errors.join("\n")) }
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        // COMPAT: ausearch-checkpt.c save_ChkPt: dev and inode are printed
        // as unsigned ints, the type as unsigned hex.
        let _ = writeln!(s, "dev=0x{:X}\ninode={}", self.dev as u32, self.inode as u32);
        let node = self.last.node.as_deref().map(String::from_utf8_lossy).unwrap_or("-".into());
        let _ = writeln!(
            s,
            "output={node} {}.{:03}:{} 0x{:X}",
            self.last.sec, self.last.milli, self.last.serial, self.last.rtype as u32
        );
        s
    }
}

fn parse_event(node: &str, rest: &str) -> Option<CheckpointEvent> {
    let (stamp, ty) = rest.split_once(" 0x")?;
    let (sec, rest) = stamp.split_once('.')?;
    let (milli, serial) = rest.split_once(':')?;
    let digits = |s: &str| s.chars().take_while(char::is_ascii_hexdigit).collect::<String>();
    Some(CheckpointEvent {
        node: (!node.starts_with('-')).then(|| node.as_bytes().to_vec()),
        sec: sec.parse().ok()?,
        milli: milli.parse().ok()?,
        serial: serial.split_whitespace().next()?.parse().ok()?,
        rtype: u32::from_str_radix(&digits(ty), 16).ok()? as i32,
    })
}

/// What to do with a matching event while resuming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Output,
    /// Not this one, but everything after it.
    OutputAfterThis,
    Skip,
    /// A complete event well past the checkpoint came first: the checkpoint
    /// does not belong to this log.
    Corrupted,
}

/// The resume state machine (the reference's chkpt_output_decision).
#[derive(Debug, Clone)]
pub struct Resume {
    last: Option<CheckpointEvent>,
    time_only: bool,
    open: bool,
}

impl Resume {
    /// `last` is None on a first run (no checkpoint file yet).
    pub fn new(last: Option<CheckpointEvent>, time_only: bool) -> Resume {
        Resume { last, time_only, open: false }
    }

    pub fn decide(&mut self, e: &CheckpointEvent) -> Decision {
        if self.open {
            return Decision::Output;
        }
        let Some(cp) = &self.last else {
            self.open = true;
            return Decision::Output;
        };
        if cp.sec == 0 {
            self.open = true;
            return Decision::Output;
        }
        if self.time_only && (cp.sec < e.sec || (cp.sec == e.sec && cp.milli <= e.milli)) {
            self.open = true;
            return Decision::Output;
        }
        if (cp.sec, cp.milli, cp.serial, cp.rtype) == (e.sec, e.milli, e.serial, e.rtype)
            && cp.node == e.node
        {
            self.open = true;
            return Decision::OutputAfterThis;
        }
        if cp.sec < e.sec && e.sec - cp.sec > MAX_EVENT_DELTA_SECS {
            return Decision::Corrupted;
        }
        Decision::Skip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trip_and_errors() {
        let cp = CheckpointFile {
            dev: 0xfe00,
            inode: 10018951,
            last: CheckpointEvent {
                node: None,
                sec: 1700000300,
                milli: 10,
                serial: 211,
                rtype: 0x459,
            },
        };
        let text = cp.render();
        assert_eq!(text, "dev=0xFE00\ninode=10018951\noutput=- 1700000300.010:211 0x459\n");
        assert_eq!(CheckpointFile::parse(&text, "f"), Ok(cp));
        assert_eq!(
            CheckpointFile::parse("bogus\n", "f").unwrap_err(),
            "Unknown checkpoint line - [bogus]\nMissing dev/inode lines from checkpoint file f"
        );
        assert_eq!(
            CheckpointFile::parse("output=- 1.000:1 0x1\n", "f").unwrap_err(),
            "Missing dev/inode lines from checkpoint file f"
        );
    }

    #[test]
    fn resume_decisions() {
        let cp = CheckpointEvent { node: None, sec: 100, milli: 0, serial: 5, rtype: 1300 };
        let mut r = Resume::new(Some(cp.clone()), false);
        let older = CheckpointEvent { sec: 99, ..cp.clone() };
        assert_eq!(r.decide(&older), Decision::Skip);
        assert_eq!(r.decide(&cp), Decision::OutputAfterThis);
        assert_eq!(r.decide(&older), Decision::Output);
        let mut r = Resume::new(Some(cp.clone()), false);
        assert_eq!(r.decide(&CheckpointEvent { sec: 103, ..cp.clone() }), Decision::Corrupted);
        let mut r = Resume::new(Some(cp.clone()), true);
        assert_eq!(r.decide(&CheckpointEvent { serial: 9, ..cp }), Decision::Output);
    }
}
