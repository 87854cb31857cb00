//! Events decided and formatted off the main thread: what a run's
//! preparation makes of each event, and how a chunk of events shares one
//! output buffer.

use std::ops::Range;

use raudit_parse::Event;
use raudit_sys::Host;

use crate::engine::Settings;
use crate::interpreted::Interpreter;
use crate::normalize;
use crate::output::{self, Format};
use crate::prefilter::{LiteralFinder, Literals};
use crate::select::{Selection, select};

/// How a run prepares its events, on the thread pool. Any
/// `Fn(&Event) -> T` is one, preparing event by event.
pub trait Prepare<'a>: Sync {
    type Out: Send;
    /// Prepares one event.
    fn one(&self, event: &Event<'a>) -> Self::Out;
    /// Prepares events that are handed over together and in order (a
    /// chunk of a batch).
    fn run(&self, events: &[Event<'a>]) -> Vec<Self::Out> {
        events.iter().map(|e| self.one(e)).collect()
    }
}

impl<'a, F, T> Prepare<'a> for F
where
    F: Fn(&Event<'a>) -> T + Sync,
    T: Send,
{
    type Out = T;
    fn one(&self, event: &Event<'a>) -> T {
        self(event)
    }
}

/// Prepares `events` with `prepare` in chunks of the sizes `sizes` gives
/// (the last cut to what is left), in order, as batches are handed to a
/// preparer: for checking a preparer's chunks against its events one by
/// one.
pub fn run_in_chunks<'a, P: Prepare<'a>>(
    prepare: &P,
    events: &[Event<'a>],
    sizes: impl IntoIterator<Item = usize>,
) -> Vec<P::Out> {
    let mut made = Vec::with_capacity(events.len());
    let mut at = 0;
    for size in sizes {
        if at == events.len() {
            break;
        }
        let end = (at + size.max(1)).min(events.len());
        made.extend(prepare.run(&events[at..end]));
        at = end;
    }
    made
}

/// An event decided and formatted off the main thread.
pub(crate) struct Prepared {
    pub(crate) selection: Selection,
    pub(crate) text: Text,
    /// Diagnostics for stderr.
    pub(crate) notes: Vec<u8>,
}

/// Where a prepared event's output is (a report's row, a search's text).
pub enum Text {
    /// Its own.
    Own(Vec<u8>),
    /// The output of a chunk of events (one allocation and one write for
    /// tens of events), this event's being the first `len` bytes.
    Chunk(Vec<u8>, usize),
    /// The next `len` bytes of the last chunk handed over.
    Next(usize),
}

impl Text {
    /// The length of the event's output.
    pub(crate) fn len(&self) -> usize {
        match self {
            Text::Own(text) => text.len(),
            Text::Chunk(_, len) | Text::Next(len) => *len,
        }
    }

    /// Makes `made`'s first [`Text::Next`] (its first output) carry
    /// `chunk`, the buffer every output of the chunk was written into.
    pub fn hand_over<'t>(made: impl IntoIterator<Item = &'t mut Text>, chunk: Vec<u8>) {
        if let Some(text) = made.into_iter().find(|t| matches!(t, Text::Next(_)))
            && let Text::Next(len) = *text
        {
            *text = Text::Chunk(chunk, len);
        }
    }
}

/// The consumer's side of [`Text`]: the last chunk handed over, and where
/// the next output starts in it. Outputs must be placed in the order they
/// were made, every one of them.
#[derive(Default)]
pub struct Chunks {
    chunk: Vec<u8>,
    at: usize,
}

/// Where [`Chunks::place`] found an output.
pub enum Placed {
    Own(Vec<u8>),
    /// A range of [`Chunks::chunk`].
    InChunk(Range<usize>),
}

impl Chunks {
    /// Finds the next output; a new chunk replaces the last one.
    pub fn place(&mut self, text: Text) -> Placed {
        let (start, len) = match text {
            Text::Own(text) => return Placed::Own(text),
            Text::Chunk(chunk, len) => {
                self.chunk = chunk;
                (0, len)
            }
            Text::Next(len) => (self.at, len),
        };
        self.at = start + len;
        Placed::InChunk(start..self.at)
    }

    /// The last chunk handed over.
    pub fn chunk(&self) -> &[u8] {
        &self.chunk
    }

    /// Where the next output of the chunk starts.
    pub fn at(&self) -> usize {
        self.at
    }
}

impl Prepared {
    fn unmatched() -> Prepared {
        Prepared {
            selection: Selection::NotMatched,
            text: Text::Own(Vec::new()),
            notes: Vec::new(),
        }
    }
}

/// Decides about `event` and, when it matches, appends its output to
/// `text`; returns the decision and the diagnostics.
fn prepare_into(
    event: &Event<'_>,
    settings: &Settings,
    host: &dyn Host,
    text: &mut Vec<u8>,
) -> (Selection, Vec<u8>) {
    let selection = select(event, &settings.criteria, host);
    let mut notes = Vec::new();
    if selection != Selection::Matched {
        return (selection, notes);
    }
    reserve_for(text, std::slice::from_ref(event), settings.format);
    // Writing to a Vec cannot fail.
    let _ = match settings.format {
        Format::Raw => output::write_raw(text, event),
        Format::Json => {
            crate::json::write_event(text, event, host);
            Ok(())
        }
        Format::Interpret => {
            let interpreter = Interpreter { escape: settings.escape, host };
            interpreter.write_event(text, &mut notes, event);
            Ok(())
        }
        Format::Csv | Format::Text => {
            let writer = normalize::Writer { escape: settings.escape, host, extra: settings.extra };
            if settings.format == Format::Csv {
                writer.write_csv(text, &mut notes, event);
            } else {
                writer.write_text(text, event);
            }
            Ok(())
        }
        _ => output::write_default(text, event, settings.escape, host),
    };
    (selection, notes)
}

/// Makes room in `text` for the output of `events` in `format`: one
/// allocation instead of a string of reallocations (each a copy).
fn reserve_for(text: &mut Vec<u8>, events: &[Event<'_>], format: Format) {
    // Interpreted text is about as long as the records, JSON about three
    // times as long.
    let size: usize = events.iter().flat_map(|e| &e.records).map(|r| r.text.len() + 48).sum();
    let factor = if format == Format::Json { 3 } else { 1 };
    text.reserve(size * factor + size / 4);
}

/// Decides about `event` and formats it when it matches.
pub(crate) fn prepare(event: &Event<'_>, settings: &Settings, host: &dyn Host) -> Prepared {
    let mut text = Vec::new();
    let (selection, notes) = prepare_into(event, settings, host, &mut text);
    Prepared { selection, text: Text::Own(text), notes }
}

/// The events worth extracting: an event with none of the criteria's literals, or none of the
/// wanted record types, cannot match and is not extracted. (Only --debug tells a malformed event
/// from one that does not match, so it looks at every event.)
pub(crate) struct Candidates<'s> {
    literals: Option<LiteralFinder>,
    types: Option<&'s Vec<i32>>,
}

impl<'s> Candidates<'s> {
    pub(crate) fn of(settings: &'s Settings) -> Candidates<'s> {
        let literals = Literals::of(&settings.criteria).filter(|_| !settings.debug);
        let types = settings.criteria.msg_types.as_ref().filter(|_| !settings.debug);
        Candidates { literals: literals.as_ref().map(LiteralFinder::new), types }
    }

    /// Every event is a candidate.
    pub(crate) fn every() -> Candidates<'s> {
        Candidates { literals: None, types: None }
    }

    fn hold(&self, e: &Event<'_>) -> bool {
        self.literals.as_ref().is_none_or(|l| e.records.iter().any(|r| l.hit(r.text)))
            && self.types.is_none_or(|t| e.records.iter().any(|r| t.contains(&r.rtype)))
    }

    /// [`prepare`], for the events that can match.
    pub(crate) fn prepare(&self, e: &Event<'_>, settings: &Settings, host: &dyn Host) -> Prepared {
        if self.hold(e) { prepare(e, settings, host) } else { Prepared::unmatched() }
    }
}

/// A whole run's preparation, writing each chunk's output into one buffer
/// (for an [`crate::engine::Emitter`], which knows [`Text::Chunk`]).
pub(crate) struct Chunked<'s> {
    pub(crate) candidates: Candidates<'s>,
    pub(crate) settings: &'s Settings,
    pub(crate) host: &'s dyn Host,
}

impl<'a> Prepare<'a> for Chunked<'_> {
    type Out = Prepared;

    fn one(&self, event: &Event<'a>) -> Prepared {
        self.candidates.prepare(event, self.settings, self.host)
    }

    fn run(&self, events: &[Event<'a>]) -> Vec<Prepared> {
        let mut buffer = Vec::new();
        let mut made: Vec<Prepared> = events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                if !self.candidates.hold(e) {
                    return Prepared { text: Text::Next(0), ..Prepared::unmatched() };
                }
                if buffer.capacity() == 0 {
                    // Room for this event and those after it.
                    reserve_for(&mut buffer, &events[i..], self.settings.format);
                }
                let start = buffer.len();
                let (selection, notes) = prepare_into(e, self.settings, self.host, &mut buffer);
                Prepared { selection, text: Text::Next(buffer.len() - start), notes }
            })
            .collect();
        Text::hand_over(made.iter_mut().map(|p| &mut p.text), buffer);
        made
    }
}
