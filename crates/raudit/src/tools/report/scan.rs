//! Per event: which events a report takes and what it prints or counts
//! (aureport-scan.c and aureport-output.c behaviour).
//!
//! [`prepare`] runs on several threads: it extracts the event's items with
//! raudit-search's extraction and turns them into finished row text or
//! summary keys. [`Tally`] then numbers rows and counts keys in order.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, Write};

use raudit_parse::Event;
use raudit_search::Escape;
use raudit_search::extract::{PasswdFile, SearchItems, UNSET_ID, UNSET_LOGINUID, extract_with};

use super::args::{ConfAction, Kind, Options, Outcome};
use super::lookup::{self, Enriched, Lookup};

/// Record types the reports look for.
mod t {
    pub const USER_AUTH: i32 = 1100;
    pub const USER_MGMT: i32 = 1102;
    pub const USER_AVC: i32 = 1107;
    pub const USER_CHAUTHTOK: i32 = 1108;
    pub const USYS_CONFIG: i32 = 1111;
    pub const USER_LOGIN: i32 = 1112;
    pub const ADD_USER: i32 = 1114;
    pub const DEL_USER: i32 = 1115;
    pub const ADD_GROUP: i32 = 1116;
    pub const DEL_GROUP: i32 = 1117;
    pub const USER_TTY: i32 = 1124;
    pub const GRP_AUTH: i32 = 1126;
    pub const GRP_MGMT: i32 = 1132;
    pub const DAEMON_CONFIG: i32 = 1203;
    pub const SYSCALL: i32 = 1300;
    pub const CONFIG_CHANGE: i32 = 1305;
    pub const TTY: i32 = 1319;
    pub const NETFILTER_CFG: i32 = 1325;
    pub const SECCOMP: i32 = 1326;
    pub const FEATURE_CHANGE: i32 = 1328;
    pub const AVC: i32 = 1400;
    pub const MAC_POLICY_LOAD: i32 = 1403;
    pub const MAC_CIPSOV4_ADD: i32 = 1407;
    pub const MAC_CIPSOV4_DEL: i32 = 1408;
    pub const MAC_MAP_ADD: i32 = 1409;
    pub const MAC_MAP_DEL: i32 = 1410;
    pub const MAC_IPSEC_ADDSA: i32 = 1411;
    pub const MAC_IPSEC_DELSA: i32 = 1412;
    pub const MAC_IPSEC_ADDSPD: i32 = 1413;
    pub const MAC_IPSEC_DELSPD: i32 = 1414;
    pub const MAC_UNLBL_STCADD: i32 = 1416;
    pub const MAC_UNLBL_STCDEL: i32 = 1417;
    pub const ROLE_ASSIGN: i32 = 2301;
    pub const ROLE_REMOVE: i32 = 2302;
    pub const USER_MAC_CONFIG_CHANGE: i32 = 2312;
}

/// The reference's "list" lookups over an event's record types.
struct Types<'e>(&'e Event<'e>);

impl Types<'_> {
    fn has(&self, ty: i32) -> bool {
        self.0.records.iter().any(|r| r.rtype == ty)
    }
    fn range(&self, low: i32, high: i32) -> bool {
        high > low && self.0.records.iter().any(|r| (low..=high).contains(&r.rtype))
    }
    fn head(&self) -> i32 {
        self.0.first_type()
    }
    fn config_change(&self) -> bool {
        [t::CONFIG_CHANGE, t::DAEMON_CONFIG, t::USYS_CONFIG, t::NETFILTER_CFG, t::FEATURE_CHANGE]
            .iter()
            .any(|&ty| self.has(ty))
            || self.has(t::USER_MAC_CONFIG_CHANGE)
            || self.range(t::MAC_POLICY_LOAD, t::MAC_UNLBL_STCDEL)
    }
    fn acct_change(&self) -> bool {
        self.has(t::USER_CHAUTHTOK)
            || self.range(t::ADD_USER, t::DEL_GROUP)
            || self.has(t::USER_MGMT)
            || self.has(t::GRP_MGMT)
            || self.range(t::ROLE_ASSIGN, t::ROLE_REMOVE)
    }
    fn anomaly(&self) -> bool {
        self.range(2100, 2199) || self.range(1700, 1799) || self.has(t::SECCOMP)
    }
    fn crypto(&self) -> bool {
        self.range(1600, 1699) || self.range(2400, 2499)
    }
}

