//! `ausearch -i`: each record of an event with every field interpreted,
//! the way ausearch-report.c walks a record: it splits the text itself
//! (quotes, `msg='…'`, commas), so its quirks are kept here.

use std::cell::Cell;

use raudit_interpret::{Context, Escape, Kind, Machine, Stored, kind};
use raudit_parse::cnum::push_decimal;
use raudit_parse::record::types::{self, SECCOMP, SYSCALL};
use raudit_parse::{Event, Record};
use raudit_sys::Host;

use crate::memo::{self, Memo};
use crate::whole;

/// What formatting an interpreted event needs besides the event.
pub struct Interpreter<'a> {
    pub escape: Escape,
    /// Names, and the local date and time of the event.
    pub host: &'a dyn Host,
}

impl Interpreter<'_> {
    /// `----` then the records last first; a daemon record that ends the
    /// event is printed alone. Diagnostics go to `err`.
    pub fn write_event(&self, out: &mut Vec<u8>, err: &mut Vec<u8>, event: &Event<'_>) {
        out.extend_from_slice(b"----\n");
        // The stamp is the event's, the same on every record; its buffer
        // is the thread's, kept from event to event.
        thread_local! {
            static STAMP: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
        }
        let mut stamp = STAMP.take();
        stamp.clear();
        self.host.strftime_into(&mut stamp, "%x %T", event.key.sec as i64);
        stamp.push(b'.');
        push_decimal(&mut stamp, u64::from(event.key.milli), 3);
        stamp.push(b':');
        push_decimal(&mut stamp, event.key.serial, 0);
        stamp.extend_from_slice(b") ");
        // Raw output is what the memo keeps (tty writes raw first).
        let generation = match self.escape {
            Escape::Tty | Escape::Raw => self.host.names_generation(),
            _ => None,
        };
        memo::with(generation, |memo| self.write_records(out, err, event, &stamp, memo));
        STAMP.set(stamp);
    }

    /// The records of `event`, each line with `stamp`. With a memo, the
    /// whole event is looked up first, or kept ([`whole`]).
    fn write_records(
        &self,
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
        event: &Event<'_>,
        stamp: &[u8],
        mut memo: Option<&mut Memo>,
    ) {
        let mut spare = whole::Spare::take();
        let mut trying = false;
        // A record alone is found as well by the walk's own look-up. A stamp
        // with control bytes would be escaped along with its line.
        if let Some(memo) = memo.as_deref_mut()
            && event.records.len() > 1
            && stamp.iter().all(|&b| b >= 0x20)
            && memo.odds.worth_trying()
        {
            spare.piece.clear();
            spare.piece.extend_from_slice(stamp);
            let tag = memo::tag::INTERPRETED_EVENT | self.escape as u64;
            let hit = spare.find(memo, (event, tag), out, err);
            memo.odds.tell(hit);
            if hit {
                return spare.give();
            }
            trying = true;
        }
        let (start, err_start) = (out.len(), err.len());
        let last = event.records.last().expect("an event has a record");
        let records = match (types::FIRST_DAEMON..types::FIRST_EVENT).contains(&last.rtype) {
            true => std::slice::from_ref(last),
            false => &event.records[..],
        };
        for r in records.iter().rev() {
            let at = self.write_record_checked(out, err, event, stamp, r, memo.as_deref_mut());
            spare.places.extend(at.map(|at| at - start));
        }
        if let (true, Some(memo)) = (trying, memo) {
            spare.keep(memo, &out[start..], &err[err_start..]);
        }
        spare.give();
    }

    /// [`Interpreter::write_record`], escaped as `--escape` says. With
    /// `tty` (the default), which only touches control bytes, the record
    /// is written unescaped and looked at once: a record without a control
    /// byte is then already right (nearly all are), and one with any is
    /// written again, escaped value by value.
    fn write_record_checked(
        &self,
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
        event: &Event<'_>,
        stamp: &[u8],
        r: &Record<'_>,
        memo: Option<&mut Memo>,
    ) -> Option<usize> {
        if self.escape != Escape::Tty {
            return self.write_record(out, err, event, stamp, r, memo);
        }
        let (line_at, err_at) = (out.len(), err.len());
        let stamp_at = Interpreter { escape: Escape::Raw, host: self.host }
            .write_record(out, err, event, stamp, r, memo);
        // The record's own newlines end it (a record's text has none).
        let mut line = &out[line_at..];
        while let Some(rest) = line.strip_suffix(b"\n") {
            line = rest;
        }
        if line.iter().fold(false, |any, &b| any | (b < 0x20)) {
            out.truncate(line_at);
            err.truncate(err_at);
            return self.write_record(out, err, event, stamp, r, None);
        }
        stamp_at
    }

    /// Writes one record's line; returns where `stamp` went in `out`, if
    /// it was written.
    fn write_record(
        &self,
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
        event: &Event<'_>,
        stamp: &[u8],
        r: &Record<'_>,
        memo: Option<&mut Memo>,
    ) -> Option<usize> {
        // As whole::stamp_span finds the stamp.
        let mut text = r.text;
        if event.key.node.is_some()
            && let Some(sp) = memchr::memchr(b' ', text)
        {
            text = &text[sp + 1..];
        }
        let Some(open) = memchr::memchr(b'(', text) else {
            err.extend_from_slice(b"can't find time stamp\n");
            return None;
        };
        if let Some(node) = event.key.node {
            out.extend_from_slice(b"node=");
            out.extend_from_slice(node);
            out.push(b' ');
        }
        match u32::try_from(r.rtype).ok().and_then(raudit_tables::msg_type::name_of) {
            Some(name) => {
                out.extend_from_slice(b"type=");
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b" msg=audit(");
            }
            None => out.extend_from_slice(&text[..=open]),
        }
        let rest = &text[open + 1..];
        let close = memchr::memchr(b')', rest)?;
        let stamp_at = out.len();
        out.extend_from_slice(stamp);

        let stored = r.enriched.filter(|e| !e.is_empty()).map(Stored::parse);
        let mut fields = Fields {
            rtype: r.rtype,
            machine: None,
            machine_known: false,
            syscall: -1,
            syscall_name: None,
            a0: 0,
            a0_in_text: false,
            a1: 0,
            stored: stored.as_ref().filter(|s| !s.is_empty()),
            text: r.text,
            args_seen: (false, false),
            used_state: false,
        };
        let memo = memo.filter(|_| self.escape == Escape::Raw);
        let enriched = r.enriched.unwrap_or_default();
        self.walk(out, &rest[close + 1..], &mut fields, memo, enriched);
        out.push(b'\n');
        Some(stamp_at)
    }

    /// The field loop of ausearch-report.c, on a byte slice.
    ///
    /// With a memo, what the walk writes is looked up first: for a SYSCALL
    /// record, from its `auid=` field on (the fields before it change from
    /// record to record); for the others, the whole body. A record's walk
    /// starts in the same state for every record of its type, so what it
    /// writes depends only on its type, its text and its ENRICHED part
    /// (`enriched`). A SYSCALL tail is kept only if none of its fields read
    /// or set the record's arch, syscall or arguments.
    fn walk(
        &self,
        out: &mut Vec<u8>,
        body: &[u8],
        f: &mut Fields<'_>,
        mut memo: Option<&mut Memo>,
        enriched: &[u8],
    ) {
        let mut pending = None;
        let mut tail_unseen = f.rtype == SYSCALL && memo.is_some();
        if let Some(memo) = memo.as_deref_mut()
            && f.rtype != SYSCALL
            && body.len() >= memo::MIN_TEXT
        {
            let tag = memo::tag::INTERPRETED | u64::from(f.rtype as u32);
            let key = (tag, Memo::hash(tag, body, enriched));
            if let Some(kept) = memo.get(key, body, enriched) {
                return out.extend_from_slice(kept);
            }
            pending = Some((key, body, out.len()));
        }
        let mut rest: Option<&[u8]> = Some(body);
        let mut found = false;
        let mut comma = false;
        let mut no_more_fields = false;
        while let Some(cur) = rest {
            if cur.is_empty() {
                break;
            }
            if tail_unseen
                && cur.starts_with(b"auid=")
                && let Some(memo) = memo.as_deref_mut()
            {
                tail_unseen = false;
                let tag = memo::tag::INTERPRETED_TAIL | u64::from(f.rtype as u32);
                let key = (tag, Memo::hash(tag, cur, enriched));
                if let Some(kept) = memo.get(key, cur, enriched) {
                    return out.extend_from_slice(kept);
                }
                pending = Some((key, cur, out.len()));
                f.used_state = false;
            }
            // The name runs back from `=` to a space or the start.
            let Some((eq, name_start)) = raudit_parse::scan::to_equals(cur) else {
                no_more_fields = true;
                break;
            };
            comma = false;
            found = true;
            let mut name = &cur[name_start..eq];
            // COMPAT: `msg='…'` of user records: the fields inside are
            // what is interpreted.
            if name == b"msg" {
                out.extend_from_slice(&cur[..=eq]);
                rest = Some(&cur[eq + 1..]);
                continue;
            }
            if name.first() == Some(&b'\'') {
                name = &name[1..];
            }
            let v = &cur[eq + 1..];
            let value;
            if matches!(v.first(), Some(b'\'' | b'"')) {
                match memchr::memchr(v[0], &v[1..]) {
                    Some(i) => {
                        let after = i + 2;
                        value = &v[..after];
                        rest = Some(if after < v.len() { &v[after + 1..] } else { &v[after..] });
                    }
                    None => {
                        value = v;
                        rest = None;
                    }
                }
            } else {
                // One scan finds the first separator; the comma case
                // (rare) needs the space after it too.
                let first = raudit_parse::scan::first_of_which(v, b' ', b',');
                let (comma_at, space_at) = match first {
                    None => (None, None),
                    Some((i, true)) => (None, Some(i)),
                    Some((i, false)) => (Some(i), memchr::memchr(b' ', &v[i..]).map(|j| i + j)),
                };
                match (comma_at, space_at) {
                    (Some(c), Some(s)) if c < s => {
                        // COMPAT: the reference tests the type on the text
                        // from the space on, not on the value.
                        if kind::of_field(f.rtype, trim_name(name), &v[s..]) == Kind::MacLabel {
                            value = &v[..s];
                            rest = Some(&v[s + 1..]);
                        } else {
                            value = &v[..c];
                            rest = Some(&v[c + 1..]);
                            comma = true;
                        }
                    }
                    (Some(c), None) => {
                        if kind::of_field(f.rtype, trim_name(name), v) == Kind::MacLabel {
                            value = v;
                            rest = None;
                        } else {
                            value = &v[..c];
                            rest = Some(&v[c + 1..]);
                            comma = true;
                        }
                    }
                    (_, Some(s)) => {
                        value = &v[..s];
                        rest = Some(&v[s + 1..]);
                    }
                    (None, None) => {
                        value = v;
                        rest = None;
                    }
                }
            }
            self.field(out, (cur, eq + 1), name, value, comma, f);
        }
        // COMPAT: a body without fields (EOE's ": "), or the text after a
        // comma-split last value, is printed with a newline of its own.
        if let Some(tail) = rest
            && ((!found && no_more_fields) || comma)
        {
            self.escape.push(out, tail);
            out.push(b'\n');
        }
        if let (Some((key, text, at)), Some(memo)) = (pending, memo)
            && !(f.rtype == SYSCALL && f.used_state)
        {
            memo.keep(key, text, enriched, &out[at..]);
        }
    }

    /// One field: `report_interpret`. `(text, value_at)`: the text from the
    /// field's start on, and where its value starts in it (what comes
    /// before, the name and `=`, is written as it is).
    fn field(
        &self,
        out: &mut Vec<u8>,
        (text, value_at): (&[u8], usize),
        name: &[u8],
        value: &[u8],
        comma: bool,
        f: &mut Fields<'_>,
    ) {
        let name = trim_name(name);
        let mut value = value;
        if name == b"acct" && value.last() == Some(&b':') {
            value = &value[..value.len() - 1];
        }
        let kind = kind::of_field(f.rtype, name, value);
        if kind == Kind::Unclassified {
            let sep = if comma { b',' } else { b' ' };
            let end = value_at + value.len();
            if std::ptr::eq(text[value_at..].as_ptr(), value.as_ptr())
                && text.get(end) == Some(&sep)
            {
                // The name, the value and the separator as the record has them: one copy.
                out.extend_from_slice(&text[..=end]);
            } else {
                out.extend_from_slice(&text[..value_at]);
                out.extend_from_slice(value);
                out.push(sep);
            }
            return;
        }
        out.extend_from_slice(&text[..value_at]);
        if raudit_interpret::value::needs_context(kind) || memo::sets_record_context(name) {
            f.used_state = true;
        }
        let syscall;
        if f.rtype == SYSCALL || f.rtype == SECCOMP {
            if !f.machine_known {
                f.machine = Machine::host();
                f.machine_known = true;
            }
            if name == b"arch" {
                match raudit_interpret::cnum::strtoul(value, 16) {
                    Ok(elf) => {
                        f.machine = Machine::from_elf(elf as u32);
                        // An unknown arch is the reference's -1, which the
                        // next field turns into the host machine again.
                        f.machine_known = f.machine.is_some();
                    }
                    Err(_) => {
                        out.extend_from_slice(b"arch conversion error(");
                        out.extend_from_slice(value);
                        out.extend_from_slice(b") ");
                        return;
                    }
                }
            }
            if f.syscall < 0 && name == b"syscall" {
                match raudit_interpret::cnum::strtoul(value, 10) {
                    Ok(n) => f.syscall = n as u32 as i32,
                    Err(_) => {
                        out.extend_from_slice(b"syscall conversion error(");
                        out.extend_from_slice(value);
                        out.extend_from_slice(b") ");
                        return;
                    }
                }
            }
            syscall = f.syscall;
        } else {
            syscall = 0;
        }
        // a0 and a1 are the record's: the syscall name (socketcall, ipc)
        // needs a0 before the walk reaches it; a1 and a2 come after them.
        if f.rtype == SYSCALL {
            match name {
                // Read ahead of the a0 field only for the multiplexers' names (the
                // other fields before a0 do not use it).
                b"syscall" if !f.args_seen.0 => {
                    if matches!(f.syscall_name(f.machine, syscall), Some("socketcall" | "ipc")) {
                        f.a0 = a0_of(f.text);
                    } else {
                        f.a0_in_text = true;
                    }
                }
                // The first a0 and a1 are the record's (a malformed line
                // may hold more).
                b"a0" if !f.args_seen.0 => {
                    f.a0 = raudit_interpret::cnum::strtoul(value, 16).unwrap_or(0);
                    f.a0_in_text = false;
                    f.args_seen.0 = true;
                }
                b"a1" if !f.args_seen.1 => {
                    f.a1 = raudit_interpret::cnum::strtoul(value, 16).unwrap_or(0);
                    f.args_seen.1 = true;
                }
                _ => {}
            }
        }
        let machine = if f.rtype == SYSCALL || f.rtype == SECCOMP { f.machine } else { None };
        let syscall_name = match kind {
            Kind::A0 | Kind::A1 | Kind::A2 | Kind::A3 => {
                if f.a0_in_text {
                    f.a0 = a0_of(f.text);
                    f.a0_in_text = false;
                }
                Some(f.syscall_name(machine, syscall))
            }
            _ => None,
        };
        let ctx = Context {
            machine,
            syscall,
            syscall_name,
            a0: f.a0,
            a1: f.a1,
            cwd: None,
            host: self.host,
            stored: f.stored,
        };
        let start = out.len();
        raudit_interpret::interpret_into(out, kind, name, value, &ctx, self.escape);
        if name == b"key" {
            // COMPAT: several keys print as `k1 key=k2`.
            if out[start..].contains(&raudit_interpret::KEY_SEPARATOR) {
                let joined = out.split_off(start);
                for (i, key) in joined.split(|&b| b == raudit_interpret::KEY_SEPARATOR).enumerate()
                {
                    if i > 0 {
                        out.extend_from_slice(b" key=");
                    }
                    out.extend_from_slice(key);
                }
            }
            out.push(b' ');
        } else if kind != Kind::TtyData {
            out.push(b' ');
        }
    }
}

