//! The record types the reports look for, and the reference's "list"
//! questions over an event's records (has this type, any in this range).

use raudit_parse::Event;

/// Record types the reports look for.
pub(crate) mod t {
    pub const USER_AUTH: i32 = 1100;
    pub const USER_MGMT: i32 = 1102;
    pub const USER_AVC: i32 = 1107;
    pub const USER_CHAUTHTOK: i32 = 1108;
    pub const USYS_CONFIG: i32 = 1111;
    pub const USER_LOGIN: i32 = 1112;
    pub const ADD_USER: i32 = 1114;
    pub const DEL_USER: i32 = 1115;
    pub const ADD_GROUP: i32 = 1116;
    pub const DEL_GROUP: i32 = 1117;
    pub const USER_TTY: i32 = 1124;
    pub const GRP_AUTH: i32 = 1126;
    pub const GRP_MGMT: i32 = 1132;
    pub const DAEMON_CONFIG: i32 = 1203;
    pub const SYSCALL: i32 = 1300;
    pub const CONFIG_CHANGE: i32 = 1305;
    pub const TTY: i32 = 1319;
    pub const NETFILTER_CFG: i32 = 1325;
    pub const SECCOMP: i32 = 1326;
    pub const FEATURE_CHANGE: i32 = 1328;
    pub const AVC: i32 = 1400;
    pub const MAC_POLICY_LOAD: i32 = 1403;
    pub const MAC_CIPSOV4_ADD: i32 = 1407;
    pub const MAC_CIPSOV4_DEL: i32 = 1408;
    pub const MAC_MAP_ADD: i32 = 1409;
    pub const MAC_MAP_DEL: i32 = 1410;
    pub const MAC_IPSEC_ADDSA: i32 = 1411;
    pub const MAC_IPSEC_DELSA: i32 = 1412;
    pub const MAC_IPSEC_ADDSPD: i32 = 1413;
    pub const MAC_IPSEC_DELSPD: i32 = 1414;
    pub const MAC_UNLBL_STCADD: i32 = 1416;
    pub const MAC_UNLBL_STCDEL: i32 = 1417;
    pub const ROLE_ASSIGN: i32 = 2301;
    pub const ROLE_REMOVE: i32 = 2302;
    pub const USER_MAC_CONFIG_CHANGE: i32 = 2312;
}

/// The reference's "list" lookups over an event's record types.
pub(crate) struct Types<'e>(pub(crate) &'e Event<'e>);

impl Types<'_> {
    pub(crate) fn has(&self, ty: i32) -> bool {
        self.0.records.iter().any(|r| r.rtype == ty)
    }
    pub(crate) fn range(&self, low: i32, high: i32) -> bool {
        high > low && self.0.records.iter().any(|r| (low..=high).contains(&r.rtype))
    }
    pub(crate) fn head(&self) -> i32 {
        self.0.first_type()
    }
    pub(crate) fn config_change(&self) -> bool {
        [t::CONFIG_CHANGE, t::DAEMON_CONFIG, t::USYS_CONFIG, t::NETFILTER_CFG, t::FEATURE_CHANGE]
            .iter()
            .any(|&ty| self.has(ty))
            || self.has(t::USER_MAC_CONFIG_CHANGE)
            || self.range(t::MAC_POLICY_LOAD, t::MAC_UNLBL_STCDEL)
    }
    pub(crate) fn acct_change(&self) -> bool {
        self.has(t::USER_CHAUTHTOK)
            || self.range(t::ADD_USER, t::DEL_GROUP)
            || self.has(t::USER_MGMT)
            || self.has(t::GRP_MGMT)
            || self.range(t::ROLE_ASSIGN, t::ROLE_REMOVE)
    }
    pub(crate) fn anomaly(&self) -> bool {
        self.range(2100, 2199) || self.range(1700, 1799) || self.has(t::SECCOMP)
    }
    pub(crate) fn crypto(&self) -> bool {
        self.range(1600, 1699) || self.range(2400, 2499)
    }
}