/// What one event contributes.
pub enum Prepared {
    /// Not part of the report.
    Skip,
    /// Dropped by the shared parsers; `--debug` shows the record.
    Malformed(i32, Vec<u8>),
    /// Detailed rows: the text after `N. `.
    Rows(Vec<Vec<u8>>),
    /// Summary keys of a string list.
    Strings(Vec<Vec<u8>>),
    /// Summary keys of a number list (pids, record types).
    Numbers(Vec<i32>),
    /// The main summary's share.
    Totals(Box<Totals>),
    /// `--html`: the share of every report.
    Html(Box<HtmlShare>),
}

/// The summary reports `--html` shows, in page order.
pub const HTML_REPORTS: &[Kind] = &[
    Kind::Exe,
    Kind::File,
    Kind::User,
    Kind::Login,
    Kind::Auth,
    Kind::Host,
    Kind::Term,
    Kind::Comm,
    Kind::Syscall,
    Kind::Key,
    Kind::Event,
    Kind::Pid,
    Kind::Avc,
    Kind::Config,
    Kind::AcctMod,
    Kind::Anomaly,
    Kind::Response,
    Kind::Mac,
    Kind::Crypto,
    Kind::Integrity,
    Kind::Virt,
];

/// One event's share of the `--html` page.
pub struct HtmlShare {
    pub totals: Totals,
    /// One entry per [`HTML_REPORTS`] kind (Strings, Numbers or Skip).
    pub keys: Vec<Prepared>,
    pub failed_login: bool,
}

/// One event's share of the main summary.
#[derive(Default)]
pub struct Totals {
    pub changes: u8,
    pub acct_changes: u8,
    pub crypto: u8,
    pub good_logins: u8,
    pub bad_logins: u8,
    pub good_auth: u8,
    pub bad_auth: u8,
    pub avcs: u8,
    pub mac: u8,
    pub virt: u8,
    pub integ: u8,
    pub failed_syscalls: u8,
    pub anomalies: u8,
    pub responses: u8,
    pub user: Option<i32>,
    pub terminal: Option<Vec<u8>>,
    pub host: Option<Vec<u8>>,
    pub exe: Option<Vec<u8>>,
    pub comm: Option<Vec<u8>>,
    pub files: Vec<Vec<u8>>,
    pub pid: Option<i32>,
    pub keys: Vec<Vec<u8>>,
}

/// Everything [`prepare`] needs, shared by the threads.
pub struct Scanner {
    pub opts: Options,
    pub lookup: Lookup,
    names: PasswdFile,
}

thread_local! {
    /// The last second formatted on this thread (events come in bursts).
    static DATE: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
}

/// `strftime("%x %T")` of an event second, local time.
pub fn date(sec: i64) -> String {
    DATE.with(|d| {
        let mut d = d.borrow_mut();
        if d.0 != sec {
            *d = (sec, raudit_cli::sys::strftime("%x %T", raudit_cli::sys::localtime(sec)));
        }
        d.1.clone()
    })
}

fn success_word(s: Option<bool>) -> &'static [u8] {
    match s {
        Some(true) => b"yes",
        Some(false) => b"no",
        None => b"unset",
    }
}

/// printf("%s") of a possibly missing string.
fn or_null(v: &Option<Vec<u8>>) -> &[u8] {
    v.as_deref().unwrap_or(b"(null)")
}

fn or_q(v: &Option<Vec<u8>>) -> &[u8] {
    v.as_deref().unwrap_or(b"?")
}

/// Builds one row's text.
struct Row {
    buf: Vec<u8>,
    escape: Escape,
}

impl Row {
    fn new(date: &str, escape: Escape) -> Self {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(date.as_bytes());
        buf.push(b' ');
        Row { buf, escape }
    }
    fn raw(&mut self, s: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(s);
        self
    }
    /// safe_print_string: escaped as `--escape` says.
    fn safe(&mut self, s: &[u8]) -> &mut Self {
        let _ = self.escape.write(&mut self.buf, s);
        self
    }
    /// safe_print_string of a missing string: `(null)`, never escaped.
    fn safe_opt(&mut self, s: &Option<Vec<u8>>) -> &mut Self {
        match s {
            Some(s) => self.safe(s),
            None => self.raw(b"(null)"),
        }
    }
    fn sp(&mut self) -> &mut Self {
        self.buf.push(b' ');
        self
    }
    fn num(&mut self, n: impl std::fmt::Display) -> &mut Self {
        let _ = write!(self.buf, "{n}");
        self
    }
    fn end(mut self) -> Vec<u8> {
        self.buf.push(b'\n');
        self.buf
    }
}

