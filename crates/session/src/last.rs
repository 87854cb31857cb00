//! `aulast`: sessions, reboots and (with `--bad`) failed logins, oldest
//! first, rebuilt from six record types as the reference does:
//! LOGIN opens a session, USER_LOGIN completes it, USER_END closes it,
//! SYSTEM_BOOT ends everything open and starts a reboot record,
//! SYSTEM_SHUTDOWN closes that record, DAEMON_START names the kernel.
//!
//! Each field is found with libauparse's cursor rules ([`Au`]): a search
//! runs on from wherever the previous one stopped, and the reference's
//! results (and its `--extract` lines) depend on that.

use std::borrow::Cow;
use std::io::{self, Write};

use raudit_interpret::Escape;
use raudit_parse::Event;
use raudit_parse::record::types;
use raudit_search::normalize::au::Au;
use raudit_sys::Host;

use crate::Error;
use crate::feed::{Logs, each_event};
use crate::list::{List, Session, Status};
use crate::row::RowStyle;

/// What the command line asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `--bad`: list failed logins instead.
    pub bad: bool,
    /// `--proof`: the serial numbers behind each row.
    pub proof: bool,
    /// `--debug`: say why events are skipped.
    pub debug: bool,
    /// `--user NAME`: only sessions of this account.
    pub user: Option<Vec<u8>>,
    /// `--tty TTY`: only sessions whose terminal contains this.
    pub tty: Option<Vec<u8>>,
}

/// Where a run writes.
pub struct Outputs<'o> {
    pub out: &'o mut dyn Write,
    /// `--debug` notes.
    pub err: &'o mut dyn Write,
    /// `--extract`: the records used, one a line.
    pub extract: Option<&'o mut dyn Write>,
}

/// Whether an event of this type is one aulast reads.
fn wanted(rtype: i32) -> bool {
    matches!(
        rtype,
        types::LOGIN
            | types::USER_LOGIN
            | types::USER_END
            | types::SYSTEM_BOOT
            | types::SYSTEM_SHUTDOWN
            | types::DAEMON_START
    )
}

/// The state of a run.
struct Last<'h> {
    opts: Options,
    style: RowStyle<'h>,
    list: List,
    /// From the last DAEMON_START: the host column of reboot records.
    kernel: Option<Vec<u8>>,
    /// Rows and stdout notes, written out after each event.
    rows: Vec<u8>,
    notes: Vec<u8>,
}

/// An event's time and serial, as libauparse gives them.
#[derive(Clone, Copy)]
struct Stamp {
    sec: i64,
    serial: u64,
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

impl Last<'_> {
    fn report(&mut self, s: &mut Session) {
        self.style.write(&mut self.rows, s);
    }

    fn report_current(&mut self) {
        if let Some(mut s) = self.list.current().cloned() {
            self.style.write(&mut self.rows, &mut s);
        }
    }

    fn note(&mut self, text: String) {
        if self.opts.debug {
            self.notes.extend_from_slice(text.as_bytes());
        }
    }

    /// The value of the next field `name` as an int, -1 without one.
    fn int(au: &mut Au<'_, '_>, name: &str) -> i32 {
        match au.find_field(name) {
            Some(_) => au.field_int_or_minus_one(),
            None => -1,
        }
    }

    /// `name`'s second occurrence: after `old-NAME` on current kernels,
    /// else (kernel 3.13 and older) the second `NAME` of the event.
    fn second(au: &mut Au<'_, '_>, name: &str) -> Option<Vec<u8>> {
        if au.find_field(&format!("old-{name}")).is_some() {
            return au.find_field(name).map(Cow::into_owned);
        }
        au.first_record();
        au.find_field(name);
        au.next_field();
        au.find_field(name).map(Cow::into_owned)
    }

