//! Thin OS calls the daemon needs that std does not offer.

use crate::writer::Priority;

/// A daemon message: to syslog (facility daemon, ident "rauditd") or to stderr.
pub fn message(to_syslog: bool, priority: Priority, text: &str) {
    if !to_syslog {
        eprintln!("{text}");
        return;
    }
    let level = match priority {
        Priority::Alert => libc::LOG_ALERT,
        Priority::Err => libc::LOG_ERR,
        Priority::Warning => libc::LOG_WARNING,
        Priority::Notice => libc::LOG_NOTICE,
    };
    let Ok(c) = std::ffi::CString::new(text.replace('\0', " ")) else { return };
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call, and the
    // format "%s" consumes exactly the one string argument passed.
    unsafe {
        libc::syslog(libc::LOG_DAEMON | level, c"%s".as_ptr(), c.as_ptr());
    }
}

/// Open the syslog connection with the daemon's identity.
pub fn open_syslog() {
    // SAFETY: the ident is a 'static C string literal, as openlog requires (it keeps the pointer).
    unsafe {
        libc::openlog(c"rauditd".as_ptr(), libc::LOG_PID, libc::LOG_DAEMON);
    }
}
