//! `--format json` (raudit only): one JSON object per event, one per line.
//! The schema is in docs/json.md; its field names are stable.
//!
//! Every record keeps its raw fields (`fields`, the logged text of each
//! value) and, for the fields the interpreter knows, their meaning
//! (`interp`: names, decoded strings, flags). EXECVE and PROCTITLE get their
//! arguments as an `argv` array, and the event a `summary` of who did what
//! to which object, how, with what result.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::Write;
use std::ops::Range;

use raudit_interpret::value::unhex;
use raudit_interpret::{Context, Escape, Kind, Machine, Stored, kind};
use raudit_parse::cnum::push_decimal;
use raudit_parse::record::types::{EXECVE, PATH, PROCTITLE, SECCOMP, SOCKADDR, SYSCALL};
use raudit_parse::{Event, Record};
use raudit_sys::Host;

use crate::reuse::recycle;

/// One `name=value` of a record; `value` is as logged. A user record's
/// `msg='…'` holds fields of its own.
struct Field<'a> {
    name: &'a [u8],
    value: Value<'a>,
}

enum Value<'a> {
    Text(&'a [u8]),
    Nested(Vec<Field<'a>>),
}

/// Splits a record body into `fields` (emptied first, so that its memory
/// serves every record); words without `=` (an AVC's `denied { read }
/// for`) go to `words`. Returns how many of the body's `"` delimit quoted
/// values.
fn split_into<'a>(body: &'a [u8], words: &mut Vec<&'a [u8]>, fields: &mut Vec<Field<'a>>) -> usize {
    fields.clear();
    let mut quotes = 0;
    let mut i = 0;
    while i < body.len() {
        if body[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < body.len() && body[i] != b'=' && body[i] != b' ' {
            i += 1;
        }
        if i == body.len() || body[i] == b' ' {
            words.push(&body[start..i]);
            continue;
        }
        let name = &body[start..i];
        i += 1;
        let v = i;
        match body.get(v) {
            // An unterminated msg=' stays text: it cannot be split safely.
            Some(b'\'') if name == b"msg" && memchr::memchr(b'\'', &body[v + 1..]).is_some() => {
                let end = v + 1 + memchr::memchr(b'\'', &body[v + 1..]).unwrap_or(0);
                let mut inner = Vec::new();
                quotes += split_into(&body[v + 1..end], words, &mut inner);
                fields.push(Field { name, value: Value::Nested(inner) });
                i = end + 1;
            }
            Some(b'"') => {
                let end = match memchr::memchr(b'"', &body[v + 1..]) {
                    Some(e) => {
                        quotes += 2;
                        v + 2 + e
                    }
                    None => {
                        quotes += 1;
                        body.len()
                    }
                };
                fields.push(Field { name, value: Value::Text(&body[v..end]) });
                i = end;
            }
            _ => {
                let end = memchr::memchr(b' ', &body[v..]).map_or(body.len(), |e| v + e);
                fields.push(Field { name, value: Value::Text(&body[v..end]) });
                i = end;
            }
        }
    }
    quotes
}

/// Whether the only bytes of `body` that JSON must escape are the
/// `quotes` double quotes that delimit its quoted values (the common
/// case: one pass over the record instead of one per name and value).
fn escapes_only_delimiters(body: &[u8], quotes: usize) -> bool {
    let mut special = false;
    let mut seen = 0;
    // Counted in bytes, a chunk at a time: that is what vectorizes.
    for chunk in body.chunks(255) {
        let mut in_chunk = 0u8;
        for &b in chunk {
            special |= !(0x20..0x7f).contains(&b) || b == b'\\';
            in_chunk += u8::from(b == b'"');
        }
        seen += usize::from(in_chunk);
    }
    !special && seen == quotes
}

/// Bytes that go into a JSON string as they are.
static PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        t[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    t
};

/// Writes `s` as a JSON string. Invalid UTF-8 bytes are written as
/// `\u00XX` (the byte's value), so that every line is valid JSON.
pub fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    // Runs of plain bytes are copied whole; only the bytes between them
    // (quotes, backslashes, controls, non-ASCII) are looked at one by one.
    let mut plain_from = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if PLAIN[usize::from(b)] {
            i += 1;
            continue;
        }
        out.extend_from_slice(&s[plain_from..i]);
        if b >= 0x80 {
            // A UTF-8 sequence is kept when valid, else the byte is escaped.
            let len = match b {
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => 0,
            };
            match s.get(i..i + len).filter(|c| len > 0 && std::str::from_utf8(c).is_ok()) {
                Some(c) => {
                    out.extend_from_slice(c);
                    i += len;
                }
                None => {
                    let _ = write!(out, "\\u{b:04x}");
                    i += 1;
                }
            }
        } else {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => {
                    let _ = write!(out, "\\u{b:04x}");
                }
            }
            i += 1;
        }
        plain_from = i;
    }
    out.extend_from_slice(&s[plain_from..]);
    out.push(b'"');
}

