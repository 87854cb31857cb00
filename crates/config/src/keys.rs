//! One validating parser per auditd.conf keyword.
//!
//! Keyword list, value words, ranges and message texts follow auditd 3.0.9 (src/auditd-config.c),
//! built with the TCP listener and GSSAPI as Debian builds it.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use raudit_tables::errno::io_text;

use crate::load::{Ctx, dirname, os_path};
use crate::{
    DaemonConfig, DiskAction, Flush, LogFormat, NameFormat, OverflowAction, SizeAction,
    SpaceThreshold, Transport,
};

pub(crate) struct Nv<'a> {
    pub value: &'a [u8],
    pub option: Option<&'a [u8]>,
    pub line: u32,
}

impl Nv<'_> {
    fn v(&self) -> String {
        String::from_utf8_lossy(self.value).into_owned()
    }
}

type Parser = fn(&Nv, &mut DaemonConfig, &mut Ctx) -> Result<(), ()>;

pub(crate) struct Keyword {
    pub name: &'static str,
    pub parse: Parser,
    /// Whether a third token (`exec /path`) is allowed.
    pub takes_option: bool,
}

const fn kw(name: &'static str, parse: Parser) -> Keyword {
    Keyword { name, parse, takes_option: false }
}
const fn kw_opt(name: &'static str, parse: Parser) -> Keyword {
    Keyword { name, parse, takes_option: true }
}

pub(crate) static KEYWORDS: &[Keyword] = &[
    kw("local_events", |nv, c, x| yes_no(nv, x).map(|b| c.local_events = b)),
    kw("write_logs", |nv, c, x| yes_no(nv, x).map(|b| c.write_logs = b)),
    kw("log_file", log_file),
    kw("log_format", log_format),
    kw("log_group", log_group),
    kw("flush", flush),
    kw("freq", |nv, c, x| int_max(nv, x).map(|n| c.freq = n)),
    kw("num_logs", num_logs),
    kw("dispatcher", |nv, _, x| {
        x.warn(Some(nv.line), format!("The dispatcher option is deprecated - line {}", nv.line));
        Ok(())
    }),
    kw("name_format", name_format),
    kw("name", |nv, c, _| {
        c.name = Some(nv.v());
        Ok(())
    }),
    kw("disp_qos", |nv, _, x| {
        x.warn(Some(nv.line), format!("The disp_qos option is deprecated - line {}", nv.line));
        Ok(())
    }),
    kw("max_log_file", |nv, c, x| number(nv, x).map(|n| c.max_log_file = n)),
    kw("max_log_file_action", max_log_file_action),
    kw("space_left", |nv, c, x| space(nv, x).map(|s| c.space_left = s)),
    kw_opt("space_left_action", |nv, c, x| action(nv, x, "").map(|a| c.space_left_action = a)),
    kw("action_mail_acct", action_mail_acct),
    kw("verify_email", |nv, c, x| yes_no(nv, x).map(|b| c.verify_email = b)),
    kw("admin_space_left", |nv, c, x| space(nv, x).map(|s| c.admin_space_left = s)),
    kw_opt("admin_space_left_action", |nv, c, x| {
        action(nv, x, "").map(|a| c.admin_space_left_action = a)
    }),
    kw_opt("disk_full_action", |nv, c, x| {
        action(nv, x, "disk_full_action").map(|a| c.disk_full_action = a)
    }),
    kw_opt("disk_error_action", |nv, c, x| {
        action(nv, x, "disk_error_action").map(|a| c.disk_error_action = a)
    }),
    kw("priority_boost", |nv, c, x| int_max(nv, x).map(|n| c.priority_boost = n)),
    kw("tcp_listen_port", |nv, c, x| ranged(nv, x, 1, 65535).map(|n| c.tcp_listen_port = n as u16)),
    kw("tcp_listen_queue", |nv, c, x| {
        ranged(nv, x, 1, 65535).map(|n| c.tcp_listen_queue = n as u32)
    }),
    kw("tcp_max_per_addr", |nv, c, x| {
        ranged(nv, x, 1, 1024).map(|n| c.tcp_max_per_addr = n as u32)
    }),
    kw("use_libwrap", |nv, c, x| yes_no(nv, x).map(|b| c.use_libwrap = b)),
    kw("tcp_client_ports", tcp_client_ports),
    kw("tcp_client_max_idle", |nv, c, x| int_max(nv, x).map(|n| c.tcp_client_max_idle = n)),
    kw("transport", |nv, c, x| {
        word(nv, x, &[("tcp", Transport::Tcp), ("krb5", Transport::Krb5)]).map(|t| c.transport = t)
    }),
    kw("enable_krb5", |nv, c, x| {
        yes_no(nv, x).map(|b| {
            if b {
                c.transport = Transport::Krb5
            }
        })
    }),
    kw("krb5_principal", |nv, c, _| {
        c.krb5_principal = Some(nv.v());
        Ok(())
    }),
    kw("krb5_key_file", |nv, c, _| {
        c.krb5_key_file = Some(os_path(nv.value));
        Ok(())
    }),
    kw("distribute_network", |nv, c, x| yes_no(nv, x).map(|b| c.distribute_network = b)),
    // Beyond the reference: TLS for the listener (raudit built with the `tls` feature).
    kw("tcp_tls_cert", |nv, c, _| {
        c.tls.cert = Some(os_path(nv.value));
        Ok(())
    }),
    kw("tcp_tls_key", |nv, c, _| {
        c.tls.key = Some(os_path(nv.value));
        Ok(())
    }),
    kw("tcp_tls_client_ca", |nv, c, _| {
        c.tls.client_ca = Some(os_path(nv.value));
        Ok(())
    }),
    kw("tcp_tls_allow", |nv, c, _| {
        c.tls.allow =
            nv.v().split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
        Ok(())
    }),
    kw("q_depth", q_depth),
    kw("overflow_action", |nv, c, x| {
        word(
            nv,
            x,
            &[
                ("ignore", OverflowAction::Ignore),
                ("syslog", OverflowAction::Syslog),
                ("suspend", OverflowAction::Suspend),
                ("single", OverflowAction::Single),
                ("halt", OverflowAction::Halt),
            ],
        )
        .map(|a| c.overflow_action = a)
    }),
    kw("max_restarts", |nv, c, x| int_max(nv, x).map(|n| c.max_restarts = n)),
    kw("plugin_dir", |nv, c, _| {
        let mut v = nv.value.to_vec();
        if !v.ends_with(b"/") {
            v.push(b'/');
        }
        c.plugin_dir = os_path(&v);
        Ok(())
    }),
    kw("end_of_event_timeout", |nv, c, x| number(nv, x).map(|n| c.end_of_event_timeout = n)),
];

