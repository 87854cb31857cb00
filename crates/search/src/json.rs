//! `--format json` (raudit only): one JSON object per event, one per line.
//! The schema is in docs/json.md; its field names are stable.
//!
//! Every record keeps its raw fields (`fields`, the logged text of each
//! value) and, for the fields the interpreter knows, their meaning
//! (`interp`: names, decoded strings, flags). EXECVE and PROCTITLE get their
//! arguments as an `argv` array, and the event a `summary` of who did what
//! to which object, how, with what result.

use std::borrow::Cow;
use std::io::Write;

use raudit_interpret::value::unhex;
use raudit_interpret::{Context, Escape, Kind, Machine, Stored, kind};
use raudit_parse::record::types::{EXECVE, PATH, PROCTITLE, SECCOMP, SOCKADDR, SYSCALL};
use raudit_parse::{Event, Record};
use raudit_sys::Host;

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

/// Splits a record body into its fields; words without `=` (an AVC's
/// `denied { read } for`) are returned apart.
fn split<'a>(body: &'a [u8], words: &mut Vec<&'a [u8]>) -> Vec<Field<'a>> {
    let mut fields = Vec::new();
    split_into(body, words, &mut fields);
    fields
}

/// [`split`] into `fields` (emptied first), so that its memory serves
/// every record of an event.
fn split_into<'a>(body: &'a [u8], words: &mut Vec<&'a [u8]>, fields: &mut Vec<Field<'a>>) {
    fields.clear();
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
                let inner = split(&body[v + 1..end], words);
                fields.push(Field { name, value: Value::Nested(inner) });
                i = end + 1;
            }
            Some(b'"') => {
                let end = memchr::memchr(b'"', &body[v + 1..]).map_or(body.len(), |e| v + 2 + e);
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

/// Writes the raw fields as a JSON object; `names` are their member names.
fn raw_object(out: &mut Vec<u8>, fields: &[Field<'_>], names: &[Cow<'_, [u8]>]) {
    out.push(b'{');
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, &names[i]);
        out.push(b':');
        match &f.value {
            Value::Text(t) => string(out, t),
            Value::Nested(inner) => raw_object(out, inner, &member_names(inner)),
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
) {
    out.push(b'{');
    let mut first = true;
    for (f, member) in fields.iter().zip(names) {
        let mark = out.len();
        if !first {
            out.push(b',');
        }
        string(out, member);
        out.push(b':');
        let written = match &f.value {
            Value::Text(t) => it.value(out, scratch, f.name, t),
            Value::Nested(inner) => {
                interp_object(out, scratch, inner, &member_names(inner), it);
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

/// A quoted or hex-encoded string, decoded.
fn decoded(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    raudit_interpret::value::escaped(&mut out, value);
    out
}

/// EXECVE's arguments: a0.. (long ones logged as aN[0], aN[1], …).
fn execve_argv(fields: &[Field<'_>]) -> Vec<Vec<u8>> {
    let argc = text_of(fields, b"argc")
        .and_then(|v| std::str::from_utf8(v).ok()?.parse::<usize>().ok())
        .unwrap_or(0);
    let mut argv = Vec::new();
    for n in 0..argc.min(fields.len()) {
        let whole = format!("a{n}");
        if let Some(v) = text_of(fields, whole.as_bytes()) {
            argv.push(decoded(v));
            continue;
        }
        let prefix = format!("a{n}[");
        let mut arg = Vec::new();
        for f in fields.iter().filter(|f| f.name.starts_with(prefix.as_bytes())) {
            if let Value::Text(t) = f.value {
                arg.extend_from_slice(&decoded(t));
            }
        }
        argv.push(arg);
    }
    argv
}

/// PROCTITLE's arguments: hex with NUL separators, or one quoted string.
fn proctitle_argv(value: &[u8]) -> Vec<Vec<u8>> {
    if value.first() == Some(&b'"') {
        return vec![decoded(value)];
    }
    let bytes = unhex(value).unwrap_or_else(|| value.to_vec());
    let mut argv: Vec<Vec<u8>> = bytes.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    while argv.last().is_some_and(Vec::is_empty) {
        argv.pop();
    }
    argv
}

fn string_array(out: &mut Vec<u8>, items: &[Vec<u8>]) {
    out.push(b'[');
    for (i, a) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, a);
    }
    out.push(b']');
}

/// The keys of a `key=` value (several are joined by 0x01).
fn keys(value: &[u8]) -> Vec<Vec<u8>> {
    if value == b"(null)" {
        return Vec::new();
    }
    decoded(value).split(|&b| b == 0x01).filter(|k| !k.is_empty()).map(<[u8]>::to_vec).collect()
}

/// The event's summary, gathered while its records are written.
#[derive(Default)]
struct Summary {
    auid: Option<Vec<u8>>,
    uid: Option<Vec<u8>>,
    action: Option<Vec<u8>>,
    object: Option<Vec<u8>>,
    how: Option<Vec<u8>>,
    result: Option<&'static str>,
    keys: Vec<Vec<u8>>,
    /// Object candidates, best first when chosen: a file, an address, a
    /// command line.
    path: Option<Vec<u8>>,
    address: Option<Vec<u8>>,
    command: Option<Vec<u8>>,
}

/// Formats `event` as one JSON line.
pub fn write_event(out: &mut Vec<u8>, event: &Event<'_>, host: &dyn Host) {
    let key = &event.key;
    out.extend_from_slice(b"{\"node\":");
    match key.node {
        Some(n) => string(out, n),
        None => out.extend_from_slice(b"null"),
    }
    let _ = write!(
        out,
        ",\"time\":\"{}\",\"sec\":{},\"milli\":{},\"serial\":{},\"type\":",
        Rfc3339(key.sec, key.milli),
        key.sec,
        key.milli,
        key.serial
    );
    string(out, event.records[0].type_name().as_bytes());
    out.extend_from_slice(b",\"records\":[");
    let mut summary = Summary::default();
    let mut scratch = Scratch::default();
    for (i, r) in event.records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_record(out, r, host, &mut summary, &mut scratch);
    }
    out.extend_from_slice(b"],\"summary\":{");
    summary.object = summary.path.take().or(summary.address.take()).or(summary.command.take());
    let opt = |out: &mut Vec<u8>, name: &str, v: &Option<Vec<u8>>| {
        let _ = write!(out, "\"{name}\":");
        match v {
            Some(v) => string(out, v),
            None => out.extend_from_slice(b"null"),
        }
    };
    opt(out, "auid", &summary.auid);
    out.push(b',');
    opt(out, "uid", &summary.uid);
    out.push(b',');
    opt(out, "action", &summary.action);
    out.push(b',');
    opt(out, "object", &summary.object);
    out.push(b',');
    opt(out, "how", &summary.how);
    out.extend_from_slice(b",\"result\":");
    match summary.result {
        Some(r) => string(out, r.as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"keys\":");
    string_array(out, &summary.keys);
    out.extend_from_slice(b"}}\n");
}

/// A UTC time as RFC 3339 with milliseconds: `2023-11-14T22:13:20.038Z`.
struct Rfc3339(u64, u32);

impl std::fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = (self.0 / 86_400) as i64;
        let secs = self.0 % 86_400;
        let (year, month, day) = raudit_sys::clock::civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            self.1
        )
    }
}

/// Vectors a record needs while it is written, kept for the next record.
#[derive(Default)]
struct Scratch<'a> {
    words: Vec<&'a [u8]>,
    fields: Vec<Field<'a>>,
    names: Vec<Cow<'a, [u8]>>,
    interp: Vec<u8>,
}

