//! `-s` and the settings that print the status block after they change it.

use raudit_netlink::proto::Status;
use raudit_netlink::proto::status::FEATURE_LOGINUID_IMMUTABLE;
use raudit_netlink::{Client, NetlinkSocket};

use super::strerror;

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
fn block(st: &Status, interpret: bool) -> String {
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

/// `-s` and `-s -i`.
pub fn print_status(client: &mut Client<NetlinkSocket>, interpret: bool) -> Result<(), ()> {
    let st = client
        .get_status()
        .map_err(|e| eprintln!("Error getting audit status ({})", strerror(&e)))?;
    print!("{}", block(&st, interpret));
    if let Ok(f) = client.get_features()
        && f.mask & (1 << FEATURE_LOGINUID_IMMUTABLE) != 0
    {
        let on = u32::from(f.is_set(FEATURE_LOGINUID_IMMUTABLE));
        let lock = if f.is_locked(FEATURE_LOGINUID_IMMUTABLE) { "locked" } else { "unlocked" };
        println!("loginuid_immutable {on} {lock}");
    }
    Ok(())
}

/// `-e`, `-f`, `-r`, `-b`, `--backlog_wait_time`: check, set, print the block.
pub fn set(client: &mut Client<NetlinkSocket>, option: &str, value: &str) -> Result<(), ()> {
    let fail = |m: String| {
        eprintln!("{m}");
        Err(())
    };
    let number = || -> Option<u32> {
        let v = value.trim();
        if !v.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        if let Some(h) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
            u32::from_str_radix(h, 16).ok()
        } else if v.len() > 1 && v.starts_with('0') {
            u32::from_str_radix(&v[1..], 8).ok()
        } else {
            v.parse().ok()
        }
    };
    let sent = match option {
        "e" | "f" => {
            let Some(n) = ["0", "1", "2"].iter().position(|&x| x == value).map(|n| n as u32) else {
                let what = if option == "e" { "Enable" } else { "Failure" };
                return fail(format!("{what} must be 0, 1, or 2 was {value}"));
            };
            if option == "e" { client.set_enabled(n) } else { client.set_failure(n) }
        }
        "r" => match number() {
            Some(n) => client.set_rate_limit(n),
            None => return fail(format!("Rate must be a numeric value was {value}")),
        },
        "b" => match number() {
            Some(n) => client.set_backlog_limit(n),
            None => return fail(format!("Backlog must be a numeric value was {value}")),
        },
        _ => match number() {
            Some(n) => client.set_backlog_wait_time(n),
            None => return fail(format!("Backlog_wait_time must be a numeric value was {value}")),
        },
    };
    if let Err(e) = sent {
        let what = match option {
            "e" => "enable",
            "f" => "failure",
            "r" => "rate limit",
            _ => "backlog limit",
        };
        return fail(format!("Error sending {what} request ({})", strerror(&e)));
    }
    let st = client
        .get_status()
        .map_err(|e| eprintln!("Error getting audit status ({})", strerror(&e)))?;
    print!("{}", block(&st, false));
    Ok(())
}
