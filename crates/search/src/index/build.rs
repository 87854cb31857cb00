//! Building an index: the values each record can give the matcher, and
//! blocks of them, for a whole log at once or line by line as a writer
//! appends them.

use raudit_parse::record::strtoul;
use raudit_parse::{HeaderError, Lines, Record};
use rayon::prelude::*;

use super::{Block, Filter, Index, hash, hash_u32};
use crate::extract::text::{Text, push_keys};

/// Bytes per block: the grain of what a search skips (skim's region).
pub const BLOCK: usize = 256 << 10;
/// The timeout records are parsed with: the largest skim accepts, so a
/// timestamp the index calls good is good for every timeout that uses it.
const PARSE_TIMEOUT: u64 = 1_000_000;

/// Tags of the hashed values (the first byte hashed).
pub(crate) mod tag {
    pub const TYPE: u8 = b't';
    pub const NODE: u8 = b'n';
    pub const PID: u8 = b'p';
    pub const UID: u8 = b'u';
    pub const EXE: u8 = b'x';
    pub const KEY: u8 = b'k';
}

/// The three-byte pieces of `value`, hashed under `tag` (none for shorter
/// values: a wanted text of three bytes or more cannot be in them).
pub(crate) fn trigrams(tag: u8, value: &[u8]) -> impl Iterator<Item = u64> + '_ {
    value.windows(3).map(move |w| hash_u32(tag, u32::from_le_bytes([w[0], w[1], w[2], 0])))
}

/// Every number the extractor could read from `v`, the text after a `pid=`
/// or `uid=`: up to a space (or the end), or the leading digits, kept as 32
/// bits.
fn number_at(v: &[u8], tag: u8, out: &mut Values) {
    let to_space = &v[..memchr::memchr(b' ', v).unwrap_or(v.len())];
    let digits = &v[..v.iter().take_while(|b| b.is_ascii_digit()).count()];
    if digits.len() == to_space.len() && digits.len() <= 19 {
        // Only digits, too few to overflow (nearly every value): what strtoul reads, directly.
        let n = digits.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
        out.insert(hash_u32(tag, n as u32));
        return;
    }
    let both: &[&[u8]] =
        if digits.len() == to_space.len() { &[digits] } else { &[to_space, digits] };
    for s in both {
        if let Some(n) = strtoul(s) {
            out.insert(hash_u32(tag, n as u32));
        }
    }
}

/// A block's distinct value hashes.
pub(crate) type Values = std::collections::HashSet<u64, raudit_tables::hash::FxBuildHasher>;

/// The three-byte pieces of `value` under `tag`, once per distinct value.
fn text_value(tag: u8, value: &[u8], out: &mut Values) {
    if value.len() >= 3 && out.insert(hash(tag, value)) {
        out.extend(trigrams(tag, value));
    }
}

/// Every value the extractor could read at `v`, just after an `exe=` or `key=` in `t`, with
/// its own readers: quoted (the same for all of them), else hex (or as it is) and, for keys,
/// split at 0x01.
fn text_at(t: &[u8], v: usize, tag: u8, out: &mut Values) {
    let text = Text { t };
    if t.get(v) == Some(&b'"') {
        if let Some((quoted, _)) = text.quoted(v) {
            text_value(tag, quoted, out);
        }
        return;
    }
    if tag == tag::KEY {
        let mut keys = Vec::new();
        let _ = push_keys(&text, v, &mut keys, (0, 0));
        for k in &keys {
            text_value(tag, k, out);
        }
    } else {
        if let Ok((Some(v), _)) = text.quoted_or_hex(v, 0) {
            text_value(tag, &v, out);
        }
        if let Ok((Some(v), _)) = text.quoted_or_unescaped(v, 0) {
            text_value(tag, &v, out);
        }
    }
}

/// The hashes of what `r` can give the matcher (see `query` for the
/// criteria that use them).
pub(crate) fn record_values(r: &Record<'_>, out: &mut Values) {
    out.insert(hash_u32(tag::TYPE, r.rtype as u32));
    if let Some(node) = r.node {
        out.insert(hash(tag::NODE, node));
    }
    // Every `pid=`, `uid=`, `exe=` and `key=` in the text (`ppid=`, `auid=`, ... too: the
    // extractor reads those), found in one pass over the `=` signs.
    let t = r.text;
    for eq in memchr::memchr_iter(b'=', t).filter(|&eq| eq >= 3) {
        let v = eq + 1;
        match &t[eq - 3..eq] {
            b"pid" => number_at(&t[v..], tag::PID, out),
            b"uid" => number_at(&t[v..], tag::UID, out),
            b"exe" => text_at(t, v, tag::EXE, out),
            b"key" => text_at(t, v, tag::KEY, out),
            _ => {}
        }
    }
}