/// What interpreting a record's fields needs.
struct Interp<'a> {
    rtype: i32,
    machine: Option<Machine>,
    syscall: i32,
    a0: u64,
    a1: u64,
    host: &'a dyn Host,
    stored: Option<&'a Stored<'a>>,
}

impl Interp<'_> {
    /// Appends the interpretation of `name=value` (unescaped: JSON has
    /// its own escaping).
    fn interpret(&self, out: &mut Vec<u8>, kind: Kind, name: &[u8], value: &[u8]) {
        let ctx = Context {
            machine: self.machine,
            syscall: self.syscall,
            syscall_name: None,
            a0: self.a0,
            a1: self.a1,
            cwd: None,
            host: self.host,
            stored: self.stored,
        };
        raudit_interpret::interpret_into(out, kind, name, value, &ctx, Escape::Raw);
    }

    /// Appends the meaning of `name=value`.
    fn meaning(&self, out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
        self.interpret(out, kind::of_field(self.rtype, name, value), name, value);
    }

    /// Writes the meaning of `name=value` as a JSON string; false when it
    /// has none other than its text.
    fn value(&self, out: &mut Vec<u8>, scratch: &mut Vec<u8>, name: &[u8], value: &[u8]) -> bool {
        let kind = kind::of_field(self.rtype, name, value);
        if kind == Kind::Unclassified || kind == Kind::MacLabel || kind == Kind::Addr {
            return false;
        }
        scratch.clear();
        self.interpret(scratch, kind, name, value);
        string(out, scratch);
        true
    }
}

/// The JSON member names of `fields`: a name that repeats gets `#2`, `#3`,
/// … so that no member is lost (JSON readers keep one of equal names).
fn member_names<'a>(fields: &[Field<'a>]) -> Vec<Cow<'a, [u8]>> {
    let mut names = Vec::new();
    member_names_into(fields, &mut names);
    names
}

/// [`member_names`] into `names` (emptied first).
fn member_names_into<'a>(fields: &[Field<'a>], names: &mut Vec<Cow<'a, [u8]>>) {
    names.clear();
    // The common case: no name repeats. Checked with a small hash table
    // of field indexes (FNV-1a of the name), comparing names only when
    // their slots collide.
    if fields.len() <= 48 {
        let mut slots = [usize::MAX; 64];
        let mut repeats = false;
        'fields: for (i, f) in fields.iter().enumerate() {
            let mut h = f.name.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            loop {
                let slot = &mut slots[(h & 63) as usize];
                if *slot == usize::MAX {
                    *slot = i;
                    continue 'fields;
                }
                if fields[*slot].name == f.name {
                    repeats = true;
                    break 'fields;
                }
                h = h.wrapping_add(1);
            }
        }
        if !repeats {
            names.extend(fields.iter().map(|f| Cow::Borrowed(f.name)));
            return;
        }
    }
    for (i, f) in fields.iter().enumerate() {
        let seen = fields[..i].iter().filter(|g| g.name == f.name).count();
        names.push(if seen == 0 {
            Cow::Borrowed(f.name)
        } else {
            Cow::Owned([f.name, format!("#{}", seen + 1).as_bytes()].concat())
        });
    }
}

