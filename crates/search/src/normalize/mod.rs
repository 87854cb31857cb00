//! `ausearch --format csv` and `--format text`: each event told as who
//! did what to what, by the reference's normaliser (libauparse 3.0.9
//! `auparse_normalize`, printed by ausearch-report.c `csv_event` and
//! `text_event`).
//!
//! [`au`] models an event the way libauparse does (fields and cursor),
//! [`normalizer`] finds the pieces (walking for the [`subject`] and the
//! [`object`] through the [`syscall`] or [`simple`] event shapes), and
//! this module prints them.

pub mod au;
mod normalizer;
mod object;
mod recall;
mod simple;
mod subject;
mod syscall;
#[path = "tables_gen.rs"]
#[rustfmt::skip]
mod tables;

use std::io::Write;

use raudit_interpret::{Escape, Kind};
use raudit_parse::{Event, Record};
use raudit_sys::Host;

use au::{Au, Head};
use normalizer::{Loc, Norm};
use recall::{Parts, Recall};

use crate::memo::{self, Memo};
use crate::whole;

/// Which `--extra-*` columns the csv output has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extra {
    pub keys: bool,
    pub labels: bool,
    pub obj2: bool,
    pub time: bool,
}

/// The csv header line (printed before the first event only).
pub fn csv_header(extra: Extra) -> String {
    format!(
        "NODE,EVENT,DATE,TIME,{}SERIAL_NUM,EVENT_KIND,SESSION,SUBJ_PRIME,SUBJ_SEC,SUBJ_KIND,{}ACTION,\
         RESULT,OBJ_PRIME,OBJ_SEC,{}{}OBJ_KIND,HOW{}\n",
        if extra.time { "YEAR,MONTH,DAY,WEEKDAY,HOUR,MILLI,GMT_OFFSET," } else { "" },
        if extra.labels { "SUBJ_LABEL," } else { "" },
        if extra.obj2 { "OBJ2," } else { "" },
        if extra.labels { "OBJ_LABEL," } else { "" },
        if extra.keys { ",KEY" } else { "" },
    )
}

/// What normalised output needs besides the event.
pub struct Writer<'a> {
    pub escape: Escape,
    /// Names, and the local time of event seconds.
    pub host: &'a dyn Host,
    pub extra: Extra,
}

