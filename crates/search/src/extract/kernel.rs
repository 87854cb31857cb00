//! Other kernel records: anomalies (SECCOMP, ANOM_*), IMA integrity,
//! NETFILTER_PKT, TTY, and NETFILTER_CFG / EVENT_LISTENER (ausearch-parse.c
//! `parse_kernel_anom`, `parse_integrity`, `parse_pkt`, `parse_tty`,
//! `parse_kernel`).

use raudit_parse::record::types::{ANOM_ABEND, ANOM_PROMISCUOUS, SECCOMP};

use super::Bytes;
use super::text::{Step, Text};
use super::{Extractor, UNSET_ID, UNSET_LOGINUID, UNSET_SESSION};

impl<'a> Extractor<'a, '_> {
    /// parse_kernel_anom (SECCOMP, ANOM_PROMISCUOUS, ANOM_ABEND).
    pub(super) fn kernel_anom(&mut self, t: &Text<'a>, rtype: i32) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.loginuid || n.auid_name {
            let at = t.find(0, b"auid=").ok_or(1)?;
            let (v, end) = t.id_to_space_or_end(at + 5, 2)?;
            self.set_loginuid(v);
            term = end.unwrap_or(at + 5);
        }
        if (n.uid || n.uid_name)
            && let Some(at) = t.find(term, b"uid=")
        {
            let (v, end) = t.id_to_space(at + 4, (3, 4))?;
            self.set_uid(v);
            term = end;
        }
        if n.gid
            && let Some(at) = t.find(term, b"gid=")
        {
            (self.items.gid, term) = t.id_to_space(at + 4, (5, 6))?;
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let (v, end) = t.id_to_space_or_end(at + 4, 7)?;
            self.items.session = v;
            term = end.unwrap_or(at + 4);
        }
        if rtype == ANOM_PROMISCUOUS {
            return Ok(());
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let (c, end) = t.word_to_space(at + 5, 8)?;
            self.add_context(Some(c), None);
            term = end;
        }
        if n.pid
            && let Some(at) = t.find(term, b"pid=")
        {
            (self.items.pid, term) = t.id_to_space(at + 4, (10, 11))?;
        }
        if n.comm
            && let Some(at) = t.find(term, b"comm=")
        {
            let (comm, close) = t.quoted_or_unescaped(at + 5, 12)?;
            self.items.comm = comm;
            term = close.unwrap_or(term);
        }
        if n.exe {
            match t.find(term, b"exe=") {
                Some(at) => {
                    let (exe, close) = t.quoted_or_unescaped(at + 4, 13)?;
                    self.items.exe = exe;
                    term = close.unwrap_or(term);
                }
                None if rtype != ANOM_ABEND => return Err(14),
                None => {}
            }
        }
        if rtype == SECCOMP
            && let Some(at) = t.find(term, b"arch=")
        {
            let (arch, end) = t.arch_to_space(at + 5, (15, 16))?;
            self.items.arch = arch;
            let at = t.find(end, b"syscall=").ok_or(17)?;
            let (v, end) = t.number_to_space(at + 8, (18, 19))?;
            self.items.syscall = v as i32;
            term = end;
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            self.items.success = t.res_at(at + 4, 68)?;
        }
        Ok(())
    }

    /// parse_integrity (INTEGRITY_DATA .. INTEGRITY_RULE).
    pub(super) fn integrity(&mut self, t: &Text<'a>) -> Step {
        let n = self.needs;
        let mut term = 0;
        // The reference reads pid= whatever the criteria.
        if let Some(at) = t.find(0, b"pid=") {
            (self.items.pid, term) = t.id_to_space(at + 4, (1, 2))?;
        }
        if (n.uid || n.uid_name)
            && let Some(at) = t.find(term, b" uid=")
        {
            // COMPAT: ausearch-parse.c parse_integrity: read from the '=',
            // so the uid is 0.
            let (_, end) = t.number_to_space(at + 4, (3, 4))?;
            self.set_uid(0);
            term = end;
        }
        if (n.loginuid || n.auid_name)
            && let Some(at) = t.find(0, b"auid=")
        {
            let (v, end) = t.id_to_space(at + 5, (5, 6))?;
            self.set_loginuid(v);
            term = end;
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            (self.items.session, term) = t.id_to_space(at + 4, (10, 11))?;
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let (c, end) = t.word_to_space(at + 5, 12)?;
            self.add_context(Some(c), None);
            term = end;
        }
        if n.comm
            && let Some(at) = t.find(term, b"comm=")
        {
            let (comm, close) = t.quoted_or_unescaped(at + 5, 7)?;
            self.items.comm = comm;
            term = close.unwrap_or(term);
        }
        if n.filename
            && let Some(at) = t.find(term, b" name=")
        {
            self.path(t, at + 6).map_err(|_| 8)?;
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            self.items.success = t.res_at(at + 4, 9)?;
        }
        Ok(())
    }

    /// parse_pkt (NETFILTER_PKT).
    pub(super) fn packet(&mut self, t: &Text<'a>) -> Step {
        let mut term = 0;
        if self.needs.hostname
            && let Some(at) = t.find(0, b"saddr=")
        {
            let (host, end) = t.word_to_space(at + 6, 1)?;
            self.items.hostname = Some(Bytes::Borrowed(host));
            term = end;
        }
        if self.needs.object
            && let Some(at) = t.find(term, b"obj=")
        {
            self.add_context(None, Some(t.word_to_space_or_end(at + 4)));
        }
        Ok(())
    }

    /// parse_tty (TTY).
    pub(super) fn tty(&mut self, t: &Text<'a>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.pid
            && let Some(at) = t.find(0, b"pid=")
        {
            (self.items.pid, term) = t.id_to_space(at + 4, (1, 2))?;
        }
        if (n.uid || n.uid_name)
            && let Some(at) = t.find(term, b" uid=")
        {
            // COMPAT: ausearch-parse.c parse_tty: the number is read from
            // the '=' of " uid=", so the uid is always 0.
            let (_, end) = t.number_to_space(at + 4, (3, 4))?;
            self.set_uid(0);
            term = end;
        }
        if n.loginuid || n.auid_name {
            let at = t.find(term, b"auid=").ok_or(5)?;
            let (v, end) = t.id_to_space_or_end(at + 5, 6)?;
            self.set_loginuid(v);
            term = end.unwrap_or(at + 5);
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            (self.items.session, term) = t.id_to_space(at + 4, (7, 8))?;
        }
        if n.comm
            && let Some(at) = t.find(term, b"comm=")
        {
            self.items.comm = t.quoted_or_unescaped(at + 5, 11)?.0;
        }
        Ok(())
    }

    /// parse_kernel (NETFILTER_CFG, EVENT_LISTENER): fills only what other
    /// records left unset, with defaults where the record says nothing.
    pub(super) fn kernel(&mut self, t: &Text<'a>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.pid && self.items.pid == UNSET_ID {
            let at = t.find(0, b" pid=").ok_or(54)?;
            (self.items.pid, term) = t.id_to_space(at + 5, (52, 53))?;
        }
        if self.items.uid == UNSET_ID && self.items.uid_name.is_none() && (n.uid || n.uid_name) {
            let uid = match t.find(term, b"uid=") {
                Some(at) => {
                    let (v, end) = t.id_to_space(at + 4, (55, 56))?;
                    term = end;
                    v
                }
                None => 0,
            };
            self.set_uid(uid);
        }
        if self.items.loginuid == UNSET_LOGINUID
            && self.items.auid_name.is_none()
            && (n.loginuid || n.auid_name)
        {
            let auid = match t.find(term, b"auid=") {
                Some(at) => {
                    let (v, end) = t.id_to_space(at + 5, (57, 58))?;
                    term = end;
                    v
                }
                None => UNSET_ID,
            };
            self.set_loginuid(auid);
        }
        if self.items.terminal.is_none() && n.terminal {
            match t.find(term, b"tty=") {
                Some(at) => {
                    let (tty, end) = t.word_to_space(at + 4, 59)?;
                    self.items.terminal = Some(Bytes::Borrowed(tty));
                    term = end;
                }
                None => self.items.terminal = Some(Bytes::Borrowed(b"(none)")),
            }
        }
        if self.items.session == UNSET_SESSION && n.session {
            match t.find(term, b"ses=") {
                Some(at) => (self.items.session, term) = t.id_to_space(at + 4, (60, 61))?,
                None => self.items.session = UNSET_ID,
            }
        }
        if self.items.contexts.is_none() && n.subject {
            let at = t.find(term, b"subj=").ok_or(64)?;
            let (c, end) = t.word_to_space(at + 5, 62)?;
            self.add_context(Some(c), None);
            term = end;
        }
        if self.items.comm.is_none() && n.comm {
            let at = t.find(term, b"comm=").ok_or(66)?;
            let (comm, close) = t.quoted_or_unescaped(at + 5, 65)?;
            self.items.comm = comm;
            term = close.unwrap_or(term);
        }
        if self.items.exe.is_none() && n.exe {
            match t.find(0, b"exe=") {
                Some(at) => {
                    let (exe, close) = t.quoted_or_unescaped(at + 4, 67)?;
                    self.items.exe = exe;
                    term = close.unwrap_or(term);
                }
                None => self.items.exe = Some(Bytes::Borrowed(b"(null)")),
            }
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            self.items.success = t.res_at(at + 4, 69)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{event, items};
    use crate::criteria::{Criteria, IdCriterion};
    use crate::extract::extract;

    const ABEND: &str = "type=ANOM_ABEND msg=audit(1605431420.026:123): auid=12345 uid=123 gid=123 ses=123456789 pid=1234 comm=\"extproc\" reason=\"memory violation\" sig=6";

    // Expected values: the reference ausearch 3.0.9 (`ausearch -if LOG`)
    // selects the line with all the options of the test's comment given
    // together (which, like `items`, extract every item), and not with a
    // neighbouring value.

    #[test]
    fn anom_abend() {
        // -ul 12345 -ui 123 -gi 123 --session 123456789 -p 1234 -c extproc
        let s = items(ABEND);
        assert_eq!(
            (s.loginuid, s.uid, s.gid, s.session, s.pid),
            (12345, 123, 123, 123456789, 1234)
        );
        assert_eq!(s.comm.as_deref(), Some(&b"extproc"[..]));
    }

    #[test]
    fn anom_uid_alone_reads_the_auid() {
        // -ui 12345 selects it, -ui 123 does not: without a login-uid
        // criterion the cursor is still at the start, and "uid=" is found
        // inside "auid=".
        let e = event(ABEND);
        let c = Criteria { uid: Some(IdCriterion::Number(12345)), ..Criteria::default() };
        assert_eq!(extract(&e, &c, &raudit_sys::FixedHost::new()).map(|s| s.uid), Ok(12345));
    }

    #[test]
    fn tty_uid_is_read_as_zero() {
        // -ui 0 selects it (-ui 1000 does not); -p 27930 -ul 1000 --session 762 -c bash
        let s = items(
            "type=TTY msg=audit(1491924063.550:1065565): tty pid=27930 uid=1000 auid=1000 ses=762 major=136 minor=0 comm=\"bash\" data=6C730D",
        );
        assert_eq!((s.pid, s.uid, s.loginuid, s.session), (27930, 0, 1000, 762));
        assert_eq!(s.comm.as_deref(), Some(&b"bash"[..]));
    }

    #[test]
    fn netfilter_cfg_defaults() {
        // -p 1027 -ui 0 -ul 4294967295 -tm (none) --session 4294967295 -su unconfined
        // -c ebtables -x (null)
        let s = items(
            "type=NETFILTER_CFG msg=audit(1643035021.052:428): table=?:0;?:0 family=0 entries=2 op=nft_register_gen pid=1027 subj=unconfined comm=\"ebtables\"",
        );
        assert_eq!((s.pid, s.uid, s.loginuid, s.session), (1027, 0, u32::MAX, u32::MAX));
        assert_eq!(s.terminal.as_deref(), Some(&b"(none)"[..]));
        assert_eq!(s.comm.as_deref(), Some(&b"ebtables"[..]));
        assert_eq!(s.exe.as_deref(), Some(&b"(null)"[..]));
    }
}
