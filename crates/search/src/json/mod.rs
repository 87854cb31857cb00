//! `--format json` (raudit only): one JSON object per event, one per line.
//! The schema is in docs/json.md; its field names are stable.
//!
//! Every record keeps its raw fields (`fields`, the logged text of each
//! value) and, for the fields the interpreter knows, their meaning
//! (`interp`: names, decoded strings, flags). EXECVE and PROCTITLE get their
//! arguments as an `argv` array, and the event a `summary` of who did what
//! to which object, how, with what result.

mod fields;
mod kept;
mod summary;
mod text;

use std::borrow::Cow;
use std::cell::Cell;

use raudit_interpret::{Context, Escape, Kind, Machine, Stored, kind};
use raudit_parse::cnum::push_decimal;
use raudit_parse::record::types::{EXECVE, PROCTITLE, SECCOMP, SYSCALL};
use raudit_parse::{Event, Record};
use raudit_sys::Host;

use crate::memo::{self, Memo};
use crate::reuse::recycle;
use fields::{Field, Value, execve_args, member_names, member_names_into, proctitle_argv};
use fields::{slot_hash, split_until, text_of};
use kept::{TailKept, fill_facts, split_facts, write_facts};
use summary::{Facts, Summary, summarize, summarize_facts};
pub use text::string;
use text::{escapes_only_delimiters, member, raw_value};

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