impl Writer<'_> {
    fn run(&self, au: &mut Au<'_, '_>, all: bool) -> (Norm, bool) {
        normalizer::normalize(au, all)
    }

    /// One csv row; diagnostics go to `err`.
    pub fn write_csv(&self, out: &mut Vec<u8>, err: &mut Vec<u8>, event: &Event<'_>) {
        self.each(out, err, event, Format::Csv);
    }

    /// One text sentence per event.
    pub fn write_text(&self, out: &mut Vec<u8>, event: &Event<'_>) {
        self.each(out, &mut Vec::new(), event, Format::Text);
    }

    /// With a memo, an event whose records repeat those of one written
    /// before but for their stamps is written as that one was, with its
    /// own time ([`whole`]); any other, group by group ([`Writer::recalled`]).
    fn each(&self, out: &mut Vec<u8>, err: &mut Vec<u8>, event: &Event<'_>, format: Format) {
        memo::with(self.host.names_generation(), |mut memo| {
            let trying = memo.as_deref_mut().is_some_and(|m| m.odds.worth_trying());
            let mut spare = whole::Spare::take();
            if let Some(memo) = memo.as_deref_mut().filter(|_| trying) {
                let tag = memo::tag::NORMALIZED_EVENT | u64::from(self.recall_tag(event, format));
                spare.piece.clear();
                Time::new(event, format).write(self, &mut spare.piece);
                if spare.find(memo, (event, tag), out, err) {
                    memo.odds.tell(true);
                    return spare.give();
                }
            }
            let (start, err_start) = (out.len(), err.len());
            // Whether each group wrote the time once, and nothing it wrote
            // depends on the stamps.
            let mut apart = true;
            au::each_group(event, trying, |records, heads| {
                let time = Time::new(event, format);
                let memo = memo.as_deref_mut();
                match self.recalled(out, err, (records, &heads), memo, trying, time) {
                    Some((at, end)) if out[at..end] == *spare.piece => {
                        spare.places.push(at - start)
                    }
                    _ => apart = false,
                }
            });
            if let (Some(memo), true) = (memo, apart && trying) {
                spare.keep(memo, &out[start..], &err[err_start..]);
            }
            spare.give();
        });
    }

    /// Writes an event made of `records`; with a memo and `recall`, its
    /// output is found there, or kept. Returns where the time went, when
    /// it was written once and nothing else depends on the records' stamps.
    fn recalled(
        &self,
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
        (records, heads): (&[Record<'_>], &[Head<'_>]),
        memo: Option<&mut Memo>,
        recall: bool,
        mut time: Time<'_, '_>,
    ) -> Option<(usize, usize)> {
        let memo = match memo {
            Some(memo) if recall => memo,
            memo => {
                let mut au = Au::of_group(records, self.escape, self.host, memo);
                self.write(out, err, &mut au, &mut time);
                return None;
            }
        };
        let recall = Recall::new(records, heads, self.recall_tag(time.event, time.format));
        let found = recall.find(memo);
        let hit = found.is_some();
        let mut text_read = false;
        if let Some(parts) = found {
            out.extend_from_slice(parts.head);
            time.write(self, out);
            out.extend_from_slice(parts.tail);
            err.extend_from_slice(parts.err);
            text_read = parts.text_read;
        }
        memo.odds.tell(hit);
        if !hit {
            let mut au = Au::of_group(records, self.escape, self.host, Some(memo));
            au.note_reads();
            let (start, err_start) = (out.len(), err.len());
            self.write(out, err, &mut au, &mut time);
            let reads = au.take_reads().unwrap_or_default();
            text_read = reads.iter().any(|r| matches!(r, au::Read::Text(_)));
            if let (1, Some((head_end, tail_start))) = time.marks {
                let head = &out[start..head_end];
                let tail = &out[tail_start..];
                let parts = Parts { head, tail, err: &err[err_start..], text_read };
                recall.keep(memo, &reads, parts);
            }
        }
        match time.marks {
            (1, mark) if !text_read => mark,
            _ => None,
        }
    }

    fn write(&self, out: &mut Vec<u8>, err: &mut Vec<u8>, au: &mut Au<'_, '_>, time: &mut Time) {
        match time.format {
            Format::Csv => self.csv_row(out, err, au, time),
            Format::Text => self.sentence(out, au, time),
        }
    }

    /// What, besides the event's fields, its output depends on: the format,
    /// the settings, and whether the event has a node.
    fn recall_tag(&self, event: &Event<'_>, format: Format) -> u32 {
        let e = self.extra;
        let flags = [e.keys, e.labels, e.obj2, e.time, event.key.node.is_some()];
        let flags = flags.iter().enumerate().fold(0, |f, (i, &on)| f | u32::from(on) << (i + 1));
        format as u32 | flags | (self.escape as u32) << 8
    }

    fn csv_row(&self, out: &mut Vec<u8>, err: &mut Vec<u8>, au: &mut Au<'_, '_>, time: &mut Time) {
        if time.event.key.node.is_some() {
            au.interpret_field_into(out);
        }
        out.push(b',');
        let type_name =
            u32::try_from(au.get_type()).ok().and_then(raudit_tables::msg_type::name_of);
        if let Some(name) = type_name {
            out.extend_from_slice(name.as_bytes());
        }
        out.push(b',');
        let (norm, normalized) = self.run(au, self.extra.labels);
        time.write(self, out);
        if !normalized {
            err.extend_from_slice(b"error normalizing ");
            err.extend_from_slice(type_name.unwrap_or("(null)").as_bytes());
            err.push(b'\n');
            // COMPAT: the empty frame forgets the OBJ2 column.
            out.extend_from_slice(b",,,,,,,,,");
            if self.extra.labels {
                out.extend_from_slice(b",,");
            }
            if self.extra.keys {
                out.push(b',');
            }
            out.push(b'\n');
            return;
        }
        out.extend_from_slice(norm.evkind.unwrap_or("unknown").as_bytes());
        out.push(b',');
        write_at(out, au, norm.session);
        out.push(b',');
        let start = out.len();
        if write_at(out, au, norm.subj_primary) && out[start..] == *b"unset" {
            out.truncate(start);
            out.extend_from_slice(b"system");
        }
        out.push(b',');
        write_at(out, au, norm.subj_secondary);
        out.push(b',');
        if let Some(k) = norm.subj_kind {
            out.extend_from_slice(k.as_bytes());
        }
        out.push(b',');
        if self.extra.labels {
            label(out, au, &norm.subj_attrs, b"subj");
            out.push(b',');
        }
        let action = norm.action.as_deref();
        out.extend_from_slice(action.unwrap_or(b"did-unknown"));
        out.push(b',');
        if let Some(ok) = result(out, au, norm.results) {
            out.extend_from_slice(if ok { b"success" } else { b"failed" });
        }
        out.push(b',');
        if seek(au, norm.obj_primary) {
            let written = if au.field_kind() == Kind::EscapedFile {
                au.interpret_realpath_into(out)
            } else if au.get_type() == normalizer::t::CONFIG_CHANGE
                && matches!(action, Some(b"set" | b"seccomp-logging"))
            {
                au.field_name().map(|name| out.extend_from_slice(name)).is_some()
            } else {
                au.interpret_field_into(out)
            };
            if !written {
                out.extend_from_slice(b"(null)");
            }
        }
        out.push(b',');
        write_at(out, au, norm.obj_secondary);
        out.push(b',');
        if self.extra.obj2 {
            write_object2(out, au, norm.obj_two);
            out.push(b',');
        }
        if self.extra.labels {
            label(out, au, &norm.obj_attrs, b"obj");
            out.push(b',');
        }
        out.extend_from_slice(norm.obj_kind_name().as_bytes());
        out.push(b',');
        if let Some(how) = &norm.how {
            out.extend_from_slice(how);
        }
        if self.extra.keys {
            out.push(b',');
            write_at(out, au, norm.key);
        }
        out.push(b'\n');
    }

    fn sentence(&self, out: &mut Vec<u8>, au: &mut Au<'_, '_>, time: &mut Time) {
        let first_type = au.get_type();
        // COMPAT: whatever went wrong, the sentence is printed.
        let (norm, _) = self.run(au, false);
        if time.event.key.node.is_some() {
            out.extend_from_slice(b"On ");
            if !au.interpret_field_into(out) {
                out.extend_from_slice(b"(null)");
            }
            out.extend_from_slice(b" at ");
        } else {
            out.extend_from_slice(b"At ");
        }
        time.write(self, out);
        out.push(b' ');
        let mut id = -2;
        if seek(au, norm.subj_primary) {
            let start = out.len();
            au.interpret_field_into(out);
            id = au.field_int().0;
            if out[start..] == *b"unset" {
                out.truncate(start);
                out.extend_from_slice(b"system");
            }
        }
        if seek(au, norm.subj_secondary) {
            let uid = au.field_int().0;
            if uid != id && id != -2 && uid != -1 {
                out.extend_from_slice(b", acting as ");
                au.interpret_field_into(out);
                out.push(b',');
            }
        }
        match result(out, au, norm.results) {
            Some(ok) => {
                out.extend_from_slice(if ok { b" successfully " } else { b" unsuccessfully " })
            }
            None => out.push(b' '),
        }
        let action = norm.action.as_deref();
        out.extend_from_slice(action.unwrap_or(b"did-unknown"));
        out.push(b' ');
        if seek(au, norm.obj_primary) {
            let mut val: Option<Vec<u8>> = None;
            // COMPAT: the words for AVCs stay only when nothing replaces them.
            if action.is_some_and(|a| a.windows(8).any(|w| w == b"violated")) {
                val = Some(b"accessing ".to_vec());
            }
            let kind = au.field_kind();
            if kind == Kind::EscapedFile {
                val = au.interpret_realpath();
            } else if kind == Kind::Sockaddr {
                val = sock_part(au, b"laddr=").or_else(|| sock_part(au, b"fam="));
            } else if first_type == normalizer::t::CONFIG_CHANGE {
                val = if matches!(action, Some(b"set" | b"seccomp-logging")) {
                    au.field_name().map(<[u8]>::to_vec)
                } else {
                    au.interpret_field()
                };
            }
            if val.is_none() {
                val = au.interpret_field();
            }
            out.extend_from_slice(&val.unwrap_or_else(|| b"(null)".to_vec()));
            out.push(b' ');
        }
        if seek(au, norm.obj_two) {
            out.extend_from_slice(b"to ");
            write_object2(out, au, norm.obj_two);
            out.push(b' ');
        }
        if let (Some(how), Some(a)) = (&norm.how, action)
            && a.first() != Some(&b'e')
        {
            out.extend_from_slice(b"using ");
            out.extend_from_slice(how);
        }
        out.push(b'\n');
    }
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Text,
}

