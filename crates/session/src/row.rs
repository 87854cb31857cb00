//! One line of `aulast` (and its `--proof` lines): the reference's
//! columns, widths and duration forms.

use raudit_sys::Host;

use crate::list::{Session, Status};

/// How rows are printed.
pub struct RowStyle<'h> {
    /// `--bad`: failed logins are listed instead of the others.
    pub bad: bool,
    pub proof: bool,
    pub host: &'h dyn Host,
    /// The current time: a reboot record still open at the end "ends" now.
    pub now: i64,
}

/// printf's `%-W.Ps`: at most `precision` bytes, padded to `width`.
fn column(out: &mut Vec<u8>, text: &[u8], width: usize, precision: usize) {
    let text = &text[..text.len().min(precision)];
    out.extend_from_slice(text);
    out.resize(out.len() + width.saturating_sub(text.len()), b' ');
}

impl RowStyle<'_> {
    /// Prints `s` if it is of the kind being listed. As in the reference,
    /// a named session with no end gets the current time as its end.
    pub fn write(&self, out: &mut Vec<u8>, s: &mut Session) {
        if s.result != i32::from(self.bad) {
            return;
        }
        let mut no_time = false;
        match &s.name {
            Some(name) => {
                column(out, name, 8, 8);
                out.push(b' ');
                if s.end == 0 {
                    s.end = self.now;
                    no_time = true;
                }
            }
            // COMPAT: `%-8.u`: precision 0, so uid 0 prints as nothing.
            None if s.auid == 0 => out.extend_from_slice(b"         "),
            None => out.extend_from_slice(format!("{:<8} ", s.auid).as_bytes()),
        }
        let term = s.term.as_deref().unwrap_or_default();
        let term = term.strip_prefix(b"/dev/").unwrap_or(term);
        column(out, term, 12, 12);
        out.push(b' ');
        column(out, s.host.as_deref().unwrap_or(b"?"), 16, 16);
        out.push(b' ');
        column(out, self.host.ctime(s.start).as_bytes(), 16, 16);
        out.push(b' ');
        match s.status {
            Status::SessionStart => out.extend_from_slice(b"  still logged in\n"),
            Status::Down => out.extend_from_slice(b"- down\n"),
            Status::Crash => out.extend_from_slice(b"- crash\n"),
            Status::Gone => out.extend_from_slice(b"  gone - no logout\n"),
            Status::LogOut => self.write_span(out, s, no_time),
            Status::LogIn => out.push(b'\n'),
        }
        if self.proof {
            self.write_proof(out, s);
        }
    }

    /// `- HH:MM  (HH:MM)` or `(D+HH:MM)`.
    fn write_span(&self, out: &mut Vec<u8>, s: &Session, no_time: bool) {
        out.extend_from_slice(b"- ");
        if no_time {
            column(out, b" ", 7, 5);
        } else {
            let end = self.host.ctime(s.end);
            column(out, end.as_bytes().get(11..).unwrap_or_default(), 7, 5);
        }
        // C arithmetic on time_t, then int: truncating division.
        let secs = s.end.wrapping_sub(s.start);
        let mins = (secs / 60 % 60) as i32;
        let hours = (secs / 3600 % 24) as i32;
        let days = (secs / 86400) as i32;
        let text = if days != 0 {
            format!("({days}+{hours:02}:{mins:02})\n")
        } else {
            format!("({hours:02}:{mins:02})\n")
        };
        out.extend_from_slice(text.as_bytes());
    }

    /// The serial numbers behind the row and an ausearch command for them.
    fn write_proof(&self, out: &mut Vec<u8>, s: &Session) {
        let bad_login = s.loginuid_proof == 0 && s.result == 1;
        let serials = if bad_login {
            format!("    audit event proof serial number: {}\n", s.user_login_proof)
        } else {
            format!(
                "    audit event proof serial numbers: {}, {}, {}\n",
                s.loginuid_proof, s.user_login_proof, s.user_end_proof
            )
        };
        out.extend_from_slice(serials.as_bytes());
        out.extend_from_slice(b"    Session data can be found with this search:\n");
        let start = self.host.strftime("%x %T", s.start);
        let mut line = format!("    ausearch --start {start}");
        if s.end != 0 {
            line.push_str(&format!(" --end {}", self.host.strftime("%x %T", s.end)));
        }
        if s.name.is_none() {
            line.push_str(&format!(" --session {}", s.session));
        }
        if bad_login {
            line.push_str(&format!(" -a {}", s.user_login_proof));
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\n\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_sys::FixedHost;

    fn session() -> Session {
        Session {
            session: 3,
            start: 1_700_000_100,
            end: 1_700_000_100 + 86400 + 3 * 3600 + 5 * 60,
            auid: 1000,
            pid: 9,
            name: Some(b"averylongname".to_vec()),
            term: Some(b"/dev/pts/1".to_vec()),
            host: None,
            result: 0,
            status: Status::LogOut,
            loginuid_proof: 10,
            user_login_proof: 11,
            user_end_proof: 12,
        }
    }

    #[test]
    fn prints_the_columns_and_a_long_span() {
        let host = FixedHost::new();
        let style = RowStyle { bad: false, proof: true, host: &host, now: 0 };
        let mut out = Vec::new();
        style.write(&mut out, &mut session());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "averylon pts/1        ?                Tue Nov 14 22:15 - 01:20  (1+03:05)\n\
             \x20   audit event proof serial numbers: 10, 11, 12\n\
             \x20   Session data can be found with this search:\n\
             \x20   ausearch --start 11/14/23 22:15:00 --end 11/16/23 01:20:00\n\n"
        );
    }

    #[test]
    fn lists_only_the_kind_asked_for_and_numbers_without_names() {
        let host = FixedHost::new();
        let style = RowStyle { bad: true, proof: false, host: &host, now: 0 };
        let mut s = session();
        let mut out = Vec::new();
        style.write(&mut out, &mut s);
        assert!(out.is_empty());
        s.result = 1;
        s.name = None;
        s.auid = 0;
        s.end = s.start + 59;
        style.write(&mut out, &mut s);
        assert_eq!(
            out,
            b"         pts/1        ?                Tue Nov 14 22:15 - 22:15  (00:00)\n"
        );
    }
}
