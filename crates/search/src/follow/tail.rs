//! Reading a log as the daemon writes it, like `tail -F`: new complete
//! lines, across rotations and truncations.
//!
//! auditd rotates by renaming `audit.log` to `audit.log.1` and creating a
//! new `audit.log`; records it wrote to the old file just before the
//! rename must not be lost, so the old file is read to its end before the
//! new one is opened. A rotation shows as a new inode behind the path; a
//! truncation (`copytruncate`, `> audit.log`) as a file shorter than what
//! was read.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Bytes read at a time.
const CHUNK: usize = 64 << 10;

/// Where reading starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At the first byte.
    Beginning,
    /// At the end, with up to this many bytes before it handed out first
    /// (whole lines), so that an event still being written when the
    /// follower started can be completed.
    End { lookback: usize },
}

/// What happened to the file behind the path during a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new file took the path; the old one was read to its end first,
    /// then the ones rotated away in between.
    Rotated,
    /// A new file took the path, but ours was no longer among the rotated
    /// files: events in files rotated away in between may be missing.
    RotatedPastMissing,
    /// The file became shorter than what was read; reading starts over.
    Truncated,
}

/// A log being followed.
#[derive(Debug)]
pub struct LogTail {
    path: PathBuf,
    file: File,
    /// (dev, inode) of `file`.
    id: (u64, u64),
    /// Bytes of `file` read so far.
    offset: u64,
    /// Read bytes after the last newline: the start of a line still being
    /// written.
    partial: Vec<u8>,
}

fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