/// Writes a member name: as it is when its record needs no escaping
/// but its delimiting quotes.
fn member(out: &mut Vec<u8>, name: &[u8], plain: bool) {
    if plain {
        out.push(b'"');
        out.extend_from_slice(name);
        out.extend_from_slice(b"\":");
    } else {
        string(out, name);
        out.push(b':');
    }
}

/// Writes a logged value as a JSON string; in a `plain` record only the
/// quotes around a quoted value need escaping.
fn raw_value(out: &mut Vec<u8>, value: &[u8], plain: bool) {
    if !plain {
        return string(out, value);
    }
    match value.strip_prefix(b"\"") {
        Some(inner) => {
            out.extend_from_slice(b"\"\\\"");
            match inner.strip_suffix(b"\"") {
                Some(text) => {
                    out.extend_from_slice(text);
                    out.extend_from_slice(b"\\\"\"");
                }
                None => {
                    out.extend_from_slice(inner);
                    out.push(b'"');
                }
            }
        }
        None => {
            out.push(b'"');
            out.extend_from_slice(value);
            out.push(b'"');
        }
    }
}

/// Writes the raw fields as a JSON object; `names` are their member names.
fn raw_object(out: &mut Vec<u8>, fields: &[Field<'_>], names: &[Cow<'_, [u8]>], plain: bool) {
    out.push(b'{');
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        member(out, &names[i], plain);
        match &f.value {
            Value::Text(t) => raw_value(out, t, plain),
            Value::Nested(inner) => raw_object(out, inner, &member_names(inner), plain),
        }
    }
    out.push(b'}');
}

/// Writes the interpreted fields as a JSON object; `names` are their member names.
fn interp_object(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    fields: &[Field<'_>],
    names: &[Cow<'_, [u8]>],
    it: &Interp<'_>,
    plain: bool,
) {
    out.push(b'{');
    let mut first = true;
    for (f, name) in fields.iter().zip(names) {
        let mark = out.len();
        if !first {
            out.push(b',');
        }
        member(out, name, plain);
        let written = match &f.value {
            Value::Text(t) => it.value(out, scratch, f.name, t),
            Value::Nested(inner) => {
                interp_object(out, scratch, inner, &member_names(inner), it, plain);
                true
            }
        };
        if written {
            first = false;
        } else {
            out.truncate(mark);
        }
    }
    out.push(b'}');
}

fn text_of<'a>(fields: &[Field<'a>], name: &[u8]) -> Option<&'a [u8]> {
    fields.iter().find_map(|f| match f.value {
        Value::Text(t) if f.name == name => Some(t),
        _ => None,
    })
}

/// `aN` is argument N whole (true), `aN[i]` a part of it (false).
fn arg_number(name: &[u8]) -> Option<(usize, bool)> {
    let digits = name.strip_prefix(b"a")?;
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 || (len > 1 && digits[0] == b'0') {
        return None;
    }
    let n = std::str::from_utf8(&digits[..len]).ok()?.parse().ok()?;
    match digits[len..].first() {
        None => Some((n, true)),
        Some(b'[') => Some((n, false)),
        Some(_) => None,
    }
}