impl Scanner {
    pub fn new(opts: Options) -> Self {
        let lookup = Lookup::new(opts.interpret);
        Scanner { opts, lookup, names: PasswdFile::default() }
    }

    /// aureport-scan.c scan: extraction, then the node, success and
    /// config filters.
    fn scan(&self, event: &Event<'_>) -> Result<Option<SearchItems>, (i32, Vec<u8>)> {
        let items =
            extract_with(event, self.opts.needs, &self.names).map_err(|m| (m.rc, m.record))?;
        let o = &self.opts;
        if !o.nodes.is_empty() {
            match event.key.node {
                Some(node) if o.nodes.iter().any(|n| n.as_slice() == node) => {}
                _ => return Ok(None),
            }
        }
        let keep = match o.outcome {
            Outcome::Both => true,
            Outcome::Failed => items.success == Some(false),
            Outcome::Success => items.success == Some(true),
        };
        if !keep || !self.conf_kept(event.first_type()) {
            return Ok(None);
        }
        Ok(Some(items))
    }

    /// classify_conf: `-nc` drops CONFIG_CHANGE-led events; `--add` and
    /// `--delete` drop the other kind of account and MAC map changes.
    fn conf_kept(&self, head: i32) -> bool {
        use ConfAction::{Add, Delete};
        match (head, self.opts.conf_action) {
            (t::CONFIG_CHANGE, _) => !self.opts.no_config,
            (
                t::ADD_USER
                | t::ADD_GROUP
                | t::MAC_CIPSOV4_ADD
                | t::MAC_MAP_ADD
                | t::MAC_IPSEC_ADDSA
                | t::MAC_IPSEC_ADDSPD
                | t::MAC_UNLBL_STCADD,
                Delete,
            ) => false,
            (
                t::DEL_USER
                | t::DEL_GROUP
                | t::MAC_CIPSOV4_DEL
                | t::MAC_MAP_DEL
                | t::MAC_IPSEC_DELSA
                | t::MAC_IPSEC_DELSPD
                | t::MAC_UNLBL_STCDEL,
                Add,
            ) => false,
            _ => true,
        }
    }

    pub fn prepare(&self, event: &Event<'_>) -> Prepared {
        if self.opts.kind == Kind::Time {
            return Prepared::Skip;
        }
        let items = match self.scan(event) {
            Err((rc, record)) => return Prepared::Malformed(rc, record),
            Ok(None) => return Prepared::Skip,
            Ok(Some(items)) => items,
        };
        // COMPAT: aureport.c process_event: names come from the enriched
        // part of a lone record or of a leading SYSCALL.
        let first = &event.records[0];
        let enriched = Enriched::new(if event.records.len() == 1 || first.rtype == t::SYSCALL {
            first.enriched
        } else {
            None
        });
        if self.opts.html.is_some() {
            let keys = HTML_REPORTS.iter().map(|&k| self.summary_keys(k, event, &items, enriched));
            let keys = keys.collect();
            let ty = Types(event);
            let failed_login = ty.has(t::USER_LOGIN) && items.success == Some(false);
            return Prepared::Html(Box::new(HtmlShare {
                keys,
                failed_login,
                totals: self.totals(event, items),
            }));
        }
        if self.opts.kind == Kind::Summary {
            return Prepared::Totals(Box::new(self.totals(event, items)));
        }
        if self.opts.summary {
            self.summary_keys(self.opts.kind, event, &items, enriched)
        } else {
            self.rows(event, &items, enriched)
        }
    }

    fn uid(&self, uid: u32, e: Enriched<'_>) -> Vec<u8> {
        self.lookup.uid(uid, e)
    }