    /// LOGIN: a new session (closing an open one with the same id).
    fn login(&mut self, au: &mut Au<'_, '_>, at: Stamp) {
        let pid = Self::int(au, "pid");
        let mut auid = -1;
        let mut account = None;
        if Self::second(au, "auid").is_some() {
            auid = au.field_int_or_minus_one();
            account = au.interpret_field();
        }
        let ses = match Self::second(au, "ses") {
            Some(_) => au.field_int_or_minus_one(),
            None => -1,
        };
        if pid == -1 || auid == -1 || ses == -1 {
            self.note(format!("Bad login for event: {}\n", at.serial));
            return;
        }
        if let Some(open) = self.list.find_session(ses as u32) {
            open.status = Status::Gone;
            open.end = at.sec;
            self.report_current();
            self.list.delete_current();
        }
        if let Some(user) = &self.opts.user
            && account.as_deref() != Some(user.as_slice())
        {
            let note =
                format!("login reporting limited to {} for event: {}\n", text(user), at.serial);
            self.note(note);
            return;
        }
        self.list.append(Session {
            session: ses as u32,
            start: at.sec,
            end: 0,
            auid: auid as u32,
            pid,
            name: account,
            term: None,
            host: None,
            result: -1,
            status: Status::LogIn,
            loginuid_proof: at.serial,
            user_login_proof: 0,
            user_end_proof: 0,
        });
    }

    /// USER_LOGIN: completes the session, or is a failed login.
    fn user_login(&mut self, au: &mut Au<'_, '_>, at: Stamp, out: &mut Vec<u8>) {
        let pid = Self::int(au, "pid");
        let ses = Self::int(au, "ses");
        // gdm sends uid=, the others id=.
        let uid = match au.find_field("uid") {
            Some(_) => au.field_int_or_minus_one(),
            None => {
                au.first_record();
                let uid = Self::int(au, "id");
                au.first_record();
                uid
            }
        };
        let mut host = au.find_field("hostname").map(Cow::into_owned);
        if host.as_deref() == Some(b"?") {
            host = au.find_field("addr").map(Cow::into_owned);
        }
        let term = au.find_field("terminal").map_or_else(|| b"?".to_vec(), Cow::into_owned);
        let result = match au.find_field("res").and_then(|_| au.interpret_field()) {
            Some(res) if res == b"success" => 0,
            Some(_) => 1,
            None => -1,
        };
        let mut account = None;
        if result == 1 {
            au.first_record();
            account = au.find_field("acct").and_then(|_| au.interpret_field());
        } else if pid == -1 || uid == -1 || ses == -1 {
            self.note(format!("Bad user login for event: {}\n", at.serial));
            return;
        }
        let open = result == 0 && self.list.find_login(uid as u32, pid, ses as u32).is_some();
        if open {
            if let Some(tty) = &self.opts.tty
                && raudit_parse::fields::find_from(&term, 0, tty).is_none()
            {
                self.list.delete_current();
                let note =
                    format!("User login limited to {} for event: {}\n", text(tty), at.serial);
                self.note(note);
                return;
            }
            if let Some(s) = self.list.current() {
                s.status = Status::SessionStart;
                s.term = Some(term);
                if host.is_some() {
                    s.host = host;
                }
                s.result = result;
                s.user_login_proof = at.serial;
            }
        } else if self.opts.bad && result == 1 {
            let mut failed = Session {
                session: 0,
                start: at.sec,
                end: at.sec,
                auid: uid as u32,
                pid: 0,
                name: account,
                term: Some(term),
                host,
                result,
                status: Status::LogOut,
                loginuid_proof: 0,
                user_login_proof: at.serial,
                user_end_proof: 0,
            };
            self.report(&mut failed);
        } else if self.opts.debug {
            // COMPAT: this one note goes to stdout.
            out.extend_from_slice(b"Session not found or updated\n");
        }
    }

    /// USER_END: closes the session.
    fn user_end(&mut self, au: &mut Au<'_, '_>, at: Stamp) {
        let pid = Self::int(au, "pid");
        let auid = Self::int(au, "auid");
        let ses = Self::int(au, "ses");
        if pid == -1 || auid == -1 || ses == -1 {
            self.note(format!("Bad user logout for event: {}\n", at.serial));
            return;
        }
        let Some(s) = self.list.find_login(auid as u32, pid, ses as u32) else { return };
        if s.start != 0 {
            s.end = at.sec;
            s.status = Status::LogOut;
            s.user_end_proof = at.serial;
            self.report_current();
        } else {
            self.note(format!("start time error for event: {}\n", at.serial));
        }
        self.list.delete_current();
    }

