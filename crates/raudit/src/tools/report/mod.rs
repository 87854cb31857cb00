//! `aureport` / `raudit report`: summary reports of the audit logs, on the
//! same reader, event assembly and extraction as ausearch.

mod args;
mod html;
mod lookup;
mod scan;

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use raudit_cli::args::ArgCursor;
use raudit_parse::Event;
use raudit_search::engine::{Consumer, Feed, drive};

use self::args::{Input, Kind, Options, Outcome, Stop};
use self::scan::{Numbers, Prepared, Scanner, Strings, SummaryData};
use super::logs::{LogData, dir_log, log_set, read_conf, strerror};
use crate::Invocation;

const NO_EVENTS: &str = "<no events of interest were found>\n\n";

pub fn main(inv: Invocation) -> ExitCode {
    raudit_cli::sys::set_locale_from_env();
    let opts = match args::parse(ArgCursor::new(&inv.args), stdin_is_pipe) {
        Ok(o) => o,
        Err(Stop::Exit(code)) => return ExitCode::from(code),
        Err(Stop::Error { message, newline, usage }) => {
            if newline {
                eprintln!("{message}");
            } else {
                eprint!("{message}");
            }
            if usage {
                print!("{}", args::usage());
            }
            return ExitCode::from(1);
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let code = match run(opts, &mut out) {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("{}: {e}", inv.display_name);
            return ExitCode::from(1);
        }
    };
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("{}: {e}", inv.display_name);
            ExitCode::from(1)
        }
        _ => code,
    }
}

fn stdin_is_pipe() -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata("/proc/self/fd/0").map(|m| m.file_type().is_fifo()).unwrap_or(false)
}

/// The report's title block (print_title). None: the reference stops
/// here ("Unimplemented option").
fn title(o: &Options) -> Option<String> {
    let rule = |n: usize| "=".repeat(n);
    let mut s = String::from("\n");
    if o.summary {
        s.push_str(match o.outcome {
            Outcome::Failed => "Failed ",
            Outcome::Success => "Success ",
            Outcome::Both => "",
        });
        let (name, width, column) = match o.kind {
            Kind::Summary => {
                s.push_str(&format!("Summary Report\n{}\n", rule(22)));
                return Some(s);
            }
            Kind::Time | Kind::Tty => {
                // COMPAT: aureport-output.c: -t and --tty have no summary;
                // the reference exits after the newline and prefix.
                print!("{s}");
                return None;
            }
            Kind::Avc => ("Avc Object Summary Report", 33, "obj"),
            Kind::Mac => ("MAC Summary Report", 18, "type"),
            Kind::Integrity => ("Integrity Summary Report", 24, "type"),
            Kind::Virt => ("Virtualization Summary Report", 29, "type"),
            Kind::Config => ("Config Change Summary Report", 28, "type"),
            Kind::Auth => ("Authentication Summary Report", 29, "acct"),
            Kind::Login => ("Login Summary Report", 28, "auid"),
            Kind::AcctMod => ("Acct Modification Summary Report", 32, "type"),
            Kind::Event => ("Event Summary Report", 22, "type"),
            Kind::File => ("File Summary Report", 27, "file"),
            Kind::Host => ("Host Summary Report", 27, "host"),
            Kind::Pid => ("Pid Summary Report", 26, "pid"),
            Kind::Syscall => ("Syscall Summary Report", 26, "syscall"),
            Kind::Term => ("Terminal Summary Report", 31, "terminal"),
            Kind::User => ("User Summary Report", 27, "auid"),
            Kind::Exe => ("Executable Summary Report", 33, "file"),
            Kind::Comm => ("Command Summary Report", 33, "command"),
            Kind::Anomaly => ("Anomaly Summary Report", 22, "type"),
            Kind::Response => ("Anomaly Response Summary Report", 31, "type"),
            Kind::Crypto => ("Crypto Summary Report", 21, "type"),
            Kind::Key => ("Key Summary Report", 27, "key"),
        };
        s.push_str(&format!("{name}\n{r}\ntotal  {column}\n{r}\n", r = rule(width)));
        return Some(s);
    }
    let (name, width, columns) = match o.kind {
        Kind::Time => {
            s.push_str(&format!("Log Time Range Report\n{}\n", rule(21)));
            return Some(s);
        }
        Kind::Avc => ("AVC Report", 63, "comm subj syscall class permission obj result event"),
        Kind::Config => ("Config Change Report", 35, "type auid success event"),
        Kind::Auth => ("Authentication Report", 44, "acct host term exe success event"),
        Kind::Login => ("Login Report", 44, "auid host term exe success event"),
        Kind::AcctMod => {
            ("Account Modifications Report", 49, "auid addr term exe acct success event")
        }
        Kind::Event => ("Event Report", 35, "event type auid success"),
        Kind::File => ("File Report", 47, "file syscall success exe auid event"),
        Kind::Host => ("Host Report", 35, "host syscall auid event"),
        Kind::Pid => ("Process ID Report", 38, "pid exe syscall auid event"),
        Kind::Syscall => ("Syscall Report", 39, "syscall pid comm auid event"),
        Kind::Term => ("Terminal Report", 36, "term host exe auid event"),
        Kind::User => ("User ID Report", 36, "auid term host exe event"),
        Kind::Exe => ("Executable Report", 36, "exe term host auid event"),
        Kind::Comm => ("Command Report", 36, "comm term host auid event"),
        Kind::Anomaly => ("Anomaly Report", 41, "type exe term host auid event"),
        Kind::Response => ("Response to Anomaly Report", 30, "type success event"),
        Kind::Mac => ("MAC Report", 35, "auid type success event"),
        Kind::Integrity => ("Integrity Report", 30, "type success event"),
        Kind::Virt => ("Virtualization Report", 30, "type success event"),
        Kind::Crypto => ("Crypto Report", 35, "auid type success event"),
        Kind::Key => ("Key Report", 47, "key success exe auid event"),
        Kind::Tty => ("TTY Report", 47, "event auid term sess comm data"),
        Kind::Summary => return Some(s),
    };
    // COMPAT: aureport-output.c: the command report's lower rule is one
    // longer than its upper one.
    let lower = if o.kind == Kind::Comm { width + 1 } else { width };
    s.push_str(&format!("{name}\n{}\n# date time {columns}\n{}\n", rule(width), rule(lower)));
    Some(s)
}