/// The one part of an event's output not made of its fields (its time,
/// and in csv its serial), and where it went.
struct Time<'e, 'a> {
    event: &'e Event<'a>,
    format: Format,
    /// How many times were written, and where the last starts and ends.
    marks: (u32, Option<(usize, usize)>),
}

impl<'e, 'a> Time<'e, 'a> {
    fn new(event: &'e Event<'a>, format: Format) -> Self {
        Time { event, format, marks: (0, None) }
    }

    fn write(&mut self, w: &Writer<'_>, out: &mut Vec<u8>) {
        let at = out.len();
        let (key, host) = (&self.event.key, w.host);
        let sec = key.sec as i64;
        match self.format {
            Format::Text => host.strftime_into(out, "%T %x", sec),
            Format::Csv => {
                host.strftime_into(out, "%x,%T,", sec);
                if w.extra.time {
                    host.strftime_into(out, "%Y,%m,%d,%u,%k,", sec);
                    let off = host.utc_offset(sec);
                    let total = off.unsigned_abs();
                    let hour = total / 3600;
                    // COMPAT: the minutes are the remainder of the seconds by 60.
                    let min = (total - hour * 3600) % 60;
                    let sign = if off >= 0 { '+' } else { '-' };
                    let _ = write!(out, "{},{sign}{hour:02}:{min:02},", key.milli);
                }
                raudit_parse::cnum::push_decimal(out, key.serial, 1);
                out.push(b',');
            }
        }
        self.marks = (self.marks.0 + 1, Some((at, out.len())));
    }
}

