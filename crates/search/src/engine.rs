//! The search loop: records in, matching events out, in the reference's
//! order and format.

use std::collections::VecDeque;
use std::io::{self, Write};

use raudit_parse::{Assembler, AssemblerConfig, Completion, Event, HeaderError, Record};
use raudit_sys::Host;
use rayon::prelude::*;

use crate::checkpoint::CheckpointEvent;
use crate::criteria::Criteria;
pub(crate) use crate::emit::Emitter;
use crate::normalize::Extra;
use crate::output::{Escape, Format};
use crate::prepared::Chunked;
pub(crate) use crate::prepared::{Candidates, Prepared, prepare};
pub use crate::prepared::{Chunks, Placed, Prepare, Text, run_in_chunks};
use crate::skim::Skimmed;
use crate::worker;

/// Everything a search run needs besides its input.
#[derive(Debug, Clone)]
pub struct Settings {
    pub criteria: Criteria,
    pub format: Format,
    pub escape: Escape,
    pub eoe_timeout: u64,
    /// `-ts`: records before this second are skipped before grouping.
    pub start: Option<i64>,
    /// `-te`: records after this second are skipped before grouping.
    pub end: Option<i64>,
    pub just_one: bool,
    pub line_buffered: bool,
    /// `--debug`: explain skipped events on stderr.
    pub debug: bool,
    /// `--checkpoint`: the previous run's last event (None on a first run)
    /// and whether only its time counts (`-ts checkpoint`). Events still
    /// open at the end of the input are then left for the next run.
    pub checkpoint: Option<(Option<CheckpointEvent>, bool)>,
    /// `--extra-keys` and the like: more csv columns.
    pub extra: Extra,
    /// The inputs' indexes ([`crate::index`]), where they have a valid one
    /// (empty: none). They only save work: results are the same without.
    pub indexes: Vec<Option<std::sync::Arc<crate::index::Index>>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            criteria: Criteria::default(),
            format: Format::Default,
            escape: Escape::Tty,
            eoe_timeout: 2,
            start: None,
            end: None,
            just_one: false,
            line_buffered: false,
            debug: false,
            checkpoint: None,
            extra: Extra::default(),
            indexes: Vec::new(),
        }
    }
}

/// What a run found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// At least one event was printed.
    pub found: bool,
    /// With a checkpoint: the last complete event processed.
    pub last_event: Option<CheckpointEvent>,
    /// With a checkpoint: it does not belong to this input.
    pub corrupted: bool,
}

/// Bytes of input handled per round: parsed in parallel, assembled in
/// order, then selected and formatted in parallel.
const BLOCK: usize = 2 << 20;
/// Blocks parsed ahead of the one being assembled. The parse of a block
/// waits in the pool behind the batch being prepared, so it starts a few
/// blocks early; else the main thread waits for it while the pool has
/// nothing else to do (the pages read ahead count in the resident size:
/// 6 MiB).
const PARSED_AHEAD: usize = 3;
/// Pieces a block is cut into for parallel parsing.
const PIECE: usize = 256 << 10;
/// A batch of events is prepared once it holds this many events (small
/// batches keep `--just-one` and `-l` responsive) ...
const BATCH_EVENTS: usize = 8192;
/// ... or this many records: the parts of a huge event must not wait for
/// each other (their text and the log pages they touch are memory).
const BATCH_RECORDS: usize = 1 << 16;

/// Batches up to this many events are prepared on the calling thread.
const SMALL_BATCH: usize = 16;

/// Whether a batch of `events` events holding `records` records is ready
/// to be prepared.
fn batch_full(events: usize, records: usize) -> bool {
    events >= BATCH_EVENTS || records >= BATCH_RECORDS
}

