//! A stored survey of a log file: the sidecar index ausearch reads instead
//! of surveying the log itself ([`crate::skim`]).
//!
//! For each block of the log (about 256 KiB, ending at a newline) it keeps
//! what skim's cheap pass learns (the seconds of the first and last
//! records, whether seconds never go down, whether a timestamp is bad),
//! the range of serials, and a Bloom filter of the values its records can
//! give the matcher: record types, nodes, every number written after a
//! `pid=` or a `uid=` (read as the extractor reads them), and the
//! three-byte pieces of every value after `exe=` and `key=` (decoded as
//! the extractor decodes them). A filter answers "maybe" or "certainly
//! not"; only "certainly not" skips a block, so a search with the index
//! prints exactly what it prints without (see `query` for why each test is
//! a necessary condition).
//!
//! The index records what it covers: the log's device and inode, the
//! covered length and hashes of its first and last 4 KiB. An index that
//! does not fit the log it sits next to is ignored. Format: docs/index.md.

pub mod build;
pub mod query;

use std::io;
use std::path::{Path, PathBuf};

pub use build::{Builder, build};
pub use query::Query;

/// The directory next to a log that holds the indexes of its files. Its
/// name starts with a dot and is not `audit.log*`: neither the reference
/// nor raudit ever read it as a log.
pub const DIR: &str = ".raudit-index";
/// Format version; any other is ignored.
pub const VERSION: u32 = 2;
const MAGIC: &[u8; 8] = b"RAUDITIX";
/// Bytes of the log hashed at each end of the covered part.
const EDGE: usize = 4096;
/// Probes per value in a block's filter.
const PROBES: u8 = 6;
/// Filter bits per distinct value (about 2% false positives with 6 probes,
/// before rounding the size up to a power of two).
const BITS_PER_VALUE: usize = 10;

/// What the index knows about one block of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub start: u64,
    pub end: u64,
    /// Seconds of its first and last records (None: no record).
    pub first: Option<u64>,
    pub last: Option<u64>,
    /// Its records' seconds never go down.
    pub ordered: bool,
    /// A line has a timestamp the parser refuses (or one near the limit).
    pub bad: bool,
    /// The smallest and largest serials of its records.
    pub serials: Option<(u64, u64)>,
    pub filter: Filter,
}

/// A Bloom filter: `words.len() * 64` bits (a power of two), `probes` bits
/// per value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub probes: u8,
    pub words: Vec<u64>,
}

impl Filter {
    /// A filter sized for `hashes` (distinct value hashes).
    pub fn of(hashes: &[u64]) -> Filter {
        let bits = (hashes.len() * BITS_PER_VALUE).max(64).next_power_of_two();
        let mut f = Filter { probes: PROBES, words: vec![0; bits / 64] };
        for &h in hashes {
            for bit in f.bits(h) {
                f.words[bit / 64] |= 1 << (bit % 64);
            }
        }
        f
    }

    fn bits(&self, h: u64) -> impl Iterator<Item = usize> + use<> {
        let mask = (self.words.len() * 64 - 1) as u64;
        let (h1, h2) = (h, h.rotate_left(32) | 1);
        (0..u64::from(self.probes))
            .map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) & mask) as usize)
    }

    /// Whether the value whose hash is `h` may be in the block.
    pub fn may_hold(&self, h: u64) -> bool {
        self.bits(h).all(|bit| self.words[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

/// A log file's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub dev: u64,
    pub ino: u64,
    /// Bytes of the log covered (whole lines).
    pub covered: u64,
    head: u64,
    tail: u64,
    pub blocks: Vec<Block>,
}

/// Why an index file was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Not an index, another version, damaged, or inconsistent.
    Corrupt(&'static str),
    /// An index of another file, or of this one before it was rewritten.
    Stale,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Corrupt(why) => write!(f, "corrupt index ({why})"),
            Invalid::Stale => f.write_str("stale index"),
        }
    }
}

