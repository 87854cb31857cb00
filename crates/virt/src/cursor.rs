//! An event seen the way libauparse shows it to auvirt: each record split
//! into `name=value` fields (`parse_up_record`), and one cursor (record,
//! field) that field searches move forward.
//!
//! auvirt's results depend on where that cursor stands: a search starts at
//! the current field, gives up when the current field is the last of its
//! record, and leaves the cursor past the last record when it finds
//! nothing, so later searches fail until the cursor is rewound. The
//! tool's logic calls these methods in the reference's order, so the same
//! fields are found.

use std::borrow::Cow;

use raudit_interpret::fields::{Token, Tokens};
use raudit_interpret::{Context, Escape, Stored, interpret_into, kind};
use raudit_parse::Event;
use raudit_parse::record::types::{AVC, USER_AVC};
use raudit_sys::Host;

/// One field of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    pub name: &'a [u8],
    /// As written (quotes kept), or built (an AVC's joined permissions).
    pub value: Cow<'a, [u8]>,
}

/// One record's fields.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    pub rtype: i32,
    pub fields: Vec<Field<'a>>,
    /// The ENRICHED part after 0x1d, for stored names.
    pub enriched: Option<&'a [u8]>,
    /// The raw record, for `--debug` messages.
    pub text: &'a [u8],
}

/// Splits a record's text into fields as libauparse does: tokens on
/// spaces, `msg=audit(...)` dropped, `msg='` opened, trailing `:,')`
/// trimmed, and the unlabelled result and permissions of a SELinux AVC
/// named `seresult` and `seperms`.
pub fn split<'a>(rtype: i32, text: &'a [u8], enriched: Option<&'a [u8]>) -> Fields<'a> {
    let avc_like = rtype == AVC || rtype == USER_AVC;
    let mut fields: Vec<Field<'a>> = Vec::new();
    let mut offset = 0;
    let mut tokens = Tokens::new(text);
    while let Some(token) = tokens.next() {
        match token {
            Token::Field { name, value } => {
                fields.push(Field { name, value: Cow::Borrowed(value) });
                if fields.len() == 1 && name == b"node" {
                    offset = 1;
                }
            }
            Token::Word(word) if avc_like => {
                if fields.len() == 1 + offset {
                    if word.starts_with(b"avc") {
                        continue;
                    }
                    fields.push(Field { name: b"seresult", value: Cow::Borrowed(word) });
                } else if fields.len() == 2 + offset && word.first() == Some(&b'{') {
                    let mut perms = Vec::new();
                    while let Some(p) = tokens.next_raw() {
                        if p.first() == Some(&b'}') {
                            break;
                        }
                        if !perms.is_empty() {
                            perms.push(b',');
                        }
                        perms.extend_from_slice(p);
                    }
                    fields.push(Field { name: b"seperms", value: Cow::Owned(perms) });
                }
            }
            Token::Word(_) => {}
        }
    }
    Fields { rtype, fields, enriched, text }
}

/// The records of one event and libauparse's cursor over them.
pub struct Cursor<'e, 'a> {
    records: &'e [Fields<'a>],
    /// None: past the last record (a failed search ran off the end).
    record: Option<usize>,
    field: usize,
    host: &'e dyn Host,
}

// COMPAT: libauparse answers no field question for an event stamped at
// second 0; `Cursor::new` is given no records then.

