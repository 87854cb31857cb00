//! The writer's side: feeds every written line into the chain and builds the checkpoints.
//!
//! The caller writes the line [`Sealer::checkpoint`] returns and then records it like any
//! other line; if the write fails it puts the state back with [`Sealer::restore`], so the
//! chain always describes exactly the bytes in the file.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest as _, Sha256};

use crate::key::SealKey;
use crate::line::{Checkpoint, Digest, Reason, TAG_HEX, format_checkpoint, hex};

/// When checkpoints are written besides open, rotate, resume and stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// After this many lines (at most [`MAX_RECORDS`]).
    pub records: usize,
    /// Once this much time passed since the last checkpoint, when lines wait to be sealed.
    pub interval: Duration,
    /// Once this much time passed since the last checkpoint, even with nothing to seal: the
    /// last checkpoint of a live log is then never older than this, so a removed tail shows
    /// (`raudit verify --live --max-age`). Off by default (an idle log stays quiet).
    pub heartbeat: Option<Duration>,
}

/// Most lines one checkpoint covers: keeps its `tags` (4 hex digits a line) well under the
/// 8970-byte line the reference tools read.
pub const MAX_RECORDS: usize = 1000;

impl Default for Policy {
    fn default() -> Self {
        Policy { records: MAX_RECORDS, interval: Duration::from_secs(5), heartbeat: None }
    }
}

/// The chain's position: everything a failed checkpoint write must undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainState {
    /// The chain value after the last recorded line (zero at a file's start).
    pub(crate) chain: Digest,
    /// Tags of the lines since the last checkpoint (its own line included).
    pub(crate) tags: String,
    /// Lines in the file so far.
    pub(crate) lines: u64,
    pub(crate) fseq: u64,
    /// The next checkpoint's number in this file.
    pub(crate) cseq: u64,
    /// The last checkpoint's HMAC (zero before the first file).
    pub(crate) prev: Digest,
}

impl ChainState {
    pub(crate) fn first_file() -> ChainState {
        ChainState {
            chain: [0; 32],
            tags: String::new(),
            lines: 0,
            fseq: 0,
            cseq: 0,
            prev: [0; 32],
        }
    }
}

/// One line's digest and the chain value after it.
pub fn digest(line: &[u8]) -> Digest {
    Sha256::digest(line).into()
}

pub fn link(chain: &Digest, line_digest: &Digest) -> Digest {
    let mut h = Sha256::new();
    h.update(chain);
    h.update(line_digest);
    h.finalize().into()
}

pub fn tag(line_digest: &Digest) -> String {
    hex(&line_digest[..TAG_HEX / 2])
}

/// Seals one log file after another.
pub struct Sealer {
    pub(crate) key: SealKey,
    policy: Policy,
    pub(crate) state: ChainState,
    last_checkpoint: Instant,
    serial: u64,
}

