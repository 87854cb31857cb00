//! The requests of `-m` and `--signal` that need more than one netlink
//! call, and the reference's wording of kernel errors.

use raudit_netlink::{Client, Error as NlError, Transport};

use super::error::{Request, RuleError};

/// The reference's wording of a kernel error (strerror, with EEXIST worded
/// as auditctl words it).
pub(crate) fn strerror(e: &NlError) -> String {
    match e.errno() {
        Some(libc::EEXIST) => "Rule exists".into(),
        Some(n) => raudit_tables::errno::text(n).into_owned(),
        None => e.to_string(),
    }
}

pub(crate) fn kernel(request: Request, e: &NlError) -> RuleError {
    RuleError::Kernel { request, reason: strerror(e) }
}

/// `-m TEXT`: a USER record, with the fields libaudit's
/// audit_log_user_message adds (exe, hostname, addr, terminal, res).
pub(crate) fn user_message<T: Transport>(
    client: &mut Client<T>,
    text: &str,
) -> Result<(), RuleError> {
    // COMPAT: auditctl.c: a signed char test, so bytes >= 128 are refused
    // along with control characters.
    if text.bytes().any(|b| !(32..128).contains(&b)) {
        return Err(RuleError::IllegalMessageCharacter);
    }
    let exe = std::fs::read_link("/proc/self/exe")
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "?".into());
    let tty = (0..3).find_map(|fd| {
        let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
        let link = link.to_string_lossy().into_owned();
        let is_tty = link.starts_with("/dev/pts/")
            || link.starts_with("/dev/tty")
            || link.starts_with("/dev/console");
        is_tty.then(|| link.strip_prefix("/dev/").unwrap_or(&link).to_string())
    });
    let host =
        tty.as_ref().filter(|t| t.starts_with("pts") || t.starts_with("tty")).and_then(|_| {
            std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string())
        });
    let addr = host
        .as_ref()
        .and_then(|h| std::net::ToSocketAddrs::to_socket_addrs(&(h.as_str(), 0)).ok()?.next())
        .map_or_else(|| "?".to_string(), |a| a.ip().to_string());
    let message = format!(
        "text={text} exe={exe} hostname={} addr={addr} terminal={} res=success",
        host.as_deref().unwrap_or("?"),
        tty.as_deref().unwrap_or("?")
    );
    match client.send_user_message(raudit_netlink::proto::msg::AUDIT_USER, message.as_bytes()) {
        Ok(()) => Ok(()),
        // libaudit treats a kernel without audit as success for these.
        Err(e) if e.errno() == Some(libc::ECONNREFUSED) => Ok(()),
        Err(e) => Err(kernel(Request::UserMessage, &e)),
    }
}

/// What `--signal` did when no error stopped it.
pub(crate) enum Signalled {
    Sent,
    /// No daemon is registered (the reference says so, and succeeds).
    NoDaemon,
}

/// `--signal SIG`: send SIG to the registered audit daemon.
pub(crate) fn signal<T: Transport>(
    client: &mut Client<T>,
    name: &str,
) -> Result<Signalled, RuleError> {
    use rustix::process::{Pid, Signal, kill_process};
    // COMPAT: auditctl.c: strcasecmp with the bare names (no SIG prefix).
    let sig = match name.to_ascii_uppercase().as_str() {
        "TERM" => Signal::TERM,
        "HUP" => Signal::HUP,
        "USR1" => Signal::USR1,
        "USR2" => Signal::USR2,
        "CONT" => Signal::CONT,
        _ => return Err(RuleError::UnsupportedSignal(name.to_string())),
    };
    let pid = client.get_status().map_err(|e| kernel(Request::GetStatus, &e))?.pid;
    // COMPAT: auditctl.c: a missing daemon is reported, not an error.
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return Ok(Signalled::NoDaemon);
    };
    kill_process(pid, sig).map_err(|e| RuleError::Signal(e.into()))?;
    Ok(Signalled::Sent)
}
