//! Getting the kernel's records: the startup state (`-s`), the registration (with its retry
//! while a killed daemon's socket is still closing), the supervised start (crate::supervise)
//! and who holds the socket when the kernel says EEXIST.

use std::io;
use std::time::Duration;

use raudit_netlink::{Client, EventReader};

use super::{Options, Startup};
use crate::hooks::Priority;
use crate::sys::SignalFd;

/// Registers as the audit daemon. EEXIST while the registered pid no longer exists is a
/// daemon that was just killed whose last process is still closing the socket (a supervised
/// worker dies with its supervisor): asked again for a short while.
pub(super) fn register() -> Result<EventReader, raudit_netlink::Error> {
    let until = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        match EventReader::register() {
            Err(e) if e.is_exists() && std::time::Instant::now() < until => {
                let pid = Client::open().and_then(|mut c| c.get_status()).map(|s| s.pid);
                let gone = pid
                    .is_ok_and(|p| p != 0 && !std::path::Path::new(&format!("/proc/{p}")).exists());
                if !gone {
                    return Err(e);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            r => return r,
        }
    }
}

/// `-s`: the kernel's enabled flag at start, unless it is locked (2).
pub(super) fn apply_startup(
    control: &mut Client,
    startup: Startup,
) -> Result<(), raudit_netlink::Error> {
    if startup == Startup::NoChange || control.get_status().is_ok_and(|s| s.enabled == 2) {
        return Ok(());
    }
    control.set_enabled(u32::from(startup == Startup::Enable))
}

/// Registers this process and becomes the supervisor ([`crate::supervise`]); `None` when the
/// startup state or the registration is refused (the unsupervised start reports it).
pub(super) fn start_supervised(
    opts: &Options,
    control: &mut Client,
    sigfd: &SignalFd,
    say: &dyn Fn(Priority, &str),
    tell_parent: &dyn Fn(bool),
) -> Option<io::Result<crate::supervise::Role>> {
    apply_startup(control, opts.startup).ok()?;
    let reader = register().ok()?;
    Some(crate::supervise::supervise(reader, sigfd, &opts.pid_file(), say, tell_parent))
}

/// `: the audit socket belongs to pid N (PROGRAM)`: who holds the socket, from the kernel's
/// status (its pid) and /proc (its name); empty when it cannot be found out.
pub(super) fn socket_owner_note() -> String {
    let pid = Client::open().and_then(|mut c| c.get_status()).map(|s| s.pid);
    match pid {
        Ok(pid) if pid != 0 => {
            format!(": the audit socket belongs to {}", raudit_sys::process::describe(pid))
        }
        _ => String::new(),
    }
}
