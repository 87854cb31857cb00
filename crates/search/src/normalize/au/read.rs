//! Reading a record's text into the fields libauparse makes of it
//! (`parse_up_record`), and grouping an event's records the way
//! libauparse does: token by token, or at once where the text has its
//! usual form, and with the memo, from the fields kept for the same text.

use std::borrow::Cow;

use raudit_interpret::fields::{Positions, Token, Tokens, encode_nv_value, space_from};
use raudit_interpret::value::unhex;
use raudit_interpret::{KEY_SEPARATOR, Stored};
use raudit_parse::record::types::{AVC, CWD, EOE, SYSCALL, USER_AVC};
use raudit_parse::{Event, Record};

use super::{Field, Rec, ends_event};
use crate::memo::{self, Memo};

/// The groups of records libauparse makes events of: it closes an event
/// after a record of a type that usually ends one (PROCTITLE, EOE, a
/// one-record type...), so the records that follow form another event (an
/// EOE alone is dropped). `f` gets each group's records and their
/// [`Head`]s, read on to SYSCALL tails with `prefixes`.
pub(crate) fn each_group<'a>(
    event: &Event<'a>,
    prefixes: bool,
    mut f: impl FnMut(&[Record<'a>], Vec<Head<'a>>),
) {
    let mut heads: Vec<Head<'a>> = Vec::new();
    let mut start = 0;
    for (i, r) in event.records.iter().enumerate() {
        // A lone EOE is dropped (below): no need to read its fields when
        // its first one plainly says so.
        if heads.is_empty() && r.rtype == EOE && r.text.starts_with(b"type=EOE ") {
            continue;
        }
        let head = Head::read(r, prefixes);
        if heads.is_empty() {
            if head.rtype == EOE {
                continue;
            }
            start = i;
        }
        let ends = ends_event(head.rtype);
        heads.push(head);
        if ends {
            f(&event.records[start..=i], std::mem::take(&mut heads));
        }
    }
    if !heads.is_empty() {
        f(&event.records[start..], heads);
    }
}

/// A record read as far as its type, and for a SYSCALL record up to its
/// tail from `auid=` on (past the fields that change every time).
pub(crate) struct Head<'a> {
    pub rtype: i32,
    /// The fields before the tail (all of them when there is no tail).
    pub fields: Vec<Field<'a>>,
    /// The syscall context from the fields read.
    pub at: Positions,
    /// The SYSCALL record's tail.
    pub tail: Option<&'a [u8]>,
}

impl<'a> Head<'a> {
    /// Reads `r` as far as its type, and with `prefix` a SYSCALL record on
    /// to its tail.
    fn read(r: &Record<'a>, prefix: bool) -> Head<'a> {
        let mut reading = Reading::new(r, if prefix { 16 } else { 2 });
        let mut cwd = None;
        let tail = loop {
            let rec = &reading.rec;
            // The type is known for good once the field that gives it is passed.
            if (rec.rtype != SYSCALL || !prefix) && rec.fields.len() > rec.at.offset() {
                break None;
            }
            if let Some(tail) = reading.syscall_tail() {
                break Some(tail);
            }
            if !(reading.header() || reading.syscall_prefix() || reading.step(&mut cwd)) {
                break None;
            }
        };
        let Rec { rtype, fields, at, .. } = reading.rec;
        Head { rtype, fields, at, tail }
    }
}

/// A record being split into its fields, token by token.
struct Reading<'a> {
    rec: Rec<'a>,
    tokens: Tokens<'a>,
}

impl<'a> Reading<'a> {
    fn new(r: &Record<'a>, room: usize) -> Self {
        let rec = Rec {
            rtype: 0,
            text: r.text,
            fields: Vec::with_capacity(room),
            cur: 0,
            at: Positions::default(),
            stored: None,
            first_realpath: Vec::new(),
        };
        Reading { rec, tokens: Tokens::new(r.text) }
    }

