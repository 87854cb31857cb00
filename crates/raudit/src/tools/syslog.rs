//! audisp-syslog / `raudit syslog`: the plugin that hands each record of the
//! dispatcher's string stream (stdin, one record a line) to syslog(3), raw or
//! interpreted (`raudit_interpret::plugin_line`). Arguments: a level, a facility
//! and `interpret`, in any order and any case.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use raudit_sys::syslog::{openlog, syslog_level};

use crate::Invocation;

/// No options: the arguments are words ([`operand_words`]).
pub const FLAGS: &[raudit_cli::flags::Flag] = &[];

/// The words the plugin takes as arguments (completion and man page).
pub fn operand_words() -> Vec<&'static str> {
    LEVELS.iter().chain(FACILITIES).map(|(n, _)| *n).chain(["interpret"]).collect()
}

const LEVELS: &[(&str, libc::c_int)] = &[
    ("LOG_DEBUG", libc::LOG_DEBUG),
    ("LOG_INFO", libc::LOG_INFO),
    ("LOG_NOTICE", libc::LOG_NOTICE),
    ("LOG_WARNING", libc::LOG_WARNING),
    ("LOG_ERR", libc::LOG_ERR),
    ("LOG_CRIT", libc::LOG_CRIT),
    ("LOG_ALERT", libc::LOG_ALERT),
    ("LOG_EMERG", libc::LOG_EMERG),
];

const FACILITIES: &[(&str, libc::c_int)] = &[
    ("LOG_LOCAL0", libc::LOG_LOCAL0),
    ("LOG_LOCAL1", libc::LOG_LOCAL1),
    ("LOG_LOCAL2", libc::LOG_LOCAL2),
    ("LOG_LOCAL3", libc::LOG_LOCAL3),
    ("LOG_LOCAL4", libc::LOG_LOCAL4),
    ("LOG_LOCAL5", libc::LOG_LOCAL5),
    ("LOG_LOCAL6", libc::LOG_LOCAL6),
    ("LOG_LOCAL7", libc::LOG_LOCAL7),
    ("LOG_AUTH", libc::LOG_AUTH),
    ("LOG_AUTHPRIV", libc::LOG_AUTHPRIV),
    ("LOG_DAEMON", libc::LOG_DAEMON),
    ("LOG_SYSLOG", libc::LOG_SYSLOG),
    ("LOG_USER", libc::LOG_USER),
];

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_term(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

fn find(table: &[(&str, libc::c_int)], arg: &str) -> Option<libc::c_int> {
    table.iter().find(|(n, _)| n.eq_ignore_ascii_case(arg)).map(|&(_, v)| v)
}

pub fn main(inv: Invocation) -> ExitCode {
    let (mut level, mut facility, mut interpret) = (libc::LOG_INFO, libc::LOG_USER, false);
    for a in &inv.args {
        let a = a.to_string_lossy();
        if let Some(l) = find(LEVELS, &a) {
            level = l;
        } else if let Some(f) = find(FACILITIES, &a) {
            facility = f;
        } else if a.eq_ignore_ascii_case("interpret") {
            interpret = true;
        } else {
            syslog_level(libc::LOG_ERR, format!("Unknown log priority/facility {a}").as_bytes());
            return ExitCode::from(1);
        }
    }
    syslog_level(
        libc::LOG_INFO,
        format!("syslog plugin initialized with facility {facility} and priority {level}")
            .as_bytes(),
    );
    if facility != libc::LOG_USER {
        // COMPAT: the reference renames itself only for a facility other than user.
        openlog(c"audispd", facility);
    }
    // SAFETY: a zeroed sigaction is valid; the handler only stores to an atomic, which is
    // async-signal-safe; no SA_RESTART, so a blocked read returns EINTR on SIGTERM.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_term as *const () as usize;
        libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
    let host = raudit_sys::SystemHost::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 65536];
    while !STOP.load(Ordering::Relaxed) {
        // SAFETY: buf is a valid writable buffer of buf.len() bytes.
        let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break;
        }
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buf[..n as usize]);
        while let Some(nl) = pending.iter().position(|&b| b == b'\n') {
            // (the reference logs the raw line with its newline)
            let line: Vec<u8> = pending.drain(..=nl).collect();
            log_line(&line, level, interpret, &host);
        }
    }
    ExitCode::SUCCESS
}

fn log_line(line: &[u8], level: libc::c_int, interpret: bool, host: &raudit_sys::SystemHost) {
    if interpret {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        if let Some(text) = raudit_interpret::plugin_line::render(line, host) {
            syslog_level(level, &text);
        }
    } else {
        let mut line = line.to_vec();
        if let Some(sep) = line.iter().position(|&b| b == 0x1d) {
            line[sep] = b' ';
        }
        syslog_level(level, &line);
    }
}