/// `seek_field`: puts the cursor on `loc`; true when it is there.
fn seek(au: &mut Au<'_, '_>, loc: Loc) -> bool {
    let Some((rec, field)) = loc else { return false };
    au.goto_record_num(rec) && au.goto_field_num(field)
}

/// The field at `loc` interpreted (`(null)` when it has no value) onto
/// `out`; false, with nothing written, when there is no such field.
fn write_at(out: &mut Vec<u8>, au: &mut Au<'_, '_>, loc: Loc) -> bool {
    if !seek(au, loc) {
        return false;
    }
    if !au.interpret_field_into(out) {
        out.extend_from_slice(b"(null)");
    }
    true
}

/// The second object at `loc` (a file name made whole) onto `out`.
fn write_object2(out: &mut Vec<u8>, au: &mut Au<'_, '_>, loc: Loc) {
    if !seek(au, loc) {
        return;
    }
    let written = if au.field_kind() == Kind::EscapedFile {
        au.interpret_realpath_into(out)
    } else {
        au.interpret_field_into(out)
    };
    if !written {
        out.extend_from_slice(b"(null)");
    }
}

/// Success or failure from the results field. `scratch` holds the
/// interpretation while it is read (and is left as it was).
fn result(scratch: &mut Vec<u8>, au: &mut Au<'_, '_>, loc: Loc) -> Option<bool> {
    if !seek(au, loc) {
        return None;
    }
    let start = scratch.len();
    au.interpret_field_into(scratch);
    let v = &scratch[start..];
    let ok =
        v == b"yes" || v.starts_with(b"suc") || (au.field_kind() == Kind::Seccomp && v == b"allow");
    scratch.truncate(start);
    Some(ok)
}

/// The first attribute named `name` (the MAC label), interpreted.
fn label(out: &mut Vec<u8>, au: &mut Au<'_, '_>, attrs: &[(usize, usize)], name: &[u8]) {
    for &at in attrs {
        if seek(au, Some(at)) && au.field_name() == Some(name) {
            au.interpret_field_into(out);
            return;
        }
    }
}

