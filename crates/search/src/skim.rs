//! Selective searches without parsing the whole log.
//!
//! A search for a rare value (`-k time-change`, `-x /usr/bin/passwd`)
//! spends nearly all its time grouping records into events that cannot
//! match. This finds the regions that hold one of the criteria's literals
//! ([`crate::prefilter`]) and runs the normal engine on those regions only.
//!
//! Why that is exact, given what the cheap pass below checks over the
//! whole log: every record's second is at least the one before it (the
//! log is in time order), and no timestamp is bad (those print a message).
//! Then, with `t` = end_of_event_timeout >= 1:
//! - records of different seconds never share an event, and an event of
//!   second `s` is complete once a record of second `s + t` or later has
//!   been read (that record always opens an event: its second is new);
//! - a run of the engine started at a record of second `S` groups every
//!   later record exactly as the whole run does; the events open before
//!   that point have seconds <= `S` and are all complete and handed out
//!   by the first record of second `S + t`. From there on both runs are in
//!   the same state (up to slot numbers, which only order events with the
//!   same timestamp; a region owning two such events is left to the whole
//!   run);
//! - an event of a smaller second always leaves before one of a larger
//!   second, so regions of disjoint seconds print in file order.
//!
//! A region owning the events of seconds `lo..=hi` is therefore run from a
//! record of second `<= lo - t` to a record of second `>= hi + t` (or the
//! ends of the log), and prints only its own events. Anything the pass
//! cannot vouch for falls back to reading everything.
//!
//! Where the pass finds the records of a second in key order (and none
//! with a node), far less is read: [`crate::runs`] reads each candidate
//! event of such a second alone.

use raudit_parse::lines::READ_BUFFER;
use raudit_parse::{Event, HeaderError, Lines, Record};
use raudit_sys::Host;
use rayon::prelude::*;

use crate::engine::{Candidates, Consumer, Feed, Prepare, Prepared, Settings, drive};
use crate::index::{Index, Query};
use crate::prefilter::{LiteralFinder, Literals, Types};
use crate::runs::{self, Line, Run, Unsure};
use crate::select::Selection;

mod header;
use header::quick_header;

/// Bytes per region of the cheap pass: the grain of what is skipped.
const CHUNK: usize = 256 << 10;
/// Regions surveyed together (in parallel) before their memory is released:
/// 8 MiB. The kernel may map a whole large folio of the page cache on one
/// fault, so every page read counts in the resident size until released.
const GROUP: usize = 32;
/// Above this share of the log in regions to run, reading everything is
/// as fast and needs no second look.
const MAX_SHARE: f64 = 0.6;
/// Above this share of the log in runs, reading everything is faster.
const MAX_RUN_SHARE: f64 = 0.4;
/// Output kept before printing; past it the whole run is used instead.
const MAX_KEPT: usize = 32 << 20;

/// A record's (second, milli, serial).
type Key = (u64, u32, u64);

/// What the cheap pass learnt about one region of the log.
#[derive(Debug, Clone, Copy, Default)]
struct Chunk {
    /// The input it is part of.
    input: usize,
    start: usize,
    end: usize,
    /// Seconds of its first and last records (None: no record).
    first: Option<u64>,
    last: Option<u64>,
    /// Its records' seconds never go down.
    ordered: bool,
    /// A line has a bad timestamp (the reference says so on stderr).
    bad: bool,
    /// A literal occurs in it.
    hit: bool,
    /// How many hits (literals, or lines of a wanted type) and lines it has.
    hits: usize,
    lines: usize,
    /// Its records' keys were read (false for a chunk known from an
    /// index): see [`crate::runs`].
    keys_known: bool,
    /// The seconds (first, last) of the records whose keys are out of
    /// order (smaller than the one before) or that have a node.
    unordered: Option<(u64, u64)>,
    /// The keys of its first and last records.
    first_key: Option<Key>,
    last_key: Option<Key>,
}

/// What makes a region worth running the engine on.
struct Wanted {
    literals: Option<LiteralFinder>,
    /// `-m`, when there is no literal.
    types: Option<Types>,
}

impl Wanted {
    fn is_empty(&self) -> bool {
        self.literals.is_none() && self.types.is_none()
    }
}

