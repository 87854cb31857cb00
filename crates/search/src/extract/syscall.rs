//! The SYSCALL record and the task fields it shares with FEATURE_CHANGE
//! and ANOM_LINK (ausearch-parse.c `parse_syscall`, `parse_task_info`).

use raudit_parse::record::strtoll_base0;

use super::Bytes;
use super::Extractor;
use super::text::{Step, Text, push_keys};

impl<'a> Extractor<'a, '_> {
    /// ausearch-parse.c parse_syscall.
    pub(super) fn syscall(&mut self, t: &Text<'a>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.arch {
            let at = t.find(0, b"arch=").ok_or(1)?;
            (self.items.arch, term) = t.arch_to_space(at + 5, (2, 3))?;
        }
        let at = t.find(term, b"syscall=").ok_or(4)?;
        let (v, end) = t.number_to_space(at + 8, (5, 6))?;
        self.items.syscall = v as i32;
        term = end;
        if n.success
            && let Some(at) = t.find(term, b"success=")
        {
            let (word, end) = t.word_to_space(at + 8, 7)?;
            self.items.success = Some(word == b"yes");
            term = end;
        }
        if n.exit {
            let at = t.find(term, b"exit=").ok_or(8)?;
            let (word, end) = t.word_to_space(at + 5, 9)?;
            self.items.exit = Some(strtoll_base0(word).ok_or(10)?);
            term = end;
        }
        for arg in [&b"a0="[..], b"a1="] {
            let at = t.find(term, arg).ok_or(11)?;
            let (hex, end) = t.word_to_space(at + 3, 12)?;
            let digits = hex.iter().take_while(|b| b.is_ascii_hexdigit()).count();
            if digits > 16 {
                return Err(13);
            }
            term = end;
        }
        self.task_info(t)?;
        if n.key
            && let Some(at) = t.find(term, b"key=")
        {
            let keys = self.items.keys.get_or_insert_with(Vec::new);
            push_keys(t, at + 4, keys, (44, 45))?;
        }
        Ok(())
    }

    /// ausearch-parse.c parse_task_info (SYSCALL and a few others).
    pub(super) fn task_info(&mut self, t: &Text<'a>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.ppid
            && let Some(at) = t.find(term, b"ppid=")
        {
            (self.items.ppid, term) = t.id_to_space(at + 5, (14, 15))?;
        }
        if n.pid {
            let at = t.find(term, b" pid=").ok_or(16)?;
            (self.items.pid, term) = t.id_to_space(at + 5, (17, 18))?;
        }
        if n.loginuid || n.auid_name {
            let start = match t.find(term, b"auid=") {
                Some(at) => at + 5,
                None => t.find(term, b"loginuid=").ok_or(19)? + 9,
            };
            let (v, end) = t.id_to_space(start, (20, 21))?;
            self.set_loginuid(v);
            term = end;
        }
        if n.uid || n.uid_name {
            // COMPAT: ausearch-parse.c: "uid=" may hit "auid="; search on.
            let mut from = term;
            let at = loop {
                let at = t.find(from, b"uid=").ok_or(22)?;
                if at > 0 && t.t[at - 1] == b'a' {
                    from = at + 1;
                    continue;
                }
                break at;
            };
            let (v, end) = t.id_to_space(at + 4, (23, 24))?;
            self.set_uid(v);
            term = end;
        }
        if n.gid {
            let at = t.find(term, b"gid=").ok_or(25)?;
            (self.items.gid, term) = t.id_to_space(at + 4, (26, 27))?;
        }
        if n.euid || n.euid_name {
            let at = t.find(term, b"euid=").ok_or(28)?;
            let (v, end) = t.id_to_space(at + 5, (29, 30))?;
            self.items.euid = v;
            if n.euid_name {
                self.items.euid_name = Some(self.name_of(b"euid", v));
            }
            term = end;
        }
        if n.egid {
            let at = t.find(term, b"egid=").ok_or(31)?;
            (self.items.egid, term) = t.id_to_space(at + 5, (32, 33))?;
        }
        if n.terminal
            && let Some(at) = t.find(term, b"tty=")
        {
            let (tty, end) = t.word_to_space(at + 4, 34)?;
            self.items.terminal = Some(Bytes::Borrowed(tty));
            term = end;
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            (self.items.session, term) = t.id_to_space(at + 4, (35, 36))?;
        }
        if n.comm {
            let at = t.find(term, b"comm=").ok_or(38)?;
            let (comm, close) = t.quoted_or_unescaped(at + 5, 37)?;
            self.items.comm = comm;
            term = close.unwrap_or(term);
        }
        if n.exe {
            // The reference looks for exe= from the start of the record.
            let at = t.find(0, b"exe=").ok_or(40)?;
            let (exe, close) = t.quoted_or_unescaped(at + 4, 39)?;
            self.items.exe = exe;
            term = close.unwrap_or(term);
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let (subject, end) = t.word_to_space(at + 5, 41)?;
            self.add_context(Some(subject), None);
            term = end;
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            self.items.success = t.res_at(at + 4, 43)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{event, items, owned};
    use crate::criteria::{Criteria, IdCriterion};
    use crate::{Success, extract::extract};

    // Expected values: the reference ausearch 3.0.9 (`ausearch -if LOG`)
    // selects the line with all the options of the test's comment given
    // together (which, like `items`, extract every item), and not with a
    // neighbouring value.
    const OPENAT: &str = "type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffd0 a2=0 a3=0 items=1 ppid=1 pid=200 auid=1000 uid=1001 gid=1002 euid=1003 suid=1000 fsuid=1000 egid=1004 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" subj=unconfined key=\"open-eacces\"";

    #[test]
    fn syscall_task_fields() {
        // -pp 1 -p 200 -ul 1000 -ui 1001 -gi 1002 -ue 1003 -ge 1004
        // -tm pts0 --session 3 -c cat -x /usr/bin/cat -e -13 -sv no
        // -sc 257 -k open-eacces -su unconfined --arch x86_64
        let s = items(OPENAT);
        assert_eq!((s.ppid, s.pid, s.loginuid, s.uid, s.gid), (1, 200, 1000, 1001, 1002));
        assert_eq!((s.euid, s.egid, s.session), (1003, 1004, 3));
        assert_eq!(
            (s.syscall, s.arch, s.exit, s.success),
            (257, 0xc000003e, Some(-13), Some(false))
        );
        assert_eq!(s.terminal.as_deref(), Some(&b"pts0"[..]));
        assert_eq!(s.comm.as_deref(), Some(&b"cat"[..]));
        assert_eq!(s.exe.as_deref(), Some(&b"/usr/bin/cat"[..]));
        assert_eq!(owned(&s.keys), Some(vec![b"open-eacces".to_vec()]));
        let subj = s.contexts.as_ref().and_then(|c| c[0].subject.as_deref());
        assert_eq!(subj, Some(&b"unconfined"[..]));
    }

    #[test]
    fn syscall_items_and_mandatory_tokens() {
        let e = event(
            "type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=7ffd0 a2=0 a3=0 items=1 ppid=1 pid=200 auid=1000 uid=1001 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"open-enoent\"",
        );
        let c = Criteria {
            pid: Some(1),
            uid: Some(IdCriterion::Number(1)),
            key: Some(b"x".to_vec()),
            exit: Some(1),
            comm: Some(b"c".to_vec()),
            success: Some(Success::No),
            ..Criteria::default()
        };
        let s = extract(&e, &c, &raudit_sys::FixedHost::new()).unwrap();
        assert_eq!((s.pid, s.uid, s.exit, s.syscall), (200, 1001, Some(-2), 257));
        assert_eq!(owned(&s.keys), Some(vec![b"open-enoent".to_vec()]));
        assert_eq!(s.comm.as_deref(), Some(&b"cat"[..]));
        let short =
            event("type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=1 a0=1 a1=2");
        let nothing = raudit_sys::FixedHost::new();
        assert_eq!(extract(&short, &Criteria::default(), &nothing).unwrap_err().rc, 12);
    }

    #[test]
    fn hex_keys_split_on_0x01() {
        // -k a, -k b and -k c all select it.
        let s = items(
            "type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 egid=0 ses=1 comm=\"x\" exe=\"/x\" key=6101620163",
        );
        assert_eq!(owned(&s.keys), Some(vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]));
    }
}