    /// per_event_summary for the reports other than the main one.
    fn summary_keys(
        &self,
        kind: Kind,
        event: &Event<'_>,
        s: &SearchItems,
        e: Enriched<'_>,
    ) -> Prepared {
        let ty = Types(event);
        let head = || Prepared::Numbers(vec![ty.head()]);
        let none = Prepared::Skip;
        let user_key = |acct_first: bool| -> Prepared {
            match (&s.acct, acct_first) {
                (Some(a), true) => Prepared::Strings(vec![a.clone()]),
                _ => Prepared::Strings(vec![self.uid(s.loginuid, e)]),
            }
        };
        match kind {
            Kind::Avc => {
                if !(ty.has(t::AVC) || ty.has(t::USER_AVC)) {
                    return none;
                }
                let objs = s
                    .contexts
                    .iter()
                    .flatten()
                    .filter(|c| c.granted.is_some())
                    .filter_map(|c| c.object.clone())
                    .collect();
                Prepared::Strings(objs)
            }
            Kind::Mac => {
                // COMPAT: aureport-scan.c: the summary's MAC range stops at
                // MAC_MAP_DEL, the detailed report's at MAC_UNLBL_STCDEL.
                if ty.range(t::MAC_POLICY_LOAD, t::MAC_MAP_DEL) || ty.range(2300, 2399) {
                    head()
                } else {
                    none
                }
            }
            Kind::Integrity if ty.range(1800, 1899) => head(),
            Kind::Virt if ty.range(2500, 2599) => head(),
            Kind::Config if ty.config_change() => head(),
            Kind::Auth => {
                if ty.has(t::USER_AUTH) || (ty.has(t::USER_MGMT) && s.success == Some(false)) {
                    user_key(s.loginuid == UNSET_LOGINUID)
                } else {
                    none
                }
            }
            Kind::Login if ty.has(t::USER_LOGIN) => user_key((s.loginuid as i32) < 0),
            Kind::AcctMod if ty.acct_change() => head(),
            Kind::Event if ty.head() != -1 => head(),
            Kind::File => Prepared::Strings(s.filenames.clone().unwrap_or_default()),
            Kind::Host => Prepared::Strings(s.hostname.iter().cloned().collect()),
            Kind::Pid if s.pid != UNSET_ID => Prepared::Numbers(vec![s.pid as i32]),
            Kind::Syscall if s.syscall > 0 => Prepared::Strings(vec![self.lookup.syscall(s, e)]),
            Kind::Term => Prepared::Strings(s.terminal.iter().cloned().collect()),
            Kind::User if s.loginuid != UNSET_LOGINUID => {
                Prepared::Strings(vec![self.uid(s.loginuid, e)])
            }
            Kind::Exe => Prepared::Strings(s.exe.iter().cloned().collect()),
            Kind::Comm => Prepared::Strings(s.comm.iter().cloned().collect()),
            Kind::Anomaly if ty.anomaly() => head(),
            Kind::Response if ty.range(2200, 2299) => head(),
            Kind::Crypto if ty.crypto() => head(),
            Kind::Key => Prepared::Strings(
                s.keys.iter().flatten().filter(|k| k.as_slice() != b"(null)").cloned().collect(),
            ),
            _ => none,
        }
    }

