//! What `ausearch --follow` and `aureport --follow` share around their
//! engines: stopping cleanly on SIGINT/SIGTERM, and noticing that nobody
//! reads the output any more (`... --follow | head`).

use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// SIGINT and SIGTERM no longer kill the process; they set the flag
/// [`should_stop`] reads, so the follower completes and prints what is
/// open, flushes and exits 0. SIGPIPE is ignored, so a write to a closed
/// pipe fails with EPIPE and ends the run with 0 as well.
pub fn catch_stop_signals() {
    // SAFETY: setting a signal's disposition to SIG_IGN has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is valid (empty mask, no flags); the
        // handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_stop as *const () as usize;
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// A stop signal came, or standard output is a pipe or socket whose
/// reader is gone (a write would fail with EPIPE, but a follower that
/// prints nothing for hours would never write to find out).
pub fn should_stop() -> bool {
    STOP.load(Ordering::Relaxed) || stdout_closed()
}

fn stdout_closed() -> bool {
    use rustix::event::{PollFd, PollFlags, poll};
    let stdout = std::io::stdout();
    let fd = stdout.as_fd();
    let mut fds = [PollFd::new(&fd, PollFlags::empty())];
    // POLLERR (reader closed) and POLLHUP are reported whatever was asked.
    let zero = rustix::event::Timespec { tv_sec: 0, tv_nsec: 0 };
    match poll(&mut fds, Some(&zero)) {
        Ok(n) if n > 0 => fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP),
        _ => false,
    }
}

/// Whether standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}
