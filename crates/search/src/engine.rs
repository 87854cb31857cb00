//! The search loop: records in, matching events out, in the reference's
//! order and format.

use std::io::{self, Write};

use raudit_parse::{Assembler, AssemblerConfig, Event, HeaderError, Lines, Record};

use crate::checkpoint::{CheckpointEvent, Decision, Resume};
use crate::criteria::Criteria;
use crate::output::{self, Escape, Format};
use crate::select::{Selection, select};

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

/// Formats an event second as the `time->` header wants it (local time).
pub type TimeFormatter<'f> = &'f dyn Fn(i64) -> String;

struct Printer<'o, 'f, W: Write, E: Write> {
    settings: &'o Settings,
    out: &'o mut W,
    err: &'o mut E,
    ctime: TimeFormatter<'f>,
    resume: Option<Resume>,
    outcome: Outcome,
    io_error: Option<io::Error>,
}

fn checkpoint_event(event: &Event<'_>) -> CheckpointEvent {
    CheckpointEvent {
        node: event.key.node.map(<[u8]>::to_vec),
        sec: event.key.sec,
        milli: event.key.milli,
        serial: event.key.serial,
        rtype: event.first_type(),
    }
}

impl<W: Write, E: Write> Printer<'_, '_, W, E> {
    /// Handles one complete event; false stops the run.
    fn event(&mut self, event: Event<'_>) -> bool {
        let go_on = self.handle(&event);
        // The checkpoint remembers every complete event, matched or not.
        if self.resume.is_some() {
            self.outcome.last_event = Some(checkpoint_event(&event));
        }
        go_on
    }

    fn handle(&mut self, event: &Event<'_>) -> bool {
        match select(event, &self.settings.criteria) {
            Selection::Matched => {}
            Selection::NotMatched => return true,
            Selection::Malformed { rc, record } => {
                if self.settings.debug {
                    let _ = write!(self.err, "Malformed event skipped, rc={rc}. ");
                    let _ = self.err.write_all(&record);
                    let _ = self.err.write_all(b"\n");
                }
                return true;
            }
        }
        if let Some(resume) = self.resume.as_mut() {
            let here = checkpoint_event(event);
            match resume.decide(&here) {
                Decision::Output => {}
                Decision::OutputAfterThis | Decision::Skip => return !self.settings.just_one,
                Decision::Corrupted => {
                    let cp = self
                        .settings
                        .checkpoint
                        .as_ref()
                        .and_then(|c| c.0.clone())
                        .unwrap_or_default();
                    let _ = writeln!(
                        self.err,
                        "Corrupted checkpoint file. Inode match, but newer complete event \
                         ({}.{:03}:{}) found before loaded checkpoint {}.{:03}:{}",
                        here.sec, here.milli, here.serial, cp.sec, cp.milli, cp.serial
                    );
                    self.outcome.corrupted = true;
                    return false;
                }
            }
        }
        self.outcome.found = true;
        let written = match self.settings.format {
            Format::Raw => output::write_raw(self.out, event),
            _ => output::write_default(self.out, event, self.settings.escape, self.ctime),
        };
        let written = written
            .and_then(|()| if self.settings.line_buffered { self.out.flush() } else { Ok(()) });
        if let Err(e) = written {
            self.io_error = Some(e);
            return false;
        }
        !self.settings.just_one
    }
}

/// Searches `inputs` (whole log files, oldest first) and prints matching
/// events to `out`; diagnostics go to `err`.
pub fn search(
    inputs: &[&[u8]],
    settings: &Settings,
    out: &mut impl Write,
    err: &mut impl Write,
    ctime: TimeFormatter<'_>,
) -> io::Result<Outcome> {
    let mut assembler = Assembler::new(AssemblerConfig { eoe_timeout: settings.eoe_timeout });
    let resume =
        settings.checkpoint.as_ref().map(|(last, time_only)| Resume::new(last.clone(), *time_only));
    let mut printer =
        Printer { settings, out, err, ctime, resume, outcome: Outcome::default(), io_error: None };
    let mut sink = |event: Event<'_>| printer.event(event);
    'files: for input in inputs {
        for line in Lines::new(input) {
            let record = match Record::parse(line, settings.eoe_timeout) {
                Ok(r) => r,
                Err(HeaderError::Garbage) => continue,
                Err(HeaderError::BadTimestamp(stamp)) => {
                    // The sink holds the printer, so diagnostics go straight to stderr.
                    let mut e = io::stderr().lock();
                    let _ = e.write_all(b"Error extracting time stamp (");
                    let _ = e.write_all(&stamp);
                    let _ = e.write_all(b")\n");
                    continue;
                }
            };
            let sec = record.sec as i64;
            if settings.start.is_some_and(|s| s != 0 && sec < s)
                || settings.end.is_some_and(|e| e != 0 && sec > e)
            {
                continue;
            }
            if !assembler.feed(record, &mut sink) {
                break 'files;
            }
        }
    }
    // COMPAT: ausearch.c get_next_event: with a checkpoint, events still
    // open at the end are not flushed; the next run prints them.
    if settings.checkpoint.is_none() {
        assembler.finish();
    }
    assembler.drain(&mut sink);
    if let Some(e) = printer.io_error.take() {
        return Err(e);
    }
    printer.out.flush()?;
    Ok(printer.outcome)
}
