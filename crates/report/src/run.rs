//! One report run over the logs: events prepared in parallel by the
//! [`Scanner`], then counted and written in order (aureport.c
//! process_logs, print_wrap_up).

use std::io::{self, Write};
use std::path::PathBuf;

use raudit_parse::Event;
use raudit_search::engine::{Chunks, Consumer, Feed, Placed, drive};
use raudit_search::skim::drive_typed;
use raudit_sys::Host;

use crate::Options;
use crate::html;
use crate::kind::Kind;
use crate::lookup::{self, Enriched};
use crate::scanner::{Chunked, Prepared, Scanner};
use crate::tally::{Numbers, Strings, SummaryData, write_row};

/// What a report with nothing to show prints.
const NO_EVENTS: &str = "<no events of interest were found>\n\n";

/// The logs a run reads, oldest first.
#[derive(Debug, Clone, Copy)]
pub struct Logs<'a> {
    pub data: &'a [&'a [u8]],
    /// Their names, for `-t` (an input without one is "stdin").
    pub names: &'a [String],
    /// auditd.conf's `end_of_event_timeout`, or `--eoe-timeout`.
    pub eoe_timeout: u64,
    /// False when a later log could not be opened: as in the reference,
    /// the run then stops after these logs, leaves events still open
    /// incomplete and prints no ending ([`Ending::Stopped`]).
    pub complete: bool,
    /// The logs' valid indexes, by position (empty: none). With `-ts`/`-te`
    /// they spare reading the blocks outside the window; the report is the same.
    pub indexes: &'a [Option<std::sync::Arc<raudit_search::index::Index>>],
}

impl<'a> Logs<'a> {
    /// Complete logs with the default end-of-event timeout.
    pub fn new(data: &'a [&'a [u8]], names: &'a [String]) -> Self {
        Logs { data, names, eoe_timeout: 2, complete: true, indexes: &[] }
    }
}

/// How a run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The report is written (exit 0).
    Done,
    /// A detailed report found no event; its "no events" line is written
    /// (exit 1).
    NoEvents,
    /// The logs were not complete; the caller says why (exit 1).
    Stopped,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing the report, or a worker of the engine (see
    /// `raudit_search::WorkerPanic`).
    #[error(transparent)]
    Io(#[from] io::Error),
    /// `--html`: the page could not be written (exit 1).
    #[error("Error writing {} ({source})", path.display())]
    Page { path: PathBuf, source: io::Error },
}

/// An event's time as the summaries print it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Stamp {
    sec: u64,
    milli: u32,
}

/// The in-order half of a report run.
struct Reporter<'o, W: Write, E: Write> {
    scanner: &'o Scanner<'o>,
    out: &'o mut W,
    err: &'o mut E,
    /// Row numbers of detailed reports.
    line: u64,
    found: bool,
    summary: SummaryData,
    strings: Strings,
    numbers: Numbers,
    /// The first record's time (the first dropped one with -ts).
    very_first: Stamp,
    /// First and last event of the input being read.
    file_first: Option<Stamp>,
    file_last: Stamp,
    /// The last event of the last input read.
    very_last: Stamp,
    /// Input names, for -t.
    names: &'o [String],
    /// `--html`: what the page shows.
    page: Option<Box<html::Page>>,
    /// The rows of the last chunk of events handed over ([`Text::Chunk`]).
    chunks: Chunks,
}