/// Cuts `block` into pieces that end at newlines.
fn pieces(block: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = block;
    while rest.len() > PIECE {
        let cut = match memchr::memchr(b'\n', &rest[PIECE..]) {
            Some(i) => PIECE + i + 1,
            None => rest.len(),
        };
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// The end of the block that starts at `pos`: BLOCK bytes on, then to the
/// end of the read piece there, so that no piece is cut and a line of
/// hundreds of megabytes still comes in blocks (its pages released behind).
fn block_end(input: &[u8], pos: usize) -> usize {
    if input.len() - pos <= BLOCK {
        return input.len();
    }
    raudit_parse::lines::piece_end_after(input, pos, pos + BLOCK)
}

/// What a run over the logs does with each event, in output order (the
/// event's preparation ran before, on several threads).
pub trait Consumer<'a, T> {
    /// Handles one event, read while input `input` was current; Ok(false)
    /// stops the run.
    fn consume(&mut self, event: &Event<'a>, prepared: T, input: usize) -> io::Result<bool>;
    /// A line's timestamp could not be read.
    fn bad_timestamp(&mut self, stamp: &[u8]) -> io::Result<()>;
    /// A record's timestamp was read; `kept` is false when the time window
    /// dropped it.
    fn record_seen(&mut self, _sec: u64, _milli: u32, _kept: bool) {}
    /// Every event of input `input` has been consumed.
    fn input_done(&mut self, _input: usize) -> io::Result<()> {
        Ok(())
    }
}

/// How the records are read and grouped.
#[derive(Debug, Clone, Copy)]
pub struct Feed {
    pub eoe_timeout: u64,
    /// `-ts`/`-te`: records outside are skipped before grouping.
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// Whether events still open at the end are completed and handled.
    pub flush_at_end: bool,
}

/// Prepares a batch in parallel (on a thread of its own, while the next
/// batch is assembled).
fn prepare_batch<'a, T: Send>(
    prepare: &impl Prepare<'a, Out = T>,
    batch: Vec<Event<'a>>,
) -> (Vec<Event<'a>>, Vec<T>) {
    // Handing a few events to the thread pool costs more than preparing them here.
    let prepared = if batch.len() <= SMALL_BATCH {
        prepare.run(&batch)
    } else {
        batch.par_chunks(crate::helped::CHUNK).flat_map_iter(|c| prepare.run(c)).collect()
    };
    (batch, prepared)
}

/// Hands a prepared batch over in order, then gives the events' record
/// vectors back to `assembler`; Ok(false) stops the run.
fn consume_batch<'a, T, C: Consumer<'a, T>>(
    consumer: &mut C,
    (events, prepared): (Vec<Event<'a>>, Vec<T>),
    input: usize,
    assembler: &mut Assembler<'a>,
) -> io::Result<bool> {
    for (event, p) in events.iter().zip(prepared) {
        if !consumer.consume(event, p, input)? {
            return Ok(false);
        }
    }
    for event in events {
        assembler.recycle(event.records);
    }
    Ok(true)
}

/// Reads `inputs` (whole log files, oldest first), groups their records
/// into events, prepares each with `prepare` and hands it to `consumer`:
/// records are parsed in parallel blocks, assembled in order, prepared in
/// parallel and consumed in order. `done(i, offset)` is called when input
/// `i` has been read up to `offset`, so the caller may release that memory.
///
/// A panic in any stage (parsing, preparing, consuming) ends the run with
/// an error that carries a [`crate::WorkerPanic`].
pub fn drive<'a, T: Send, C: Consumer<'a, T>>(
    inputs: &[&'a [u8]],
    feed: Feed,
    prepare: &impl Prepare<'a, Out = T>,
    consumer: &mut C,
    done: &dyn Fn(usize, usize),
) -> io::Result<()> {
    drive_as(Completion::Ausearch, inputs, feed, prepare, consumer, done)
}

/// [`drive`] with events grouped and handed out by `completion`'s rules
/// (libauparse's for the tools built on it: auvirt, aulast).
pub fn drive_as<'a, T: Send, C: Consumer<'a, T>>(
    completion: Completion,
    inputs: &[&'a [u8]],
    feed: Feed,
    prepare: &impl Prepare<'a, Out = T>,
    consumer: &mut C,
    done: &dyn Fn(usize, usize),
) -> io::Result<()> {
    worker::catch(|| run_stages(completion, inputs, feed, prepare, consumer, done))
}

/// [`drive_as`] without the panic guard.
fn run_stages<'a, T: Send, C: Consumer<'a, T>>(
    completion: Completion,
    inputs: &[&'a [u8]],
    feed: Feed,
    prepare: &impl Prepare<'a, Out = T>,
    consumer: &mut C,
    done: &dyn Fn(usize, usize),
) -> io::Result<()> {
    let mut assembler = Assembler::new(AssemblerConfig { eoe_timeout: feed.eoe_timeout })
        .with_completion(completion);
    let mut batch: Vec<Event<'a>> = Vec::new();
    let mut batch_records = 0;
    let eoe = feed.eoe_timeout;
    let in_window = |sec: i64| {
        !(feed.start.is_some_and(|s| s != 0 && sec < s)
            || feed.end.is_some_and(|e| e != 0 && sec > e))
    };
    // The block after `(input, start, end)`, skipping empty inputs. Found one at a time, as the
    // previous one is read: finding an end reads the pages before it, and a log of huge lines
    // must not be read whole before its first pages are released.
    let block_after = |(mut index, _, mut pos): (usize, usize, usize)| {
        while let Some(input) = inputs.get(index) {
            if pos < input.len() {
                return Some((index, pos, block_end(input, pos)));
            }
            index += 1;
            pos = 0;
        }
        None
    };
    // A block's records stay in one vector per piece: one vector for the
    // whole block would be a fresh mapping of megabytes for every block.
    let parse_block =
        |&(index, start, end): &(usize, usize, usize)| -> Vec<Vec<Result<Record<'a>, HeaderError>>> {
            let input: &'a [u8] = inputs[index];
            let parse_piece = |piece: &&'a [u8]| -> Vec<Result<Record<'a>, HeaderError>> {
                // Room for lines of 128 bytes and more (audit records are
                // longer): the vector is not copied as it doubles.
                let mut records = Vec::with_capacity(piece.len() / 128 + 1);
                records.extend(raudit_parse::record::parse_lines(piece, eoe));
                records
            };
            let pieces = pieces(&input[start..end]);
            if pieces.len() == 1 {
                pieces.iter().map(parse_piece).collect()
            } else {
                pieces.par_iter().map(parse_piece).collect()
            }
        };
    // Inputs before this one are finished.
    let mut finished = 0;
    // Three things overlap: the next blocks are parsed, this one is
    // assembled, and the previous batch of events is prepared. Parsing and
    // preparing are jobs of the thread pool, not threads of their own.
    // The batch being prepared, by the pool and by this thread when it waits.
    let slot = crate::helped::Slot::new();
    let slot = &slot;
    rayon::in_place_scope(|scope| -> io::Result<()> {
        // The input of the batch in `slot`, being prepared.
        let mut inflight: Option<usize> = None;
        // Helps with the batch being prepared, then hands it over.
        let drain = |inflight: &mut Option<usize>,
                     consumer: &mut C,
                     assembler: &mut Assembler<'a>|
         -> io::Result<bool> {
            match (inflight.take(), slot.take(prepare)) {
                (Some(input), Some(batch)) => consume_batch(consumer, batch?, input, assembler),
                _ => Ok(true),
            }
        };
        let parse_block = &parse_block;
        let mut current = block_after((0, 0, 0));
        let mut next = current.as_ref().map(parse_block);
        // The blocks after the current one, being parsed, and the last block found.
        let mut ahead = VecDeque::new();
        let mut last_found = current;
        while let Some(block) = current {
            // The inputs before this block's are done (empty ones too, before any
            // event of a later input is handed over).
            while finished < block.0 {
                consumer.input_done(finished)?;
                finished += 1;
            }
            let Some(records) = next.take() else { break };
            // A small log is one block: nothing to read ahead.
            while ahead.len() < PARSED_AHEAD
                && let Some(f) = last_found.and_then(block_after)
            {
                ahead.push_back((f, worker::spawn(scope, move || parse_block(&f))));
                last_found = Some(f);
            }
            let following = ahead.front().map(|&(f, _)| f);
            for result in records.into_iter().flatten() {
                let record = match result {
                    Ok(r) => r,
                    Err(HeaderError::Garbage) => continue,
                    Err(HeaderError::BadTimestamp(stamp)) => {
                        consumer.bad_timestamp(&stamp)?;
                        continue;
                    }
                };
                let kept = in_window(record.sec as i64);
                consumer.record_seen(record.sec, record.milli, kept);
                if !kept {
                    continue;
                }
                let open = assembler.open_events();
                // COMPAT: libauparse hands events out only after one opens.
                let ready = assembler.push(record)
                    && (completion == Completion::Ausearch || assembler.open_events() > open);
                if !ready {
                    continue;
                }
                // A record can complete tens of thousands of events at once
                // (a storm's events without EOE, when time moves on): they go
                // out in batches of the usual size, which keeps the stages
                // overlapping and the assembler's spare vectors enough.
                while let Some(event) = assembler.pop_ready() {
                    batch_records += event.records.len();
                    batch.push(event);
                    if batch_full(batch.len(), batch_records) {
                        if !drain(&mut inflight, consumer, &mut assembler)? {
                            return Ok(());
                        }
                        batch_records = 0;
                        // The next batch is as large: room for it at once, not
                        // a dozen copies as it doubles.
                        let room = Vec::with_capacity(batch.len());
                        slot.put(std::mem::replace(&mut batch, room));
                        for _ in 0..rayon::current_num_threads() {
                            scope.spawn(|_| slot.help(prepare));
                        }
                        inflight = Some(block.0);
                    }
                }
            }
            next = match ahead.pop_front() {
                Some((_, pending)) => Some(pending.wait()?),
                None => None,
            };
            done(block.0, block.2);
            // Events of an input are handed over before the input is done;
            // within one input, formatting runs on across block boundaries.
            let input_ends = following.is_none_or(|b| b.0 != block.0);
            if input_ends {
                if !drain(&mut inflight, consumer, &mut assembler)? {
                    return Ok(());
                }
                batch_records = 0;
                if !consume_batch(
                    consumer,
                    prepare_batch(prepare, std::mem::take(&mut batch)),
                    block.0,
                    &mut assembler,
                )? {
                    return Ok(());
                }
            }
            current = following;
        }
        // COMPAT: the events still open at the end are the last input's, even an empty one's.
        while finished + 1 < inputs.len() {
            consumer.input_done(finished)?;
            finished += 1;
        }
        if feed.flush_at_end {
            assembler.finish();
        }
        let last = inputs.len().saturating_sub(1);
        // In batches: a million events still open at the end must not be formatted all at once.
        loop {
            let mut records = 0;
            while !batch_full(batch.len(), records) {
                let Some(event) = assembler.pop_ready() else { break };
                records += event.records.len();
                batch.push(event);
            }
            if batch.is_empty() {
                break;
            }
            let prepared = prepare_batch(prepare, std::mem::take(&mut batch));
            if !consume_batch(consumer, prepared, last, &mut assembler)? {
                return Ok(());
            }
        }
        while finished < inputs.len() {
            consumer.input_done(finished)?;
            finished += 1;
        }
        Ok(())
    })
}

/// Searches `inputs` (whole log files, oldest first) and prints matching
/// events to `out`; diagnostics go to `err`. Names and local times come
/// from `host`. `done(i, offset)` is called
/// when input `i` has been read up to `offset`, so the caller may release
/// the memory behind it.
pub fn search(
    inputs: &[&[u8]],
    settings: &Settings,
    out: &mut impl Write,
    err: &mut impl Write,
    host: &dyn Host,
    done: &dyn Fn(usize, usize),
) -> io::Result<Outcome> {
    let mut emitter = Emitter::for_search(settings, out, err);
    // A selective search reads only the regions that can match.
    if !inputs.is_empty()
        && let Some(skimmed) = crate::skim::search(inputs, settings, host, done)?
    {
        match skimmed {
            Skimmed::Found(found) => {
                for (event, prepared) in found {
                    if !emitter.emit(&event, prepared)? {
                        break;
                    }
                }
            }
            Skimmed::Runs(runs) => {
                let candidates = Candidates::of(settings);
                let prepare = |e: &Event<'_>| candidates.prepare(e, settings, host);
                crate::runs::drive(inputs, &runs, settings, &prepare, &mut emitter, done)?;
            }
        }
        for (i, input) in inputs.iter().enumerate() {
            done(i, input.len());
        }
        return emitter.finish();
    }
    search_everything(inputs, settings, emitter, Candidates::of(settings), host, done)
}

/// [`search`] reading and extracting every record, whatever the criteria: no region of the
/// log is skipped and no event is passed over for lacking a literal (the tests' reference).
pub fn search_exhaustive(
    inputs: &[&[u8]],
    settings: &Settings,
    out: &mut impl Write,
    err: &mut impl Write,
    host: &dyn Host,
    done: &dyn Fn(usize, usize),
) -> io::Result<Outcome> {
    let emitter = Emitter::for_search(settings, out, err);
    search_everything(inputs, settings, emitter, Candidates::every(), host, done)
}

fn search_everything<W: Write, E: Write>(
    inputs: &[&[u8]],
    settings: &Settings,
    mut emitter: Emitter<'_, W, E>,
    candidates: Candidates<'_>,
    host: &dyn Host,
    done: &dyn Fn(usize, usize),
) -> io::Result<Outcome> {
    let feed = Feed {
        eoe_timeout: settings.eoe_timeout,
        start: settings.start,
        end: settings.end,
        // COMPAT: ausearch.c get_next_event: with a checkpoint, events
        // still open at the end are not flushed; the next run prints them.
        flush_at_end: settings.checkpoint.is_none(),
    };
    let prepare = Chunked { candidates, settings, host };
    drive(inputs, feed, &prepare, &mut emitter, done)?;
    emitter.finish()
}
