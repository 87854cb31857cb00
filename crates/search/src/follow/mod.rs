//! `ausearch --follow`: matching events printed as the daemon writes
//! them, like `tail -F`, across rotations.
//!
//! The log is polled ([`POLL`]) rather than watched with inotify: a stat
//! and a read five times a second cost nothing measurable, work on every
//! file system (inotify misses changes on network file systems), need no
//! `unsafe` here, and a rotation is told by the inode behind the path
//! either way. Several rotations between two looks are no loss: the
//! files rotated away meanwhile are found by their names and read in
//! order ([`tail`]). The latency, at most [`POLL`], is below what a person
//! watching notices, and events wait up to `end_of_event_timeout` for
//! their last record anyway.

mod stream;
pub mod tail;

use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use raudit_sys::Host;

use crate::engine::{Emitter, Outcome, Settings};
use stream::Stream;
use tail::{Change, LogTail, Start};

/// How often the log is looked at when nothing new came.
pub const POLL: Duration = Duration::from_millis(200);

/// How much of the log before its end is assembled (not printed) when
/// following starts at the end: enough for the events still being
/// written then to be printed whole when they complete.
const LOOKBACK: usize = 256 << 10;

/// New input handled per round while catching up.
const ROUND: usize = 4 << 20;

/// Where following starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// At the end: only events written from now on (`tail -f`).
    End,
    /// At the start of the current log: its events, then the new ones
    /// (ausearch `-ts` with `--follow`).
    Beginning,
}

/// Follows the log at `path`, printing matching events to `out` as they
/// complete, until `stop()` says so (checked at least every [`POLL`]) or
/// `--just-one` is satisfied. Events still open then are completed and
/// printed. An event also completes when the log has been quiet for
/// `end_of_event_timeout` seconds, so the last one is not held back.
/// With `settings.debug`, notes on where reading is go to `err`.
pub fn follow(
    path: &Path,
    from: From,
    settings: &Settings,
    out: &mut impl Write,
    err: &mut impl Write,
    host: &dyn Host,
    stop: &dyn Fn() -> bool,
) -> io::Result<Outcome> {
    let start = match from {
        From::End => Start::End { lookback: LOOKBACK },
        From::Beginning => Start::Beginning,
    };
    let (mut tail, lookback) = LogTail::open(path, start)?;
    let mut stream = Stream::default();
    stream.round::<io::Sink, io::Sink>(&lookback, false, settings, host, None)?;
    let debug = settings.debug;
    let mut emitter = Emitter::new(settings, out, err);
    if debug {
        let e = emitter.err();
        writeln!(e, "follow: reading {} from byte {}", path.display(), tail.offset())?;
        e.flush()?;
    }
    let quiet = Duration::from_secs(settings.eoe_timeout);
    let mut last_input = Instant::now();
    let mut new = Vec::new();
    loop {
        if stop() {
            stream.round(b"", true, settings, host, Some(&mut emitter))?;
            break;
        }
        new.clear();
        let change = tail.read(&mut new, ROUND)?;
        if debug && let Some(change) = change {
            let what = match change {
                Change::Rotated => "rotated",
                Change::RotatedPastMissing => {
                    "rotated past files no longer there (events may be missing)"
                }
                Change::Truncated => "truncated",
            };
            let e = emitter.err();
            writeln!(e, "follow: {} was {what}; reading the new file", tail.path().display())?;
            e.flush()?;
        }
        if !new.is_empty() {
            last_input = Instant::now();
            if !stream.round(&new, false, settings, host, Some(&mut emitter))? {
                break;
            }
            // Catching up: no pause while there is more.
            if new.len() >= ROUND {
                continue;
            }
        } else if stream.has_open() && last_input.elapsed() >= quiet {
            // A quiet log: what is open now completes, as at the end of a file.
            if !stream.round(b"", true, settings, host, Some(&mut emitter))? {
                break;
            }
        }
        if change.is_none() {
            std::thread::sleep(POLL);
        }
    }
    Ok(emitter.outcome().clone())
}