/// Calls `each` with EXECVE's arguments a0.. in order, decoded (long ones
/// are logged as aN[0], aN[1], …, and joined), `arg` holding each one.
fn execve_args(fields: &[Field<'_>], arg: &mut Vec<u8>, mut each: impl FnMut(usize, &[u8])) {
    let argc = text_of(fields, b"argc")
        .and_then(|v| std::str::from_utf8(v).ok()?.parse::<usize>().ok())
        .unwrap_or(0);
    let count = argc.min(fields.len());
    // Where each argument is, found in one pass: a record can hold
    // hundreds of thousands.
    let mut whole = vec![None; count];
    let mut parts = Vec::new();
    for f in fields {
        let Value::Text(t) = f.value else { continue };
        match arg_number(f.name) {
            Some((n, true)) if n < count => {
                whole[n].get_or_insert(t);
            }
            Some((n, false)) if n < count => parts.push((n, t)),
            _ => {}
        }
    }
    parts.sort_by_key(|&(n, _)| n);
    let mut parts = parts.iter().peekable();
    for (n, whole) in whole.iter().enumerate() {
        arg.clear();
        while let Some((_, part)) = parts.next_if(|&&(m, _)| m == n) {
            if whole.is_none() {
                raudit_interpret::value::escaped(arg, part);
            }
        }
        if let Some(v) = whole {
            raudit_interpret::value::escaped(arg, v);
        }
        each(n, arg);
    }
}

/// Writes PROCTITLE's arguments (hex with NUL separators, or one quoted
/// string) as a JSON array; `decoded` holds them.
fn proctitle_argv(out: &mut Vec<u8>, value: &[u8], decoded: &mut Vec<u8>) {
    decoded.clear();
    if value.first() == Some(&b'"') {
        raudit_interpret::value::escaped(decoded, value);
        out.push(b'[');
        string(out, decoded);
        out.push(b']');
        return;
    }
    match unhex(value) {
        Some(bytes) => decoded.extend_from_slice(&bytes),
        None => decoded.extend_from_slice(value),
    }
    // Trailing NULs end the last argument; they start none.
    let args = &decoded[..decoded.len() - decoded.iter().rev().take_while(|&&b| b == 0).count()];
    out.push(b'[');
    if !args.is_empty() {
        for (i, a) in args.split(|&b| b == 0).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, a);
        }
    }
    out.push(b']');
}

/// The event's summary, gathered while its records are written; its
/// values are ranges of `text`.
#[derive(Default)]
struct Summary {
    text: Vec<u8>,
    auid: Option<Range<usize>>,
    uid: Option<Range<usize>>,
    action: Option<Range<usize>>,
    how: Option<Range<usize>>,
    result: Option<&'static str>,
    keys: Vec<Range<usize>>,
    /// Object candidates, best first: a file, an address, a command line.
    path: Option<Range<usize>>,
    address: Option<Range<usize>>,
    command: Option<Range<usize>>,
}

impl Summary {
    /// An empty summary that keeps this one's memory.
    fn cleared(&mut self) -> Summary {
        let mut text = std::mem::take(&mut self.text);
        let mut keys = std::mem::take(&mut self.keys);
        text.clear();
        keys.clear();
        Summary { text, keys, ..Summary::default() }
    }
}

/// Appends what `write` writes to `text`; returns where it is.
fn put(text: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) -> Range<usize> {
    let start = text.len();
    write(text);
    start..text.len()
}

/// Formats `event` as one JSON line.
pub fn write_event(out: &mut Vec<u8>, event: &Event<'_>, host: &dyn Host) {
    let mut scratch = SCRATCH.take().recycle();
    write_event_with(out, event, host, &mut scratch);
    SCRATCH.set(scratch.recycle());
}

fn write_event_with<'a>(
    out: &mut Vec<u8>,
    event: &Event<'a>,
    host: &dyn Host,
    scratch: &mut Scratch<'a>,
) {
    let key = &event.key;
    out.extend_from_slice(b"{\"node\":");
    match key.node {
        Some(n) => string(out, n),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"time\":\"");
    rfc3339(out, key.sec, key.milli);
    out.extend_from_slice(b"\",\"sec\":");
    push_decimal(out, key.sec, 1);
    out.extend_from_slice(b",\"milli\":");
    push_decimal(out, u64::from(key.milli), 1);
    out.extend_from_slice(b",\"serial\":");
    push_decimal(out, key.serial, 1);
    out.extend_from_slice(b",\"type\":");
    string(out, event.records[0].type_name().as_bytes());
    out.extend_from_slice(b",\"records\":[");
    scratch.summary = scratch.summary.cleared();
    for (i, r) in event.records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_record(out, r, host, scratch);
    }
    out.extend_from_slice(b"],\"summary\":{");
    let sum = &scratch.summary;
    let object = sum.path.as_ref().or(sum.address.as_ref()).or(sum.command.as_ref());
    let members = [
        ("auid", sum.auid.as_ref()),
        ("uid", sum.uid.as_ref()),
        ("action", sum.action.as_ref()),
        ("object", object),
        ("how", sum.how.as_ref()),
    ];
    for (i, (name, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        member(out, name.as_bytes(), true);
        match value {
            Some(range) => string(out, &sum.text[range.clone()]),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b",\"result\":");
    match sum.result {
        Some(r) => string(out, r.as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"keys\":[");
    for (i, k) in sum.keys.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, &sum.text[k.clone()]);
    }
    out.extend_from_slice(b"]}}\n");
}

