//! Tests against the real kernel, each under `KernelGuard` (skipped without
//! root and kernel audit; required under CI=true).

use raudit_netlink::proto::filter::*;
use raudit_proto::RuleData;
use raudit_testkit::KernelGuard;

fn exit_rule_with_key(key: &[u8]) -> RuleData {
    let mut r = RuleData { flags: FILTER_EXIT, action: ACTION_ALWAYS, ..RuleData::default() };
    r.push_field(ARCH, OP_EQUAL, native_arch());
    r.set_syscall(rare_syscall());
    r.push_field(FILTERKEY, OP_EQUAL, key.len() as u32);
    r.buf.extend_from_slice(key);
    r
}

fn native_arch() -> u32 {
    if cfg!(target_arch = "x86_64") {
        ARCH_X86_64
    } else if cfg!(target_arch = "aarch64") {
        ARCH_AARCH64
    } else {
        panic!("kernel tests know x86_64 and aarch64 only")
    }
}

/// A syscall nothing else on the machine uses: `getpriority`.
fn rare_syscall() -> u32 {
    libc::SYS_getpriority as u32
}

#[test]
fn status_get_and_set_round_trip() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    let before = c.get_status().unwrap();
    assert!(before.enabled <= 1);
    c.set_backlog_limit(before.backlog_limit + 17).unwrap();
    assert_eq!(c.get_status().unwrap().backlog_limit, before.backlog_limit + 17);
}

#[test]
fn rule_add_list_delete() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    let rule = exit_rule_with_key(b"raudit-test-basic");
    c.add_rule(&rule).unwrap();
    let listed = c.list_rules().unwrap();
    assert!(listed.iter().any(|r| r.encode() == rule.encode()), "{listed:?}");
    assert!(c.add_rule(&rule).unwrap_err().is_exists());
    c.delete_rule(&rule).unwrap();
    assert!(c.delete_rule(&rule).unwrap_err().is_not_found());
}
