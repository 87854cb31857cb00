//! The detailed reports' rows (aureport-output.c per_event_detailed and
//! print_per_event_item): one line per event, two or more for AVCs.

use raudit_search::Escape;
use raudit_search::extract::{Bytes, SearchItems, UNSET_ID};

use crate::kind::Kind;
use crate::lookup::{self, Enriched, Lookup};
use raudit_search::engine::Text;

use crate::scanner::{Prepared, Scanner};
use crate::types::{Types, t};

fn success_word(s: Option<bool>) -> &'static [u8] {
    match s {
        Some(true) => b"yes",
        Some(false) => b"no",
        None => b"unset",
    }
}

/// printf("%s") of a possibly missing string.
fn or_null<T: AsRef<[u8]>>(v: &Option<T>) -> &[u8] {
    v.as_ref().map_or(b"(null)", AsRef::as_ref)
}

fn or_q<T: AsRef<[u8]>>(v: &Option<T>) -> &[u8] {
    v.as_ref().map_or(b"?", AsRef::as_ref)
}

/// Where a detailed row's event-specific pieces went, from the row's
/// start: the date ends at `date_end`; the serial, when the row has one,
/// spans `serial`. The rest of the row depends on the records' texts only.
#[derive(Default, Clone, Copy)]
pub(crate) struct Pieces {
    pub date_end: usize,
    pub serial: Option<(usize, usize)>,
}

/// Builds one row's text at the end of `buf`.
struct Row<'b> {
    buf: &'b mut Vec<u8>,
    escape: Escape,
    start: usize,
    pieces: Pieces,
}

impl<'b> Row<'b> {
    /// A row that starts with the date of second `sec`.
    fn new(buf: &'b mut Vec<u8>, lookup: &Lookup<'_>, sec: i64, escape: Escape) -> Self {
        let start = buf.len();
        lookup.date_into(buf, sec);
        let pieces = Pieces { date_end: buf.len() - start, serial: None };
        buf.push(b' ');
        Row { buf, escape, start, pieces }
    }
    /// The event's serial number, noted in [`Pieces`].
    fn serial(&mut self, serial: u64) -> &mut Self {
        let at = self.buf.len() - self.start;
        self.num(serial);
        self.pieces.serial = Some((at, self.buf.len() - self.start));
        self
    }
    fn raw(&mut self, s: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(s);
        self
    }
    /// safe_print_string: escaped as `--escape` says.
    fn safe(&mut self, s: &[u8]) -> &mut Self {
        let _ = self.escape.write(self.buf, s);
        self
    }
    /// safe_print_string of a missing string: `(null)`, never escaped.
    fn safe_opt(&mut self, s: &Option<Bytes<'_>>) -> &mut Self {
        match s {
            Some(s) => self.safe(s),
            None => self.raw(b"(null)"),
        }
    }
    fn sp(&mut self) -> &mut Self {
        self.buf.push(b' ');
        self
    }
    fn num(&mut self, n: impl Into<u64>) -> &mut Self {
        raudit_parse::cnum::push_decimal(self.buf, n.into(), 0);
        self
    }
    fn end(self) -> Pieces {
        self.buf.push(b'\n');
        self.pieces
    }
}

