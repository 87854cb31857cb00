//! Whole events found again in the memo, but for a piece each writes
//! fresh: `ausearch -i`'s stamp on each line, the time (and serial) of
//! each csv row or text sentence.
//!
//! Those printers read their records' types, texts and ENRICHED parts,
//! but not the stamps in the texts: the event's time is written from its
//! key, the same piece wherever it goes. So an event is looked up by its
//! records without their stamps' contents (a stamp of digits, `.` and `:`
//! only, which no field can be read from), and its kept output gets the
//! event's own piece back where each went. A storm of the same call by the
//! same process is then read once.

use std::cell::Cell;

use raudit_parse::{Event, Record};

use crate::memo::Memo;

/// A look-up of a whole event: its key, the fresh piece, where the piece
/// went in the output written anew, and the buffer of what is kept. The
/// buffers are kept per thread from one event to the next.
#[derive(Default)]
pub(crate) struct Spare {
    skeleton: Vec<u8>,
    /// The event's fresh piece (its stamp, its time), set by the caller.
    pub piece: Vec<u8>,
    /// Where the piece went, from the start of the output written anew.
    pub places: Vec<usize>,
    kept: Vec<u8>,
    /// The key to keep the output under, when [`Spare::find`] says to.
    key: Option<(u64, u64)>,
}

thread_local! {
    static SPARE: Cell<Spare> = Cell::default();
}

impl Spare {
    /// This thread's buffers.
    pub(crate) fn take() -> Spare {
        SPARE.take()
    }

    /// Gives the buffers back to the thread (a key not kept under is
    /// not for another event).
    pub(crate) fn give(mut self) {
        self.key = None;
        SPARE.set(self);
    }