    /// Where a SYSCALL record's tail starts, when the next token starts it:
    /// `auid=` after the fields whose position gives the syscall context.
    fn syscall_tail(&self) -> Option<&'a [u8]> {
        let rest = self.tokens.rest();
        let rec = &self.rec;
        let past = rec.fields.len() >= Positions::LAST + rec.at.offset();
        (rec.rtype == SYSCALL && past && rest.starts_with(b"auid=")).then_some(rest)
    }

    /// Reads a record's usual start at once: `type=` (after a `node=`),
    /// each value plain and followed by a space. The same fields as
    /// [`Reading::step`] reads one by one; false, with nothing read, when
    /// the text does not start so.
    fn header(&mut self) -> bool {
        if !self.rec.fields.is_empty() {
            return false;
        }
        let text = self.tokens.rest();
        let node = plain_field(text, 0, NODE).map(|(value, end)| (value, end + 1));
        let at = node.map_or(0, |(_, at)| at);
        let Some((rtype, end)) = plain_field(text, at, TYPE) else { return false };
        self.tokens = Tokens::new(&text[end + 1..]);
        let rec = &mut self.rec;
        if let Some((value, _)) = node {
            rec.fields.push(Field { name: b"node", val: Some(Cow::Borrowed(value)) });
            rec.at.note(1, b"node", value);
        }
        rec.fields.push(Field { name: b"type", val: Some(Cow::Borrowed(rtype)) });
        rec.rtype = raudit_parse::record::type_number(rtype);
        true
    }

    /// Reads a SYSCALL record's usual fields before `auid=` at once, right
    /// after its type: the header's stamp, then `arch=` to `pid=`, each
    /// value plain and followed by a space. The same fields as
    /// [`Reading::step`] reads one by one; false, with nothing read, when
    /// the text is not so.
    fn syscall_prefix(&mut self) -> bool {
        let rec = &self.rec;
        if rec.rtype != SYSCALL || rec.fields.len() != 1 + rec.at.offset() {
            return false;
        }
        let rest = self.tokens.rest();
        // The stamp: a token the tokens skip.
        let Some(mut at) = rest.starts_with(b"msg=a").then(|| memchr::memchr(b' ', rest)).flatten()
        else {
            return false;
        };
        let mut values: [&[u8]; 11] = [b""; 11];
        for (&name, value) in SYSCALL_PREFIX.iter().zip(&mut values) {
            let Some((v, end)) = plain_field(rest, at + 1, name) else { return false };
            *value = v;
            at = end;
        }
        self.tokens = Tokens::new(&rest[at + 1..]);
        let rec = &mut self.rec;
        for (i, (name, value)) in SYSCALL_PREFIX.into_iter().zip(values).enumerate() {
            let name = name.name;
            rec.fields.push(Field { name, val: Some(Cow::Borrowed(value)) });
            // Only arch, syscall, a0 and a1 give the context.
            if matches!(i, 0 | 1 | 4 | 5) {
                rec.at.note(rec.fields.len(), name, value);
            }
        }
        true
    }

    /// Reads the next token into the record; false at the end.
    fn step(&mut self, cwd: &mut Option<&'a [u8]>) -> bool {
        let Some(token) = self.tokens.next() else { return false };
        let rec = &mut self.rec;
        let (name, val) = match token {
            Token::Field { name, value } => (name, value),
            Token::Word(word) => {
                if rec.rtype == AVC || rec.rtype == USER_AVC {
                    avc_word(rec, word, &mut self.tokens);
                }
                return true;
            }
        };
        if name == b"key" && val.first() != Some(&b'(') {
            push_keys(rec, val);
            return true;
        }
        rec.fields.push(Field { name, val: Some(Cow::Borrowed(val)) });
        let cnt = rec.fields.len();
        if cnt <= Positions::LAST + rec.at.offset() {
            rec.at.note(cnt, name, val);
        }
        if cnt == 1 + rec.at.offset() && name == b"type" {
            rec.rtype = raudit_parse::record::type_number(val);
        } else if rec.rtype == CWD && name == b"cwd" {
            *cwd = Some(val);
        }
        true
    }
}

/// A field name of up to seven bytes, packed with its `=` for a compare
/// of eight bytes at once.
#[derive(Clone, Copy)]
struct Name {
    name: &'static [u8],
    packed: u64,
    mask: u64,
}

impl Name {
    const fn new(name: &'static [u8]) -> Name {
        assert!(name.len() < 8);
        let (mut packed, mut i) = (0, 0);
        while i < name.len() {
            packed |= (name[i] as u64) << (8 * i);
            i += 1;
        }
        packed |= (b'=' as u64) << (8 * i);
        let mask = if i == 7 { u64::MAX } else { (1 << (8 * (i + 1))) - 1 };
        Name { name, packed, mask }
    }
}

