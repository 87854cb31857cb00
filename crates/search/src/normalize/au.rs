//! An event as libauparse models it for the normaliser: every record
//! split into a list of name/value fields (`parse_up_record`), and one
//! cursor (a current record, and a current field in each record) that the
//! normaliser moves around. The normaliser's results depend on where that
//! cursor is left after each search, so the cursor rules are kept exactly:
//! a search starts at the current field and runs on through the following
//! records; a failed search leaves no current record.

use std::borrow::Cow;
use std::cell::RefCell;

use raudit_interpret::fields::Positions;
use raudit_interpret::value::context_used;
use raudit_interpret::{Context, Escape, Kind, Stored, kind};
use raudit_parse::record::types::{
    EOE, FIRST_ANOM_MSG, FIRST_EVENT, KERNEL, MAC_CALIPSO_DEL, MAC_UNLBL_ALLOW, PROCTITLE,
};
use raudit_parse::{Event, Record};
use raudit_sys::Host;

use crate::memo::{self, Memo};

mod read;

use read::parse_record;
pub(crate) use read::{Head, each_group};

/// One `name=value` of a record. `val` is None for a key that could not
/// be decoded (the reference keeps it, with no value).
pub struct Field<'a> {
    pub name: &'a [u8],
    pub val: Option<Cow<'a, [u8]>>,
}

pub struct Rec<'a> {
    pub rtype: i32,
    /// The record as written (before any ENRICHED part).
    pub text: &'a [u8],
    pub fields: Vec<Field<'a>>,
    /// The current field.
    cur: usize,
    /// The syscall context from the fixed field positions.
    at: Positions,
    stored: Option<Stored<'a>>,
    /// File-name fields interpreted so far, and whether with the working
    /// directory: libauparse keeps the first interpretation of a field and
    /// hands it to every later request, and the directory is the only
    /// context that differs between requests (the rest is the record's).
    first_realpath: Vec<(usize, bool)>,
}

pub struct Au<'a, 'r> {
    recs: Vec<Rec<'a>>,
    cur: Option<usize>,
    /// The raw `cwd=` value of the event's (last) CWD record.
    cwd: Option<&'a [u8]>,
    escape: Escape,
    host: &'r dyn Host,
    /// What has been read of the event, when noted ([`Au::note_reads`]).
    reads: Option<RefCell<Vec<Read>>>,
}

/// Something read of an event besides its shape (its record types, and
/// the names of its fields and whether they have a value): what output
/// made of an event depends on, so that it can be kept for another event
/// of the same shape that agrees on every read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Read {
    /// A field's value: record and field number.
    Value(u32, u32),
    /// A record's arch and syscall number.
    Syscall(u32),
    /// A record's first two arguments.
    Args(u32),
    /// A record's ENRICHED part.
    Enriched(u32),
    /// A record's text.
    Text(u32),
    /// The event's working directory.
    Cwd,
}

impl<'a, 'r> Au<'a, 'r> {
    /// The events libauparse makes of one ausearch event: it closes an
    /// event after a record of a type that usually ends one (PROCTITLE,
    /// EOE, a one-record type...), so the records that follow form
    /// another event (an EOE alone is dropped).
    pub fn split(event: &Event<'a>, escape: Escape, host: &'r dyn Host) -> Vec<Self> {
        let mut out = Vec::new();
        Self::each(event, escape, host, |au| out.push(au));
        out
    }

    /// [`Au::split`], each event handed to `f` as it is made.
    pub fn each(event: &Event<'a>, escape: Escape, host: &'r dyn Host, f: impl FnMut(Self)) {
        memo::with(host.names_generation(), |memo| Self::each_with(event, escape, host, f, memo));
    }

    fn each_with(
        event: &Event<'a>,
        escape: Escape,
        host: &'r dyn Host,
        mut f: impl FnMut(Self),
        mut memo: Option<&mut Memo>,
    ) {
        each_group(event, false, |records, _| {
            f(Au::of_group(records, escape, host, memo.as_deref_mut()))
        });
    }

    /// The event libauparse makes of `records` (a group [`each_group`] gave).
    pub(crate) fn of_group(
        records: &[Record<'a>],
        escape: Escape,
        host: &'r dyn Host,
        mut memo: Option<&mut Memo>,
    ) -> Self {
        let recs = Vec::with_capacity(records.len());
        let mut au = Au { recs, cur: Some(0), cwd: None, escape, host, reads: None };
        for r in records {
            let mut cwd = None;
            au.recs.push(parse_record(r, &mut cwd, memo.as_deref_mut()));
            if cwd.is_some() {
                au.cwd = cwd;
            }
        }
        au
    }

    /// How many events [`Au::split`] makes of `event`, from the record
    /// types alone (no field is read).
    pub fn count_split(event: &Event<'_>) -> usize {
        let mut count = 0;
        let mut building = false;
        for r in &event.records {
            if !building && r.rtype == EOE {
                continue;
            }
            building = !ends_event(r.rtype);
            if !building {
                count += 1;
            }
        }
        count + usize::from(building)
    }

    /// `auparse_get_record_text`: the current record's text; None when a
    /// failed search left no current record.
    pub fn record_text(&self) -> Option<&'a [u8]> {
        self.note(Read::Text(self.cur? as u32));
        self.rec().map(|r| r.text)
    }

