//! Facts → findings. Each check is a small function of [`Facts`] that says ok, warn or fail,
//! what it found in one line, and the command or setting that fixes it. Thresholds are named
//! constants with the reason for their value.

use raudit_config::Flush;

use crate::facts::{Config, Facts, KernelSample, Plugin};

/// How bad a finding is. `Fail` makes `raudit doctor` exit non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One health check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// A stable name (`kernel.lost`, `plugin.NAME`): scripts select on it.
    pub id: String,
    pub status: Status,
    /// What was found, in one line.
    pub finding: String,
    /// What fixes it (empty when ok).
    pub fix: String,
}

fn check(id: &str, status: Status, finding: String, fix: &str) -> Check {
    Check { id: id.to_string(), status, finding, fix: fix.to_string() }
}

fn ok(id: &str, finding: String) -> Check {
    check(id, Status::Ok, finding, "")
}

/// Below this backlog_limit a burst (a boot, a package upgrade) overflows at once: it is the
/// kernel's own default, which distributions raise (Debian's rules say 8192).
pub const BACKLOG_LIMIT_TINY: u32 = 64;
/// Below this, warn: a few thousand records arrive within a second under load.
pub const BACKLOG_LIMIT_SMALL: u32 = 1024;
/// A backlog this full (percent of the limit) is about to lose records.
pub const BACKLOG_FULL_PERCENT: u64 = 80;
pub const BACKLOG_BUSY_PERCENT: u64 = 50;
/// Rule cost per syscall (linter's estimate) above which the rules are worth trimming.
pub const RULES_COST_NS_HIGH: u64 = 1000;
/// A flush policy that leaves more than this many seconds of records unsynced is a risk.
pub const FLUSH_GAP_SECONDS: f64 = 60.0;
/// Above this rate a sync per batch (flush SYNC/DATA) costs real disk time.
pub const SYNC_RATE_HIGH: f64 = 5000.0;
/// A log whose last record is older than this is suspicious: no daemon writing, or no rule firing.
pub const LAST_EVENT_OLD_SECONDS: u64 = 24 * 3600;

/// Every check on `facts`, in a fixed order.
pub fn evaluate(facts: &Facts) -> Vec<Check> {
    let mut out = Vec::new();
    match &facts.kernel {
        Some(Ok(k)) => {
            out.push(enabled(k));
            out.push(lost(k));
            out.push(backlog(k));
            out.push(backlog_wait_time(k));
            out.push(rate_limit(k));
            out.push(socket_owner(k, facts.owner_program.as_deref()));
        }
        Some(Err(e)) => out.push(check(
            "kernel.status",
            Status::Fail,
            format!("cannot read the kernel's audit status: {e}"),
            "run raudit doctor as root (it needs CAP_AUDIT_CONTROL)",
        )),
        None => {}
    }
    if let Some(j) = facts.journald {
        out.push(journald(j));
    }
    match &facts.rules {
        Some(Ok(r)) => out.extend(rules(r)),
        Some(Err(e)) => out.push(check(
            "rules",
            Status::Warn,
            format!("cannot list the loaded rules: {e}"),
            "run raudit doctor as root",
        )),
        None => {}
    }
    match &facts.config {
        Some(Ok(c)) if !c.write_logs => {
            out.push(ok("log", format!("write_logs = no in {}: no log to check", c.path.display())))
        }
        Some(Ok(c)) => {
            out.extend(disk(facts, c));
            out.extend(log_modes(facts, c));
            out.push(flush(facts, c));
            out.push(last_event(facts));
        }
        Some(Err(e)) => out.push(check(
            "config",
            Status::Fail,
            format!("auditd.conf does not load: {e}"),
            if e.contains("Permission denied") {
                "run raudit doctor as root (auditd.conf is readable by root only)"
            } else {
                "fix auditd.conf (the daemon refuses to start with it)"
            },
        )),
        None => {}
    }
    if !facts.plugin_errors.is_empty() {
        out.push(check(
            "plugins.d",
            Status::Fail,
            facts.plugin_errors.join("; "),
            "fix the plugin files named (the daemon skips them)",
        ));
    }
    out.extend(facts.plugins.iter().map(plugin));
    out
}

