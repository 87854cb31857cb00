//! Counting in event order: the summary tables (the reference's slist and
//! ilist), the main summary's counters, and the row numbers of detailed
//! reports.

use std::io::{self, Write};

use crate::scanner::{Listed, Totals};

/// The summary tables' maps: keys are short and not attacker-chosen in a
/// way that matters for a one-shot report.
type FxMap<K, V> = raudit_tables::hash::FxHashMap<K, V>;

/// slist: distinct strings in first-seen order with their counts.
#[derive(Default)]
pub struct Strings {
    index: FxMap<Vec<u8>, usize>,
    pub items: Vec<(Vec<u8>, u64)>,
}

impl Strings {
    pub fn add(&mut self, s: &[u8]) {
        match self.index.get(s) {
            Some(&i) => self.items[i].1 += 1,
            None => {
                self.index.insert(s.to_vec(), self.items.len());
                self.items.push((s.to_vec(), 1));
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

    pub fn add(&mut self, t: &Totals) {
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
        for (list, s) in t.listed() {
            let set = match list {
                Listed::Terminal => &mut self.terms,
                Listed::Host => &mut self.hosts,
                Listed::Exe => &mut self.exes,
                Listed::Comm => &mut self.comms,
                Listed::File => &mut self.files,
                Listed::Key => &mut self.keys,
            };
            set.add(s);
        }
    }
}

/// Writes a detailed row with its number.
pub fn write_row(out: &mut impl Write, row: &[u8], line: &mut u64) -> io::Result<()> {
    *line += 1;
    let mut number = [0u8; 22];
    let end = number.len() - 2;
    number[end..].copy_from_slice(b". ");
    let at = raudit_parse::cnum::digits_before(&mut number, end, *line);
    out.write_all(&number[at..])?;
    out.write_all(row)
}