    /// From now on, notes what is read of the event ([`Au::take_reads`]).
    pub fn note_reads(&mut self) {
        self.reads = Some(RefCell::new(Vec::with_capacity(32)));
    }

    /// What was read since [`Au::note_reads`], each once, in order.
    pub fn take_reads(&mut self) -> Option<Vec<Read>> {
        let mut reads = self.reads.take()?.into_inner();
        reads.sort_unstable();
        reads.dedup();
        Some(reads)
    }

    fn note(&self, read: Read) {
        if let Some(reads) = &self.reads {
            reads.borrow_mut().push(read);
        }
    }

    fn note_value(&self) {
        if let (Some(i), Some(r)) = (self.cur, self.rec()) {
            self.note(Read::Value(i as u32, r.cur as u32));
        }
    }

    /// `auparse_get_field_int` as the reference's tools use it: the value
    /// as a C int, -1 when there is none or it does not convert.
    pub fn field_int_or_minus_one(&self) -> i32 {
        match self.field_int() {
            (n, true) => n,
            _ => -1,
        }
    }

    fn rec(&self) -> Option<&Rec<'a>> {
        self.cur.and_then(|i| self.recs.get(i))
    }

    fn rec_mut(&mut self) -> Option<&mut Rec<'a>> {
        self.cur.and_then(|i| self.recs.get_mut(i))
    }

    pub fn num_records(&self) -> usize {
        self.recs.len()
    }

    pub fn record_num(&self) -> usize {
        self.cur.unwrap_or(0)
    }

    pub fn first_record(&mut self) -> bool {
        if self.recs.is_empty() {
            return false;
        }
        self.cur = Some(0);
        self.recs[0].cur = 0;
        true
    }

    pub fn next_record(&mut self) -> bool {
        let Some(i) = self.cur else { return false };
        self.cur = if i + 1 < self.recs.len() { Some(i + 1) } else { None };
        self.cur.is_some()
    }

    pub fn goto_record_num(&mut self, num: usize) -> bool {
        if num >= self.recs.len() {
            return false;
        }
        self.cur = Some(num);
        self.recs[num].cur = 0;
        true
    }

    pub fn get_type(&self) -> i32 {
        self.rec().map_or(0, |r| r.rtype)
    }

    pub fn first_field(&mut self) -> bool {
        match self.rec_mut() {
            Some(r) => {
                r.cur = 0;
                true
            }
            None => false,
        }
    }

    pub fn next_field(&mut self) -> bool {
        match self.rec_mut() {
            Some(r) if r.cur + 1 < r.fields.len() => {
                r.cur += 1;
                true
            }
            _ => false,
        }
    }

    pub fn field_num(&self) -> usize {
        self.rec().map_or(0, |r| r.cur)
    }

    pub fn goto_field_num(&mut self, num: usize) -> bool {
        match self.rec_mut() {
            Some(r) if num < r.fields.len() => {
                r.cur = num;
                true
            }
            _ => false,
        }
    }

    fn field(&self) -> Option<&Field<'a>> {
        self.rec().and_then(|r| r.fields.get(r.cur))
    }

    pub fn field_name(&self) -> Option<&'a [u8]> {
        self.field().map(|f| f.name)
    }

    pub fn field_str(&self) -> Option<&[u8]> {
        self.note_value();
        self.field().and_then(|f| f.val.as_deref())
    }

    /// The value of record `record`'s first field named `name`, the cursor
    /// left where it is.
    pub fn value_in(&self, record: usize, name: &str) -> Option<&[u8]> {
        let fields = &self.recs.get(record)?.fields;
        let at = fields.iter().position(|f| same_name(f.name, name))?;
        self.note(Read::Value(record as u32, at as u32));
        fields[at].val.as_deref()
    }

    /// [`Au::find_field`] for whether there is such a field (with a
    /// value) only, which reads nothing of its value.
    pub fn has_field(&mut self, name: &str) -> bool {
        self.seek_name(name) && self.field().is_some_and(|f| f.val.is_some())
    }

    /// `auparse_find_field`: the current field if it has that name, else
    /// the next one that has, in this record or a following one.
    pub fn find_field(&mut self, name: &str) -> Option<Cow<'a, [u8]>> {
        if !self.seek_name(name) {
            return None;
        }
        self.note_value();
        self.field().and_then(|f| f.val.clone())
    }

    /// Puts the cursor on the field [`Au::find_field`] finds; false when
    /// there is none.
    fn seek_name(&mut self, name: &str) -> bool {
        let Some(r) = self.rec() else { return false };
        if let Some(f) = r.fields.get(r.cur)
            && same_name(f.name, name)
        {
            return true;
        }
        self.seek_next_name(name)
    }

    fn seek_next_name(&mut self, name: &str) -> bool {
        let mut moved = false;
        while let Some(i) = self.cur {
            let r = &mut self.recs[i];
            if !moved {
                // COMPAT: on the last field of a record the search ends
                // at once, without looking at the following records.
                if r.cur + 1 >= r.fields.len() {
                    return false;
                }
                r.cur += 1;
                moved = true;
            }
            if let Some(at) = r.fields[r.cur..].iter().position(|f| same_name(f.name, name)) {
                r.cur += at;
                return true;
            }
            self.cur = if i + 1 < self.recs.len() { Some(i + 1) } else { None };
            if let Some(j) = self.cur {
                self.recs[j].cur = 0;
            }
        }
        false
    }

    pub fn field_kind(&self) -> Kind {
        self.note_value();
        match (self.rec(), self.field()) {
            (Some(r), Some(f)) => kind::of_field(r.rtype, f.name, f.val.as_deref().unwrap_or(b"")),
            _ => Kind::Unclassified,
        }
    }

    /// `auparse_get_field_int`: the value as a C int, and whether the
    /// conversion went without error (the reference's errno).
    pub fn field_int(&self) -> (i32, bool) {
        match self.field_str() {
            None => (-1, false),
            Some(v) => match raudit_interpret::cnum::strtol(v, 10) {
                Ok(n) => (n as i32, true),
                Err(_) => (-1, false),
            },
        }
    }

    pub fn interpret_field(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.interpret_into(&mut out, false).then_some(out)
    }

    /// [`Au::interpret_field`] appended to `out`; false (nothing written)
    /// when there is no current field.
    pub fn interpret_field_into(&mut self, out: &mut Vec<u8>) -> bool {
        self.interpret_into(out, false)
    }

    /// `auparse_interpret_realpath`: file names made whole with the
    /// event's working directory; None for other kinds of field.
    pub fn interpret_realpath(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.interpret_realpath_into(&mut out).then_some(out)
    }

    /// [`Au::interpret_realpath`] appended to `out`; false (nothing
    /// written) for other kinds of field.
    pub fn interpret_realpath_into(&mut self, out: &mut Vec<u8>) -> bool {
        self.field_kind() == Kind::EscapedFile && self.interpret_into(out, true)
    }

    /// `getpwnam`: the uid of an account name (the normaliser's kinds of
    /// account).
    pub fn user_id(&self, name: &[u8]) -> Option<u32> {
        std::str::from_utf8(name).ok().and_then(|name| self.host.user_id(name))
    }

    fn interpret_into(&mut self, out: &mut Vec<u8>, realpath: bool) -> bool {
        let Some(i) = self.cur else { return false };
        let (escape, host) = (self.escape, self.host);
        let r = &mut self.recs[i];
        let at = r.cur;
        let Some(f) = r.fields.get(at) else { return false };
        let val: &[u8] = f.val.as_deref().unwrap_or(b"");
        let kind = kind::of_field(r.rtype, f.name, val);
        let mut realpath = realpath;
        if kind == Kind::EscapedFile {
            match r.first_realpath.iter().find(|&&(field, _)| field == at) {
                Some(&(_, first)) => realpath = first,
                None => r.first_realpath.push((at, realpath)),
            }
        }
        let ctx = Context {
            machine: r.at.machine,
            syscall: r.at.syscall,
            syscall_name: None,
            a0: r.at.a0,
            a1: r.at.a1,
            cwd: if realpath { self.cwd } else { None },
            host,
            stored: r.stored.as_ref().filter(|s| !s.is_empty()),
        };
        raudit_interpret::interpret_into(out, kind, f.name, val, &ctx, escape);
        if let Some(reads) = &self.reads {
            let mut reads = reads.borrow_mut();
            let (rec, used) = (i as u32, context_used(kind, &ctx));
            reads.push(Read::Value(rec, at as u32));
            if used.syscall {
                reads.push(Read::Syscall(rec));
            }
            if used.args {
                reads.push(Read::Args(rec));
            }
            if ctx.stored.is_some() {
                reads.push(Read::Enriched(rec));
            }
            if realpath {
                reads.push(Read::Cwd);
            }
        }
        true
    }
}

/// Field names compared in line: a slice comparison calls memcmp, which
/// costs more than the few bytes of a name (the normaliser compares a lot).
fn same_name(field: &[u8], name: &str) -> bool {
    field.len() == name.len() && field.iter().zip(name.as_bytes()).all(|(a, b)| a == b)
}

/// `au_check_events`: a record type after which libauparse considers
/// an event complete.
fn ends_event(rtype: i32) -> bool {
    rtype == PROCTITLE
        || rtype == EOE
        || !(FIRST_EVENT..FIRST_ANOM_MSG).contains(&rtype)
        || rtype == KERNEL
        || (MAC_UNLBL_ALLOW..=MAC_CALIPSO_DEL).contains(&rtype)
}
