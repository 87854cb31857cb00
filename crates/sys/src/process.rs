//! Other processes, as /proc shows them: the program behind a pid, for messages and checks that
//! name who holds something (the audit socket's owner, a plugin); and what a child the daemon
//! starts may inherit from it ([`cloexec_above_stdio`]).

use std::path::PathBuf;

/// The program's name (`/proc/PID/comm`), or None when the process is gone or hidden.
pub fn program_name(pid: u32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let comm = comm.trim_end_matches('\n');
    (!comm.is_empty()).then(|| comm.to_string())
}

/// The executable's path (`/proc/PID/exe`), when it can be read (root, or the same user).
pub fn executable(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// `pid 1234 (auditd)`, or `pid 1234` when its name cannot be read.
pub fn describe(pid: u32) -> String {
    match program_name(pid) {
        Some(name) => format!("pid {pid} ({name})"),
        None => format!("pid {pid}"),
    }
}

/// In a child between fork and exec: marks every descriptor above stderr close-on-exec, so a
/// helper or plugin inherits only stdin, stdout and stderr even if some library opened a
/// descriptor without O_CLOEXEC. Marking (rather than closing) keeps the spawner's own
/// close-on-exec error pipe working. Best effort: kernels before 5.11 lack close_range, and
/// there everything the daemon opens is close-on-exec already.
pub fn cloexec_above_stdio() {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    // SAFETY: a raw close_range(2) syscall with plain integer arguments; it touches no memory
    // and is async-signal-safe, so it may run in a forked child before exec.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            CLOSE_RANGE_CLOEXEC,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_this_process() {
        let me = std::process::id();
        let name = program_name(me).unwrap();
        assert!(describe(me).starts_with(&format!("pid {me} (")), "{name}");
        assert!(executable(me).is_some());
        // pid 0 is never a process in /proc.
        assert_eq!(program_name(0), None);
        assert_eq!(describe(0), "pid 0");
    }
}
