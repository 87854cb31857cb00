//! What the memo keeps of a JSON record besides its output: where its
//! member names and summary facts lie in its text, so that a record found
//! there need not be split again.

use super::fields::{Field, slot_hash};
use super::summary::Facts;
use crate::memo;

/// What the memo keeps of a SYSCALL record's tail: its members in
/// `fields` and in `interp` (each after a comma), its field names and its
/// summary facts as places in the tail. Laid out as four u16 counts and
/// lengths, a u64 with the bit of each name's [`slot_hash`] set, the names
/// (at, len), the facts (slot, at, len), the members.
pub(super) struct TailKept<'k> {
    pub names_mask: u64,
    pub raw: &'k [u8],
    pub interp: &'k [u8],
    names: &'k [u8],
    pub facts: &'k [u8],
}

impl<'k> TailKept<'k> {
    /// Writes into `out` what is kept of a tail whose members are
    /// `raw` and `interp`; false when a name or fact is not a piece of it.
    pub fn write(
        out: &mut Vec<u8>,
        (raw, interp): (&[u8], &[u8]),
        fields: &[Field<'_>],
        tail: &[u8],
    ) -> bool {
        let place = |part: &[u8]| {
            let (at, len) = memo::place_in(tail, part)?;
            (tail.len() <= usize::from(u16::MAX)).then_some([at as u16, len as u16])
        };
        let found = facts_of(fields);
        let counts = [raw.len(), interp.len(), fields.len(), found.len()];
        if counts.iter().any(|&n| n > usize::from(u16::MAX)) {
            return false;
        }
        out.clear();
        for n in counts {
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        let mask = fields.iter().fold(0u64, |mask, f| mask | 1 << slot_hash(f.name));
        out.extend_from_slice(&mask.to_le_bytes());
        for f in fields {
            let Some(place) = place(f.name) else { return false };
            place.iter().for_each(|n| out.extend_from_slice(&n.to_le_bytes()));
        }
        for (slot, value) in found {
            let Some(place) = place(value) else { return false };
            out.extend_from_slice(&(slot as u16).to_le_bytes());
            place.iter().for_each(|n| out.extend_from_slice(&n.to_le_bytes()));
        }
        out.extend_from_slice(raw);
        out.extend_from_slice(interp);
        true
    }

    /// The parts of what [`TailKept::write`] wrote.
    pub fn read(kept: &'k [u8]) -> Option<Self> {
        let counts = kept.get(..8)?;
        let (raw, interp_len) = (u16_at(counts, 0), u16_at(counts, 1));
        let (names, facts) = (u16_at(counts, 2), u16_at(counts, 3));
        let names_mask = u64::from_le_bytes(kept.get(8..16)?.try_into().ok()?);
        let rest = &kept[16..];
        let (names, rest) = rest.split_at_checked(4 * names)?;
        let (facts, rest) = rest.split_at_checked(6 * facts)?;
        let (raw, interp) = rest.split_at_checked(raw)?;
        (interp.len() == interp_len).then_some(TailKept { names_mask, raw, interp, names, facts })
    }

    /// The names' places: (at, len).
    pub fn names(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.names.chunks_exact(4).map(|n| (u16_at(n, 0), u16_at(n, 1)))
    }
}

/// The summary facts of `fields`: (slot, value).
fn facts_of<'f>(fields: &[Field<'f>]) -> Vec<(usize, &'f [u8])> {
    let mut facts = Facts::default();
    facts.gather(fields);
    facts.slots().into_iter().enumerate().filter_map(|(i, s)| Some((i, (*s)?))).collect()
}

/// Writes the summary facts of a record's `fields` as places in its
/// `body`: a u16 count, then (slot, at, len) u16s. False when one is not
/// a piece of it (then nothing is kept).
pub(super) fn write_facts(out: &mut Vec<u8>, fields: &[Field<'_>], body: &[u8]) -> bool {
    out.clear();
    let found = facts_of(fields);
    out.extend_from_slice(&(found.len() as u16).to_le_bytes());
    for (slot, value) in found {
        let Some((at, len)) = memo::place_in(body, value) else { return false };
        if body.len() > usize::from(u16::MAX) {
            return false;
        }
        for n in [slot, at, len] {
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
    }
    true
}

/// A whole record as kept: its facts' places and its JSON.
pub(super) fn split_facts(kept: &[u8]) -> Option<(&[u8], &[u8])> {
    let count = usize::from(u16::from_le_bytes(kept.get(..2)?.try_into().ok()?));
    kept[2..].split_at_checked(6 * count)
}

/// Gives the slots of `facts` that are empty the values at the places
/// `kept` holds ((slot, at, len) u16s) in `text`.
pub(super) fn fill_facts<'t>(facts: &mut Facts<'t>, kept: &[u8], text: &'t [u8]) {
    let mut slots = facts.slots();
    for n in kept.chunks_exact(6) {
        let (slot, at, len) = (u16_at(n, 0), u16_at(n, 1), u16_at(n, 2));
        if let (Some(slot), Some(value)) = (slots.get_mut(slot), text.get(at..at + len)) {
            slot.get_or_insert(value);
        }
    }
}

/// The `i`-th u16 of `bytes`.
fn u16_at(bytes: &[u8], i: usize) -> usize {
    usize::from(u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]))
}
