//! Chooses how syscalls are attached. The per-syscall tracepoints
//! (`syscalls:sys_enter_connect`, ...) run only for the syscalls traced, but libbpf finds
//! them through tracefs, which some machines do not mount at boot. So tracefs is mounted
//! when missing (said once on stderr and left mounted: another tracer may be attaching
//! through it, and an unmount could pull it from under that tracer), and when that cannot
//! be done the raw `tp_btf/sys_enter`/`sys_exit` tracepoints, which need only BTF, are
//! used instead: they work everywhere but run for every syscall of every task.

use std::path::Path;
use std::sync::Once;

/// Where syscalls are seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attach {
    /// `tracepoint/syscalls/sys_{enter,exit}_*`: only the traced syscalls pay.
    PerSyscall,
    /// `tp_btf/sys_enter` and `sys_exit`: every syscall pays a few comparisons.
    RawSyscalls,
}

/// Where libbpf looks for tracefs: the debugfs path when it exists, else the tracefs one.
const DEBUGFS_TRACING: &str = "/sys/kernel/debug/tracing";
const TRACEFS: &str = "/sys/kernel/tracing";

/// The syscall tracepoints the per-syscall programs attach to.
pub const SYSCALLS: [&str; 6] = ["connect", "open", "openat", "openat2", "execve", "execveat"];

fn tracing_dir() -> &'static str {
    if Path::new(DEBUGFS_TRACING).exists() { DEBUGFS_TRACING } else { TRACEFS }
}

fn has_syscall_events(dir: &str) -> bool {
    SYSCALLS.iter().all(|name| {
        ["enter", "exit"]
            .iter()
            .all(|side| Path::new(&format!("{dir}/events/syscalls/sys_{side}_{name}/id")).exists())
    })
}

static SAID: Once = Once::new();

/// Mounts tracefs on its standard mount point; Err with the reason when it cannot.
fn mount_tracefs() -> Result<(), String> {
    let target = std::ffi::CString::new(TRACEFS).map_err(|e| e.to_string())?;
    let kind = c"tracefs";
    let source = c"nodev";
    // SAFETY: every pointer is a NUL-terminated string that outlives the call; no data.
    let rc = unsafe {
        libc::mount(source.as_ptr(), target.as_ptr(), kind.as_ptr(), 0, std::ptr::null())
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    SAID.call_once(|| {
        eprintln!("raudit: tracefs was not mounted; mounted it on {TRACEFS} (left mounted)");
    });
    Ok(())
}

/// Picks the attachment: per-syscall tracepoints when tracefs has them (mounting it when
/// missing), else the raw ones. `RAUDIT_BPF_ATTACH=raw` forces the raw ones (benchmarks
/// compare both; tests check the fallback).
pub fn choose() -> Attach {
    if std::env::var_os("RAUDIT_BPF_ATTACH").is_some_and(|v| v == "raw") {
        return Attach::RawSyscalls;
    }
    if has_syscall_events(tracing_dir()) {
        return Attach::PerSyscall;
    }
    // Mount only over an empty mount point: a non-empty one is mounted already (without
    // syscall events, so a kernel without CONFIG_FTRACE_SYSCALLS) or is not ours to cover.
    // Two tracers starting together must not both mount (stacked mounts): the check and
    // the mount happen under a lock, held until this function returns.
    let _lock = MountLock::take();
    if has_syscall_events(tracing_dir()) {
        return Attach::PerSyscall;
    }
    // Without root the mount is refused anyway (and so is the load, unless the caller has
    // CAP_BPF and CAP_PERFMON, which the raw tracepoints suffice for): nothing to say then.
    let empty = std::fs::read_dir(TRACEFS).is_ok_and(|mut d| d.next().is_none());
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if tracing_dir() == TRACEFS && empty && root {
        match mount_tracefs() {
            Ok(()) if has_syscall_events(TRACEFS) => return Attach::PerSyscall,
            Ok(()) => {}
            Err(e) => SAID.call_once(|| {
                eprintln!(
                    "raudit: cannot mount tracefs on {TRACEFS} ({e}); tracing syscalls on the raw tracepoints"
                )
            }),
        }
    }
    Attach::RawSyscalls
}

/// An exclusive flock on a file in /run/lock, released when dropped (closing the file).
struct MountLock {
    _held: Option<std::fs::File>,
}

impl MountLock {
    fn take() -> MountLock {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open("/run/lock/raudit-tracefs.lock");
        // Without the lock file (no /run/lock, not root) the mount is attempted unlocked.
        let file = file.ok().filter(|f| {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a descriptor this File owns; no memory is involved.
            unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) == 0 }
        });
        MountLock { _held: file }
    }
}