fn not_found(nv: &Nv, x: &mut Ctx) {
    x.error(Some(nv.line), format!("Option {} not found - line {}", nv.v(), nv.line));
}

/// A case-insensitive choice among `words`.
fn word<T: Copy>(nv: &Nv, x: &mut Ctx, words: &[(&str, T)]) -> Result<T, ()> {
    match words.iter().find(|(w, _)| w.as_bytes().eq_ignore_ascii_case(nv.value)) {
        Some(&(_, t)) => Ok(t),
        None => {
            not_found(nv, x);
            Err(())
        }
    }
}

fn yes_no(nv: &Nv, x: &mut Ctx) -> Result<bool, ()> {
    word(nv, x, &[("yes", true), ("no", false)])
}

/// `strtoul(s, NULL, 10)`; `None` on overflow (ERANGE). Callers have checked
/// that `s` holds only digits (and blanks), so sign handling never applies.
fn strtoul(s: &[u8]) -> Option<u64> {
    raudit_parse::cnum::strtoul(s, 10).ok()
}

fn erange(nv: &Nv, x: &mut Ctx) {
    x.error(
        Some(nv.line),
        format!(
            "Error converting string to a number (Numerical result out of range) - line {}",
            nv.line
        ),
    );
}

/// All digits, converted without overflow.
fn number(nv: &Nv, x: &mut Ctx) -> Result<u64, ()> {
    if !nv.value.iter().all(u8::is_ascii_digit) {
        x.error(
            Some(nv.line),
            format!("Value {} should only be numbers - line {}", nv.v(), nv.line),
        );
        return Err(());
    }
    strtoul(nv.value).ok_or_else(|| erange(nv, x))
}

fn too_large(nv: &Nv, x: &mut Ctx) {
    x.error(
        Some(nv.line),
        format!("Error - converted number ({}) is too large - line {}", nv.v(), nv.line),
    );
}

