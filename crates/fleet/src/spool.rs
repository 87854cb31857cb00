//! The shipper's disk spool: every event is appended here before it is published and leaves
//! only once JetStream acknowledged it, so events wait out a server outage (and a crash of the
//! shipper) on disk, and are replayed in their order when the server returns.
//!
//! Layout: numbered segment files (`00000001.seg`, ...) of frames; `cursor`, the segment and
//! offset up to which everything was acknowledged and how many events that was; and `epoch`, a
//! random number made with the spool. Epoch and count number every event (see [`crate::order`]),
//! the same way each time it is loaded, so the collector can put a host's events back in order. The cursor is saved at most every
//! [`CURSOR_EVERY`], so after a crash a few acknowledged events may be published again; their
//! message ids make JetStream drop them. A torn frame at the end (a crash mid-write) is cut off.
//!
//! The spool has a size cap. When it is full, [`Spool::push`] says so and the shipper stops
//! reading its input until acknowledgements free space (see docs/fleet.md for why blocking).

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thiserror::Error;

/// A segment is closed once it is this large.
const SEGMENT_BYTES: u64 = 4 << 20;
/// How often at most the cursor file is rewritten.
pub const CURSOR_EVERY: Duration = Duration::from_millis(50);
const FRAME_HEAD: usize = 8;

#[derive(Debug, Error)]
pub enum SpoolError {
    #[error("spool {dir}: {source}")]
    Io { dir: String, source: io::Error },
    #[error("spool {dir} is full ({used} bytes of its {cap}-byte cap)")]
    Full { dir: String, used: u64, cap: u64 },
    #[error("spool {dir}: event of {size} bytes is larger than the spool's cap of {cap} bytes")]
    TooLarge { dir: String, size: u64, cap: u64 },
}

/// One event waiting for its acknowledgement.
#[derive(Debug, Clone)]
pub struct Entry {
    pub subject: String,
    pub id: String,
    pub body: Vec<u8>,
    /// The event's number in this spool: 1 for its first event.
    pub n: u64,
    seg: u64,
    end: u64,
}

struct Segment {
    number: u64,
    len: u64,
}

pub struct Spool {
    dir: PathBuf,
    cap: u64,
    segments: VecDeque<Segment>,
    file: File,
    pending: VecDeque<Entry>,
    cursor: (u64, u64),
    /// Events acknowledged since the spool was made (saved with the cursor).
    acked: u64,
    epoch: u64,
    cursor_saved: Instant,
    cursor_dirty: bool,
}

/// Creates the spool directory (and its parents) if missing and makes it root's alone: mode
/// 0700, not a symbolic link (the events it holds are as private as the audit log).
fn secure_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    if fs::symlink_metadata(dir)?.file_type().is_symlink() {
        return Err(io::Error::other("the spool directory is a symbolic link; refusing it"));
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

fn seg_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:08}.seg"))
}

