//! The in-order half of a search: checkpoint decisions, `--just-one`,
//! and writing each prepared event's output (a chunk of events' output at
//! once where they are printed one after another).

use std::io::{self, Write};
use std::ops::Range;

use raudit_parse::Event;

use crate::checkpoint::{CheckpointEvent, Decision, Resume};
use crate::engine::{Consumer, Outcome, Settings};
use crate::normalize;
use crate::output::Format;
use crate::prepared::{Chunks, Placed, Prepared, Text};
use crate::select::Selection;

fn checkpoint_event(event: &Event<'_>) -> CheckpointEvent {
    CheckpointEvent {
        node: event.key.node.map(<[u8]>::to_vec),
        sec: event.key.sec,
        milli: event.key.milli,
        serial: event.key.serial,
        rtype: event.first_type(),
    }
}

/// The in-order half: checkpoint decisions, `--just-one`, writing.
pub(crate) struct Emitter<'o, W: Write, E: Write> {
    settings: &'o Settings,
    out: &'o mut W,
    err: &'o mut E,
    resume: Option<Resume>,
    outcome: Outcome,
    header_done: bool,
    /// The last chunk of events' output handed over ([`Text::Chunk`]).
    chunks: Chunks,
    /// The part of `chunk` printed but not yet written: events printed
    /// one after another are written at once.
    pending: Range<usize>,
}

impl<W: Write, E: Write> Drop for Emitter<'_, W, E> {
    fn drop(&mut self) {
        // A run that ends with an error still writes what it printed
        // (the output's own buffer does the same when dropped).
        let _ = self.write_pending();
    }
}

impl<'o, W: Write, E: Write> Emitter<'o, W, E> {
    /// An emitter for a run without a checkpoint (a follower's).
    pub(crate) fn new(settings: &'o Settings, out: &'o mut W, err: &'o mut E) -> Self {
        Emitter::for_run(settings, out, err, None)
    }

    /// What the run found so far.
    pub(crate) fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// Where diagnostics go.
    pub(crate) fn err(&mut self) -> &mut E {
        self.err
    }

    /// Handles one prepared event; Ok(false) stops the run.
    pub(crate) fn emit(&mut self, event: &Event<'_>, prepared: Prepared) -> io::Result<bool> {
        let Prepared { selection, text, notes } = prepared;
        let segment = self.place(text)?;
        let go_on = self.handle(event, selection, segment, &notes);
        // The checkpoint remembers every complete event, matched or not.
        if self.resume.is_some() {
            self.outcome.last_event = Some(checkpoint_event(event));
        }
        go_on
    }

    /// Finds an event's output; what was printed of the last chunk is
    /// written before a new one replaces it.
    fn place(&mut self, text: Text) -> io::Result<Placed> {
        if matches!(text, Text::Chunk(..)) {
            self.write_pending()?;
            self.pending = 0..0;
        }
        Ok(self.chunks.place(text))
    }

    /// Writes what was printed of the chunk so far.
    fn write_pending(&mut self) -> io::Result<()> {
        let at = self.chunks.at();
        let pending = std::mem::replace(&mut self.pending, at..at);
        self.out.write_all(&self.chunks.chunk()[pending])
    }

    /// Writes and flushes what the run printed; what it found.
    pub(crate) fn finish(mut self) -> io::Result<Outcome> {
        self.flush()?;
        Ok(std::mem::take(&mut self.outcome))
    }

    /// Writes everything printed so far, and flushes the output.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.write_pending()?;
        self.out.flush()
    }

    fn handle(
        &mut self,
        event: &Event<'_>,
        selection: Selection,
        segment: Placed,
        notes: &[u8],
    ) -> io::Result<bool> {
        match selection {
            Selection::Matched => {}
            Selection::NotMatched => return Ok(true),
            Selection::Malformed { rc, record } => {
                if self.settings.debug {
                    write!(self.err, "Malformed event skipped, rc={rc}. ")?;
                    self.err.write_all(&record)?;
                    self.err.write_all(b"\n")?;
                }
                return Ok(true);
            }
        }
        if let Some(resume) = self.resume.as_mut() {
            let here = checkpoint_event(event);
            match resume.decide(&here) {
                Decision::Output => {}
                Decision::OutputAfterThis | Decision::Skip => return Ok(!self.settings.just_one),
                Decision::Corrupted => {
                    let cp = self.settings.checkpoint.as_ref().and_then(|c| c.0.clone());
                    let cp = cp.unwrap_or_default();
                    writeln!(
                        self.err,
                        "Corrupted checkpoint file. Inode match, but newer complete event \
                         ({}.{:03}:{}) found before loaded checkpoint {}.{:03}:{}",
                        here.sec, here.milli, here.serial, cp.sec, cp.milli, cp.serial
                    )?;
                    self.outcome.corrupted = true;
                    return Ok(false);
                }
            }
        }
        if self.settings.format == Format::Csv && !self.header_done {
            // COMPAT: the header comes with the first event printed, so a
            // search that finds nothing prints none.
            self.header_done = true;
            self.write_pending()?;
            self.out.write_all(normalize::csv_header(self.settings.extra).as_bytes())?;
        }
        self.outcome.found = true;
        if !notes.is_empty() {
            self.write_pending()?;
            self.err.write_all(notes)?;
        }
        match segment {
            Placed::Own(text) => {
                self.write_pending()?;
                self.out.write_all(&text)?;
            }
            Placed::InChunk(range) if range.start == self.pending.end => {
                self.pending.end = range.end;
            }
            Placed::InChunk(range) => {
                self.write_pending()?;
                self.pending = range;
            }
        }
        if self.settings.line_buffered {
            self.flush()?;
        }
        Ok(!self.settings.just_one)
    }
}