/// Accumulates one block's facts, line by line.
#[derive(Debug, Default)]
struct Open {
    first: Option<u64>,
    last: Option<u64>,
    disordered: bool,
    bad: bool,
    serials: Option<(u64, u64)>,
    values: Values,
}

impl Open {
    fn line(&mut self, line: &[u8]) {
        let r = match Record::parse(line, PARSE_TIMEOUT) {
            Ok(r) => r,
            Err(HeaderError::Garbage) => return,
            Err(HeaderError::BadTimestamp(_)) => {
                self.bad = true;
                return;
            }
        };
        if self.last.is_some_and(|l| r.sec < l) {
            self.disordered = true;
        }
        self.first.get_or_insert(r.sec);
        self.last = Some(r.sec);
        let (lo, hi) = self.serials.unwrap_or((r.serial, r.serial));
        self.serials = Some((lo.min(r.serial), hi.max(r.serial)));
        record_values(&r, &mut self.values);
    }

    fn close(self, start: u64, end: u64) -> Block {
        let mut values: Vec<u64> = self.values.into_iter().collect();
        values.sort_unstable();
        Block {
            start,
            end,
            first: self.first,
            last: self.last,
            ordered: !self.disordered,
            bad: self.bad,
            serials: self.serials,
            filter: Filter::of(&values),
        }
    }
}

/// One block of the log: the bytes `start..end` of `data`.
fn block(data: &[u8], start: usize, end: usize) -> Block {
    let mut open = Open::default();
    for line in Lines::new(&data[start..end]) {
        open.line(line);
    }
    open.close(start as u64, end as u64)
}

/// The index of the file `(dev, ino)` whose bytes are `data`: it covers the
/// whole lines (up to the last newline), built in parallel.
pub fn build(dev: u64, ino: u64, data: &[u8]) -> Index {
    let covered = memchr::memrchr(b'\n', data).map_or(0, |i| i + 1);
    let data = &data[..covered];
    let mut cuts = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let end = if data.len() - pos <= BLOCK {
            data.len()
        } else {
            memchr::memchr(b'\n', &data[pos + BLOCK - 1..]).map_or(data.len(), |i| pos + BLOCK + i)
        };
        cuts.push((pos, end));
        pos = end;
    }
    let blocks = cuts.par_iter().map(|&(s, e)| block(data, s, e)).collect();
    Index::new(dev, ino, data, blocks)
}

/// Builds an index line by line, as a writer appends to its log.
#[derive(Debug)]
pub struct Builder {
    dev: u64,
    ino: u64,
    blocks: Vec<Block>,
    open: Open,
    /// Where the open block starts, and the bytes written so far.
    start: u64,
    len: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Builder {
    /// A builder for the file `(dev, ino)`, empty so far.
    pub fn new(dev: u64, ino: u64) -> Builder {
        Builder {
            dev,
            ino,
            blocks: Vec::new(),
            open: Open::default(),
            start: 0,
            len: 0,
            head: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// The file it indexes.
    pub fn file(&self) -> (u64, u64) {
        (self.dev, self.ino)
    }

    /// Bytes covered so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// One line as written to the log, with its newline.
    pub fn line(&mut self, line: &[u8]) {
        // In the pieces the readers see (a very long line is read as several).
        for piece in Lines::new(line) {
            self.open.line(piece);
        }
        if self.head.len() < super::EDGE {
            let n = (super::EDGE - self.head.len()).min(line.len());
            self.head.extend_from_slice(&line[..n]);
        }
        self.tail.extend_from_slice(line);
        if self.tail.len() > 2 * super::EDGE {
            self.tail.drain(..self.tail.len() - super::EDGE);
        }
        self.len += line.len() as u64;
        if self.len - self.start >= BLOCK as u64 {
            let open = std::mem::take(&mut self.open);
            self.blocks.push(open.close(self.start, self.len));
            self.start = self.len;
        }
    }

    /// The index of what was written so far (the open block included).
    pub fn index(&self) -> Index {
        let mut blocks = self.blocks.clone();
        if self.len > self.start {
            let open = Open {
                first: self.open.first,
                last: self.open.last,
                disordered: self.open.disordered,
                bad: self.open.bad,
                serials: self.open.serials,
                values: self.open.values.clone(),
            };
            blocks.push(open.close(self.start, self.len));
        }
        let tail = &self.tail[self.tail.len().saturating_sub(super::EDGE)..];
        Index {
            dev: self.dev,
            ino: self.ino,
            covered: self.len,
            head: super::hash_words(&self.head),
            tail: super::hash_words(tail),
            blocks,
        }
    }
}
