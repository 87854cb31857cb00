//! The OS calls the daemon needs that neither std nor rustix offers safely (openlog, fork,
//! signalfd; syslog(3) itself is `raudit_sys::syslog`), and thin wrappers over the rustix ones
//! with C semantics to keep (nice). Nothing here knows about the daemon's own types.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};

use rustix::io::Errno;
use rustix::process::Signal;

/// Open the syslog connection with the daemon's identity.
pub fn open_syslog() {
    // SAFETY: the ident is a 'static C string literal, as openlog requires (it keeps the pointer).
    unsafe {
        libc::openlog(c"rauditd".as_ptr(), libc::LOG_PID, libc::LOG_DAEMON);
    }
}

/// Which side of a [`fork`] this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forked {
    Parent,
    Child,
}

/// `fork(2)`.
///
/// # Safety
/// The process must be single-threaded (no thread started yet), so that the child is a full
/// copy of it and may go on with ordinary Rust code.
pub unsafe fn fork() -> io::Result<Forked> {
    // SAFETY: fork takes no arguments; the caller guarantees the single-threaded precondition.
    let pid = unsafe { libc::fork() };
    match pid {
        0 => Ok(Forked::Child),
        p if p > 0 => Ok(Forked::Parent),
        _ => Err(io::Error::last_os_error()),
    }
}

/// Points stdin, stdout and stderr at `/dev/null` (a daemon keeps no terminal).
pub fn stdio_to_null() {
    if let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        let _ = rustix::stdio::dup2_stdin(&null);
        let _ = rustix::stdio::dup2_stdout(&null);
        let _ = rustix::stdio::dup2_stderr(&null);
    }
}

/// `nice(delta)` with glibc's semantics: the new priority is the current one plus `delta`
/// (the kernel clamps it), and a refusal reads EPERM.
pub fn nice(delta: i32) -> io::Result<()> {
    let now = rustix::process::getpriority_process(None)?;
    rustix::process::setpriority_process(None, now.wrapping_add(delta))
        .map_err(|e| if e == Errno::ACCESS { Errno::PERM } else { e })?;
    Ok(())
}

/// The given signals, blocked for this thread (and every thread it starts) and read from a
/// descriptor instead of being delivered.
pub struct SignalFd(OwnedFd);

impl SignalFd {
    pub fn block(signals: &[Signal]) -> io::Result<SignalFd> {
        // SAFETY: `set` is a properly initialised sigset_t on our stack; sigemptyset/sigaddset
        // only write into it; pthread_sigmask and signalfd read it. signalfd returns a new
        // descriptor that we own from here on (or -1, checked).
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for s in signals {
                libc::sigaddset(&mut set, s.as_raw());
            }
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            let fd = libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(SignalFd(OwnedFd::from_raw_fd(fd)))
        }
    }

    /// The next pending signal; `None` when none is pending.
    pub fn read(&self) -> Option<Received> {
        let mut buf = [0u8; std::mem::size_of::<libc::signalfd_siginfo>()];
        let n = rustix::io::read(&self.0, &mut buf).ok()?;
        if n != buf.len() {
            return None;
        }
        let field = |offset: usize| -> Option<u32> {
            Some(u32::from_ne_bytes(buf.get(offset..offset + 4)?.try_into().ok()?))
        };
        use std::mem::offset_of;
        Some(Received {
            signo: field(offset_of!(libc::signalfd_siginfo, ssi_signo))? as i32,
            pid: field(offset_of!(libc::signalfd_siginfo, ssi_pid))?,
            uid: field(offset_of!(libc::signalfd_siginfo, ssi_uid))?,
        })
    }
}

/// A signal as it was delivered: who sent it (pid 0 when the kernel did,
/// as for a terminal's Ctrl-C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub signo: i32,
    pub pid: u32,
    pub uid: u32,
}

impl AsFd for SignalFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// Unblocks `signals` for this thread (a forked worker takes back what its supervisor blocked).
pub fn unblock(signals: &[Signal]) {
    // SAFETY: as in SignalFd::block: a zeroed sigset_t on our stack, filled and read by libc.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in signals {
            libc::sigaddset(&mut set, s.as_raw());
        }
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

/// Sends `signo` to `pid` naming `sender_pid`/`sender_uid` as its sender (rt_sigqueueinfo with
/// SI_QUEUE), so that a forwarded signal still says who sent it in the first place.
pub fn forward_signal(pid: i32, signo: i32, sender_pid: u32, sender_uid: u32) -> io::Result<()> {
    // siginfo_t is 128 bytes: si_signo, si_errno, si_code, then (after padding to the union's
    // alignment on 64-bit targets) the kill fields si_pid and si_uid.
    let mut info = [0i32; 32];
    let at = if cfg!(target_pointer_width = "64") { 4 } else { 3 };
    info[0] = signo;
    info[2] = libc::SI_QUEUE;
    info[at] = sender_pid as i32;
    info[at + 1] = sender_uid as i32;
    // SAFETY: `info` is a live, 128-byte, int-aligned buffer laid out as the kernel's siginfo
    // for SI_QUEUE; the kernel copies it in and keeps no pointer.
    let r = unsafe { libc::syscall(libc::SYS_rt_sigqueueinfo, pid, signo, info.as_ptr()) };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// How a child ended, from `waitpid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

/// `waitpid(pid)`: `None` while it runs (`block` false) or when it is no child of ours.
pub fn wait_child(pid: i32, block: bool) -> Option<Exit> {
    let mut status = 0;
    let flags = if block { 0 } else { libc::WNOHANG };
    loop {
        // SAFETY: `status` is a live int for waitpid to fill.
        let r = unsafe { libc::waitpid(pid, &mut status, flags) };
        if r < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        if r <= 0 {
            return None;
        }
        if libc::WIFEXITED(status) {
            return Some(Exit::Code(libc::WEXITSTATUS(status)));
        }
        if libc::WIFSIGNALED(status) {
            return Some(Exit::Signal(libc::WTERMSIG(status)));
        }
        if !block {
            return None;
        }
    }
}

/// `fork(2)` that returns the child's pid in the parent.
///
/// # Safety
/// As [`fork`]: the process must be single-threaded.
pub unsafe fn fork_child() -> io::Result<Option<i32>> {
    // SAFETY: the caller guarantees the single-threaded precondition.
    let pid = unsafe { libc::fork() };
    match pid {
        0 => Ok(None),
        p if p > 0 => Ok(Some(p)),
        _ => Err(io::Error::last_os_error()),
    }
}

/// Asks the kernel to send `signal` to this process when its parent dies; `false` when the
/// parent is already gone (it died before the request took effect).
pub fn die_with_parent(signal: Signal, parent: u32) -> bool {
    // SAFETY: PR_SET_PDEATHSIG takes a signal number and touches no memory of ours.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, signal.as_raw() as libc::c_ulong, 0, 0, 0) };
    rustix::process::getppid().is_some_and(|p| p.as_raw_nonzero().get() as u32 == parent)
}

/// Runs the calling thread at idle priority (SCHED_IDLE: only when a CPU has nothing else to
/// do), or back at the normal one (SCHED_OTHER, nice unchanged).
pub fn idle_thread(idle: bool) -> io::Result<()> {
    let policy = if idle { libc::SCHED_IDLE } else { libc::SCHED_OTHER };
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: pid 0 is the calling thread; `param` is a valid sched_param that the call only reads.
    if unsafe { libc::sched_setscheduler(0, policy, &param) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
