//! Crash-safe capture (issue 17): a minimal supervisor owns the registered audit socket while
//! the worker that reads it and writes the log runs, dies and is started again.
//!
//! Why this shape (measured on the kernel, docs/crash-safety.md): the kernel ties the daemon's
//! registration to the tgid that sent AUDIT_SET and to the socket's port id, refuses a second
//! registration while that socket is open (EEXIST), and lets only the registered tgid
//! unregister (EACCES otherwise). As long as the registered socket stays open, the kernel keeps
//! queueing records into it, also while no process reads. So the supervisor registers itself,
//! forks the worker (which inherits the socket) and does nothing else: it never reads the
//! socket, opens no log and starts no thread, so there is little in it to crash. When a worker
//! dies, the records sent meanwhile wait in the socket's buffer (and the kernel's backlog) for
//! the next worker. The pid file and `auditctl -s` show the supervisor; it forwards the
//! daemon's signals to the worker with their sender, and sends systemd's READY=1 once the
//! first worker reports its start.

use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use raudit_netlink::EventReader;
use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::process::Signal;

use crate::hooks::Priority;
use crate::recovery::Cause;
use crate::sys::{Exit, SignalFd};

/// What a worker gets from its supervisor.
pub(crate) struct Worker {
    /// The registered socket, shared with the supervisor (which unregisters it at the end).
    pub(crate) reader: Option<EventReader>,
    /// One byte on it tells the supervisor the worker has started.
    ready: io::PipeWriter,
    /// Why the previous worker stopped; `None` for the first.
    pub(crate) cause: Option<Cause>,
    /// Workers started before this one.
    pub(crate) restarts: u32,
}

impl Worker {
    pub(crate) fn first(&self) -> bool {
        self.cause.is_none()
    }

    /// Tells the supervisor this worker is registered, writing and listening.
    pub(crate) fn report_started(&mut self) {
        let _ = self.ready.write_all(&[0]);
    }
}

/// Which process [`supervise`] returns in.
pub(crate) enum Role {
    /// A freshly forked worker: it goes on with the daemon's start-up.
    Worker(Box<Worker>),
    /// The supervisor, once the daemon stopped: the exit status of the whole.
    Supervisor(Result<(), WorkerFailed>),
}

/// The first worker did not start (it said why); its exit status.
#[derive(Debug, Clone, Copy)]
pub struct WorkerFailed(pub i32);

/// Longest wait before restarting a worker that keeps dying right after its start.
const MAX_DELAY: Duration = Duration::from_secs(5);
/// A worker that lived this long is restarted at once.
const STABLE: Duration = Duration::from_secs(1);