/// An event's time as the summaries print it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Stamp {
    sec: u64,
    milli: u32,
}

/// The in-order half of a report run.
struct Report<'o, W: Write> {
    scanner: &'o Scanner,
    out: &'o mut W,
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
    names: Vec<String>,
    /// `--html`: what the page shows.
    page: Option<Box<html::Page>>,
}

impl<'a, W: Write> Consumer<'a, Prepared> for Report<'_, W> {
    fn consume(&mut self, event: &Event<'a>, prepared: Prepared, _: usize) -> io::Result<bool> {
        let stamp = Stamp { sec: event.key.sec, milli: event.key.milli };
        self.file_first.get_or_insert(stamp);
        self.file_last = stamp;
        match prepared {
            Prepared::Skip => {}
            Prepared::Malformed(rc, record) => {
                if self.scanner.opts.debug {
                    let mut err = io::stderr().lock();
                    write!(err, "Malformed event skipped, rc={rc}. ")?;
                    err.write_all(&record)?;
                    err.write_all(b"\n")?;
                }
            }
            Prepared::Rows(rows) => {
                self.found = true;
                scan::write_rows(self.out, rows, &mut self.line)?;
            }
            Prepared::Strings(v) => v.into_iter().for_each(|s| self.strings.add(s)),
            Prepared::Numbers(v) => v.into_iter().for_each(|n| self.numbers.add(n)),
            Prepared::Totals(t) => self.summary.add(*t),
            Prepared::Html(share) => {
                if let Some(page) = self.page.as_mut() {
                    page.add(event.key.sec, *share);
                }
            }
        }
        Ok(true)
    }

    fn bad_timestamp(&mut self, stamp: &[u8]) -> io::Result<()> {
        let mut err = io::stderr().lock();
        err.write_all(b"Error extracting time stamp (")?;
        err.write_all(stamp)?;
        err.write_all(b")\n")
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
                    scan::date(first.sec as i64),
                    first.milli,
                    scan::date(self.file_last.sec as i64),
                    self.file_last.milli
                )?,
            }
        }
        self.file_first = None;
        self.file_last = Stamp::default();
        Ok(())
    }
}