impl Spool {
    /// Opens (or creates) the spool in `dir` and loads what was not acknowledged yet.
    pub fn open(dir: &Path, cap: u64) -> Result<Spool, SpoolError> {
        let err = |source| SpoolError::Io { dir: dir.display().to_string(), source };
        secure_dir(dir).map_err(err)?;
        let (cursor, acked) = read_cursor(&dir.join("cursor")).map_err(err)?;
        let epoch = read_or_make_epoch(&dir.join("epoch")).map_err(err)?;
        let mut numbers: Vec<u64> = fs::read_dir(dir)
            .map_err(err)?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".seg")?.parse().ok())
            .collect();
        numbers.sort_unstable();
        let mut segments = VecDeque::new();
        let mut pending = VecDeque::new();
        for n in numbers {
            let path = seg_path(dir, n);
            if n < cursor.0 {
                fs::remove_file(&path).map_err(err)?;
                continue;
            }
            let mut data = Vec::new();
            File::open(&path).and_then(|mut f| f.read_to_end(&mut data)).map_err(err)?;
            let start = if n == cursor.0 { cursor.1 as usize } else { 0 };
            let good = load_frames(&data, start, n, acked, &mut pending);
            if good < data.len() {
                // A torn frame from a crash mid-write: cut it off.
                OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_len(good as u64))
                    .map_err(err)?;
            }
            segments.push_back(Segment { number: n, len: good as u64 });
        }
        if segments.is_empty() {
            segments.push_back(Segment { number: cursor.0.max(1), len: 0 });
        }
        let last = segments.back().map_or(1, |s| s.number);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(seg_path(dir, last))
            .map_err(err)?;
        Ok(Spool {
            dir: dir.to_path_buf(),
            cap,
            segments,
            file,
            pending,
            cursor,
            acked,
            epoch,
            cursor_saved: Instant::now(),
            cursor_dirty: false,
        })
    }

    fn io(&self, source: io::Error) -> SpoolError {
        SpoolError::Io { dir: self.dir.display().to_string(), source }
    }

    /// Bytes of events on disk not yet acknowledged.
    pub fn used(&self) -> u64 {
        let total: u64 = self.segments.iter().map(|s| s.len).sum();
        let acked = match self.segments.front() {
            Some(front) if front.number == self.cursor.0 => self.cursor.1.min(front.len),
            _ => 0,
        };
        total - acked
    }

    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// This spool's random number, made with it.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// How many events were acknowledged since the spool was made: every event numbered up to
    /// this is acknowledged.
    pub fn acked(&self) -> u64 {
        self.acked
    }

    /// Appends one event. `Full` when it does not fit under the cap (nothing is written).
    pub fn push(&mut self, subject: &str, id: &str, body: &[u8]) -> Result<(), SpoolError> {
        let size = (FRAME_HEAD + subject.len() + id.len() + body.len()) as u64;
        if size > self.cap {
            return Err(SpoolError::TooLarge {
                dir: self.dir.display().to_string(),
                size,
                cap: self.cap,
            });
        }
        let used = self.used();
        if used + size > self.cap {
            return Err(SpoolError::Full {
                dir: self.dir.display().to_string(),
                used,
                cap: self.cap,
            });
        }
        if self.segments.back().is_some_and(|s| s.len >= SEGMENT_BYTES) {
            let n = self.segments.back().map_or(1, |s| s.number + 1);
            self.file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(seg_path(&self.dir, n))
                .map_err(|e| self.io(e))?;
            self.segments.push_back(Segment { number: n, len: 0 });
        }
        let mut frame = Vec::with_capacity(size as usize);
        frame.extend_from_slice(&(size as u32).to_le_bytes());
        frame.extend_from_slice(&(subject.len() as u16).to_le_bytes());
        frame.extend_from_slice(&(id.len() as u16).to_le_bytes());
        frame.extend_from_slice(subject.as_bytes());
        frame.extend_from_slice(id.as_bytes());
        frame.extend_from_slice(body);
        self.file.write_all(&frame).map_err(|e| self.io(e))?;
        let Some(seg) = self.segments.back_mut() else { return Ok(()) };
        seg.len += size;
        let n = self.acked + self.pending.len() as u64 + 1;
        self.pending.push_back(Entry {
            subject: subject.to_string(),
            id: id.to_string(),
            body: body.to_vec(),
            n,
            seg: seg.number,
            end: seg.len,
        });
        Ok(())
    }

    /// Events not yet acknowledged, oldest first.
    pub fn pending(&self) -> &VecDeque<Entry> {
        &self.pending
    }

    /// The oldest `n` events were acknowledged: they leave the spool.
    pub fn ack_front(&mut self, n: usize) -> Result<(), SpoolError> {
        let n = n.min(self.pending.len());
        let Some(last) = self.pending.drain(..n).next_back() else { return Ok(()) };
        self.cursor = (last.seg, last.end);
        self.acked = last.n;
        self.cursor_dirty = true;
        // Segments wholly behind the cursor go (never the one being appended to).
        while self.segments.len() > 1
            && self.segments.front().is_some_and(|s| {
                s.number < self.cursor.0 || (s.number == self.cursor.0 && s.len == self.cursor.1)
            })
        {
            let Some(s) = self.segments.pop_front() else { break };
            fs::remove_file(seg_path(&self.dir, s.number)).map_err(|e| self.io(e))?;
        }
        if self.pending.is_empty() || self.cursor_saved.elapsed() >= CURSOR_EVERY {
            self.save_cursor()?;
        }
        Ok(())
    }

    /// Writes the cursor file if it changed (atomically: temporary file, then rename).
    pub fn save_cursor(&mut self) -> Result<(), SpoolError> {
        if !self.cursor_dirty {
            return Ok(());
        }
        let tmp = self.dir.join("cursor.tmp");
        let text = format!("{} {} {}\n", self.cursor.0, self.cursor.1, self.acked);
        fs::write(&tmp, text)
            .and_then(|()| fs::rename(&tmp, self.dir.join("cursor")))
            .map_err(|e| self.io(e))?;
        self.cursor_dirty = false;
        self.cursor_saved = Instant::now();
        Ok(())
    }
}

