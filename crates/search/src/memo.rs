//! Output made before for the same text, kept per thread. Audit logs repeat
//! themselves: the same process, user, command line and files come back in
//! record after record, so the interpretation of a record, or of its tail
//! past the fields that change every time (pids, pointers), is most often
//! one made already. Looking it up costs a hash and a compare; making it
//! again costs a pass over every field.
//!
//! An entry is found by its whole key, compared byte for byte, so a hit
//! gives what the caller would have written. What the output depends on
//! besides the key (the host's names) is the memo's generation: another
//! host, or a host that forgot its names, empties it.

use std::cell::Cell;

/// Texts shorter than this are made again rather than looked up: the
/// lookup would cost about as much.
pub(crate) const MIN_TEXT: usize = 32;

/// Whether a field named `name` gives a record its arch, syscall or arguments.
pub(crate) fn sets_record_context(name: &[u8]) -> bool {
    matches!(name, b"arch" | b"syscall" | b"a0" | b"a1")
}

/// Where `part` lies in `text` (offset, length), if it is a piece of it:
/// how kept output points into the key's text.
pub(crate) fn place_in(text: &[u8], part: &[u8]) -> Option<(usize, usize)> {
    let at = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (at + part.len() <= text.len()).then_some((at, part.len()))
}

/// Entries in a thread's memo; a new entry takes the slot of its hash.
const SLOTS: usize = 2048;
/// The largest key plus output kept, in bytes: a thread's memo holds at most
/// `SLOTS * MAX_ENTRY` bytes (8 MiB). Room for a JSON event of a few
/// records: its key is its records, its output about twice as long.
const MAX_ENTRY: usize = 4096;

/// What a key's text is, in the high byte of its tag (a record type is in
/// the low 32 bits): one thread may write several formats.
pub(crate) mod tag {
    /// `ausearch -i`: a record's body.
    pub const INTERPRETED: u64 = 1 << 56;
    /// `ausearch -i`: a SYSCALL record's tail from `auid=` on.
    pub const INTERPRETED_TAIL: u64 = 2 << 56;
    /// JSON: a whole record.
    pub const JSON: u64 = 3 << 56;
    /// JSON: a SYSCALL record's members from `auid=` on.
    pub const JSON_TAIL: u64 = 4 << 56;
    /// csv and text: the fields of a body or a SYSCALL tail.
    pub const FIELDS: u64 = 5 << 56;
    /// csv and text: an event's skeleton; the output is an id for it and
    /// what the event read besides.
    pub const EVENT_SKELETON: u64 = 6 << 56;
    /// csv and text: a skeleton's id, reads and values; the output is the
    /// event's row or sentence.
    pub const EVENT: u64 = 7 << 56;
    /// JSON: an event's records without their stamps; the output is the
    /// event's object after its serial.
    pub const JSON_EVENT: u64 = 8 << 56;
    /// `ausearch -i`: an event's records without their stamps' contents;
    /// the output is its lines without the stamps.
    pub const INTERPRETED_EVENT: u64 = 9 << 56;
    /// csv and text: an event's records without their stamps' contents;
    /// the output is its rows or sentences without the time.
    pub const NORMALIZED_EVENT: u64 = 10 << 56;
    /// Another crate's output for a whole event ([`crate::whole::kept_or_made`]);
    /// the low 56 bits are its owner's.
    pub const OTHER_EVENT: u64 = 11 << 56;
    /// The bits of a tag left to an owner.
    pub const OWNER: u64 = (1 << 56) - 1;
}

pub(crate) struct Memo {
    /// The host generation the outputs were made under.
    generation: u64,
    slots: Vec<Slot>,
    /// The last id [`Memo::fresh_id`] gave.
    last_id: u64,
    /// Whether looking up whole events is worth it.
    pub(crate) odds: Odds,
    /// The hashes of whole events' keys looked up lately, by their top bits.
    seen: Vec<u64>,
}

/// Whether looking up whole events is worth it on a thread: one that found
/// fewer than 1 in 32 of its last [`Odds::TRIES`] rests for [`Odds::REST`]
/// events, for a log where nothing repeats would pay for keys it never
/// finds. (Long windows: a storm log's first thousand events repeat little.)
#[derive(Default)]
pub(crate) struct Odds {
    tries: u32,
    found: u32,
    rest: u32,
}