/// The cheap pass over one region: seconds, order, bad stamps, hits.
fn survey(data: &[u8], start: usize, end: usize, wanted: &Wanted, t: u64) -> Chunk {
    let bytes = &data[start..end];
    let mut c = Chunk { start, end, ordered: true, keys_known: true, ..Chunk::default() };
    // Nothing to look for (an indexed search's unindexed part): a
    // candidate.
    c.hits = wanted.literals.as_ref().map_or(0, |l| l.positions(bytes).len());
    let mut last_stamp = None;
    for line in Lines::new(bytes) {
        c.lines += 1;
        let key = match quick_header(line, &mut last_stamp) {
            Some((key, name)) => {
                if wanted.types.as_ref().is_some_and(|types| types.accepts(name)) {
                    c.hits += 1;
                }
                key
            }
            None => match Record::parse(line, t) {
                Ok(r) => {
                    if wanted.types.as_ref().is_some_and(|types| types.wants(r.rtype)) {
                        c.hits += 1;
                    }
                    if r.node.is_some() {
                        c.unordered = Some(widen(c.unordered, r.sec, r.sec));
                    }
                    (r.sec, r.milli, r.serial)
                }
                Err(HeaderError::Garbage) => continue,
                Err(HeaderError::BadTimestamp(_)) => {
                    c.bad = true;
                    continue;
                }
            },
        };
        if let Some(last) = c.last_key.filter(|&last| key < last) {
            c.unordered = Some(widen(c.unordered, key.0, last.0));
            if key.0 < last.0 {
                c.ordered = false;
            }
        }
        c.first.get_or_insert(key.0);
        c.last = Some(key.0);
        c.first_key.get_or_insert(key);
        c.last_key = Some(key);
    }
    c.hit = wanted.is_empty() || c.hits > 0;
    c
}

/// Whether the hits are on so many lines that reading everything is
/// faster than reading each candidate event alone.
fn dense(chunks: &[Chunk]) -> bool {
    let hits: usize = chunks.iter().map(|c| c.hits).sum();
    let lines: usize = chunks.iter().map(|c| c.lines).sum();
    hits as f64 > MAX_RUN_SHARE * lines as f64
}

/// `range` grown to hold the seconds `lo..=hi`.
fn widen(range: Option<(u64, u64)>, lo: u64, hi: u64) -> (u64, u64) {
    range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi)))
}

/// When the records of all `chunks` had their keys read, in time order
/// with no bad timestamp: the ranges of seconds whose records are out of
/// key order or have a node ([`crate::runs`] reads the events of the
/// other seconds).
fn unordered_seconds(chunks: &[Chunk]) -> Option<Vec<(u64, u64)>> {
    let mut unordered = Vec::new();
    let mut previous: Option<Key> = None;
    for c in chunks {
        if c.bad || !c.ordered || !c.keys_known {
            return None;
        }
        if let (Some(first), Some(p)) = (c.first_key, previous) {
            if first.0 < p.0 {
                return None;
            }
            if first < p {
                unordered.push((first.0, p.0));
            }
        }
        unordered.extend(c.unordered);
        previous = c.last_key.or(previous);
    }
    Some(unordered)
}

/// Cuts `data` from `pos` on into regions of about [`CHUNK`] bytes ending
/// at newlines, lazily: finding a cut touches the page there, so cuts are
/// found only just before their regions are read.
fn cut(data: &[u8], mut pos: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    std::iter::from_fn(move || {
        if pos >= data.len() {
            return None;
        }
        let end = if data.len() - pos <= CHUNK {
            data.len()
        } else {
            memchr::memchr(b'\n', &data[pos + CHUNK..]).map_or(data.len(), |i| pos + CHUNK + i + 1)
        };
        let region = (pos, end);
        pos = end;
        Some(region)
    })
}

/// A stretch of the log to run the engine on: bytes `start..end`, whose
/// events of seconds `lo..=hi` it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Region {
    start: usize,
    end: usize,
    lo: u64,
    hi: u64,
}

