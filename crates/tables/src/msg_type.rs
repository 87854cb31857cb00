//! Audit record types: number to name and back.
//!
//! Source: the record type numbers of the Linux uapi header
//! `linux/audit.h`, plus the userspace-only types (1100-1199, 1200-1299,
//! 1500-1599, 2100-2999). The set of names is exactly the one the reference
//! (libaudit 3.0.9) recognises, observed by asking its
//! `audit_msg_type_to_name` for every number 0..10000 (195 entries).
//! A number not in the table is spelled `UNKNOWN[n]`, as the reference
//! spells it.

use std::borrow::Cow;

/// A netlink audit message type: a record type (`SYSCALL`, `EOE`, ...)
/// or a command (`GET`, `ADD_RULE`, ...). The associated consts are the
/// one place in raudit where these numbers are written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MsgType(pub u16);

impl MsgType {
    /// The number as the record readers hold it (a parsed `type=` is i32).
    pub const fn code(self) -> i32 {
        self.0 as i32
    }

    /// The reference's name of this type, or `None` when it has none.
    pub fn name(self) -> Option<&'static str> {
        name_of(u32::from(self.0))
    }

    /// The name as the reference prints it: the table name or `UNKNOWN[n]`.
    pub fn display_name(self) -> Cow<'static, str> {
        display_name(u32::from(self.0))
    }

    /// Reads a type as users write it (see [`parse`]); `None` when it is
    /// unknown or does not fit a message type.
    pub fn parse(text: &str) -> Option<MsgType> {
        parse(text).and_then(|n| u16::try_from(n).ok()).map(MsgType)
    }
}

