//! ausearch's raw and default output formats and its escaping.
//!
//! Interpreted, csv and text output come from the interpretation library;
//! [`Format`] names them so the command line can be parsed in one place.

use std::io::{self, Write};

use raudit_parse::{Event, record::types};
use raudit_sys::Host;

/// `--format` (and `-r`, `-i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Raw,
    Default,
    Interpret,
    Csv,
    Text,
    /// raudit only: one JSON object per event (docs/json.md).
    Json,
}

pub use raudit_interpret::Escape;

/// Every record as read, in arrival order.
pub fn write_raw(out: &mut impl Write, event: &Event<'_>) -> io::Result<()> {
    // COMPAT: ausearch-report.c output_raw: in an event that holds any
    // enriched record, every record is printed with the separator, even a
    // record that had none.
    let enriched = event.records.iter().any(|r| r.enriched.is_some());
    for r in &event.records {
        out.write_all(r.text)?;
        if enriched {
            out.write_all(&[raudit_parse::record::ENRICHED_SEPARATOR])?;
            out.write_all(r.enriched.unwrap_or(&[]))?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `----`, the `time->` header, then the records last first, escaped.
pub fn write_default(
    out: &mut impl Write,
    event: &Event<'_>,
    escape: Escape,
    host: &dyn Host,
) -> io::Result<()> {
    out.write_all(b"----\ntime->")?;
    out.write_all(host.ctime(event.key.sec as i64).as_bytes())?;
    out.write_all(b"\n")?;
    let last = event.records.last().expect("an event has a record");
    // COMPAT: ausearch-report.c output_default: a daemon record that ends
    // an event is printed alone and unescaped.
    if (types::FIRST_DAEMON..types::FIRST_EVENT).contains(&last.rtype) {
        out.write_all(last.text)?;
        return out.write_all(b"\n");
    }
    for r in event.records.iter().rev() {
        escape.write(out, r.text)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
