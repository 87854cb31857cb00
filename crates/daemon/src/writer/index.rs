//! The log's index (rauditd, unless `--no-index`; docs/index.md): a thread of its own builds
//! the index of each log file as it grows (`raudit_search::index::Builder`) and stores it next
//! to the log.
//! The writer only says how long the file has grown (every 64 KiB, or after a second); the
//! thread reads the new bytes from the file itself, at idle priority (SCHED_IDLE), so it never
//! takes CPU from the kernel reader or the writer: during a storm it falls behind and catches
//! up when a core is free. Its memory is one read buffer, however far behind it is.
//!
//! An index is stored when its log has grown by an eighth since the last store (at least a
//! block), when the file is closed or rotated, and when the daemon stops; a search reads what
//! the index does not cover yet. Named by inode, an index follows its file through rotations.
//! A failure to store is not an error of the log: the search then reads the whole file.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use raudit_search::index::{self, Builder, build::BLOCK};

use super::LogWriter;
use crate::hooks::Hooks;

enum Msg {
    /// The writer opened `path`, which held `len` bytes. `file` is open for reading (the
    /// writer's own descriptor only appends); it stays valid through renames.
    Open { path: PathBuf, file: File, len: u64 },
    /// The open file holds this many bytes now.
    Grew(u64),
    /// The file was closed.
    Closed,
}

/// Growth announced to the thread at once ...
const HAND_OVER: u64 = 64 << 10;
/// ... or after this long (the daemon loop's tick announces it when the log goes quiet).
const HAND_OVER_AFTER: std::time::Duration = std::time::Duration::from_secs(1);
/// Bytes read from the log at a time.
const READ: usize = 1 << 20;

/// The writer's end of the index thread.
pub(super) struct Indexer {
    tx: Option<mpsc::Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    /// Set at shutdown: the thread goes back to normal priority to finish.
    hurry: Arc<AtomicBool>,
    /// The open file's length, and the length last announced (and when).
    len: u64,
    announced: u64,
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
    /// The log, for reading, and how far it has been read.
    file: File,
    read: u64,
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

    /// Reads and indexes the log up to `len` bytes (less if it is shorter).
    fn catch_up(&mut self, len: u64, buf: &mut [u8], priority: &mut Priority) {
        use std::os::unix::fs::FileExt;
        while self.read < len {
            priority.check();
            let want = buf.len().min((len - self.read) as usize);
            match self.file.read_at(&mut buf[..want], self.read) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    self.feed(&buf[..n]);
                    self.read += n as u64;
                }
            }
            if self.due() {
                self.store();
            }
        }
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

/// The file the writer opened (read through the descriptor: the name may be another file's
/// by now), read up to `len` bytes.
fn open(path: PathBuf, file: File, len: u64, buf: &mut [u8], p: &mut Priority) -> Option<Current> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().ok()?;
    let owner = (meta.uid(), meta.gid(), meta.mode());
    let builder = Builder::new(meta.dev(), meta.ino());
    let mut c = Current { path, owner, builder, stored: 0, carry: Vec::new(), file, read: 0 };
    c.catch_up(len, buf, p);
    Some(c)
}

/// The thread's priority: idle until the daemon stops, then normal, so that what is left is
/// read at once and not whenever the machine has nothing else to do.
struct Priority {
    hurry: Arc<AtomicBool>,
    idle: bool,
}

impl Priority {
    fn start(hurry: Arc<AtomicBool>) -> Priority {
        // Where idle priority is refused (a seccomp filter, say) the thread runs as before.
        let idle = crate::sys::idle_thread(true).is_ok();
        Priority { hurry, idle }
    }

    fn check(&mut self) {
        if self.idle && self.hurry.load(Ordering::Relaxed) {
            let _ = crate::sys::idle_thread(false);
            self.idle = false;
        }
    }
}

fn run(rx: mpsc::Receiver<Msg>, hurry: Arc<AtomicBool>) {
    let mut priority = Priority::start(hurry);
    let mut buf = vec![0; READ];
    let mut current: Option<Current> = None;
    for msg in rx {
        priority.check();
        match msg {
            Msg::Open { path, file, len } => {
                if let Some(c) = current.take() {
                    c.finish();
                }
                current = open(path, file, len, &mut buf, &mut priority);
            }
            Msg::Grew(len) => {
                if let Some(c) = current.as_mut() {
                    c.catch_up(len, &mut buf, &mut priority);
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
        let hurry = Arc::new(AtomicBool::new(false));
        let theirs = hurry.clone();
        let thread = std::thread::Builder::new()
            .name("log-index".into())
            .spawn(move || run(rx, theirs))
            .ok()?;
        Some(Indexer {
            tx: Some(tx),
            thread: Some(thread),
            hurry,
            len: 0,
            announced: 0,
            since: std::time::Instant::now(),
        })
    }

    /// Sends `msg` after the growth not yet announced.
    fn send(&mut self, msg: Msg) {
        self.announce();
        if let Some(tx) = &self.tx {
            let _ = tx.send(msg);
        }
    }

    /// Tells the thread how long the file is now.
    fn announce(&mut self) {
        if self.len > self.announced {
            self.announced = self.len;
            if let Some(tx) = &self.tx {
                let _ = tx.send(Msg::Grew(self.len));
            }
        }
    }
}

impl Drop for Indexer {
    /// Waits for the thread to store what it has.
    fn drop(&mut self) {
        self.announce();
        self.hurry.store(true, Ordering::Relaxed);
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
                (ix.len, ix.announced) = (self.log_size, self.log_size);
            }
            // Not indexed: an index is only ever of the file it names.
            _ => ix.send(Msg::Closed),
        }
    }

    /// `bytes` reached the log file.
    pub(super) fn index_written(&mut self, bytes: &[u8]) {
        let Some(ix) = self.indexer.as_mut() else { return };
        if ix.len == ix.announced {
            ix.since = std::time::Instant::now();
        }
        ix.len += bytes.len() as u64;
        if ix.len - ix.announced >= HAND_OVER {
            ix.announce();
        }
    }

    /// Called by the daemon loop about once a second: growth that waited a second is announced.
    pub fn index_tick(&mut self) {
        if let Some(ix) = self.indexer.as_mut()
            && ix.len > ix.announced
            && ix.since.elapsed() >= HAND_OVER_AFTER
        {
            ix.announce();
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