/// A number of at most INT_MAX.
fn int_max(nv: &Nv, x: &mut Ctx) -> Result<u32, ()> {
    let n = number(nv, x)?;
    if n > i32::MAX as u64 {
        too_large(nv, x);
        return Err(());
    }
    Ok(n as u32)
}

fn ranged(nv: &Nv, x: &mut Ctx, min: u64, max: u64) -> Result<u64, ()> {
    let n = number(nv, x)?;
    if n > max {
        too_large(nv, x);
        return Err(());
    }
    if n < min {
        x.error(
            Some(nv.line),
            format!("Error - converted number ({}) is too small - line {}", nv.v(), nv.line),
        );
        return Err(());
    }
    Ok(n)
}

fn num_logs(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    let n = number(nv, x)?;
    if n > 999 {
        x.error(Some(nv.line), "num_logs must be 999 or less".to_string());
        return Err(());
    }
    c.num_logs = n as u32;
    Ok(())
}

fn q_depth(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    let n = number(nv, x)?;
    if n > 99999 {
        x.error(Some(nv.line), "q_depth must be 99999 or less".to_string());
        return Err(());
    }
    if n < 512 {
        x.warn(Some(nv.line), "q_depth should be larger than 512 for safety margin".to_string());
    }
    c.q_depth = n as u32;
    Ok(())
}

fn log_format(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    let f = word(
        nv,
        x,
        &[("raw", LogFormat::Raw), ("nolog", LogFormat::Nolog), ("enriched", LogFormat::Enriched)],
    )?;
    c.log_format = f;
    if f == LogFormat::Nolog {
        x.warn(
            Some(nv.line),
            "The NOLOG option to log_format is deprecated. Please use the write_logs option."
                .to_string(),
        );
        if c.write_logs {
            x.warn(
                Some(nv.line),
                "The NOLOG option is overriding the write_logs current setting.".to_string(),
            );
        }
        c.write_logs = false;
    }
    Ok(())
}

fn flush(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    c.flush = word(
        nv,
        x,
        &[
            ("none", Flush::None),
            ("incremental", Flush::Incremental),
            ("incremental_async", Flush::IncrementalAsync),
            ("data", Flush::Data),
            ("sync", Flush::Sync),
        ],
    )?;
    Ok(())
}

fn name_format(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    c.name_format = word(
        nv,
        x,
        &[
            ("none", NameFormat::None),
            ("hostname", NameFormat::Hostname),
            ("fqd", NameFormat::Fqd),
            ("numeric", NameFormat::Numeric),
            ("user", NameFormat::User),
        ],
    )?;
    Ok(())
}

fn max_log_file_action(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    c.max_log_file_action = word(
        nv,
        x,
        &[
            ("ignore", SizeAction::Ignore),
            ("syslog", SizeAction::Syslog),
            ("suspend", SizeAction::Suspend),
            ("rotate", SizeAction::Rotate),
            ("keep_logs", SizeAction::KeepLogs),
        ],
    )?;
    Ok(())
}

fn log_file(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    let line = nv.line;
    let dir = dirname(nv.value);
    let dir_s = String::from_utf8_lossy(&dir).into_owned();
    if dir.len() < 4 {
        x.error(Some(line), format!("The directory name: {dir_s} is too short - line {line}"));
        return Err(());
    }
    if let Err(e) = std::fs::read_dir(os_path(&dir)) {
        x.error(Some(line), format!("Could not open dir {dir_s} ({})", io_text(&e)));
        return Err(());
    }
    let path = os_path(nv.value);
    let v = nv.v();
    match std::fs::File::open(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            x.error(Some(line), format!("Unable to open {v} ({})", io_text(&e)));
            return Err(());
        }
        Ok(f) => {
            let md = match f.metadata() {
                Ok(md) => md,
                Err(e) => {
                    x.error(Some(line), format!("Unable to stat {v} ({})", io_text(&e)));
                    return Err(());
                }
            };
            if !md.file_type().is_file() {
                x.error(Some(line), format!("{v} is not a regular file"));
                return Err(());
            }
            if md.uid() != 0 {
                x.error(Some(line), format!("{v} is not owned by root"));
                return Err(());
            }
            if md.mode() & 0o137 != 0 {
                x.warn(Some(line), format!("{v} permissions should be 0600 or 0640"));
            }
            if md.mode() & 0o200 == 0 {
                x.warn(Some(line), "audit log is not writable by owner".to_string());
            }
        }
    }
    c.log_file = path;
    Ok(())
}