impl Odds {
    const TRIES: u32 = 1024;
    const REST: u32 = 8192;

    /// Whether to look up the next event (an event not looked up counts
    /// down the rest).
    pub(crate) fn worth_trying(&mut self) -> bool {
        let resting = self.rest > 0;
        self.rest = self.rest.saturating_sub(1);
        !resting
    }

    /// What a look-up found.
    pub(crate) fn tell(&mut self, found: bool) {
        self.tries += 1;
        self.found += u32::from(found);
        if self.tries == Self::TRIES {
            if self.found < Self::TRIES / 32 {
                self.rest = Self::REST;
            }
            (self.tries, self.found) = (0, 0);
        }
    }
}

#[cfg(test)]
impl Odds {
    /// Odds that never look up an event, for tests of what is kept of records.
    pub(crate) fn never() -> Odds {
        Odds { rest: u32::MAX, ..Odds::default() }
    }
}

#[derive(Default)]
struct Slot {
    hash: u64,
    tag: u64,
    /// The lengths of the key's two parts; `bytes` holds them, then the output.
    key: (u32, u32),
    bytes: Vec<u8>,
}

impl Memo {
    /// The hash of a key: `tag` (what the key's text is: its record type and
    /// where it was cut), then its two parts.
    pub(crate) fn hash(tag: u64, text: &[u8], extra: &[u8]) -> u64 {
        let mut h = mix(0, tag);
        for part in [text, extra] {
            // Four words at a time in four lanes: one lane's multiplies wait
            // on each other, four lanes' do not (a whole event's key is
            // hundreds of bytes).
            let mut blocks = part.chunks_exact(32);
            if part.len() >= 32 {
                let mut lanes = [h, h ^ 1, h ^ 2, h ^ 3];
                for block in &mut blocks {
                    for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
                        *lane = mix(*lane, u64::from_le_bytes(word.try_into().unwrap_or_default()));
                    }
                }
                h = lanes.into_iter().fold(h, mix);
            }
            let mut words = blocks.remainder().chunks_exact(8);
            for word in &mut words {
                h = mix(h, u64::from_le_bytes(word.try_into().unwrap_or_default()));
            }
            let rest = words.remainder();
            h = mix(h, rest.iter().rev().fold(part.len() as u64, |w, &b| w << 8 | u64::from(b)));
        }
        h
    }

    /// The output kept for the key: its tag and [`Memo::hash`], then its parts.
    pub(crate) fn get(&self, (tag, hash): (u64, u64), text: &[u8], extra: &[u8]) -> Option<&[u8]> {
        let slot = &self.slots[slot_of(hash)];
        let (t, e) = (slot.key.0 as usize, slot.key.1 as usize);
        let found = slot.hash == hash
            && slot.tag == tag
            && t == text.len()
            && e == extra.len()
            && slot.bytes.get(..t) == Some(text)
            && slot.bytes.get(t..t + e) == Some(extra);
        found.then(|| &slot.bytes[t + e..])
    }

    /// Whether an entry of these parts is small enough to be kept.
    pub(crate) fn fits(text: &[u8], extra: &[u8], output: &[u8]) -> bool {
        text.len() + extra.len() + output.len() <= MAX_ENTRY
    }

    /// Keeps `output` for the key (as [`Memo::get`] takes it), in place of
    /// what its slot held, if it [`Memo::fits`].
    pub(crate) fn keep(
        &mut self,
        (tag, hash): (u64, u64),
        text: &[u8],
        extra: &[u8],
        output: &[u8],
    ) {
        if !Self::fits(text, extra, output) {
            return;
        }
        let slot = &mut self.slots[slot_of(hash)];
        slot.hash = hash;
        slot.tag = tag;
        slot.key = (text.len() as u32, extra.len() as u32);
        slot.bytes.clear();
        // Exact: an entry never holds more than MAX_ENTRY bytes.
        slot.bytes.reserve_exact(text.len() + extra.len() + output.len());
        slot.bytes.extend_from_slice(text);
        slot.bytes.extend_from_slice(extra);
        slot.bytes.extend_from_slice(output);
    }
}

