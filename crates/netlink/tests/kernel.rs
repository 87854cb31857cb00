//! Tests against the real kernel, each under `KernelGuard` (skipped without
//! root and kernel audit; required under CI=true). The guard restores
//! status, features and rules, and unregisters any daemon of ours.

use std::time::{Duration, Instant};

use raudit_netlink::proto::filter::*;
use raudit_netlink::proto::msg;
use raudit_netlink::proto::status::{FEATURE_ONLY_UNSET_LOGINUID, feature_bitmap};
use raudit_netlink::{Client, EventReader, Record};
use raudit_proto::RuleData;
use raudit_testkit::KernelGuard;

fn native_arch() -> u32 {
    if cfg!(target_arch = "x86_64") {
        ARCH_X86_64
    } else if cfg!(target_arch = "aarch64") {
        ARCH_AARCH64
    } else {
        panic!("kernel tests know x86_64 and aarch64 only")
    }
}

/// `getpriority`: rarely used, and `nice` calls it.
const RARE_SYSCALL: u32 = libc::SYS_getpriority as u32;

/// Makes a child process call getpriority. The kernel never audits the
/// registered daemon's own syscalls (`auditd_test_task`), so the trigger
/// must be another process: rules select it with `ppid` = our pid.
fn trigger_rare_syscall() {
    let status = std::process::Command::new("nice").arg("true").status().expect("run nice");
    assert!(status.success());
}

fn with_string(mut r: RuleData, field: u32, s: &[u8]) -> RuleData {
    r.push_field(field, OP_EQUAL, s.len() as u32);
    r.buf.extend_from_slice(s);
    r
}

/// exit list: arch, the rare syscall, optionally "our children only"
/// (ppid = our pid), and a key.
fn exit_rule(key: &[u8], our_children: bool) -> RuleData {
    let mut r = RuleData { flags: FILTER_EXIT, action: ACTION_ALWAYS, ..RuleData::default() };
    r.push_field(ARCH, OP_EQUAL, native_arch());
    r.set_syscall(RARE_SYSCALL);
    if our_children {
        r.push_field(PPID, OP_EQUAL, std::process::id());
    }
    with_string(r, FILTERKEY, key)
}

/// An unused uid, so user/task rules never match anything real.
const NOBODY_UID: u32 = 4_242_424;

fn user_rule() -> RuleData {
    let mut r = RuleData { flags: FILTER_USER, action: ACTION_NEVER, ..RuleData::default() };
    r.push_field(UID, OP_EQUAL, NOBODY_UID);
    r
}

fn task_rule() -> RuleData {
    let mut r = RuleData { flags: FILTER_TASK, action: ACTION_NEVER, ..RuleData::default() };
    r.push_field(UID, OP_EQUAL, NOBODY_UID);
    r
}

fn exclude_rule() -> RuleData {
    let mut r = RuleData { flags: FILTER_EXCLUDE, action: ACTION_NEVER, ..RuleData::default() };
    // 1999: a record type no kernel emits.
    r.push_field(MSGTYPE, OP_EQUAL, 1999);
    r
}

fn filesystem_rule() -> RuleData {
    let mut r = RuleData { flags: FILTER_FS, action: ACTION_NEVER, ..RuleData::default() };
    // tracefs (TRACEFS_MAGIC), which no test watches.
    r.push_field(FSTYPE, OP_EQUAL, 0x7472_6163);
    with_string(r, FILTERKEY, b"raudit-test-fs")
}

