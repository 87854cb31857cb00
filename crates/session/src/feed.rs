//! Events in, one at a time and in the reference's order, from the
//! ausearch engine's parallel parse and linear assembly.

use std::io;

use raudit_parse::Event;
use raudit_search::engine::{Consumer, Feed, drive};

/// The logs to read, oldest first, and how their records group.
pub struct Logs<'l, 'a> {
    pub data: &'l [&'a [u8]],
    /// auditd.conf's `end_of_event_timeout`.
    pub eoe_timeout: u64,
}

struct Each<F>(F);

impl<'a, F: FnMut(&Event<'a>) -> io::Result<()>> Consumer<'a, ()> for Each<F> {
    fn consume(&mut self, event: &Event<'a>, _: (), _: usize) -> io::Result<bool> {
        (self.0)(event)?;
        Ok(true)
    }

    // COMPAT: libauparse reads quietly: a bad time stamp is skipped
    // without a word.
    fn bad_timestamp(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// Hands every event of `logs` to `each`, in order. `release(i, offset)`
/// says input `i` is read up to `offset`, so its memory may go.
pub fn each_event<'a>(
    logs: &Logs<'_, 'a>,
    release: &dyn Fn(usize, usize),
    each: impl FnMut(&Event<'a>) -> io::Result<()>,
) -> io::Result<()> {
    let feed = Feed { eoe_timeout: logs.eoe_timeout, start: None, end: None, flush_at_end: true };
    drive(logs.data, feed, &|_: &Event<'a>| (), &mut Each(each), release)
}