const NODE: Name = Name::new(b"node");
const TYPE: Name = Name::new(b"type");
/// The fields before `auid=` of a usual SYSCALL record.
const SYSCALL_PREFIX: [Name; 11] = [
    Name::new(b"arch"),
    Name::new(b"syscall"),
    Name::new(b"success"),
    Name::new(b"exit"),
    Name::new(b"a0"),
    Name::new(b"a1"),
    Name::new(b"a2"),
    Name::new(b"a3"),
    Name::new(b"items"),
    Name::new(b"ppid"),
    Name::new(b"pid"),
];

/// `name=value` at `at` in `text`, the value plain (non-empty, nothing
/// [`trim_value`] would take off) and followed by a space: the value and
/// where that space is.
///
/// [`trim_value`]: raudit_interpret::fields::trim_value
fn plain_field(text: &[u8], at: usize, name: Name) -> Option<(&[u8], usize)> {
    let word = text.get(at..at + 8)?;
    let word = u64::from_le_bytes(word.try_into().ok()?);
    if word & name.mask != name.packed {
        return None;
    }
    let from = at + name.name.len() + 1;
    let end = space_from(text, from);
    let value = &text[from..end];
    let plain = value.last().is_some_and(|c| !matches!(c, b':' | b',' | b'\'' | b')'));
    (plain && end < text.len()).then_some((value, end))
}

/// `parse_up_record`: the fields of one record.
///
/// With a memo, the fields of the record's body (for SYSCALL, of its tail
/// from `auid=` on, past the fields that change every time) are looked up
/// by their text: the tokens to come depend only on the text not read yet,
/// and what is made of them only on the record type, whether the record
/// starts with `node=` and how many fields came before.
pub(super) fn parse_record<'a>(
    r: &Record<'a>,
    cwd: &mut Option<&'a [u8]>,
    mut memo: Option<&mut Memo>,
) -> Rec<'a> {
    let body = r.body();
    let mut cut: Option<((u64, u64), &'a [u8], usize)> = None;
    // Room for a field every ten bytes or so (a SYSCALL record has one
    // every fourteen), without a pass to count them.
    let mut reading = Reading::new(r, r.text.len() / 10 + 2);
    reading.rec.stored = r.enriched.map(Stored::parse);
    loop {
        if cut.is_none()
            && reading.rec.rtype != 0
            && let Some(memo) = memo.as_deref_mut()
        {
            let rest = reading.tokens.rest();
            let rec = &mut reading.rec;
            let count = rec.fields.len();
            let tail = if rec.rtype == SYSCALL {
                reading.syscall_tail()
            } else if rest.starts_with(b"msg=a") && body.len() >= memo::MIN_TEXT {
                // Next is the header's `msg=audit(…):`, which gives no field, then the body.
                let header = memchr::memchr(b' ', rest).map(|i| i + 1);
                let body_at = memo::place_in(rest, body).map(|(at, _)| at);
                (header.is_some() && header == body_at).then_some(body)
            } else {
                None
            };
            if let Some(tail) = tail
                && count < 256
            {
                let rec = &mut reading.rec;
                let tag = memo::tag::FIELDS
                    | (count as u64) << 32
                    | (rec.at.offset() as u64) << 40
                    | u64::from(rec.rtype as u32);
                let key = (tag, Memo::hash(tag, tail, b""));
                if let Some(kept) = memo.get(key, tail, b"") {
                    replay(rec, tail, kept, cwd);
                    return reading.rec;
                }
                cut = Some((key, tail, count));
            }
        }
        if !(reading.header() || reading.syscall_prefix() || reading.step(cwd)) {
            break;
        }
    }
    let rec = reading.rec;
    if let (Some((key, tail, from)), Some(memo)) = (cut, memo) {
        let mut kept = Vec::new();
        if encode(&rec.fields[from..], tail, &mut kept) {
            memo.keep(key, tail, b"", &kept);
        }
    }
    rec
}

/// Names of fields that are not the record's own text.
const MADE_NAMES: [&[u8]; 4] = [b"seresult", b"seperms", b"", b"key"];

/// [`memo::place_in`] as kept: two u32.
fn range_in(text: &[u8], part: &[u8]) -> Option<(u32, u32)> {
    memo::place_in(text, part).map(|(at, len)| (at as u32, len as u32))
}

