//! The client's record queue: in memory, and in `mode = forward` also in `queue_file`, in the
//! reference's on-disk format so that a queue written by audisp-remote 3.0.9 is read back (and the
//! other way round).
//!
//! File layout (big-endian integers): a header entry `"\0audisp-remote"`, version 0, reserved 0,
//! `num_entries`, `entry_size` (12288), `queue_head`, `queue_length`; entry i at `(i + 1) * 12288`
//! holds a NUL-terminated record. A record's data is written before the header that counts it, and
//! the header is rewritten when records are acknowledged, so after a crash the file holds exactly
//! the records not yet acknowledged.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Bytes per file entry (the reference's QUEUE_ENTRY_SIZE).
pub const ENTRY_SIZE: usize = 12288;
const MAGIC: &[u8; 14] = b"\0audisp-remote";
/// Offset of `queue_head`, `queue_length` in the header.
const STATE_OFFSET: u64 = 24;

#[derive(Debug, Error)]
pub enum QueueError {
    /// `queue_depth` records are waiting already.
    #[error("queue is full")]
    Full,
    #[error("record of {0} bytes does not fit a queue entry")]
    TooBig(usize),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0}: not a valid audisp-remote queue file")]
    Invalid(PathBuf),
    #[error("{0}: queue file is in use by another process")]
    Busy(PathBuf),
    #[error("{0}: more records are queued than the new queue_depth")]
    NoSpace(PathBuf),
}

struct Backing {
    file: File,
    path: PathBuf,
    num_entries: u32,
    head: u32,
}

/// FIFO of records waiting for an acknowledgement.
pub struct Queue {
    depth: usize,
    mem: VecDeque<Vec<u8>>,
    /// Buffers of dropped records, reused for new ones (no allocation per record).
    pool: Vec<Vec<u8>>,
    backing: Option<Backing>,
}

impl Queue {
    /// A memory-only queue of `depth` records.
    pub fn in_memory(depth: u32) -> Queue {
        Queue {
            depth: depth.max(1) as usize,
            mem: VecDeque::new(),
            pool: Vec::new(),
            backing: None,
        }
    }

    /// A queue also kept in `path` (created if missing; an existing file's records are loaded, and
    /// the file is rebuilt when its size is not `depth`). The file is locked for this process.
    pub fn open_file(path: &Path, depth: u32) -> Result<Queue, QueueError> {
        let io_err = |source: io::Error| QueueError::Io { path: path.to_path_buf(), source };
        let depth = depth.max(1);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(io_err)?;
        // Beyond the reference: the spooled records are as private as the audit log, whatever
        // mode an existing file had.
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .map_err(io_err)?;
        lock(&file).map_err(|e| {
            if matches!(e.raw_os_error(), Some(libc::EACCES | libc::EAGAIN)) {
                QueueError::Busy(path.to_path_buf())
            } else {
                io_err(e)
            }
        })?;
        let size = file.metadata().map_err(io_err)?.len();
        let mut q = Queue::in_memory(depth);
        if size == 0 {
            init_file(&file, depth).map_err(io_err)?;
            q.backing =
                Some(Backing { file, path: path.to_path_buf(), num_entries: depth, head: 0 });
            return Ok(q);
        }
        if size < 32 {
            return Err(QueueError::Invalid(path.to_path_buf()));
        }
        let mut h = [0u8; 32];
        file.read_exact_at(&mut h, 0).map_err(io_err)?;
        let be = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let (n, esize, head, len) = (be(16), be(20), be(24), be(28));
        if &h[..14] != MAGIC
            || h[14] != 0
            || h[15] != 0
            || esize as usize != ENTRY_SIZE
            || n == 0
            || size != (u64::from(n) + 1) * ENTRY_SIZE as u64
            || head >= n
            || len > n
        {
            return Err(QueueError::Invalid(path.to_path_buf()));
        }
        let mut entry = vec![0u8; ENTRY_SIZE];
        for i in 0..len {
            let idx = (head + i) % n;
            file.read_exact_at(&mut entry, (u64::from(idx) + 1) * ENTRY_SIZE as u64)
                .map_err(io_err)?;
            let Some(end) = entry.iter().position(|&b| b == 0) else {
                return Err(QueueError::Invalid(path.to_path_buf()));
            };
            q.mem.push_back(entry[..end].to_vec());
        }
        if n == depth {
            q.backing = Some(Backing { file, path: path.to_path_buf(), num_entries: n, head });
            return Ok(q);
        }
        // COMPAT: queue.c q_open with Q_RESIZE: copy the waiting records into a new file of the
        // configured size and rename it over the old one.
        if q.mem.len() > depth as usize {
            return Err(QueueError::NoSpace(path.to_path_buf()));
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".resize");
        let tmp = PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        let nf = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io_err)?;
        lock(&nf).map_err(io_err)?;
        init_file(&nf, depth).map_err(io_err)?;
        for (i, rec) in q.mem.iter().enumerate() {
            write_entry(&nf, i as u32, rec).map_err(io_err)?;
        }
        write_state(&nf, 0, q.mem.len() as u32).map_err(io_err)?;
        std::fs::rename(&tmp, path).map_err(io_err)?;
        q.backing =
            Some(Backing { file: nf, path: path.to_path_buf(), num_entries: depth, head: 0 });
        Ok(q)
    }

    pub fn len(&self) -> usize {
        self.mem.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mem.is_empty()
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Record `i` from the head (0 = oldest).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.mem.get(i).map(Vec::as_slice)
    }

    /// Append a record (without NUL bytes; the reference stores C strings).
    pub fn push(&mut self, rec: &[u8]) -> Result<(), QueueError> {
        if self.mem.len() >= self.depth {
            return Err(QueueError::Full);
        }
        if rec.len() >= ENTRY_SIZE {
            return Err(QueueError::TooBig(rec.len()));
        }
        if let Some(b) = &mut self.backing {
            let idx = (b.head + self.mem.len() as u32) % b.num_entries;
            let io_err = |source| QueueError::Io { path: b.path.clone(), source };
            write_entry(&b.file, idx, rec).map_err(io_err)?;
            write_state(&b.file, b.head, self.mem.len() as u32 + 1).map_err(io_err)?;
        }
        let mut buf = self.pool.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(rec);
        self.mem.push_back(buf);
        Ok(())
    }

    /// Forget the `n` oldest records (they were acknowledged).
    pub fn drop_head(&mut self, n: usize) -> Result<(), QueueError> {
        let n = n.min(self.mem.len());
        if n == 0 {
            return Ok(());
        }
        for _ in 0..n {
            if let Some(buf) = self.mem.pop_front()
                && self.pool.len() < 1024
            {
                self.pool.push(buf);
            }
        }
        if let Some(b) = &mut self.backing {
            b.head = ((u64::from(b.head) + n as u64) % u64::from(b.num_entries)) as u32;
            write_state(&b.file, b.head, self.mem.len() as u32)
                .map_err(|source| QueueError::Io { path: b.path.clone(), source })?;
        }
        Ok(())
    }
}

