//! The flush modes that sync as records go: INCREMENTAL (an fsync every `freq` records, inline)
//! and INCREMENTAL_ASYNC (the same, on a flush thread). DATA and SYNC sync once per batch, in
//! the write path (`append`).

use std::fs::File;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use raudit_config::Flush;

use super::LogWriter;
use super::actions::DiskEvent;
use crate::hooks::Hooks;

/// The INCREMENTAL_ASYNC flush thread: fsyncs the log when asked. Requests made while it is
/// busy are merged into one (the next fsync covers everything written before it starts), as the
/// reference's flush thread does with its condition variable: no descriptor is duplicated and
/// no message is queued per request.
pub(super) struct Flusher {
    shared: Arc<(Mutex<FlushRequest>, Condvar)>,
    handle: JoinHandle<()>,
}

#[derive(Default)]
struct FlushRequest {
    file: Option<Arc<File>>,
    stop: bool,
}

impl Flusher {
    /// `None` when the thread cannot be started (flushes are then done inline).
    pub(super) fn start() -> Option<Flusher> {
        let shared = Arc::new((Mutex::new(FlushRequest::default()), Condvar::new()));
        let theirs = shared.clone();
        let handle = std::thread::Builder::new()
            .name("rauditd-flush".into())
            .spawn(move || {
                let (lock, cv) = &*theirs;
                loop {
                    let file = {
                        let Ok(mut req) = lock.lock() else { return };
                        while req.file.is_none() && !req.stop {
                            req = match cv.wait(req) {
                                Ok(r) => r,
                                Err(_) => return,
                            };
                        }
                        match req.file.take() {
                            Some(f) => f,
                            None => return, // stop, nothing left to sync
                        }
                    };
                    let _ = file.sync_all();
                }
            })
            .ok()?;
        Some(Flusher { shared, handle })
    }

    /// Asks for an fsync of `file` (merged with a request not yet started).
    fn request(&self, file: &Arc<File>) {
        let (lock, cv) = &*self.shared;
        if let Ok(mut req) = lock.lock() {
            req.file = Some(file.clone());
            cv.notify_one();
        }
    }

    /// Syncs what is pending and ends the thread.
    pub(super) fn stop(self) {
        let (lock, cv) = &*self.shared;
        if let Ok(mut req) = lock.lock() {
            req.stop = true;
            cv.notify_one();
        }
        let _ = self.handle.join();
    }
}

impl<H: Hooks> LogWriter<H> {
    /// INCREMENTAL/INCREMENTAL_ASYNC: a flush every `freq` records, the count running across
    /// writes. A run of lines that passes one or more multiples of `freq` is followed by one
    /// flush (it covers every line of the run).
    pub(super) fn incremental_flush(&mut self, lines: usize) {
        if !matches!(self.cfg.flush, Flush::Incremental | Flush::IncrementalAsync) {
            return;
        }
        let freq = u64::from(self.cfg.freq.max(1));
        let total = u64::from(self.flush_count) + lines as u64;
        self.flush_count = (total % freq) as u32;
        if total < freq {
            return;
        }
        let Some(f) = self.file.as_ref() else { return };
        if self.cfg.flush == Flush::Incremental || self.flusher.is_none() {
            self.stats.syncs += 1;
            if let Err(e) = f.sync_all() {
                self.disk_action(DiskEvent::Error { op: "fsync", err: &e });
            }
        } else if let Some(fl) = self.flusher.as_ref() {
            self.stats.syncs += 1;
            fl.request(f);
        }
    }
}
