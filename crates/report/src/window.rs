//! `-ts`/`-te` with indexed logs: the blocks at the start and at the end of
//! a log whose every record lies outside the time window are not read.
//!
//! Records outside the window are dropped before they are grouped into
//! events, so leaving them out changes no event. They have two other
//! effects, both kept: a bad timestamp prints a message (blocks that hold
//! one are always read), and the first record the window drops is the start
//! of "Range of time in logs" (found here, reading the few lines needed).
//! A block is only skipped when its records are in time order, so that its
//! first and last seconds bound all of them (docs/index.md).

use std::io;

use raudit_parse::{Event, Lines, Record};
use raudit_search::engine::Consumer;
use raudit_search::index::{Block, Index};

use crate::run::Logs;

/// What a run reads of its logs: one or two parts of each.
pub(crate) struct Window<'a> {
    /// The parts to read, in order, with the log each is of and where it
    /// starts in that log.
    pub data: Vec<&'a [u8]>,
    pub owners: Vec<usize>,
    pub offsets: Vec<usize>,
    /// The first record the window drops (with no `-ts`: the first record),
    /// as (second, millisecond), when a skipped part could hold it.
    pub very_first: Option<(u64, u32)>,
}

/// The seconds a run keeps (`-ts`, `-te`; None: no bound).
#[derive(Clone, Copy)]
struct Bounds {
    start: Option<i64>,
    end: Option<i64>,
}

impl Bounds {
    fn keeps(&self, sec: u64) -> bool {
        let sec = sec as i64;
        !(self.start.is_some_and(|s| sec < s) || self.end.is_some_and(|e| sec > e))
    }

    /// Every record of `b` is dropped.
    fn drops_all(&self, b: &Block) -> bool {
        if !b.ordered || b.bad {
            return false;
        }
        match (b.first, b.last) {
            (Some(first), Some(last)) => {
                self.start.is_some_and(|s| (last as i64) < s)
                    || self.end.is_some_and(|e| (first as i64) > e)
            }
            // Lines without a record: nothing to drop or group.
            _ => true,
        }
    }

    /// Every record of `b` is kept.
    fn keeps_all(&self, b: &Block) -> bool {
        b.ordered
            && !b.bad
            && match (b.first, b.last) {
                (Some(first), Some(last)) => self.keeps(first) && self.keeps(last),
                _ => true,
            }
    }
}

/// The parts of `logs` a run with this window reads (from their indexes), or
/// None when it reads them whole.
pub(crate) fn trim<'a>(
    logs: &Logs<'a>,
    start: Option<i64>,
    end: Option<i64>,
) -> Option<Window<'a>> {
    let indexes = logs.indexes;
    let bounds = Bounds { start, end };
    // The index calls a timestamp good when it is good for every timeout up to a million
    // seconds (skim's limit too).
    let usable = (start.is_some() || end.is_some()) && (1..1_000_000).contains(&logs.eoe_timeout);
    if !usable || indexes.iter().all(Option::is_none) {
        return None;
    }
    let mut window =
        Window { data: Vec::new(), owners: Vec::new(), offsets: Vec::new(), very_first: None };
    let mut read = 0;
    for (i, &log) in logs.data.iter().enumerate() {
        let parts = match indexes.get(i).and_then(Option::as_ref) {
            Some(ix) => parts(ix, log.len(), bounds),
            None => vec![(0, log.len())],
        };
        for (from, to) in parts {
            window.data.push(&log[from..to]);
            window.owners.push(i);
            window.offsets.push(from);
            read += to - from;
        }
    }
    if read == logs.data.iter().map(|d| d.len()).sum::<usize>() {
        return None;
    }
    // COMPAT: aureport.c: the first record dropped, or with no -ts any first, starts the range;
    // a record of second 0 does not (it is taken and replaced): then read everything.
    let wanted = |sec: u64| start.is_none() || !bounds.keeps(sec);
    window.very_first = match first_record(logs, bounds, wanted) {
        Some((0, _)) => return None,
        found => found,
    };
    Some(window)
}

/// The byte ranges of a log of `len` bytes worth reading: the indexed part
/// without the blocks at either end whose records the window drops, then
/// what the index does not cover yet (a log that grew since).
fn parts(ix: &Index, len: usize, bounds: Bounds) -> Vec<(usize, usize)> {
    let blocks = &ix.blocks;
    let covered = (ix.covered as usize).min(len);
    let lead = blocks.iter().take_while(|b| bounds.drops_all(b)).count();
    let trail = blocks[lead..].iter().rev().take_while(|b| bounds.drops_all(b)).count();
    let from = if lead == 0 { 0 } else { blocks[lead - 1].end as usize };
    let to = if trail == 0 { covered } else { blocks[blocks.len() - trail].start as usize };
    let (from, to) = (from.min(covered), to.clamp(from.min(covered), covered));
    if to == covered || covered == len {
        vec![(from, if to == covered { len } else { to })]
    } else {
        vec![(from, to), (covered, len)]
    }
}

/// The first record in the logs for which `wanted` holds, as (second,
/// millisecond), skipping the indexed blocks whose every record is kept
/// when only dropped records are wanted.
fn first_record(
    logs: &Logs<'_>,
    bounds: Bounds,
    wanted: impl Fn(u64) -> bool,
) -> Option<(u64, u32)> {
    let indexes = logs.indexes;
    let skip_kept = bounds.start.is_some();
    for (i, &log) in logs.data.iter().enumerate() {
        let ranges: Vec<(usize, usize)> = match indexes.get(i).and_then(Option::as_ref) {
            Some(ix) => {
                let covered = (ix.covered as usize).min(log.len());
                let mut r: Vec<(usize, usize)> = ix
                    .blocks
                    .iter()
                    .filter(|b| !(skip_kept && bounds.keeps_all(b)))
                    .map(|b| (b.start as usize, (b.end as usize).min(log.len())))
                    .collect();
                r.push((covered, log.len()));
                r
            }
            None => vec![(0, log.len())],
        };
        for (from, to) in ranges {
            for line in Lines::new(&log[from.min(to)..to]) {
                if let Ok(r) = Record::parse(line, logs.eoe_timeout)
                    && wanted(r.sec)
                {
                    return Some((r.sec, r.milli));
                }
            }
        }
    }
    None
}

/// A consumer of a run over a [`Window`]'s parts, handing `inner` the logs'
/// numbers: a log is done after its last part.
pub(crate) struct ByLog<'w, C> {
    pub inner: &'w mut C,
    pub owners: &'w [usize],
}

impl<'a, T, C: Consumer<'a, T>> Consumer<'a, T> for ByLog<'_, C> {
    fn consume(&mut self, event: &Event<'a>, prepared: T, part: usize) -> io::Result<bool> {
        self.inner.consume(event, prepared, self.owners[part])
    }
    fn bad_timestamp(&mut self, stamp: &[u8]) -> io::Result<()> {
        self.inner.bad_timestamp(stamp)
    }
    fn record_seen(&mut self, sec: u64, milli: u32, kept: bool) {
        self.inner.record_seen(sec, milli, kept);
    }
    fn input_done(&mut self, part: usize) -> io::Result<()> {
        let log = self.owners[part];
        if self.owners.get(part + 1) != Some(&log) {
            self.inner.input_done(log)?;
        }
        Ok(())
    }
}
