//! `aureport --follow`: the report made again whenever the log changed,
//! so that a summary stays current. On a terminal the screen is redrawn;
//! otherwise each new report is printed after the previous one.
//!
//! The report is remade from all the logs rather than updated: the
//! engine's tallies are built for one pass, a pass over a full log set
//! takes a fraction of a second, and the result is then exactly what
//! `aureport` without `--follow` prints at that moment.

use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use raudit_search::input::Located;

use super::args::Options;
use crate::tools::follow::{catch_stop_signals, should_stop, stdout_is_terminal};
use crate::tools::logs::read_conf;
use crate::tools::progress::Progress;

/// How often the log is looked at.
const POLL: Duration = Duration::from_millis(200);
/// The shortest time between two reports, so a busy log does not make the
/// screen flicker or fill a file.
const REFRESH: Duration = Duration::from_secs(2);

/// What tells that the log changed: its identity, size and time.
fn fingerprint(path: &Path) -> Option<(u64, u64, u64, i64, i64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.dev(), m.ino(), m.len(), m.mtime(), m.mtime_nsec()))
}

pub fn follow(opts: Options) -> io::Result<ExitCode> {
    let conf = read_conf();
    let watched = match opts.input.locate(&conf.log_file) {
        Ok(Located::Set { base, .. }) => base,
        Ok(Located::File(path)) => path,
        // Refused while parsing; the first run says what is wrong otherwise.
        _ => conf.log_file.clone(),
    };
    catch_stop_signals();
    let terminal = stdout_is_terminal();
    let mut shown = None;
    let mut last_report: Option<Instant> = None;
    while !should_stop() {
        let now = fingerprint(&watched);
        let due = last_report.is_none_or(|t| t.elapsed() >= REFRESH);
        if due && (last_report.is_none() || now != shown) {
            let mut report = Vec::new();
            if terminal {
                // Cursor home, clear the screen.
                report.extend_from_slice(b"\x1b[H\x1b[2J");
            }
            // Its exit code does not end the following ("no events" yet).
            super::run(opts.clone(), &mut report, &Progress::start(false))?;
            let mut out = io::stdout().lock();
            match out.write_all(&report).and_then(|()| out.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
                other => other?,
            }
            shown = now;
            last_report = Some(Instant::now());
        }
        std::thread::sleep(POLL);
    }
    Ok(ExitCode::SUCCESS)
}
