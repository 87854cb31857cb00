//! An external plugin: its process (started as the reference starts it) and the writer thread that
//! feeds it from its own queue, restarts it when it dies and stops it on request.

use std::io::IoSlice;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::io::Errno;
use rustix::net::{AddressFamily, SendAncillaryBuffer, SendFlags, SocketFlags, SocketType};
use rustix::process::{Pid, Signal};

use crate::format::binary_padding;
use crate::pconfig::{Format, PluginConf};
use crate::queue::{Queue, Take};
use crate::{Priority, Shared};

/// How often an idle writer looks whether its plugin is still alive.
const IDLE_CHECK: Duration = Duration::from_millis(250);

/// The running side of one external plugin, owned by the dispatcher.
pub(crate) struct External {
    pub queue: Arc<Queue>,
    pid: Arc<AtomicI32>,
    sock: Arc<std::sync::Mutex<Option<Arc<OwnedFd>>>>,
    thread: Option<JoinHandle<()>>,
}

impl External {
    /// Start the program and its writer thread. `None` when it cannot be run (the reference then
    /// continues without it).
    pub fn start(conf: PluginConf, queue: Arc<Queue>, shared: Arc<Shared>) -> Option<External> {
        let path = conf.path.clone()?;
        let (child, sock) = match spawn(&conf) {
            Ok(p) => p,
            Err(e) => {
                shared.log(
                    Priority::Err,
                    &format!(
                        "Error running {} ({}) continuing without it",
                        path.display(),
                        raudit_tables::errno::io_text(&e)
                    ),
                );
                return None;
            }
        };
        let pid = Arc::new(AtomicI32::new(child.id() as i32));
        let sock_slot = Arc::new(std::sync::Mutex::new(Some(sock.clone())));
        let mut w = Writer {
            conf,
            queue: queue.clone(),
            shared,
            child: Some(child),
            sock,
            pid: pid.clone(),
            sock_slot: sock_slot.clone(),
            restarts: 0,
            orphans: Vec::new(),
        };
        let thread =
            std::thread::Builder::new().name("raudit-plugin".into()).spawn(move || w.run()).ok()?;
        Some(External { queue, pid, sock: sock_slot, thread: Some(thread) })
    }

    /// Send `sig` to the running program (SIGHUP on reload).
    pub fn signal(&self, sig: Signal) {
        if let Some(pid) = Pid::from_raw(self.pid.load(Ordering::Acquire)) {
            let _ = rustix::process::kill_process(pid, sig);
        }
    }

    /// Stop the plugin: with `drain`, what is queued is delivered first (for at most `grace`).
    /// A writer blocked on a plugin that does not read is unblocked by shutting the socket down.
    pub fn stop(mut self, drain: bool, grace: Duration) {
        self.queue.stop(!drain);
        let Some(thread) = self.thread.take() else { return };
        let deadline = Instant::now() + grace;
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if !thread.is_finished() {
            let sock = self.sock.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(sock) = sock {
                let _ = rustix::net::shutdown(&*sock, rustix::net::Shutdown::Both);
            }
        }
        let _ = thread.join();
    }
}

/// Bytes the plugin socket may hold beyond the queue (see [`spawn`]).
const PLUGIN_SOCKET_BUFFER: usize = 8 << 20;

/// Start `conf`'s program with the socket's other end as its stdin.
fn spawn(conf: &PluginConf) -> std::io::Result<(Child, Arc<OwnedFd>)> {
    let path = conf.path.as_deref().ok_or(std::io::ErrorKind::NotFound)?;
    let (ours, theirs) = rustix::net::socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )?;
    // Beyond the reference: the socket itself holds a burst of records (the default send buffer
    // is ~200 KiB, about 700 records), so a plugin that is briefly not scheduled does not overflow
    // its queue while it is keeping up on average. Best effort: the forced size needs
    // CAP_NET_ADMIN, the plain one is capped by net.core.wmem_max.
    if rustix::net::sockopt::set_socket_send_buffer_size_force(&ours, PLUGIN_SOCKET_BUFFER).is_err()
    {
        let _ = rustix::net::sockopt::set_socket_send_buffer_size(&ours, PLUGIN_SOCKET_BUFFER);
    }
    let mut cmd = Command::new(path);
    // COMPAT: argv = path + args, an empty environment; stdout and stderr are inherited. Every
    // other descriptor of this process is close-on-exec (std and rustix open them so), which
    // stands for the reference's closing of fds 3..23.
    cmd.args(&conf.args).env_clear().stdin(Stdio::from(theirs));
    // SAFETY: the closure runs in the forked child before exec and only calls async-signal-safe
    // functions (sigemptyset, pthread_sigmask, signal); it touches no memory of the parent.
    unsafe {
        cmd.pre_exec(reset_signals);
    }
    let child = cmd.spawn()?;
    Ok((child, Arc::new(ours)))
}

/// The reference leaves its ignored signals ignored and its thread's blocked signals blocked in
/// plugins; a plugin starts here with every disposition at default and nothing blocked.
fn reset_signals() -> std::io::Result<()> {
    // Beyond the reference's closing of fds 3..23: every descriptor above stderr, whoever
    // opened it, is made close-on-exec (the plugin's stdin is its socket, fd 0).
    raudit_sys::process::cloexec_above_stdio();
    // SAFETY: plain libc calls on a local, zero-initialised sigset_t; see the pre_exec note.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
        for sig in 1..65 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
    }
    Ok(())
}

