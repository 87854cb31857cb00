//! The auvirt engine: the sessions of libvirt guests, their resources, and
//! the AVCs and anomalies tied to them, from VIRT_CONTROL, VIRT_RESOURCE,
//! VIRT_MACHINE_ID, AVC and ANOM_* events.
//!
//! Logs are read with ausearch's reader and event assembly
//! ([`raudit_search::engine::drive`]): records parsed and events split into
//! fields in parallel, then taken in order by the [`guests::Tracker`],
//! whose correlations use indexes instead of the reference's backward
//! walks, so a run is linear in the log's size.
//!
//! ```no_run
//! use raudit_virt::{Options, run};
//! let log = std::fs::read("audit.log").unwrap();
//! let host = raudit_sys::SystemHost::new();
//! let mut out = std::io::stdout();
//! run(&Options::default(), &[&log[..]], &host, &mut out, &mut std::io::stderr(), &|_, _| {})
//!     .unwrap();
//! ```
#![forbid(unsafe_code)]

pub mod cursor;
pub mod guests;
pub mod print;

use std::io::{self, Write};

use raudit_parse::Event;
use raudit_search::engine::{Consumer, Feed, drive};
use raudit_sys::Host;

pub use guests::Filters;
pub use print::Show;

use crate::cursor::{Cursor, Fields, split_event};
use crate::guests::{Stamp, Tracker};

/// What a run does (the command line, parsed).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub filters: Filters,
    pub show: Show,
    /// `--summary`: counts instead of events.
    pub summary: bool,
}

/// End-of-event timeout of the reference's libauparse, in seconds.
const EOE_TIMEOUT: u64 = 2;

struct Taker<'t, E: Write> {
    tracker: &'t mut Tracker,
    host: &'t dyn Host,
    err: &'t mut E,
}

impl<'a, E: Write> Consumer<'a, Option<Vec<Fields<'a>>>> for Taker<'_, E> {
    fn consume(
        &mut self,
        event: &Event<'a>,
        fields: Option<Vec<Fields<'a>>>,
        _: usize,
    ) -> io::Result<bool> {
        let Some(fields) = fields else { return Ok(true) };
        let key = event.key;
        let stamp = Stamp { sec: key.sec as i64, milli: key.milli, serial: key.serial };
        let mut cursor = Cursor::new(&fields, key.sec, self.host);
        self.tracker.event(event.first_type(), stamp, &mut cursor);
        if !self.tracker.notes.is_empty() {
            self.err.write_all(&self.tracker.notes)?;
            self.tracker.notes.clear();
        }
        Ok(true)
    }

    // COMPAT: libauparse skips a line whose time stamp cannot be read, silently.
    fn bad_timestamp(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// Reads `inputs` (whole logs, oldest first) and writes the guest events or
/// the summary to `out`; `--debug` notes go to `err`. Names and local times
/// come from `host`. `done(i, offset)` is called when input `i` has been
/// read up to `offset`, so the caller may release that memory.
///
/// An error is a write error or a worker's panic (see
/// `raudit_search::WorkerPanic`).
pub fn run<'a>(
    opts: &Options,
    inputs: &[&'a [u8]],
    host: &dyn Host,
    out: &mut impl Write,
    err: &mut impl Write,
    done: &dyn Fn(usize, usize),
) -> io::Result<()> {
    let mut tracker = Tracker::new(opts.filters.clone());
    let avcs = opts.filters.avcs_and_anomalies;
    let prepare = |event: &Event<'a>| -> Option<Vec<Fields<'a>>> {
        guests::wanted(event.first_type(), avcs).then(|| split_event(event))
    };
    let feed = Feed { eoe_timeout: EOE_TIMEOUT, start: None, end: None, flush_at_end: true };
    let mut taker = Taker { tracker: &mut tracker, host, err };
    drive(inputs, feed, &prepare, &mut taker, done)?;
    if opts.summary {
        print::write_summary(out, &tracker.events, host)
    } else {
        print::write_events(out, &tracker.events, opts.show, host)
    }
}