impl<'a> Interp<'a> {
    /// The context of a record's values: for SYSCALL and SECCOMP, the
    /// last arch, syscall, a0 and a1 of `fields`.
    fn of(
        rtype: i32,
        fields: &[Field<'_>],
        host: &'a dyn Host,
        stored: Option<&'a Stored<'a>>,
    ) -> Self {
        let mut it = Interp { rtype, machine: None, syscall: 0, a0: 0, a1: 0, host, stored };
        if rtype == SYSCALL || rtype == SECCOMP {
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
        it
    }
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

    /// The kind of `name=value`, when it has a meaning other than its text.
    fn meaningful(&self, name: &[u8], value: &[u8]) -> Option<Kind> {
        let kind = kind::of_field(self.rtype, name, value);
        let plain = kind == Kind::Unclassified || kind == Kind::MacLabel || kind == Kind::Addr;
        (!plain).then_some(kind)
    }

    /// Writes the meaning of `name=value` (of kind `kind`) as a JSON string.
    fn value(
        &self,
        out: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
        kind: Kind,
        name: &[u8],
        value: &[u8],
    ) {
        scratch.clear();
        self.interpret(scratch, kind, name, value);
        string(out, scratch);
    }
}

/// Writes the raw fields as a JSON object; `names` are their member names.
fn raw_object(out: &mut Vec<u8>, fields: &[Field<'_>], names: &[Cow<'_, [u8]>], plain: bool) {
    out.push(b'{');
    raw_members(out, fields, names, plain, true);
    out.push(b'}');
}

/// Writes the raw fields as members of an object, each after a comma but
/// the first one when `first`.
fn raw_members(
    out: &mut Vec<u8>,
    fields: &[Field<'_>],
    names: &[Cow<'_, [u8]>],
    plain: bool,
    first: bool,
) {
    for (i, (f, name)) in fields.iter().zip(names).enumerate() {
        if i > 0 || !first {
            out.push(b',');
        }
        member(out, name, plain);
        match &f.value {
            Value::Text(t) => raw_value(out, t, plain),
            Value::Nested(inner) => raw_object(out, inner, &member_names(inner), plain),
        }
    }
}

/// Writes the interpreted fields as a JSON object; `names` are their
/// member names. Returns whether a field's meaning is the record's arch,
/// syscall or arguments'.
fn interp_object(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    fields: &[Field<'_>],
    names: &[Cow<'_, [u8]>],
    it: &Interp<'_>,
    plain: bool,
) -> bool {
    out.push(b'{');
    let (_, used_state) = interp_members(out, scratch, fields, names, it, plain, true);
    out.push(b'}');
    used_state
}

/// Writes the interpreted fields as members of an object, each after a
/// comma but the first one when `first`. Returns whether the next member is
/// still the first, and whether a field's meaning is the record's arch,
/// syscall or arguments'.
fn interp_members(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    fields: &[Field<'_>],
    names: &[Cow<'_, [u8]>],
    it: &Interp<'_>,
    plain: bool,
    mut first: bool,
) -> (bool, bool) {
    let mut used_state = false;
    for (f, name) in fields.iter().zip(names) {
        let mut open = |out: &mut Vec<u8>| {
            if !first {
                out.push(b',');
            }
            first = false;
            member(out, name, plain);
        };
        match &f.value {
            Value::Text(t) => {
                // Fields without a meaning other than their text are left out.
                let Some(kind) = it.meaningful(f.name, t) else { continue };
                used_state |= raudit_interpret::value::needs_context(kind);
                open(out);
                it.value(out, scratch, kind, f.name, t);
            }
            Value::Nested(inner) => {
                open(out);
                used_state |= interp_object(out, scratch, inner, &member_names(inner), it, plain);
            }
        }
    }
    (first, used_state)
}

/// Formats `event` as one JSON line.
pub fn write_event(out: &mut Vec<u8>, event: &Event<'_>, host: &dyn Host) {
    let mut scratch = SCRATCH.take().unwrap_or_default().recycle();
    memo::with(host.names_generation(), |memo| {
        write_event_with(out, event, host, &mut scratch, memo)
    });
    SCRATCH.set(Some(scratch.recycle()));
}

fn write_event_with<'a>(
    out: &mut Vec<u8>,
    event: &Event<'a>,
    host: &dyn Host,
    scratch: &mut Scratch<'a>,
    mut memo: Option<&mut Memo>,
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
    // What follows depends on the records' types, bodies and ENRICHED parts
    // only: an event that repeats one written before (a storm: the same
    // process making the same call) is found whole, or kept.
    let mut whole = None;
    if let Some(memo) = memo.as_deref_mut()
        && memo.odds.worth_trying()
    {
        let key = event_key(&mut scratch.skeleton, &event.records);
        let hit = match memo.get(key, &scratch.skeleton, b"") {
            Some(json) => {
                out.extend_from_slice(json);
                true
            }
            None => false,
        };
        memo.odds.tell(hit);
        if hit {
            return;
        }
        whole = memo.seen_before(key.1).then_some((key, out.len()));
    }
    out.extend_from_slice(b",\"type\":");
    string(out, event.records[0].type_name().as_bytes());
    out.extend_from_slice(b",\"records\":[");
    scratch.summary.clear();
    for (i, r) in event.records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_record(out, r, host, scratch, memo.as_deref_mut());
    }
    out.extend_from_slice(b"],\"summary\":");
    scratch.summary.write(out);
    out.extend_from_slice(b"}\n");
    if let (Some((key, at)), Some(memo)) = (whole, memo) {
        memo.keep(key, &scratch.skeleton, b"", &out[at..]);
    }
}

/// Writes into `skeleton` what an event's JSON after its serial depends on,
/// each record's type, body and ENRICHED part (prefixed by their lengths:
/// no two events give the same bytes), and returns its memo key.
fn event_key(skeleton: &mut Vec<u8>, records: &[Record<'_>]) -> (u64, u64) {
    skeleton.clear();
    for r in records {
        let body = r.body();
        skeleton.extend_from_slice(&r.rtype.to_le_bytes());
        skeleton.extend_from_slice(&(body.len() as u32).to_le_bytes());
        skeleton.extend_from_slice(body);
        match r.enriched {
            Some(enriched) => {
                skeleton.push(1);
                skeleton.extend_from_slice(&(enriched.len() as u32).to_le_bytes());
                skeleton.extend_from_slice(enriched);
            }
            None => skeleton.push(0),
        }
    }
    let tag = memo::tag::JSON_EVENT;
    (tag, Memo::hash(tag, skeleton, b""))
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
    static SCRATCH: Cell<Option<Scratch<'static>>> = const { Cell::new(None) };
}

/// Vectors a record needs while it is written, kept for the next record.
#[derive(Default)]
struct Scratch<'a> {
    words: Vec<&'a [u8]>,
    fields: Vec<Field<'a>>,
    names: Vec<Cow<'a, [u8]>>,
    /// One interpretation or decoded value.
    value: Vec<u8>,
    /// What the memo keeps for a record.
    kept: Vec<u8>,
    /// The key of a whole event in the memo.
    skeleton: Vec<u8>,
    /// Boxed: the scratch moves in and out of its thread-local for every event, and the
    /// summary is most of its size.
    summary: Box<Summary>,
}

impl Scratch<'_> {
    /// The same memory, emptied, for the records of another event.
    fn recycle<'b>(self) -> Scratch<'b> {
        Scratch {
            words: recycle(self.words),
            fields: recycle(self.fields),
            names: recycle(self.names),
            value: self.value,
            kept: self.kept,
            skeleton: self.skeleton,
            summary: self.summary,
        }
    }
}

fn write_record<'a>(
    out: &mut Vec<u8>,
    r: &Record<'a>,
    host: &dyn Host,
    scratch: &mut Scratch<'a>,
    mut memo: Option<&mut Memo>,
) {
    let Scratch { words, fields, names, value: scratch, kept, summary, .. } = scratch;
    words.clear();
    fields.clear();
    let body = r.body();
    let enriched = r.enriched.unwrap_or_default();
    let stored = r.enriched.filter(|e| !e.is_empty()).map(Stored::parse);
    let stored = stored.as_ref().filter(|s| !s.is_empty());
    // Any other record is written the same for the same text (EXECVE's
    // arguments are also the summary's command): whole, it may be kept,
    // with its summary facts, so that found there it need not be split.
    // So may an empty one (EOE's): finding it costs less than writing it.
    let mut whole = None;
    if let Some(memo) = memo.as_deref_mut()
        && !matches!(r.rtype, SYSCALL | EXECVE)
        && (body.len() >= memo::MIN_TEXT || body.is_empty())
    {
        let tag = memo::tag::JSON | u64::from(r.rtype as u32);
        let key = (tag, Memo::hash(tag, body, enriched));
        if let Some((facts, json)) = memo.get(key, body, enriched).and_then(split_facts) {
            out.extend_from_slice(json);
            let mut found = Facts::default();
            fill_facts(&mut found, facts, body);
            // SECCOMP's context comes from its fields.
            if r.rtype == SECCOMP {
                split_until(body, 0, words, fields, None);
            }
            let it = Interp::of(r.rtype, fields, host, stored);
            return summarize_facts(r.rtype, &found, &it, summary, scratch);
        }
        whole = Some((key, out.len()));
    }
    // A SYSCALL record's fields from auid= on are those of many records
    // before it (the fields before change from record to record): the
    // memo keeps their members, names and facts, so that found there they
    // need not even be split.
    let mut tail_cut = None;
    let quotes = match memo.as_deref_mut() {
        Some(memo) if r.rtype == SYSCALL => {
            let (mut quotes, stop) = split_until(body, 0, words, fields, Some(b"auid"));
            if let Some(at) = stop {
                let tail = &body[at..];
                let tag = memo::tag::JSON_TAIL | u64::from(r.rtype as u32);
                let key = (tag, Memo::hash(tag, tail, enriched));
                if let Some(found) = memo.get(key, tail, enriched).and_then(TailKept::read)
                    && !fields.is_empty()
                {
                    let plain = escapes_only_delimiters(&body[..at], quotes);
                    let it = Interp::of(r.rtype, fields, host, stored);
                    let prefix = (&fields[..], &words[..]);
                    let record = (r.rtype, tail, plain, &it);
                    if write_with_kept_tail(out, record, prefix, found, names, scratch, summary) {
                        return;
                    }
                }
                tail_cut = Some((key, tail, fields.len(), words.len()));
                quotes += split_until(body, at, words, fields, None).0;
            }
            quotes
        }
        _ => split_until(body, 0, words, fields, None).0,
    };
    let plain = escapes_only_delimiters(body, quotes);
    let fields = &*fields;
    let it = Interp::of(r.rtype, fields, host, stored);
    out.extend_from_slice(b"{\"type\":");
    string(out, r.type_name().as_bytes());
    member_names_into(fields, names);
    // The tail is kept where its members are the same whatever comes
    // before it (and something does): no name of the record repeats (a
    // repeat renames members), the tail has no word, and no field of it is
    // or means the record's arch, syscall or arguments.
    let cut = tail_cut.filter(|&(_, _, k, words_before)| {
        k > 0
            && words.len() == words_before
            && names.iter().all(|n| matches!(n, Cow::Borrowed(_)))
            && !fields[k..].iter().any(|f| memo::sets_record_context(f.name))
    });
    let k = cut.map_or(fields.len(), |c| c.2);
    out.extend_from_slice(b",\"fields\":{");
    raw_members(out, &fields[..k], &names[..k], plain, true);
    let raw_at = out.len();
    raw_members(out, &fields[k..], &names[k..], plain, k == 0);
    let raw_end = out.len();
    out.extend_from_slice(b"},\"interp\":{");
    let (first, _) = interp_members(out, scratch, &fields[..k], &names[..k], &it, plain, true);
    let interp_at = out.len();
    let (_, used_state) =
        interp_members(out, scratch, &fields[k..], &names[k..], &it, plain, first);
    if let (Some((key, tail, _, _)), Some(memo)) = (cut, memo.as_deref_mut())
        && !first
        && !used_state
    {
        let members = (&out[raw_at..raw_end], &out[interp_at..]);
        if TailKept::write(kept, members, &fields[k..], tail) {
            memo.keep(key, tail, enriched, kept);
        }
    }
    out.push(b'}');
    write_words(out, words);
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
    if let (Some((key, at)), Some(memo)) = (whole, memo)
        && write_facts(kept, fields, body)
    {
        kept.extend_from_slice(&out[at..]);
        memo.keep(key, body, enriched, kept);
    }
    summarize(r.rtype, fields, &it, summary, scratch);
}

/// Writes the words without `=` of a record, if any, as its `words` member.
fn write_words(out: &mut Vec<u8>, words: &[&[u8]]) {
    if words.is_empty() {
        return;
    }
    out.extend_from_slice(b",\"words\":[");
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, w);
    }
    out.push(b']');
}

/// Writes a SYSCALL record whose tail (from auid= on) the memo kept: the
/// fields before it are `prefix` (with the words among them). False, with
/// nothing written, when a name of the prefix repeats or is one of the
/// tail's (the members would be renamed).
fn write_with_kept_tail<'a>(
    out: &mut Vec<u8>,
    (rtype, tail, plain, it): (i32, &[u8], bool, &Interp<'_>),
    (fields, words): (&[Field<'a>], &[&[u8]]),
    kept: TailKept<'_>,
    names: &mut Vec<Cow<'a, [u8]>>,
    scratch: &mut Vec<u8>,
    summary: &mut Summary,
) -> bool {
    member_names_into(fields, names);
    if names.iter().any(|n| matches!(n, Cow::Owned(_)))
        || fields.iter().any(|f| {
            kept.names_mask & 1 << slot_hash(f.name) != 0
                && kept.names().any(|(at, len)| f.name == &tail[at..at + len])
        })
    {
        return false;
    }
    out.extend_from_slice(b"{\"type\":\"SYSCALL\",\"fields\":{");
    raw_members(out, fields, names, plain, true);
    out.extend_from_slice(kept.raw);
    out.extend_from_slice(b"},\"interp\":{");
    let (first, _) = interp_members(out, scratch, fields, names, it, plain, true);
    let interp = kept.interp;
    out.extend_from_slice(if first { interp.get(1..).unwrap_or_default() } else { interp });
    out.push(b'}');
    write_words(out, words);
    out.push(b'}');
    let mut facts = Facts::default();
    facts.gather(fields);
    fill_facts(&mut facts, kept.facts, tail);
    summarize_facts(rtype, &facts, it, summary, scratch);
    true
}

#[cfg(test)]
mod tests {
    use super::fields::split_into;
    use super::*;

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

    /// Records whose text repeats, where the output must follow what is
    /// around it: a tail with an argument (its meaning is the syscall's),
    /// repeated names, a tail after fields without meaning, other ENRICHED
    /// names, nested msg='…', EXECVE.
    const REPEATS: &str = "\
type=SYSCALL msg=audit(1700000000.001:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 a1=42 uid=0 gid=0 comm=\"cat\" key=\"k\"
type=EXECVE msg=audit(1700000000.001:1): argc=2 a0=\"cat\" a1=\"/etc/shadow\"
type=PROCTITLE msg=audit(1700000000.001:1): proctitle=6361740109026C7300616263
type=SYSCALL msg=audit(1700000000.002:2): arch=c000003e syscall=2 success=no exit=-13 a0=1 a2=3 a3=4 items=1 ppid=1 pid=3 auid=1000 a1=42 uid=0 gid=0 comm=\"cat\" key=\"k\"
type=EXECVE msg=audit(1700000000.002:2): argc=2 a0=\"cat\" a1=\"/etc/shadow\"
type=PROCTITLE msg=audit(1700000000.002:2): proctitle=6361740109026C7300616263
type=SYSCALL msg=audit(1700000000.003:3): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=4 auid=1000 uid=0 gid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"k\"
type=PATH msg=audit(1700000000.003:3): item=0 name=\"/etc/shadow\" inode=1 dev=fe:01 mode=0100644 ouid=1000 ogid=0 nametype=NORMAL\x1dOUID=\"alice\" OGID=\"root\"
type=SYSCALL msg=audit(1700000000.004:4): foo=1 bar=2 auid=1000 uid=0 gid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"k\"
type=PATH msg=audit(1700000000.004:4): item=0 name=\"/etc/shadow\" inode=1 dev=fe:01 mode=0100644 ouid=1000 ogid=0 nametype=NORMAL\x1dOUID=\"carol\" OGID=\"root\"
type=SYSCALL msg=audit(1700000000.005:5): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=6 auid=1000 uid=0 gid=0 uid=7 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"k\"
type=SYSCALL msg=audit(1700000000.006:6): auid=1000 uid=0 gid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"k\"
type=SYSCALL msg=audit(1700000000.009:9): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=4 uid=5 auid=1000 uid=0 gid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"k\"
type=SYSCALL msg=audit(1700000000.010:10): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=4 auid=1000 uid=0 oddword gid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"k\"
type=USER_CMD msg=audit(1700000000.007:7): pid=1 uid=0 auid=1000 ses=1 msg='cwd=\"/root\" cmd=6C73092D6C exe=\"/usr/bin/sudo\" res=success'
type=USER_CMD msg=audit(1700000000.008:8): pid=1 uid=0 auid=1000 ses=1 msg='cwd=\"/root\" cmd=6C73092D6C exe=\"/usr/bin/sudo\" res=success'
";

    #[test]
    fn memoized_records_are_written_as_writing_them_again_writes_them() {
        let (fixed, memoized) = crate::memo::hosts();
        let events = crate::memo::events_repeated(&[REPEATS], 2);
        let (mut plain, mut kept) = (Vec::new(), Vec::new());
        // Records are found in the memo only where whole events are not looked up.
        crate::memo::with(memoized.names_generation(), |m| {
            m.expect("a generation").odds = crate::memo::Odds::never()
        });
        for event in &events {
            write_event(&mut plain, event, &fixed);
            write_event(&mut kept, event, &memoized);
        }
        assert_eq!(String::from_utf8_lossy(&kept), String::from_utf8_lossy(&plain));
        let text = String::from_utf8_lossy(&plain);
        assert!(text.contains(r#""a1":"0x42""#), "{text}");
        assert!(text.contains(r#""a1":"O_RDWR|O_CREAT""#), "{text}");
        assert!(text.contains(r#""uid#2":"7""#), "{text}");
        assert!(text.contains(r#""uid":"5","auid":"1000","uid#2":"0""#), "{text}");
        assert!(text.contains(r#""words":["oddword"]"#), "{text}");
        assert!(text.contains(r#""ouid":"alice""#) && text.contains(r#""ouid":"carol""#));
        assert!(text.contains(r#""interp":{"auid":"alice""#), "{text}");
    }

    #[test]
    fn whole_events_found_in_the_memo_are_those_made_anew() {
        let (fixed, memoized) = crate::memo::hosts();
        // Four times over: an event is kept once seen before, found after.
        let events = crate::memo::events_repeated(&[crate::memo::REPEATED_EVENTS], 4);
        let (mut plain, mut kept) = (Vec::new(), Vec::new());
        for event in &events {
            write_event(&mut plain, event, &fixed);
            write_event(&mut kept, event, &memoized);
        }
        assert_eq!(String::from_utf8_lossy(&kept), String::from_utf8_lossy(&plain));
        let text = String::from_utf8_lossy(&plain);
        assert_eq!(text.lines().count(), 24, "{text}");
        let line = |serial: u32| {
            let serial = format!(r#""serial":{serial},"#);
            text.lines().find(|l| l.contains(&serial)).expect("each event is written")
        };
        // The first two differ in their time, serial and node only.
        let after_serial = |line: &str| line.split_once(r#","type":"#).unwrap().1.to_owned();
        assert_eq!(after_serial(line(1)), after_serial(line(2)));
        assert!(line(1).starts_with(r#"{"node":null,"time":"2023-11-14T22:13:20.001Z""#));
        assert!(line(2).starts_with(r#"{"node":"web1","time":"2023-11-14T22:13:21.002Z""#));
        assert!(line(3).contains(r#""auid":"bob""#), "{}", line(3));
        assert!(line(4).contains(r#""keys":["j"]"#), "{}", line(4));
        assert!(line(6).contains(r#""type":"USER_END""#), "{}", line(6));
        // Their keys say the same.
        let key = |e: &Event<'_>| {
            let mut skeleton = Vec::new();
            (event_key(&mut skeleton, &e.records), skeleton)
        };
        let event = |serial: u64| events.iter().find(|e| e.key.serial == serial).unwrap();
        assert_eq!(key(event(1)), key(event(2)));
        for (a, b) in [(1, 3), (1, 4), (5, 6)] {
            assert_ne!(key(event(a)).1, key(event(b)).1, "{a} {b}");
        }
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
}
