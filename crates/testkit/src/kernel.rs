//! The kernel lock and save/restore guard. Kernel audit state (status, rules, the registered
//! daemon) is global, so every test that touches it holds a
//! [`KernelGuard`]:
//!
//! ```no_run
//! let Some(mut kernel) = raudit_testkit::KernelGuard::acquire() else { return };
//! let status = kernel.client().get_status().unwrap();
//! # let _ = status;
//! ```
//!
//! [`KernelGuard::acquire`]:
//! * returns `None` (after printing the reason on stderr) when the kernel
//!   cannot be used: not root / no CAP_AUDIT_CONTROL, no audit in the kernel
//!   (EPROTONOSUPPORT / ECONNREFUSED), or audit locked (enabled=2). Under
//!   `CI=true` it panics instead, so CI never skips silently;
//! * takes an exclusive `flock` on `/run/lock/raudit-kernel-tests.lock`
//!   (directories created as needed) and holds it for the guard's life, so
//!   kernel tests of all crates and processes run one at a time;
//! * snapshots the status, the features and the full rule list.
//!
//! Dropping the guard restores: it deletes every rule and re-adds the saved
//! ones in order so the list is identical (the kernel lists rules in list
//! order and without the prepend bit), restores `failure`, `rate_limit`, `backlog_limit`,
//! `backlog_wait_time` and `enabled` (never to 2), restores the unlocked
//! features, and unregisters a daemon registered by this process (pid 0).
//! Problems during the restore are printed on stderr; they cannot fail the
//! test that already ran.

use std::fs::{self, File, OpenOptions};
use std::path::Path;

use raudit_netlink::{Client, Error};
use raudit_proto::filter::FILTER_PREPEND;
use raudit_proto::status::{FEATURE_LOGINUID_IMMUTABLE, FEATURE_ONLY_UNSET_LOGINUID};
use raudit_proto::{Features, RuleData, Status};

/// The lock every kernel test takes.
pub const LOCK_PATH: &str = "/run/lock/raudit-kernel-tests.lock";

/// Exclusive use of the kernel's audit state, restored on drop.
pub struct KernelGuard {
    client: Client,
    status: Status,
    features: Option<Features>,
    rules: Vec<RuleData>,
    _lock: File,
}

impl std::fmt::Debug for KernelGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelGuard")
            .field("status", &self.status)
            .field("rules", &self.rules.len())
            .finish()
    }
}

fn unavailable(reason: String) -> Option<KernelGuard> {
    crate::skip(format!("kernel audit tests need root and kernel audit, but {reason}"))
}

fn describe(e: &Error) -> String {
    if e.is_no_audit() {
        format!("the kernel has no usable audit ({e})")
    } else if e.is_permission() {
        format!("not permitted, run as root ({e})")
    } else {
        e.to_string()
    }
}

fn lock_file() -> std::io::Result<File> {
    if let Some(dir) = Path::new(LOCK_PATH).parent() {
        fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(LOCK_PATH)?;
    file.lock()?;
    Ok(file)
}

impl KernelGuard {
    /// Locks and snapshots the kernel audit state, or `None` (reason
    /// printed) when the kernel cannot be used; panics instead under CI=true.
    pub fn acquire() -> Option<KernelGuard> {
        let mut client = match Client::open() {
            Ok(c) => c,
            Err(e) => return unavailable(describe(&e)),
        };
        // Probe before locking so an unusable machine skips at once.
        if let Err(e) = client.get_status() {
            return unavailable(describe(&e));
        }
        let lock = match lock_file() {
            Ok(f) => f,
            Err(e) => return unavailable(format!("cannot lock {LOCK_PATH}: {e}")),
        };
        let status = match client.get_status() {
            Ok(s) => s,
            Err(e) => return unavailable(describe(&e)),
        };
        if status.enabled == 2 {
            return unavailable("audit is locked (enabled=2) until reboot".to_string());
        }
        let rules = match client.list_rules() {
            Ok(r) => r,
            Err(e) => return unavailable(describe(&e)),
        };
        let features = client.get_features().ok();
        Some(KernelGuard { client, status, features, rules, _lock: lock })
    }

    /// A client for the test's requests (a plain socket, not registered).
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// The status when the guard was taken.
    pub fn saved_status(&self) -> &Status {
        &self.status
    }

    /// The rule list when the guard was taken.
    pub fn saved_rules(&self) -> &[RuleData] {
        &self.rules
    }

    /// Restores everything now (also done on drop); returns the problems met.
    pub fn restore(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut note = |what: &str, r: Result<(), Error>| {
            if let Err(e) = r {
                problems.push(format!("{what}: {e}"));
            }
        };
        let c = &mut self.client;
        // A daemon registered by this process (a leaked reader) goes first.
        match c.get_status() {
            Ok(now) if now.pid != 0 && now.pid == std::process::id() => {
                note("unregister", c.set_pid(0))
            }
            Ok(_) => {}
            Err(e) => note("read status", Err(e)),
        }
        match c.list_rules() {
            Ok(now) if now == self.rules => {}
            Ok(now) => {
                for rule in &now {
                    note("delete rule", c.delete_rule(rule));
                }
                // The kernel lists rules without the prepend bit, in list
                // order, so appending them in that order rebuilds the list.
                for rule in &self.rules {
                    let mut rule = rule.clone();
                    rule.flags &= !FILTER_PREPEND;
                    note("re-add rule", c.add_rule(&rule));
                }
            }
            Err(e) => note("list rules", Err(e)),
        }
        let s = self.status;
        note("restore failure", c.set_failure(s.failure));
        note("restore rate_limit", c.set_rate_limit(s.rate_limit));
        note("restore backlog_limit", c.set_backlog_limit(s.backlog_limit));
        if let Some(wait) = s.backlog_wait_time {
            note("restore backlog_wait_time", c.set_backlog_wait_time(wait));
        }
        if let Some(saved) = self.features
            && let Ok(now) = c.get_features()
        {
            for n in [FEATURE_ONLY_UNSET_LOGINUID, FEATURE_LOGINUID_IMMUTABLE] {
                if now.is_set(n) != saved.is_set(n) && !now.is_locked(n) {
                    note("restore feature", c.set_feature(n, saved.is_set(n), false));
                }
            }
        }
        if s.enabled <= 1 {
            note("restore enabled", c.set_enabled(s.enabled));
        }
        problems
    }
}

impl Drop for KernelGuard {
    fn drop(&mut self) {
        for p in self.restore() {
            eprintln!("raudit-testkit: could not restore kernel audit state: {p}");
        }
    }
}