fn enabled(k: &KernelSample) -> Check {
    match k.second.enabled {
        0 => check(
            "kernel.enabled",
            Status::Fail,
            "auditing is disabled (enabled 0): no record is produced".into(),
            "auditctl -e 1 (the daemon also enables it at start unless -s nochange)",
        ),
        2 => ok("kernel.enabled", "enabled and locked (2): rules are fixed until reboot".into()),
        _ => ok("kernel.enabled", "enabled (1)".into()),
    }
}

fn lost(k: &KernelSample) -> Check {
    let (before, after) = (k.first.lost, k.second.lost);
    // The counter can be reset (auditctl --reset-lost) between the samples.
    let growing = after > before;
    if growing {
        check(
            "kernel.lost",
            Status::Fail,
            format!(
                "the kernel lost {} records in {} ms ({after} since boot or the last reset)",
                after - before,
                k.interval_ms
            ),
            "raise backlog_limit (auditctl -b 8192), set backlog_wait_time, or narrow the rules",
        )
    } else if after > 0 {
        check(
            "kernel.lost",
            Status::Warn,
            format!("{after} records lost since boot or the last reset; none while sampling"),
            "run doctor again later to see whether it grows; auditctl --reset-lost clears it",
        )
    } else {
        ok("kernel.lost", "no record lost".into())
    }
}

fn backlog(k: &KernelSample) -> Check {
    let (limit, backlog) = (k.second.backlog_limit, k.second.backlog.max(k.first.backlog));
    let percent = if limit == 0 { 0 } else { u64::from(backlog) * 100 / u64::from(limit) };
    let fix = "auditctl -b 8192 (a -b line in the rules makes it last)";
    if limit < BACKLOG_LIMIT_TINY {
        check(
            "kernel.backlog",
            Status::Fail,
            format!("backlog_limit {limit} is tiny: any burst of records overflows it"),
            fix,
        )
    } else if percent >= BACKLOG_FULL_PERCENT {
        check(
            "kernel.backlog",
            Status::Fail,
            format!("backlog {backlog} of {limit} ({percent}%): the daemon is not keeping up"),
            "check that the daemon runs and its disk is fast enough; raise backlog_limit",
        )
    } else if percent >= BACKLOG_BUSY_PERCENT || limit < BACKLOG_LIMIT_SMALL {
        check(
            "kernel.backlog",
            Status::Warn,
            format!("backlog {backlog} of {limit} ({percent}%): little room for a burst"),
            fix,
        )
    } else {
        ok("kernel.backlog", format!("backlog {backlog} of {limit}"))
    }
}

fn backlog_wait_time(k: &KernelSample) -> Check {
    match k.second.backlog_wait_time {
        None => ok("kernel.backlog_wait_time", "not supported by this kernel".into()),
        Some(0) => check(
            "kernel.backlog_wait_time",
            Status::Warn,
            "backlog_wait_time 0: a full backlog loses records at once instead of waiting".into(),
            "auditctl --backlog_wait_time 60000",
        ),
        Some(t) => ok("kernel.backlog_wait_time", format!("backlog_wait_time {t}")),
    }
}

fn rate_limit(k: &KernelSample) -> Check {
    match k.second.rate_limit {
        0 => ok("kernel.rate_limit", "no rate limit".into()),
        r => check(
            "kernel.rate_limit",
            Status::Warn,
            format!("rate_limit {r}: records beyond {r} per second are lost"),
            "auditctl -r 0, unless losing records under load is intended",
        ),
    }
}

fn socket_owner(k: &KernelSample, program: Option<&str>) -> Check {
    let pid = k.second.pid;
    if pid == 0 {
        return if k.second.enabled == 1 {
            check(
                "socket.owner",
                Status::Warn,
                "no audit daemon, but the kernel is still enabled 1 (a stopped daemon leaves it \
                 so, as auditd does): records go to the kernel log or are lost"
                    .into(),
                "start the daemon (systemctl start auditd or rauditd), or auditctl -e 0",
            )
        } else {
            check(
                "socket.owner",
                Status::Warn,
                "no audit daemon holds the audit socket".into(),
                "start the daemon (systemctl start auditd or rauditd)",
            )
        };
    }
    match program {
        Some(p) => ok("socket.owner", format!("the audit socket belongs to pid {pid} ({p})")),
        None => check(
            "socket.owner",
            Status::Fail,
            format!("the kernel's audit pid {pid} is not a running process: records are lost"),
            "restart the audit daemon",
        ),
    }
}