impl LogTail {
    /// Opens `path`. With [`Start::End`] the lines of the look-back come
    /// back as well (the first one, probably cut, is left out).
    pub fn open(path: &Path, start: Start) -> io::Result<(LogTail, Vec<u8>)> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        let mut tail = LogTail {
            path: path.to_path_buf(),
            id: identity(&meta),
            file: File::open("/dev/null")?,
            offset: 0,
            partial: Vec::new(),
        };
        let mut lookback_lines = Vec::new();
        if let Start::End { lookback } = start {
            let len = meta.len();
            let from = len.saturating_sub(lookback as u64);
            file.seek(SeekFrom::Start(from))?;
            let mut window = Vec::new();
            (&mut file).take(len - from).read_to_end(&mut window)?;
            tail.offset = from + window.len() as u64;
            let mut lines = window.as_slice();
            if from > 0 {
                // The look-back starts inside a line, unless the byte
                // before it ends one: cut up to the first newline.
                lines = match memchr::memchr(b'\n', lines) {
                    Some(nl) => &lines[nl + 1..],
                    None => &[],
                };
            }
            let complete = memchr::memrchr(b'\n', lines).map_or(0, |nl| nl + 1);
            lookback_lines.extend_from_slice(&lines[..complete]);
            // The end of the file may be in the middle of a line; its start
            // waits here for the rest (unless the whole window was a cut line).
            if from == 0 || memchr::memchr(b'\n', &window).is_some() {
                tail.partial.extend_from_slice(&lines[complete..]);
            }
        }
        tail.file = file;
        Ok((tail, lookback_lines))
    }

    /// The path followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes read from the current file.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Appends to `out` the complete lines written since the last call, at
    /// most about `limit` bytes of new input (more is left for the next
    /// call). Says when the file was rotated or truncated meanwhile.
    pub fn read(&mut self, out: &mut Vec<u8>, limit: usize) -> io::Result<Option<Change>> {
        let at_end = self.fill(limit)?;
        let mut change = None;
        if at_end {
            if self.file.metadata()?.len() < self.offset {
                self.file.seek(SeekFrom::Start(0))?;
                self.offset = 0;
                self.partial.clear();
                change = Some(Change::Truncated);
            } else if self.rotated() {
                change = self.switch()?;
                if change.is_some() {
                    self.fill(limit)?;
                }
            }
        }
        let complete = memchr::memrchr(b'\n', &self.partial).map_or(0, |nl| nl + 1);
        out.extend_from_slice(&self.partial[..complete]);
        self.partial.drain(..complete);
        Ok(change)
    }

    /// Reads into `partial` until the end of the file or `limit`; true at
    /// the end.
    fn fill(&mut self, limit: usize) -> io::Result<bool> {
        let mut read = 0;
        while read < limit {
            let before = self.partial.len();
            self.partial.resize(before + CHUNK, 0);
            let result = self.file.read(&mut self.partial[before..]);
            self.partial.truncate(before + *result.as_ref().unwrap_or(&0));
            let n = match result {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Ok(true);
            }
            read += n;
            self.offset += n as u64;
        }
        Ok(false)
    }

    /// Whether another file is at the path now. A path that is missing for
    /// a moment (between the daemon's rename and its create) is no
    /// rotation yet.
    fn rotated(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|m| identity(&m) != self.id)
    }

    /// Reads the old file to its end, then the files that took the path
    /// after it and were rotated away meanwhile (several rotations can
    /// come between two looks), then opens the current one from its start.
    fn switch(&mut self) -> io::Result<Option<Change>> {
        let Some((newer, current, found)) = self.successors()? else { return Ok(None) };
        // The daemon may have written to the old file after our last read
        // and before it opened the new one.
        while !self.fill(usize::MAX)? {}
        for file in newer {
            self.end_line();
            self.file = file;
            while !self.fill(usize::MAX)? {}
        }
        self.end_line();
        self.id = identity(&current.metadata()?);
        self.file = current;
        self.offset = 0;
        Ok(Some(if found { Change::Rotated } else { Change::RotatedPastMissing }))
    }

    /// A file that ended inside a line: nothing will complete that line.
    fn end_line(&mut self) {
        if !self.partial.is_empty() && self.partial.last() != Some(&b'\n') {
            self.partial.push(b'\n');
        }
    }

    /// The rotated files newer than ours (oldest first) and the current
    /// one, opened, and whether ours was found among the rotated ones
    /// (when it was not, as when it was removed already, what came between
    /// is unknown and only the current file is read). None while the path
    /// is missing or keeps changing under the scan.
    fn successors(&self) -> io::Result<Option<(Vec<File>, File, bool)>> {
        for _ in 0..SCAN_TRIES {
            let current = match File::open(&self.path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let current_id = identity(&current.metadata()?);
            let mut newer = Vec::new();
            let mut found = false;
            for n in 1..=MAX_ROTATED {
                let mut name = self.path.as_os_str().to_owned();
                name.push(format!(".{n}"));
                let Ok(file) = File::open(&name) else { break };
                if identity(&file.metadata()?) == self.id {
                    found = true;
                    break;
                }
                newer.push(file);
            }
            // A rotation during the scan shifts the names: look again.
            if std::fs::metadata(&self.path).is_ok_and(|m| identity(&m) == current_id) {
                if !found {
                    newer.clear();
                }
                newer.reverse();
                return Ok(Some((newer, current, found)));
            }
        }
        Ok(None)
    }
}