fn push_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// Writes `fields`, read from `tail`, for [`replay`]: per field a byte
/// (how its name and value are kept), then the name's and the value's
/// places in `tail`, or the value's bytes. False when a name is neither
/// the tail's nor a made one (then nothing is kept).
fn encode(fields: &[Field<'_>], tail: &[u8], out: &mut Vec<u8>) -> bool {
    for f in fields {
        let (name_kind, name_at) = match range_in(tail, f.name) {
            Some(at) if !f.name.is_empty() => (0, at),
            _ => match MADE_NAMES.iter().position(|&m| m == f.name) {
                Some(i) => (1 + i as u8, (0, 0)),
                None => return false,
            },
        };
        let value = f.val.as_deref();
        let value_at = value.and_then(|v| range_in(tail, v).filter(|_| !v.is_empty()));
        let value_kind = match (value, value_at) {
            (None, _) => 0,
            (Some(_), Some(_)) => 1,
            (Some(_), None) => 2,
        };
        out.push(name_kind | value_kind << 4);
        if name_kind == 0 {
            push_u32(out, name_at.0);
            push_u32(out, name_at.1);
        }
        match (value, value_at) {
            (_, Some((at, len))) => {
                push_u32(out, at);
                push_u32(out, len);
            }
            (Some(v), None) => {
                push_u32(out, v.len() as u32);
                out.extend_from_slice(v);
            }
            (None, _) => {}
        }
    }
    true
}

/// The fields [`encode`] wrote, pushed to `rec` as reading `tail` pushes
/// them: a field named from the text is one the loop noted.
fn replay<'a>(rec: &mut Rec<'a>, tail: &'a [u8], mut kept: &[u8], cwd: &mut Option<&'a [u8]>) {
    fn u32_at(kept: &mut &[u8]) -> usize {
        let (n, rest) = kept.split_at(4);
        *kept = rest;
        u32::from_le_bytes(n.try_into().unwrap_or_default()) as usize
    }
    while let Some((&how, rest)) = kept.split_first() {
        kept = rest;
        let name: &'a [u8] = match how & 15 {
            0 => {
                let (at, len) = (u32_at(&mut kept), u32_at(&mut kept));
                &tail[at..at + len]
            }
            made => MADE_NAMES[usize::from(made - 1)],
        };
        let val = match how >> 4 {
            0 => None,
            1 => {
                let (at, len) = (u32_at(&mut kept), u32_at(&mut kept));
                Some(Cow::Borrowed(&tail[at..at + len]))
            }
            _ => {
                let len = u32_at(&mut kept);
                let (v, rest) = kept.split_at(len);
                kept = rest;
                Some(Cow::Owned(v.to_vec()))
            }
        };
        if how & 15 == 0 {
            let cnt = rec.fields.len() + 1;
            if cnt <= Positions::LAST + rec.at.offset() {
                rec.at.note(cnt, name, val.as_deref().unwrap_or_default());
            }
            if rec.rtype == CWD
                && name == b"cwd"
                && let Some(Cow::Borrowed(v)) = val
            {
                *cwd = Some(v);
            }
        }
        rec.fields.push(Field { name, val });
    }
}

/// The unnamed words of SELinux AVC records: the result after `avc:` and
/// the permissions in braces.
fn avc_word<'a>(rec: &mut Rec<'a>, tok: &'a [u8], tokens: &mut Tokens<'a>) {
    let cnt = rec.fields.len();
    let offset = rec.at.offset();
    if cnt == 1 + offset {
        if tok.starts_with(b"avc") {
            return;
        }
        rec.fields.push(Field { name: b"seresult", val: Some(Cow::Borrowed(tok)) });
    } else if cnt == 2 + offset {
        if tok.first() == Some(&b'{') {
            let mut perms = Vec::new();
            while let Some(t) = tokens.next_raw() {
                if t.first() == Some(&b'}') {
                    break;
                }
                if !perms.is_empty() {
                    perms.push(b',');
                }
                perms.extend_from_slice(t);
            }
            rec.fields.push(Field { name: b"seperms", val: Some(Cow::Owned(perms)) });
        } else {
            // COMPAT: kept with no name.
            rec.fields.push(Field { name: b"", val: Some(Cow::Borrowed(tok)) });
        }
    }
}