/// Per-record state of the field loop.
struct Fields<'a> {
    rtype: i32,
    machine: Option<Machine>,
    machine_known: bool,
    syscall: i32,
    /// The name of (machine, syscall), once looked up.
    syscall_name: Option<(Option<Machine>, i32, Option<&'static str>)>,
    a0: u64,
    /// a0 is the record's, not read yet (see [`a0_of`]).
    a0_in_text: bool,
    a1: u64,
    stored: Option<&'a Stored<'a>>,
    /// The record, for a0 ahead of the fields that need it.
    text: &'a [u8],
    /// Whether a0 and a1 were read already.
    args_seen: (bool, bool),
    /// Whether a field read or set the arch, syscall or arguments (since
    /// the memo's cut).
    used_state: bool,
}

impl Fields<'_> {
    fn syscall_name(&mut self, machine: Option<Machine>, syscall: i32) -> Option<&'static str> {
        match self.syscall_name {
            Some((m, s, name)) if m == machine && s == syscall => name,
            _ => {
                let name = machine.and_then(|m| m.syscall_name(syscall));
                self.syscall_name = Some((machine, syscall, name));
                name
            }
        }
    }
}

fn trim_name(name: &[u8]) -> &[u8] {
    let skip = name.iter().take_while(|&&b| b == b' ' || b == b'(').count();
    &name[skip..]
}