/// A 64-bit hash of bytes (FNV-1a, then a finaliser): the one hash of the
/// format, for values, edges and the checksum.
pub fn hash(tag: u8, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(tag);
    h = h.wrapping_mul(0x0100_0000_01b3);
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// The hash of a 32-bit value (types, pids, uids, three-byte pieces)
/// under `tag`: the finaliser of the tag and value side by side.
pub fn hash_u32(tag: u8, v: u32) -> u64 {
    mix(0x9e37_79b9_0000_0000 ^ u64::from(tag) << 32 ^ u64::from(v))
}

/// A hash of large inputs, eight bytes at a time (the checksum).
fn hash_words(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
        h = (h ^ w).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(29);
    }
    mix(h ^ hash(0, chunks.remainder()))
}

fn mix(mut h: u64) -> u64 {
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Hashes of the first and last [`EDGE`] bytes of `covered`.
fn edges(covered: &[u8]) -> (u64, u64) {
    let head = &covered[..covered.len().min(EDGE)];
    let tail = &covered[covered.len().saturating_sub(EDGE)..];
    (hash_words(head), hash_words(tail))
}

const NONE: u64 = u64::MAX;

impl Index {
    /// The index of `data` (a log's first `data.len()` bytes, whole lines)
    /// with its blocks, for the file `(dev, ino)`.
    pub fn new(dev: u64, ino: u64, data: &[u8], blocks: Vec<Block>) -> Index {
        let (head, tail) = edges(data);
        Index { dev, ino, covered: data.len() as u64, head, tail, blocks }
    }

    /// The seconds of the first and last records covered.
    pub fn time_range(&self) -> Option<(u64, u64)> {
        let first = self.blocks.iter().find_map(|b| b.first)?;
        let last = self.blocks.iter().rev().find_map(|b| b.last)?;
        Some((first, last))
    }

    /// The smallest and largest serials covered.
    pub fn serial_range(&self) -> Option<(u64, u64)> {
        self.blocks.iter().filter_map(|b| b.serials).reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
    }

    /// Whether this is an index of `data`, the bytes of the file
    /// `(dev, ino)`: the same file, at least as long, with the same bytes
    /// at both ends of the covered part.
    pub fn fits(&self, dev: u64, ino: u64, data: &[u8]) -> Result<(), Invalid> {
        if (dev, ino) != (self.dev, self.ino) || (data.len() as u64) < self.covered {
            return Err(Invalid::Stale);
        }
        let covered = &data[..self.covered as usize];
        if edges(covered) != (self.head, self.tail) {
            return Err(Invalid::Stale);
        }
        Ok(())
    }

    pub fn encode(&self) -> Vec<u8> {
        let words: usize = self.blocks.iter().map(|b| b.filter.words.len()).sum();
        let mut out = Vec::with_capacity(64 + self.blocks.len() * 64 + words * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        for v in [self.dev, self.ino, self.covered, self.head, self.tail] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.blocks.len() as u32).to_le_bytes());
        for b in &self.blocks {
            let flags =
                u8::from(b.ordered) | u8::from(b.bad) << 1 | u8::from(b.serials.is_some()) << 2;
            let (smin, smax) = b.serials.unwrap_or((0, 0));
            for v in [b.start, b.end, b.first.unwrap_or(NONE), b.last.unwrap_or(NONE), smin, smax] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.push(flags);
            out.push(b.filter.probes);
            out.extend_from_slice(&(b.filter.words.len() as u32).to_le_bytes());
            for w in &b.filter.words {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        let sum = hash_words(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Reads an index; anything unexpected is [`Invalid::Corrupt`], never
    /// a panic.
    pub fn decode(bytes: &[u8]) -> Result<Index, Invalid> {
        use Invalid::Corrupt;
        let body_len = bytes.len().checked_sub(8).ok_or(Corrupt("short"))?;
        let (body, sum) = bytes.split_at(body_len);
        let mut r = Reader { b: body };
        if r.take(8)? != MAGIC {
            return Err(Corrupt("not an index"));
        }
        if r.u32()? != VERSION {
            return Err(Corrupt("another version"));
        }
        if u64::from_le_bytes(sum.try_into().map_err(|_| Corrupt("short"))?) != hash_words(body) {
            return Err(Corrupt("checksum"));
        }
        let (dev, ino, covered, head, tail) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?);
        let n = r.u32()? as usize;
        // A block takes at least 58 bytes: no count beyond what is there.
        if n > r.b.len() / 58 {
            return Err(Corrupt("block count"));
        }
        let mut blocks = Vec::with_capacity(n);
        let mut at = 0;
        for _ in 0..n {
            let (start, end, first, last, smin, smax) =
                (r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?);
            let flags = r.u8()?;
            let probes = r.u8()?;
            let len = r.u32()? as usize;
            if start != at || end <= start || flags > 7 {
                return Err(Corrupt("block bounds"));
            }
            if (first == NONE) != (last == NONE) || (flags & 4 != 0 && smin > smax) {
                return Err(Corrupt("block ranges"));
            }
            if !(1..=16).contains(&probes) || !len.is_power_of_two() || len > r.b.len() / 8 {
                return Err(Corrupt("filter size"));
            }
            let words = r.take(len * 8)?.chunks_exact(8).map(le64).collect();
            let some = |v: u64| (v != NONE).then_some(v);
            blocks.push(Block {
                start,
                end,
                first: some(first),
                last: some(last),
                ordered: flags & 1 != 0,
                bad: flags & 2 != 0,
                serials: (flags & 4 != 0).then_some((smin, smax)),
                filter: Filter { probes, words },
            });
            at = end;
        }
        if at != covered || !r.b.is_empty() || usize::try_from(covered).is_err() {
            return Err(Corrupt("coverage"));
        }
        Ok(Index { dev, ino, covered, head, tail, blocks })
    }
}

fn le64(c: &[u8]) -> u64 {
    u64::from_le_bytes(c.try_into().unwrap_or_default())
}

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Invalid> {
        if self.b.len() < n {
            return Err(Invalid::Corrupt("short"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, Invalid> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, Invalid> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()))
    }
    fn u64(&mut self) -> Result<u64, Invalid> {
        Ok(le64(self.take(8)?))
    }
}

/// Where the index of the log `log` (whose inode is `ino`) lives:
/// `.raudit-index/INODE` next to it. Named by inode, an index follows its
/// log through rotations (a rename keeps the inode).
pub fn path_for(log: &Path, ino: u64) -> PathBuf {
    let dir = log.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    dir.join(DIR).join(ino.to_string())
}

/// The index of the log at `log`, whose bytes are `data`, when one is
/// there and fits; None otherwise (no index, stale or damaged: the caller
/// reads the whole log).
pub fn load(log: &Path, data: &[u8]) -> Option<Index> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(log).ok()?;
    let bytes = std::fs::read(path_for(log, meta.ino())).ok()?;
    let index = Index::decode(&bytes).ok()?;
    index.fits(meta.dev(), meta.ino(), data).ok()?;
    Some(index)
}

/// Writes `index` as the index of `log`: into a temporary file renamed
/// into place, with the log's owner, group and mode (it reveals what the
/// log holds). When the owner cannot be copied the index is readable by
/// its writer only.
pub fn store(log: &Path, index: &Index) -> io::Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(log)?;
    store_as(log, index, (meta.uid(), meta.gid(), meta.mode()))
}

/// [`store`] with the log's `(uid, gid, mode)` given (a writer knows them
/// from its open file, also when the log was renamed since).
pub fn store_as(
    log: &Path,
    index: &Index,
    (uid, gid, mode): (u32, u32, u32),
) -> io::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let path = path_for(log, index.ino);
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.is_dir() {
        std::fs::DirBuilder::new().mode(0o700).create(dir)?;
        let _ = std::os::unix::fs::chown(dir, Some(uid), Some(gid));
    }
    // One temporary name per store (two writers of one process may store at once).
    static STORES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = STORES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{}.tmp{}-{n}", index.ino, std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    let written = (|| {
        file.write_all(&index.encode())?;
        let mode = if std::os::unix::fs::fchown(&file, Some(uid), Some(gid)).is_ok() {
            mode & 0o777
        } else {
            mode & 0o600
        };
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        std::fs::rename(&tmp, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map(|()| path)
}

/// Removes indexes of files that are no longer among `logs` (their inodes),
/// in the index directory next to `log`.
pub fn prune(log: &Path, keep: &[u64]) {
    let dir = path_for(log, 0);
    let Some(dir) = dir.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        if let Some(ino) = name.to_str().and_then(|n| n.parse::<u64>().ok())
            && !keep.contains(&ino)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests;