fn journald(j: crate::facts::Journald) -> Check {
    if j.active || j.enabled {
        let state = match (j.enabled, j.active) {
            (true, true) => "enabled and active",
            (true, false) => "enabled",
            _ => "active",
        };
        check(
            "journald.audit",
            Status::Warn,
            format!(
                "systemd-journald-audit.socket is {state}: journald also collects the audit \
                 records, so they are logged twice"
            ),
            "systemctl mask --now systemd-journald-audit.socket",
        )
    } else {
        ok("journald.audit", "journald does not collect audit records".into())
    }
}

fn rules(r: &crate::facts::Rules) -> Vec<Check> {
    let mut out = Vec::new();
    let no_arch: Vec<&(String, String)> =
        r.problems.iter().filter(|(_, p)| p.contains("without an arch")).collect();
    match no_arch.first() {
        Some((rule, _)) => out.push(check(
            "rules.arch",
            Status::Warn,
            format!(
                "{} syscall rule(s) without -F arch, first: {rule} (32-bit programs use other \
                 syscall numbers)",
                no_arch.len()
            ),
            "add -F arch=b64 and a -F arch=b32 twin to each (raudit ctl --check FILE)",
        )),
        None => out
            .push(ok("rules.arch", format!("{} rule(s), each syscall rule has an arch", r.count))),
    }
    let others: Vec<&(String, String)> =
        r.problems.iter().filter(|(_, p)| !p.contains("without an arch")).collect();
    if let Some((rule, problem)) = others.first() {
        out.push(check(
            "rules.lint",
            Status::Warn,
            format!("{} rule problem(s), first: {rule}: {problem}", others.len()),
            "raudit ctl --check on the rules file lists each one",
        ));
    }
    let ns = r.exit_rules as u64 * u64::from(raudit_rules::lint::NS_PER_EXIT_RULE)
        + r.all_syscall_rules as u64 * u64::from(raudit_rules::lint::NS_FIELD_MISS);
    let finding = format!("about {ns} ns per syscall for {} exit rule(s)", r.exit_rules);
    out.push(if ns > RULES_COST_NS_HIGH {
        check(
            "rules.cost",
            Status::Warn,
            finding,
            "narrow -S all rules to the syscalls needed (raudit ctl --check FILE --costs)",
        )
    } else {
        ok("rules.cost", finding)
    });
    out
}

fn disk(facts: &Facts, c: &Config) -> Option<Check> {
    let d = facts.disk?;
    let free = d.available_mb();
    let space_left = c.space_left.megabytes(d.blocks, d.block_size);
    let admin = c.admin_space_left.megabytes(d.blocks, d.block_size);
    let dir = c.log_file.parent().map_or_else(String::new, |p| p.display().to_string());
    let settings = format!("space_left {space_left} MB, admin_space_left {admin} MB");
    Some(if free <= admin {
        check(
            "disk.space",
            Status::Fail,
            format!("{free} MB free in {dir}, at or below admin_space_left ({settings})"),
            "free space on the log's filesystem now; the admin_space_left_action is due",
        )
    } else if free <= space_left {
        check(
            "disk.space",
            Status::Warn,
            format!("{free} MB free in {dir}, at or below space_left ({settings})"),
            "free space on the log's filesystem, or lower num_logs/max_log_file",
        )
    } else {
        ok("disk.space", format!("{free} MB free in {dir} ({settings})"))
    })
}

