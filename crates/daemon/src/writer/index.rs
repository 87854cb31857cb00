//! The log's index (rauditd `--index`, docs/index.md): the bytes that reach the log file are
//! handed to a thread of their own, which builds the index of each file as it grows
//! (`raudit_search::index::Builder`) and stores it next to the log. The write path only copies
//! the bytes; parsing and storing never delay a record. The bytes go over in runs of 64 KiB (or
//! after a second): a hand-over per write would wake the thread for every few records.
//!
//! An index is stored when its log has grown by an eighth since the last store (at least a
//! block), when the file is closed or rotated, and when the daemon stops; a search reads what
//! the index does not cover yet. Should the thread fall 64 MiB behind, the open file's index
//! stays a prefix (stored as far as it went) and the next file is indexed again. Named by inode, an index follows its file through rotations.
//! A failure to store is not an error of the log: the search then reads the whole file.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use raudit_search::index::{self, Builder, build::BLOCK};

use super::LogWriter;
use crate::hooks::Hooks;

enum Msg {
    /// The writer opened `path` (its `(dev, ino)`), which held `len` bytes.
    /// `file` is open for reading (the writer's own descriptor only appends).
    Open { path: PathBuf, file: File, len: u64 },
    /// Bytes that reached the open file, in order.
    Bytes(Vec<u8>),
    /// The file was closed.
    Closed,
    /// The writer stopped handing over the open file's bytes.
    GaveUp,
}

/// Bytes handed to the thread and not yet indexed, past which the writer stops handing them
/// (the thread fell behind a storm): the file's index then stays as last stored, a prefix,
/// and its rest is read in full by searches. Memory stays bounded.
const MAX_PENDING: usize = 64 << 20;
/// Bytes gathered before they are handed over ...
const HAND_OVER: usize = 64 << 10;
/// ... or the longest they wait (the daemon loop's tick hands them over when it goes quiet).
const HAND_OVER_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// The writer's end of the index thread.
pub(super) struct Indexer {
    tx: Option<mpsc::Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    pending: Arc<AtomicUsize>,
    /// The open file is no longer indexed (until the next one).
    gave_up: bool,
    /// Bytes written and not handed over yet, and since when.
    gathered: Vec<u8>,
    since: std::time::Instant,
}

/// The file being indexed.
struct Current {
    path: PathBuf,
    /// The log's (uid, gid, mode), which the index takes.
    owner: (u32, u32, u32),
    builder: Builder,
    stored: u64,
    /// The end of a line cut by a write.
    carry: Vec<u8>,
}

impl Current {
    fn feed(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            if self.carry.is_empty() {
                self.builder.line(&rest[..=nl]);
            } else {
                self.carry.extend_from_slice(&rest[..=nl]);
                let line = std::mem::take(&mut self.carry);
                self.builder.line(&line);
            }
            rest = &rest[nl + 1..];
        }
        self.carry.extend_from_slice(rest);
    }

    fn store(&mut self) {
        if self.builder.len() == self.stored {
            return;
        }
        if index::store_as(&self.path, &self.builder.index(), self.owner).is_ok() {
            self.stored = self.builder.len();
        }
    }

    fn due(&self) -> bool {
        let grown = self.builder.len() - self.stored;
        grown >= (BLOCK as u64).max(self.stored / 8)
    }

    /// Stores the index and removes those of files no longer in the directory.
    fn finish(mut self) {
        use std::os::unix::fs::MetadataExt;
        self.store();
        let dir = self.path.parent().map(PathBuf::from).unwrap_or_default();
        let live: Vec<u64> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.ino()).collect())
            .unwrap_or_default();
        index::prune(&self.path, &live);
    }
}

/// The file the writer opened, which held `len` bytes (read through the descriptor: the name
/// may be another file's by now).
fn open(path: PathBuf, file: &File, len: u64) -> Option<Current> {
    use std::os::unix::fs::{FileExt, MetadataExt};
    let meta = file.metadata().ok()?;
    let owner = (meta.uid(), meta.gid(), meta.mode());
    let builder = Builder::new(meta.dev(), meta.ino());
    let mut c = Current { path, owner, builder, stored: 0, carry: Vec::new() };
    let mut at = 0;
    let mut buf = vec![0; 1 << 20];
    while at < len {
        let want = buf.len().min((len - at) as usize);
        match file.read_at(&mut buf[..want], at) {
            Ok(0) | Err(_) => return None,
            Ok(n) => {
                c.feed(&buf[..n]);
                at += n as u64;
            }
        }
    }
    Some(c)
}

