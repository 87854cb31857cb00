//! The audit daemon's own records: DAEMON_START .. DAEMON_RESUME, and
//! DAEMON_ACCEPT / DAEMON_CLOSE of remote logging (ausearch-parse.c
//! `parse_daemon1`, `parse_daemon2`).

use super::Bytes;
use super::Extractor;
use super::text::{Step, Text, res_word};

impl<'a> Extractor<'a, '_> {
    /// parse_daemon1 (DAEMON_START .. DAEMON_RESUME).
    pub(super) fn daemon1(&mut self, t: &Text<'a>) -> Step {
        let n = self.needs;
        let mptr = t.chr(0, b')').unwrap_or(0);
        let mut term = mptr;
        if n.loginuid || n.auid_name {
            let at = t.find(mptr, b"auid=").ok_or(1)?;
            let (v, end) = t.id_to_space(at + 5, (2, 3))?;
            self.set_loginuid(v);
            term = end;
        }
        if n.pid {
            let at = t.find(term, b"pid=").ok_or(4)?;
            (self.items.pid, term) = t.id_to_space(at + 4, (5, 6))?;
        }
        if n.uid
            && let Some(at) = t.find(term, b" uid=")
        {
            (self.items.uid, term) = t.id_to_space(at + 5, (7, 8))?;
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            (self.items.session, term) = t.id_to_space(at + 4, (9, 10))?;
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            self.add_context(Some(t.word_to_space_or_end(at + 5)), None);
        }
        if n.success
            && let Some(at) = t.find(mptr, b"res=")
        {
            self.items.success = Some(res_word(t, at + 4, 12)?);
        }
        Ok(())
    }

    /// parse_daemon2 (DAEMON_ACCEPT, DAEMON_CLOSE).
    pub(super) fn daemon2(&mut self, t: &Text<'a>) -> Step {
        let mut term = 0;
        if self.needs.hostname
            && let Some(at) = t.find(0, b"addr=")
        {
            let v = at + 5;
            let end = t.chr(v, b':').or_else(|| t.chr(v, b' ')).ok_or(1)?;
            self.items.hostname = Some(Bytes::Borrowed(&t.t[v..end]));
            term = end;
        }
        if self.needs.success
            && let Some(at) = t.find(term, b"res=")
        {
            self.items.success = Some(res_word(t, at + 4, 2)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::items;

    // Expected values: the reference ausearch 3.0.9 (`ausearch -if LOG`)
    // selects the line with all the options of the test's comment given
    // together (which, like `items`, extract every item), and not with a
    // neighbouring value.

    #[test]
    fn daemon_start() {
        // -ul 4294967295 -p 1643 -ui 0 --session 4294967295 -su system_u:system_r:auditd_t:s0 -sv yes
        let s = items(
            "type=DAEMON_START msg=audit(1594053514.588:4686): op=start ver=2.8.5 format=raw kernel=3.10.0-1062.9.1.el7.x86_64 auid=4294967295 pid=1643 uid=0 ses=4294967295 subj=system_u:system_r:auditd_t:s0 res=success",
        );
        assert_eq!((s.loginuid, s.pid, s.uid, s.session), (u32::MAX, 1643, 0, u32::MAX));
        assert_eq!(s.success, Some(true));
        let subj = s.contexts.as_ref().and_then(|c| c[0].subject.as_deref());
        assert_eq!(subj, Some(&b"system_u:system_r:auditd_t:s0"[..]));
    }

    #[test]
    fn daemon_accept() {
        // -hn 192.0.2.9 -sv yes
        let s = items(
            "type=DAEMON_ACCEPT msg=audit(1700000004.000:15): addr=192.0.2.9 port=60 res=success",
        );
        assert_eq!(s.hostname.as_deref(), Some(&b"192.0.2.9"[..]));
        assert_eq!(s.success, Some(true));
    }
}
