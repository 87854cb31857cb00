//! Events told by a SYSCALL record (and CONFIG_CHANGE / ANOM_LINK
//! events built around one): the subject and how from the syscall's
//! fields, and the action and object from the syscall's class.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::normalizer::{Normalizer, event_kind, record_action, t, what};
use super::tables::{self, Class};

impl Normalizer<'_, '_, '_> {
    /// Reference returns 1 (failure) as false here.
    pub(super) fn compound(&mut self) -> bool {
        let otype = self.au.get_type();
        let mut ty = otype;
        if ty != t::SYSCALL {
            loop {
                if !self.au.next_record() {
                    // COMPAT: auparse_next_record gives 0, not <0, at
                    // the end: the loop goes on with type 0 and stops.
                }
                ty = self.au.get_type();
                if ty == 0 || ty == t::SYSCALL {
                    break;
                }
            }
        }
        if ty == 0 {
            return false;
        }
        self.d.evkind = Some(event_kind(otype));
        let recno = self.au.record_num();
        let mut syscall = None;
        if self.found("syscall") {
            syscall = self.au.interpret_field();
        }
        if self.au.find_field("success").is_some() {
            self.syscall_success = if self.au.field_str() == Some(b"no") { 0 } else { 1 };
            self.d.results = self.here(recno);
        } else {
            if !self.au.goto_record_num(recno) {
                return false;
            }
            self.au.first_field();
        }
        if self.prime_subject("auid", recno) {
            if !self.au.goto_record_num(recno) {
                return false;
            }
            self.au.first_field();
        }
        if self.secondary_subject("uid", recno) {
            if !self.au.goto_record_num(recno) {
                return false;
            }
            self.au.first_field();
        }
        self.syscall_subj_attr();
        self.au.first_field();
        if !self.how_from_exe() {
            if !self.au.goto_record_num(recno) {
                return false;
            }
            self.au.first_field();
        }
        if self.au.find_field("key").is_some() && self.au.field_str() != Some(b"(null)") {
            self.d.key = self.here(recno);
        }
        if otype == t::ANOM_LINK {
            self.d.action = record_action(otype).map(|a| Cow::Borrowed(a.as_bytes()));
        } else if otype == t::CONFIG_CHANGE {
            self.au.first_record();
            if self.found("op") {
                self.d.action = self.au.interpret_field().map(Cow::Owned);
                self.d.obj_primary = self.simple_object(t::CONFIG_CHANGE);
            }
        } else {
            self.syscall_event(syscall.as_deref());
        }
        true
    }

    pub(super) fn syscall_event(&mut self, syscall: Option<&[u8]>) {
        let mut objtype = Class::Unknown;
        let mut tmp_objkind = Class::Unknown;
        let mut ttype = 0;
        let mut more = self.au.first_record();
        while more {
            ttype = self.au.get_type();
            let class = match ttype {
                t::AVC => {
                    tmp_objkind = Class::Mac;
                    break;
                }
                t::FANOTIFY => {
                    tmp_objkind = Class::Av;
                    break;
                }
                t::SELINUX_ERR => Some(Class::MacErr),
                t::NETFILTER_CFG => Some(Class::Iptables),
                t::ANOM_PROMISCUOUS => Some(Class::Promiscuous),
                t::KERN_MODULE => Some(Class::FileLdmod),
                t::MAC_POLICY_LOAD => Some(Class::MacLoad),
                t::MAC_STATUS => Some(Class::MacEnforce),
                t::MAC_CONFIG_CHANGE => Some(Class::MacConfig),
                t::TIME_INJOFFSET | t::TIME_ADJNTPVAL => Some(Class::SystemTime),
                t::BPF => Some(Class::Bpf),
                t::EVENT_LISTENER => Some(Class::EvListen),
                _ => None,
            };
            if let Some(c) = class {
                objtype = c;
                break;
            }
            more = self.au.next_record();
        }
        let sc: &[u8] = syscall.unwrap_or(b"");
        if objtype == Class::Unknown
            && let Some(name) = syscall
            && let Some(c) = syscall_class(name)
        {
            objtype = c;
        }
        let mut act: Option<&'static str> = None;
        match objtype {
            Class::File => {
                act = Some("opened-file");
                self.file_object(0);
                self.d.obj_kind = what::FILE;
                self.simple_file_attr();
            }
            Class::FileChattr => {
                act = Some("changed-file-attributes-of");
                self.d.obj_kind = what::FILE;
                self.file_object(if sc == b"fsetxattr" { -1 } else { 0 });
                self.simple_file_attr();
            }
            Class::FileChperm => {
                act = Some("changed-file-permissions-of");
                self.d.obj_kind = what::FILE;
                let offset = if sc == b"fchmod" { -1 } else { 0 };
                self.perm_obj2(sc);
                self.file_object(offset);
                self.simple_file_attr();
            }
            Class::FileChown => {
                act = Some("changed-file-ownership-of");
                self.d.obj_kind = what::FILE;
                let offset = if sc == b"fchown" { -1 } else { 0 };
                self.own_obj2(sc);
                self.file_object(offset);
                self.simple_file_attr();
            }
            Class::FileLdmod => {
                act = Some("loaded-kernel-module");
                self.d.obj_kind = what::FILE;
                self.au.goto_record_num(1);
                self.prime_object("name", 1);
            }
            Class::FileUnldmod => {
                act = Some("unloaded-kernel-module");
                self.d.obj_kind = what::FILE;
            }
            Class::FileDir => {
                act = Some("created-directory");
                self.d.obj_kind = what::FILE;
                self.file_object(1);
                self.simple_file_attr();
            }
            Class::FileMount => {
                act = Some("mounted");
                self.d.obj_kind = what::FILESYSTEM;
                if self.syscall_success == 1 {
                    self.prime_object2("name", 0);
                }
                self.file_object(self.syscall_success);
                self.path_attrs();
            }
            Class::FileRename => {
                act = Some("renamed");
                self.d.obj_kind = what::FILE;
                self.prime_object2("name", 4);
                self.file_object(2);
                self.simple_file_attr();
            }
            Class::FileStat => {
                act = Some("checked-metadata-of");
                self.d.obj_kind = what::FILE;
                self.file_object(0);
                self.simple_file_attr();
            }
            Class::FileSysStat => {
                act = Some("checked-filesystem-metadata-of");
                self.d.obj_kind = what::FILESYSTEM;
                self.file_object(0);
                self.simple_file_attr();
            }
            Class::FileLnk => {
                act = Some("symlinked");
                self.d.obj_kind = what::FILE;
                self.prime_object2("name", 0);
                self.file_object(2);
                self.simple_file_attr();
            }
            Class::FileUmnt => {
                act = Some("unmounted");
                self.d.obj_kind = what::FILESYSTEM;
                self.file_object(0);
                self.simple_file_attr();
            }
            Class::FileDel => {
                act = Some("deleted");
                self.d.obj_kind = what::FILE;
                self.file_object(0);
                self.simple_file_attr();
            }
            Class::FileTime => {
                act = Some("changed-timestamp-of");
                self.d.obj_kind = what::FILE;
                self.file_object(0);
                self.simple_file_attr();
            }
            Class::Exec => {
                act = Some("executed");
                self.d.obj_kind = what::FILE;
                self.file_object(1);
                self.simple_file_attr();
            }
            Class::SocketAccept
            | Class::SocketBind
            | Class::SocketConn
            | Class::SocketRecv
            | Class::SocketSend => {
                act = Some(match objtype {
                    Class::SocketAccept => "accepted-connection-from",
                    Class::SocketBind => "bound-socket",
                    Class::SocketConn => "connected-to",
                    Class::SocketRecv => "received-from",
                    _ => "sent-to",
                });
                self.d.obj_kind = what::SOCKET;
                self.socket_object();
            }
            Class::Pid => {
                act = Some(if self.au.num_records() > 2 {
                    "killed-list-of-pids"
                } else {
                    "killed-pid"
                });
                self.au.goto_record_num(1);
                self.au.first_field();
                if self.found("saddr") {
                    let r = self.au.record_num();
                    self.d.obj_primary = self.here(r);
                }
                self.d.obj_kind = what::PROCESS;
            }
            Class::MacLoad => {
                act = record_action(ttype);
                self.d.obj_kind = what::MAC_CONFIG;
            }
            Class::MacConfig | Class::MacEnforce => {
                act = record_action(ttype);
                let name = if objtype == Class::MacConfig { "bool" } else { "enforcing" };
                if self.found(name) {
                    let r = self.au.record_num();
                    self.d.obj_primary = self.here(r);
                }
                self.d.obj_kind = what::MAC_CONFIG;
            }
            Class::MacErr => {
                act = Some("caused-mac-policy-error");
                self.d.obj_kind = what::SYSTEM;
            }
            Class::Iptables => {
                act = Some("loaded-firewall-rule-to");
                self.first_record_loc("table");
                self.d.obj_kind = what::FIREWALL;
            }
            Class::Promiscuous => {
                self.first_record_loc("dev");
                if self.found("prom") {
                    act = Some(if self.au.field_int().0 == 0 {
                        "left-promiscuous-mode-on-device"
                    } else {
                        "entered-promiscuous-mode-on-device"
                    });
                }
                self.d.obj_kind = what::SOCKET;
            }
            Class::Uid | Class::Gid => {
                act = Some("changed-identity-of");
                self.d.obj_kind = what::PROCESS;
                self.program_obj();
                if self.d.how.is_some() {
                    self.d.how = Some(sc.to_vec());
                }
                self.id_obj2(sc);
            }
            Class::SystemTime => {
                act = Some("changed-system-time");
                self.d.obj_kind = what::SYSTEM;
            }
            Class::MakeDev => {
                self.file_object(0);
                self.simple_file_attr();
                act = Some(match self.d.obj_kind {
                    what::CHAR_DEV => "made-character-device",
                    what::BLOCK_DEV => "made-block-device",
                    _ => "make-device",
                });
            }
            Class::SystemName => {
                act = Some("changed-system-name");
                self.d.obj_kind = what::SYSTEM;
            }
            Class::SystemMemory => {
                act = Some("allocated-memory");
                if self.syscall_success == 1 {
                    act = Some("allocated-memory-in");
                    self.first_record_loc("comm");
                }
                self.d.obj_kind = what::MEMORY;
            }
            Class::Scheduler => {
                act = Some("adjusted-scheduling-policy-of");
                self.d.obj_kind = what::PROCESS;
                self.program_obj();
                if self.d.how.is_some() {
                    self.d.how = Some(sc.to_vec());
                }
            }
            Class::Bpf => {
                act = Some(self.bpf_action());
                self.d.obj_kind = what::PROCESS;
                self.program_obj();
            }
            Class::EvListen => {
                act = Some(self.listener_action());
                self.d.obj_kind = what::SOCKET;
                self.program_obj();
            }
            _ => {
                self.au.first_record();
                let k = self.au.find_field("key");
                if k.as_ref().is_some_and(|k| **k != b"(null)"[..]) {
                    act = Some("triggered-audit-rule");
                    let r = self.au.record_num();
                    self.d.obj_primary = self.here(r);
                } else {
                    act = Some("triggered-unknown-audit-rule");
                }
                self.d.obj_kind = what::AUDIT_RULE;
            }
        }
        if tmp_objkind == Class::Mac {
            act = Some("accessed-mac-policy-controlled-object");
        } else if tmp_objkind == Class::Av {
            act = Some("accessed-policy-controlled-file");
        }
        if let Some(a) = act {
            self.d.action = Some(Cow::Borrowed(a.as_bytes()));
        }
    }

    pub(super) fn bpf_action(&mut self) -> &'static str {
        self.au.first_record();
        if self.au.find_field("op").is_some() {
            if self.au.field_str() == Some(b"LOAD") {
                "loaded-bpf-program"
            } else {
                "unloaded-bpf-program"
            }
        } else {
            "bpf-program"
        }
    }

    pub(super) fn listener_action(&mut self) -> &'static str {
        self.au.first_record();
        if self.au.find_field("op").is_some() {
            if self.au.field_str() == Some(b"connect") {
                "connected-to"
            } else {
                "disconnected-from"
            }
        } else {
            "connected"
        }
    }
}

/// The class of syscall `name` in [`tables::SYSCALL_CLASS`] (its first
/// entry), from a map made once: every syscall event asks, and a scan of
/// the table's ninety names cost a tenth of a csv row.
fn syscall_class(name: &[u8]) -> Option<Class> {
    static BY_NAME: OnceLock<HashMap<&'static [u8], Class>> = OnceLock::new();
    let map = BY_NAME.get_or_init(|| {
        let mut map = HashMap::new();
        for &(s, class) in tables::SYSCALL_CLASS {
            map.entry(s.as_bytes()).or_insert(class);
        }
        map
    });
    map.get(name).copied()
}
