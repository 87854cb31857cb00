//! To what: the normaliser's object (the file, socket, program or
//! setting acted on), its second object, attributes and kind.

use std::borrow::Cow;

use super::normalizer::{Loc, Normalizer, starts_with_script, t, what};

impl Normalizer<'_, '_, '_> {
    pub(super) fn prime_object(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            self.d.obj_primary = self.here(rnum);
            return false;
        }
        true
    }

    pub(super) fn prime_object2(&mut self, name: &str, adjust: usize) -> bool {
        let rnum = 2 + adjust;
        self.au.goto_record_num(rnum);
        self.au.first_field();
        if self.found(name) {
            self.d.obj_two = self.here(rnum);
            return false;
        }
        true
    }

    pub(super) fn obj_attr(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            let l = (rnum, self.au.field_num());
            self.d.obj_attrs.push(l);
            return false;
        }
        self.au.goto_record_num(rnum);
        true
    }

    pub(super) fn perm_obj2(&mut self, syscall: &[u8]) {
        let name = if syscall == b"fchmodat" { "a2" } else { "a1" };
        self.au.first_record();
        if self.found(name) {
            self.d.obj_two = self.here(0);
        }
    }

    pub(super) fn own_obj2(&mut self, syscall: &[u8]) {
        let name = if syscall == b"fchownat" { "a2" } else { "a1" };
        self.au.first_record();
        if self.found(name) {
            // An id of -1 is not changed: the group is what changes.
            if self.au.field_int() == (-1, true) {
                self.au.next_field();
            }
            self.d.obj_two = self.here(0);
        }
    }

    pub(super) fn id_obj2(&mut self, syscall: &[u8]) {
        let limit = match syscall {
            b"setuid" | b"setgid" => 1,
            b"setreuid" | b"setregid" => 2,
            b"setresuid" | b"setresgid" => 3,
            _ => return,
        };
        self.au.first_record();
        if self.found("a0") {
            let mut cnt = 1;
            while cnt <= limit {
                let s = self.au.interpret_field().unwrap_or_default();
                if s == b"unset" {
                    if cnt < limit {
                        if !self.au.next_field() {
                            return;
                        }
                        cnt += 1;
                    } else {
                        return;
                    }
                } else {
                    break;
                }
            }
            self.d.obj_two = self.here(0);
        }
    }

    pub(super) fn path_attrs(&mut self) {
        let rnum = self.au.record_num();
        self.au.first_field();
        if self.obj_attr("mode", rnum) {
            return;
        }
        while self.au.next_field() {
            let l = (rnum, self.au.field_num());
            self.d.obj_attrs.push(l);
        }
    }

    pub(super) fn simple_file_attr(&mut self) {
        if !self.all {
            return;
        }
        let mut parent = 0;
        self.au.first_record();
        loop {
            match self.au.get_type() {
                t::PATH => {
                    let f = self.au.find_field("nametype");
                    if f.as_deref() == Some(b"PARENT") {
                        if parent == 0 {
                            parent = self.au.record_num();
                        }
                    } else {
                        self.path_attrs();
                        return;
                    }
                }
                t::CWD => {
                    let rnum = self.au.record_num();
                    self.obj_attr("cwd", rnum);
                }
                t::SOCKADDR => {
                    let rnum = self.au.record_num();
                    self.obj_attr("saddr", rnum);
                }
                _ => {}
            }
            if !self.au.next_record() {
                break;
            }
        }
        if parent != 0 {
            self.au.goto_record_num(parent);
            self.path_attrs();
        }
    }

    pub(super) fn file_object(&mut self, adjust: i32) {
        let mut parent = 0;
        // COMPAT: a negative record number wraps to a huge one, which
        // leaves the cursor where it was.
        let target = 2 + adjust;
        if target >= 0 {
            self.au.goto_record_num(target as usize);
        }
        self.au.first_field();
        let mut f;
        loop {
            f = self.au.find_field("nametype");
            if let Some(v) = &f {
                if v.as_ref() != b"PARENT" {
                    break;
                }
                if parent == 0 {
                    parent = self.au.record_num();
                }
            }
            if f.is_none() || !self.au.next_record() {
                break;
            }
        }
        let rnum = if f.is_none() {
            if parent == 0 {
                return;
            }
            self.au.goto_record_num(parent);
            self.au.first_field();
            parent
        } else {
            self.au.record_num()
        };
        if self.au.get_type() == t::PATH {
            self.au.first_field();
            self.prime_object("name", rnum);
            if self.found("inode") {
                self.d.obj_secondary = self.here(rnum);
            }
            if let Some(mode) = self.au.find_field("mode")
                && let Ok(mode) = raudit_interpret::cnum::strtoul(&mode, 8)
            {
                let kind = match (mode as u32) & 0o170000 {
                    0o100000 => Some(what::FILE),
                    0o040000 => Some(what::DIRECTORY),
                    0o020000 => Some(what::CHAR_DEV),
                    0o060000 => Some(what::BLOCK_DEV),
                    0o010000 => Some(what::FIFO),
                    0o120000 => Some(what::LINK),
                    0o140000 => Some(what::SOCKET),
                    _ => None,
                };
                if let Some(k) = kind {
                    self.d.obj_kind = k;
                }
            }
        }
    }

    pub(super) fn socket_object(&mut self) {
        self.au.goto_record_num(1);
        self.au.first_field();
        self.prime_object("saddr", 1);
    }

    pub(super) fn program_obj(&mut self) -> bool {
        self.au.first_record();
        let ty = self.au.get_type();
        if ty == t::BPF {
            if self.found("prog-id") {
                let r = self.au.record_num();
                self.d.obj_primary = self.here(r);
            }
        } else if ty == t::EVENT_LISTENER {
            if self.found("nl-mcgrp") {
                let r = self.au.record_num();
                self.d.obj_primary = self.here(r);
            }
        } else if self.found("exe") {
            let exe = self.au.interpret_field().unwrap_or_default();
            if starts_with_script(&exe) {
                let fnum = self.au.field_num();
                if fnum > 0 {
                    self.au.goto_field_num(fnum - 1);
                } else {
                    self.au.first_record();
                }
                self.au.find_field("comm");
            }
            let r = self.au.record_num();
            self.d.obj_primary = self.here(r);
            return false;
        }
        true
    }

    pub(super) fn first_record_loc(&mut self, name: &str) {
        self.au.first_record();
        if self.found(name) {
            let r = self.au.record_num();
            self.d.obj_primary = self.here(r);
        }
    }

    pub(super) fn config_change_object(&mut self) -> bool {
        self.au.first_record();
        if self.au.find_field("key").is_some()
            && self.au.field_str().is_some_and(|s| s != b"(null)")
        {
            return true;
        }
        for name in
            ["audit_enabled", "audit_pid", "audit_backlog_limit", "audit_failure", "actions"]
        {
            self.au.first_record();
            if self.found(name) {
                return true;
            }
        }
        false
    }

    pub(super) fn simple_object(&mut self, ty: i32) -> Loc {
        self.au.first_field();
        let f = match ty {
            t::SERVICE_START | t::SERVICE_STOP => {
                self.d.obj_kind = what::SERVICE;
                self.found("unit")
            }
            t::SYSTEM_RUNLEVEL => {
                self.d.obj_kind = what::SYSTEM;
                self.found("new-level")
            }
            t::USER_ROLE_CHANGE => {
                self.d.obj_kind = what::USER_SESSION;
                self.found("selected-context")
            }
            t::ROLE_ASSIGN
            | t::ROLE_REMOVE
            | t::USER_MGMT
            | t::ACCT_LOCK
            | t::ACCT_UNLOCK
            | t::ADD_USER
            | t::DEL_USER
            | t::ADD_GROUP
            | t::DEL_GROUP
            | t::GRP_MGMT => {
                let mut f = self.found("id");
                if !f {
                    self.au.first_record();
                    f = self.found("acct");
                }
                self.d.obj_kind = what::ACCT;
                f
            }
            t::USER_START | t::USER_END | t::USER_ERR | t::USER_LOGIN | t::USER_LOGOUT => {
                self.d.obj_kind = what::USER_SESSION;
                self.found("terminal")
            }
            t::USER_AUTH
            | t::USER_ACCT
            | t::CRED_ACQ
            | t::CRED_REFR
            | t::CRED_DISP
            | t::USER_CHAUTHTOK
            | t::GRP_CHAUTHTOK
            | t::ANOM_LOGIN_FAILURES
            | t::ANOM_LOGIN_TIME
            | t::ANOM_LOGIN_SESSIONS
            | t::ANOM_LOGIN_LOCATION => {
                self.d.obj_kind = what::USER_SESSION;
                self.found("acct")
            }
            t::ANOM_EXEC | t::USER_CMD => {
                self.d.obj_kind = what::PROCESS;
                self.found("cmd")
            }
            t::USER_TTY | t::TTY => {
                self.au.first_record();
                self.d.obj_kind = what::KEYSTROKES;
                self.found("data")
            }
            t::USER_DEVICE => {
                self.au.first_record();
                self.d.obj_kind = what::KEYSTROKES;
                self.found("device")
            }
            t::SOFTWARE_UPDATE => {
                self.au.first_record();
                self.d.obj_kind = what::SOFTWARE;
                self.found("sw")
            }
            t::VIRT_MACHINE_ID => {
                self.d.obj_kind = what::VM;
                self.found("vm")
            }
            t::VIRT_RESOURCE => {
                self.d.obj_kind = what::VM;
                self.found("resrc")
            }
            t::VIRT_CONTROL => {
                self.d.obj_kind = what::VM;
                self.found("op")
            }
            t::LABEL_LEVEL_CHANGE => {
                self.d.obj_kind = what::PRINTER;
                self.found("printer")
            }
            t::CONFIG_CHANGE => {
                let f = self.config_change_object();
                self.d.obj_kind = what::AUDIT_CONFIG;
                f
            }
            t::MAC_CONFIG_CHANGE => {
                self.d.obj_kind = what::MAC_CONFIG;
                self.found("bool")
            }
            t::MAC_STATUS => {
                self.d.obj_kind = what::MAC_CONFIG;
                self.found("enforcing")
            }
            t::MAC_POLICY_LOAD | t::LABEL_OVERRIDE | t::DEV_ALLOC..=t::USER_MAC_CONFIG_CHANGE => {
                self.d.obj_kind = what::MAC_CONFIG;
                false
            }
            t::USER => self.found("addr"),
            t::USYS_CONFIG => {
                if self.found("op") {
                    self.d.action = self.au.interpret_field().map(Cow::Owned);
                }
                self.d.obj_kind = what::SYSTEM;
                false
            }
            t::CRYPTO_KEY_USER => {
                self.d.obj_kind = what::USER_SESSION;
                self.found("fp")
            }
            t::CRYPTO_SESSION => {
                self.d.obj_kind = what::USER_SESSION;
                self.found("addr")
            }
            t::ANOM_RBAC_INTEGRITY_FAIL => {
                self.d.obj_kind = what::FILESYSTEM;
                self.found("hostname")
            }
            _ => false,
        };
        if f { Some((0, self.au.field_num())) } else { None }
    }

    pub(super) fn simple_obj_by(&mut self, ty: i32, secondary: bool) -> Loc {
        self.au.first_field();
        let name = match (ty, secondary) {
            (t::CRYPTO_SESSION, true) => "rport",
            (t::SOFTWARE_UPDATE, true) => "sw_type",
            (t::VIRT_CONTROL | t::VIRT_RESOURCE, false) => "vm",
            (t::SOFTWARE_UPDATE, false) => "root_dir",
            _ => return None,
        };
        if self.found(name) { Some((0, self.au.field_num())) } else { None }
    }
}