impl Sealer {
    /// `serial` is the first serial the checkpoint records take (any number; they count up).
    pub fn new(key: SealKey, mut policy: Policy, serial: u64) -> Sealer {
        policy.records = policy.records.clamp(1, MAX_RECORDS);
        Sealer {
            key,
            policy,
            state: ChainState::first_file(),
            last_checkpoint: Instant::now(),
            serial,
        }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// A line (with its newline) reached the file.
    pub fn record(&mut self, line: &[u8]) {
        let d = digest(line);
        self.state.chain = link(&self.state.chain, &d);
        self.state.tags.push_str(&tag(&d));
        self.state.lines += 1;
    }

    /// Lines written since the last checkpoint, not counting the checkpoint's own line.
    pub fn unsealed(&self) -> usize {
        (self.state.tags.len() / TAG_HEX).saturating_sub(usize::from(self.state.cseq > 0))
    }

    /// How many more lines may be written before a checkpoint is due.
    pub fn room(&self) -> usize {
        self.policy.records.saturating_sub(self.unsealed())
    }

    /// A checkpoint is due: the record count is reached, lines waited the interval, or the
    /// heartbeat is up.
    pub fn due(&self, now: Instant) -> bool {
        let since = now.saturating_duration_since(self.last_checkpoint);
        self.room() == 0
            || (self.unsealed() > 0 && since >= self.policy.interval)
            || self.policy.heartbeat.is_some_and(|h| since >= h)
    }

    /// Why the due checkpoint is written.
    pub fn due_reason(&self) -> Reason {
        if self.unsealed() > 0 { Reason::Interval } else { Reason::Heartbeat }
    }

    /// The next checkpoint line (with its newline), and the state to restore if it cannot be
    /// written. The state already moved past it: the caller records the line once written.
    pub fn checkpoint(&mut self, reason: Reason) -> (Vec<u8>, ChainState) {
        let saved = self.state.clone();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let c = Checkpoint {
            time: format!("{}.{:03}", now.as_secs(), now.subsec_millis()),
            serial: self.serial,
            reason,
            fseq: self.state.fseq,
            cseq: self.state.cseq,
            records: self.state.lines,
            prev: self.state.prev,
            chain: self.state.chain,
            tags: std::mem::take(&mut self.state.tags),
            mac: [0; 32],
        };
        let (line, mac) = format_checkpoint(&self.key, &c);
        self.serial = self.serial.wrapping_add(1);
        self.state.prev = mac;
        self.state.cseq += 1;
        self.last_checkpoint = Instant::now();
        (line, saved)
    }

    /// The checkpoint could not be written: back to where it was.
    pub fn restore(&mut self, saved: ChainState) {
        self.state = saved;
    }

    /// The writer opened a new, empty file: the next file of the series. Its first
    /// checkpoint (reason open) names the last checkpoint before it.
    pub fn start_file(&mut self) {
        let s = &mut self.state;
        s.chain = [0; 32];
        s.tags.clear();
        s.lines = 0;
        s.fseq += 1;
        s.cseq = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::parse_checkpoint;

    fn key() -> SealKey {
        SealKey::from_bytes(b"a test key of thirty-two bytes!!")
    }

    #[test]
    fn checkpoint_states_the_chain_over_the_lines_before_it() {
        let mut s = Sealer::new(key(), Policy { records: 2, ..Policy::default() }, 9);
        let (open, _) = s.checkpoint(Reason::Open);
        s.record(&open);
        assert_eq!(s.room(), 2);
        s.record(b"a\n");
        assert!(!s.due(Instant::now()));
        s.record(b"b\n");
        assert!(s.due(Instant::now()));
        let (cp, _) = s.checkpoint(Reason::Interval);
        let c = parse_checkpoint(&key(), &cp).unwrap();
        let mut chain = [0; 32];
        for l in [&open[..], b"a\n", b"b\n"] {
            chain = link(&chain, &digest(l));
        }
        assert_eq!(c.chain, chain);
        assert_eq!((c.records, c.cseq, c.serial), (3, 1, 10));
        assert_eq!(c.tags.len(), 3 * TAG_HEX);
        let first = parse_checkpoint(&key(), &open).unwrap();
        assert_eq!(c.prev, first.mac);
    }

    #[test]
    fn the_heartbeat_makes_a_checkpoint_due_with_nothing_to_seal() {
        let quiet = Sealer::new(key(), Policy::default(), 1);
        assert!(!quiet.due(Instant::now()));
        let beat = Policy { heartbeat: Some(Duration::ZERO), ..Policy::default() };
        let s = Sealer::new(key(), beat, 1);
        assert!(s.due(Instant::now()));
        assert_eq!(s.due_reason(), Reason::Heartbeat);
    }

    #[test]
    fn restore_undoes_an_unwritten_checkpoint() {
        let mut s = Sealer::new(key(), Policy::default(), 1);
        s.record(b"x\n");
        let before = s.state.clone();
        let (_, saved) = s.checkpoint(Reason::Interval);
        assert_ne!(s.state, before);
        s.restore(saved);
        assert_eq!(s.state, before);
    }
}
