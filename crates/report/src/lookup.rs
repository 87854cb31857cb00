//! Names for aureport's columns: uids, syscalls and record types as
//! numbers, or with `-i` as names (ausearch-lookup.c behaviour).
//!
//! COMPAT: -i goes through this small module only, on raudit-tables and
//! the host's user database, until the shared interpretation crate can
//! take over. Dates go through the host too.

use std::borrow::Cow;

use raudit_search::extract::{SearchItems, UNSET_ID};
use raudit_sys::Host;

/// The interpretations of an event's ENRICHED part, as the reference
/// loads them: only for a one-record event or one that starts with
/// SYSCALL, and only `auid` and `syscall` are looked up.
#[derive(Clone, Copy, Default)]
pub struct Enriched<'a> {
    text: Option<&'a [u8]>,
}

impl<'a> Enriched<'a> {
    pub fn new(text: Option<&'a [u8]>) -> Self {
        Enriched { text }
    }

    /// The first `NAME=value` whose lowercased name is `name`.
    fn value(&self, name: &[u8]) -> Option<&'a [u8]> {
        let text = self.text?;
        // COMPAT: auparse interpret.c load_interpretation_list: a SADDR
        // interpretation is loaded alone.
        if text.starts_with(b"SADDR=") {
            return None;
        }
        text.split(|&b| b == b' ').filter(|t| !t.is_empty()).find_map(|token| {
            let eq = token.iter().position(|&b| b == b'=')?;
            token[..eq].eq_ignore_ascii_case(name).then(|| &token[eq + 1..])
        })
    }
}

/// auparse's print_escaped: a quoted value's contents, else hex decoded.
fn unescape_value(v: &[u8]) -> Vec<u8> {
    if let Some(rest) = v.strip_prefix(b"\"") {
        return match rest.iter().position(|&b| b == b'"') {
            Some(end) => rest[..end].to_vec(),
            None => b" ".to_vec(),
        };
    }
    let v = if v.starts_with(b"00") { &v[2..] } else { v };
    if v.first() == Some(&b'(') {
        return match v.iter().position(|&b| b == b')') {
            Some(end) => v[..=end].to_vec(),
            None => v.to_vec(),
        };
    }
    let n = v.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if n < 2 {
        return v.to_vec();
    }
    let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    let mut out: Vec<u8> =
        v[..n].chunks(2).map(|p| (hex(p[0]) << 4) | p.get(1).map_or(0, |&b| hex(b))).collect();
    if let Some(nul) = out.iter().position(|&b| b == 0) {
        out.truncate(nul);
    }
    out
}

/// A uid's or a syscall's column text, kept on the stack when short (a
/// detailed report makes one per event): a number, or with `-i` most
/// names.
pub enum ColumnText {
    Short([u8; SHORT], u8),
    Long(Vec<u8>),
}

/// The longest uid text kept on the stack.
const SHORT: usize = 32;

impl ColumnText {
    /// The decimal text of `n`, as `%d` prints it.
    fn number(n: i32) -> ColumnText {
        let mut text = [0u8; 11];
        let mut at = raudit_parse::cnum::digits_before(&mut text, 11, u64::from(n.unsigned_abs()));
        if n < 0 {
            at -= 1;
            text[at] = b'-';
        }
        ColumnText::of(&text[at..])
    }

    fn of(bytes: &[u8]) -> ColumnText {
        match bytes.len() {
            len @ 0..=SHORT => {
                let mut text = [0u8; SHORT];
                text[..len].copy_from_slice(bytes);
                ColumnText::Short(text, len as u8)
            }
            _ => ColumnText::Long(bytes.to_vec()),
        }
    }

    pub fn into_vec(self) -> Vec<u8> {
        match self {
            ColumnText::Short(..) => self.to_vec(),
            ColumnText::Long(name) => name,
        }
    }
}

impl std::ops::Deref for ColumnText {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ColumnText::Short(text, len) => &text[..usize::from(*len)],
            ColumnText::Long(name) => name,
        }
    }
}