/// gid of a group name from /etc/group (the files database only).
pub(crate) fn group_gid(name: &[u8]) -> Option<u32> {
    let text = std::fs::read("/etc/group").ok()?;
    text.split(|&b| b == b'\n').find_map(|l| {
        let mut f = l.split(|&b| b == b':');
        (f.next()? == name).then_some(())?;
        f.next()?;
        std::str::from_utf8(f.next()?).ok()?.parse().ok()
    })
}

fn log_group(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    let line = nv.line;
    if nv.value[0].is_ascii_digit() {
        // COMPAT: log_group_parser: strtoul takes the leading digits and the result is narrowed to
        // gid_t.
        let Some(n) = strtoul(nv.value) else {
            x.error(
                Some(line),
                format!(
                    "Numeric group ID conversion error (Numerical result out of range) for {} - line {line}",
                    nv.v()
                ),
            );
            return Err(());
        };
        c.log_group = n as u32;
    } else {
        let Some(gid) = group_gid(nv.value) else {
            x.error(
                Some(line),
                format!("Group ID is non-numeric and unknown ({}) - line {line}", nv.v()),
            );
            return Err(());
        };
        c.log_group = gid;
    }
    Ok(())
}

fn space(nv: &Nv, x: &mut Ctx) -> Result<SpaceThreshold, ()> {
    let line = nv.line;
    if let Some(&bad) = nv.value.iter().find(|b| !b.is_ascii_digit() && **b != b'%') {
        x.error(
            Some(line),
            format!(
                "Value {} {} should only be numbers or percent - line {line}",
                bad as char,
                nv.v()
            ),
        );
        return Err(());
    }
    // COMPAT: space_left_parser: the first '%' becomes a space and strtoul reads what precedes it
    // (or, for a leading '%', what follows it); "0%" is 0 MiB.
    let mut v = nv.value.to_vec();
    let pct = match v.iter().position(|&b| b == b'%') {
        Some(i) => {
            v[i] = b' ';
            true
        }
        None => false,
    };
    let n = strtoul(&v).ok_or_else(|| erange(nv, x))?;
    if pct {
        if n > 99 {
            x.error(Some(line), format!("Percentages should be less than 100 - line {line}"));
            return Err(());
        }
        if n > 0 {
            return Ok(SpaceThreshold::Percent(n as u8));
        }
        return Ok(SpaceThreshold::Megabytes(0));
    }
    Ok(SpaceThreshold::Megabytes(n))
}

/// The EXEC program's checks.
fn check_exe(opt: Option<&[u8]>, line: u32, x: &mut Ctx) -> Result<PathBuf, ()> {
    let Some(opt) = opt else {
        x.error(Some(line), format!("Executable path needed for line {line}"));
        return Err(());
    };
    let v = String::from_utf8_lossy(opt).into_owned();
    if opt[0] != b'/' {
        x.error(Some(line), format!("Absolute path needed for {v} - line {line}"));
        return Err(());
    }
    let path = os_path(opt);
    let md = match std::fs::metadata(&path) {
        Ok(md) => md,
        Err(e) => {
            x.error(Some(line), format!("Unable to stat {v} ({}) - line {line}", io_text(&e)));
            return Err(());
        }
    };
    if !md.file_type().is_file() {
        x.error(Some(line), format!("{v} is not a regular file - line {line}"));
        return Err(());
    }
    if md.uid() != 0 {
        x.error(Some(line), format!("{v} is not owned by root - line {line}"));
        return Err(());
    }
    // COMPAT: check_exe_name tests 0750, 0755 and 0555 (twice); its message also names 0550,
    // which is rejected.
    let perm = md.mode() & 0o777;
    if ![0o750, 0o755, 0o555].contains(&perm) {
        x.error(
            Some(line),
            format!("{v} permissions should be 0750, 0755, 0555 or 0550 - line {line}"),
        );
        return Err(());
    }
    Ok(path)
}