/// Reads records until `want` matches one or `limit` passes.
fn wait_for(
    reader: &mut EventReader,
    limit: Duration,
    want: impl Fn(&Record) -> bool,
) -> Option<Record> {
    let end = Instant::now() + limit;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        match reader.next_record(Some(left)).unwrap() {
            Some(r) if want(&r) => return Some(r),
            Some(_) => {}
            None => return None,
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn nonce(tag: &str) -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    format!("raudit-{tag}-{}-{}", std::process::id(), t.subsec_nanos())
}

#[test]
fn every_settable_status_field_round_trips() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    let before = c.get_status().unwrap();
    assert!(before.enabled <= 1, "audit must not be locked");
    assert!(
        before.backlog_wait_time.is_some() && before.backlog_wait_time_actual.is_some(),
        "44-byte status"
    );

    // A low rate limit while enabled would lose records (and count them in
    // `lost`): only large values, and enabled toggled last.
    for failure in [0, 1] {
        c.set_failure(failure).unwrap();
        assert_eq!(c.get_status().unwrap().failure, failure);
    }
    c.set_rate_limit(50_000).unwrap();
    assert_eq!(c.get_status().unwrap().rate_limit, 50_000);
    c.set_rate_limit(0).unwrap();
    assert_eq!(c.get_status().unwrap().rate_limit, 0);
    c.set_backlog_limit(before.backlog_limit + 321).unwrap();
    assert_eq!(c.get_status().unwrap().backlog_limit, before.backlog_limit + 321);
    c.set_backlog_wait_time(4321).unwrap();
    assert_eq!(c.get_status().unwrap().backlog_wait_time, Some(4321));
    for enabled in [1, 0, 1, 0] {
        c.set_enabled(enabled).unwrap();
        assert_eq!(c.get_status().unwrap().enabled, enabled);
    }

    // Out-of-range values are the kernel's EINVAL.
    assert!(c.set_failure(7).unwrap_err().is_invalid());
    assert!(c.set_enabled(3).unwrap_err().is_invalid());
    // Registering someone else's pid is EINVAL too.
    assert!(c.set_pid(1).unwrap_err().is_invalid());
    assert_eq!(c.get_status().unwrap().failure, 1);
}

#[test]
fn reset_lost_returns_the_old_count() {
    // The lost counter and backlog_wait_time_actual cannot be restored.
    if !raudit_testkit::destructive_allowed("resetting the kernel's lost counter") {
        return;
    }
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    // Lose records on purpose: rate limit 1/s, then a burst of messages.
    c.set_enabled(1).unwrap();
    c.set_rate_limit(1).unwrap();
    let text = nonce("lost");
    for _ in 0..20 {
        c.send_user_message(msg::AUDIT_USER, text.as_bytes()).unwrap();
    }
    c.set_rate_limit(0).unwrap();
    let lost = c.get_status().unwrap().lost;
    assert!(lost > 0, "the rate limit should have dropped records");
    let old = c.reset_lost().unwrap();
    assert!(old >= lost, "reset returned {old}, status said {lost}");
    assert!(c.get_status().unwrap().lost < lost);

    let before = c.get_status().unwrap().backlog_wait_time_actual.unwrap();
    let old = c.reset_backlog_wait_time_actual().unwrap();
    assert!(old >= before);
    assert_eq!(c.get_status().unwrap().backlog_wait_time_actual, Some(0));
}

#[test]
fn features_get_and_toggle_without_lock() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    let f = c.get_features().unwrap();
    assert_eq!(f.vers, 1);
    if f.is_locked(FEATURE_ONLY_UNSET_LOGINUID) {
        eprintln!("only_unset_loginuid is locked on this kernel; toggling skipped");
        return;
    }
    let was = f.is_set(FEATURE_ONLY_UNSET_LOGINUID);
    // NEVER lock: lock bits are sticky until reboot.
    c.set_feature(FEATURE_ONLY_UNSET_LOGINUID, !was, false).unwrap();
    let now = c.get_features().unwrap();
    assert_eq!(now.is_set(FEATURE_ONLY_UNSET_LOGINUID), !was);
    assert!(!now.is_locked(FEATURE_ONLY_UNSET_LOGINUID));
    c.set_feature(FEATURE_ONLY_UNSET_LOGINUID, was, false).unwrap();
    assert_eq!(c.get_features().unwrap().is_set(FEATURE_ONLY_UNSET_LOGINUID), was);
}

#[test]
fn rules_on_every_filter_list_round_trip_byte_for_byte() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    let bitmap = c.get_status().unwrap().feature_bitmap.unwrap_or(0);
    let mut rules =
        vec![exit_rule(b"raudit-test-exit", false), user_rule(), task_rule(), exclude_rule()];
    if bitmap & feature_bitmap::FILTER_FS != 0 {
        rules.push(filesystem_rule());
    }
    let before = c.list_rules().unwrap();
    for rule in &rules {
        c.add_rule(rule).unwrap_or_else(|e| panic!("{e}: {rule:?}"));
    }
    let listed = c.list_rules().unwrap();
    assert_eq!(listed.len(), before.len() + rules.len());
    for rule in &rules {
        let sent = rule.encode();
        assert!(
            listed.iter().any(|l| l.encode() == sent),
            "not listed byte for byte: {rule:?}\nlisted: {listed:?}"
        );
    }
    for rule in &rules {
        assert!(c.add_rule(rule).unwrap_err().is_exists(), "duplicate of {rule:?}");
    }
    for rule in &rules {
        c.delete_rule(rule).unwrap();
        assert!(c.delete_rule(rule).unwrap_err().is_not_found(), "second delete of {rule:?}");
    }
    assert_eq!(c.list_rules().unwrap(), before);
}

