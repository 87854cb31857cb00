//! The event's `summary`: who did what to which object, how, with what
//! result, gathered while its records are written.

use std::ops::Range;

use raudit_parse::record::types::{PATH, SOCKADDR, SYSCALL};

use super::Interp;
use super::fields::{Field, Value};
use super::text::{member, string};

/// The event's summary, gathered while its records are written; its
/// values are ranges of `text`.
#[derive(Default)]
pub(super) struct Summary {
    pub(super) text: Vec<u8>,
    auid: Option<Range<usize>>,
    uid: Option<Range<usize>>,
    action: Option<Range<usize>>,
    how: Option<Range<usize>>,
    result: Option<&'static str>,
    keys: Vec<Range<usize>>,
    /// Object candidates, best first: a file, an address, a command line.
    path: Option<Range<usize>>,
    address: Option<Range<usize>>,
    pub(super) command: Option<Range<usize>>,
}

impl Summary {
    /// Empties the summary for the next event, keeping its memory.
    pub(super) fn clear(&mut self) {
        let (mut text, mut keys) = (std::mem::take(&mut self.text), std::mem::take(&mut self.keys));
        text.clear();
        keys.clear();
        *self = Summary { text, keys, ..Summary::default() };
    }

    /// Writes the summary as a JSON object.
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        let object = self.path.as_ref().or(self.address.as_ref()).or(self.command.as_ref());
        let members = [
            ("auid", self.auid.as_ref()),
            ("uid", self.uid.as_ref()),
            ("action", self.action.as_ref()),
            ("object", object),
            ("how", self.how.as_ref()),
        ];
        out.push(b'{');
        for (i, (name, value)) in members.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            member(out, name.as_bytes(), true);
            match value {
                Some(range) => string(out, &self.text[range.clone()]),
                None => out.extend_from_slice(b"null"),
            }
        }
        out.extend_from_slice(b",\"result\":");
        match self.result {
            Some(r) => string(out, r.as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"keys\":[");
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, &self.text[k.clone()]);
        }
        out.extend_from_slice(b"]}");
    }
}

/// Appends what `write` writes to `text`; returns where it is.
fn put(text: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) -> Range<usize> {
    let start = text.len();
    write(text);
    start..text.len()
}

/// The fields a summary is made of, first occurrence of each (the
/// record's own, then its msg='…'), found in one pass.
#[derive(Default)]
pub(super) struct Facts<'a> {
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
    /// The facts in a fixed order, to be kept and found again.
    pub(super) fn slots(&mut self) -> [&mut Option<&'a [u8]>; 11] {
        [
            &mut self.auid,
            &mut self.uid,
            &mut self.syscall,
            &mut self.op,
            &mut self.exe,
            &mut self.name,
            &mut self.nametype,
            &mut self.saddr,
            &mut self.success,
            &mut self.res,
            &mut self.key,
        ]
    }

    pub(super) fn gather(&mut self, fields: &[Field<'a>]) {
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
pub(super) fn summarize(
    rtype: i32,
    fields: &[Field<'_>],
    it: &Interp<'_>,
    sum: &mut Summary,
    decoded: &mut Vec<u8>,
) {
    let mut facts = Facts::default();
    facts.gather(fields);
    summarize_facts(rtype, &facts, it, sum, decoded);
}

/// [`summarize`] with the record's facts gathered already.
pub(super) fn summarize_facts(
    rtype: i32,
    facts: &Facts<'_>,
    it: &Interp<'_>,
    sum: &mut Summary,
    decoded: &mut Vec<u8>,
) {
    use raudit_interpret::value::escaped;
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