/// How many whole events' hashes [`Memo::seen_before`] remembers.
const SEEN: usize = 4096;

impl Memo {
    /// Whether a key of this hash was asked about lately; notes that it
    /// was. A whole event is kept only when seen before: most events
    /// never repeat, and keeping them would push out entries that do.
    pub(crate) fn seen_before(&mut self, hash: u64) -> bool {
        let slot = &mut self.seen[(hash >> (64 - SEEN.trailing_zeros())) as usize];
        std::mem::replace(slot, hash) == hash
    }

    /// A number this memo never gave before.
    pub(crate) fn fresh_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }
}

fn mix(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// The high bits of a multiplicative hash are its best mixed.
fn slot_of(hash: u64) -> usize {
    (hash >> (64 - SLOTS.trailing_zeros())) as usize
}

thread_local! {
    static MEMO: Cell<Option<Box<Memo>>> = const { Cell::new(None) };
}

/// Runs `f` with this thread's memo for host generation `generation`, or
/// with none when the host keeps no generation.
pub(crate) fn with<R>(generation: Option<u64>, f: impl FnOnce(Option<&mut Memo>) -> R) -> R {
    let Some(generation) = generation else { return f(None) };
    let mut memo = MEMO.take().filter(|m| m.generation == generation).unwrap_or_else(|| {
        let mut slots = Vec::new();
        slots.resize_with(SLOTS, Slot::default);
        let seen = vec![0; SEEN];
        Box::new(Memo { generation, slots, last_id: 0, odds: Odds::default(), seen })
    });
    let result = f(Some(&mut memo));
    MEMO.set(Some(memo));
    result
}

/// Events that repeat others but for their stamps or nodes, or differ
/// from them only in an ENRICHED part, a value or a record's type.
#[cfg(test)]
pub(crate) const REPEATED_EVENTS: &str = "\
type=SYSCALL msg=audit(1700000000.001:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 comm=\"ls\" key=\"k\"
type=EXECVE msg=audit(1700000000.001:1): argc=2 a0=\"ls\" a1=\"-l\"
type=PROCTITLE msg=audit(1700000000.001:1): proctitle=6C73002D6C
type=EOE msg=audit(1700000000.001:1): 
node=web1 type=SYSCALL msg=audit(1700000001.002:2): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 comm=\"ls\" key=\"k\"
node=web1 type=EXECVE msg=audit(1700000001.002:2): argc=2 a0=\"ls\" a1=\"-l\"
node=web1 type=PROCTITLE msg=audit(1700000001.002:2): proctitle=6C73002D6C
node=web1 type=EOE msg=audit(1700000001.002:2): 
type=SYSCALL msg=audit(1700000002.003:3): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 comm=\"ls\" key=\"k\"\x1dAUID=\"bob\"
type=EXECVE msg=audit(1700000002.003:3): argc=2 a0=\"ls\" a1=\"-l\"
type=PROCTITLE msg=audit(1700000002.003:3): proctitle=6C73002D6C
type=EOE msg=audit(1700000002.003:3): 
type=SYSCALL msg=audit(1700000003.004:4): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 comm=\"ls\" key=\"j\"
type=EXECVE msg=audit(1700000003.004:4): argc=2 a0=\"ls\" a1=\"-l\"
type=PROCTITLE msg=audit(1700000003.004:4): proctitle=6C73002D6C
type=EOE msg=audit(1700000003.004:4): 
type=USER_CMD msg=audit(1700000004.005:5): pid=1 uid=0 auid=1000 ses=1 msg='cmd=6C73 res=success'
type=USER_END msg=audit(1700000005.006:6): pid=1 uid=0 auid=1000 ses=1 msg='cmd=6C73 res=success'
";

/// A fixed host that names uid 1000 `alice`, and the same host whose
/// outputs the memo may keep.
#[cfg(test)]
pub(crate) fn hosts() -> (raudit_sys::FixedHost, raudit_sys::FixedHost) {
    let fixed = raudit_sys::FixedHost::new().with_user(1000, "alice");
    (fixed.clone(), fixed.keeping_names())
}

/// The events of `logs` (where `\x1d` stands for the ENRICHED separator)
/// read one after another, then the same events again `times` over in
/// all, so that after the first time every record (and after the second
/// every whole event) can be found in the memo.
#[cfg(test)]
pub(crate) fn events_repeated(
    logs: &[&'static str],
    times: usize,
) -> Vec<raudit_parse::Event<'static>> {
    use raudit_parse::{Assembler, AssemblerConfig, Record};
    let mut asm = Assembler::new(AssemblerConfig::default());
    let logs = logs.iter().map(|log| &*log.replace("\\x1d", "\x1d").leak());
    for line in logs.flat_map(|log| log.lines()) {
        asm.push(Record::parse(line.as_bytes(), 2).expect("a test record"));
    }
    asm.finish();
    let events: Vec<_> = std::iter::from_fn(|| asm.pop_ready()).collect();
    (0..times).flat_map(|_| events.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_gives_the_output_kept_for_the_same_key_only() {
        with(Some(7), |memo| {
            let memo = memo.unwrap();
            let h = (1, Memo::hash(1, b"uid=0 gid=0", b""));
            assert_eq!(memo.get(h, b"uid=0 gid=0", b""), None);
            memo.keep(h, b"uid=0 gid=0", b"", b"uid=root gid=root");
            assert_eq!(memo.get(h, b"uid=0 gid=0", b""), Some(&b"uid=root gid=root"[..]));
            // The same hash with another key (a collision) is a miss.
            assert_eq!(memo.get(h, b"uid=0 gid=1", b""), None);
            assert_eq!(memo.get(h, b"uid=0 gid=", b"0"), None);
            assert_eq!(memo.get((2, h.1), b"uid=0 gid=0", b""), None);
        });
        // Another generation starts empty.
        with(Some(8), |memo| {
            let h = (1, Memo::hash(1, b"uid=0 gid=0", b""));
            assert_eq!(memo.unwrap().get(h, b"uid=0 gid=0", b""), None);
        });
    }

    #[test]
    fn a_thread_that_finds_little_rests_then_tries_again() {
        let mut odds = Odds::default();
        for i in 0..Odds::TRIES {
            assert!(odds.worth_trying());
            odds.tell(i % 16 == 0);
        }
        // 1 in 16 found: still worth it.
        assert!(odds.worth_trying());
        for _ in 0..Odds::TRIES {
            odds.tell(false);
        }
        let rested = (0..Odds::REST).filter(|_| !odds.worth_trying()).count();
        assert_eq!(rested, Odds::REST as usize);
        assert!(odds.worth_trying());
    }

    #[test]
    fn a_hash_is_seen_before_when_it_was_the_last_asked_about_in_its_place() {
        with(Some(9), |memo| {
            let memo = memo.unwrap();
            let (a, b) = (42 << 52 | 1, 42 << 52 | 2);
            assert!(!memo.seen_before(a));
            assert!(memo.seen_before(a));
            // Another hash in the same place takes it.
            assert!(!memo.seen_before(b));
            assert!(!memo.seen_before(a));
            assert!(!memo.seen_before(43 << 52 | 1));
            assert!(memo.seen_before(a));
        });
    }

    #[test]
    fn keys_that_differ_in_tag_or_split_hash_apart() {
        let a = Memo::hash(1, b"abcdefgh12", b"x");
        assert_ne!(a, Memo::hash(2, b"abcdefgh12", b"x"));
        assert_ne!(a, Memo::hash(1, b"abcdefgh1", b"2x"));
        assert_ne!(a, Memo::hash(1, b"abcdefgh12x", b""));
    }

    #[test]
    fn long_keys_that_differ_in_any_word_or_order_hash_apart() {
        let key: Vec<u8> = (0..100u8).collect();
        let h = Memo::hash(1, &key, b"");
        for at in 0..key.len() {
            let mut other = key.clone();
            other[at] ^= 1;
            assert_ne!(h, Memo::hash(1, &other, b""), "byte {at}");
        }
        // Words swapped between lanes, or between blocks.
        for (a, b) in [(0, 8), (0, 32), (24, 56)] {
            let mut other = key.clone();
            for i in 0..8 {
                other.swap(a + i, b + i);
            }
            assert_ne!(h, Memo::hash(1, &other, b""), "words at {a} and {b}");
        }
        assert_ne!(h, Memo::hash(1, &key[..96], &key[96..]));
    }
}