/// The regions that cover every hit, or None when the log is not in time
/// order (or has bad stamps) or they would cover most of it.
fn plan(chunks: &[Chunk], t: u64, len: usize) -> Option<Vec<Region>> {
    let mut previous = None;
    for c in chunks {
        if c.bad || !c.ordered || c.first.is_some_and(|f| previous.is_some_and(|p| f < p)) {
            return None;
        }
        previous = c.last.or(previous);
    }
    let mut regions: Vec<Region> = Vec::new();
    for (at, c) in chunks.iter().enumerate().filter(|(_, c)| c.hit) {
        let (Some(lo), Some(hi)) = (c.first, c.last) else { continue };
        // From the start of the last region that begins at second <= lo - t.
        let start = chunks[..=at]
            .iter()
            .rev()
            .find(|b| b.first.is_some_and(|f| f + t <= lo))
            .map_or(0, |b| b.start);
        // To the end of the first region that reaches second hi + t.
        let end = chunks[at..]
            .iter()
            .find(|b| b.last.is_some_and(|l| l >= hi + t))
            .map_or(len, |b| b.end);
        match regions.last_mut() {
            Some(r) if start <= r.end => {
                r.end = r.end.max(end);
                r.hi = r.hi.max(hi);
            }
            _ => regions.push(Region { start, end, lo, hi }),
        }
    }
    let covered: usize = regions.iter().map(|r| r.end - r.start).sum();
    (covered as f64 <= MAX_SHARE * len as f64).then_some(regions)
}

/// Keeps the matching events a region owns.
struct Keeper<'a> {
    lo: u64,
    hi: u64,
    kept: Vec<(Event<'a>, Prepared)>,
    /// The timestamps of all the events it owns, matching or not.
    stamps: Vec<(u64, u32, u64)>,
    bytes: usize,
    /// Something happened that only the whole run handles exactly.
    unsure: bool,
}

impl<'a> Consumer<'a, Prepared> for Keeper<'a> {
    fn consume(&mut self, event: &Event<'a>, p: Prepared, _: usize) -> std::io::Result<bool> {
        if !(self.lo..=self.hi).contains(&event.key.sec) {
            return Ok(true);
        }
        self.stamps.push((event.key.sec, event.key.milli, event.key.serial));
        if p.selection == Selection::Matched {
            self.bytes += p.text.len() + p.notes.len();
            self.kept.push((event.clone(), p));
            if self.bytes > MAX_KEPT {
                self.unsure = true;
                return Ok(false);
            }
        }
        Ok(true)
    }
    fn bad_timestamp(&mut self, _: &[u8]) -> std::io::Result<()> {
        self.unsure = true;
        Ok(())
    }
}

impl Keeper<'_> {
    /// Whether two events it owns have the same timestamp. Their order
    /// comes from slot numbers, which a region's run does not share with
    /// the whole run, and it also decides whether a complete one waits
    /// behind a building one, so it can move other events too: matching or
    /// not, any such pair sends the search to the whole run.
    fn has_twins(&mut self) -> bool {
        self.stamps.sort_unstable();
        self.stamps.windows(2).any(|w| w[0] == w[1])
    }
}

/// The chunks of input `i` (based at `base` in the stream of all
/// inputs): from its index where it has one that the search can use, then
/// surveyed. False when the search should read everything.
fn chunks_of(
    (i, input): (usize, &[u8]),
    base: usize,
    index: Option<(&Index, &Query)>,
    wanted: &Wanted,
    t: u64,
    chunks: &mut Vec<Chunk>,
    done: &dyn Fn(usize, usize),
) -> bool {
    let mut from = 0;
    if let Some((index, query)) = index {
        let hits = query.hits(&index.blocks);
        chunks.extend(index.blocks.iter().zip(hits).map(|(b, hit)| Chunk {
            input: i,
            start: base + b.start as usize,
            end: base + b.end as usize,
            first: b.first,
            last: b.last,
            ordered: b.ordered,
            bad: b.bad,
            hit,
            hits: 0,
            lines: 0,
            // The index does not say.
            keys_known: false,
            unordered: None,
            first_key: None,
            last_key: None,
        }));
        from = index.covered as usize;
    }
    let mut cuts = cut(input, from).peekable();
    while cuts.peek().is_some() {
        let group: Vec<(usize, usize)> = cuts.by_ref().take(GROUP).collect();
        chunks.par_extend(group.par_iter().map(|&(s, e)| {
            let c = survey(input, s, e, wanted, t);
            Chunk { input: i, start: base + c.start, end: base + c.end, ..c }
        }));
        // The pages read so far are not needed again unless a region
        // holds them: the memory stays flat whatever the log's size.
        let seen = chunks.last().map_or(0, |c| c.end);
        done(i, seen - base);
        // Regions all over (or out of order), and records out of key
        // order: give up early, before the pass costs much.
        if chunks.len() >= 2 * GROUP
            && !(runs_apply(wanted) && !dense(chunks) && unordered_seconds(chunks).is_some())
            && plan(chunks, t, seen).is_none()
        {
            return false;
        }
    }
    true
}