    /// Looks `event` up under `tag`: true, with its kept output written
    /// with [`Spare::piece`] in the piece's places, when found. Otherwise
    /// notes whether to keep what is written anew (the second time its
    /// key is seen: most events never repeat).
    pub(crate) fn find(
        &mut self,
        memo: &mut Memo,
        (event, tag): (&Event<'_>, u64),
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> bool {
        self.places.clear();
        let piece = &self.piece;
        let found = |kept: &[u8]| write_kept(kept, piece, out, err).then_some(());
        let hit;
        (hit, self.key) = look_up(&mut self.skeleton, memo, (event, tag), found);
        hit.is_some()
    }

    /// Keeps the event's output written anew, `lines` and `err`, with the
    /// piece at [`Spare::places`], if [`Spare::find`] said to.
    pub(crate) fn keep(&mut self, memo: &mut Memo, lines: &[u8], err: &[u8]) {
        if let Some(key) = self.key.take() {
            keep_lines(&mut self.kept, lines, (&self.places, self.piece.len()), err);
            memo.keep(key, &self.skeleton, b"", &self.kept);
        }
    }
}

/// Another crate's output for one event, found whole again. `found`
/// reads what `make` kept for an event whose records repeat this one's
/// but for their stamps' digits (`None`: make it anew). `make` makes the
/// output and, when given a buffer, writes what to keep into it (nothing:
/// not kept); it must not itself use the memo. Both are given `context`.
/// `owner` (56 bits) tells callers and their settings apart. Only the
/// stamps' digits may differ, so whatever depends on them (the time, the
/// serial) `found` must write fresh.
pub fn kept_or_made<C, R>(
    host: &dyn raudit_sys::Host,
    (event, owner): (&Event<'_>, u64),
    context: &mut C,
    found: impl FnOnce(&[u8], &mut C) -> Option<R>,
    make: impl FnOnce(&mut C, Option<&mut Vec<u8>>) -> R,
) -> R {
    crate::memo::with(host.names_generation(), |memo| {
        let Some(memo) = memo else { return make(context, None) };
        if !memo.odds.worth_trying() {
            return make(context, None);
        }
        let mut spare = Spare::take();
        let tag = crate::memo::tag::OTHER_EVENT | (owner & crate::memo::tag::OWNER);
        let found = |kept: &[u8]| found(kept, context);
        let (hit, keep) = look_up(&mut spare.skeleton, memo, (event, tag), found);
        memo.odds.tell(hit.is_some());
        let made = match hit {
            Some(made) => made,
            None => {
                spare.kept.clear();
                let made = make(context, keep.is_some().then_some(&mut spare.kept));
                if let Some(key) = keep.filter(|_| !spare.kept.is_empty()) {
                    memo.keep(key, &spare.skeleton, b"", &spare.kept);
                }
                made
            }
        };
        spare.give();
        made
    })
}

/// Looks `event` up under `tag`, its key written into `skeleton`: what
/// `found` reads of the kept output, when there is one and it reads it;
/// otherwise the key to keep the output made anew under, when it is the
/// second time the key is seen (most events never repeat). Neither when a
/// stamp is not plain.
fn look_up<R>(
    skeleton: &mut Vec<u8>,
    memo: &mut Memo,
    (event, tag): (&Event<'_>, u64),
    found: impl FnOnce(&[u8]) -> Option<R>,
) -> (Option<R>, Option<(u64, u64)>) {
    let Some(key) = event_key(event, tag, skeleton) else { return (None, None) };
    if let Some(hit) = memo.get(key, skeleton, b"").and_then(found) {
        return (Some(hit), None);
    }
    (None, memo.seen_before(key.1).then_some(key))
}

/// Where the stamp's contents lie in a record's text: after the first `(`
/// past the node (when the event has one), up to the first `)` after it.
/// None when there is no such `(` (then the record has no stamp) or `)`.
pub(crate) fn stamp_span(event: &Event<'_>, r: &Record<'_>) -> Option<(usize, usize)> {
    let text = r.text;
    let skip = match event.key.node {
        Some(_) => memchr::memchr(b' ', text).map_or(0, |sp| sp + 1),
        None => 0,
    };
    let open = skip + memchr::memchr(b'(', &text[skip..])? + 1;
    let close = open + memchr::memchr(b')', &text[open..])?;
    Some((open, close))
}

/// Writes into `skeleton` what an event's output depends on besides its
/// stamp, and returns its memo key; `tag` tells printers and their
/// settings apart. None when a record's stamp is not digits, `.` and `:`
/// (a field might be read from it).
pub(crate) fn event_key(event: &Event<'_>, tag: u64, skeleton: &mut Vec<u8>) -> Option<(u64, u64)> {
    skeleton.clear();
    skeleton.push(u8::from(event.key.node.is_some()));
    let mut last_stamp: &[u8] = &[];
    for r in &event.records {
        skeleton.extend_from_slice(&r.rtype.to_le_bytes());
        let (before, after) = match stamp_span(event, r) {
            Some((open, close)) => {
                let stamp = &r.text[open..close];
                // An event's records mostly share their stamp's text.
                if stamp == last_stamp {
                    skeleton.push(b'=');
                } else if !push_shape(stamp, skeleton) {
                    return None;
                }
                last_stamp = stamp;
                (&r.text[..open], &r.text[close..])
            }
            None => (r.text, &r.text[r.text.len()..]),
        };
        for part in [before, after, r.enriched.unwrap_or_default()] {
            skeleton.extend_from_slice(&(part.len() as u32).to_le_bytes());
            skeleton.extend_from_slice(part);
        }
        skeleton.push(u8::from(r.enriched.is_some()));
    }
    Some((tag, Memo::hash(tag, skeleton, b"")))
}

/// Writes the length of `stamp` into `skeleton`, and says whether it is
/// made of digits, `.` and `:` only. The length is part of the key because
/// a search that starts at a fixed offset (the reference's NAME_OFFSET, 28
/// bytes into a record) could depend on it: a header is long enough that
/// it never does today, but the key need not rely on that. What such a
/// search meets of the stamp, digits, `.` or `:`, none looks for.
fn push_shape(stamp: &[u8], skeleton: &mut Vec<u8>) -> bool {
    // Without an early exit, so that it runs on whole words (`:` is the
    // byte after `9`).
    let plain = stamp.iter().fold(true, |ok, &b| ok & ((b.wrapping_sub(b'0') <= 10) | (b == b'.')));
    skeleton.push(b'#');
    skeleton.extend_from_slice(&(stamp.len() as u32).to_le_bytes());
    plain
}

/// Writes into `kept` an event's output `lines` without the pieces at
/// `stamps` (where each starts in them; each `stamp_len` long), then its
/// diagnostics `err`: a u32 count, the places where the stamps go (u32
/// each), the lines' length (u32), the lines, `err`.
fn keep_lines(
    kept: &mut Vec<u8>,
    lines: &[u8],
    (stamps, stamp_len): (&[usize], usize),
    err: &[u8],
) {
    kept.clear();
    kept.extend_from_slice(&(stamps.len() as u32).to_le_bytes());
    for (i, at) in stamps.iter().enumerate() {
        kept.extend_from_slice(&((at - i * stamp_len) as u32).to_le_bytes());
    }
    let without = lines.len() - stamps.len() * stamp_len;
    kept.extend_from_slice(&(without as u32).to_le_bytes());
    let mut from = 0;
    for &at in stamps {
        kept.extend_from_slice(&lines[from..at]);
        from = at + stamp_len;
    }
    kept.extend_from_slice(&lines[from..]);
    kept.extend_from_slice(err);
}

/// Writes the lines [`keep_lines`] kept with `stamp` in its pieces'
/// places, and their diagnostics; false, with nothing written, when
/// `kept` is not what it wrote.
fn write_kept(kept: &[u8], stamp: &[u8], out: &mut Vec<u8>, err: &mut Vec<u8>) -> bool {
    let u32_at = |bytes: &[u8], i: usize| -> Option<usize> {
        let word = bytes.get(4 * i..4 * i + 4)?;
        Some(u32::from_le_bytes(word.try_into().ok()?) as usize)
    };
    let Some(count) = u32_at(kept, 0) else { return false };
    let Some(lines_len) = u32_at(kept, count + 1) else { return false };
    let Some((lines, diagnostics)) = kept[4 * (count + 2)..].split_at_checked(lines_len) else {
        return false;
    };
    let places = (1..=count).map(|i| u32_at(kept, i).unwrap_or(usize::MAX));
    if places.clone().zip(places.clone().skip(1)).any(|(a, b)| a > b)
        || places.clone().any(|at| at > lines.len())
    {
        return false;
    }
    let mut from = 0;
    for at in places {
        out.extend_from_slice(&lines[from..at]);
        out.extend_from_slice(stamp);
        from = at;
    }
    out.extend_from_slice(&lines[from..]);
    err.extend_from_slice(diagnostics);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_lines_take_the_stamp_they_are_written_with() {
        let stamp = b"11/14/2023 22:13:20.001:1) ";
        let mut lines = Vec::new();
        let mut stamps = Vec::new();
        for body in ["type=PROCTITLE msg=audit(", "proctitle=ls\ntype=SYSCALL msg=audit("] {
            lines.extend_from_slice(body.as_bytes());
            stamps.push(lines.len());
            lines.extend_from_slice(stamp);
        }
        lines.extend_from_slice(b": arch=x86_64\n");
        let mut kept = Vec::new();
        keep_lines(&mut kept, &lines, (&stamps, stamp.len()), b"note\n");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert!(write_kept(&kept, stamp, &mut out, &mut err));
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&lines));
        assert_eq!(err, b"note\n");
        let other = b"01/02/2024 00:00:00.000:9) ";
        out.clear();
        assert!(write_kept(&kept, other, &mut out, &mut err));
        let text = String::from_utf8_lossy(&out);
        assert_eq!(text.matches("00:00:00.000:9) ").count(), 2, "{text}");
        assert!(!text.contains("22:13:20"), "{text}");
        // Anything else is not written.
        out.clear();
        assert!(!write_kept(&kept[..kept.len() / 2], stamp, &mut out, &mut err));
        assert!(!write_kept(b"\xff\xff\xff\xff", stamp, &mut out, &mut err));
        assert!(out.is_empty());
    }
}
