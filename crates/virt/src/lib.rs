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

use raudit_parse::Completion;
use raudit_parse::Event;
use raudit_search::engine::{Consumer, Feed, drive_as};
use raudit_sys::Host;

pub use guests::Filters;
pub use print::Show;

use crate::cursor::{Cursor, Fields, split_event};
use crate::guests::{Stamp, Tracker};

/// What a run does (the command line, parsed).
#[derive(Debug, Clone)]
pub struct Options {
    pub filters: Filters,
    pub show: Show,
    /// `--summary`: counts instead of events.
    pub summary: bool,
    /// auditd.conf's `end_of_event_timeout`, which libauparse reads too.
    pub eoe_timeout: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            filters: Filters::default(),
            show: Show::default(),
            summary: false,
            eoe_timeout: raudit_parse::assembler::DEFAULT_EOE_TIMEOUT,
        }
    }
}

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
    let feed = Feed { eoe_timeout: opts.eoe_timeout, start: None, end: None, flush_at_end: true };
    let mut taker = Taker { tracker: &mut tracker, host, err };
    drive_as(Completion::Auparse, inputs, feed, &prepare, &mut taker, done)?;
    if opts.summary {
        print::write_summary(out, &tracker.events, host)
    } else {
        print::write_events(out, &tracker.events, opts.show, host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_sys::FixedHost;

    const HEAD: &str =
        "pid=1140 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:virtd_t:s0";
    const TAIL: &str = "exe=\"/usr/sbin/libvirtd\" hostname=? addr=? terminal=? res=";

    fn record(rtype: &str, sec: u64, serial: u64, body: &str, ok: bool) -> String {
        let res = if ok { "success" } else { "failed" };
        format!(
            "type={rtype} msg=audit({sec}.000:{serial}): {HEAD} msg='virt=kvm {body} {TAIL}{res}'\n"
        )
    }

    fn run_on(log: &str, opts: &Options) -> String {
        let host = FixedHost::new().with_user(0, "root").with_utc_offset(0);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        run(opts, &[log.as_bytes()], &host, &mut out, &mut err, &|_, _| {}).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_stop_ends_the_session_and_its_resources() {
        let g = "vm=\"g\" uuid=11111111-2222-4333-8444-555555555555";
        let log = [
            record(
                "VIRT_RESOURCE",
                1_700_000_000,
                1,
                &format!("resrc=disk reason=start {g} old-disk=\"?\" new-disk=\"/d.img\""),
                true,
            ),
            record(
                "VIRT_CONTROL",
                1_700_000_001,
                2,
                &format!("op=start reason=booted {g} vm-pid=7"),
                true,
            ),
            record(
                "VIRT_CONTROL",
                1_700_090_061,
                3,
                &format!("op=stop reason=shutdown {g} vm-pid=-1"),
                true,
            ),
        ]
        .concat();
        let mut opts = Options::default();
        // COMPAT: the period column is cut at 32 bytes, even a day-long span.
        assert_eq!(
            run_on(&log, &opts),
            "g                     \troot       \tTue Nov 14 22:13 - 23:14  (1+01:\n"
        );
        opts.show = Show { all_events: true, uuid: false, proof: true };
        opts.filters.proof = true;
        let all = run_on(&log, &opts);
        assert!(all.starts_with("resrc  g "), "{all}");
        assert!(all.contains("\tdisk        \tstart     \t/d.img\n    Proof:1,3\n"), "{all}");
        assert!(all.contains("stop   g "), "{all}");
    }

    #[test]
    fn a_failed_start_is_counted_as_a_failure() {
        let g = "vm=\"g\" uuid=11111111-2222-4333-8444-555555555555";
        let log = record(
            "VIRT_CONTROL",
            1_700_000_001,
            2,
            &format!("op=start reason=booted {g} vm-pid=7"),
            false,
        );
        let opts = Options { summary: true, ..Options::default() };
        let text = run_on(&log, &opts);
        assert!(text.contains("Number of guest starts:         0\n"), "{text}");
        assert!(text.contains("Number of failed operations:    1\n"), "{text}");
        assert!(run_on(&log, &Options::default()).contains(" - failed"));
    }
}