impl<'a, W: Write, E: Write> Consumer<'a, Prepared> for Reporter<'_, W, E> {
    fn consume(&mut self, event: &Event<'a>, prepared: Prepared, _: usize) -> io::Result<bool> {
        let stamp = Stamp { sec: event.key.sec, milli: event.key.milli };
        self.file_first.get_or_insert(stamp);
        self.file_last = stamp;
        match prepared {
            Prepared::Skip => {}
            Prepared::Malformed(rc, record) => {
                if self.scanner.opts.debug {
                    write!(self.err, "Malformed event skipped, rc={rc}. ")?;
                    self.err.write_all(&record)?;
                    self.err.write_all(b"\n")?;
                }
            }
            Prepared::Row(text) => {
                self.found = true;
                match self.chunks.place(text) {
                    Placed::Own(row) => write_row(self.out, &row, &mut self.line)?,
                    Placed::InChunk(range) => {
                        write_row(self.out, &self.chunks.chunk()[range], &mut self.line)?
                    }
                }
            }
            Prepared::Rows(rows) => {
                self.found = true;
                for row in rows {
                    write_row(self.out, &row, &mut self.line)?;
                }
            }
            Prepared::Strings(v) => v.iter().for_each(|s| self.strings.add(s)),
            Prepared::Key(k) => self.strings.add(&k),
            Prepared::Number(n) => self.numbers.add(n),
            Prepared::Totals(t) => self.summary.add(&t),
            Prepared::Html(share) => {
                if let Some(page) = self.page.as_mut() {
                    page.add(event.key.sec, *share);
                }
            }
        }
        Ok(true)
    }

    fn bad_timestamp(&mut self, stamp: &[u8]) -> io::Result<()> {
        self.err.write_all(b"Error extracting time stamp (")?;
        self.err.write_all(stamp)?;
        self.err.write_all(b")\n")
    }

    fn record_seen(&mut self, sec: u64, milli: u32, kept: bool) {
        // COMPAT: ausearch-lol.c extract_timestamp: with -ts the first
        // record the time window drops is "the first"; without, any first.
        if self.very_first.sec == 0 && (!kept || self.scanner.opts.start == 0) {
            self.very_first = Stamp { sec, milli };
        }
    }

    fn input_done(&mut self, input: usize) -> io::Result<()> {
        // COMPAT: aureport.c process_log_fd: the last file read decides
        // the end of the range, even when it holds no event.
        self.very_last = self.file_last;
        if self.scanner.opts.kind == Kind::Time && !self.scanner.opts.summary {
            let name = self.names.get(input).map_or("stdin", String::as_str);
            match self.file_first.take() {
                None => writeln!(self.out, "{name}: no records")?,
                Some(first) => writeln!(
                    self.out,
                    "{name}: {}.{:03} - {}.{:03}",
                    self.scanner.lookup.date(first.sec as i64),
                    first.milli,
                    self.scanner.lookup.date(self.file_last.sec as i64),
                    self.file_last.milli
                )?,
            }
        }
        self.file_first = None;
        self.file_last = Stamp::default();
        Ok(())
    }
}

