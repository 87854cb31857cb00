//! `aulastlog`: every account of the user database with its latest
//! successful login (USER_LOGIN with `res=success`), terminal and host.
//!
//! The reference searches with libauparse's `ausearch_next_event` and then
//! also calls `auparse_next_event` itself, so the event right after each
//! match is never looked at; that is kept (the same logs give the same
//! table).

use std::io::{self, Write};

use raudit_interpret::Escape;
use raudit_parse::Event;
use raudit_parse::record::types;
use raudit_search::normalize::au::Au;
use raudit_sys::Host;

use crate::Error;
use crate::feed::{Logs, each_event};

/// One account's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    /// The latest login's second; 0 for never.
    pub sec: i64,
    pub term: Option<Vec<u8>>,
    pub host: Option<Vec<u8>>,
}

/// The accounts to list: all of them, or the one named `user`. None when
/// `user` names no account (`Unknown User`).
pub fn accounts(host: &dyn Host, user: Option<&str>) -> Option<Vec<Account>> {
    let accounts: Vec<Account> = host
        .users()
        .into_iter()
        .filter(|(name, _)| user.is_none_or(|u| u == name))
        .map(|(name, uid)| Account { name, uid, sec: 0, term: None, host: None })
        .collect();
    if user.is_some() && accounts.is_empty() { None } else { Some(accounts) }
}

/// Whether a record's `name` field (its first) is exactly `value`.
fn raw_is(au: &mut Au<'_, '_>, record: usize, name: &str, value: &[u8]) -> bool {
    au.value_in(record, name) == Some(value)
}

/// The first record of the event that is a successful USER_LOGIN.
fn matching_record(au: &mut Au<'_, '_>) -> Option<usize> {
    (0..au.num_records())
        .find(|&i| raw_is(au, i, "type", b"USER_LOGIN") && raw_is(au, i, "res", b"success"))
}

/// Records each account's latest login from `logs`.
pub fn scan(
    accounts: &mut [Account],
    logs: &Logs<'_, '_>,
    host: &dyn Host,
    release: &dyn Fn(usize, usize),
) -> Result<(), Error> {
    // The first account of each uid, as a walk from the list's head finds.
    let mut first_of: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (i, a) in accounts.iter().enumerate().rev() {
        first_of.insert(a.uid, i);
    }
    let mut skip_next = false;
    each_event(logs, release, |event: &Event<'_>| -> io::Result<()> {
        if !event.records.iter().any(|r| r.rtype == types::USER_LOGIN) {
            // Only the number of (libauparse) events matters here.
            if skip_next && Au::count_split(event) > 0 {
                skip_next = false;
            }
            return Ok(());
        }
        for mut au in Au::split(event, Escape::Tty, host) {
            if std::mem::take(&mut skip_next) {
                continue;
            }
            let Some(record) = matching_record(&mut au) else { continue };
            skip_next = true;
            au.goto_record_num(record);
            if au.find_field("auid").is_none() {
                continue;
            }
            let uid = au.field_int_or_minus_one() as u32;
            let Some(&at) = first_of.get(&uid) else { continue };
            let account = &mut accounts[at];
            account.sec = event.key.sec as i64;
            if let Some(h) = au.find_field("hostname") {
                account.host = Some(h.into_owned());
            }
            if let Some(t) = au.find_field("terminal") {
                account.term = Some(t.into_owned());
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// Prints the table.
pub fn write_table(out: &mut dyn Write, accounts: &[Account], host: &dyn Host) -> io::Result<()> {
    out.write_all(b"Username         Port         From                       Latest\n")?;
    for a in accounts {
        let latest = if a.sec == 0 {
            "**Never logged in**".to_string()
        } else {
            host.strftime("%x %T", a.sec)
        };
        let mut line = Vec::with_capacity(96);
        line.extend_from_slice(format!("{:<16} ", a.name).as_bytes());
        column(&mut line, a.term.as_deref().unwrap_or_default(), 12);
        line.push(b' ');
        column(&mut line, a.host.as_deref().unwrap_or_default(), 26);
        line.push(b' ');
        line.extend_from_slice(latest.as_bytes());
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}

/// printf's `%-N.Ns`.
fn column(out: &mut Vec<u8>, text: &[u8], width: usize) {
    let text = &text[..text.len().min(width)];
    out.extend_from_slice(text);
    out.resize(out.len() + width - text.len(), b' ');
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_sys::FixedHost;

    const LOG: &str = "\
type=USER_LOGIN msg=audit(1700000000.000:1): pid=5 uid=0 auid=1000 ses=1 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=h1 addr=10.0.0.1 terminal=/dev/pts/0 res=success'
type=USER_LOGIN msg=audit(1700000100.000:2): pid=6 uid=0 auid=1000 ses=2 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=skipped addr=10.0.0.2 terminal=/dev/pts/1 res=success'
type=USER_LOGIN msg=audit(1700000200.000:3): pid=7 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=h3 addr=10.0.0.3 terminal=ssh res=success'
type=USER_LOGIN msg=audit(1700000300.000:4): pid=8 uid=0 auid=1000 ses=4 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=h4 addr=10.0.0.4 terminal=ssh res=failed'
";

    #[test]
    fn the_event_after_a_match_is_skipped() {
        let host = FixedHost::new().with_user(0, "root").with_user(1000, "alice");
        let mut accounts = accounts(&host, None).unwrap();
        let data = [LOG.as_bytes()];
        let logs = Logs { data: &data, eoe_timeout: 2 };
        scan(&mut accounts, &logs, &host, &|_, _| {}).unwrap();
        let mut out = Vec::new();
        write_table(&mut out, &accounts, &host).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Username         Port         From                       Latest\n\
             root                                                     **Never logged in**\n\
             alice            ssh          h3                         11/14/23 22:16:40\n"
        );
        assert!(super::accounts(&host, Some("bob")).is_none());
    }
}
