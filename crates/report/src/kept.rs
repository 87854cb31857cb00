//! What an event contributes, kept so that an event found whole again
//! ([`raudit_search::kept_or_made`]: its records repeat those of one
//! prepared before but for their stamps' digits) is not extracted again.
//! Only a detailed row depends on the stamps: its date and serial are
//! written fresh in their places. The main summary's share is kept with
//! every value, and filtered by what the thread has handed over
//! ([`crate::sent`]) after.
//!
//! Layout: a tag byte, then per tag: `S` nothing (skipped); `K` the key;
//! `L` strings, each a u32 length and its bytes; `N` a number (i32);
//! `R` the row's [`Pieces`] (three u32) and the row; `T` the counters,
//! the user and pid (a presence byte and an i32 each), then the strings
//! as [`Totals`] lays them out. Everything is little-endian.

use raudit_parse::Event;
use raudit_search::engine::Text;

use crate::rows::Pieces;
use crate::scanner::{Prepared, Scanner, Totals};

/// Writes into `kept` what `share` keeps, `row` being its detailed row
/// (when it has one) and `pieces` where its date and serial went; nothing
/// when it cannot be kept (a malformed event, AVC rows, a row without a
/// serial, `--html`).
pub(crate) fn pack(share: &Prepared, row: &[u8], pieces: Pieces, kept: &mut Vec<u8>) {
    let u32_le = |kept: &mut Vec<u8>, n: usize| kept.extend_from_slice(&(n as u32).to_le_bytes());
    match share {
        Prepared::Skip => kept.push(b'S'),
        Prepared::Key(key) => {
            kept.push(b'K');
            kept.extend_from_slice(key);
        }
        Prepared::Strings(list) => {
            kept.push(b'L');
            for s in list {
                u32_le(kept, s.len());
                kept.extend_from_slice(s);
            }
        }
        Prepared::Number(n) => {
            kept.push(b'N');
            kept.extend_from_slice(&n.to_le_bytes());
        }
        Prepared::Row(_) => {
            let Some((from, to)) = pieces.serial else { return };
            kept.push(b'R');
            for n in [pieces.date_end, from, to] {
                u32_le(kept, n);
            }
            kept.extend_from_slice(row);
        }
        Prepared::Totals(t) => {
            kept.push(b'T');
            kept.extend_from_slice(&t.counters());
            for n in [t.user, t.pid] {
                kept.push(u8::from(n.is_some()));
                kept.extend_from_slice(&n.unwrap_or(0).to_le_bytes());
            }
            kept.extend_from_slice(t.strings());
        }
        Prepared::Malformed(..) | Prepared::Rows(_) | Prepared::Html(_) => {}
    }
}

/// What [`pack`] kept, as `event`'s share: a row is written at the end of
/// `rows` with the event's own date and serial. None when `kept` is not
/// what [`pack`] writes.
pub(crate) fn unpack(
    kept: &[u8],
    scanner: &Scanner<'_>,
    event: &Event<'_>,
    rows: &mut Vec<u8>,
) -> Option<Prepared> {
    let (&tag, mut rest) = kept.split_first()?;
    let u32_le = |rest: &mut &[u8]| -> Option<usize> {
        let (n, after) = rest.split_first_chunk::<4>()?;
        *rest = after;
        Some(u32::from_le_bytes(*n) as usize)
    };
    Some(match tag {
        b'S' => Prepared::Skip,
        b'K' => Prepared::Key(rest.to_vec()),
        b'L' => {
            let mut list = Vec::new();
            while !rest.is_empty() {
                let len = u32_le(&mut rest)?;
                let (s, after) = rest.split_at_checked(len)?;
                list.push(s.to_vec());
                rest = after;
            }
            Prepared::Strings(list)
        }
        b'N' => Prepared::Number(i32::from_le_bytes(rest.try_into().ok()?)),
        b'R' => {
            let (date_end, from, to) = (u32_le(&mut rest)?, u32_le(&mut rest)?, u32_le(&mut rest)?);
            let row = rest;
            if !(date_end <= from && from <= to && to <= row.len()) {
                return None;
            }
            let start = rows.len();
            scanner.lookup.date_into(rows, event.key.sec as i64);
            rows.extend_from_slice(&row[date_end..from]);
            raudit_parse::cnum::push_decimal(rows, event.key.serial, 0);
            rows.extend_from_slice(&row[to..]);
            Prepared::Row(Text::Next(rows.len() - start))
        }
        b'T' => {
            let (counters, mut rest) = rest.split_first_chunk::<{ Totals::COUNTERS }>()?;
            let mut number = || -> Option<Option<i32>> {
                let (&present, after) = rest.split_first()?;
                let (n, after) = after.split_first_chunk::<4>()?;
                rest = after;
                Some((present == 1).then_some(i32::from_le_bytes(*n)))
            };
            let (user, pid) = (number()?, number()?);
            Prepared::Totals(Totals::of_kept(counters, user, pid, rest)?)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;
    use raudit_parse::{Assembler, AssemblerConfig, Record};

    #[test]
    fn kept_shares_come_back_and_cut_ones_never_panic() {
        let host = raudit_sys::FixedHost::new();
        let scanner = Scanner::new(Options::default(), &host);
        let mut asm = Assembler::new(AssemblerConfig::default());
        asm.push(Record::parse(b"type=USER_END msg=audit(1700000000.001:42): pid=1", 2).unwrap());
        asm.finish();
        let event = asm.pop_ready().unwrap();
        let row = b"11/14/2023 22:13:20 k yes /bin/x 0 7\n";
        let pieces = Pieces { date_end: 19, serial: Some((35, 36)) };
        let mut totals = Totals::default();
        totals.list(crate::scanner::Listed::Exe, b"/bin/x");
        let shares = [
            Prepared::Key(b"k".to_vec()),
            Prepared::Strings(vec![b"a".to_vec(), b"".to_vec()]),
            Prepared::Number(-1),
            Prepared::Row(Text::Next(row.len())),
            Prepared::Totals(totals),
        ];
        for share in &shares {
            let mut kept = Vec::new();
            pack(share, row, pieces, &mut kept);
            let mut rows = Vec::new();
            let back = unpack(&kept, &scanner, &event, &mut rows).expect("what pack kept");
            match back {
                Prepared::Row(_) => {
                    assert_eq!(
                        String::from_utf8_lossy(&rows),
                        "11/14/23 22:13:20 k yes /bin/x 0 42\n"
                    )
                }
                Prepared::Totals(t) => {
                    assert_eq!(
                        t.listed().collect::<Vec<_>>(),
                        [(crate::scanner::Listed::Exe, &b"/bin/x"[..])]
                    )
                }
                Prepared::Key(k) => assert_eq!(k, b"k"),
                Prepared::Strings(l) => assert_eq!(l, [b"a".to_vec(), Vec::new()]),
                Prepared::Number(n) => assert_eq!(n, -1),
                _ => panic!("another share"),
            }
            for cut in 0..kept.len() {
                let _ = unpack(&kept[..cut], &scanner, &event, &mut Vec::new());
            }
        }
        // A row without a serial, and a malformed event, are not kept.
        let mut kept = Vec::new();
        pack(&Prepared::Row(Text::Next(3)), b"x\n", Pieces::default(), &mut kept);
        pack(&Prepared::Malformed(1, b"x".to_vec()), b"", pieces, &mut kept);
        assert!(kept.is_empty());
    }
}