fn lock(f: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: lockf on a file descriptor this File owns; no memory is passed.
    let rc = unsafe { libc::lockf(f.as_raw_fd(), libc::F_TLOCK, 0) };
    if rc != 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

fn init_file(f: &File, n: u32) -> io::Result<()> {
    let mut h = [0u8; 32];
    h[..14].copy_from_slice(MAGIC);
    h[16..20].copy_from_slice(&n.to_be_bytes());
    h[20..24].copy_from_slice(&(ENTRY_SIZE as u32).to_be_bytes());
    f.write_all_at(&h, 0)?;
    f.set_len((u64::from(n) + 1) * ENTRY_SIZE as u64)
}

fn write_entry(f: &File, idx: u32, rec: &[u8]) -> io::Result<()> {
    let off = (u64::from(idx) + 1) * ENTRY_SIZE as u64;
    // One write of the record and its NUL.
    let mut buf = [0u8; ENTRY_SIZE];
    buf[..rec.len()].copy_from_slice(rec);
    f.write_all_at(&buf[..=rec.len()], off)
}

fn write_state(f: &File, head: u32, len: u32) -> io::Result<()> {
    let mut s = [0u8; 8];
    s[..4].copy_from_slice(&head.to_be_bytes());
    s[4..].copy_from_slice(&len.to_be_bytes());
    f.write_all_at(&s, STATE_OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_fifo_and_full() {
        let mut q = Queue::in_memory(2);
        q.push(b"a").unwrap();
        q.push(b"b").unwrap();
        assert!(matches!(q.push(b"c"), Err(QueueError::Full)));
        q.drop_head(1).unwrap();
        q.push(b"c").unwrap();
        assert_eq!((q.get(0), q.get(1)), (Some(&b"b"[..]), Some(&b"c"[..])));
    }

    #[test]
    fn file_survives_reopen_wraps_and_resizes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("remote.log");
        {
            let mut q = Queue::open_file(&p, 3).unwrap();
            for r in [&b"r1\n"[..], b"r2\n", b"r3\n"] {
                q.push(r).unwrap();
            }
            q.drop_head(2).unwrap();
            q.push(b"r4\n").unwrap(); // wraps to entry 0
        }
        let data = std::fs::read(&p).unwrap();
        assert_eq!(data.len(), 4 * ENTRY_SIZE);
        assert_eq!(&data[..14], MAGIC);
        assert_eq!(&data[24..32], &[0, 0, 0, 2, 0, 0, 0, 2]);
        let q = Queue::open_file(&p, 3).unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q.get(0), Some(&b"r3\n"[..]));
        assert_eq!(q.get(1), Some(&b"r4\n"[..]));
        drop(q);
        let q = Queue::open_file(&p, 10).unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 11 * ENTRY_SIZE as u64);
        drop(q);
        assert!(matches!(Queue::open_file(&p, 1), Err(QueueError::NoSpace(_))));
        std::fs::write(&p, b"not a queue").unwrap();
        assert!(matches!(Queue::open_file(&p, 3), Err(QueueError::Invalid(_))));
    }
}