/// Writes a UTC time as RFC 3339 with milliseconds: `2023-11-14T22:13:20.038Z`.
fn rfc3339(out: &mut Vec<u8>, sec: u64, milli: u32) {
    let days = (sec / 86_400) as i64;
    let secs = sec % 86_400;
    let (year, month, day) = raudit_sys::clock::civil_from_days(days);
    let digit = |n: u64| b'0' + (n % 10) as u8;
    push_decimal(out, year as u64, 4);
    let (month, day, milli) = (month as u64, day as u64, u64::from(milli));
    let (hour, minute, second) = (secs / 3600, secs / 60 % 60, secs % 60);
    out.extend_from_slice(&[
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ]);
    out.extend_from_slice(&[b'T', digit(hour / 10), digit(hour), b':', digit(minute / 10)]);
    out.extend_from_slice(&[digit(minute), b':', digit(second / 10), digit(second), b'.']);
    out.extend_from_slice(&[digit(milli / 100), digit(milli / 10), digit(milli), b'Z']);
}

thread_local! {
    /// Each thread's vectors for writing events, kept from one event to the next.
    static SCRATCH: Cell<Scratch<'static>> = Cell::default();
}

/// Vectors a record needs while it is written, kept for the next record.
#[derive(Default)]
struct Scratch<'a> {
    words: Vec<&'a [u8]>,
    fields: Vec<Field<'a>>,
    names: Vec<Cow<'a, [u8]>>,
    /// One interpretation or decoded value.
    value: Vec<u8>,
    summary: Summary,
}

impl Scratch<'_> {
    /// The same memory, emptied, for the records of another event.
    fn recycle<'b>(self) -> Scratch<'b> {
        Scratch {
            words: recycle(self.words),
            fields: recycle(self.fields),
            names: recycle(self.names),
            value: self.value,
            summary: self.summary,
        }
    }
}

fn write_record<'a>(out: &mut Vec<u8>, r: &Record<'a>, host: &dyn Host, scratch: &mut Scratch<'a>) {
    let Scratch { words, fields, names, value: scratch, summary } = scratch;
    words.clear();
    let body = r.body();
    let quotes = split_into(body, words, fields);
    let plain = escapes_only_delimiters(body, quotes);
    let fields = &*fields;
    let stored = r.enriched.filter(|e| !e.is_empty()).map(Stored::parse);
    let mut it = Interp {
        rtype: r.rtype,
        machine: None,
        syscall: 0,
        a0: 0,
        a1: 0,
        host,
        stored: stored.as_ref().filter(|s| !s.is_empty()),
    };
    if r.rtype == SYSCALL || r.rtype == SECCOMP {
        use raudit_interpret::cnum::strtoul;
        it.syscall = -1;
        for f in fields {
            let Value::Text(v) = f.value else { continue };
            match f.name {
                b"arch" => {
                    it.machine = strtoul(v, 16).ok().and_then(|e| Machine::from_elf(e as u32))
                }
                b"syscall" => it.syscall = strtoul(v, 10).map_or(-1, |n| n as i32),
                b"a0" => it.a0 = strtoul(v, 16).unwrap_or(0),
                b"a1" => it.a1 = strtoul(v, 16).unwrap_or(0),
                _ => {}
            }
        }
    }
    out.extend_from_slice(b"{\"type\":");
    string(out, r.type_name().as_bytes());
    member_names_into(fields, names);
    out.extend_from_slice(b",\"fields\":");
    raw_object(out, fields, names, plain);
    out.extend_from_slice(b",\"interp\":");
    interp_object(out, scratch, fields, names, &it, plain);
    if !words.is_empty() {
        out.extend_from_slice(b",\"words\":[");
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, w);
        }
        out.push(b']');
    }
    match r.rtype {
        EXECVE => {
            out.extend_from_slice(b",\"argv\":[");
            let command = summary.command.is_none();
            let start = summary.text.len();
            execve_args(fields, scratch, |n, arg| {
                if n > 0 {
                    out.push(b',');
                    if command {
                        summary.text.push(b' ');
                    }
                }
                string(out, arg);
                if command {
                    summary.text.extend_from_slice(arg);
                }
            });
            out.push(b']');
            if command {
                summary.command = Some(start..summary.text.len());
            }
        }
        PROCTITLE => {
            if let Some(v) = text_of(fields, b"proctitle") {
                out.extend_from_slice(b",\"argv\":");
                proctitle_argv(out, v, scratch);
            }
        }
        _ => {}
    }
    out.push(b'}');
    summarize(r.rtype, fields, &it, summary, scratch);
}