    /// per_event_detailed and print_per_event_item.
    fn rows(&self, event: &Event<'_>, s: &SearchItems, e: Enriched<'_>) -> Prepared {
        let ty = Types(event);
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
                s.keys.as_ref().and_then(|k| k.first()).is_some_and(|k| k.as_slice() != b"(null)")
            }
            Kind::Tty => ty.head() == t::TTY || ty.head() == t::USER_TTY,
            Kind::Time | Kind::Summary => false,
        };
        if !taken {
            return Prepared::Skip;
        }
        let date = date(event.key.sec as i64);
        let esc = self.opts.escape;
        let serial = event.key.serial;
        let auid = || self.uid(s.loginuid, e);
        let type_name = lookup::type_name(ty.head());
        let tn = type_name.as_bytes();
        let mut r = Row::new(&date, esc);
        match kind {
            Kind::Avc => return Prepared::Rows(self.avc_rows(&date, s, e, serial)),
            Kind::Config => {
                r.raw(tn).sp().raw(&auid()).sp().raw(success_word(s.success)).sp().num(serial);
            }
            Kind::Auth => {
                let who = match &s.acct {
                    Some(a) => a.clone(),
                    None => self.uid(s.uid, e),
                };
                r.safe(&who).sp().raw(or_null(&s.hostname)).sp().raw(or_null(&s.terminal));
                r.sp().raw(or_null(&s.exe)).sp().raw(success_word(s.success)).sp().num(serial);
            }
            Kind::Login => {
                let who = match (&s.acct, s.success) {
                    (Some(a), Some(false)) => a.clone(),
                    _ => auid(),
                };
                r.safe(&who).sp().raw(or_null(&s.hostname)).sp().raw(or_null(&s.terminal));
                r.sp().raw(or_null(&s.exe)).sp().raw(success_word(s.success)).sp().num(serial);
            }
            Kind::AcctMod => {
                r.safe(&auid()).sp().raw(or_q(&s.hostname)).sp().raw(or_q(&s.terminal));
                r.sp().raw(or_q(&s.exe)).sp().raw(or_q(&s.acct));
                r.sp().raw(success_word(s.success)).sp().num(serial);
            }
            Kind::Event => {
                r.num(serial).sp().raw(tn).sp().safe(&auid()).sp().raw(success_word(s.success));
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
                let name = names.get(at).map_or(&b""[..], Vec::as_slice);
                r.safe(name).sp().raw(&self.lookup.syscall(s, e)).sp();
                r.raw(success_word(s.success)).sp().safe(or_q(&s.exe)).sp().safe(&auid());
                r.sp().num(serial);
            }
            Kind::Host => {
                r.raw(or_null(&s.hostname)).sp().raw(&self.lookup.syscall(s, e)).sp();
                r.safe(&auid()).sp().num(serial);
            }
            Kind::Pid => {
                r.num(s.pid).sp().safe(or_q(&s.exe)).sp().raw(&self.lookup.syscall(s, e));
                r.sp().safe(&auid()).sp().num(serial);
            }
            Kind::Syscall => {
                r.raw(&self.lookup.syscall(s, e)).sp().num(s.pid).sp().safe(or_q(&s.comm));
                r.sp().safe(&auid()).sp().num(serial);
            }
            Kind::Term => {
                r.raw(or_null(&s.terminal)).sp().raw(or_null(&s.hostname)).sp();
                r.safe_opt(&s.exe).sp().safe(&auid()).sp().num(serial);
            }
            Kind::User => {
                r.safe(&auid()).sp().raw(or_q(&s.terminal)).sp().raw(or_q(&s.hostname)).sp();
                r.safe(or_q(&s.exe)).sp().num(serial);
            }
            Kind::Exe | Kind::Comm => {
                let what = if kind == Kind::Exe { &s.exe } else { &s.comm };
                r.safe(or_q(what)).sp().raw(or_q(&s.terminal)).sp().raw(or_q(&s.hostname));
                r.sp().safe(&auid()).sp().num(serial);
            }
            Kind::Anomaly => {
                let what = s.exe.as_ref().or(s.comm.as_ref()).map_or(&b"?"[..], Vec::as_slice);
                r.raw(tn).sp().safe(what).sp().raw(or_q(&s.terminal)).sp();
                r.raw(or_q(&s.hostname)).sp().safe(&auid()).sp().num(serial);
            }
            Kind::Response | Kind::Integrity | Kind::Virt => {
                r.raw(tn).sp().raw(success_word(s.success)).sp().num(serial);
            }
            Kind::Mac => {
                r.raw(&auid()).sp().raw(tn).sp().raw(success_word(s.success)).sp().num(serial);
            }
            Kind::Crypto => {
                r.safe(&auid()).sp().raw(tn).sp().raw(success_word(s.success)).sp().num(serial);
            }
            Kind::Key => {
                let key = s.keys.as_ref().and_then(|k| k.first()).map_or(&b""[..], Vec::as_slice);
                r.raw(key).sp().raw(success_word(s.success)).sp().safe(or_q(&s.exe));
                r.sp().safe(&auid()).sp().num(serial);
            }
            Kind::Tty => {
                let text = event.records[0].text;
                let Some(at) = raudit_parse::fields::find_from(text, 0, b"data=") else {
                    // COMPAT: aureport-output.c: without data= the row
                    // stops after the date, with no newline.
                    return Prepared::Rows(vec![r.buf]);
                };
                let mut data = &text[at + 5..];
                if let Some(sp) = data.iter().rposition(|&b| b == b' ') {
                    data = &data[..sp];
                }
                r.num(serial).sp().safe(&auid()).sp().raw(or_q(&s.terminal)).sp();
                r.num(s.session).sp().safe(or_q(&s.comm)).sp();
                lookup::tty_data(data, &mut r.buf);
            }
            Kind::Time | Kind::Summary => return Prepared::Skip,
        }
        Prepared::Rows(vec![r.end()])
    }

    /// The AVC report prints one row per AVC of the event.
    fn avc_rows(&self, date: &str, s: &SearchItems, e: Enriched<'_>, serial: u64) -> Vec<Vec<u8>> {
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
                let mut r = Row::new(date, self.opts.escape);
                r.safe(or_q(&s.comm)).sp().raw(or_null(&c.subject)).sp().raw(&syscall).sp();
                r.raw(or_null(&c.class)).sp().raw(or_null(&c.perm)).sp().raw(or_null(&c.object));
                let result: &[u8] = match c.granted {
                    None => b"unset",
                    Some(false) => b"denied",
                    Some(true) => b"granted",
                };
                r.sp().raw(result).sp().num(serial);
                r.end()
            })
            .collect()
    }

    /// do_summary_total.
    fn totals(&self, event: &Event<'_>, s: SearchItems) -> Totals {
        let ty = Types(event);
        let b = |x: bool| x as u8;
        let mut tot = Totals {
            changes: [t::CONFIG_CHANGE, t::DAEMON_CONFIG, t::USYS_CONFIG, t::NETFILTER_CFG]
                .iter()
                .chain(&[t::FEATURE_CHANGE, t::USER_MAC_CONFIG_CHANGE])
                .map(|&x| b(ty.has(x)))
                .sum::<u8>()
                + b(ty.range(t::MAC_POLICY_LOAD, t::MAC_UNLBL_STCDEL)),
            acct_changes: b(ty.has(t::USER_CHAUTHTOK))
                + b(ty.range(t::ADD_USER, t::DEL_GROUP))
                + b(ty.has(t::USER_MGMT))
                + b(ty.has(t::GRP_MGMT))
                + b(ty.range(t::ROLE_ASSIGN, t::ROLE_REMOVE)),
            crypto: b(ty.range(1600, 1699)) + b(ty.range(2400, 2499)),
            avcs: b(ty.has(t::AVC) || ty.has(t::USER_AVC)),
            mac: b(ty.range(t::MAC_POLICY_LOAD, t::MAC_UNLBL_STCDEL)) + b(ty.range(2300, 2399)),
            virt: b(ty.range(2500, 2599)),
            integ: b(ty.range(1800, 1899)),
            failed_syscalls: b(s.success == Some(false) && s.syscall > 0),
            anomalies: b(ty.range(2100, 2199)) + b(ty.range(1700, 1799)),
            responses: b(ty.range(2200, 2299)),
            ..Totals::default()
        };
        if ty.has(t::USER_LOGIN) {
            tot.good_logins = b(s.success == Some(true));
            tot.bad_logins = b(s.success == Some(false));
        }
        if ty.has(t::USER_AUTH) || ty.has(t::GRP_AUTH) && !ty.has(t::USER_MGMT) {
            tot.good_auth = b(s.success == Some(true));
            tot.bad_auth = b(s.success == Some(false));
        } else if ty.has(t::USER_MGMT) {
            tot.bad_auth = b(s.success == Some(false));
        }
        if s.loginuid != UNSET_LOGINUID {
            tot.user = Some(s.loginuid as i32);
        }
        if s.pid != UNSET_ID {
            tot.pid = Some(s.pid as i32);
        }
        tot.terminal = s.terminal;
        tot.host = s.hostname;
        tot.exe = s.exe;
        tot.comm = s.comm;
        tot.files = s.filenames.unwrap_or_default();
        tot.keys = s.keys.unwrap_or_default();
        tot.keys.retain(|k| k.as_slice() != b"(null)");
        tot
    }
}