impl<'a, W: Write, E: Write> Consumer<'a, Prepared> for Emitter<'_, W, E> {
    fn consume(&mut self, event: &Event<'a>, prepared: Prepared, _: usize) -> io::Result<bool> {
        self.emit(event, prepared)
    }
    fn bad_timestamp(&mut self, stamp: &[u8]) -> io::Result<()> {
        self.err.write_all(b"Error extracting time stamp (")?;
        self.err.write_all(stamp)?;
        self.err.write_all(b")\n")
    }
}

impl<'s, W: Write, E: Write> Emitter<'s, W, E> {
    /// An emitter at the start of a run, resuming after `resume`'s event if any.
    fn for_run(
        settings: &'s Settings,
        out: &'s mut W,
        err: &'s mut E,
        resume: Option<Resume>,
    ) -> Self {
        Emitter {
            settings,
            out,
            err,
            resume,
            outcome: Outcome::default(),
            header_done: false,
            chunks: Chunks::default(),
            pending: 0..0,
        }
    }

    /// An emitter at the start of a search (resuming after `--checkpoint`'s event, if any).
    pub(crate) fn for_search(settings: &'s Settings, out: &'s mut W, err: &'s mut E) -> Self {
        let resume = settings
            .checkpoint
            .as_ref()
            .map(|(last, time_only)| Resume::new(last.clone(), *time_only));
        Emitter::for_run(settings, out, err, resume)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepared::{Candidates, Chunked, prepare};
    use raudit_parse::{Assembler, AssemblerConfig, Record};
    use raudit_sys::FixedHost;

    /// Events of one or two records, every third with key "k", every
    /// fifth a malformed SYSCALL (no pid).
    fn events() -> Vec<Event<'static>> {
        let mut text = String::new();
        for i in 1..=300 {
            let key = if i % 3 == 0 { "\"k\"" } else { "(null)" };
            if i % 5 == 0 {
                text += &format!(
                    "type=SYSCALL msg=audit(1700000000.{:03}:{i}): arch=c000003e syscall=2 success=yes exit=3 key={key}\n",
                    i % 1000
                );
            } else {
                text += &format!(
                    "type=SYSCALL msg=audit(1700000000.{:03}:{i}): arch=c000003e syscall=2 success=yes exit=3 a0=7ffd a1=0 a2=1b6 a3=0 items=1 ppid=1 pid={i} auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key={key}\n",
                    i % 1000
                );
                text +=
                    &format!("type=CWD msg=audit(1700000000.{:03}:{i}): cwd=\"/root\"\n", i % 1000);
            }
        }
        let text: &'static str = Box::leak(text.into_boxed_str());
        let mut asm = Assembler::new(AssemblerConfig::default());
        for line in text.lines() {
            asm.push(Record::parse(line.as_bytes(), 2).unwrap());
        }
        asm.finish();
        std::iter::from_fn(|| asm.pop_ready()).collect()
    }

    /// What an emitter prints of `prepared`, and whether it stopped.
    fn printed(settings: &Settings, events: &[Event<'_>], prepared: Vec<Prepared>) -> Vec<u8> {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut emitter = Emitter::for_search(settings, &mut out, &mut err);
        for (e, p) in events.iter().zip(prepared) {
            if !emitter.emit(e, p).unwrap() {
                break;
            }
        }
        emitter.flush().unwrap();
        drop(emitter);
        out.extend_from_slice(b"--- stderr\n");
        out.extend_from_slice(&err);
        out
    }

    #[test]
    fn chunks_print_what_events_one_by_one_would() {
        let events = events();
        let host = FixedHost::new();
        // An event every search here prints.
        let middle = &events[101];
        let checkpoint = CheckpointEvent {
            node: None,
            sec: middle.key.sec,
            milli: middle.key.milli,
            serial: middle.key.serial,
            rtype: middle.first_type(),
        };
        let formats = [Format::Default, Format::Raw, Format::Interpret, Format::Csv, Format::Json];
        for format in formats {
            for key in [None, Some(b"k".to_vec())] {
                for (just_one, debug) in [(false, false), (true, false), (false, true)] {
                    for checkpoint in [None, Some((Some(checkpoint.clone()), false))] {
                        let mut settings =
                            Settings { format, just_one, debug, ..Settings::default() };
                        settings.criteria.key = key.clone();
                        settings.checkpoint = checkpoint.clone();
                        let what = format!("{format:?} {key:?} {just_one} {debug} {checkpoint:?}");
                        let one_by_one: Vec<Prepared> =
                            events.iter().map(|e| prepare(e, &settings, &host)).collect();
                        let expected = printed(&settings, &events, one_by_one);
                        let candidates = Candidates::of(&settings);
                        let chunked = Chunked { candidates, settings: &settings, host: &host };
                        // Chunks of every size, the first and last short.
                        let sizes = (1..).map(|n| n * 7 % 67 + 1);
                        let made = crate::prepared::run_in_chunks(&chunked, &events, sizes);
                        assert!(made.iter().any(|p| matches!(p.text, Text::Chunk(..))), "{what}");
                        let got = printed(&settings, &events, made);
                        // (--just-one stops at the first event the checkpoint skips.)
                        let prints = !(just_one && checkpoint.is_some());
                        assert!(!prints || expected.len() > 20, "{what}");
                        assert_eq!(
                            String::from_utf8_lossy(&got),
                            String::from_utf8_lossy(&expected),
                            "{what}"
                        );
                    }
                }
            }
        }
    }
}