/// Declares, from one list, the named types (table, `MsgType` consts and
/// i32 [`code`] consts) and the unnamed numbers (commands, range bounds).
macro_rules! msg_types {
    (named { $($n:literal $name:ident,)* } unnamed { $($(#[$doc:meta])* $un:literal $uname:ident,)* }) => {
        /// (number, name) for every named record type, sorted by number.
        pub const MSG_TYPES: &[(u32, &str)] = &[$(($n, stringify!($name)),)*];

        #[allow(missing_docs)]
        impl MsgType {
            $(pub const $name: MsgType = MsgType($n);)*
            $($(#[$doc])* pub const $uname: MsgType = MsgType($un);)*
        }

        /// The same numbers as i32, for code that matches on a parsed
        /// record's type (patterns need plain consts).
        #[allow(missing_docs)]
        pub mod code {
            $(pub const $name: i32 = $n;)*
            $($(#[$doc])* pub const $uname: i32 = $un;)*
        }
    };
}

msg_types! {
named {
    1005 USER,
    1006 LOGIN,
    1100 USER_AUTH,
    1101 USER_ACCT,
    1102 USER_MGMT,
    1103 CRED_ACQ,
    1104 CRED_DISP,
    1105 USER_START,
    1106 USER_END,
    1107 USER_AVC,
    1108 USER_CHAUTHTOK,
    1109 USER_ERR,
    1110 CRED_REFR,
    1111 USYS_CONFIG,
    1112 USER_LOGIN,
    1113 USER_LOGOUT,
    1114 ADD_USER,
    1115 DEL_USER,
    1116 ADD_GROUP,
    1117 DEL_GROUP,
    1118 DAC_CHECK,
    1119 CHGRP_ID,
    1120 TEST,
    1121 TRUSTED_APP,
    1122 USER_SELINUX_ERR,
    1123 USER_CMD,
    1124 USER_TTY,
    1125 CHUSER_ID,
    1126 GRP_AUTH,
    1127 SYSTEM_BOOT,
    1128 SYSTEM_SHUTDOWN,
    1129 SYSTEM_RUNLEVEL,
    1130 SERVICE_START,
    1131 SERVICE_STOP,
    1132 GRP_MGMT,
    1133 GRP_CHAUTHTOK,
    1134 MAC_CHECK,
    1135 ACCT_LOCK,
    1136 ACCT_UNLOCK,
    1137 USER_DEVICE,
    1138 SOFTWARE_UPDATE,
    1200 DAEMON_START,
    1201 DAEMON_END,
    1202 DAEMON_ABORT,
    1203 DAEMON_CONFIG,
    1205 DAEMON_ROTATE,
    1206 DAEMON_RESUME,
    1207 DAEMON_ACCEPT,
    1208 DAEMON_CLOSE,
    1209 DAEMON_ERR,
    1300 SYSCALL,
    1302 PATH,
    1303 IPC,
    1304 SOCKETCALL,
    1305 CONFIG_CHANGE,
    1306 SOCKADDR,
    1307 CWD,
    1309 EXECVE,
    1311 IPC_SET_PERM,
    1312 MQ_OPEN,
    1313 MQ_SENDRECV,
    1314 MQ_NOTIFY,
    1315 MQ_GETSETATTR,
    1316 KERNEL_OTHER,
    1317 FD_PAIR,
    1318 OBJ_PID,
    1319 TTY,
    1320 EOE,
    1321 BPRM_FCAPS,
    1322 CAPSET,
    1323 MMAP,
    1324 NETFILTER_PKT,
    1325 NETFILTER_CFG,
    1326 SECCOMP,
    1327 PROCTITLE,
    1328 FEATURE_CHANGE,
    1330 KERN_MODULE,
    1331 FANOTIFY,
    1332 TIME_INJOFFSET,
    1333 TIME_ADJNTPVAL,
    1334 BPF,
    1335 EVENT_LISTENER,
    1336 URINGOP,
    1337 OPENAT2,
    1400 AVC,
    1401 SELINUX_ERR,
    1402 AVC_PATH,
    1403 MAC_POLICY_LOAD,
    1404 MAC_STATUS,
    1405 MAC_CONFIG_CHANGE,
    1406 MAC_UNLBL_ALLOW,
    1407 MAC_CIPSOV4_ADD,
    1408 MAC_CIPSOV4_DEL,
    1409 MAC_MAP_ADD,
    1410 MAC_MAP_DEL,
    1411 MAC_IPSEC_ADDSA,
    1412 MAC_IPSEC_DELSA,
    1413 MAC_IPSEC_ADDSPD,
    1414 MAC_IPSEC_DELSPD,
    1415 MAC_IPSEC_EVENT,
    1416 MAC_UNLBL_STCADD,
    1417 MAC_UNLBL_STCDEL,
    1418 MAC_CALIPSO_ADD,
    1419 MAC_CALIPSO_DEL,
    1500 APPARMOR,
    1501 APPARMOR_AUDIT,
    1502 APPARMOR_ALLOWED,
    1503 APPARMOR_DENIED,
    1504 APPARMOR_HINT,
    1505 APPARMOR_STATUS,
    1506 APPARMOR_ERROR,
    1507 APPARMOR_KILL,
    1700 ANOM_PROMISCUOUS,
    1701 ANOM_ABEND,
    1702 ANOM_LINK,
    1703 ANOM_CREAT,
    1800 INTEGRITY_DATA,
    1801 INTEGRITY_METADATA,
    1802 INTEGRITY_STATUS,
    1803 INTEGRITY_HASH,
    1804 INTEGRITY_PCR,
    1805 INTEGRITY_RULE,
    1806 INTEGRITY_EVM_XATTR,
    1807 INTEGRITY_POLICY_RULE,
    2000 KERNEL,
    2100 ANOM_LOGIN_FAILURES,
    2101 ANOM_LOGIN_TIME,
    2102 ANOM_LOGIN_SESSIONS,
    2103 ANOM_LOGIN_ACCT,
    2104 ANOM_LOGIN_LOCATION,
    2105 ANOM_MAX_DAC,
    2106 ANOM_MAX_MAC,
    2107 ANOM_AMTU_FAIL,
    2108 ANOM_RBAC_FAIL,
    2109 ANOM_RBAC_INTEGRITY_FAIL,
    2110 ANOM_CRYPTO_FAIL,
    2111 ANOM_ACCESS_FS,
    2112 ANOM_EXEC,
    2113 ANOM_MK_EXEC,
    2114 ANOM_ADD_ACCT,
    2115 ANOM_DEL_ACCT,
    2116 ANOM_MOD_ACCT,
    2117 ANOM_ROOT_TRANS,
    2118 ANOM_LOGIN_SERVICE,
    2119 ANOM_LOGIN_ROOT,
    2120 ANOM_ORIGIN_FAILURES,
    2121 ANOM_SESSION,
    2200 RESP_ANOMALY,
    2201 RESP_ALERT,
    2202 RESP_KILL_PROC,
    2203 RESP_TERM_ACCESS,
    2204 RESP_ACCT_REMOTE,
    2205 RESP_ACCT_LOCK_TIMED,
    2206 RESP_ACCT_UNLOCK_TIMED,
    2207 RESP_ACCT_LOCK,
    2208 RESP_TERM_LOCK,
    2209 RESP_SEBOOL,
    2210 RESP_EXEC,
    2211 RESP_SINGLE,
    2212 RESP_HALT,
    2213 RESP_ORIGIN_BLOCK,
    2214 RESP_ORIGIN_BLOCK_TIMED,
    2215 RESP_ORIGIN_UNBLOCK_TIMED,
    2300 USER_ROLE_CHANGE,
    2301 ROLE_ASSIGN,
    2302 ROLE_REMOVE,
    2303 LABEL_OVERRIDE,
    2304 LABEL_LEVEL_CHANGE,
    2305 USER_LABELED_EXPORT,
    2306 USER_UNLABELED_EXPORT,
    2307 DEV_ALLOC,
    2308 DEV_DEALLOC,
    2309 FS_RELABEL,
    2310 USER_MAC_POLICY_LOAD,
    2311 ROLE_MODIFY,
    2312 USER_MAC_CONFIG_CHANGE,
    2313 USER_MAC_STATUS,
    2400 CRYPTO_TEST_USER,
    2401 CRYPTO_PARAM_CHANGE_USER,
    2402 CRYPTO_LOGIN,
    2403 CRYPTO_LOGOUT,
    2404 CRYPTO_KEY_USER,
    2405 CRYPTO_FAILURE_USER,
    2406 CRYPTO_REPLAY_USER,
    2407 CRYPTO_SESSION,
    2408 CRYPTO_IKE_SA,
    2409 CRYPTO_IPSEC_SA,
    2500 VIRT_CONTROL,
    2501 VIRT_RESOURCE,
    2502 VIRT_MACHINE_ID,
    2503 VIRT_INTEGRITY_CHECK,
    2504 VIRT_CREATE,
    2505 VIRT_DESTROY,
    2506 VIRT_MIGRATE_IN,
    2507 VIRT_MIGRATE_OUT,
}
unnamed {
    /// Commands and their replies (1000-1099): not record types, so the
    /// reference has no names for them.
    1000 GET,
    1001 SET,
    1002 LIST,
    1003 ADD,
    1004 DEL,
    1007 WATCH_INS,
    1008 WATCH_REM,
    1009 WATCH_LIST,
    1010 SIGNAL_INFO,
    1011 ADD_RULE,
    1012 DEL_RULE,
    1013 LIST_RULES,
    1014 TRIM,
    1015 MAKE_EQUIV,
    1016 TTY_GET,
    1017 TTY_SET,
    1018 SET_FEATURE,
    1019 GET_FEATURE,
    /// The kernel's probe of a registered daemon (`AUDIT_REPLACE`); the
    /// reference's table has no name for it.
    1329 REPLACE,
    /// Range bounds (`AUDIT_FIRST_*` / `AUDIT_LAST_*`).
    1000 FIRST_CMD,
    1099 LAST_CMD,
    1100 FIRST_USER_MSG,
    1199 LAST_USER_MSG,
    1200 FIRST_DAEMON,
    1299 LAST_DAEMON,
    1300 FIRST_EVENT,
    1499 LAST_SELINUX,
    /// `AUDIT_FIRST_ANOM_MSG`: the userspace anomaly range (2100), not
    /// the kernel's (1700).
    2100 FIRST_ANOM_MSG,
    2100 FIRST_USER_MSG2,
    2999 LAST_USER_MSG2,
}
}

/// The name of record type `n`, or `None` when the table has none.
pub fn name_of(n: u32) -> Option<&'static str> {
    // Asked once per record by every output: a direct index, built once.
    static BY_NUMBER: std::sync::OnceLock<Vec<Option<&'static str>>> = std::sync::OnceLock::new();
    let table = BY_NUMBER.get_or_init(|| {
        let max = MSG_TYPES.iter().map(|&(n, _)| n).max().unwrap_or(0) as usize;
        let mut t = vec![None; max + 1];
        for &(n, name) in MSG_TYPES {
            t[n as usize].get_or_insert(name);
        }
        t
    });
    table.get(n as usize).copied().flatten()
}

/// The name as the reference prints it: the table name or `UNKNOWN[n]`.
pub fn display_name(n: u32) -> Cow<'static, str> {
    match name_of(n) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("UNKNOWN[{n}]")),
    }
}

/// raudit's own record types (the BPF source, docs/bpf.md; the seal's checkpoints,
/// docs/security.md; the daemon's record of a gap in capture, docs/crash-safety.md), from the top of the userspace range 2100-2999 that the kernel never uses
/// and the reference leaves unnamed. Logs spell them `UNKNOWN[n]`, as the reference does, so
/// its tools read them; only [`parse`] (what `ausearch -m` takes) knows these names.
pub const RAUDIT_TYPES: &[(u32, &str)] = &[
    (2980, "BPF_CONNECT"),
    (2981, "BPF_EXEC"),
    (2982, "BPF_OPEN"),
    (2983, "BPF_LOST"),
    (2990, "RAUDIT_SEAL"),
    (2991, "RAUDIT_GAP"),
];

/// Reads a record type as users write it: a name (any case, the reference's or one of
/// [`RAUDIT_TYPES`]), `UNKNOWN[n]` or a bare number.
pub fn parse(text: &str) -> Option<u32> {
    let names = MSG_TYPES.iter().chain(RAUDIT_TYPES);
    if let Some(found) = names.clone().find(|(_, name)| name.eq_ignore_ascii_case(text)) {
        return Some(found.0);
    }
    if let Some(inner) = text.strip_prefix("UNKNOWN[").and_then(|t| t.strip_suffix(']')) {
        return inner.parse().ok();
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        assert_eq!(MSG_TYPES.len(), 195);
        assert!(MSG_TYPES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn consts_match_the_table() {
        assert_eq!(MsgType::SYSCALL, MsgType(1300));
        assert_eq!(MsgType::EOE.name(), Some("EOE"));
        assert_eq!(code::PROCTITLE, 1327);
        assert_eq!(MsgType::parse("avc"), Some(MsgType::AVC));
        assert_eq!(MsgType::parse("70000"), None);
        assert_eq!(MsgType::GET.name(), None);
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(name_of(1300), Some("SYSCALL"));
        assert_eq!(display_name(1320), "EOE");
        assert_eq!(display_name(1999), "UNKNOWN[1999]");
        assert_eq!(parse("syscall"), Some(1300));
        assert_eq!(parse("UNKNOWN[1999]"), Some(1999));
        assert_eq!(parse("bpf_connect"), Some(2980));
        assert_eq!(display_name(2980), "UNKNOWN[2980]");
        assert_eq!(parse("raudit_seal"), Some(2990));
        assert_eq!(display_name(2990), "UNKNOWN[2990]");
        assert!(
            RAUDIT_TYPES.iter().all(|&(n, _)| name_of(n).is_none() && (2100..=2999).contains(&n))
        );
        assert_eq!(parse("1327"), Some(1327));
        assert_eq!(parse("NOPE"), None);
    }
}