fn run(rx: mpsc::Receiver<Msg>, pending: Arc<AtomicUsize>) {
    let mut current: Option<Current> = None;
    for msg in rx {
        match msg {
            Msg::Open { path, file, len } => {
                if let Some(c) = current.take() {
                    c.finish();
                }
                current = open(path, &file, len);
            }
            Msg::Bytes(b) => {
                pending.fetch_sub(b.len(), Ordering::Relaxed);
                if let Some(c) = current.as_mut() {
                    c.feed(&b);
                    if c.due() {
                        c.store();
                    }
                }
            }
            Msg::GaveUp => {
                // Stored as far as it went: a valid index of a prefix.
                if let Some(mut c) = current.take() {
                    c.store();
                }
            }
            Msg::Closed => {
                if let Some(c) = current.take() {
                    c.finish();
                }
            }
        }
    }
    if let Some(c) = current.take() {
        c.finish();
    }
}

impl Indexer {
    fn start() -> Option<Indexer> {
        let (tx, rx) = mpsc::channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let theirs = pending.clone();
        let thread = std::thread::Builder::new()
            .name("log-index".into())
            .spawn(move || run(rx, theirs))
            .ok()?;
        Some(Indexer {
            tx: Some(tx),
            thread: Some(thread),
            pending,
            gave_up: false,
            gathered: Vec::new(),
            since: std::time::Instant::now(),
        })
    }

    /// Sends `msg` after the bytes gathered before it.
    fn send(&mut self, msg: Msg) {
        self.hand_over();
        if let Some(tx) = &self.tx {
            let _ = tx.send(msg);
        }
    }

    /// Hands the gathered bytes to the thread, unless it fell too far behind.
    fn hand_over(&mut self) {
        if self.gathered.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.gathered);
        if self.pending.fetch_add(bytes.len(), Ordering::Relaxed) > MAX_PENDING {
            self.pending.fetch_sub(bytes.len(), Ordering::Relaxed);
            self.gave_up = true;
            if let Some(tx) = &self.tx {
                let _ = tx.send(Msg::GaveUp);
            }
            return;
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Bytes(bytes));
        }
    }
}

impl Drop for Indexer {
    /// Waits for the thread to store what it has.
    fn drop(&mut self) {
        self.hand_over();
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<H: Hooks> LogWriter<H> {
    /// Keeps the index of every log file written from now on (and of the open one).
    pub fn index_logs(&mut self) {
        if self.indexer.is_none() {
            self.indexer = Indexer::start();
            self.index_opened();
        }
    }

    /// Whether the logs are indexed.
    pub fn indexing(&self) -> bool {
        self.indexer.is_some()
    }

    /// The log was just opened.
    pub(super) fn index_opened(&mut self) {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let (Some(ix), Some(f)) = (self.indexer.as_mut(), self.file.as_ref()) else { return };
        ix.gave_up = false;
        let path = self.cfg.log_file.clone();
        let same =
            |a: &std::fs::Metadata, b: &std::fs::Metadata| (a.dev(), a.ino()) == (b.dev(), b.ino());
        // The file just opened, for reading: the same name, checked to be the same file.
        let Ok(file) =
            std::fs::OpenOptions::new().read(true).custom_flags(super::OPEN_FLAGS).open(&path)
        else {
            return;
        };
        match (file.metadata(), f.metadata()) {
            (Ok(a), Ok(b)) if same(&a, &b) => {
                ix.send(Msg::Open { path, file, len: self.log_size });
            }
            // Not indexed: an index is only ever of the file it names.
            _ => ix.send(Msg::Closed),
        }
    }

    /// `bytes` reached the log file.
    pub(super) fn index_written(&mut self, bytes: &[u8]) {
        let Some(ix) = self.indexer.as_mut() else { return };
        if ix.gave_up {
            return;
        }
        if ix.gathered.is_empty() {
            ix.since = std::time::Instant::now();
        }
        ix.gathered.extend_from_slice(bytes);
        if ix.gathered.len() >= HAND_OVER {
            ix.hand_over();
        }
    }

    /// Called by the daemon loop about once a second: bytes gathered a while ago go over.
    pub fn index_tick(&mut self) {
        if let Some(ix) = self.indexer.as_mut()
            && !ix.gathered.is_empty()
            && ix.since.elapsed() >= HAND_OVER_AFTER
        {
            ix.hand_over();
        }
    }

    /// The log file was closed.
    pub(super) fn index_closed(&mut self) {
        if let Some(ix) = self.indexer.as_mut() {
            ix.send(Msg::Closed);
        }
    }

    /// Stops the index thread once it stored everything (shutdown).
    pub(super) fn index_stop(&mut self) {
        self.indexer.take();
    }
}