impl<W: Write, E: Write> Reporter<'_, W, E> {
    /// print_wrap_up for summaries.
    fn wrap_up(&mut self) -> io::Result<()> {
        let o = &self.scanner.opts;
        if o.kind == Kind::Summary {
            return self.main_summary();
        }
        let esc = o.escape;
        let out = &mut *self.out;
        let strings = self.strings.sorted();
        let numbers = self.numbers.sorted();
        let empty = if counts_numbers(o.kind) { numbers.is_empty() } else { strings.is_empty() };
        if empty {
            return out.write_all(NO_EVENTS.as_bytes());
        }
        match o.kind {
            Kind::Pid => {
                for (n, hits) in numbers {
                    writeln!(out, "{hits}  {n}")?;
                }
            }
            // The other kinds that count numbers (record types).
            kind if counts_numbers(kind) => {
                for (n, hits) in numbers {
                    if o.interpret {
                        writeln!(out, "{hits}  {}", lookup::type_name(n))?;
                    } else {
                        writeln!(out, "{hits}  {n}")?;
                    }
                }
            }
            // Printed as they are.
            Kind::Avc | Kind::Host | Kind::Term => {
                for (s, hits) in strings {
                    write!(out, "{hits}  ")?;
                    out.write_all(s)?;
                    out.write_all(b"\n")?;
                }
            }
            // Numbers turned into names again, now without the enriched part.
            Kind::Auth | Kind::Login | Kind::User => {
                for (s, hits) in strings {
                    write!(out, "{hits}  ")?;
                    if s.first().is_some_and(|&b| b == b'-' || b.is_ascii_digit()) {
                        // C's strtol: saturates on overflow.
                        let n = raudit_interpret::cnum::strtol(s, 10)
                            .unwrap_or(if s.first() == Some(&b'-') { i64::MIN } else { i64::MAX })
                            as u32;
                        esc.write(out, &self.scanner.lookup.uid(n, Enriched::default()))?;
                    } else {
                        esc.write(out, s)?;
                    }
                    out.write_all(b"\n")?;
                }
            }
            _ => {
                for (s, hits) in strings {
                    write!(out, "{hits}  ")?;
                    esc.write(out, s)?;
                    out.write_all(b"\n")?;
                }
            }
        }
        Ok(())
    }

    /// The summary's two time lines.
    fn range_lines(&self) -> [String; 2] {
        let o = &self.scanner.opts;
        let (first, last) = (self.very_first, self.very_last);
        let range = format!(
            "Range of time in logs: {}.{:03} - {}.{:03}",
            self.scanner.lookup.date(first.sec as i64),
            first.milli,
            self.scanner.lookup.date(last.sec as i64),
            last.milli
        );
        let start = if o.start != 0 { o.start } else { first.sec as i64 };
        let end = if o.end != 0 {
            self.scanner.lookup.date(o.end)
        } else {
            format!("{}.{:03}", self.scanner.lookup.date(last.sec as i64), last.milli)
        };
        [range, format!("Selected time for report: {} - {end}", self.scanner.lookup.date(start))]
    }

    /// do_summary_output.
    fn main_summary(&mut self) -> io::Result<()> {
        let [range, selected] = self.range_lines();
        let d = &self.summary;
        let out = &mut *self.out;
        writeln!(out, "{range}\n{selected}")?;
        for (label, n) in d.counts() {
            writeln!(out, "Number of {label}: {n}")?;
        }
        writeln!(out)
    }
}

/// Whether a report of `kind` counts numbers (pids, record types) rather than strings.
fn counts_numbers(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Pid
            | Kind::Config
            | Kind::AcctMod
            | Kind::Event
            | Kind::Anomaly
            | Kind::Response
            | Kind::Mac
            | Kind::Integrity
            | Kind::Virt
            | Kind::Crypto
    )
}

/// The record types one of which an event must hold for the report `o`
/// to take it, for the reports that only look at a few types (the same
/// tests as [`Scanner::rows`] and its summary keys, widened to whole
/// ranges); None for the others, and where every event counts anyway
/// (`--debug`, `--html`, the main summary, the time report).
pub(crate) fn record_types(o: &Options) -> Option<Vec<i32>> {
    use crate::types::t;
    if o.debug || o.html.is_some() {
        return None;
    }
    let range = |low: i32, high: i32| (low..=high).collect::<Vec<i32>>();
    let types = match o.kind {
        Kind::Avc => vec![t::AVC, t::USER_AVC],
        Kind::Mac => [range(t::MAC_POLICY_LOAD, t::MAC_UNLBL_STCDEL), range(2300, 2399)].concat(),
        Kind::Integrity => range(1800, 1899),
        Kind::Virt => range(2500, 2599),
        Kind::Config => [
            vec![
                t::CONFIG_CHANGE,
                t::DAEMON_CONFIG,
                t::USYS_CONFIG,
                t::NETFILTER_CFG,
                t::FEATURE_CHANGE,
                t::USER_MAC_CONFIG_CHANGE,
            ],
            range(t::MAC_POLICY_LOAD, t::MAC_UNLBL_STCDEL),
        ]
        .concat(),
        Kind::Auth => vec![t::USER_AUTH, t::USER_MGMT],
        Kind::Login => vec![t::USER_LOGIN],
        Kind::AcctMod => [
            vec![t::USER_CHAUTHTOK, t::USER_MGMT, t::GRP_MGMT],
            range(t::ADD_USER, t::DEL_GROUP),
            range(t::ROLE_ASSIGN, t::ROLE_REMOVE),
        ]
        .concat(),
        Kind::Anomaly => [range(2100, 2199), range(1700, 1799), vec![t::SECCOMP]].concat(),
        Kind::Response => range(2200, 2299),
        Kind::Crypto => [range(1600, 1699), range(2400, 2499)].concat(),
        Kind::Tty => vec![t::TTY, t::USER_TTY],
        _ => return None,
    };
    Some(types)
}