/// The cursor: segment, offset, and events acknowledged (absent in spools made before events
/// were numbered: counted from there).
fn read_cursor(path: &Path) -> io::Result<((u64, u64), u64)> {
    match fs::read_to_string(path) {
        Ok(text) => {
            let mut it = text.split_whitespace().map(|t| t.parse::<u64>().ok());
            match (it.next().flatten(), it.next().flatten(), it.next()) {
                (Some(seg), Some(off), None) => Ok(((seg, off), 0)),
                (Some(seg), Some(off), Some(Some(acked))) => Ok(((seg, off), acked)),
                _ => Err(io::Error::new(io::ErrorKind::InvalidData, "bad cursor file")),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(((1, 0), 0)),
        Err(e) => Err(e),
    }
}

/// The spool's epoch, made from the kernel's random source the first time.
fn read_or_make_epoch(path: &Path) -> io::Result<u64> {
    match fs::read_to_string(path) {
        Ok(text) => u64::from_str_radix(text.trim(), 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad epoch file")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 8];
            File::open("/dev/urandom")?.read_exact(&mut bytes)?;
            let epoch = u64::from_le_bytes(bytes);
            let tmp = path.with_extension("tmp");
            let mut f = File::create(&tmp)?;
            f.write_all(format!("{epoch:016x}\n").as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, path)?;
            Ok(epoch)
        }
        Err(e) => Err(e),
    }
}

/// Loads the frames of `data` from `start`; returns where the whole frames end.
/// Events are numbered on from `acked` and what `out` already holds.
fn load_frames(
    data: &[u8],
    start: usize,
    seg: u64,
    acked: u64,
    out: &mut VecDeque<Entry>,
) -> usize {
    let mut at = start.min(data.len());
    while let Some(head) = data.get(at..at + FRAME_HEAD) {
        let size = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let slen = u16::from_le_bytes([head[4], head[5]]) as usize;
        let ilen = u16::from_le_bytes([head[6], head[7]]) as usize;
        if size < FRAME_HEAD + slen + ilen {
            break;
        }
        let Some(frame) = data.get(at..at + size) else { break };
        let subject = String::from_utf8_lossy(&frame[FRAME_HEAD..FRAME_HEAD + slen]).into_owned();
        let id = String::from_utf8_lossy(&frame[FRAME_HEAD + slen..FRAME_HEAD + slen + ilen])
            .into_owned();
        let body = frame[FRAME_HEAD + slen + ilen..].to_vec();
        at += size;
        let n = acked + out.len() as u64 + 1;
        out.push_back(Entry { subject, id, body, n, seg, end: at as u64 });
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unacknowledged_events_survive_a_reopen_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        for i in 0..10 {
            s.push("audit.h.SYSCALL", &format!("id{i}"), format!("body{i}\n").as_bytes()).unwrap();
        }
        s.ack_front(4).unwrap();
        s.save_cursor().unwrap();
        drop(s);
        let s = Spool::open(dir.path(), 1 << 20).unwrap();
        let ids: Vec<&str> = s.pending().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["id4", "id5", "id6", "id7", "id8", "id9"]);
        assert_eq!(s.pending()[0].body, b"body4\n");
        // Numbered as before the reopen, under the same epoch.
        let numbers: Vec<u64> = s.pending().iter().map(|e| e.n).collect();
        assert_eq!(numbers, [5, 6, 7, 8, 9, 10]);
        assert_eq!(s.acked(), 4);
        let epoch = s.epoch();
        drop(s);
        assert_eq!(Spool::open(dir.path(), 1 << 20).unwrap().epoch(), epoch);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(Spool::open(other.path(), 1 << 20).unwrap().epoch(), epoch);
    }

    #[test]
    fn a_torn_tail_is_cut_and_the_cap_holds() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path(), 200).unwrap();
        s.push("s", "a", &[b'x'; 50]).unwrap();
        s.push("s", "b", &[b'x'; 50]).unwrap();
        let full = s.push("s", "c", &[b'x'; 100]).unwrap_err();
        assert!(matches!(full, SpoolError::Full { .. }), "{full}");
        assert!(matches!(s.push("s", "c", &[b'x'; 300]), Err(SpoolError::TooLarge { .. })));
        drop(s);
        let seg = seg_path(dir.path(), 1);
        let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
        f.write_all(&[40, 0, 0, 0, 1]).unwrap();
        drop(f);
        let mut s = Spool::open(dir.path(), 200).unwrap();
        assert_eq!(s.pending().len(), 2);
        s.ack_front(2).unwrap();
        assert!(s.pending().is_empty());
        s.push("s", "d", &[b'y'; 100]).unwrap();
        assert_eq!(s.used(), 110);
    }
}
