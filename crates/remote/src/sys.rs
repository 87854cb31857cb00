//! Process plumbing the client needs from libc: syslog, signal flags, running a program.

use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};

pub static SIG_TERM: AtomicBool = AtomicBool::new(false);
pub static SIG_HUP: AtomicBool = AtomicBool::new(false);
pub static SIG_USR1: AtomicBool = AtomicBool::new(false);
pub static SIG_USR2: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(sig: libc::c_int) {
    let flag = match sig {
        libc::SIGTERM => &SIG_TERM,
        libc::SIGHUP => &SIG_HUP,
        libc::SIGUSR1 => &SIG_USR1,
        _ => &SIG_USR2,
    };
    flag.store(true, Ordering::SeqCst);
}

/// TERM/HUP/USR1/USR2 set flags (without SA_RESTART, so a blocked poll returns EINTR); children of
/// the exec actions are reaped by the kernel; SIGPIPE is ignored (writes then fail with EPIPE).
pub fn install_signals() {
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGUSR1, libc::SIGUSR2] {
        // SAFETY: a zeroed sigaction is a valid value; the handler only stores to atomics, which
        // is async-signal-safe; the pointers passed live across the call.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
    // SAFETY: setting dispositions to SIG_IGN has no memory effects. SIGCHLD ignored means
    // children never become zombies (the reference reaps them in a handler to the same effect).
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::signal(libc::SIGCHLD, libc::SIG_IGN);
    }
    // Plugins started by the reference auditd inherit a blocked mask: unblock ours.
    // SAFETY: a valid, initialised signal set is passed; the old mask is not requested.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGUSR1, libc::SIGUSR2] {
            libc::sigaddset(&mut set, sig);
        }
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

/// Open syslog under the reference's program name.
pub fn open_syslog() {
    // SAFETY: the ident is a 'static C string literal, as openlog requires (it keeps the pointer).
    unsafe { libc::openlog(c"audisp-remote".as_ptr(), libc::LOG_PID, libc::LOG_DAEMON) };
}

pub fn syslog(level: libc::c_int, msg: &str) {
    let Ok(c) = CString::new(msg.replace('\0', " ")) else { return };
    // SAFETY: a constant "%s" format with one valid NUL-terminated string argument.
    unsafe { libc::syslog(level, c"%s".as_ptr(), c.as_ptr()) };
}