impl<'e, 'a> Cursor<'e, 'a> {
    /// A cursor on the first field; `sec` is the event's second.
    pub fn new(records: &'e [Fields<'a>], sec: u64, host: &'e dyn Host) -> Self {
        let records = if sec == 0 { &records[..0] } else { records };
        Cursor { records, record: Some(0), field: 0, host }
    }

    /// `auparse_first_record`: the first field of the first record.
    pub fn first_record(&mut self) {
        self.record = Some(0);
        self.field = 0;
    }

    fn current(&self) -> Option<&'e Field<'a>> {
        self.records.get(self.record?)?.fields.get(self.field)
    }

    /// `auparse_find_field`: the current field if it has `name`, else the
    /// next one that has it, in this record or a later one.
    pub fn find(&mut self, name: &[u8]) -> Option<&'e [u8]> {
        let at = self.record?;
        if self.records.get(at)?.fields.get(self.field).is_some_and(|f| f.name == name) {
            return self.current().map(|f| f.value.as_ref());
        }
        // COMPAT: auparse_find_field_next: nothing is found when the
        // cursor is on the last field of its record.
        let count = self.records[at].fields.len();
        if count == 0 || self.field + 1 >= count {
            return None;
        }
        self.field += 1;
        let mut r = at;
        loop {
            let fields = &self.records[r].fields;
            if let Some(i) = fields.iter().skip(self.field).position(|f| f.name == name) {
                self.field += i;
                return Some(fields[self.field].value.as_ref());
            }
            r += 1;
            if r >= self.records.len() {
                self.record = None;
                return None;
            }
            self.record = Some(r);
            self.field = 0;
        }
    }

    /// `auparse_get_record_text` of the current record ("" past the end).
    pub fn record_text(&self) -> &'a [u8] {
        self.record.and_then(|r| self.records.get(r)).map_or(&b""[..], |r| r.text)
    }

    /// `auparse_get_field_str` of the current field.
    pub fn value(&self) -> Option<&'e [u8]> {
        self.current().map(|f| f.value.as_ref())
    }

    /// `auparse_get_field_int`: strtol of the current value as an int, -1
    /// when there is none or it overflows a long.
    pub fn int(&self) -> i32 {
        self.value().map_or(-1, strtol_int)
    }

    /// `auparse_interpret_field` of the current field (tty escaping), cut
    /// at a NUL as the C string is.
    pub fn interpret(&self) -> Option<Vec<u8>> {
        let record = self.records.get(self.record?)?;
        let field = record.fields.get(self.field)?;
        let stored = record.enriched.filter(|e| !e.is_empty()).map(Stored::parse);
        let mut ctx = Context::new(self.host);
        ctx.stored = stored.as_ref().filter(|s| !s.is_empty());
        let k = kind::of_field(record.rtype, field.name, &field.value);
        let mut out = Vec::new();
        interpret_into(&mut out, k, field.name, &field.value, &ctx, Escape::Tty);
        if let Some(nul) = memchr::memchr(0, &out) {
            out.truncate(nul);
        }
        Some(out)
    }
}

/// Every record of `event`, split.
pub fn split_event<'a>(event: &Event<'a>) -> Vec<Fields<'a>> {
    event.records.iter().map(|r| split(r.rtype, r.text, r.enriched)).collect()
}

/// `(int) strtol(v, NULL, 10)`, or -1 when the long overflows.
fn strtol_int(v: &[u8]) -> i32 {
    let mut i = 0;
    while i < v.len() && matches!(v[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let negative = v.get(i) == Some(&b'-');
    if matches!(v.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let mut n: i64 = 0;
    for &b in &v[i..] {
        if !b.is_ascii_digit() {
            break;
        }
        match n.checked_mul(10).and_then(|n| n.checked_add(i64::from(b - b'0'))) {
            Some(x) => n = x,
            None => return -1,
        }
    }
    (if negative { n.wrapping_neg() } else { n }) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_sys::FixedHost;

    fn names(f: &Fields<'_>) -> Vec<String> {
        f.fields
            .iter()
            .map(|f| {
                format!("{}={}", String::from_utf8_lossy(f.name), String::from_utf8_lossy(&f.value))
            })
            .collect()
    }

    #[test]
    fn avc_result_and_permissions_are_named() {
        let text =
            b"type=AVC msg=audit(1.2:3): avc:  denied  { read write } for  pid=5 comm=\"qemu\"";
        let f = split(AVC, text, None);
        assert_eq!(
            names(&f),
            ["type=AVC", "seresult=denied", "seperms=read,write", "pid=5", "comm=\"qemu\""]
        );
    }

    #[test]
    fn user_message_fields_are_opened() {
        let text =
            b"type=VIRT_CONTROL msg=audit(1.2:3): pid=1 uid=0 msg='virt=kvm vm=\"g\" res=success'";
        let f = split(2500, text, None);
        assert_eq!(
            names(&f),
            ["type=VIRT_CONTROL", "pid=1", "uid=0", "virt=kvm", "vm=\"g\"", "res=success"]
        );
    }

    #[test]
    fn searches_move_forward_and_stop_at_the_record_end() {
        let host = FixedHost::new();
        let a = split(2500, b"type=X msg=audit(1.2:3): a=1 b=2", None);
        let b = split(2500, b"type=Y msg=audit(1.2:3): c=3 a=4", None);
        let recs = [a, b];
        let mut c = Cursor::new(&recs, 1, &host);
        assert_eq!(c.find(b"b"), Some(&b"2"[..]));
        // On the last field of its record: nothing, even though `a` follows.
        assert_eq!(c.find(b"a"), None);
        c.first_record();
        assert_eq!(c.find(b"c"), Some(&b"3"[..]));
        assert_eq!(c.find(b"a"), Some(&b"4"[..]));
        c.first_record();
        assert_eq!(c.find(b"zz"), None);
        // Ran off the end: nothing more until rewound.
        assert_eq!(c.find(b"type"), None);
        c.first_record();
        assert_eq!(c.find(b"type"), Some(&b"X"[..]));
        assert_eq!(strtol_int(b"-12x"), -12);
        assert_eq!(strtol_int(b"99999999999999999999"), -1);
    }
}