impl Scanner<'_> {
    /// per_event_detailed and print_per_event_item.
    /// A detailed row is written at the end of `out`, and the result
    /// says how long it is ([`Text::Next`]); `pieces` where its date and
    /// serial went.
    pub(crate) fn rows(
        &self,
        ty: &Types<'_>,
        s: &SearchItems,
        e: Enriched<'_>,
        (out, pieces): (&mut Vec<u8>, &mut Pieces),
    ) -> Prepared {
        let event = ty.event;
        let kind = self.opts.kind;
        let taken = match kind {
            Kind::Avc => ty.has(t::AVC) || ty.has(t::USER_AVC),
            Kind::Mac => ty.range(t::MAC_POLICY_LOAD, t::MAC_UNLBL_STCDEL) || ty.range(2300, 2399),
            Kind::Integrity => ty.range(1800, 1899),
            Kind::Virt => ty.range(2500, 2599),
            Kind::Config => ty.config_change(),
            Kind::Auth => {
                ty.has(t::USER_AUTH) || (ty.has(t::USER_MGMT) && s.success == Some(false))
            }
            Kind::Login => ty.has(t::USER_LOGIN),
            Kind::AcctMod => ty.acct_change(),
            Kind::Event => true,
            Kind::File => s.filenames.is_some(),
            Kind::Host => s.hostname.is_some(),
            Kind::Pid => (s.pid as i32) >= 0,
            Kind::Syscall => s.syscall != 0,
            Kind::Term => s.terminal.is_some(),
            // COMPAT: aureport-scan.c: the user report takes events with a
            // uid but prints their auid.
            Kind::User => s.uid != UNSET_ID,
            Kind::Exe => s.exe.is_some(),
            Kind::Comm => s.comm.is_some(),
            Kind::Anomaly => ty.anomaly(),
            Kind::Response => ty.range(2200, 2299),
            Kind::Crypto => ty.crypto(),
            Kind::Key => {
                s.keys.as_ref().and_then(|k| k.first()).is_some_and(|k| **k != b"(null)"[..])
            }
            Kind::Tty => ty.head() == t::TTY || ty.head() == t::USER_TTY,
            Kind::Time | Kind::Summary => false,
        };
        if !taken {
            return Prepared::Skip;
        }
        let sec = event.key.sec as i64;
        let esc = self.opts.escape;
        let serial = event.key.serial;
        let auid = || self.uid(s.loginuid, e);
        let type_name = lookup::type_name(ty.head());
        let tn = type_name.as_bytes();
        let start = out.len();
        let row_len = |out: &Vec<u8>| Prepared::Row(Text::Next(out.len() - start));
        let mut r = Row::new(out, &self.lookup, sec, esc);
        match kind {
            Kind::Avc => return Prepared::Rows(self.avc_rows(sec, s, e, serial)),
            Kind::Config => {
                r.raw(tn).sp().raw(&auid()).sp().raw(success_word(s.success)).sp().serial(serial);
            }
            Kind::Auth => {
                match &s.acct {
                    Some(a) => r.safe(a),
                    None => r.safe(&self.uid(s.uid, e)),
                };
                r.sp().raw(or_null(&s.hostname)).sp().raw(or_null(&s.terminal));
                r.sp().raw(or_null(&s.exe)).sp().raw(success_word(s.success)).sp().serial(serial);
            }
            Kind::Login => {
                match (&s.acct, s.success) {
                    (Some(a), Some(false)) => r.safe(a),
                    _ => r.safe(&auid()),
                };
                r.sp().raw(or_null(&s.hostname)).sp().raw(or_null(&s.terminal));
                r.sp().raw(or_null(&s.exe)).sp().raw(success_word(s.success)).sp().serial(serial);
            }
            Kind::AcctMod => {
                r.safe(&auid()).sp().raw(or_q(&s.hostname)).sp().raw(or_q(&s.terminal));
                r.sp().raw(or_q(&s.exe)).sp().raw(or_q(&s.acct));
                r.sp().raw(success_word(s.success)).sp().serial(serial);
            }
            Kind::Event => {
                r.serial(serial).sp().raw(tn).sp().safe(&auid()).sp().raw(success_word(s.success));
            }
            Kind::File => {
                let names = s.filenames.as_deref().unwrap_or(&[]);
                let mut at = 0;
                // COMPAT: aureport-output.c: leading PARENT names are
                // skipped when there are several.
                if names.len() > 1 {
                    while s.parent_names.contains(&at) {
                        at += 1;
                    }
                }
                let name = names.get(at).map_or(&b""[..], AsRef::as_ref);
                r.safe(name).sp().raw(&self.lookup.syscall(s, e)).sp();
                r.raw(success_word(s.success)).sp().safe(or_q(&s.exe)).sp().safe(&auid());
                r.sp().serial(serial);
            }
            Kind::Host => {
                r.raw(or_null(&s.hostname)).sp().raw(&self.lookup.syscall(s, e)).sp();
                r.safe(&auid()).sp().serial(serial);
            }
            Kind::Pid => {
                r.num(s.pid).sp().safe(or_q(&s.exe)).sp().raw(&self.lookup.syscall(s, e));
                r.sp().safe(&auid()).sp().serial(serial);
            }
            Kind::Syscall => {
                r.raw(&self.lookup.syscall(s, e)).sp().num(s.pid).sp().safe(or_q(&s.comm));
                r.sp().safe(&auid()).sp().serial(serial);
            }
            Kind::Term => {
                r.raw(or_null(&s.terminal)).sp().raw(or_null(&s.hostname)).sp();
                r.safe_opt(&s.exe).sp().safe(&auid()).sp().serial(serial);
            }
            Kind::User => {
                r.safe(&auid()).sp().raw(or_q(&s.terminal)).sp().raw(or_q(&s.hostname)).sp();
                r.safe(or_q(&s.exe)).sp().serial(serial);
            }
            Kind::Exe | Kind::Comm => {
                let what = if kind == Kind::Exe { &s.exe } else { &s.comm };
                r.safe(or_q(what)).sp().raw(or_q(&s.terminal)).sp().raw(or_q(&s.hostname));
                r.sp().safe(&auid()).sp().serial(serial);
            }
            Kind::Anomaly => {
                let what = s.exe.as_ref().or(s.comm.as_ref()).map_or(&b"?"[..], AsRef::as_ref);
                r.raw(tn).sp().safe(what).sp().raw(or_q(&s.terminal)).sp();
                r.raw(or_q(&s.hostname)).sp().safe(&auid()).sp().serial(serial);
            }
            Kind::Response | Kind::Integrity | Kind::Virt => {
                r.raw(tn).sp().raw(success_word(s.success)).sp().serial(serial);
            }
            Kind::Mac => {
                r.raw(&auid()).sp().raw(tn).sp().raw(success_word(s.success)).sp().serial(serial);
            }
            Kind::Crypto => {
                r.safe(&auid()).sp().raw(tn).sp().raw(success_word(s.success)).sp().serial(serial);
            }
            Kind::Key => {
                let key = s.keys.as_ref().and_then(|k| k.first()).map_or(&b""[..], AsRef::as_ref);
                r.raw(key).sp().raw(success_word(s.success)).sp().safe(or_q(&s.exe));
                r.sp().safe(&auid()).sp().serial(serial);
            }
            Kind::Tty => {
                let text = event.records[0].text;
                let Some(at) = raudit_parse::fields::find_from(text, 0, b"data=") else {
                    // COMPAT: aureport-output.c: without data= the row
                    // stops after the date, with no newline.
                    return row_len(r.buf);
                };
                let mut data = &text[at + 5..];
                if let Some(sp) = data.iter().rposition(|&b| b == b' ') {
                    data = &data[..sp];
                }
                r.serial(serial).sp().safe(&auid()).sp().raw(or_q(&s.terminal)).sp();
                r.num(s.session).sp().safe(or_q(&s.comm)).sp();
                lookup::tty_data(data, r.buf);
            }
            Kind::Time | Kind::Summary => return Prepared::Skip,
        }
        *pieces = r.end();
        row_len(out)
    }

    /// The AVC report prints one row per AVC of the event.
    fn avc_rows(&self, sec: i64, s: &SearchItems, e: Enriched<'_>, serial: u64) -> Vec<Vec<u8>> {
        let contexts = s.contexts.as_deref().unwrap_or(&[]);
        let mut picked: Vec<usize> =
            (0..contexts.len()).filter(|&i| contexts[i].granted.is_some()).collect();
        // COMPAT: aureport-output.c: with no AVC verdict found, the list's
        // cursor stays on its last entry, which is printed once.
        if picked.is_empty() && !contexts.is_empty() {
            picked.push(contexts.len() - 1);
        }
        let syscall = self.lookup.syscall(s, e);
        picked
            .into_iter()
            .map(|i| {
                let c = &contexts[i];
                let mut row = Vec::with_capacity(128);
                let mut r = Row::new(&mut row, &self.lookup, sec, self.opts.escape);
                r.safe(or_q(&s.comm)).sp().raw(or_null(&c.subject)).sp().raw(&syscall).sp();
                r.raw(or_null(&c.class)).sp().raw(or_null(&c.perm)).sp().raw(or_null(&c.object));
                let result: &[u8] = match c.granted {
                    None => b"unset",
                    Some(false) => b"denied",
                    Some(true) => b"granted",
                };
                r.sp().raw(result).sp().num(serial);
                r.end();
                row
            })
            .collect()
    }
}