/// The four disk/space actions. `key` names the disk_full/disk_error keys (which refuse some
/// actions); it is empty for the space actions.
fn action(nv: &Nv, x: &mut Ctx, key: &str) -> Result<DiskAction, ()> {
    #[derive(Clone, Copy, PartialEq)]
    enum W {
        Ignore,
        Syslog,
        Rotate,
        Email,
        Exec,
        Suspend,
        Single,
        Halt,
    }
    let w = word(
        nv,
        x,
        &[
            ("ignore", W::Ignore),
            ("syslog", W::Syslog),
            ("rotate", W::Rotate),
            ("email", W::Email),
            ("exec", W::Exec),
            ("suspend", W::Suspend),
            ("single", W::Single),
            ("halt", W::Halt),
        ],
    )?;
    let illegal = match key {
        "disk_full_action" => w == W::Email,
        "disk_error_action" => w == W::Email || w == W::Rotate,
        _ => false,
    };
    if illegal {
        x.error(Some(nv.line), format!("Illegal option {} for {key} - line {}", nv.v(), nv.line));
        return Err(());
    }
    Ok(match w {
        W::Ignore => DiskAction::Ignore,
        W::Syslog => DiskAction::Syslog,
        W::Rotate => DiskAction::Rotate,
        W::Email => {
            if rustix::fs::access(crate::EMAIL_COMMAND, rustix::fs::Access::EXEC_OK).is_err() {
                x.error(
                    Some(nv.line),
                    format!(
                        "Email option is specified but {} doesn't seem executable.",
                        crate::EMAIL_COMMAND
                    ),
                );
            }
            DiskAction::Email
        }
        W::Exec => DiskAction::Exec(check_exe(nv.option, nv.line, x)?),
        W::Suspend => DiskAction::Suspend,
        W::Single => DiskAction::Single,
        W::Halt => DiskAction::Halt,
    })
}

fn action_mail_acct(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    let v = nv.v();
    if c.verify_email {
        let a = nv.value;
        if a.len() < 2 {
            x.error(
                Some(nv.line),
                format!("email: {v} is too short, expecting at least 2 characters"),
            );
            return Err(());
        }
        if !a.iter().all(|&b| b.is_ascii_alphanumeric() || b"@.-_".contains(&b)) {
            x.error(Some(nv.line), format!("email: {v} has illegal character"));
            return Err(());
        }
        if let Some(at) = a.iter().position(|&b| b == b'@') {
            match a.iter().rposition(|&b| b == b'.') {
                Some(dot) if dot > at => {}
                _ => {
                    x.error(Some(nv.line), format!("email: {v} should have . after @"));
                    return Err(());
                }
            }
            // The reference also resolves the domain here; a failure is only a message and the
            // address is kept either way, so raudit does not do the lookup (docs/compat.md).
        }
    }
    c.action_mail_acct = v;
    Ok(())
}

fn tcp_client_ports(nv: &Nv, c: &mut DaemonConfig, x: &mut Ctx) -> Result<(), ()> {
    let line = nv.line;
    let p = nv.value;
    let mut dash = None;
    for i in 0..p.len() {
        // COMPAT: tcp_client_ports_parser: any '-' that is neither first nor last separates; the
        // last such one starts the upper bound.
        if i > 0 && p[i] == b'-' && i + 1 < p.len() {
            dash = Some(i);
            continue;
        }
        if !p[i].is_ascii_digit() {
            x.error(
                Some(line),
                format!(
                    "Value {} should only be numbers, or two numbers separated by a dash - line {line}",
                    nv.v()
                ),
            );
            return Err(());
        }
    }
    let minv = strtoul(p).ok_or_else(|| erange(nv, x))?;
    let maxv = match dash {
        Some(i) => strtoul(&p[i + 1..]).ok_or_else(|| erange(nv, x))?,
        None => minv,
    };
    for n in [minv, maxv] {
        if n > 65535 {
            x.error(
                Some(line),
                format!("Error - converted number ({n}) is too large - line {line}"),
            );
            return Err(());
        }
    }
    if minv > maxv {
        x.error(
            Some(line),
            format!("Error - converted range ({minv}-{maxv}) is reversed - line {line}"),
        );
        return Err(());
    }
    c.tcp_client_min_port = minv as u16;
    c.tcp_client_max_port = maxv as u16;
    Ok(())
}