fn log_modes(facts: &Facts, c: &Config) -> Vec<Check> {
    let mut out = Vec::new();
    let fix = "chmod 0600 (0640 with log_group) and chown root:log_group; the daemon fixes \
               them at start";
    if let Some(f) = facts.log_file {
        let path = c.log_file.display();
        let allowed = if c.log_group != 0 { 0o640 } else { 0o600 };
        out.push(if f.mode & 0o007 != 0 {
            check(
                "log.file",
                Status::Fail,
                format!("{path} is mode {:04o}: other users can read the audit trail", f.mode),
                fix,
            )
        } else if f.mode & !allowed != 0
            || f.uid != 0
            || (f.mode & 0o070 != 0 && f.gid != c.log_group)
        {
            check(
                "log.file",
                Status::Warn,
                format!(
                    "{path} is mode {:04o} owner {}:{} (expected {allowed:04o} root:{})",
                    f.mode, f.uid, f.gid, c.log_group
                ),
                fix,
            )
        } else {
            ok("log.file", format!("{path} is mode {:04o} owner {}:{}", f.mode, f.uid, f.gid))
        });
    }
    if let Some(d) = facts.log_dir
        && d.mode & 0o007 != 0
    {
        out.push(check(
            "log.dir",
            Status::Fail,
            format!("the log directory is mode {:04o}: other users can list or read it", d.mode),
            "chmod 0700 (0750 with log_group) the log directory",
        ));
    }
    out
}

/// The flush value as auditd.conf spells it.
fn flush_name(f: Flush) -> &'static str {
    match f {
        Flush::None => "NONE",
        Flush::Incremental => "INCREMENTAL",
        Flush::IncrementalAsync => "INCREMENTAL_ASYNC",
        Flush::Data => "DATA",
        Flush::Sync => "SYNC",
    }
}

fn flush(facts: &Facts, c: &Config) -> Check {
    let rate = facts.tail.and_then(|t| t.rate);
    let at = rate.map_or_else(|| "an unknown rate".into(), |r| format!("{r:.0} records/s"));
    match c.flush {
        Flush::None => check(
            "log.flush",
            Status::Warn,
            format!("flush NONE at {at}: records in the page cache are lost in a crash"),
            "flush = INCREMENTAL_ASYNC with freq = 50 in auditd.conf",
        ),
        Flush::Sync | Flush::Data if rate.is_some_and(|r| r > SYNC_RATE_HIGH) => check(
            "log.flush",
            Status::Warn,
            format!(
                "flush {} at {at}: a disk sync per batch slows the daemon",
                flush_name(c.flush)
            ),
            "flush = INCREMENTAL_ASYNC with a freq near the event rate",
        ),
        Flush::Incremental | Flush::IncrementalAsync if c.freq > 0 => match rate {
            Some(r) if r > 0.0 && f64::from(c.freq) / r > FLUSH_GAP_SECONDS => check(
                "log.flush",
                Status::Warn,
                format!(
                    "freq {} at {at}: a flush every {:.0} s, so a crash loses that much",
                    c.freq,
                    f64::from(c.freq) / r
                ),
                "lower freq in auditd.conf",
            ),
            _ => ok("log.flush", format!("flush {} freq {} at {at}", flush_name(c.flush), c.freq)),
        },
        other => ok("log.flush", format!("flush {} at {at}", flush_name(other))),
    }
}

fn last_event(facts: &Facts) -> Check {
    match facts.tail.and_then(|t| t.last_event) {
        None => check(
            "log.last_event",
            Status::Warn,
            "the log has no event".into(),
            "check that the daemon runs and writes logs (write_logs, log_file)",
        ),
        Some(t) => {
            let age = facts.now.saturating_sub(t);
            if age > LAST_EVENT_OLD_SECONDS {
                check(
                    "log.last_event",
                    Status::Warn,
                    format!("the last event is {age} s old"),
                    "check that the daemon runs and that rules are loaded (auditctl -l)",
                )
            } else {
                ok("log.last_event", format!("the last event is {age} s old"))
            }
        }
    }
}

fn plugin(p: &Plugin) -> Check {
    let id = format!("plugin.{}", p.name);
    let Some(path) = &p.path else { return ok(&id, "builtin".into()) };
    let path = path.display();
    if !p.exists {
        return check(
            &id,
            Status::Fail,
            format!("{path} does not exist"),
            "install the plugin, or set active = no",
        );
    }
    if !p.executable {
        return check(
            &id,
            Status::Fail,
            format!("{path} is not executable"),
            "chmod 0750 the program",
        );
    }
    match p.running {
        Some(false) => check(
            &id,
            Status::Fail,
            format!("{path} is not running under the daemon (gave up after max_restarts?)"),
            "see the daemon's messages, then reload it (kill -HUP) or restart it",
        ),
        Some(true) => ok(&id, format!("{path} runs")),
        None => ok(&id, format!("{path} is installed (no daemon runs)")),
    }
}