fn write_record<'a>(
    out: &mut Vec<u8>,
    r: &Record<'a>,
    host: &dyn Host,
    sum: &mut Summary,
    scratch: &mut Scratch<'a>,
) {
    let Scratch { words, fields, names, interp: scratch } = scratch;
    words.clear();
    split_into(r.body(), words, fields);
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
    raw_object(out, fields, names);
    out.extend_from_slice(b",\"interp\":");
    interp_object(out, scratch, fields, names, &it);
    if !words.is_empty() {
        out.extend_from_slice(b",\"words\":");
        let words: Vec<Vec<u8>> = words.iter().map(|w| w.to_vec()).collect();
        string_array(out, &words);
    }
    match r.rtype {
        EXECVE => {
            let argv = execve_argv(fields);
            out.extend_from_slice(b",\"argv\":");
            string_array(out, &argv);
            if sum.command.is_none() {
                sum.command = Some(argv.join(&b' '));
            }
        }
        PROCTITLE => {
            if let Some(v) = text_of(fields, b"proctitle") {
                out.extend_from_slice(b",\"argv\":");
                string_array(out, &proctitle_argv(v));
            }
        }
        _ => {}
    }
    out.push(b'}');
    summarize(r.rtype, fields, &it, sum);
}

/// The interpretation of one field, as bytes.
fn meaning(it: &Interp<'_>, name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    it.interpret(&mut v, kind::of_field(it.rtype, name, value), name, value);
    v
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

fn summarize(rtype: i32, fields: &[Field<'_>], it: &Interp<'_>, sum: &mut Summary) {
    let mut facts = Facts::default();
    facts.gather(fields);
    if sum.auid.is_none() {
        sum.auid = facts.auid.map(|v| meaning(it, b"auid", v));
    }
    if sum.uid.is_none() {
        sum.uid = facts.uid.map(|v| meaning(it, b"uid", v));
    }
    if rtype == SYSCALL {
        sum.action = facts.syscall.map(|v| meaning(it, b"syscall", v));
    } else if sum.action.is_none() {
        sum.action = facts.op.map(decoded);
    }
    if sum.how.is_none() {
        sum.how = facts.exe.map(decoded);
    }
    match rtype {
        PATH if sum.path.is_none() && facts.nametype != Some(b"PARENT") => {
            sum.path = facts.name.map(decoded);
        }
        SOCKADDR if sum.address.is_none() => {
            sum.address = facts.saddr.map(|v| meaning(it, b"saddr", v));
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
    if let Some(k) = facts.key {
        for key in keys(k) {
            if !sum.keys.contains(&key) {
                sum.keys.push(key);
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
        let f = split(b"pid=1 msg='op=login acct=\"a b\" res=success' x", &mut words);
        assert_eq!(f.len(), 2);
        assert_eq!(words, vec![&b"x"[..]]);
        let Value::Nested(inner) = &f[1].value else { panic!("msg is nested") };
        assert_eq!(inner.len(), 3);
        let Value::Text(acct) = inner[1].value else { panic!() };
        assert_eq!(acct, b"\"a b\"");
    }

    #[test]
    fn times() {
        assert_eq!(Rfc3339(0, 0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Rfc3339(1_700_000_010, 123).to_string(), "2023-11-14T22:13:30.123Z");
        assert_eq!(Rfc3339(951_782_400, 5).to_string(), "2000-02-29T00:00:00.005Z");
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