    /// SYSTEM_BOOT: open reboot records crashed, open sessions went down;
    /// a new reboot record starts.
    fn boot(&mut self, at: Stamp) {
        let ids = self.list.ids();
        let ended = |last: &mut Self, id: usize, status: Status| {
            if let Some(s) = last.list.get_mut(id) {
                s.user_end_proof = at.serial;
                s.status = status;
                s.end = at.sec;
                let mut s = s.clone();
                last.report(&mut s);
            }
        };
        // COMPAT: every named session counts as a reboot record here.
        for &id in &ids {
            if self.list.get_mut(id).is_some_and(|s| s.name.is_some()) {
                ended(self, id, Status::Crash);
            }
        }
        for &id in &ids {
            if self.list.get_mut(id).is_some_and(|s| s.status != Status::Crash) {
                ended(self, id, Status::Down);
            }
        }
        self.list.clear();
        self.list.append(Session {
            session: 0,
            start: at.sec,
            end: 0,
            auid: 0,
            pid: 0,
            name: Some(b"reboot".to_vec()),
            term: Some(b"system boot".to_vec()),
            host: self.kernel.clone(),
            result: 0,
            status: Status::LogIn,
            loginuid_proof: at.serial,
            user_login_proof: 0,
            user_end_proof: 0,
        });
    }

    /// SYSTEM_SHUTDOWN: closes the first named record (the reboot record).
    fn shutdown(&mut self, at: Stamp) {
        if let Some(s) = self.list.find_named() {
            s.end = at.sec;
            s.status = Status::LogOut;
            s.user_end_proof = at.serial;
            self.report_current();
            self.list.delete_current();
        }
    }

    fn event(&mut self, au: &mut Au<'_, '_>, at: Stamp, out: &mut Vec<u8>) {
        match au.get_type() {
            types::LOGIN => self.login(au, at),
            types::USER_LOGIN => self.user_login(au, at, out),
            types::USER_END => self.user_end(au, at),
            types::SYSTEM_BOOT => self.boot(at),
            types::SYSTEM_SHUTDOWN => self.shutdown(at),
            types::DAEMON_START => {
                if let Some(kernel) = au.find_field("kernel") {
                    self.kernel = Some(kernel.into_owned());
                }
            }
            _ => {}
        }
    }
}