/// A fast hash for the summary tables (FxHash): keys are short and not
/// attacker-chosen in a way that matters for a one-shot report.
#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    fn write_i32(&mut self, n: i32) {
        self.0 = (self.0.rotate_left(5) ^ n as u32 as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// slist: distinct strings in first-seen order with their counts.
#[derive(Default)]
pub struct Strings {
    index: FxMap<Vec<u8>, usize>,
    pub items: Vec<(Vec<u8>, u64)>,
}

impl Strings {
    pub fn add(&mut self, s: Vec<u8>) {
        match self.index.get(&s) {
            Some(&i) => self.items[i].1 += 1,
            None => {
                self.index.insert(s.clone(), self.items.len());
                self.items.push((s, 1));
            }
        }
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// slist_sort_by_hits: most hits first, ties in first-seen order.
    pub fn sorted(&self) -> Vec<&(Vec<u8>, u64)> {
        let mut v: Vec<_> = self.items.iter().collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.1));
        v
    }
}

/// ilist: distinct numbers with counts, kept in ascending order.
#[derive(Default)]
pub struct Numbers {
    counts: FxMap<i32, u64>,
}

impl Numbers {
    pub fn add(&mut self, n: i32) {
        *self.counts.entry(n).or_insert(0) += 1;
    }
    pub fn len(&self) -> usize {
        self.counts.len()
    }
    /// ilist_sort_by_hits: most hits first, ties in ascending order.
    pub fn sorted(&self) -> Vec<(i32, u64)> {
        let mut v: Vec<_> = self.counts.iter().map(|(&n, &c)| (n, c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// The main summary's counters.
#[derive(Default)]
pub struct SummaryData {
    pub changes: u64,
    pub acct_changes: u64,
    pub crypto: u64,
    pub good_logins: u64,
    pub bad_logins: u64,
    pub good_auth: u64,
    pub bad_auth: u64,
    pub events: u64,
    pub avcs: u64,
    pub mac: u64,
    pub failed_syscalls: u64,
    pub anomalies: u64,
    pub responses: u64,
    pub virt: u64,
    pub integ: u64,
    pub users: Numbers,
    pub terms: Strings,
    pub hosts: Strings,
    pub exes: Strings,
    pub comms: Strings,
    pub files: Strings,
    pub keys: Strings,
    pub pids: Numbers,
}

impl SummaryData {
    /// The main summary's lines, in the reference's order, as the text
    /// report words them after `Number of ` (the HTML page capitalises them).
    pub fn counts(&self) -> [(&'static str, u64); 23] {
        [
            ("changes in configuration", self.changes),
            ("changes to accounts, groups, or roles", self.acct_changes),
            ("logins", self.good_logins),
            ("failed logins", self.bad_logins),
            ("authentications", self.good_auth),
            ("failed authentications", self.bad_auth),
            ("users", self.users.len() as u64),
            ("terminals", self.terms.len() as u64),
            ("host names", self.hosts.len() as u64),
            ("executables", self.exes.len() as u64),
            ("commands", self.comms.len() as u64),
            ("files", self.files.len() as u64),
            ("AVC's", self.avcs),
            ("MAC events", self.mac),
            ("failed syscalls", self.failed_syscalls),
            ("anomaly events", self.anomalies),
            ("responses to anomaly events", self.responses),
            ("crypto events", self.crypto),
            ("integrity events", self.integ),
            ("virt events", self.virt),
            ("keys", self.keys.len() as u64),
            ("process IDs", self.pids.len() as u64),
            ("events", self.events),
        ]
    }

    pub fn add(&mut self, t: Totals) {
        self.events += 1;
        self.changes += t.changes as u64;
        self.acct_changes += t.acct_changes as u64;
        self.crypto += t.crypto as u64;
        self.good_logins += t.good_logins as u64;
        self.bad_logins += t.bad_logins as u64;
        self.good_auth += t.good_auth as u64;
        self.bad_auth += t.bad_auth as u64;
        self.avcs += t.avcs as u64;
        self.mac += t.mac as u64;
        self.failed_syscalls += t.failed_syscalls as u64;
        self.anomalies += t.anomalies as u64;
        self.responses += t.responses as u64;
        self.virt += t.virt as u64;
        self.integ += t.integ as u64;
        if let Some(u) = t.user {
            self.users.add(u);
        }
        if let Some(p) = t.pid {
            self.pids.add(p);
        }
        for (v, set) in [
            (t.terminal, &mut self.terms),
            (t.host, &mut self.hosts),
            (t.exe, &mut self.exes),
            (t.comm, &mut self.comms),
        ] {
            if let Some(v) = v {
                set.add(v);
            }
        }
        for f in t.files {
            self.files.add(f);
        }
        for k in t.keys {
            self.keys.add(k);
        }
    }
}

/// Writes `Prepared::Rows` with their numbers.
pub fn write_rows(out: &mut impl Write, rows: Vec<Vec<u8>>, line: &mut u64) -> io::Result<()> {
    for row in rows {
        *line += 1;
        write!(out, "{line}. ")?;
        out.write_all(&row)?;
    }
    Ok(())
}