/// `auparse_interpret_sock_parts`: the word after `part` in a socket
/// address interpretation, if a space follows it.
fn sock_part(au: &mut Au<'_, '_>, part: &[u8]) -> Option<Vec<u8>> {
    if au.field_kind() != Kind::Sockaddr {
        return None;
    }
    let v = au.interpret_field()?;
    let at = v.windows(part.len()).position(|w| w == part)? + part.len();
    let len = memchr::memchr(b' ', &v[at..])?;
    Some(v[at..at + len].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_parse::Record;
    use raudit_parse::assembler::EventKey;
    use raudit_sys::FixedHost;

    fn event(lines: &[&'static str]) -> Event<'static> {
        let records: Vec<Record<'static>> =
            lines.iter().map(|l| Record::parse(l.as_bytes(), 2).expect("a record")).collect();
        let r = records[0];
        Event {
            key: EventKey { sec: r.sec, milli: r.milli, serial: r.serial, node: r.node },
            records,
        }
    }

    fn writer(host: &FixedHost, extra: Extra) -> Writer<'_> {
        Writer { escape: Escape::Tty, host, extra }
    }

    const OPEN_FAILED: [&str; 3] = [
        "type=SYSCALL msg=audit(1700000010.123:100): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=0 a2=0 a3=0 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)",
        "type=CWD msg=audit(1700000010.123:100): cwd=\"/tmp\"",
        "type=PATH msg=audit(1700000010.123:100): item=0 name=\"x/../y\" inode=5 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL",
    ];

    #[test]
    fn header_columns_follow_the_extras() {
        let all = Extra { keys: true, labels: true, obj2: true, time: true };
        assert_eq!(csv_header(Extra::default()).matches(',').count(), 15);
        assert!(csv_header(all).ends_with("OBJ2,OBJ_LABEL,OBJ_KIND,HOW,KEY\n"));
    }

    #[test]
    fn a_syscall_event_and_a_lone_path() {
        let host = FixedHost::new().with_user(1000, "alice");
        let w = writer(&host, Extra::default());
        let [syscall, cwd, path] = OPEN_FAILED;
        let e = event(&[
            syscall,
            cwd,
            path,
            "type=PROCTITLE msg=audit(1700000010.123:100): proctitle=636174",
            // After PROCTITLE libauparse starts another event: records
            // without a SYSCALL record cannot be normalised.
            "type=PATH msg=audit(1700000010.123:100): item=1 name=\"z\" nametype=NORMAL",
            "type=CWD msg=audit(1700000010.123:100): cwd=\"/tmp\"",
        ]);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        w.write_csv(&mut out, &mut err, &e);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            ",SYSCALL,11/14/23,22:13:30,100,audit-rule,3,alice,root,privileged-acct,opened-file,failed,/tmp/y,5,file,/usr/bin/cat\n\
             ,PATH,11/14/23,22:13:30,100,,,,,,,,,,\n"
        );
        assert_eq!(err, b"error normalizing PATH\n");
        let mut out = Vec::new();
        w.write_text(&mut out, &e);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(
            "At 22:13:30 11/14/23 alice, acting as root, unsuccessfully opened-file /tmp/y using /usr/bin/cat\n"
        ));
    }

    #[test]
    fn the_hosts_zone_and_names_reach_the_row() {
        // UTC-05:30: the event's second is still the 14th there.
        let host = FixedHost::new().with_user(1000, "zoe").with_utc_offset(-(5 * 3600 + 1800));
        let w = writer(&host, Extra { time: true, ..Extra::default() });
        let (mut out, mut err) = (Vec::new(), Vec::new());
        w.write_csv(&mut out, &mut err, &event(&OPEN_FAILED));
        let row = String::from_utf8(out).unwrap();
        // COMPAT: the offset's minutes are its seconds modulo 60, so 0.
        assert!(
            row.starts_with(
                ",SYSCALL,11/14/23,16:43:30,2023,11,14,2,16,123,-05:00,100,audit-rule,3,zoe,"
            ),
            "{row}"
        );
    }

    #[test]
    fn odd_records_do_not_panic() {
        let host = FixedHost::new();
        let all = Extra { keys: true, labels: true, obj2: true, time: true };
        let w = writer(&host, all);
        for line in [
            "type=AVC msg=audit(1700000000.000:1): avc:  denied  { read write } for pid=1 scontext=a tcontext=b tclass=file",
            "type=CONFIG_CHANGE msg=audit(1700000000.000:1): op=",
            "type=USER_LOGIN msg=audit(1700000000.000:1): msg='",
            "type=SYSCALL msg=audit(1700000000.000:1): key=0 key=ZZ key=4142014344",
            "node=n type=DAEMON_START msg=audit(1700000000.000:1): ",
        ] {
            let e = event(&[line]);
            let (mut out, mut err) = (Vec::new(), Vec::new());
            w.write_csv(&mut out, &mut err, &e);
            w.write_text(&mut out, &e);
            assert!(out.ends_with(b"\n"));
        }
    }
}