/// What a selective search found without reading everything.
pub(crate) enum Skimmed<'a> {
    /// The matching events, in output order, with their output.
    Found(Vec<(Event<'a>, Prepared)>),
    /// The runs of lines that hold the candidate events, in output order
    /// (checked: see [`crate::runs`]).
    Runs(Vec<Run>),
}

/// Whether hits can be found line by line ([`crate::runs`] needs them).
fn runs_apply(wanted: &Wanted) -> bool {
    !wanted.is_empty()
}

/// The lines of input `input`'s bytes `start..end` that hold a hit.
fn hit_lines(inputs: &[&[u8]], c: &Chunk, base: usize, wanted: &Wanted, t: u64) -> Vec<Line> {
    let (start, end) = (c.start - base, c.end - base);
    let bytes = &inputs[c.input][start..end];
    let mut lines: Vec<Line> = Vec::new();
    let mut add = |at: usize| {
        if lines.last().is_none_or(|l| l.end < start + at) {
            lines.push(runs::line_at(inputs, c.input, start + at));
        }
    };
    if let Some(literals) = &wanted.literals {
        literals.positions(bytes).into_iter().for_each(&mut add);
    } else if let Some(types) = &wanted.types {
        let mut at = 0;
        let mut last_stamp = None;
        while at < bytes.len() {
            let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            let line = &bytes[at..line_end];
            let wanted_type = match quick_header(line, &mut last_stamp) {
                Some((_, name)) => types.accepts(name),
                // A line the reader cuts is left to runs::run_around to refuse.
                None => match Record::parse(&line[..line.len().min(READ_BUFFER - 1)], t) {
                    Ok(r) => types.wants(r.rtype),
                    Err(_) => line.len() >= READ_BUFFER - 1,
                },
            };
            if wanted_type {
                add(at);
            }
            at = line_end + 1;
        }
    }
    lines
}

/// The runs that hold every candidate event, checked, or None when the
/// regions or the whole run must decide ([`crate::runs`]): a run is of a
/// second in `unordered`, or makes two events.
fn plan_runs(
    inputs: &[&[u8]],
    chunks: &[Chunk],
    bases: &[usize],
    wanted: &Wanted,
    settings: &Settings,
    done: &dyn Fn(usize, usize),
    unordered: &[(u64, u64)],
) -> Option<Vec<Run>> {
    let t = settings.eoe_timeout;
    let hit: Vec<&Chunk> = chunks.iter().filter(|c| c.hit).collect();
    let mut all: Vec<Run> = Vec::new();
    let total: usize = inputs.iter().map(|i| i.len()).sum();
    // Bytes of the log in runs so far.
    let mut covered = 0;
    // A group at a time, releasing the pages read behind it.
    for group in hit.chunks(GROUP) {
        let per_chunk: Vec<Result<Vec<Run>, Unsure>> = group
            .par_iter()
            .map(|c| {
                let mut found: Vec<Run> = Vec::new();
                for line in hit_lines(inputs, c, bases[c.input], wanted, t) {
                    if found.last().is_some_and(|r| line <= r.last) {
                        continue;
                    }
                    found.extend(runs::run_around(inputs, line, t)?);
                }
                if found
                    .iter()
                    .any(|r| unordered.iter().any(|&(lo, hi)| (lo..=hi).contains(&r.sec)))
                {
                    return Err(Unsure);
                }
                runs::check(inputs, &found, settings)?;
                Ok(found)
            })
            .collect();
        for found in per_chunk {
            let found = found.ok()?;
            covered += found.iter().map(Run::bytes).sum::<usize>();
            all.extend(found);
        }
        if let Some(last) = group.last() {
            runs::release_before(inputs, last.input, last.end - bases[last.input], done);
            // Hits on most lines: reading everything costs less. Judged on
            // the log read so far, but not before a 32nd of it.
            if covered as f64 > MAX_RUN_SHARE * last.end.max(total / 32) as f64 {
                return None;
            }
        }
    }
    // A run across two chunks is found from both.
    all.dedup();
    Some(all)
}

/// The matching events of `inputs` (a log set, oldest first, read as one
/// stream) in output order, or None when this search must read
/// everything. `settings.indexes` are the inputs' valid indexes, if any.
pub(crate) fn search<'a>(
    inputs: &[&'a [u8]],
    settings: &Settings,
    host: &dyn Host,
    done: &dyn Fn(usize, usize),
) -> std::io::Result<Option<Skimmed<'a>>> {
    let indexes = &settings.indexes;
    let t = settings.eoe_timeout;
    // The checkpoint and --debug look at every event; a zero or huge
    // timeout breaks the reasoning above.
    if settings.checkpoint.is_some() || settings.debug || !(1..1_000_000).contains(&t) {
        return Ok(None);
    }
    let literals = Literals::of(&settings.criteria);
    let wanted = Wanted {
        literals: literals.as_ref().map(LiteralFinder::new),
        // An event's records may lie in two regions: a literal in one and
        // a type in the other. So one kind of hit only, literals first.
        types: if literals.is_some() { None } else { Types::of(&settings.criteria) },
    };
    let query = Query::of(&settings.criteria, settings.start, settings.end);
    let indexed = query.is_some() && indexes.iter().any(Option::is_some);
    if wanted.is_empty() && !indexed {
        return Ok(None);
    }
    let found = skim(inputs, settings, host, done, &wanted, query.as_ref().filter(|_| indexed))?;
    // The index does not say whether the records are in key order: where it
    // cannot spare reading most of the log, the survey may still find runs.
    if found.is_none() && indexed && runs_apply(&wanted) {
        return skim(inputs, settings, host, done, &wanted, None);
    }
    Ok(found)
}

