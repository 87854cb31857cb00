//! `-s` and the settings that print the status block after they change it.

use raudit_netlink::proto::status::FEATURE_LOGINUID_IMMUTABLE;
use raudit_netlink::proto::{Features, Status};

fn enabled_word(v: u32) -> &'static str {
    match v {
        0 => "disable",
        1 => "enabled",
        2 => "enabled+immutable",
        _ => "unknown",
    }
}

fn failure_word(v: u32) -> &'static str {
    match v {
        0 => "silent",
        1 => "printk",
        2 => "panic",
        _ => "unknown",
    }
}

/// The status block; `-s -i` names the first two values.
pub(crate) fn block(st: &Status, interpret: bool) -> String {
    let (enabled, failure) = if interpret {
        (enabled_word(st.enabled).to_string(), failure_word(st.failure).to_string())
    } else {
        (st.enabled.to_string(), st.failure.to_string())
    };
    let mut out = format!(
        "enabled {enabled}\nfailure {failure}\npid {}\nrate_limit {}\nbacklog_limit {}\nlost {}\nbacklog {}\n",
        st.pid, st.rate_limit, st.backlog_limit, st.lost, st.backlog
    );
    if let Some(w) = st.backlog_wait_time {
        out.push_str(&format!("backlog_wait_time {w}\n"));
    }
    // COMPAT: auditctl.c: only a full-size status reply has this line.
    if let Some(a) = st.backlog_wait_time_actual {
        out.push_str(&format!("backlog_wait_time_actual {a}\n"));
    }
    out
}

/// The loginuid_immutable line of a features reply.
pub(crate) fn features(f: &Features) -> Option<String> {
    if f.mask & (1 << FEATURE_LOGINUID_IMMUTABLE) != 0 {
        let on = u32::from(f.is_set(FEATURE_LOGINUID_IMMUTABLE));
        let lock = if f.is_locked(FEATURE_LOGINUID_IMMUTABLE) { "locked" } else { "unlocked" };
        return Some(format!("loginuid_immutable {on} {lock}\n"));
    }
    None
}