impl<W: Write> Report<'_, W> {
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
        let empty = match o.kind {
            Kind::Pid
            | Kind::Config
            | Kind::AcctMod
            | Kind::Event
            | Kind::Anomaly
            | Kind::Response
            | Kind::Mac
            | Kind::Integrity
            | Kind::Virt
            | Kind::Crypto => numbers.is_empty(),
            _ => strings.is_empty(),
        };
        if empty {
            return out.write_all(NO_EVENTS.as_bytes());
        }
        match o.kind {
            Kind::Pid => {
                for (n, hits) in numbers {
                    writeln!(out, "{hits}  {n}")?;
                }
            }
            Kind::Config
            | Kind::AcctMod
            | Kind::Event
            | Kind::Anomaly
            | Kind::Response
            | Kind::Mac
            | Kind::Integrity
            | Kind::Virt
            | Kind::Crypto => {
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
                        esc.write(out, &self.scanner.lookup.uid(n, lookup::Enriched::default()))?;
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
            scan::date(first.sec as i64),
            first.milli,
            scan::date(last.sec as i64),
            last.milli
        );
        let start = if o.start != 0 { o.start } else { first.sec as i64 };
        let end = if o.end != 0 {
            scan::date(o.end)
        } else {
            format!("{}.{:03}", scan::date(last.sec as i64), last.milli)
        };
        [range, format!("Selected time for report: {} - {end}", scan::date(start))]
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

fn run(opts: Options, out: &mut impl Write) -> io::Result<ExitCode> {
    let conf = read_conf();
    let eoe_timeout = opts.eoe_timeout.unwrap_or(conf.eoe_timeout);
    let Some(title) = title(&opts) else {
        out.flush()?;
        eprintln!("{}", args::UNIMPLEMENTED);
        return Ok(ExitCode::from(1));
    };
    out.write_all(title.as_bytes())?;
    let (files, names): (Vec<PathBuf>, Vec<String>) = match &opts.input {
        Input::Path(path) => match std::fs::metadata(path) {
            Err(e) => {
                out.flush()?;
                eprintln!("stat: {}", strerror(&e));
                return Ok(ExitCode::from(1));
            }
            Ok(m) if m.is_dir() => {
                let base = dir_log(path.as_ref());
                eprintln!("NOTE - using logs in {}", base.display());
                let files = log_set(&base, None).unwrap_or_default();
                let names = files.iter().map(|f| f.display().to_string()).collect();
                (files, names)
            }
            Ok(_) => (vec![PathBuf::from(path)], vec![path.clone()]),
        },
        Input::ConfiguredLogs => {
            let files = log_set(&conf.log_file, None).unwrap_or_default();
            let names = files.iter().map(|f| f.display().to_string()).collect();
            (files, names)
        }
        Input::Stdin => (Vec::new(), vec!["stdin".to_string()]),
    };
    let mut buffers: Vec<LogData> = Vec::new();
    if opts.input == Input::Stdin {
        let mut data = Vec::new();
        io::stdin().lock().read_to_end(&mut data)?;
        buffers.push(LogData::Read(data));
    }
    // COMPAT: aureport.c process_logs: a file that cannot be opened stops
    // the run there, after the files before it were reported.
    let mut open_error = None;
    for file in &files {
        match LogData::map(file) {
            Ok(data) => buffers.push(data),
            Err(e) => {
                open_error = Some(format!("Error opening {} ({})", file.display(), strerror(&e)));
                break;
            }
        }
    }
    let inputs: Vec<&[u8]> = buffers.iter().map(LogData::bytes).collect();
    let release = |index: usize, upto: usize| buffers[index].release(upto);
    let scanner = Scanner::new(opts);
    let o = &scanner.opts;
    let feed = Feed {
        eoe_timeout,
        start: (o.start != 0).then_some(o.start),
        end: (o.end != 0).then_some(o.end),
        // COMPAT: with a file that failed to open, the reference never
        // reaches the last file, so open events are not completed.
        flush_at_end: open_error.is_none(),
    };
    let mut report = Report {
        scanner: &scanner,
        out,
        line: 0,
        found: false,
        summary: SummaryData::default(),
        strings: Strings::default(),
        numbers: Numbers::default(),
        very_first: Stamp::default(),
        file_first: None,
        file_last: Stamp::default(),
        very_last: Stamp::default(),
        names,
        page: o.html.as_ref().map(|_| Box::new(html::Page::new())),
    };
    let prepare = |e: &Event<'_>| scanner.prepare(e);
    drive(&inputs, feed, &prepare, &mut report, &release)?;
    if let Some(message) = open_error {
        report.out.flush()?;
        eprintln!("{message}");
        return Ok(ExitCode::from(1));
    }
    if !report.found && !o.summary && o.kind != Kind::Time {
        report.out.write_all(NO_EVENTS.as_bytes())?;
        return Ok(ExitCode::from(1));
    }
    if let Some(path) = &o.html {
        let page = report.page.take().unwrap_or_default();
        let prefix = match o.outcome {
            Outcome::Failed => "Failed ",
            Outcome::Success => "Success ",
            Outcome::Both => "",
        };
        let text = html::render(&page, &report.range_lines(), prefix, &scanner.lookup);
        if let Err(e) = std::fs::write(path, text) {
            report.out.flush()?;
            eprintln!("Error writing {path} ({})", strerror(&e));
            return Ok(ExitCode::from(1));
        }
        report.summary = page.summary;
    }
    if o.summary {
        report.wrap_up()?;
    }
    Ok(ExitCode::SUCCESS)
}
