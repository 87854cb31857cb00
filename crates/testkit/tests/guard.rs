//! The guard really restores what a test changed.

use raudit_netlink::EventReader;
use raudit_netlink::proto::filter::*;
use raudit_proto::RuleData;
use raudit_testkit::KernelGuard;

fn rule(key: &[u8]) -> RuleData {
    let mut r = RuleData { flags: FILTER_EXIT, action: ACTION_ALWAYS, ..RuleData::default() };
    r.set_syscall(libc_getpriority());
    r.push_field(FILTERKEY, OP_EQUAL, key.len() as u32);
    r.buf.extend_from_slice(key);
    r
}

/// getpriority on x86_64 (140) and aarch64 (141).
fn libc_getpriority() -> u32 {
    if cfg!(target_arch = "aarch64") { 141 } else { 140 }
}

#[test]
fn drop_restores_status_rules_and_unregisters_a_leaked_daemon() {
    {
        let Some(mut first) = KernelGuard::acquire() else { return };
        first.client().add_rule(&rule(b"raudit-guard-0")).unwrap();
    }
    let Some(mut guard) = KernelGuard::acquire() else { return };
    let saved = *guard.saved_status();
    let saved_rules = guard.saved_rules().to_vec();
    let c = guard.client();
    c.set_enabled(1 - saved.enabled).unwrap();
    c.set_failure(if saved.failure == 1 { 0 } else { 1 }).unwrap();
    c.set_rate_limit(saved.rate_limit + 100_000).unwrap();
    c.set_backlog_limit(saved.backlog_limit + 5).unwrap();
    c.set_backlog_wait_time(saved.backlog_wait_time.unwrap() + 5).unwrap();
    c.add_rule(&rule(b"raudit-guard-1")).unwrap();
    c.add_rule(&rule(b"raudit-guard-2")).unwrap();
    // A daemon registration leaked on purpose (socket kept open, no unregister).
    std::mem::forget(EventReader::register().unwrap());
    assert_eq!(guard.client().get_status().unwrap().pid, std::process::id());
    drop(guard);

    let Some(mut after) = KernelGuard::acquire() else { return };
    let now = after.client().get_status().unwrap();
    assert_eq!(now.pid, 0, "leaked registration undone");
    assert_eq!(
        (now.enabled, now.failure, now.rate_limit, now.backlog_limit, now.backlog_wait_time),
        (
            saved.enabled,
            saved.failure,
            saved.rate_limit,
            saved.backlog_limit,
            saved.backlog_wait_time
        )
    );
    assert_eq!(after.client().list_rules().unwrap(), saved_rules);
    assert!(!saved_rules.contains(&rule(b"raudit-guard-0")), "the first guard removed its rule");
}
