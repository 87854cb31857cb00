//! Single-record events: kernel records (daemon, MAC, anomalies,
//! integrity, ...) and userspace ones (logins, account changes, virt),
//! each told from the record's own fields.

use std::borrow::Cow;

use super::normalizer::{Normalizer, event_kind, record_action, t, what};

impl Normalizer<'_, '_, '_> {
    pub(super) fn simple(&mut self) -> bool {
        let ty = self.au.get_type();
        if ty == t::SYSCALL {
            return self.compound();
        }
        self.d.evkind = Some(event_kind(ty));
        if matches!(
            ty,
            t::CONFIG_CHANGE | t::FEATURE_CHANGE | t::SECCOMP | t::ANOM_ABEND | t::ANOM_PROMISCUOUS
        ) {
            return self.simple_kernel(ty);
        }
        if ty == t::LOGIN {
            if self.secondary_subject("uid", 0) {
                self.au.first_record();
            }
            self.simple_subj_attr();
            if self.prime_subject("old-auid", 0) {
                self.au.first_record();
            }
            if self.prime_object("auid", 0) {
                self.au.first_record();
            }
            self.d.obj_kind = what::USER_SESSION;
            self.session(0);
            self.results(0);
            self.d.action = record_action(ty).map(|a| Cow::Borrowed(a.as_bytes()));
            return true;
        }
        if ty == t::NETFILTER_CFG {
            self.simple_subj_attr();
            self.how_from("comm");
            self.d.action = Some(Cow::Borrowed(&b"loaded-firewall-rule-to"[..]));
            self.first_record_loc("table");
            self.d.subj_kind = Some("system");
            self.d.obj_kind = what::FIREWALL;
            return true;
        }
        if ty == t::AVC {
            if self.found("comm") {
                self.d.how = self.au.interpret_field();
            } else {
                self.au.first_record();
            }
            self.prime_subject("scontext", 0);
            self.d.subj_kind = Some("unknown-acct");
            self.au.first_record();
            if self.all {
                self.prime_object("tcontext", 0);
                self.au.first_record();
            }
            self.d.obj_kind = what::UNKNOWN;
            self.d.action = record_action(ty).map(|a| Cow::Borrowed(a.as_bytes()));
            self.au.first_record();
            if self.found("seresult") {
                self.d.results = self.here(0);
            }
            return true;
        }
        if (t::FIRST_DAEMON..t::LAST_DAEMON).contains(&ty) {
            self.prime_subject("auid", 0);
            if self.secondary_subject("uid", 0) {
                self.au.first_record();
            }
            if self.session(0) {
                self.au.first_record();
            }
            self.simple_subj_attr();
            self.d.subj_kind = Some("auditd");
            self.d.action = record_action(ty).map(|a| Cow::Borrowed(a.as_bytes()));
            self.d.obj_kind = what::SERVICE;
            if ty == t::DAEMON_START {
                self.d.how = Some(b"init".to_vec());
            } else if ty < t::DAEMON_ACCEPT && ty != t::DAEMON_ABORT {
                self.d.how = Some(b"signal".to_vec());
            }
            self.results(0);
            return true;
        }
        if ty == t::BPF {
            self.d.subj_kind = Some("system");
            let act = self.bpf_action();
            self.d.action = Some(Cow::Borrowed(act.as_bytes()));
            self.d.obj_kind = what::PROCESS;
            self.program_obj();
            return true;
        }
        if ty == t::EVENT_LISTENER {
            self.prime_subject("auid", 0);
            self.au.first_record();
            self.secondary_subject("uid", 0);
            self.au.first_record();
            self.session(0);
            self.simple_subj_attr();
            let act = self.listener_action();
            self.d.action = Some(Cow::Borrowed(act.as_bytes()));
            self.program_obj();
            self.d.obj_kind = what::SOCKET;
            self.au.first_record();
            self.how_from("exe");
            self.au.first_record();
            self.results(0);
            return true;
        }
        if (t::MAC_UNLBL_ALLOW..=t::LAST_SELINUX).contains(&ty) {
            self.prime_subject("auid", 0);
            self.subject_what();
            self.session(0);
            self.subj_attr("subj", 0);
            let mut act = None;
            if ty == t::MAC_UNLBL_ALLOW {
                if self.found("unlbl_accept") {
                    act = Some(if self.au.field_int().0 == 1 {
                        "is-allowing-unlabeled-network-traffic"
                    } else {
                        "is-disallowing-unlabeled-network-traffic"
                    });
                } else {
                    self.au.first_record();
                }
            } else {
                act = record_action(ty);
            }
            if let Some(a) = act {
                self.d.action = Some(Cow::Borrowed(a.as_bytes()));
            }
            if (ty == t::MAC_MAP_ADD || ty == t::MAC_MAP_DEL) && self.prime_object("nlbl_domain", 0)
            {
                self.au.first_record();
            }
            self.d.obj_kind = what::MAC_CONFIG;
            self.results(0);
            return true;
        }
        self.simple_user(ty)
    }

    pub(super) fn simple_kernel(&mut self, ty: i32) -> bool {
        self.prime_subject("auid", 0);
        self.session(0);
        self.simple_subj_attr();
        let mut mapped = true;
        if ty == t::CONFIG_CHANGE {
            self.au.first_field();
            if self.found("op") {
                let s = self.au.interpret_field().unwrap_or_default();
                let s = s.strip_prefix(b"\"").unwrap_or(&s);
                if s.starts_with(b"add_rule") {
                    self.d.action = Some(Cow::Borrowed(&b"added-audit-rule"[..]));
                    self.d.obj_primary = self.simple_object(ty);
                    mapped = false;
                } else if s.starts_with(b"remove_rule") {
                    self.d.action = Some(Cow::Borrowed(&b"deleted-audit-rule"[..]));
                    self.d.obj_primary = self.simple_object(ty);
                    mapped = false;
                }
            }
        }
        if mapped {
            if let Some(a) = record_action(ty) {
                self.d.action = Some(Cow::Borrowed(a.as_bytes()));
            }
            if ty == t::CONFIG_CHANGE {
                self.d.obj_primary = self.simple_object(ty);
            }
            self.au.first_record();
        }
        if ty == t::FEATURE_CHANGE {
            self.au.first_field();
            if self.secondary_subject("uid", 0) {
                self.au.first_record();
            }
            self.how_from("exe");
            self.prime_object("feature", 0);
            self.d.obj_kind = what::SYSTEM;
        }
        if ty == t::SECCOMP {
            self.au.first_field();
            if self.secondary_subject("uid", 0) {
                self.au.first_record();
            }
            self.how_from("exe");
            if self.prime_object("syscall", 0) {
                self.au.first_record();
            }
            self.d.obj_kind = what::PROCESS;
            if self.found("code") {
                self.d.results = self.here(0);
            }
            return true;
        }
        if ty == t::ANOM_ABEND {
            self.au.first_field();
            if self.secondary_subject("uid", 0) {
                self.au.first_record();
            }
            if self.prime_object("exe", 0) {
                self.au.first_record();
            }
            self.d.obj_kind = what::PROCESS;
            self.how_from("sig");
        }
        if ty == t::ANOM_PROMISCUOUS {
            self.au.first_field();
            self.prime_object("dev", 0);
            self.secondary_subject("uid", 0);
            self.d.obj_kind = what::SOCKET;
        }
        self.results(0);
        true
    }

    pub(super) fn simple_user(&mut self, ty: i32) -> bool {
        if ty == t::USER_LOGIN {
            if self.prime_subject("id", 0) {
                self.au.first_record();
                if !self.prime_subject("acct", 0) {
                    self.subject_what();
                }
            } else {
                self.subject_what();
            }
            self.au.first_record();
        } else {
            if self.secondary_subject("uid", 0) {
                self.au.first_record();
            }
            self.prime_subject("auid", 0);
        }
        self.session(0);
        self.simple_subj_attr();
        // COMPAT: the reference's ranges leave out the last of each.
        if (t::FIRST_USER_MSG..t::LAST_USER_MSG).contains(&ty)
            || (t::FIRST_USER_MSG2..t::LAST_USER_MSG2).contains(&ty)
        {
            self.userspace_subj_attr(ty);
        }
        if ty != t::USER_AVC {
            self.results(0);
        } else {
            self.au.first_record();
            if self.found("seresult") {
                self.d.results = self.here(0);
            }
            self.au.first_record();
            self.prime_subject("scontext", 0);
            if self.all {
                self.au.first_record();
                self.prime_object("tcontext", 0);
            }
        }
        let mut act: Option<Cow<'static, [u8]>> = None;
        if ty == t::USER_DEVICE {
            self.au.first_record();
            act = self.au.find_field("op").map(|op| Cow::Owned(op.into_owned()));
        }
        if act.is_none() {
            act = record_action(ty).map(|a| Cow::Borrowed(a.as_bytes()));
        }
        if act.is_some() {
            self.d.action = act;
        }
        if ty != t::USER_AVC {
            self.au.first_record();
            self.d.obj_primary = self.simple_object(ty);
            self.d.obj_secondary = self.simple_obj_by(ty, true);
            self.d.obj_two = self.simple_obj_by(ty, false);
            if self.all {
                if ty == t::USER_DEVICE {
                    self.obj_attr("uuid", 0);
                } else if ty == t::SOFTWARE_UPDATE {
                    self.au.first_record();
                    self.obj_attr("key_enforce", 0);
                    self.obj_attr("gpg_res", 0);
                }
            }
        }
        if ty == t::SYSTEM_BOOT || ty == t::SYSTEM_SHUTDOWN {
            self.d.obj_kind = if ty == t::SYSTEM_BOOT { what::SYSTEM } else { what::SERVICE };
            self.how_from("exe");
            return true;
        }
        self.au.first_record();
        if ty == t::ANOM_EXEC {
            self.how_from("terminal");
            return true;
        }
        if ty == t::TTY {
            self.how_from("comm");
            return true;
        }
        self.how_from_exe();
        true
    }

    pub(super) fn how_from(&mut self, name: &str) {
        if self.found(name) {
            self.d.how = self.au.interpret_field();
        }
    }
}