/// Runs aulast over `logs`; names and times come from `host`.
pub fn run(
    opts: &Options,
    logs: &Logs<'_, '_>,
    host: &dyn Host,
    outputs: Outputs<'_>,
    release: &dyn Fn(usize, usize),
) -> Result<(), Error> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let style = RowStyle { bad: opts.bad, proof: opts.proof, host, now };
    let mut last = Last {
        opts: opts.clone(),
        style,
        list: List::new(),
        kernel: None,
        rows: Vec::new(),
        notes: Vec::new(),
    };
    let Outputs { out, err, mut extract } = outputs;
    let mut stdout_notes = Vec::new();
    each_event(logs, release, |event: &Event<'_>| -> io::Result<()> {
        if !event.records.iter().any(|r| wanted(r.rtype)) {
            return Ok(());
        }
        for mut au in Au::split(event, Escape::Tty, host) {
            let rtype = au.get_type();
            if !wanted(rtype) {
                continue;
            }
            let at = Stamp { sec: event.key.sec as i64, serial: event.key.serial };
            last.event(&mut au, at, &mut stdout_notes);
            out.write_all(&stdout_notes)?;
            out.write_all(&last.rows)?;
            err.write_all(&last.notes)?;
            stdout_notes.clear();
            last.rows.clear();
            last.notes.clear();
            if let Some(file) = extract.as_mut() {
                // COMPAT: the record the cursor was left on; "(null)"
                // (glibc's printf) when a failed search left none.
                file.write_all(au.record_text().unwrap_or(b"(null)"))?;
                file.write_all(b"\n")?;
            }
        }
        Ok(())
    })?;
    // Whatever is still open: logged in, or a reboot record.
    for id in last.list.ids() {
        if let Some(mut s) = last.list.get_mut(id).cloned() {
            last.report(&mut s);
        }
    }
    out.write_all(&last.rows)?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_sys::FixedHost;

    const UNSET: &str = "4294967295";

    fn login(t: u32, serial: u32, pid: u32, auid: &str, ses: u32) -> String {
        format!(
            "type=LOGIN msg=audit({t}.000:{serial}): pid={pid} uid=0 old-auid={UNSET} auid={auid} \
             tty=(none) old-ses={UNSET} ses={ses} res=1\n"
        )
    }

    fn user(
        t: u32,
        serial: u32,
        rtype: &str,
        pid: u32,
        auid: &str,
        ses: u32,
        rest: &str,
    ) -> String {
        format!(
            "type={rtype} msg=audit({t}.000:{serial}): pid={pid} uid=0 auid={auid} ses={ses} \
             msg='op=login id={auid} exe=\"/usr/sbin/sshd\" {rest}'\n"
        )
    }

    fn run_on(log: &str, opts: &Options) -> (String, String) {
        let host = FixedHost::new().with_user(1000, "alice").with_user(0, "root");
        let data = [log.as_bytes()];
        let logs = Logs { data: &data, eoe_timeout: 2 };
        let (mut out, mut err, mut extract) = (Vec::new(), Vec::new(), Vec::new());
        let outputs = Outputs { out: &mut out, err: &mut err, extract: Some(&mut extract) };
        run(opts, &logs, &host, outputs, &|_, _| {}).unwrap();
        (String::from_utf8(out).unwrap(), String::from_utf8(extract).unwrap())
    }

    fn log() -> String {
        let t = 1_700_000_000;
        let mut log = String::new();
        log += &format!(
            "type=DAEMON_START msg=audit({t}.000:1): op=start ver=3.0.9 format=raw kernel=6.1.0-test \
             auid={UNSET} pid=1 uid=0 ses={UNSET} res=success\n"
        );
        log += &format!(
            "type=SYSTEM_BOOT msg=audit({}.000:2): pid=1 uid=0 auid={UNSET} ses={UNSET} msg=' comm=\"systemd\" res=success'\n",
            t + 1
        );
        log += &login(t + 10, 3, 100, "1000", 1);
        let rest = "hostname=10.0.0.5 addr=10.0.0.5 terminal=/dev/pts/0 res=success";
        log += &user(t + 11, 4, "USER_LOGIN", 100, "1000", 1, rest);
        log += &user(t + 3700, 5, "USER_END", 100, "1000", 1, rest);
        log += &login(t + 20, 6, 200, "0", 2);
        log += &user(
            t + 21,
            7,
            "USER_LOGIN",
            200,
            "0",
            2,
            "hostname=? addr=? terminal=tty1 res=success",
        );
        log += &format!(
            "type=USER_LOGIN msg=audit({}.000:8): pid=300 uid=0 auid={UNSET} ses={UNSET} \
             msg='op=login acct=\"mallory\" exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.1 terminal=ssh res=failed'\n",
            t + 30
        );
        log
    }

    #[test]
    fn sessions_reboots_and_still_logged_in() {
        let (out, extract) = run_on(&log(), &Options::default());
        assert_eq!(
            out,
            "alice    pts/0        10.0.0.5         Tue Nov 14 22:13 - 23:15  (01:01)\n\
             reboot   system boot  6.1.0-test       Tue Nov 14 22:13 \n\
             root     tty1         ?                Tue Nov 14 22:13   still logged in\n"
        );
        // One line per record read; the USER_LOGIN searches end on the
        // record they started on.
        assert_eq!(extract.lines().count(), 8);
        assert!(extract.starts_with("type=DAEMON_START "));
    }

    #[test]
    fn bad_logins_with_proof_and_filters() {
        let opts = Options { bad: true, proof: true, ..Options::default() };
        let (out, _) = run_on(&log(), &opts);
        assert_eq!(
            out,
            "mallory  ssh          192.0.2.1        Tue Nov 14 22:13 - 22:13  (00:00)\n\
             \x20   audit event proof serial number: 8\n\
             \x20   Session data can be found with this search:\n\
             \x20   ausearch --start 11/14/23 22:13:50 --end 11/14/23 22:13:50 -a 8\n\n"
        );
        let opts = Options { user: Some(b"root".to_vec()), ..Options::default() };
        let (out, _) = run_on(&log(), &opts);
        assert!(!out.contains("alice") && out.contains("root     tty1"), "{out}");
        let opts = Options { tty: Some(b"pts".to_vec()), ..Options::default() };
        let (out, _) = run_on(&log(), &opts);
        assert!(out.contains("alice") && !out.contains("tty1"), "{out}");
    }

    #[test]
    fn a_boot_crashes_what_is_open() {
        let mut log = log();
        log += "type=SYSTEM_BOOT msg=audit(1700009000.000:9): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=' res=success'\n";
        let (out, _) = run_on(&log, &Options::default());
        let rows: Vec<&str> = out.lines().collect();
        assert!(
            rows[1].starts_with("reboot   system boot") && rows[1].ends_with("- crash"),
            "{out}"
        );
        assert!(rows[2].starts_with("root     tty1") && rows[2].ends_with("- crash"), "{out}");
        assert!(rows[3].starts_with("reboot") && rows[3].ends_with("00:43 "), "{out}");
    }
}