/// Rotated files looked at (`audit.log.1` ... ); auditd's num_logs is at
/// most 999, and a follower that is that far behind has lost anyway.
const MAX_ROTATED: u32 = 999;
/// Scans of the rotated files before giving up until the next read.
const SCAN_TRIES: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    fn next(tail: &mut LogTail) -> (String, Option<Change>) {
        let mut out = Vec::new();
        let change = tail.read(&mut out, usize::MAX).unwrap();
        (String::from_utf8(out).unwrap(), change)
    }

    #[test]
    fn hands_out_complete_lines_only() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        append(&log, "a\nb");
        let (mut tail, before) = LogTail::open(&log, Start::Beginning).unwrap();
        assert!(before.is_empty());
        assert_eq!(next(&mut tail), ("a\n".into(), None));
        append(&log, "c\nd\n");
        assert_eq!(next(&mut tail), ("bc\nd\n".into(), None));
        assert_eq!(next(&mut tail), (String::new(), None));
    }

    #[test]
    fn starts_at_the_end_with_whole_lines_of_look_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        append(&log, "first line\nsecond\nthird\nfou");
        let (mut tail, before) = LogTail::open(&log, Start::End { lookback: 16 }).unwrap();
        // 16 bytes back is inside "second": that line is cut away.
        assert_eq!(String::from_utf8(before).unwrap(), "third\n");
        append(&log, "rth\n");
        assert_eq!(next(&mut tail), ("fourth\n".into(), None));
        let (_, none) = LogTail::open(&log, Start::End { lookback: 0 }).unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn reads_the_old_file_to_its_end_across_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        append(&log, "1\n");
        let (mut tail, _) = LogTail::open(&log, Start::Beginning).unwrap();
        assert_eq!(next(&mut tail).0, "1\n");
        // The daemon writes, renames, writes once more to the old file
        // (still open), then creates the new one.
        let mut old = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        old.write_all(b"2\n").unwrap();
        std::fs::rename(&log, dir.path().join("audit.log.1")).unwrap();
        old.write_all(b"3\n").unwrap();
        // Between rename and create: no rotation yet, just the old file.
        assert_eq!(next(&mut tail), ("2\n3\n".into(), None));
        old.write_all(b"4").unwrap();
        append(&log, "5\n");
        assert_eq!(next(&mut tail), ("4\n5\n".into(), Some(Change::Rotated)));
        append(&log, "6\n");
        assert_eq!(next(&mut tail), ("6\n".into(), None));
    }

    #[test]
    fn reads_every_file_of_several_rotations_between_two_reads() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        let rotate = || {
            for n in (1..5).rev() {
                let from = dir.path().join(format!("audit.log.{n}"));
                if from.exists() {
                    std::fs::rename(&from, dir.path().join(format!("audit.log.{}", n + 1)))
                        .unwrap();
                }
            }
            std::fs::rename(&log, dir.path().join("audit.log.1")).unwrap();
        };
        append(&log, "a\n");
        let (mut tail, _) = LogTail::open(&log, Start::Beginning).unwrap();
        assert_eq!(next(&mut tail).0, "a\n");
        append(&log, "b\n");
        rotate();
        append(&log, "c\n");
        rotate();
        append(&log, "d");
        rotate();
        append(&log, "e\n");
        assert_eq!(next(&mut tail), ("b\nc\nd\ne\n".into(), Some(Change::Rotated)));
        // Ours removed meanwhile (num_logs): only the current file.
        append(&log, "f\n");
        rotate();
        append(&log, "g\n");
        rotate();
        for n in 1..=6 {
            let _ = std::fs::remove_file(dir.path().join(format!("audit.log.{n}")));
        }
        append(&log, "h\n");
        // "f" went to our file, still open.
        assert_eq!(next(&mut tail), ("f\nh\n".into(), Some(Change::RotatedPastMissing)));
    }

    #[test]
    fn starts_over_after_a_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        append(&log, "old line\n");
        let (mut tail, _) = LogTail::open(&log, Start::Beginning).unwrap();
        assert_eq!(next(&mut tail).0, "old line\n");
        std::fs::write(&log, "").unwrap();
        assert_eq!(next(&mut tail), (String::new(), Some(Change::Truncated)));
        append(&log, "new\n");
        assert_eq!(next(&mut tail), ("new\n".into(), None));
    }

    #[test]
    fn a_read_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        append(&log, &"x\n".repeat(100_000));
        let (mut tail, _) = LogTail::open(&log, Start::Beginning).unwrap();
        let mut out = Vec::new();
        tail.read(&mut out, 1).unwrap();
        assert_eq!(out.len(), CHUNK);
        tail.read(&mut out, usize::MAX).unwrap();
        assert_eq!(out.len(), 200_000);
    }
}
