//! Per event, on several threads: which events a report takes and what
//! each contributes (aureport-scan.c behaviour). [`Scanner::prepare`]
//! extracts the event's items with raudit-search's extraction and turns
//! them into finished rows ([`crate::rows`]) or summary keys, which
//! [`crate::tally`] then counts in order.

use raudit_parse::Event;
use raudit_search::engine::{Prepare, Text};
use raudit_search::extract::{Bytes, Needs, SearchItems, UNSET_ID, UNSET_LOGINUID, extract_into};
use raudit_sys::Host;

use crate::Options;
use crate::kind::{ConfAction, Kind, Outcome, html_needs, needs_of};
use crate::lookup::{ColumnText, Enriched, Lookup};
use crate::rows::Pieces;
use crate::types::{Types, t};

/// What one event contributes.
pub enum Prepared {
    /// Not part of the report.
    Skip,
    /// Dropped by the shared parsers; `--debug` shows the record.
    Malformed(i32, Vec<u8>),
    /// One detailed row: the text after `N. `.
    Row(Text),
    /// Detailed rows (an AVC event's).
    Rows(Vec<Vec<u8>>),
    /// Summary keys of a string list.
    Strings(Vec<Vec<u8>>),
    /// One summary key of a string list.
    Key(Vec<u8>),
    /// The summary key of a number list (a pid, a record type).
    Number(i32),
    /// The main summary's share.
    Totals(Totals),
    /// `--html`: the share of every report.
    Html(Box<HtmlShare>),
}

/// A whole run's preparation: the detailed rows of a chunk of events in
/// one buffer (one allocation instead of one per row, freed by the thread
/// that writes them).
pub(crate) struct Chunked<'s>(pub(crate) &'s Scanner<'s>);

impl<'a> Prepare<'a> for Chunked<'_> {
    type Out = Prepared;

    fn one(&self, event: &Event<'a>) -> Prepared {
        self.0.prepare(event)
    }

    fn run(&self, events: &[Event<'a>]) -> Vec<Prepared> {
        // Room for a row of every event (most are shorter).
        let mut rows = Vec::with_capacity(events.len() * 128);
        let mut made: Vec<Prepared> =
            events.iter().map(|e| self.0.prepare_into(e, &mut rows)).collect();
        // The first row carries the buffer.
        let texts = made.iter_mut().filter_map(|p| match p {
            Prepared::Row(text) => Some(text),
            _ => None,
        });
        Text::hand_over(texts, rows);
        made
    }
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
    /// One entry per [`HTML_REPORTS`] kind (Strings, Key, Number or Skip).
    pub keys: Vec<Prepared>,
    pub failed_login: bool,
}

/// One event's share of the main summary: its counters, and the values
/// its thread had not handed over yet ([`crate::sent`]; the summary counts
/// distinct values only).
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
    pub pid: Option<i32>,
    /// The terminal, host, executable, command, files and keys, each
    /// tagged with its list ([`Totals::listed`]): one buffer, not a vector
    /// each, because the share is made on one thread and dropped on the
    /// one that counts, and frees across threads are dear.
    strings: Vec<u8>,
}

/// The string lists of the main summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    Terminal,
    Host,
    Exe,
    Comm,
    File,
    Key,
}

impl Listed {
    const ALL: [Listed; 6] =
        [Listed::Terminal, Listed::Host, Listed::Exe, Listed::Comm, Listed::File, Listed::Key];
}

impl Totals {
    /// Adds `s` to list `list`.
    pub(crate) fn list(&mut self, list: Listed, s: &[u8]) {
        self.strings.push(list as u8);
        self.strings.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.strings.extend_from_slice(s);
    }

    /// How many counters [`Totals::counters`] gives.
    pub(crate) const COUNTERS: usize = 14;

