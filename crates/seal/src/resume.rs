//! Taking over a log file at open: a new file continues the series, a sealed file continues
//! its chain from its last checkpoint (a restart: the lines written after it are sealed by the
//! resume checkpoint), an unsealed file starts a chain after its last line.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::chain::{ChainState, Sealer};
use crate::line::{Checkpoint, SEAL_PREFIX, parse_checkpoint};

/// What [`Sealer::take_over`] found; the caller writes the checkpoint [`Resumed::reason`]
/// names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resumed {
    /// An empty file: the next of the series.
    NewFile,
    /// A sealed file: the chain goes on; `unsealed` lines followed its last checkpoint.
    Continued { unsealed: usize },
    /// A file of `lines` lines with no checkpoint to go on from (`why`): they stay unsealed.
    Unsealed { lines: u64, why: String },
}

impl Resumed {
    pub fn reason(&self) -> crate::Reason {
        match self {
            Resumed::Continued { .. } => crate::Reason::Resume,
            _ => crate::Reason::Open,
        }
    }
}

/// The last checkpoint line of a file and the bytes after it, read from the end.
fn last_checkpoint(f: &mut File) -> io::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let len = f.metadata()?.len();
    let mut chunk = 1u64 << 20;
    loop {
        let start = len.saturating_sub(chunk);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        f.by_ref().take(len - start).read_to_end(&mut buf)?;
        let mut needle = Vec::with_capacity(SEAL_PREFIX.len() + 1);
        needle.push(b'\n');
        needle.extend_from_slice(SEAL_PREFIX);
        let at = match memchr::memmem::rfind(&buf, &needle) {
            Some(i) => Some(i + 1),
            None if start == 0 && buf.starts_with(SEAL_PREFIX) => Some(0),
            None => None,
        };
        if let Some(at) = at {
            let end = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |i| at + i + 1);
            return Ok(Some((buf[at..end].to_vec(), buf[end..].to_vec())));
        }
        if start == 0 {
            return Ok(None);
        }
        chunk = chunk.saturating_mul(4);
    }
}

fn count_lines(f: &mut File) -> io::Result<u64> {
    f.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            return Ok(n);
        }
        n += memchr::memchr_iter(b'\n', &buf[..k]).count() as u64;
    }
}

impl Sealer {
    /// The last valid checkpoint of `path`, if it has one.
    fn checkpoint_of(&self, path: &Path) -> Option<Checkpoint> {
        let mut f = File::open(path).ok()?;
        let (line, _) = last_checkpoint(&mut f).ok()??;
        parse_checkpoint(&self.key, &line).ok()
    }

    /// Sets the chain up for the file the writer just opened at `path` (already repaired: it
    /// ends in a newline). `previous` is the file before it in the series (`audit.log.1`),
    /// asked only when nothing in memory links to the past.
    pub fn take_over(&mut self, path: &Path, previous: Option<&Path>) -> io::Result<Resumed> {
        let mut f = File::open(path)?;
        let len = f.metadata()?.len();
        let sealing_already = self.state.cseq > 0 || self.state.lines > 0;
        if !sealing_already && let Some(c) = previous.and_then(|p| self.checkpoint_of(p)) {
            self.state.prev = c.mac;
            self.state.fseq = c.fseq;
        }
        if len == 0 {
            self.start_file();
            return Ok(Resumed::NewFile);
        }
        let why = match last_checkpoint(&mut f)? {
            Some((line, after)) => match parse_checkpoint(&self.key, &line) {
                Ok(c) => {
                    self.state = ChainState {
                        chain: c.chain,
                        tags: String::new(),
                        lines: c.records,
                        fseq: c.fseq,
                        cseq: c.cseq + 1,
                        prev: c.mac,
                    };
                    self.record(&line);
                    let mut unsealed = 0;
                    for l in after.split_inclusive(|&b| b == b'\n') {
                        self.record(l);
                        unsealed += 1;
                    }
                    return Ok(Resumed::Continued { unsealed });
                }
                Err(e) => format!("its last seal record is not valid: {e}"),
            },
            None => "it holds no seal record".to_string(),
        };
        let lines = count_lines(&mut f)?;
        self.start_file();
        self.state.lines = lines;
        Ok(Resumed::Unsealed { lines, why })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Policy, Reason, SealKey};
    use std::io::Write;

    fn key() -> SealKey {
        SealKey::from_bytes(b"a test key of thirty-two bytes!!")
    }

    fn write(path: &Path, s: &mut Sealer, line: &[u8]) {
        let mut f = std::fs::OpenOptions::new().append(true).create(true).open(path).unwrap();
        f.write_all(line).unwrap();
        s.record(line);
    }

    #[test]
    fn a_restart_continues_the_chain_of_the_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("audit.log");
        std::fs::File::create(&p).unwrap();
        let mut s = Sealer::new(key(), Policy::default(), 1);
        assert_eq!(s.take_over(&p, None).unwrap(), Resumed::NewFile);
        let (open, _) = s.checkpoint(Reason::Open);
        write(&p, &mut s, &open);
        write(&p, &mut s, b"one\n");
        let (cp, _) = s.checkpoint(Reason::Interval);
        write(&p, &mut s, &cp);
        write(&p, &mut s, b"two\n");
        write(&p, &mut s, b"three\n");
        let expected = s.state.clone();

        let mut again = Sealer::new(key(), Policy::default(), 100);
        assert_eq!(again.take_over(&p, None).unwrap(), Resumed::Continued { unsealed: 2 });
        assert_eq!(again.state, expected);
        assert_eq!(again.unsealed(), 2);
    }

    #[test]
    fn an_unsealed_file_and_a_new_file_after_a_sealed_one() {
        let d = tempfile::tempdir().unwrap();
        let old = d.path().join("audit.log.1");
        let p = d.path().join("audit.log");
        std::fs::File::create(&old).unwrap();
        let mut s = Sealer::new(key(), Policy::default(), 1);
        s.take_over(&old, None).unwrap();
        let (open, _) = s.checkpoint(Reason::Open);
        write(&old, &mut s, &open);
        let (close, _) = s.checkpoint(Reason::Rotate);
        write(&old, &mut s, &close);
        let last_mac = s.state.prev;

        std::fs::write(&p, "plain\nlines\n").unwrap();
        let mut t = Sealer::new(key(), Policy::default(), 1);
        let r = t.take_over(&p, Some(&old)).unwrap();
        assert!(matches!(r, Resumed::Unsealed { lines: 2, .. }), "{r:?}");
        assert_eq!((t.state.fseq, t.state.prev, t.state.lines), (2, last_mac, 2));

        std::fs::write(&p, "").unwrap();
        let mut u = Sealer::new(key(), Policy::default(), 1);
        assert_eq!(u.take_over(&p, Some(&old)).unwrap(), Resumed::NewFile);
        assert_eq!((u.state.fseq, u.state.prev), (2, last_mac));
    }
}