/// The fields a summary is made of, first occurrence of each (the
/// record's own, then its msg='…'), found in one pass.
#[derive(Default)]
struct Facts<'a> {
    auid: Option<&'a [u8]>,
    uid: Option<&'a [u8]>,
    syscall: Option<&'a [u8]>,
    op: Option<&'a [u8]>,
    exe: Option<&'a [u8]>,
    name: Option<&'a [u8]>,
    nametype: Option<&'a [u8]>,
    saddr: Option<&'a [u8]>,
    success: Option<&'a [u8]>,
    res: Option<&'a [u8]>,
    key: Option<&'a [u8]>,
}

impl<'a> Facts<'a> {
    fn gather(&mut self, fields: &[Field<'a>]) {
        for f in fields {
            let t = match &f.value {
                Value::Text(t) => *t,
                Value::Nested(inner) => {
                    self.gather(inner);
                    continue;
                }
            };
            let slot = match f.name {
                b"auid" => &mut self.auid,
                b"uid" => &mut self.uid,
                b"syscall" => &mut self.syscall,
                b"op" => &mut self.op,
                b"exe" => &mut self.exe,
                b"name" => &mut self.name,
                b"nametype" => &mut self.nametype,
                b"saddr" => &mut self.saddr,
                b"success" => &mut self.success,
                b"res" => &mut self.res,
                b"key" => &mut self.key,
                _ => continue,
            };
            slot.get_or_insert(t);
        }
    }
}

/// Adds a record's facts to the event's summary; `decoded` is scratch.
fn summarize(
    rtype: i32,
    fields: &[Field<'_>],
    it: &Interp<'_>,
    sum: &mut Summary,
    decoded: &mut Vec<u8>,
) {
    use raudit_interpret::value::escaped;
    let mut facts = Facts::default();
    facts.gather(fields);
    let text = &mut sum.text;
    if sum.auid.is_none() {
        sum.auid = facts.auid.map(|v| put(text, |t| it.meaning(t, b"auid", v)));
    }
    if sum.uid.is_none() {
        sum.uid = facts.uid.map(|v| put(text, |t| it.meaning(t, b"uid", v)));
    }
    if rtype == SYSCALL {
        sum.action = facts.syscall.map(|v| put(text, |t| it.meaning(t, b"syscall", v)));
    } else if sum.action.is_none() {
        sum.action = facts.op.map(|v| put(text, |t| escaped(t, v)));
    }
    if sum.how.is_none() {
        sum.how = facts.exe.map(|v| put(text, |t| escaped(t, v)));
    }
    match rtype {
        PATH if sum.path.is_none() && facts.nametype != Some(b"PARENT") => {
            sum.path = facts.name.map(|v| put(text, |t| escaped(t, v)));
        }
        SOCKADDR if sum.address.is_none() => {
            sum.address = facts.saddr.map(|v| put(text, |t| it.meaning(t, b"saddr", v)));
        }
        _ => {}
    }
    if sum.result.is_none() {
        sum.result = match facts.success.or(facts.res) {
            Some(b"yes" | b"success" | b"1") => Some("success"),
            Some(b"no" | b"failed" | b"0") => Some("failed"),
            _ => None,
        };
    }
    // The keys of a `key=` value (several are joined by 0x01).
    if let Some(k) = facts.key.filter(|&k| k != b"(null)") {
        decoded.clear();
        escaped(decoded, k);
        for key in decoded.split(|&b| b == 0x01).filter(|k| !k.is_empty()) {
            if !sum.keys.iter().any(|r| &text[r.clone()] == key) {
                sum.keys.push(put(text, |t| t.extend_from_slice(key)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_reader_expects() {
        let mut words = Vec::new();
        let mut f = Vec::new();
        let body = b"pid=1 msg='op=login acct=\"a b\" res=success' x";
        assert_eq!(split_into(body, &mut words, &mut f), 2);
        assert_eq!(f.len(), 2);
        assert_eq!(words, vec![&b"x"[..]]);
        let Value::Nested(inner) = &f[1].value else { panic!("msg is nested") };
        assert_eq!(inner.len(), 3);
        let Value::Text(acct) = inner[1].value else { panic!() };
        assert_eq!(acct, b"\"a b\"");
    }

    #[test]
    fn plain_records_are_written_as_escaping_would_write_them() {
        let bodies: [(&[u8], bool); 8] = [
            (b"a=\"x\" b=y c=\"\" d=\" e", true),
            (b"msg='op=\"x y\" res=1' z", true),
            (b"a=\"unterminated", true),
            (b"a=\"", true),
            (b"x=1 \"q=2", false),
            (b"w=a\"b", false),
            (b"t=\"\\\" u=1", false),
            (b"v=\x01 \xc3\xa9=1", false),
        ];
        for (body, plain) in bodies {
            let (mut words, mut fields) = (Vec::new(), Vec::new());
            let quotes = split_into(body, &mut words, &mut fields);
            assert_eq!(escapes_only_delimiters(body, quotes), plain, "{body:?}");
            let names = member_names(&fields);
            let (mut fast, mut escaped) = (Vec::new(), Vec::new());
            raw_object(&mut fast, &fields, &names, plain);
            raw_object(&mut escaped, &fields, &names, false);
            assert_eq!(fast, escaped, "{body:?}");
        }
    }

    #[test]
    fn execve_arguments_are_joined_from_their_parts() {
        let body = b"argc=4 a0=\"x\" a1_len=4 a1[0]=\"ab\" a1[1]=\"cd\" a2=6869 a01=\"no\" a3=\"y\" a3[0]=\"no\"";
        let (mut words, mut fields) = (Vec::new(), Vec::new());
        split_into(body, &mut words, &mut fields);
        let mut args = Vec::new();
        execve_args(&fields, &mut Vec::new(), |n, arg| args.push((n, arg.to_vec())));
        let want: Vec<(usize, Vec<u8>)> = vec![
            (0, b"x".to_vec()),
            (1, b"abcd".to_vec()),
            (2, b"hi".to_vec()),
            (3, b"y".to_vec()),
        ];
        assert_eq!(args, want);
        let mut out = Vec::new();
        proctitle_argv(&mut out, b"6100620000", &mut Vec::new());
        assert_eq!(out, b"[\"a\",\"b\"]");
    }

    #[test]
    fn times() {
        let time = |sec, milli| {
            let mut out = Vec::new();
            rfc3339(&mut out, sec, milli);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(time(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(time(1_700_000_010, 123), "2023-11-14T22:13:30.123Z");
        assert_eq!(time(951_782_400, 5), "2000-02-29T00:00:00.005Z");
    }

    #[test]
    fn strings_are_valid_json() {
        let mut out = Vec::new();
        string(&mut out, b"a\"b\\c\n\x01\xff");
        assert_eq!(out, b"\"a\\\"b\\\\c\\n\\u0001\\u00ff\"");
        out.clear();
        // Valid UTF-8 stays as it is; a broken sequence is escaped by byte.
        string(&mut out, "é✓\u{7f}".as_bytes());
        assert_eq!(out, "\"é✓\\u007f\"".as_bytes());
        out.clear();
        string(&mut out, b"\xe2\x9c");
        assert_eq!(out, b"\"\\u00e2\\u009c\"");
    }
}