/// Runs the supervisor on `reader` (registered by this process), forking workers until the
/// daemon is told to stop. Must be called while the process is single-threaded.
pub(crate) fn supervise(
    mut reader: EventReader,
    sigfd: &SignalFd,
    pid_file: &Path,
    say: &dyn Fn(Priority, &str),
    tell_parent: &dyn Fn(bool),
) -> io::Result<Role> {
    let chld = SignalFd::block(&[Signal::CHILD])?;
    let supervisor = std::process::id();
    let _ = std::fs::write("/proc/self/oom_score_adj", "-1000");
    let mut cause = None;
    let mut restarts = 0;
    let mut delay = Duration::ZERO;
    let mut notified = false;
    let outcome = loop {
        let (mut ready_r, ready_w) = io::pipe()?;
        let started = Instant::now();
        // SAFETY: the supervisor starts no thread (see the module doc); run() calls this
        // before the log writer or any other thread exists.
        let pid = match unsafe { crate::sys::fork_child() }? {
            None => {
                drop(ready_r);
                drop(chld);
                // Killing the supervisor kills the daemon: a worker left behind would keep the
                // socket registered to a pid nobody can signal or unregister.
                if !crate::sys::die_with_parent(Signal::KILL, supervisor) {
                    std::process::exit(1);
                }
                crate::sys::unblock(&[Signal::CHILD]);
                reader.disown_registration();
                crate::own::set_daemon_pid(supervisor);
                return Ok(Role::Worker(Box::new(Worker {
                    reader: Some(reader),
                    ready: ready_w,
                    cause,
                    restarts,
                })));
            }
            Some(pid) => pid,
        };
        drop(ready_w);
        let mut stopping = false;
        let mut ready_open = true;
        let exit = loop {
            let mut fds =
                vec![PollFd::new(sigfd, PollFlags::IN), PollFd::new(&chld, PollFlags::IN)];
            if ready_open {
                fds.push(PollFd::new(&ready_r, PollFlags::IN));
            }
            if rustix::event::poll(&mut fds, None).is_err() {
                continue;
            }
            let (sig, child) = (!fds[0].revents().is_empty(), !fds[1].revents().is_empty());
            if fds.get(2).is_some_and(|f| !f.revents().is_empty()) {
                let mut b = [0u8; 1];
                match ready_r.read(&mut b) {
                    Ok(1) if !notified => {
                        notified = true;
                        if let Err(e) = crate::notify::notify("READY=1") {
                            let text = format!("Cannot tell systemd the daemon is ready ({e})");
                            say(Priority::Warning, &text);
                        }
                    }
                    Ok(1) => {}
                    _ => ready_open = false,
                }
            }
            if sig {
                while let Some(s) = sigfd.read() {
                    stopping |= s.signo == libc::SIGTERM || s.signo == libc::SIGINT;
                    // A worker already gone gets nothing; its successor starts afresh.
                    let _ = crate::sys::forward_signal(pid, s.signo, s.pid, s.uid);
                }
            }
            if child {
                while chld.read().is_some() {}
                if let Some(exit) = crate::sys::wait_child(pid, false) {
                    break exit;
                }
            }
        };
        if stopping {
            // The worker drained the socket and wrote its end record.
            break Ok(());
        }
        if !notified {
            // The first worker never started: that is the daemon's start failing.
            let code = match exit {
                Exit::Code(c) if c != 0 => c,
                _ => 1,
            };
            tell_parent(false);
            break Err(WorkerFailed(code));
        }
        let (signal, code) = match exit {
            Exit::Signal(s) => (Some(s), None),
            Exit::Code(c) => (None, Some(c)),
        };
        cause = Some(Cause::WorkerDied { signal, code });
        restarts += 1;
        delay = if started.elapsed() >= STABLE {
            Duration::ZERO
        } else {
            (delay * 2).clamp(Duration::from_millis(100), MAX_DELAY)
        };
        let how =
            signal.map_or(format!("exit status {}", code.unwrap_or(0)), |s| format!("signal {s}"));
        say(
            Priority::Warning,
            &format!(
                "rauditd worker {pid} stopped ({how}); starting a new one in {} ms, records wait \
                 in the audit socket",
                delay.as_millis()
            ),
        );
        if stop_requested_within(sigfd, delay) {
            break Ok(());
        }
    };
    // Only the registered process may unregister; dropping the reader does it.
    drop(reader);
    let _ = std::fs::remove_file(pid_file);
    Ok(Role::Supervisor(outcome))
}

/// Waits `delay` for a TERM or INT (other signals have no worker to go to and are dropped).
fn stop_requested_within(sigfd: &SignalFd, delay: Duration) -> bool {
    let until = Instant::now() + delay;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let timeout =
            Timespec { tv_sec: left.as_secs() as i64, tv_nsec: left.subsec_nanos().into() };
        let mut fds = [PollFd::new(sigfd, PollFlags::IN)];
        if rustix::event::poll(&mut fds, Some(&timeout)).is_err() {
            continue;
        }
        while let Some(s) = sigfd.read() {
            if s.signo == libc::SIGTERM || s.signo == libc::SIGINT {
                return true;
            }
        }
    }
}
