//! The record types the reports look for, and the reference's "list"
//! questions over an event's records (has this type, any in this range).

use raudit_parse::Event;

/// Record types the reports look for.
pub(crate) use raudit_tables::msg_type::code as t;

/// The reference's "list" lookups over an event's record types.
pub(crate) struct Types<'e> {
    pub(crate) event: &'e Event<'e>,
    /// The smallest and largest of its types: most questions are about
    /// types outside them, answered without looking at the records.
    low: i32,
    high: i32,
}

impl<'e> Types<'e> {
    pub(crate) fn of(event: &'e Event<'e>) -> Self {
        let types = event.records.iter().map(|r| r.rtype);
        let low = types.clone().min().unwrap_or(i32::MAX);
        let high = types.max().unwrap_or(i32::MIN);
        Types { event, low, high }
    }
    pub(crate) fn has(&self, ty: i32) -> bool {
        (self.low..=self.high).contains(&ty) && self.event.records.iter().any(|r| r.rtype == ty)
    }
    pub(crate) fn range(&self, low: i32, high: i32) -> bool {
        high > low
            && low <= self.high
            && high >= self.low
            && self.event.records.iter().any(|r| (low..=high).contains(&r.rtype))
    }
    pub(crate) fn head(&self) -> i32 {
        self.event.first_type()
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
