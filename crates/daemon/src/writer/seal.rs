//! Sealing (raudit's `--seal`): the writer records every line that reaches the file in the
//! chain and writes a checkpoint when one is due, at open, at rotation and when it closes the
//! file. A checkpoint that cannot be written leaves the chain as it was, so it always
//! describes exactly the bytes in the file.

use std::time::Instant;

use raudit_seal::{Reason, Resumed};

use super::LogWriter;
use super::rotate::rotated_name;
use crate::hooks::{Hooks, Priority};

impl<H: Hooks> LogWriter<H> {
    /// The log was just opened: continue its chain, or start the next file of the series.
    pub(super) fn seal_opened(&mut self) {
        if !self.cfg.write_logs {
            return;
        }
        let Some(s) = self.seal.as_mut() else { return };
        let previous = rotated_name(&self.cfg.log_file, 1);
        let path = self.cfg.log_file.clone();
        let found = s.take_over(&path, previous.exists().then_some(previous.as_path()));
        let reason = match found {
            Ok(r) => {
                match &r {
                    Resumed::Continued { unsealed } if *unsealed > 0 => {
                        let text = format!(
                            "Sealing {unsealed} record(s) of {} written after its last seal record",
                            path.display()
                        );
                        self.hooks.message(Priority::Notice, &text);
                    }
                    Resumed::Unsealed { lines, why } => {
                        let text = format!(
                            "Log {} cannot be sealed from its start ({why}); its first {lines} \
                             line(s) stay unsealed",
                            path.display()
                        );
                        self.hooks.message(Priority::Warning, &text);
                    }
                    _ => {}
                }
                r.reason()
            }
            Err(e) => {
                let text = format!("Cannot read {} to seal it ({e})", path.display());
                self.hooks.message(Priority::Err, &text);
                Reason::Open
            }
        };
        self.write_seal(reason);
    }

    /// Writes a checkpoint now (the file must be open).
    pub(super) fn write_seal(&mut self, reason: Reason) {
        // write_logs = no: no file is open, and no checkpoint is written.
        if self.file.is_none() || self.seal_writing || !self.cfg.write_logs {
            return;
        }
        let Some(s) = self.seal.as_mut() else { return };
        let (line, saved) = s.checkpoint(reason);
        // write_run records the line in the chain once it is in the file. A write error may
        // run disk_error_action, whose SUSPEND closes the file (with a stop checkpoint, which
        // is skipped here instead of recursing).
        self.seal_writing = true;
        let (written, _, bytes) = self.write_run(&line, &[line.len()], 0);
        self.seal_writing = false;
        if written == 1 {
            self.log_size += bytes as u64;
        } else if let Some(s) = self.seal.as_mut() {
            s.restore(saved);
        }
    }

    /// A checkpoint when the record count or the interval says so.
    pub(super) fn seal_if_due(&mut self) {
        if let Some(s) = self.seal.as_ref().filter(|s| s.due(Instant::now())) {
            let reason = s.due_reason();
            self.write_seal(reason);
        }
    }

    /// Called by the daemon loop about once a second: lines written a while ago and not
    /// followed by more get their checkpoint anyway.
    pub fn seal_tick(&mut self) {
        self.seal_if_due();
    }

    /// Lines the next run may hold before a checkpoint must follow.
    pub(super) fn seal_room(&self) -> usize {
        self.seal.as_ref().map_or(usize::MAX, |s| s.room().max(1))
    }

    /// Lines written since the last checkpoint (`None` when not sealing).
    pub fn unsealed(&self) -> Option<usize> {
        self.seal.as_ref().map(|s| s.unsealed())
    }

    pub(super) fn seal_record(&mut self, line: &[u8]) {
        if let Some(s) = self.seal.as_mut() {
            s.record(line);
        }
    }
}