#[test]
fn prepend_puts_first_and_guard_restores_order() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    let a = exit_rule(b"raudit-order-a", false);
    let b = exit_rule(b"raudit-order-b", false);
    let mut p = exit_rule(b"raudit-order-p", false);
    p.flags |= FILTER_PREPEND;
    for r in [&a, &b, &p] {
        c.add_rule(r).unwrap();
    }
    let listed = c.list_rules().unwrap();
    let ours: Vec<_> =
        listed.iter().filter(|r| contains(&r.buf, b"raudit-order-")).cloned().collect();
    // The kernel puts the prepended rule first but lists it WITHOUT the
    // prepend bit, and only that form deletes it.
    let mut p_listed = p.clone();
    p_listed.flags &= !FILTER_PREPEND;
    assert_eq!(ours, vec![p_listed.clone(), a.clone(), b.clone()]);
    assert!(c.delete_rule(&p).unwrap_err().is_not_found());
    c.delete_rule(&p_listed).unwrap();
    c.add_rule(&p).unwrap();
    // A nested guard cannot be taken (same lock), so exercise restore() directly:
    // delete everything and let the guard's restore rebuild the original state.
    c.delete_all_rules().unwrap();
    assert!(kernel.restore().is_empty());
    assert_eq!(kernel.client().list_rules().unwrap(), kernel.saved_rules());
}

#[test]
fn daemon_receives_a_syscall_record_from_its_rule() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let mut reader = EventReader::register().unwrap();
    assert!(reader.is_registered());
    let c = kernel.client();
    assert_eq!(c.get_status().unwrap().pid, std::process::id());
    c.set_enabled(1).unwrap();
    let key = nonce("syscall");
    c.add_rule(&exit_rule(key.as_bytes(), true)).unwrap();
    trigger_rare_syscall();
    let needle = format!("key=\"{key}\"");
    let rec = wait_for(&mut reader, Duration::from_secs(10), |r| {
        r.msg_type == msg::AUDIT_SYSCALL && contains(&r.text, needle.as_bytes())
    })
    .expect("SYSCALL record with our key");
    assert_eq!(rec.type_name(), "SYSCALL");
    assert!(rec.text.starts_with(b"audit("), "{}", rec.text_lossy());
    assert!(
        rec.text.ends_with(needle.as_bytes()),
        "unicast length quirk handled: {:?}",
        rec.text_lossy()
    );
    assert!(contains(&rec.text, format!("syscall={RARE_SYSCALL} ").as_bytes()));
    // The rest of the event (EOE at least) follows on the same socket.
    assert!(
        wait_for(&mut reader, Duration::from_secs(5), |r| r.msg_type == msg::AUDIT_EOE).is_some()
    );

    reader.unregister().unwrap();
    assert!(!reader.is_registered());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0);
}

#[test]
fn dropping_a_registered_reader_unregisters() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let reader = EventReader::register().unwrap();
    assert_eq!(kernel.client().get_status().unwrap().pid, std::process::id());
    drop(reader);
    assert_eq!(kernel.client().get_status().unwrap().pid, 0);
}

#[test]
fn second_registration_is_eexist_and_probes_the_first() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let mut first = EventReader::register().unwrap();
    let err = EventReader::register().unwrap_err();
    assert!(err.is_exists(), "{err}");
    // The kernel probed the registered daemon with AUDIT_REPLACE first;
    // the reader swallows it.
    let _ = wait_for(&mut first, Duration::from_millis(300), |r| r.msg_type == msg::AUDIT_REPLACE);
    assert!(first.stats().replace_probes >= 1, "{:?}", first.stats());
    assert_eq!(kernel.client().get_status().unwrap().pid, std::process::id());
}