/// The hex value of field a0 in a record (0 when it has none).
fn a0_of(text: &[u8]) -> u64 {
    static KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b" a0="));
    let found = KEY.find(text);
    found.map_or(0, |i| raudit_interpret::cnum::strtoul(&text[i + 4..], 16).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_parse::{Assembler, AssemblerConfig};
    use raudit_sys::FixedHost;

    /// Records with control bytes where escaping changes them (decoded hex,
    /// quoted values, several keys) and where it does not (a raw value),
    /// and records with none.
    const LOG: &str = "\
type=SYSCALL msg=audit(1700000000.001:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=1 comm=636174090A31 exe=\"/usr/bin/cat\" key=6B31016B32
type=PROCTITLE msg=audit(1700000000.001:1): proctitle=6361740109026C73
type=EOE msg=audit(1700000000.001:1): 
type=SYSCALL msg=audit(1700000000.002:2): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=3 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=1 comm=\"ca\x02t\" exe=\"/usr/bin/cat\" foo=a\x03b key=\"k\"
type=PATH msg=audit(1700000000.002:2): item=0 name=2F746D702F0961 inode=1 dev=fe:01 mode=0100644 nametype=NORMAL
type=USER_CMD msg=audit(1700000000.003:3): pid=1 uid=0 auid=1000 ses=1 msg='cwd=\"/root\" cmd=6C73092D6C res=success'
type=USER_TTY msg=audit(1700000000.005:5): pid=1 uid=0 ses=1 data=6C730D msg='x=\x04'
type=CWD msg=audit(1700000000.006:6): cwd=\"/root\"
";

    /// Records whose text repeats where their output must not: a SYSCALL
    /// tail with an argument field (its meaning is the syscall's), the
    /// same text with other ENRICHED names, and plain repeats.
    const REPEATS: &str = "\
type=SYSCALL msg=audit(1700000000.001:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 a1=42 uid=0 gid=0 comm=\"cat\" key=\"k\"
type=PROCTITLE msg=audit(1700000000.001:1): proctitle=6361740109026C7300616263
type=SYSCALL msg=audit(1700000000.002:2): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=3 auid=1000 a1=42 uid=0 gid=0 comm=\"cat\" key=\"k\"
type=PROCTITLE msg=audit(1700000000.002:2): proctitle=6361740109026C7300616263
type=SYSCALL msg=audit(1700000000.003:3): arch=40000003 syscall=5 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=4 auid=1000 uid=0 gid=0 comm=\"cat\" key=\"k\"
type=PATH msg=audit(1700000000.003:3): item=0 name=\"/etc/shadow\" inode=1 dev=fe:01 mode=0100644 ouid=1000 ogid=0 nametype=NORMAL\x1dOUID=\"alice\" OGID=\"root\"
type=SYSCALL msg=audit(1700000000.004:4): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=5 auid=1000 uid=0 gid=0 comm=\"cat\" key=\"k\"
type=PATH msg=audit(1700000000.004:4): item=0 name=\"/etc/shadow\" inode=1 dev=fe:01 mode=0100644 ouid=1000 ogid=0 nametype=NORMAL\x1dOUID=\"carol\" OGID=\"root\"
type=SYSCALL msg=audit(1700000000.005:5): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=6 auid=1000 uid=0 gid=0 comm=\"cat\" key=\"k\"
type=PATH msg=audit(1700000000.005:5): item=0 name=\"/etc/shadow\" inode=1 dev=fe:01 mode=0100644 ouid=1000 ogid=0 nametype=NORMAL
";

    #[test]
    fn memoized_records_are_written_as_walking_them_writes_them() {
        let (fixed, memoized) = crate::memo::hosts();
        let events = crate::memo::events_repeated(&[LOG, REPEATS], 2);
        for escape in [Escape::Tty, Escape::Raw, Escape::Shell] {
            let (mut plain, mut kept) = (Vec::new(), Vec::new());
            let mut err = Vec::new();
            for event in &events {
                Interpreter { escape, host: &fixed }.write_event(&mut plain, &mut err, event);
                Interpreter { escape, host: &memoized }.write_event(&mut kept, &mut err, event);
            }
            assert_eq!(String::from_utf8_lossy(&kept), String::from_utf8_lossy(&plain));
            // The repeats were written differently, as their context says.
            let text = String::from_utf8_lossy(&plain);
            assert!(text.contains("auid=alice a1=0x42 "), "{text}");
            assert!(text.contains("auid=alice a1=O_RDWR") && text.contains("O_CREAT "), "{text}");
            assert!(text.contains("ouid=alice") && text.contains("ouid=carol"), "{text}");
        }
    }

    #[test]
    fn whole_events_found_in_the_memo_are_those_made_anew() {
        let (fixed, memoized) = crate::memo::hosts();
        // Four times over: an event is kept once seen before, found after.
        let events = crate::memo::events_repeated(&[crate::memo::REPEATED_EVENTS, LOG, REPEATS], 4);
        for escape in [Escape::Tty, Escape::Raw] {
            let (mut plain, mut kept, mut err) = (Vec::new(), Vec::new(), Vec::new());
            for event in &events {
                Interpreter { escape, host: &fixed }.write_event(&mut plain, &mut err, event);
                Interpreter { escape, host: &memoized }.write_event(&mut kept, &mut err, event);
            }
            assert_eq!(String::from_utf8_lossy(&kept), String::from_utf8_lossy(&plain));
            let text = String::from_utf8_lossy(&plain);
            assert_eq!(text.matches("node=web1 type=SYSCALL msg=audit(").count(), 4, "{text}");
            assert_eq!(text.matches(" auid=bob ").count(), 4, "{text}");
            assert_eq!(text.matches(" key=j").count(), 4, "{text}");
        }
        let event = |serial: u64| events.iter().find(|e| e.key.serial == serial).unwrap();
        let key = |e: &Event<'_>| {
            let mut skeleton = Vec::new();
            (whole::event_key(e, memo::tag::INTERPRETED_EVENT, &mut skeleton), skeleton)
        };
        assert!(key(event(1)).0.is_some());
        // Another node's stamp has the same contents, so its key is the node's text.
        assert_ne!(key(event(1)), key(event(2)));
        for (a, b) in [(1, 3), (1, 4), (5, 6)] {
            assert_ne!(key(event(a)).1, key(event(b)).1, "{a} {b}");
        }
        // A stamp a field might be read from (the parser takes none such).
        let mut odd = event(5).clone();
        odd.records[0].text = b"type=USER_CMD msg=audit(1 a0=1): pid=1 msg='cmd=6C73'";
        assert_eq!(key(&odd).0, None);
    }

    #[test]
    fn a_record_checked_once_is_written_as_escaping_each_value_writes_it() {
        let host = FixedHost::new().with_user(1000, "alice");
        let mut asm = Assembler::new(AssemblerConfig::default());
        for line in LOG.lines() {
            asm.push(Record::parse(line.as_bytes(), 2).unwrap());
        }
        asm.finish();
        let events: Vec<Event<'_>> = std::iter::from_fn(|| asm.pop_ready()).collect();
        assert_eq!(events.len(), 5);
        for escape in [Escape::Tty, Escape::Shell, Escape::ShellQuote, Escape::Raw] {
            let it = Interpreter { escape, host: &host };
            for event in &events {
                let (mut out, mut err) = (Vec::new(), Vec::new());
                it.write_event(&mut out, &mut err, event);
                // Value by value, as the reference escapes.
                let (mut want, mut want_err) = (b"----\n".to_vec(), Vec::new());
                let stamp_end = out.iter().position(|&b| b == b')').unwrap() + 2;
                let stamp = &out[out.iter().position(|&b| b == b'(').unwrap() + 1..stamp_end];
                for r in event.records.iter().rev() {
                    it.write_record(&mut want, &mut want_err, event, stamp, r, None);
                }
                let (got, wanted) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&want));
                assert_eq!(got, wanted, "{escape:?}");
                assert_eq!(err, want_err, "{escape:?}");
            }
        }
    }
}