struct Writer {
    conf: PluginConf,
    queue: Arc<Queue>,
    shared: Arc<Shared>,
    child: Option<Child>,
    sock: Arc<OwnedFd>,
    pid: Arc<AtomicI32>,
    sock_slot: Arc<std::sync::Mutex<Option<Arc<OwnedFd>>>>,
    restarts: u32,
    /// Earlier processes that closed their stdin but had not exited yet.
    orphans: Vec<Child>,
}

impl Writer {
    fn path(&self) -> String {
        self.conf.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default()
    }

    fn run(&mut self) {
        let mut batch: Vec<Vec<u8>> = Vec::with_capacity(crate::queue::BATCH);
        loop {
            match self.queue.take(&mut batch, IDLE_CHECK) {
                Take::Stop => break,
                Take::Timeout => {
                    self.reap_orphans();
                    // A plugin that died while idle is restarted now rather than at the next record.
                    let exited =
                        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
                    if exited && !self.died() {
                        self.queue.close();
                        break;
                    }
                    continue;
                }
                Take::Items => {}
            }
            let mut from = 0;
            while from < batch.len() {
                match send_batch(&self.sock, &batch[from..], self.conf.format) {
                    Ok(()) => break,
                    Err((i, _)) => {
                        if self.queue_stopping() {
                            from = batch.len();
                        } else if self.died() {
                            // COMPAT: the record being written when the plugin died is sent again.
                            from += i;
                        } else {
                            self.queue.close();
                            from = batch.len();
                        }
                    }
                }
            }
            self.queue.recycle(&mut batch);
            if self.child.is_none() {
                break;
            }
        }
        self.finish();
    }

    fn queue_stopping(&self) -> bool {
        self.queue.is_stopping()
    }

    /// The plugin went away: restart it unless it used up `max_restarts`. False when given up.
    fn died(&mut self) -> bool {
        let path = self.path();
        self.shared.log(Priority::Err, &format!("plugin {path} terminated unexpectedly"));
        self.retire_child();
        self.restarts += 1;
        if self.restarts > self.shared.max_restarts() {
            self.shared.log(Priority::Err, &format!("plugin {path} has exceeded max_restarts"));
            return false;
        }
        match spawn(&self.conf) {
            Ok((child, sock)) => {
                self.pid.store(child.id() as i32, Ordering::Release);
                self.child = Some(child);
                self.sock = sock.clone();
                *self.sock_slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(sock);
                self.shared.log(Priority::Notice, &format!("plugin {path} was restarted"));
                true
            }
            Err(e) => {
                self.shared.log(
                    Priority::Err,
                    &format!(
                        "Error running {path} ({}) continuing without it",
                        raudit_tables::errno::io_text(&e)
                    ),
                );
                false
            }
        }
    }

    fn retire_child(&mut self) {
        self.pid.store(0, Ordering::Release);
        if let Some(mut c) = self.child.take()
            && !matches!(c.try_wait(), Ok(Some(_)))
        {
            self.orphans.push(c);
        }
    }

    fn reap_orphans(&mut self) {
        self.orphans.retain_mut(|c| !matches!(c.try_wait(), Ok(Some(_))));
    }

    /// End of the plugin: EOF on its stdin, then SIGTERM, then SIGKILL, each after a grace
    /// period, and every process reaped.
    fn finish(&mut self) {
        *self.sock_slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let _ = rustix::net::shutdown(&*self.sock, rustix::net::Shutdown::Write);
        self.pid.store(0, Ordering::Release);
        let grace = self.shared.stop_grace;
        let mut all: Vec<Child> = self.orphans.drain(..).collect();
        all.extend(self.child.take());
        for mut c in all {
            if wait_for(&mut c, grace) {
                continue;
            }
            if let Some(pid) = Pid::from_raw(c.id() as i32) {
                let _ = rustix::process::kill_process(pid, Signal::TERM);
            }
            if !wait_for(&mut c, grace) {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

fn wait_for(c: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if matches!(c.try_wait(), Ok(Some(_)) | Err(_)) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Write the records of `batch` in order (binary frames padded to the full data area). On
/// failure, the index of the first record not completely written and the error.
pub(crate) fn send_batch(
    fd: &OwnedFd,
    batch: &[Vec<u8>],
    format: Format,
) -> Result<(), (usize, Errno)> {
    let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(batch.len() * 2);
    for rec in batch {
        slices.push(IoSlice::new(rec));
        if format == Format::Binary {
            slices.push(IoSlice::new(binary_padding(rec.len())));
        }
    }
    let frame_len = |rec: &Vec<u8>| match format {
        Format::String => rec.len(),
        Format::Binary => rec.len() + binary_padding(rec.len()).len(),
    };
    let mut rest: &mut [IoSlice<'_>] = &mut slices;
    let mut sent: usize = 0;
    while !rest.is_empty() {
        let n = rest.len().min(1024);
        let r = rustix::net::sendmsg(
            fd,
            &rest[..n],
            &mut SendAncillaryBuffer::default(),
            SendFlags::NOSIGNAL,
        );
        match r {
            Ok(k) => {
                sent += k;
                IoSlice::advance_slices(&mut rest, k);
            }
            Err(Errno::INTR) => continue,
            Err(e) => {
                let mut acc = 0;
                for (i, rec) in batch.iter().enumerate() {
                    acc += frame_len(rec);
                    if acc > sent {
                        return Err((i, e));
                    }
                }
                return Err((batch.len().saturating_sub(1), e));
            }
        }
    }
    Ok(())
}