/// Reads `logs` and writes the report `opts` asks for to `out` (after the
/// [`crate::title`]); diagnostics (`--debug`, bad timestamps) go to `err`.
/// Names (with `-i`) and dates come from `host`. `release(i, offset)` is called when log `i` has been read up to
/// `offset`, so the caller may release that memory.
pub fn run<W: Write, E: Write>(
    opts: &Options,
    logs: &Logs<'_>,
    host: &dyn Host,
    out: &mut W,
    err: &mut E,
    release: &dyn Fn(usize, usize),
) -> Result<Ending, Error> {
    let scanner = Scanner::new(opts.clone(), host);
    let o = &scanner.opts;
    let feed = Feed {
        eoe_timeout: logs.eoe_timeout,
        start: (o.start != 0).then_some(o.start),
        end: (o.end != 0).then_some(o.end),
        // COMPAT: with a file that failed to open, the reference never
        // reaches the last file, so open events are not completed.
        flush_at_end: logs.complete,
    };
    let mut report = Reporter {
        scanner: &scanner,
        out,
        err,
        line: 0,
        found: false,
        summary: SummaryData::default(),
        strings: Strings::default(),
        numbers: Numbers::default(),
        very_first: Stamp::default(),
        file_first: None,
        file_last: Stamp::default(),
        very_last: Stamp::default(),
        names: logs.names,
        page: o.html.as_ref().map(|_| Box::new(html::Page::new())),
        chunks: Chunks::default(),
    };
    let prepare = Chunked(&scanner);
    // A report of a few record types reads only the events that hold one,
    // where the search engine can vouch that nothing else changes.
    let typed = match record_types(o) {
        Some(types) => drive_typed(logs.data, &types, feed, &prepare, &mut report, release)?,
        None => false,
    };
    if !typed {
        match crate::window::trim(logs, feed.start, feed.end) {
            Some(window) => {
                if let Some((sec, milli)) = window.very_first {
                    report.very_first = Stamp { sec, milli };
                }
                let release = |part: usize, upto: usize| {
                    release(window.owners[part], window.offsets[part] + upto)
                };
                let mut by_log =
                    crate::window::ByLog { inner: &mut report, owners: &window.owners };
                drive(&window.data, feed, &prepare, &mut by_log, &release)?;
            }
            None => drive(logs.data, feed, &prepare, &mut report, release)?,
        }
    }
    if !logs.complete {
        return Ok(Ending::Stopped);
    }
    if !report.found && !o.summary && o.kind != Kind::Time {
        report.out.write_all(NO_EVENTS.as_bytes())?;
        return Ok(Ending::NoEvents);
    }
    if let Some(path) = &o.html {
        let page = report.page.take().unwrap_or_default();
        let text =
            html::render(&page, &report.range_lines(), o.outcome.title_prefix(), &scanner.lookup);
        if let Err(source) = write_private(path, text.as_bytes()) {
            return Err(Error::Page { path: path.clone(), source });
        }
        report.summary = page.summary;
    }
    if o.summary {
        report.wrap_up()?;
    }
    Ok(Ending::Done)
}

/// Writes the page readable by its owner only (0600, also when the file
/// was there before): it names users, commands and paths, which the logs
/// themselves keep from other users (docs/compat.md).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)
}