    /// The counters, in declaration order.
    pub(crate) fn counters(&self) -> [u8; Self::COUNTERS] {
        // A copy of the counters only: Vec::new does not allocate.
        let mut copy = Totals { strings: Vec::new(), ..*self };
        copy.counters_mut().map(|n| *n)
    }

    /// [`Totals::counters`], to be set.
    fn counters_mut(&mut self) -> [&mut u8; Self::COUNTERS] {
        [
            &mut self.changes,
            &mut self.acct_changes,
            &mut self.crypto,
            &mut self.good_logins,
            &mut self.bad_logins,
            &mut self.good_auth,
            &mut self.bad_auth,
            &mut self.avcs,
            &mut self.mac,
            &mut self.virt,
            &mut self.integ,
            &mut self.failed_syscalls,
            &mut self.anomalies,
            &mut self.responses,
        ]
    }

    /// The listed strings as [`Totals::list`] lays them out.
    pub(crate) fn strings(&self) -> &[u8] {
        &self.strings
    }

    /// A share made of what [`Totals::counters`], its user and pid and
    /// [`Totals::strings`] gave; None when `strings` is not so laid out.
    pub(crate) fn of_kept(
        counters: &[u8; Self::COUNTERS],
        user: Option<i32>,
        pid: Option<i32>,
        strings: &[u8],
    ) -> Option<Totals> {
        let mut rest = strings;
        while !rest.is_empty() {
            rest = next_listed(rest)?.2;
        }
        let mut totals = Totals { user, pid, strings: strings.to_vec(), ..Totals::default() };
        for (field, &n) in totals.counters_mut().into_iter().zip(counters) {
            *field = n;
        }
        Some(totals)
    }

    /// The share with only the values this thread has not handed over
    /// yet in `run` ([`crate::sent`]).
    pub(crate) fn sent_only(mut self, run: u64) -> Totals {
        let all = std::mem::take(&mut self.strings);
        crate::sent::with(run, |sent| {
            self.user = self.user.filter(|&uid| sent.new_number(0, uid));
            self.pid = self.pid.filter(|&pid| sent.new_number(1, pid));
            let mut rest = &all[..];
            while let Some((tag, s, after)) = next_listed(rest) {
                if sent.new_string(tag, s) {
                    self.list(Listed::ALL[usize::from(tag)], s);
                }
                rest = after;
            }
        });
        self
    }

    /// The listed strings, in the order they were added.
    pub fn listed(&self) -> impl Iterator<Item = (Listed, &[u8])> {
        let mut rest = &self.strings[..];
        std::iter::from_fn(move || {
            let (tag, s, after) = next_listed(rest)?;
            rest = after;
            Some((Listed::ALL[usize::from(tag)], s))
        })
    }
}

/// The first of a list of tagged strings ([`Totals::list`]'s layout): its
/// tag, the string, and the rest.
fn next_listed(list: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, after) = list.split_first()?;
    let (len, after) = after.split_first_chunk::<4>()?;
    let (s, after) = after.split_at_checked(u32::from_le_bytes(*len) as usize)?;
    (usize::from(tag) < Listed::ALL.len()).then_some((tag, s, after))
}

/// Everything [`Scanner::prepare`] needs, shared by the threads.
pub struct Scanner<'h> {
    pub opts: Options,
    pub lookup: Lookup<'h>,
    /// What to extract from each event.
    needs: Needs,
    /// This run's number for [`crate::sent`].
    run: u64,
}

/// The summary key of the one string an item may hold.
fn key_of(item: &Option<Bytes<'_>>) -> Prepared {
    item.as_ref().map_or(Prepared::Skip, |v| Prepared::Key(v.to_vec()))
}

impl<'h> Scanner<'h> {
    pub fn new(opts: Options, host: &'h dyn Host) -> Self {
        let lookup = Lookup::new(opts.interpret, host);
        let needs = if opts.html.is_some() {
            html_needs(opts.interpret)
        } else {
            needs_of(opts.kind, opts.interpret)
        };
        Scanner { opts, lookup, needs, run: crate::sent::new_run() }
    }

