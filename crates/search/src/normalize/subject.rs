//! Who: the normaliser's subject (primary `auid`, secondary `uid` and
//! its kind of account), the session, the result and the subject's
//! attributes.

use raudit_interpret::Kind;

use super::normalizer::{Normalizer, t};

impl Normalizer<'_, '_, '_> {
    pub(super) fn subject_what(&mut self) -> bool {
        let mut uid: i32 = -2;
        if self.au.field_kind() == Kind::Uid {
            uid = self.au.field_int().0;
        } else {
            let mut known = false;
            if self.au.field_name() == Some(b"acct")
                && let Some(acct) = self.au.interpret_field()
                && let Some(id) = self.au.user_id(&acct)
            {
                uid = id as i32;
                known = true;
            }
            if !known {
                self.d.subj_kind = Some("unknown-acct");
                return true;
            }
        }
        self.d.subj_kind = Some(if uid == 0 {
            "privileged-acct"
        } else if uid == -1 {
            "unset-acct"
        } else if uid < 1000 {
            "service-acct"
        } else if uid < 60000 {
            "user-acct"
        } else {
            "unknown-acct"
        });
        false
    }

    /// Returns true when not found (the reference's 1).
    pub(super) fn prime_subject(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            self.d.subj_primary = self.here(rnum);
            return false;
        }
        true
    }

    pub(super) fn secondary_subject(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            self.d.subj_secondary = self.here(rnum);
            return self.subject_what();
        }
        true
    }

    pub(super) fn subj_attr(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            let l = (rnum, self.au.field_num());
            self.d.subj_attrs.push(l);
            return false;
        }
        self.au.goto_record_num(rnum);
        true
    }

    pub(super) fn session(&mut self, rnum: usize) -> bool {
        if self.found("ses") {
            self.d.session = self.here(rnum);
            return false;
        }
        self.au.first_record();
        true
    }

    pub(super) fn results(&mut self, rnum: usize) -> bool {
        if self.found("res") {
            self.d.results = self.here(rnum);
            return false;
        }
        true
    }

    pub(super) fn syscall_subj_attr(&mut self) {
        self.au.first_record();
        loop {
            let rnum = self.au.record_num();
            if self.au.get_type() == t::SYSCALL {
                if !self.all {
                    self.session(rnum);
                    return;
                }
                for name in
                    ["ppid", "pid", "gid", "euid", "suid", "fsuid", "egid", "sgid", "fsgid", "tty"]
                {
                    self.subj_attr(name, rnum);
                }
                self.session(rnum);
                self.subj_attr("subj", rnum);
                return;
            }
            if !self.au.next_record() {
                return;
            }
        }
    }

    pub(super) fn simple_subj_attr(&mut self) {
        if !self.all {
            return;
        }
        self.au.first_record();
        self.subj_attr("pid", 0);
        self.subj_attr("subj", 0);
    }

    pub(super) fn userspace_subj_attr(&mut self, ty: i32) {
        if !self.all {
            return;
        }
        self.subj_attr("hostname", 0);
        self.subj_attr("addr", 0);
        if ty != t::USER_START && ty != t::USER_END && ty != t::USER_ERR {
            self.subj_attr("terminal", 0);
        }
    }
}