/// The chunks of all `inputs` (a log set, oldest first, read as one
/// stream), from their indexes when `query` is given, and where each input
/// starts in the stream; None when the search should read everything.
fn survey_all(
    inputs: &[&[u8]],
    indexes: &[Option<std::sync::Arc<Index>>],
    query: Option<&Query>,
    wanted: &Wanted,
    t: u64,
    done: &dyn Fn(usize, usize),
) -> Option<(Vec<Chunk>, Vec<usize>)> {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut bases = Vec::with_capacity(inputs.len());
    let mut base = 0;
    for (i, input) in inputs.iter().enumerate() {
        bases.push(base);
        // An index longer than its input is not its index (the caller checks that; this
        // keeps offsets in range whatever it is handed).
        let index = indexes
            .get(i)
            .and_then(Option::as_deref)
            .filter(|ix| ix.covered <= input.len() as u64)
            .zip(query);
        if !chunks_of((i, input), base, index, wanted, t, &mut chunks, done) {
            return None;
        }
        base += input.len();
    }
    Some((chunks, bases))
}

/// [`crate::engine::drive`] for a tool that only looks at the events that
/// hold a record of one of `types` (aureport's reports of AVCs, logins,
/// anomalies...): where the records of those events' seconds are in key
/// order ([`crate::runs`]), only those events are read, prepared and
/// handed to `consumer`, in the order `drive` would hand them over, and
/// Ok(true) is returned. Ok(false) when that cannot be vouched for:
/// nothing was handed over, and `drive` must read everything. No record
/// is reported to [`Consumer::record_seen`] and no input to
/// [`Consumer::input_done`].
pub fn drive_typed<'a, T: Send, C: Consumer<'a, T>>(
    inputs: &[&'a [u8]],
    types: &[i32],
    feed: Feed,
    prepare: &impl Prepare<'a, Out = T>,
    consumer: &mut C,
    done: &dyn Fn(usize, usize),
) -> std::io::Result<bool> {
    let t = feed.eoe_timeout;
    if !feed.flush_at_end || !(1..1_000_000).contains(&t) || inputs.is_empty() {
        return Ok(false);
    }
    let wanted = Wanted { literals: None, types: Some(Types::new(types)) };
    let Some((chunks, bases)) = survey_all(inputs, &[], None, &wanted, t, done) else {
        return Ok(false);
    };
    let Some(unordered) = unordered_seconds(&chunks).filter(|_| !dense(&chunks)) else {
        return Ok(false);
    };
    let settings =
        Settings { eoe_timeout: t, start: feed.start, end: feed.end, ..Settings::default() };
    let Some(runs) = plan_runs(inputs, &chunks, &bases, &wanted, &settings, done, &unordered)
    else {
        return Ok(false);
    };
    runs::drive(inputs, &runs, &settings, prepare, consumer, done)?;
    Ok(true)
}

/// [`search`] with `wanted` (and the inputs' indexes when `query` is given).
fn skim<'a>(
    inputs: &[&'a [u8]],
    settings: &Settings,
    host: &dyn Host,
    done: &dyn Fn(usize, usize),
    wanted: &Wanted,
    query: Option<&Query>,
) -> std::io::Result<Option<Skimmed<'a>>> {
    let t = settings.eoe_timeout;
    let Some((chunks, bases)) = survey_all(inputs, &settings.indexes, query, wanted, t, done)
    else {
        return Ok(None);
    };
    let base = inputs.iter().map(|i| i.len()).sum();
    if runs_apply(wanted)
        && !dense(&chunks)
        && let Some(unordered) = unordered_seconds(&chunks)
        && let Some(runs) = plan_runs(inputs, &chunks, &bases, wanted, settings, done, &unordered)
    {
        return Ok(Some(Skimmed::Runs(runs)));
    }
    let Some(regions) = plan(&chunks, t, base) else { return Ok(None) };
    let candidates = Candidates::of(settings);
    let mut found = Vec::new();
    for r in regions {
        let feed =
            Feed { eoe_timeout: t, start: settings.start, end: settings.end, flush_at_end: true };
        let mut keeper = Keeper {
            lo: r.lo,
            hi: r.hi,
            kept: Vec::new(),
            stamps: Vec::new(),
            bytes: 0,
            unsure: false,
        };
        // The region's part of each input it spans, and where that starts.
        let mut slices: Vec<&'a [u8]> = Vec::new();
        let mut at: Vec<(usize, usize)> = Vec::new();
        for (i, (input, &b)) in inputs.iter().zip(&bases).enumerate() {
            let (s, e) = (r.start.max(b), r.end.min(b + input.len()));
            if s < e {
                slices.push(&input[s - b..e - b]);
                at.push((i, s - b));
            }
        }
        // Pages behind the region's read part are released as in the whole
        // run (kept events that point there are read back if touched).
        let release = |j: usize, upto: usize| done(at[j].0, at[j].1 + upto);
        let prepare = |e: &Event<'_>| candidates.prepare(e, settings, host);
        drive(&slices, feed, &prepare, &mut keeper, &release)?;
        if keeper.unsure || keeper.has_twins() {
            return Ok(None);
        }
        found.append(&mut keeper.kept);
        if settings.just_one && !found.is_empty() {
            break;
        }
    }
    Ok(Some(Skimmed::Found(found)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(start: usize, first: u64, last: u64, hit: bool) -> Chunk {
        Chunk {
            input: 0,
            start,
            end: start + 10,
            first: Some(first),
            last: Some(last),
            ordered: true,
            bad: false,
            hit,
            hits: usize::from(hit),
            lines: 10,
            keys_known: true,
            unordered: None,
            first_key: Some((first, 0, 0)),
            last_key: Some((last, 0, 0)),
        }
    }

    #[test]
    fn plans_regions_around_hits_with_a_timeout_on_each_side() {
        let chunks: Vec<Chunk> =
            (0..20).map(|i| chunk(i * 10, i as u64, i as u64, i == 10)).collect();
        let r = plan(&chunks, 2, 200).unwrap();
        assert_eq!(r, vec![Region { start: 80, end: 130, lo: 10, hi: 10 }]);
        // Out of order: no plan.
        let mut shuffled = chunks.clone();
        shuffled.swap(3, 4);
        assert_eq!(plan(&shuffled, 2, 200), None);
        // Hits everywhere: reading everything is better.
        let all: Vec<Chunk> = (0..20).map(|i| chunk(i * 10, i as u64, i as u64, true)).collect();
        assert_eq!(plan(&all, 2, 200), None);
    }
}
