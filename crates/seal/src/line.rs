//! The checkpoint record's text. One line, readable by the reference tools:
//!
//! `type=UNKNOWN[2990] msg=audit(SECS.MS:SERIAL): op=seal reason=R fseq=F cseq=C records=N
//! prev=HEX chain=HEX tags=HEX hmac=HEX`
//!
//! `fseq` numbers the file in the daemon's series, `cseq` the checkpoint in its file,
//! `records` the lines before this one in the file, `chain` the chain value after them,
//! `tags` four hex digits of each line's digest since the previous checkpoint (they only
//! locate a change; the chain and the HMAC prove it), `prev` the previous checkpoint's HMAC
//! (in this file or the previous one). The HMAC covers every byte of the line before ` hmac=`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::key::SealKey;

/// The record type of a checkpoint: raudit's own, from the top of the userspace range
/// (2100-2999) that the kernel never uses and the reference leaves unnamed (beside the BPF
/// source's 2980-2983); the reference prints it as `UNKNOWN[2990]`.
pub const SEAL_TYPE: u16 = 2990;
/// How every checkpoint line starts (the daemon writes no `node=` before it).
pub const SEAL_PREFIX: &[u8] = b"type=UNKNOWN[2990] msg=audit(";
/// Hex digits of a line's digest kept per line in `tags`.
pub const TAG_HEX: usize = 4;

/// Why a checkpoint was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// First line of a new file.
    Open,
    /// Every N records or T seconds.
    Interval,
    /// The heartbeat: time passed with nothing to seal.
    Heartbeat,
    /// The daemon took over a file that already held records (a restart).
    Resume,
    /// Last line of a file that is rotated away.
    Rotate,
    /// Last line the daemon wrote before it stopped or closed the file.
    Stop,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Open => "open",
            Reason::Interval => "interval",
            Reason::Heartbeat => "heartbeat",
            Reason::Resume => "resume",
            Reason::Rotate => "rotate",
            Reason::Stop => "stop",
        }
    }
    fn parse(s: &str) -> Option<Reason> {
        [
            Reason::Open,
            Reason::Interval,
            Reason::Heartbeat,
            Reason::Resume,
            Reason::Rotate,
            Reason::Stop,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
    /// A file may end after such a checkpoint.
    pub fn closes(self) -> bool {
        matches!(self, Reason::Rotate | Reason::Stop)
    }
}

pub type Digest = [u8; 32];

/// A checkpoint's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// `SECS.MS` as written.
    pub time: String,
    pub serial: u64,
    pub reason: Reason,
    pub fseq: u64,
    pub cseq: u64,
    pub records: u64,
    pub prev: Digest,
    pub chain: Digest,
    pub tags: String,
    pub mac: Digest,
}

pub(crate) fn hmac(key: &SealKey, text: &[u8]) -> Digest {
    // new_from_slice takes a key of any length for HMAC; it cannot fail.
    let mut m = match <Hmac<Sha256> as Mac>::new_from_slice(key.bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts any key length"),
    };
    m.update(text);
    m.finalize().into_bytes().into()
}