    /// aureport-scan.c scan: extraction, then the node, success and
    /// config filters.
    fn scan<'a>(
        &self,
        event: &Event<'a>,
        items: &mut SearchItems<'a>,
    ) -> Result<bool, (i32, Vec<u8>)> {
        extract_into(event, self.needs, self.lookup.host, items).map_err(|m| (m.rc, m.record))?;
        let o = &self.opts;
        if !o.nodes.is_empty() {
            match event.key.node {
                Some(node) if o.nodes.iter().any(|n| n.as_slice() == node) => {}
                _ => return Ok(false),
            }
        }
        let keep = match o.outcome {
            Outcome::Both => true,
            Outcome::Failed => items.success == Some(false),
            Outcome::Success => items.success == Some(true),
        };
        Ok(keep && self.conf_kept(event.first_type()))
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
        let mut row = Vec::new();
        match self.prepare_into(event, &mut row) {
            Prepared::Row(_) => Prepared::Row(Text::Own(row)),
            other => other,
        }
    }

    /// [`Scanner::prepare`], a detailed row written at the end of `rows`
    /// ([`Text::Next`]). An event found whole again contributes what it
    /// did before ([`crate::kept`]).
    fn prepare_into(&self, event: &Event<'_>, rows: &mut Vec<u8>) -> Prepared {
        if self.opts.kind == Kind::Time {
            return Prepared::Skip;
        }
        if self.opts.html.is_some() {
            return self.prepare_anew(event, (rows, &mut Pieces::default()));
        }
        let share = raudit_search::kept_or_made(
            self.lookup.host,
            (event, self.run),
            rows,
            |kept, rows| crate::kept::unpack(kept, self, event, rows),
            |rows, keep| {
                let (start, mut pieces) = (rows.len(), Pieces::default());
                let share = self.prepare_anew(event, (rows, &mut pieces));
                if let Some(kept) = keep {
                    crate::kept::pack(&share, &rows[start..], pieces, kept);
                }
                share
            },
        );
        match share {
            Prepared::Totals(totals) => Prepared::Totals(totals.sent_only(self.run)),
            share => share,
        }
    }

    /// What `event` contributes, from its items; a detailed row written at
    /// the end of `rows`, with its pieces noted.
    fn prepare_anew(&self, event: &Event<'_>, rows: (&mut Vec<u8>, &mut Pieces)) -> Prepared {
        let mut items = SearchItems::default();
        match self.scan(event, &mut items) {
            Err((rc, record)) => return Prepared::Malformed(rc, record),
            Ok(false) => return Prepared::Skip,
            Ok(true) => {}
        }
        // COMPAT: aureport.c process_event: names come from the enriched
        // part of a lone record or of a leading SYSCALL.
        let first = &event.records[0];
        let enriched = Enriched::new(if event.records.len() == 1 || first.rtype == t::SYSCALL {
            first.enriched
        } else {
            None
        });
        // The event's record types, asked about by every report.
        let ty = Types::of(event);
        if self.opts.html.is_some() {
            let keys = HTML_REPORTS.iter().map(|&k| self.summary_keys(k, &ty, &items, enriched));
            let keys = keys.collect();
            let failed_login = ty.has(t::USER_LOGIN) && items.success == Some(false);
            return Prepared::Html(Box::new(HtmlShare {
                keys,
                failed_login,
                totals: self.totals(&ty, &items).sent_only(self.run),
            }));
        }
        if self.opts.kind == Kind::Summary {
            return Prepared::Totals(self.totals(&ty, &items));
        }
        if self.opts.summary {
            self.own_summary_keys(self.opts.kind, &ty, &mut items, enriched)
        } else {
            self.rows(&ty, &items, enriched, rows)
        }
    }

    pub(crate) fn uid(&self, uid: u32, e: Enriched<'_>) -> ColumnText {
        self.lookup.uid(uid, e)
    }

    /// [`Scanner::summary_keys`] of one report, which can take the
    /// event's items: a single string key is moved, not copied.
    fn own_summary_keys(
        &self,
        kind: Kind,
        ty: &Types<'_>,
        s: &mut SearchItems,
        e: Enriched<'_>,
    ) -> Prepared {
        let one =
            |key: Option<Bytes<'_>>| key.map_or(Prepared::Skip, |k| Prepared::Key(k.into_owned()));
        match kind {
            Kind::Host => one(s.hostname.take()),
            Kind::Term => one(s.terminal.take()),
            Kind::Exe => one(s.exe.take()),
            Kind::Comm => one(s.comm.take()),
            Kind::User if s.loginuid != UNSET_LOGINUID => {
                Prepared::Key(self.uid(s.loginuid, e).into_vec())
            }
            _ => self.summary_keys(kind, ty, s, e),
        }
    }

    /// per_event_summary for the reports other than the main one.
    fn summary_keys(
        &self,
        kind: Kind,
        ty: &Types<'_>,
        s: &SearchItems,
        e: Enriched<'_>,
    ) -> Prepared {
        let head = || Prepared::Number(ty.head());
        let none = Prepared::Skip;
        let user_key = |acct_first: bool| -> Prepared {
            match (&s.acct, acct_first) {
                (Some(a), true) => Prepared::Key(a.to_vec()),
                _ => Prepared::Key(self.uid(s.loginuid, e).into_vec()),
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
            Kind::File => {
                Prepared::Strings(s.filenames.iter().flatten().map(|f| f.to_vec()).collect())
            }
            Kind::Host => key_of(&s.hostname),
            Kind::Pid if s.pid != UNSET_ID => Prepared::Number(s.pid as i32),
            Kind::Syscall if s.syscall > 0 => Prepared::Key(self.lookup.syscall(s, e).into_vec()),
            Kind::Term => key_of(&s.terminal),
            Kind::User if s.loginuid != UNSET_LOGINUID => {
                Prepared::Key(self.uid(s.loginuid, e).into_vec())
            }
            Kind::Exe => key_of(&s.exe),
            Kind::Comm => key_of(&s.comm),
            Kind::Anomaly if ty.anomaly() => head(),
            Kind::Response if ty.range(2200, 2299) => head(),
            Kind::Crypto if ty.crypto() => head(),
            Kind::Key => Prepared::Strings(
                s.keys
                    .iter()
                    .flatten()
                    .filter(|k| k.as_ref() != b"(null)")
                    .map(|k| k.to_vec())
                    .collect(),
            ),
            _ => none,
        }
    }

    /// do_summary_total, with every value (see [`Totals::sent_only`]).
    fn totals(&self, ty: &Types<'_>, s: &SearchItems) -> Totals {
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
        for (tag, s) in [
            (Listed::Terminal, &s.terminal),
            (Listed::Host, &s.hostname),
            (Listed::Exe, &s.exe),
            (Listed::Comm, &s.comm),
        ] {
            if let Some(s) = s {
                tot.list(tag, s);
            }
        }
        for f in s.filenames.iter().flatten() {
            tot.list(Listed::File, f);
        }
        for k in s.keys.iter().flatten().filter(|k| k.as_ref() != b"(null)") {
            tot.list(Listed::Key, k);
        }
        tot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_strings_come_back_in_order_with_their_lists() {
        let mut t = Totals::default();
        let long = vec![b'x'; 70_000];
        let added: Vec<(Listed, &[u8])> = vec![
            (Listed::Terminal, b"pts/0"),
            (Listed::Exe, b""),
            (Listed::File, b"/etc/passwd"),
            (Listed::File, &long),
            (Listed::Key, b"time-change"),
        ];
        for &(list, s) in &added {
            t.list(list, s);
        }
        assert_eq!(t.listed().collect::<Vec<_>>(), added);
        assert_eq!(Totals::default().listed().count(), 0);
    }
}
