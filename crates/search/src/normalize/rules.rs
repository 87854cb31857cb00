//! Who did what to what: the reference's normaliser (libauparse's
//! `auparse_normalize`). It walks an event with the auparse cursor and
//! remembers where each piece is (a record and a field number), or sets
//! words (action, how, kinds) directly. Where it looks, and in which
//! record a found field is said to be, follow the reference, including
//! its slips (marked COMPAT).

use super::au::Au;
use super::tables::{self, Class};
use raudit_interpret::Kind;

/// A field: record number and field number.
pub type Loc = Option<(usize, usize)>;

pub mod t {
    pub const USER: i32 = 1005;
    pub const LOGIN: i32 = 1006;
    pub const USER_AUTH: i32 = 1100;
    pub const USER_ACCT: i32 = 1101;
    pub const USER_MGMT: i32 = 1102;
    pub const CRED_ACQ: i32 = 1103;
    pub const CRED_DISP: i32 = 1104;
    pub const USER_START: i32 = 1105;
    pub const USER_END: i32 = 1106;
    pub const USER_AVC: i32 = 1107;
    pub const USER_CHAUTHTOK: i32 = 1108;
    pub const USER_ERR: i32 = 1109;
    pub const CRED_REFR: i32 = 1110;
    pub const USYS_CONFIG: i32 = 1111;
    pub const USER_LOGIN: i32 = 1112;
    pub const USER_LOGOUT: i32 = 1113;
    pub const ADD_USER: i32 = 1114;
    pub const DEL_USER: i32 = 1115;
    pub const ADD_GROUP: i32 = 1116;
    pub const DEL_GROUP: i32 = 1117;
    pub const USER_CMD: i32 = 1123;
    pub const USER_TTY: i32 = 1124;
    pub const SYSTEM_BOOT: i32 = 1127;
    pub const SYSTEM_SHUTDOWN: i32 = 1128;
    pub const SYSTEM_RUNLEVEL: i32 = 1129;
    pub const SERVICE_START: i32 = 1130;
    pub const SERVICE_STOP: i32 = 1131;
    pub const GRP_MGMT: i32 = 1132;
    pub const GRP_CHAUTHTOK: i32 = 1133;
    pub const ACCT_LOCK: i32 = 1135;
    pub const ACCT_UNLOCK: i32 = 1136;
    pub const USER_DEVICE: i32 = 1137;
    pub const SOFTWARE_UPDATE: i32 = 1138;
    pub const FIRST_DAEMON: i32 = 1200;
    pub const LAST_DAEMON: i32 = 1299;
    pub const DAEMON_START: i32 = 1200;
    pub const DAEMON_ABORT: i32 = 1202;
    pub const DAEMON_ACCEPT: i32 = 1207;
    pub const SYSCALL: i32 = 1300;
    pub const PATH: i32 = 1302;
    pub const CONFIG_CHANGE: i32 = 1305;
    pub const SOCKADDR: i32 = 1306;
    pub const CWD: i32 = 1307;
    pub const TTY: i32 = 1319;
    pub const NETFILTER_CFG: i32 = 1325;
    pub const SECCOMP: i32 = 1326;
    pub const FEATURE_CHANGE: i32 = 1328;
    pub const KERN_MODULE: i32 = 1330;
    pub const FANOTIFY: i32 = 1331;
    pub const TIME_INJOFFSET: i32 = 1332;
    pub const TIME_ADJNTPVAL: i32 = 1333;
    pub const BPF: i32 = 1334;
    pub const EVENT_LISTENER: i32 = 1335;
    pub const AVC: i32 = 1400;
    pub const SELINUX_ERR: i32 = 1401;
    pub const MAC_POLICY_LOAD: i32 = 1403;
    pub const MAC_STATUS: i32 = 1404;
    pub const MAC_CONFIG_CHANGE: i32 = 1405;
    pub const MAC_UNLBL_ALLOW: i32 = 1406;
    pub const MAC_MAP_ADD: i32 = 1409;
    pub const MAC_MAP_DEL: i32 = 1410;
    pub const LAST_SELINUX: i32 = 1499;
    pub const ANOM_PROMISCUOUS: i32 = 1700;
    pub const ANOM_ABEND: i32 = 1701;
    pub const ANOM_LINK: i32 = 1702;
    pub const ANOM_LOGIN_FAILURES: i32 = 2100;
    pub const ANOM_LOGIN_TIME: i32 = 2101;
    pub const ANOM_LOGIN_SESSIONS: i32 = 2102;
    pub const ANOM_LOGIN_LOCATION: i32 = 2104;
    pub const ANOM_RBAC_INTEGRITY_FAIL: i32 = 2109;
    pub const ANOM_EXEC: i32 = 2112;
    pub const USER_ROLE_CHANGE: i32 = 2300;
    pub const ROLE_ASSIGN: i32 = 2301;
    pub const ROLE_REMOVE: i32 = 2302;
    pub const LABEL_OVERRIDE: i32 = 2303;
    pub const LABEL_LEVEL_CHANGE: i32 = 2304;
    pub const DEV_ALLOC: i32 = 2307;
    pub const USER_MAC_CONFIG_CHANGE: i32 = 2312;
    pub const CRYPTO_KEY_USER: i32 = 2404;
    pub const CRYPTO_SESSION: i32 = 2407;
    pub const VIRT_CONTROL: i32 = 2500;
    pub const VIRT_RESOURCE: i32 = 2501;
    pub const VIRT_MACHINE_ID: i32 = 2502;
}