pub fn hex(d: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(d.len() * 2);
    for b in d {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Lower-case hex only, as written: `A` for `a` in the (unsigned) hmac field would otherwise
/// be a change nobody notices.
fn unhex(s: &str) -> Option<Digest> {
    if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut d = [0u8; 32];
    for (i, out) in d.iter_mut().enumerate() {
        *out = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(d)
}

/// Builds the line (with its newline) and its HMAC; `mac` in `c` is ignored.
pub fn format_checkpoint(key: &SealKey, c: &Checkpoint) -> (Vec<u8>, Digest) {
    let mut text = format!(
        "type=UNKNOWN[{SEAL_TYPE}] msg=audit({}:{}): op=seal reason={} fseq={} cseq={} records={} prev={} chain={} tags={}",
        c.time,
        c.serial,
        c.reason.as_str(),
        c.fseq,
        c.cseq,
        c.records,
        hex(&c.prev),
        hex(&c.chain),
        c.tags
    );
    let mac = hmac(key, text.as_bytes());
    text.push_str(" hmac=");
    text.push_str(&hex(&mac));
    text.push('\n');
    (text.into_bytes(), mac)
}

/// Whether a line is a checkpoint (by its start; its content may still be forged or broken).
pub fn is_checkpoint(line: &[u8]) -> bool {
    line.starts_with(SEAL_PREFIX)
}

/// Why a checkpoint line is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("the seal record does not parse")]
    Malformed,
    #[error("the seal record was altered or forged (its HMAC does not match)")]
    BadMac,
}

/// Parses a checkpoint line and checks its HMAC.
pub fn parse_checkpoint(key: &SealKey, line: &[u8]) -> Result<Checkpoint, LineError> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let text = std::str::from_utf8(line).map_err(|_| LineError::Malformed)?;
    let at = text.rfind(" hmac=").ok_or(LineError::Malformed)?;
    let (signed, mac_text) = (&text[..at], &text[at + 6..]);
    let mac = unhex(mac_text).ok_or(LineError::Malformed)?;
    if !constant_time_eq(&hmac(key, signed.as_bytes()), &mac) {
        return Err(LineError::BadMac);
    }
    let rest = signed.strip_prefix("type=UNKNOWN[2990] msg=audit(").ok_or(LineError::Malformed)?;
    let (stamp, body) = rest.split_once("): ").ok_or(LineError::Malformed)?;
    let (time, serial) = stamp.split_once(':').ok_or(LineError::Malformed)?;
    let mut fields = std::collections::HashMap::new();
    for kv in body.split(' ') {
        let (k, v) = kv.split_once('=').ok_or(LineError::Malformed)?;
        fields.insert(k, v);
    }
    let get = |k: &str| fields.get(k).copied().ok_or(LineError::Malformed);
    let num = |k: &str| get(k)?.parse::<u64>().map_err(|_| LineError::Malformed);
    let digest = |k: &str| unhex(get(k)?).ok_or(LineError::Malformed);
    if get("op")? != "seal" {
        return Err(LineError::Malformed);
    }
    let tags = get("tags")?;
    if tags.len() % TAG_HEX != 0 || !tags.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(LineError::Malformed);
    }
    Ok(Checkpoint {
        time: time.to_string(),
        serial: serial.parse().map_err(|_| LineError::Malformed)?,
        reason: Reason::parse(get("reason")?).ok_or(LineError::Malformed)?,
        fseq: num("fseq")?,
        cseq: num("cseq")?,
        records: num("records")?,
        prev: digest("prev")?,
        chain: digest("chain")?,
        tags: tags.to_string(),
        mac,
    })
}

/// Compares MACs without an early exit, so timing tells nothing about where they differ.
fn constant_time_eq(a: &Digest, b: &Digest) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        Checkpoint {
            time: "1733333333.123".into(),
            serial: 42,
            reason: Reason::Interval,
            fseq: 3,
            cseq: 7,
            records: 100,
            prev: [1; 32],
            chain: [2; 32],
            tags: "ab12cd34".into(),
            mac: [0; 32],
        }
    }

    #[test]
    fn checkpoint_round_trips_and_any_byte_change_is_caught() {
        let key = SealKey::from_bytes(b"0123456789abcdef0123456789abcdef");
        let (line, mac) = format_checkpoint(&key, &sample());
        assert!(is_checkpoint(&line));
        let back = parse_checkpoint(&key, &line).unwrap();
        assert_eq!(back, Checkpoint { mac, ..sample() });
        for i in 0..line.len() - 1 {
            let mut bad = line.clone();
            bad[i] ^= 0x01;
            assert!(parse_checkpoint(&key, &bad).is_err(), "byte {i} changed unnoticed");
        }
        let other = SealKey::from_bytes(b"another key of sixteen bytes or more");
        assert_eq!(parse_checkpoint(&other, &line), Err(LineError::BadMac));
    }
}