/// Numbers or names, as `-i` says, and dates, from the host.
pub struct Lookup<'h> {
    pub interpret: bool,
    pub host: &'h dyn Host,
}

impl<'h> Lookup<'h> {
    pub fn new(interpret: bool, host: &'h dyn Host) -> Self {
        Lookup { interpret, host }
    }

    /// `strftime("%x %T")` of an event second, local time.
    pub fn date(&self, sec: i64) -> String {
        self.host.strftime("%x %T", sec)
    }

    /// [`Lookup::date`] appended to `out`.
    pub fn date_into(&self, out: &mut Vec<u8>, sec: i64) {
        self.host.strftime_into(out, "%x %T", sec)
    }

    /// aulookup_uid: the signed number, or with -i `unset`, the enriched
    /// AUID (whatever uid is asked about), the user name, `unknown(N)`.
    pub fn uid(&self, uid: u32, enriched: Enriched<'_>) -> ColumnText {
        if !self.interpret {
            return ColumnText::number(uid as i32);
        }
        if uid == UNSET_ID {
            return ColumnText::of(b"unset");
        }
        // COMPAT: ausearch-lookup.c aulookup_uid looks up the "auid"
        // interpretation for every uid column, uid= ones included.
        if let Some(v) = enriched.value(b"auid") {
            return ColumnText::Long(unescape_value(v));
        }
        // The name is written where it is kept for the thread's next one.
        thread_local!(static NAME: std::cell::RefCell<Vec<u8>> = const {
            std::cell::RefCell::new(Vec::new())
        });
        NAME.with_borrow_mut(|name| {
            name.clear();
            raudit_interpret::value::id_name(name, uid, self.host, true);
            ColumnText::of(name)
        })
    }

    /// aulookup_syscall: the number, or with -i the enriched SYSCALL, the
    /// name for the event's arch (`?` when the arch is unknown), the
    /// number when the table has no name.
    pub fn syscall(&self, items: &SearchItems, enriched: Enriched<'_>) -> ColumnText {
        if !self.interpret {
            return ColumnText::number(items.syscall);
        }
        if let Some(v) = enriched.value(b"syscall") {
            return ColumnText::of(v);
        }
        // The reference's machines (no riscv64 in 3.0.9).
        let Some(machine) = raudit_interpret::Machine::from_elf(items.arch) else {
            return ColumnText::of(b"?");
        };
        // COMPAT: ausearch-lookup.c: socketcall/ipc sub-calls are meant to
        // be named from a0, but the record is looked up by index 1300, so
        // the plain name is printed.
        match machine.syscall_name(items.syscall) {
            Some(name) => ColumnText::of(name.as_bytes()),
            None => ColumnText::number(items.syscall),
        }
    }
}

/// audit_msg_type_to_name as printf("%s") shows it: unknown types print
/// `(null)`.
pub fn type_name(t: i32) -> Cow<'static, str> {
    if t < 0 {
        return Cow::Borrowed("(null)");
    }
    match raudit_tables::msg_type::name_of(t as u32) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Borrowed("(null)"),
    }
}

/// print_tty_data: hex TTY data as `"text",<key>` runs; other values as
/// they are.
pub fn tty_data(val: &[u8], out: &mut Vec<u8>) {
    if !val.iter().all(u8::is_ascii_hexdigit) {
        out.extend_from_slice(val);
        return;
    }
    if val.len() < 2 {
        out.extend_from_slice(b"conversion error(");
        out.extend_from_slice(val);
        out.push(b')');
        return;
    }
    let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    let mut data: Vec<u8> =
        val.chunks(2).map(|p| (hex(p[0]) << 4) | p.get(1).map_or(0, |&b| hex(b))).collect();
    // COMPAT: ausearch-lookup.c: the decoded data is a C string and its
    // length is half the hex text; bytes after a NUL read as NULs.
    if let Some(nul) = data.iter().position(|&b| b == 0) {
        for b in &mut data[nul..] {
            *b = 0;
        }
    }
    data.truncate(val.len() / 2);
    raudit_interpret::value::tty_keys(out, &data);
}