#[test]
fn multicast_reader_sees_records_while_a_daemon_is_registered() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let mut daemon = EventReader::register().unwrap();
    let mut listener = EventReader::multicast().unwrap();
    let c = kernel.client();
    c.set_enabled(1).unwrap();
    let key = nonce("mcast");
    c.add_rule(&exit_rule(key.as_bytes(), true)).unwrap();
    trigger_rare_syscall();
    let needle = format!("key=\"{key}\"");
    let is_ours =
        |r: &Record| r.msg_type == msg::AUDIT_SYSCALL && contains(&r.text, needle.as_bytes());
    let seen = wait_for(&mut listener, Duration::from_secs(10), is_ours).expect("multicast copy");
    let unicast = wait_for(&mut daemon, Duration::from_secs(10), is_ours).expect("daemon copy");
    assert_eq!(seen.text, unicast.text, "same record, standard and quirky lengths both read right");
}

#[test]
fn user_messages_come_back_as_records() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let mut reader = EventReader::register().unwrap();
    let c = kernel.client();
    c.set_enabled(1).unwrap();
    for (ty, name) in
        [(msg::AUDIT_USER, "USER"), (1120u16, "TEST"), (2100u16, "ANOM_LOGIN_FAILURES")]
    {
        let text = nonce(name);
        c.send_user_message(ty, text.as_bytes()).unwrap();
        let quoted = format!("msg='{text}'");
        let rec = wait_for(&mut reader, Duration::from_secs(10), |r| {
            contains(&r.text, quoted.as_bytes())
        })
        .unwrap_or_else(|| panic!("record for {name}"));
        assert_eq!(rec.msg_type, ty);
        assert_eq!(rec.type_name(), name);
    }
    // Types outside the user ranges are refused before sending.
    assert!(c.send_user_message(1300, b"x").is_err());
}

#[test]
fn signal_info_tty_trim_and_make_equiv() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let c = kernel.client();
    let tty = c.tty_get().unwrap();
    assert!(tty.enabled <= 1 && tty.log_passwd <= 1);
    c.tty_set(&tty).unwrap();
    assert_eq!(c.tty_get().unwrap(), tty);
    c.trim().unwrap();
    let err = c.make_equiv(b"/nonexistent-raudit-a", b"/nonexistent-raudit-b").unwrap_err();
    assert!(err.errno().is_some(), "{err}");
    // Without a signal to a daemon the kernel reports "nobody"; either an
    // answer or a kernel errno is fine, a framing problem is not.
    if let Err(e) = c.signal_info() {
        assert!(e.errno().is_some(), "{e}");
    }
}

#[test]
fn requests_need_no_registration_and_clients_are_independent() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let mut other = Client::open().unwrap();
    let a = kernel.client().get_status().unwrap();
    let b = other.get_status().unwrap();
    assert_eq!(a.enabled, b.enabled);
    assert_eq!(kernel.client().list_rules().unwrap(), other.list_rules().unwrap());
}

#[test]
fn overrun_multicast_listener_counts_enobufs_and_keeps_reading() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    // A registered daemon with a big buffer takes the unicast copies (so
    // nothing goes to the kernel log); the listener's buffer is tiny.
    let mut daemon = EventReader::register().unwrap();
    let mut listener = EventReader::multicast().unwrap();
    let size = listener.socket().set_receive_buffer(1).unwrap();
    assert!(size < 16 * 1024, "buffer shrunk to {size}");
    let c = kernel.client();
    c.set_enabled(1).unwrap();
    // The sender is the registered daemon's process, which the kernel
    // never makes wait for backlog room: give it room so nothing is lost.
    c.set_backlog_limit(10_000).unwrap();
    let tag = nonce("flood");
    for i in 0..100 {
        c.send_user_message(msg::AUDIT_USER, format!("{tag} {i}").as_bytes()).unwrap();
    }
    let last = format!("{tag} 99'");
    // The daemon gets every one of them.
    assert!(
        wait_for(&mut daemon, Duration::from_secs(10), |r| contains(&r.text, last.as_bytes()))
            .is_some()
    );
    // The listener overran: ENOBUFS is counted, and reading goes on.
    let mut got = 0;
    while let Some(r) = listener.next_record(Some(Duration::from_millis(300))).unwrap() {
        got += usize::from(contains(&r.text, tag.as_bytes()));
    }
    assert!(listener.enobufs() >= 1, "{:?}", listener.stats());
    assert!(got < 100, "listener read {got} of 100");
    // Drained, the same listener gets the next record.
    let after = nonce("after-flood");
    kernel.client().send_user_message(msg::AUDIT_USER, after.as_bytes()).unwrap();
    assert!(
        wait_for(&mut listener, Duration::from_secs(10), |r| contains(&r.text, after.as_bytes()))
            .is_some()
    );
}