/// `key=` values: a quoted key is kept; a hex one is decoded and split
/// into one `key` field per key, each quoted again or hex-encoded.
fn push_keys<'a>(rec: &mut Rec<'a>, val: &'a [u8]) {
    if val.first() == Some(&b'"') {
        rec.fields.push(Field { name: b"key", val: Some(Cow::Borrowed(val)) });
        return;
    }
    let Some(mut decoded) = unhex(val) else {
        rec.fields.push(Field { name: b"key", val: None });
        return;
    };
    if let Some(nul) = memchr::memchr(0, &decoded) {
        decoded.truncate(nul);
    }
    for key in decoded.split(|&b| b == KEY_SEPARATOR).filter(|k| !k.is_empty()) {
        let mut v = Vec::with_capacity(key.len() * 2 + 2);
        encode_nv_value(&mut v, key);
        rec.fields.push(Field { name: b"key", val: Some(Cow::Owned(v)) });
    }
}

#[cfg(test)]
mod tests {
    use super::super::Au;
    use super::*;
    use raudit_interpret::Escape;
    use raudit_sys::FixedHost;

    /// Records whose fields are made from more than their text: words
    /// (AVC), decoded keys, the working directory, fixed positions after
    /// `node=` and at 11 and 12 (SECCOMP), an early `auid=`.
    const RECORDS: &str = "\
type=SYSCALL msg=audit(1700000000.001:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=6B31016B32
type=CWD msg=audit(1700000000.001:1): cwd=\"/home/alice/work/projects/raudit\"
type=PROCTITLE msg=audit(1700000000.001:1): proctitle=636174002F6574632F736861646F77
node=web1 type=SYSCALL msg=audit(1700000000.002:2): arch=c000003e syscall=2 success=no exit=-13 a0=5 a1=6 a2=7 a3=8 items=1 ppid=1 pid=3 auid=1000 uid=0 gid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)
node=web1 type=CWD msg=audit(1700000000.002:2): cwd=\"/home/alice/work/projects/raudit\"
type=AVC msg=audit(1700000000.003:3): avc:  denied  { read write } for  pid=1 comm=\"httpd\" name=\"index.html\" dev=\"dm-0\" ino=1 scontext=system_u:system_r:httpd_t:s0 tcontext=unconfined_u:object_r:user_home_t:s0 tclass=file permissive=0
node=web1 type=AVC msg=audit(1700000000.006:6): avc:  denied  { read write } for  pid=1 comm=\"httpd\" name=\"index.html\" dev=\"dm-0\" ino=1 scontext=system_u:system_r:httpd_t:s0 tcontext=unconfined_u:object_r:user_home_t:s0 tclass=file permissive=0
type=SECCOMP msg=audit(1700000000.004:4): auid=1000 uid=0 gid=0 ses=1 subj=unconfined pid=5 comm=\"x\" exe=\"/usr/bin/x\" sig=0 arch=c000003e syscall=2 compat=0 ip=0x7f code=0x50000
type=SYSCALL msg=audit(1700000000.005:5): arch=c000003e auid=1000 syscall=2 success=no exit=-13 a0=5 a1=6 a2=7 a3=8 items=1 ppid=1 pid=3 uid=0 gid=0 comm=\"cat\" exe=\"/usr/bin/cat\"
";

    /// Everything the normaliser reads of an event's records.
    fn dump(au: &Au<'_, '_>) -> String {
        let mut s = format!("cwd={:?}\n", au.cwd.map(String::from_utf8_lossy));
        for r in &au.recs {
            let at = &r.at;
            s += &format!(
                "{} {:?} {} {} {} {}:",
                r.rtype,
                at.machine,
                at.syscall,
                at.a0,
                at.a1,
                at.offset()
            );
            for f in &r.fields {
                let v = f.val.as_deref().map(String::from_utf8_lossy);
                s += &format!(" {}={v:?}", String::from_utf8_lossy(f.name));
            }
            s += "\n";
        }
        s
    }

    fn fields_of(fields: &[Field<'_>]) -> Vec<(String, Option<String>)> {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        fields.iter().map(|f| (text(f.name), f.val.as_deref().map(text))).collect()
    }

    #[test]
    fn the_fast_syscall_reading_gives_what_reading_token_by_token_gives() {
        let prefix = "arch=c000003e syscall=2 success=yes exit=3 a0=7f a1=0 a2=1b6 a3=0 items=1 ppid=1 pid=2";
        let tail = "auid=1000 uid=0 comm=\"cat\" key=(null)";
        // The usual record with one thing in its fields before auid= changed.
        let changed = |from: &str, to: &str| {
            format!("type=SYSCALL msg=audit(1700000000.123:3): {} {tail}", prefix.replace(from, to))
        };
        let lines = [
            format!("type=SYSCALL msg=audit(1700000000.123:3): {prefix} {tail}"),
            format!("node=h type=SYSCALL msg=audit(1700000000.123:3): {prefix} {tail}"),
            format!("node=h: type=SYSCALL msg=audit(1700000000.123:3): {prefix} {tail}"),
            format!("node=h  type=SYSCALL msg=audit(1700000000.123:3): {prefix} {tail}"),
            format!("type=SYSCALL msg=audit(1700000000.123:3):  {prefix} {tail}"),
            format!("type=SYSCALL msg=audit(1700000000.123:3): {}", prefix.replace(" a1", "  a1"))
                + " "
                + tail,
            changed("exit=3", "exit=3:"),
            changed("a0=7f", "a0=(7f)"),
            changed("a2=1b6", "a2="),
            changed("items", "key=6B"),
            changed(" pid=2", ""),
            format!("type=SYSCALL msg=audit(1700000000.123:3): {prefix} x=1 {tail}"),
            format!("type=SYSCALL msg=audit(1700000000.123:3): {prefix}"),
            format!("type=SYSCALL msg=audit(1700000000.123:3): {prefix} "),
            format!("type=SYSCALL msg=audit(1700000000.123:3): word {prefix} {tail}"),
            format!("type=CWD msg=audit(1700000000.123:3): {prefix} {tail}"),
        ];
        let mut fast_ones = Vec::new();
        for line in &lines {
            let r = Record::parse(line.as_bytes(), 2).expect("a record");
            let mut slow = Reading::new(&r, 8);
            while slow.step(&mut None) {}
            let fast = parse_record(&r, &mut None, None);
            assert_eq!(fields_of(&fast.fields), fields_of(&slow.rec.fields), "{line}");
            assert_eq!(format!("{:?}", fast.at), format!("{:?}", slow.rec.at), "{line}");
            assert_eq!(fast.rtype, slow.rec.rtype, "{line}");
            let head = Head::read(&r, true);
            let n = head.fields.len();
            assert_eq!(fields_of(&head.fields), fields_of(&fast.fields[..n]), "{line}");
            assert_eq!(head.rtype, fast.rtype, "{line}");
            let mut fast_reading = Reading::new(&r, 8);
            let header = fast_reading.header();
            while fast_reading.rec.fields.len() < 1 + fast_reading.rec.at.offset() {
                fast_reading.step(&mut None);
            }
            fast_ones.push((header, fast_reading.syscall_prefix()));
            if let Some(tail) = head.tail {
                assert!(tail.starts_with(b"auid=") && n >= Positions::LAST + head.at.offset());
            }
        }
        // The usual forms take the fast ways (whatever follows `pid=`, when
        // eight bytes do); the odd ones do not.
        let (yes, no) = (true, false);
        let expected = [(yes, yes), (yes, yes), (no, yes), (no, yes), (yes, no), (yes, no)];
        assert_eq!(fast_ones[..6], expected);
        assert_eq!(
            fast_ones[6..].iter().filter(|&&(_, prefix)| prefix).count(),
            1,
            "{fast_ones:?}"
        );
    }

    #[test]
    fn fields_found_in_the_memo_are_those_reading_the_text_gives() {
        let fixed = FixedHost::new();
        let memoized = fixed.clone().keeping_names();
        let events = crate::memo::events_repeated(&[RECORDS], 2);
        let (mut read, mut kept) = (String::new(), String::new());
        for event in &events {
            Au::each(event, Escape::Tty, &fixed, |au| read += &dump(&au));
            Au::each(event, Escape::Tty, &memoized, |au| kept += &dump(&au));
        }
        assert_eq!(kept, read);
        // The records' fields as the cases above need them.
        assert!(read.contains(r#"key=Some("\"k1\"") key=Some("\"k2\"")"#), "{read}");
        assert!(read.contains(r#"seperms=Some("read,write")"#), "{read}");
        assert!(read.contains(r#"cwd=Some("\"/home/alice/work/projects/raudit\"")"#), "{read}");
        assert!(read.contains("1326 Some(X86_64) 2 0 0 0:"), "{read}");
        assert!(read.contains("1300 Some(X86_64) 2 5 6 1:"), "{read}");
    }
}
