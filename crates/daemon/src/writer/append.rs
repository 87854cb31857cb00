//! The write path: a batch of lines goes out in as few `write(2)` calls as the size policy
//! allows, a failed write runs the error policy and is retried once, and DATA/SYNC end the batch
//! with one sync (group commit).

use std::io::{self, Write};

use raudit_config::{Flush, SizeAction};

use super::actions::DiskEvent;
use super::{BatchOutcome, LogWriter, MEGABYTE};
use crate::hooks::Hooks;

impl<H: Hooks> LogWriter<H> {
    /// Write one batch of lines (each ending in a newline). With DATA/SYNC the batch is followed by
    /// one fdatasync/fsync, and its records count as written only once that succeeded.
    pub fn write_batch<L: AsRef<[u8]>>(&mut self, lines: &[L]) -> BatchOutcome {
        let mut buf = Vec::with_capacity(lines.iter().map(|l| l.as_ref().len()).sum());
        let mut ends = Vec::with_capacity(lines.len());
        for l in lines {
            buf.extend_from_slice(l.as_ref());
            ends.push(buf.len());
        }
        self.write_lines(&buf, &ends)
    }

    /// Like [`LogWriter::write_batch`] for lines laid end to end in `buf`: line `i` ends at
    /// `ends[i]` (exclusive), each with its newline. Runs of lines go out with one `write(2)`
    /// each; a run ends early only where a line reaches the size limit, so the size action
    /// (rotate, suspend, ...) still happens right after that line. With DATA/SYNC one
    /// fdatasync/fsync follows the batch (group commit).
    pub fn write_lines(&mut self, buf: &[u8], ends: &[usize]) -> BatchOutcome {
        let mut out = BatchOutcome::default();
        let mut pending = 0usize;
        let mut i = 0;
        let n = ends.len();
        let start_of = |i: usize| if i == 0 { 0 } else { ends[i - 1] };
        while i < n {
            if self.state.suspended || self.file.is_none() || !self.cfg.write_logs {
                out.dropped += n - i;
                break;
            }
            let j = self.run_end(buf, ends, i);
            let before = self.log_size;
            let (written, dropped, bytes) = self.write_run(buf, &ends[i..j], start_of(i));
            out.dropped += dropped;
            if written > 0 {
                pending += written;
                // COMPAT: auditd-event.c write_to_log: space is checked after a record when
                // (log_size % 8) < 3. A run is one write here: it is checked once, after the
                // run, when that test held after any of its lines, or when the last check is
                // a second old (records of one length can keep the test false).
                let base = start_of(i) as u64;
                let space = ends[i..j].iter().any(|&e| (before + e as u64 - base) % 8 < 3)
                    || self.space_check_due();
                self.after_write(bytes as u64, written, space);
                if self.file.is_none() {
                    // Rotated away or suspended by a policy: settle what is on disk.
                    out.written += pending;
                    pending = 0;
                }
            }
            self.seal_if_due();
            i = j;
        }
        if pending > 0 {
            match self.cfg.flush {
                Flush::Data | Flush::Sync => {
                    let r = self.file.as_ref().map(|f| {
                        if self.cfg.flush == Flush::Data { f.sync_data() } else { f.sync_all() }
                    });
                    self.stats.syncs += 1;
                    match r {
                        Some(Err(e)) => {
                            self.stats.write_errors += 1;
                            self.disk_action(DiskEvent::Error { op: "fsync", err: &e });
                            out.dropped += pending;
                        }
                        _ => out.written += pending,
                    }
                }
                _ => out.written += pending,
            }
        }
        self.stats.written += out.written as u64;
        self.stats.dropped += out.dropped as u64;
        out
    }

    /// Lines `i..j` go out in one write: the run stops after the line that reaches
    /// max_log_file (its size action must come before the next line), and after every line
    /// once the log is over the limit with an action other than IGNORE.
    /// A sealed log also ends a run where a checkpoint is due.
    fn run_end(&self, buf: &[u8], ends: &[usize], i: usize) -> usize {
        let _ = buf;
        let last = ends.len().min(i.saturating_add(self.seal_room()));
        if self.cfg.max_log_file_action == SizeAction::Ignore {
            return last;
        }
        let limit = self.cfg.max_log_file.saturating_mul(MEGABYTE);
        let base = if i == 0 { 0 } else { ends[i - 1] } as u64;
        let mut j = i;
        while j < last {
            let size = self.log_size + (ends[j] as u64 - base);
            j += 1;
            if size >= limit {
                break;
            }
        }
        j
    }

    /// Writes lines laid end to end (`ends` relative to `buf`, the run starting at `start`).
    /// On a failure the error policy runs and the write is tried once more from where it
    /// stopped (so nothing is written twice); a line that fails twice is dropped and the next
    /// line gets its own two attempts. Returns (lines written, lines dropped); the dropped ones
    /// are the last lines of the run when the file went away (suspended), else the failed line.
    pub(super) fn write_run(
        &mut self,
        buf: &[u8],
        ends: &[usize],
        start: usize,
    ) -> (usize, usize, usize) {
        let mut pos = start;
        let mut line = 0; // the line `pos` is in
        let mut failures = 0; // of the current line
        let mut written = 0;
        let mut dropped = 0;
        let mut bytes = 0;
        let end = ends[ends.len() - 1];
        while pos < end {
            let Some(f) = self.file.as_ref() else {
                dropped += ends.len() - line;
                break;
            };
            match (&**f).write(&buf[pos..end]) {
                Ok(0) => {
                    // Treated as an error: nothing was accepted.
                    let e = io::Error::from(io::ErrorKind::WriteZero);
                    if self.write_failed(&e, &mut failures) {
                        dropped += 1;
                        pos = ends[line];
                        line += 1;
                        failures = 0;
                    }
                }
                Ok(k) => {
                    self.index_written(&buf[pos..pos + k]);
                    pos += k;
                    bytes += k;
                    self.state.disk_error_warnings = 0;
                    while line < ends.len() && ends[line] <= pos {
                        let from = if line == 0 { start } else { ends[line - 1] };
                        self.seal_record(&buf[from..ends[line]]);
                        line += 1;
                        written += 1;
                        failures = 0;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if self.write_failed(&e, &mut failures) {
                        dropped += 1;
                        pos = ends[line];
                        line += 1;
                        failures = 0;
                    }
                }
            }
        }
        (written, dropped, bytes)
    }

    /// Runs the error policy for a failed write; `true` when the current line is given up
    /// (second failure, or the policy closed the file). A full disk runs disk_full_action at
    /// once (ROTATE may make room for the retry); any other error is retried first and goes to
    /// disk_error_action only when the retry fails too, once per line given up.
    fn write_failed(&mut self, e: &io::Error, failures: &mut u32) -> bool {
        self.stats.write_errors += 1;
        *failures += 1;
        if e.raw_os_error() == Some(rustix::io::Errno::NOSPC.raw_os_error()) {
            if self.state.fs_space_left {
                self.state.fs_space_left = false;
                self.disk_action(DiskEvent::Full);
            }
        } else if *failures >= 2 {
            self.disk_action(DiskEvent::Error { op: "write", err: e });
        }
        *failures >= 2 || self.state.suspended
    }

    /// After `lines` lines (`len` bytes) reached the file: size, flush and space policies.
    fn after_write(&mut self, len: u64, lines: usize, check_space: bool) {
        self.log_size += len;
        self.incremental_flush(lines);
        self.check_size();
        if check_space {
            self.check_space();
        }
    }
}