/// Object kinds (index into [`tables::OBJ_KIND`]).
mod what {
    pub const UNKNOWN: usize = 0;
    pub const FIFO: usize = 1;
    pub const CHAR_DEV: usize = 2;
    pub const DIRECTORY: usize = 3;
    pub const BLOCK_DEV: usize = 4;
    pub const FILE: usize = 5;
    pub const LINK: usize = 6;
    pub const SOCKET: usize = 7;
    pub const PROCESS: usize = 8;
    pub const FIREWALL: usize = 9;
    pub const SERVICE: usize = 10;
    pub const ACCT: usize = 11;
    pub const USER_SESSION: usize = 12;
    pub const VM: usize = 13;
    pub const PRINTER: usize = 14;
    pub const SYSTEM: usize = 15;
    pub const AUDIT_RULE: usize = 16;
    pub const AUDIT_CONFIG: usize = 17;
    pub const MAC_CONFIG: usize = 18;
    pub const FILESYSTEM: usize = 19;
    pub const MEMORY: usize = 20;
    pub const KEYSTROKES: usize = 21;
    pub const SOFTWARE: usize = 23;
}

/// What the normaliser found.
#[derive(Default)]
pub struct Norm {
    pub evkind: Option<&'static str>,
    pub session: Loc,
    pub subj_primary: Loc,
    pub subj_secondary: Loc,
    pub subj_kind: Option<&'static str>,
    pub subj_attrs: Vec<(usize, usize)>,
    pub action: Option<Vec<u8>>,
    pub obj_primary: Loc,
    pub obj_secondary: Loc,
    pub obj_two: Loc,
    pub obj_attrs: Vec<(usize, usize)>,
    pub obj_kind: usize,
    pub results: Loc,
    pub how: Option<Vec<u8>>,
    pub key: Loc,
}

impl Norm {
    pub fn obj_kind_name(&self) -> &'static str {
        tables::OBJ_KIND.get(self.obj_kind).copied().unwrap_or("")
    }
}

pub struct Normalizer<'x, 'a, 'r> {
    pub au: &'x mut Au<'a, 'r>,
    pub d: Norm,
    all: bool,
    syscall_success: i32,
    user_id: &'x dyn Fn(&[u8]) -> Option<u32>,
}

fn starts_with_script(how: &[u8]) -> bool {
    [&b"/usr/bin/python"[..], b"/usr/bin/sh", b"/usr/bin/bash", b"/usr/bin/perl"]
        .iter()
        .any(|p| how.starts_with(p))
}

fn record_action(rtype: i32) -> Option<&'static str> {
    tables::RECORD_ACTION.iter().find(|(n, _)| *n == rtype).map(|(_, a)| *a)
}

/// Runs the normaliser on `au`: what it found, and false when the
/// reference gives up on the event.
pub fn normalize<'x, 'a, 'r>(
    au: &'x mut Au<'a, 'r>,
    all: bool,
    user_id: &'x dyn Fn(&[u8]) -> Option<u32>,
) -> (Norm, bool) {
    let mut n = Normalizer { au, d: Norm::default(), all, syscall_success: -1, user_id };
    n.au.first_record();
    let ok = if n.au.num_records() > 1 { n.compound() } else { n.simple() };
    n.au.first_record();
    (n.d, ok)
}

