//! Children a test starts (daemons, load generators): signalled by PID
//! (no `kill` program in between), waited for with a bound, and stopped on
//! drop so a failing test leaves no process behind and no daemon
//! registered with the kernel.

use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus};
use std::time::Duration;

pub use rustix::process::Signal;
use rustix::process::{Pid, kill_process};

use crate::{KernelGuard, poll_until};

/// How long a stopped child gets to exit before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// Sends `sig` to process `pid`.
///
/// # Panics
/// When the signal cannot be sent (no such process, or a bad pid).
pub fn signal(pid: u32, sig: Signal) {
    let target = i32::try_from(pid).ok().and_then(Pid::from_raw);
    let Some(target) = target else { panic!("bad pid {pid}") };
    if let Err(e) = kill_process(target, sig) {
        panic!("cannot send {sig:?} to {pid}: {e}");
    }
}

/// Sends SIGSTOP to `pid` and waits until every one of its threads is stopped: the signal
/// only asks, and each thread stops when it next runs.
///
/// # Panics
/// When the process is not stopped within `timeout`.
pub fn stop_all_threads(pid: u32, timeout: Duration) {
    signal(pid, Signal::STOP);
    let tasks = format!("/proc/{pid}/task");
    let all_stopped = || {
        let Ok(dir) = std::fs::read_dir(&tasks) else { return false };
        dir.filter_map(Result::ok).all(|t| {
            let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
            // `PID (COMM) STATE ...`: the name may hold spaces and parentheses.
            let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.bytes().next());
            state == Some(b'T')
        })
    };
    assert!(poll_until(timeout, all_stopped), "{pid} did not stop within {timeout:?}");
}

/// A child process that is stopped (its stop signal, then SIGKILL after
/// [`STOP_TIMEOUT`]) and reaped when dropped. If the kernel still lists it
/// as the audit daemon then (killed before it could unregister), the dead
/// registration is cleared.
#[derive(Debug)]
pub struct DaemonProcess {
    child: Child,
    stop: Signal,
    status: Option<ExitStatus>,
}

impl DaemonProcess {
    /// Spawns `cmd`; SIGTERM stops it (a daemon's orderly shutdown).
    ///
    /// # Panics
    /// When `cmd` cannot be spawned.
    pub fn spawn(cmd: &mut Command) -> DaemonProcess {
        DaemonProcess::spawn_with_stop(cmd, Signal::TERM)
    }

    /// Spawns `cmd`; `stop` stops it (SIGKILL for a load generator that
    /// must not outlive the test).
    ///
    /// # Panics
    /// When `cmd` cannot be spawned.
    pub fn spawn_with_stop(cmd: &mut Command, stop: Signal) -> DaemonProcess {
        match cmd.spawn() {
            Ok(child) => DaemonProcess { child, stop, status: None },
            Err(e) => panic!("cannot spawn {cmd:?}: {e}"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the child holds a NETLINK_AUDIT socket that has joined a
    /// multicast group: a `--multicast` reader is listening only from then
    /// on (it writes DAEMON_START before it joins).
    pub fn joined_audit_multicast(&self) -> bool {
        const NETLINK_AUDIT: &str = "9";
        let Ok(table) = std::fs::read_to_string("/proc/net/netlink") else { return false };
        let Ok(fds) = std::fs::read_dir(format!("/proc/{}/fd", self.pid())) else { return false };
        let inodes: Vec<String> = fds
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter_map(|l| {
                let l = l.to_string_lossy().into_owned();
                Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
            })
            .collect();
        // Columns: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode.
        table.lines().skip(1).any(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            cols.len() >= 10
                && cols[1] == NETLINK_AUDIT
                && cols[3].chars().any(|c| c != '0')
                && inodes.iter().any(|i| i == cols[9])
        })
    }

    /// Sends `sig` to the child.
    pub fn signal(&self, sig: Signal) {
        signal(self.pid(), sig);
    }

    /// Stops the child: see [`stop_all_threads`].
    pub fn stop_all_threads(&self, timeout: Duration) {
        stop_all_threads(self.pid(), timeout);
    }

    /// The child's piped standard input (once).
    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.child.stdin.take()
    }

    /// The child's piped standard error (once).
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        self.child.stderr.take()
    }

    /// The child's piped standard output (once).
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// Waits until the kernel lists the child as its audit daemon.
    ///
    /// # Panics
    /// After `timeout`, or when the child exits first.
    pub fn wait_registered(&mut self, kernel: &mut KernelGuard, timeout: Duration) {
        let pid = self.pid();
        let registered = poll_until(timeout, || {
            kernel.client().get_status().is_ok_and(|s| s.pid == pid)
                || self.child.try_wait().is_ok_and(|s| s.is_some())
        });
        assert!(self.try_status().is_none(), "daemon {pid} exited before registering");
        assert!(registered, "daemon {pid} did not register within {timeout:?}");
    }

    /// The exit status, once the child has exited (it is reaped then).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Waits up to `timeout` for the child to exit on its own.
    ///
    /// # Panics
    /// After `timeout` (the child is then stopped by the drop).
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        poll_until(timeout, || self.try_status().is_some());
        match self.try_status() {
            Some(status) => status,
            None => panic!("process {} still running after {timeout:?}", self.pid()),
        }
    }

    /// Sends the stop signal and waits up to `timeout` for the exit.
    ///
    /// # Panics
    /// After `timeout`, or when the child already exited.
    pub fn stop(&mut self, timeout: Duration) -> ExitStatus {
        assert!(self.try_status().is_none(), "process {} exited before it was stopped", self.pid());
        self.signal(self.stop);
        self.wait(timeout)
    }

    /// SIGKILL, then reaped.
    ///
    /// # Panics
    /// When the child already exited or does not die.
    pub fn kill(&mut self) -> ExitStatus {
        assert!(self.try_status().is_none(), "process {} exited before it was killed", self.pid());
        self.signal(Signal::KILL);
        self.wait(STOP_TIMEOUT)
    }

    /// Stops the child if it still runs, without panicking (drop-time).
    fn shut_down(&mut self) {
        let pid = self.pid();
        if self.try_status().is_none() {
            let _ = kill_process_quietly(pid, self.stop);
            if !poll_until(STOP_TIMEOUT, || self.try_status().is_some()) {
                eprintln!("raudit-testkit: {pid} ignored {:?}, killing it", self.stop);
                let _ = kill_process_quietly(pid, Signal::KILL);
                let _ = self.child.wait();
            }
        }
        clear_dead_registration(pid);
    }
}

fn kill_process_quietly(pid: u32, sig: Signal) -> Option<()> {
    let target = Pid::from_raw(i32::try_from(pid).ok()?)?;
    kill_process(target, sig).ok()
}

/// A killed daemon cannot unregister, and the kernel notices only when it
/// next sends to it. Setting pid 0 makes the kernel probe the registration
/// and drop it when it is dead (a live daemon other than us refuses).
fn clear_dead_registration(pid: u32) {
    let Ok(mut client) = raudit_netlink::Client::open() else { return };
    if client.get_status().is_ok_and(|s| s.pid == pid)
        && let Err(e) = client.set_pid(0)
    {
        eprintln!("raudit-testkit: daemon {pid} left registered: {e}");
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        self.shut_down();
    }
}
