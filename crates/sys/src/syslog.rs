//! syslog(3): the daemon's and the dispatcher's messages go to the system log
//! through this one wrapper, with one set of priorities.

/// Syslog priority of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Alert,
    Err,
    Warning,
    Notice,
    Info,
    Debug,
}

impl Priority {
    /// The syslog(3) level.
    pub fn syslog_level(self) -> i32 {
        match self {
            Priority::Alert => libc::LOG_ALERT,
            Priority::Err => libc::LOG_ERR,
            Priority::Warning => libc::LOG_WARNING,
            Priority::Notice => libc::LOG_NOTICE,
            Priority::Info => libc::LOG_INFO,
            Priority::Debug => libc::LOG_DEBUG,
        }
    }
}

/// Sends `text` at `priority` under the facility `openlog` chose (user when
/// it was not called). `text` is logged as is (a NUL becomes a space).
pub fn syslog(priority: Priority, text: &str) {
    send(priority.syslog_level(), text);
}

/// Sends `text` at `priority` under facility daemon, whatever `openlog` chose.
pub fn syslog_daemon(priority: Priority, text: &str) {
    send(libc::LOG_DAEMON | priority.syslog_level(), text);
}

fn send(level: libc::c_int, text: &str) {
    let Ok(c) = std::ffi::CString::new(text.replace('\0', " ")) else { return };
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call, and the
    // format "%s" consumes exactly the one string argument passed.
    unsafe {
        libc::syslog(level, c"%s".as_ptr(), c.as_ptr());
    }
}

/// Tags every later message with `ident` and sends those without a facility
/// under `facility` (a `libc::LOG_*` facility), as openlog(3) without options.
pub fn openlog(ident: &'static std::ffi::CStr, facility: libc::c_int) {
    // SAFETY: `ident` is 'static, so the pointer openlog keeps stays valid for the whole process.
    unsafe { libc::openlog(ident.as_ptr(), 0, facility) }
}

/// Sends the bytes `text` with a raw syslog(3) priority (a level, optionally or-ed with a
/// facility); a NUL ends the message, as it would in C.
pub fn syslog_level(level: libc::c_int, text: &[u8]) {
    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
    let Ok(c) = std::ffi::CString::new(&text[..end]) else { return };
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call, and the
    // format "%s" consumes exactly the one string argument passed.
    unsafe {
        libc::syslog(level, c"%s".as_ptr(), c.as_ptr());
    }
}