impl Normalizer<'_, '_, '_> {
    fn here(&self, rnum: usize) -> Loc {
        Some((rnum, self.au.field_num()))
    }

    fn found(&mut self, name: &str) -> bool {
        self.au.find_field(name).is_some()
    }

    fn subject_what(&mut self) -> bool {
        let mut uid: i32 = -2;
        if self.au.field_kind() == Kind::Uid {
            uid = self.au.field_int().0;
        } else {
            let mut known = false;
            if self.au.field_name() == Some(b"acct")
                && let Some(acct) = self.au.interpret_field()
                && let Some(id) = (self.user_id)(&acct)
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
    fn prime_subject(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            self.d.subj_primary = self.here(rnum);
            return false;
        }
        true
    }

    fn secondary_subject(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            self.d.subj_secondary = self.here(rnum);
            return self.subject_what();
        }
        true
    }

    fn subj_attr(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            let l = (rnum, self.au.field_num());
            self.d.subj_attrs.push(l);
            return false;
        }
        self.au.goto_record_num(rnum);
        true
    }

    fn prime_object(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            self.d.obj_primary = self.here(rnum);
            return false;
        }
        true
    }

    fn prime_object2(&mut self, name: &str, adjust: usize) -> bool {
        let rnum = 2 + adjust;
        self.au.goto_record_num(rnum);
        self.au.first_field();
        if self.found(name) {
            self.d.obj_two = self.here(rnum);
            return false;
        }
        true
    }

    fn obj_attr(&mut self, name: &str, rnum: usize) -> bool {
        if self.found(name) {
            let l = (rnum, self.au.field_num());
            self.d.obj_attrs.push(l);
            return false;
        }
        self.au.goto_record_num(rnum);
        true
    }

    fn session(&mut self, rnum: usize) -> bool {
        if self.found("ses") {
            self.d.session = self.here(rnum);
            return false;
        }
        self.au.first_record();
        true
    }

    fn results(&mut self, rnum: usize) -> bool {
        if self.found("res") {
            self.d.results = self.here(rnum);
            return false;
        }
        true
    }

    fn syscall_subj_attr(&mut self) {
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

    fn perm_obj2(&mut self, syscall: &[u8]) {
        let name = if syscall == b"fchmodat" { "a2" } else { "a1" };
        self.au.first_record();
        if self.found(name) {
            self.d.obj_two = self.here(0);
        }
    }

    fn own_obj2(&mut self, syscall: &[u8]) {
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

    fn id_obj2(&mut self, syscall: &[u8]) {
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

    fn path_attrs(&mut self) {
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

    fn simple_file_attr(&mut self) {
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

    fn file_object(&mut self, adjust: i32) {
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
                if v.as_slice() != b"PARENT" {
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

    fn socket_object(&mut self) {
        self.au.goto_record_num(1);
        self.au.first_field();
        self.prime_object("saddr", 1);
    }

    fn program_obj(&mut self) -> bool {
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

    fn first_record_loc(&mut self, name: &str) {
        self.au.first_record();
        if self.found(name) {
            let r = self.au.record_num();
            self.d.obj_primary = self.here(r);
        }
    }

    fn bpf_action(&mut self) -> &'static str {
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

    fn listener_action(&mut self) -> &'static str {
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

    fn syscall_event(&mut self, syscall: Option<&[u8]>) {
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
            && let Some((_, c)) = tables::SYSCALL_CLASS.iter().find(|(s, _)| s.as_bytes() == name)
        {
            objtype = *c;
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
                if k.as_ref().is_some_and(|k| k.as_slice() != b"(null)") {
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
            self.d.action = Some(a.as_bytes().to_vec());
        }
    }

    /// Reference returns 1 (failure) as false here.
    fn compound(&mut self) -> bool {
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
        if self.found("exe") {
            let exe = self.au.interpret_field().unwrap_or_default();
            let script = starts_with_script(&exe);
            self.d.how = Some(exe);
            if script {
                let fnum = self.au.field_num();
                let moved = fnum > 0 && self.au.goto_field_num(fnum - 1);
                if !moved {
                    self.au.first_record();
                }
                if self.found("comm") {
                    self.d.how = self.au.interpret_field();
                }
            }
        } else {
            if !self.au.goto_record_num(recno) {
                return false;
            }
            self.au.first_field();
        }
        if self.au.find_field("key").is_some() && self.au.field_str() != Some(b"(null)") {
            self.d.key = self.here(recno);
        }
        if otype == t::ANOM_LINK {
            self.d.action = record_action(otype).map(|a| a.as_bytes().to_vec());
        } else if otype == t::CONFIG_CHANGE {
            self.au.first_record();
            if self.found("op") {
                self.d.action = self.au.interpret_field();
                self.d.obj_primary = self.simple_object(t::CONFIG_CHANGE);
            }
        } else {
            self.syscall_event(syscall.as_deref());
        }
        true
    }

    fn config_change_object(&mut self) -> bool {
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

    fn simple_object(&mut self, ty: i32) -> Loc {
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
                    self.d.action = self.au.interpret_field();
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

    fn simple_obj_by(&mut self, ty: i32, secondary: bool) -> Loc {
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

    fn simple_subj_attr(&mut self) {
        if !self.all {
            return;
        }
        self.au.first_record();
        self.subj_attr("pid", 0);
        self.subj_attr("subj", 0);
    }

    fn userspace_subj_attr(&mut self, ty: i32) {
        if !self.all {
            return;
        }
        self.subj_attr("hostname", 0);
        self.subj_attr("addr", 0);
        if ty != t::USER_START && ty != t::USER_END && ty != t::USER_ERR {
            self.subj_attr("terminal", 0);
        }
    }

    fn how_from(&mut self, name: &str) {
        if self.found(name) {
            self.d.how = self.au.interpret_field();
        }
    }

    fn simple(&mut self) -> bool {
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
            self.d.action = record_action(ty).map(|a| a.as_bytes().to_vec());
            return true;
        }
        if ty == t::NETFILTER_CFG {
            self.simple_subj_attr();
            self.how_from("comm");
            self.d.action = Some(b"loaded-firewall-rule-to".to_vec());
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
            self.d.action = record_action(ty).map(|a| a.as_bytes().to_vec());
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
            self.d.action = record_action(ty).map(|a| a.as_bytes().to_vec());
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
            self.d.action = Some(act.as_bytes().to_vec());
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
            self.d.action = Some(act.as_bytes().to_vec());
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
                self.d.action = Some(a.as_bytes().to_vec());
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

    fn simple_kernel(&mut self, ty: i32) -> bool {
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
                    self.d.action = Some(b"added-audit-rule".to_vec());
                    self.d.obj_primary = self.simple_object(ty);
                    mapped = false;
                } else if s.starts_with(b"remove_rule") {
                    self.d.action = Some(b"deleted-audit-rule".to_vec());
                    self.d.obj_primary = self.simple_object(ty);
                    mapped = false;
                }
            }
        }
        if mapped {
            if let Some(a) = record_action(ty) {
                self.d.action = Some(a.as_bytes().to_vec());
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

    fn simple_user(&mut self, ty: i32) -> bool {
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
        if (1100..1199).contains(&ty) || (2100..2999).contains(&ty) {
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
        let mut act: Option<Vec<u8>> = None;
        if ty == t::USER_DEVICE {
            self.au.first_record();
            act = self.au.find_field("op");
        }
        if act.is_none() {
            act = record_action(ty).map(|a| a.as_bytes().to_vec());
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
        if self.found("exe") {
            let exe = self.au.interpret_field().unwrap_or_default();
            let script = starts_with_script(&exe);
            self.d.how = Some(exe);
            if script {
                let fnum = self.au.field_num();
                if fnum > 0 {
                    self.au.goto_field_num(fnum - 1);
                } else {
                    self.au.first_record();
                }
                if self.found("comm") {
                    self.d.how = self.au.interpret_field();
                }
            }
        }
        true
    }
}

/// The event kind of an event whose first record has type `ty`.
pub fn event_kind(ty: i32) -> &'static str {
    let kind = match ty {
        1100..=1101 | 1103..=1106 | 1108..=1110 | 1112..=1113 | 1006 => 6,
        1126 | 1119 => 17,
        1102 | 1114..=1117 | 1132..=1133 | 1135..=1136 => 5,
        2000 | 1127..=1131 => 2,
        1111 | 1305 | 1325 | 1328 | 1332 | 1333 | 1137 | 1138 => 3,
        1326 => 16,
        1120..=1121 | 1123 | 1125 => 1,
        1124 | 1319 => 4,
        1335 | 1200..=1299 => 7,
        1122 | 1107 | 1502..=1503 | 1506 | 1400..=1402 => 8,
        1800..=1899 | 2109 => 10,
        1700..=1799 | 2100..=2108 | 2110..=2199 => 9,
        2200..=2299 => 11,
        1403..=1499 | 1500..=1501 | 1504..=1505 | 2300..=2399 => 12,
        1600..=1699 | 2400..=2499 => 13,
        2500..=2599 => 14,
        1300..=1304 | 1306..=1315 | 1317..=1318 | 1321..=1324 => 15,
        1331 => 18,
        1334 => 19,
        _ => 0,
    };
    tables::EVENT_KIND[kind]
}
