//! Userspace records: the USER_* / ANOM_* / VIRT_* class written by PAM,
//! shadow-utils, libvirt and friends, and the kernel's LOGIN record
//! (ausearch-parse.c `parse_user`, `parse_login`).

use raudit_parse::record::strtoul;
use raudit_parse::record::types::{ADD_GROUP, DEL_GROUP, GRP_MGMT, VIRT_MACHINE_ID, VIRT_RESOURCE};

use super::Bytes;
use super::text::{Step, Text};
use super::{Context, Extractor};

impl<'a> Extractor<'a, '_> {
    /// parse_user (USER-class records; USER_AVC through parse_avc).
    pub(super) fn user(&mut self, t: &Text<'a>, rtype: i32, avc: Option<&mut Context>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.pid {
            let at = t.find(term, b"pid=").ok_or(1)?;
            (self.items.pid, term) = t.id_to_space(at + 4, (2, 3))?;
        }
        if n.uid || n.uid_name {
            let at = t.find(term, b"uid=").ok_or(4)?;
            let (v, end) = t.id_to_space(at + 4, (5, 6))?;
            self.set_uid(v);
            term = end;
        }
        if n.loginuid || n.auid_name {
            let start = match t.find(term, b"auid=") {
                Some(at) => at + 5,
                None => t.find(term, b"loginuid=").ok_or(7)? + 9,
            };
            let (v, end) = t.id_to_space(start, (8, 9))?;
            self.set_loginuid(v);
            term = end;
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            (self.items.session, term) = t.id_to_space(at + 4, (10, 11))?;
        }
        let mut avc = avc;
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let (subject, end) = t.word_to_space(at + 5, 12)?;
            match avc.as_deref_mut() {
                Some(a) => a.subject = Some(subject.to_vec()),
                None => self.add_context(Some(subject), None),
            }
            term = end;
        }
        if let Some(a) = avc
            && n.object
        {
            if let Some(at) = t.find(term, b"tcontext=") {
                match t.chr(at + 9, b' ') {
                    Some(end) => {
                        a.object = Some(t.t[at + 9..end].to_vec());
                        term = end;
                    }
                    None => term = at + 9,
                }
            }
            if let Some(at) = t.find(term, b"tclass=") {
                match t.chr(at + 7, b' ') {
                    Some(end) => {
                        a.class = Some(t.t[at + 7..end].to_vec());
                        term = end;
                    }
                    None => term = at + 7,
                }
            }
        }
        if n.gid && matches!(rtype, ADD_GROUP | DEL_GROUP | GRP_MGMT) {
            let found = t
                .find(term, b" id=")
                .or_else(|| if rtype == GRP_MGMT { t.find(term, b"gid=") } else { None });
            if let Some(at) = found {
                (self.items.gid, term) = t.id_to_space(at + 4, (31, 32))?;
            }
        }
        if n.vmname
            && let Some(at) = t.find(term, b"vm=")
        {
            let (name, close) = t.quoted_or_unescaped(at + 3, 23)?;
            self.items.vmname = name;
            term = close.unwrap_or(term);
        }
        if n.uuid
            && let Some(at) = t.find(term, b"uuid=")
        {
            let v = at + 5;
            let end =
                t.t[v..].iter().position(|&b| b == b' ' || b == b':').map_or(t.t.len(), |i| v + i);
            if end == v {
                return Err(24);
            }
            self.items.uuid = Some(Bytes::Borrowed(&t.t[v..end]));
        }
        if rtype == VIRT_MACHINE_ID {
            if n.subject
                && let Some(at) = t.find(term, b"vm-ctx=")
            {
                let (c, end) = t.word_to_space(at + 7, 27)?;
                self.add_context(Some(c), None);
                term = end;
            }
            if n.object
                && let Some(at) = t.find(term, b"img-ctx=")
            {
                let (c, end) = t.word_to_space(at + 8, 29)?;
                self.add_context(None, Some(c));
                term = end;
            }
        } else if rtype == VIRT_RESOURCE && n.filename {
            let found = t
                .find(term, b" path=")
                .map(|at| at + 6)
                .or_else(|| t.find(term, b" new-disk=").map(|at| at + 10));
            if let Some(start) = found {
                self.path(t, start)?;
                term = start;
            }
        }
        // COMPAT: ausearch-parse.c parse_user: a second uid= (inside msg=)
        // overrides the first, e.g. USER_LOGIN's msg='... uid=1000'.
        if n.uid || n.uid_name {
            while let Some(at) = t.find(term, b"uid=") {
                let before = if at > 0 { t.t[at - 1] } else { 0 };
                // COMPAT: ausearch-parse.c parse_user: skipping an auid=
                // moves the cursor, so later fields (exe=, comm=, ...) are
                // only looked for after it.
                if before == b'a' {
                    term = at + 1;
                    continue;
                }
                if before == b's' || before == b'u' {
                    break;
                }
                if !(before == b'\'' || before == b' ') {
                    return Err(25);
                }
                let digits = t.t[at + 4..].iter().take_while(|b| b.is_ascii_digit()).count();
                if digits == 0 {
                    return Err(14);
                }
                let v = strtoul(&t.t[at + 4..at + 4 + digits]).ok_or(15)?;
                self.set_uid(v as u32);
                term = at + 4 + digits;
                break;
            }
        }
        let mut mptr = term;
        if n.comm
            && let Some(at) = t.find(mptr, b"comm=")
        {
            let (comm, close) = t.quoted_or_unescaped(at + 5, 16)?;
            self.items.comm = comm;
            term = close.unwrap_or(term);
        }
        if let Some(at) = t.find(mptr, b"acct=") {
            let v = at + 5;
            if t.at(v) == b'"' {
                let end = t.chr(v + 1, b'"').unwrap_or(t.t.len());
                self.items.acct = Some(Bytes::Borrowed(&t.t[v + 1..end]));
                term = end;
            } else {
                let (acct, end) = t.quoted_or_hex(v, 0)?;
                self.items.acct = acct;
                term = end;
            }
        }
        mptr = term;
        if n.hostname
            && let Some(at) = t.find(mptr, b"hostname=")
        {
            let v = at + 9;
            let end = t.chr(v, b',').or_else(|| t.chr(v, b' ')).ok_or(17)?;
            self.items.hostname = Some(Bytes::Borrowed(&t.t[v..end]));
            if &t.t[v..end] == b"?"
                && let Some(a) = t.find(end + 1, b"addr=")
            {
                let v = a + 5;
                let end = t.chr(v, b',').or_else(|| t.chr(v, b' ')).ok_or(18)?;
                self.items.hostname = Some(Bytes::Borrowed(&t.t[v..end]));
            }
        }
        if n.filename
            && let Some(at) = t.find(mptr, b"cwd=")
        {
            let (cwd, _) = t.quoted_or_hex(at + 4, 20)?;
            self.items.cwd = cwd;
        }
        if n.terminal
            && let Some(at) = t.find(mptr, b"terminal=")
        {
            let v = at + 9;
            let end = t.chr(v, b' ').or_else(|| t.chr(v, b')')).ok_or(19)?;
            self.items.terminal = Some(Bytes::Borrowed(&t.t[v..end]));
        }
        if n.exe
            && let Some(at) = t.find(mptr, b"exe=")
        {
            let (exe, _) = t.quoted_or_hex(at + 4, 26)?;
            self.items.exe = exe;
        }
        if n.success {
            if let Some(at) = t.find(mptr, b"res=") {
                let v = at + 4;
                t.chr(v, b'\'').ok_or(21)?;
                self.items.success = Some(!t.t[v..].starts_with(b"failed"));
            } else if let Some(at) = t.find(mptr, b"result=") {
                let v = at + 7;
                let end = t.chr(v, b')').ok_or(22)?;
                self.items.success = Some(t.t[v..end].eq_ignore_ascii_case(b"success"));
            }
        }
        Ok(())
    }

    /// The `key=` inside a raudit BPF record's `msg='...'` (the reference has no such
    /// record; its key is what `-k` matches).
    pub(super) fn bpf_key(&mut self, t: &Text<'a>) -> Step {
        if self.needs.key
            && let Some(at) = t.find(0, b" key=")
        {
            let keys = self.items.keys.get_or_insert_with(Vec::new);
            super::text::push_keys(t, at + 5, keys, (44, 45))?;
        }
        Ok(())
    }

    /// parse_login (LOGIN).
    pub(super) fn login(&mut self, t: &Text<'a>) -> Step {
        let n = self.needs;
        let mut term = Some(0);
        if n.pid {
            let at = t.find(0, b"pid=").ok_or(1)?;
            let (v, end) = t.id_to_space(at + 4, (2, 3))?;
            self.items.pid = v;
            term = Some(end);
        }
        if n.uid || n.uid_name {
            let at = t.find(term.unwrap_or(0), b"uid=").ok_or(4)?;
            let (v, end) = t.id_to_space(at + 4, (5, 6))?;
            self.set_uid(v);
            term = Some(end);
        }
        if n.subject
            && let Some(at) = t.find(term.unwrap_or(0), b"subj=")
        {
            let (_, end) = t.word_to_space(at + 5, 12)?;
            // COMPAT: ausearch-parse.c parse_login keeps the "subj=" prefix.
            self.add_context(Some(&t.t[at..end]), None);
            term = Some(end);
        }
        if n.loginuid || n.auid_name {
            let from = term.unwrap_or(0);
            let start = if let Some(at) = t.find(from, b"new auid=") {
                at + 9
            } else if let Some(at) = t.find(from, b" auid=") {
                at + 6
            } else {
                t.find(from, b"new loginuid=").ok_or(7)? + 13
            };
            let (v, end) = t.id_to_space_or_end(start, 8)?;
            self.set_loginuid(v);
            term = end;
        }
        if n.success {
            match t.find(term.unwrap_or(0), b"res=") {
                Some(at) => {
                    let (v, end) = t.number_to_space_or_end(at + 4, 9)?;
                    self.items.success = super::text::res_number(v);
                    term = end;
                }
                None => self.items.success = Some(true),
            }
        }
        if n.session {
            let from = term.unwrap_or(0);
            let start = match t.find(from, b"new ses=") {
                Some(at) => at + 8,
                None => t.find(from, b" ses=").ok_or(14)? + 5,
            };
            self.items.session = t.id_to_space_or_end(start, 11)?.0;
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
    fn user_login_second_uid_and_host() {
        // -p 300 -ui 1001 -ul 1000 --session 3 -hn 192.0.2.1 -tm ssh -sv no
        // -x /usr/sbin/sshd: the uid= inside msg= overrides the first.
        let s = items(
            "type=USER_LOGIN msg=audit(1700000001.050:12): pid=300 uid=0 auid=1000 ses=3 msg='op=login id=1001 uid=1001 exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.1 terminal=ssh res=failed'",
        );
        assert_eq!((s.pid, s.uid, s.loginuid, s.session), (300, 1001, 1000, 3));
        assert_eq!(s.hostname.as_deref(), Some(&b"192.0.2.1"[..]));
        assert_eq!(s.terminal.as_deref(), Some(&b"ssh"[..]));
        assert_eq!(s.exe.as_deref(), Some(&b"/usr/sbin/sshd"[..]));
        assert_eq!(s.success, Some(false));
    }

    #[test]
    fn group_records() {
        // -gi 1004 -x /usr/sbin/groupadd -hn ubuntu-bionic -tm pts/2 -sv yes
        let s = items(
            "type=ADD_GROUP msg=audit(1610903553.686:584): pid=2940 uid=0 auid=1000 ses=14 msg='op=adding group to /etc/group id=1004 exe=\"/usr/sbin/groupadd\" hostname=ubuntu-bionic addr=127.0.0.1 terminal=pts/2 res=success'",
        );
        assert_eq!((s.pid, s.uid, s.loginuid, s.session, s.gid), (2940, 0, 1000, 14, 1004));
        assert_eq!(s.exe.as_deref(), Some(&b"/usr/sbin/groupadd"[..]));
        assert_eq!(s.hostname.as_deref(), Some(&b"ubuntu-bionic"[..]));
        assert_eq!(s.terminal.as_deref(), Some(&b"pts/2"[..]));
        assert_eq!(s.success, Some(true));
    }

    #[test]
    fn login_record() {
        // -p 400 -ui 0 -ul 1000 --session 5 -sv yes -su subj=unconfined
        let s = items(
            "type=LOGIN msg=audit(1700000003.000:14): pid=400 uid=0 subj=unconfined old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=5 res=1",
        );
        assert_eq!((s.pid, s.uid, s.loginuid, s.session), (400, 0, 1000, 5));
        assert_eq!(s.success, Some(true));
        let subj = s.contexts.as_ref().and_then(|c| c[0].subject.as_deref());
        assert_eq!(subj, Some(&b"subj=unconfined"[..]));
    }
}
