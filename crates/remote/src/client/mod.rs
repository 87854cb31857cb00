//! The sending end: the audisp-remote plugin. It reads the plugin string stream on stdin, drops EOE
//! records, queues every other record (in memory, and in `queue_file` in forward mode) and sends
//! the queue to `remote_server` in the managed or ascii format. A record leaves the queue only once
//! the server acknowledged it (or a failure action said to drop it), so records wait out network
//! and server outages, bounded by `queue_depth`.
//!
//! Unlike the reference, the loop never blocks: stdin is read while a reply is awaited or a
//! reconnection is pending, and against a raudit listener several records are in flight at once
//! (see the crate documentation for the negotiation).

mod actions;
mod conn;

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags};
use thiserror::Error;

use crate::conf::{Format, Mode, RemoteConfig, Transport};
use crate::link::Link;
use crate::queue::{Queue, QueueError};
use crate::sys;
use crate::wire::{self, Decoder, Header};
use actions::{ActionState, LOG_ERR, LOG_INFO, LOG_NOTICE, LOG_WARNING, Log};

/// Records a raudit client keeps unacknowledged against a listener that agreed to pipelining.
pub const PIPELINE_WINDOW: usize = 512;

/// How to run the client, beyond the config file.
#[derive(Debug, Clone)]
pub struct Options {
    pub config: RemoteConfig,
    /// Offer pipelining to the server (default true; false = the reference's stop-and-wait).
    pub pipelining: bool,
    /// Also print messages on stderr.
    pub log_stderr: bool,
    /// Beyond the reference (feature `tls`): speak TLS to the server.
    #[cfg(feature = "tls")]
    pub tls: Option<std::sync::Arc<crate::tls::ClientTls>>,
}

impl Options {
    /// Pipelining offered, messages to syslog only, no TLS.
    pub fn new(config: RemoteConfig) -> Options {
        Options {
            config,
            pipelining: true,
            log_stderr: false,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// Why the client could not start.
#[derive(Debug, Error)]
pub enum ClientError {
    #[error("Error initializing audit record queue: {0}")]
    Queue(#[from] QueueError),
    #[error("krb5 transport is not supported by raudit; use transport = tcp")]
    Krb5Unsupported,
    #[error("{0}")]
    Io(#[from] io::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flight {
    /// The pipelining offer on a new connection.
    Probe,
    Heartbeat,
    Record,
}

struct Conn {
    link: Link,
    decoder: Decoder,
    out: Vec<u8>,
    /// Frames sent and not answered, oldest first.
    inflight: VecDeque<(u32, Flight, Instant)>,
    /// Queue records (from the head) that are in flight.
    sent: usize,
    window: usize,
    last_activity: Instant,
}

/// The plugin's state.
struct Client {
    cfg: RemoteConfig,
    pipelining: bool,
    log: Log,
    queue: Queue,
    conn: Option<Conn>,
    seq: u32,
    act: ActionState,
    /// The server ended the connection (or none was made yet): reconnect attempts are not failures.
    remote_ended: bool,
    connected_once: bool,
    /// Failed attempts at the head record, and when the first began.
    tries: u32,
    first_try: Option<Instant>,
    next_attempt: Instant,
    input: Vec<u8>,
    eof: bool,
    eof_failures: u32,
    #[cfg(feature = "tls")]
    tls: Option<std::sync::Arc<crate::tls::ClientTls>>,
}

/// Run the plugin on `input` (stdin) until SIGTERM, a stop action, or end of input with nothing
/// left to send. Returns the exit status: 0, or 1 when records remain queued.
pub fn run(opts: Options, input: OwnedFd) -> Result<u8, ClientError> {
    let cfg = opts.config;
    if cfg.transport == Transport::Krb5 {
        return Err(ClientError::Krb5Unsupported);
    }
    let log = Log { stderr: opts.log_stderr };
    sys::open_syslog();
    sys::install_signals();
    // COMPAT: audisp-remote's umask: at least 027 added to the inherited one.
    // SAFETY: umask has no memory effects.
    unsafe {
        let old = libc::umask(0o077);
        libc::umask(old | 0o027);
    }
    rustix::io::ioctl_fionbio(&input, true).map_err(io::Error::from)?;
    let queue = if cfg.mode == Mode::Forward {
        Queue::open_file(&cfg.queue_path(), cfg.queue_depth)?
    } else {
        Queue::in_memory(cfg.queue_depth)
    };
    log.msg(LOG_NOTICE, &format!("Audisp-remote started with queue_size: {}", queue.len()));
    let mut c = Client {
        cfg,
        pipelining: opts.pipelining,
        log,
        queue,
        conn: None,
        seq: 1,
        act: ActionState::default(),
        remote_ended: true,
        connected_once: false,
        tries: 0,
        first_try: None,
        next_attempt: Instant::now(),
        input: Vec::with_capacity(128 * 1024),
        eof: false,
        eof_failures: 0,
        #[cfg(feature = "tls")]
        tls: opts.tls,
    };
    c.main_loop(&input);
    let left = c.queue.len();
    if c.act.stop || sys::SIG_TERM.load(Ordering::SeqCst) {
        c.log.msg(
            LOG_NOTICE,
            &format!("audisp-remote is exiting on stop request, queue_size: {left}"),
        );
    }
    Ok(u8::from(left > 0))
}

impl Client {
    fn main_loop(&mut self, input: &OwnedFd) {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if sys::SIG_TERM.load(Ordering::SeqCst) || self.act.stop {
                return;
            }
            if sys::SIG_HUP.swap(false, Ordering::SeqCst) {
                // COMPAT: 3.0.9 only closes the transport on SIGHUP.
                self.close_conn();
            }
            if sys::SIG_USR1.swap(false, Ordering::SeqCst) {
                self.dump_stats();
            }
            if sys::SIG_USR2.swap(false, Ordering::SeqCst) {
                self.act.suspend = false;
            }
            if self.eof && self.done_at_eof() {
                return;
            }
            let now = Instant::now();
            self.maybe_connect(now);
            if self.act.stop {
                return;
            }
            self.fill_window();
            let timeout = self.poll_timeout(now);
            let (in_ready, sock_in, sock_out) = match self.wait(input, timeout) {
                Ok(r) => r,
                Err(_) => continue, // EINTR: a signal to look at
            };
            if sock_out && !self.write_out() {
                self.link_failed("send failed");
            }
            if sock_in {
                self.read_replies();
            }
            if in_ready {
                self.read_input(input, &mut buf);
            } else if !self.input.is_empty() {
                self.take_lines();
            }
            self.check_timers(Instant::now());
        }
    }

    /// At end of input: stop once the queue is sent, or when the server stays unreachable.
    fn done_at_eof(&self) -> bool {
        (self.queue.is_empty() && self.input.is_empty())
            || self.act.suspend
            || self.eof_failures >= self.cfg.max_tries_per_record.max(1)
    }

    fn dump_stats(&self) {
        let yn = |b: bool| if b { "yes" } else { "no" };
        self.log.msg(
            LOG_INFO,
            &format!(
                "suspend={}, remote_ended={}, transport_ok={}, queued_items={}, queue_depth={}",
                yn(self.act.suspend),
                yn(self.remote_ended),
                yn(self.conn.is_some()),
                self.queue.len(),
                self.cfg.queue_depth
            ),
        );
    }

    fn wait(&self, input: &OwnedFd, timeout: Option<Duration>) -> io::Result<(bool, bool, bool)> {
        let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(2);
        let read_input = !self.eof && self.can_queue() && self.input.len() < 256 * 1024;
        if read_input {
            fds.push(PollFd::new(input, PollFlags::IN));
        }
        if let Some(conn) = &self.conn {
            let mut f = PollFlags::IN;
            if !conn.out.is_empty() || conn.link.wants_write() {
                f |= PollFlags::OUT;
            }
            fds.push(PollFd::from_borrowed_fd(conn.link.fd(), f));
        }
        let ts = timeout.map(|d| rustix::event::Timespec {
            tv_sec: d.as_secs() as i64,
            tv_nsec: i64::from(d.subsec_nanos()),
        });
        rustix::event::poll(&mut fds, ts.as_ref())?;
        let mut it = fds.iter();
        let in_ready = read_input && it.next().is_some_and(|f| !f.revents().is_empty());
        let (mut sin, mut sout) = (false, false);
        if let Some(f) = it.next() {
            let r = f.revents();
            sin = r.intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR);
            sout = r.contains(PollFlags::OUT);
        }
        Ok((in_ready, sin, sout))
    }

    fn poll_timeout(&self, now: Instant) -> Option<Duration> {
        // Wake at least once a second: signals may land between the flag checks and poll.
        let mut t = Duration::from_secs(1);
        if self.conn.is_none() && !self.queue.is_empty() && !self.act.suspend {
            t = t.min(self.next_attempt.saturating_duration_since(now));
        }
        Some(t)
    }

    /// Input is taken into the queue unless the queue is full while records are moving: then it
    /// waits (in the pipe and in `self.input`) instead of being dropped; the reference does not
    /// read stdin while it drains its queue either. With the link down or suspended, input keeps
    /// flowing and overflow_action applies.
    fn can_queue(&self) -> bool {
        let full = self.queue.len() >= self.queue.depth();
        let draining = self.conn.is_some() && !self.act.suspend;
        !(full && draining)
    }

    fn read_input(&mut self, input: &OwnedFd, buf: &mut [u8]) {
        while self.input.len() < 256 * 1024 {
            match rustix::io::read(input, &mut *buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.input.extend_from_slice(&buf[..n]);
                    if n < buf.len() {
                        break;
                    }
                }
                Err(rustix::io::Errno::AGAIN) => break,
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => {
                    self.eof = true;
                    break;
                }
            }
        }
        self.take_lines();
    }

    fn take_lines(&mut self) {
        let input = std::mem::take(&mut self.input);
        let mut start = 0;
        while self.can_queue() {
            match input[start..].iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.enqueue_line(&input[start..start + i + 1]);
                    start += i + 1;
                }
                None if input.len() - start > wire::MAX_PAYLOAD => {
                    // COMPAT: audit_fgets hands over a line that fills its buffer without a LF.
                    let mut chunk = input[start..start + wire::MAX_PAYLOAD - 1].to_vec();
                    chunk.push(b'\n');
                    self.enqueue_line(&chunk);
                    start += wire::MAX_PAYLOAD - 1;
                }
                None if self.eof && start < input.len() => {
                    // A last line without LF.
                    let mut last = input[start..].to_vec();
                    last.push(b'\n');
                    self.enqueue_line(&last);
                    start = input.len();
                }
                None => break,
            }
        }
        let mut rest = input;
        rest.drain(..start);
        self.input = rest;
    }

    /// One input line (with its LF).
    fn enqueue_line(&mut self, line: &[u8]) {
        // COMPAT: EOE records are not sent, with or without a node= prefix; a line that does not
        // start with type= and has no space is dropped as malformed.
        if line.first() == Some(&b't') {
            if line.starts_with(b"type=EOE") {
                return;
            }
        } else {
            match line.iter().position(|&b| b == b' ') {
                Some(i) if line[i + 1..].starts_with(b"type=EOE") => return,
                Some(_) => {}
                None => return,
            }
        }
        let line = match line.iter().position(|&b| b == 0) {
            Some(z) => &line[..z],
            None => line,
        };
        match self.queue.push(line) {
            Ok(()) => {}
            Err(QueueError::Full) => {
                actions::overflow(&self.log, &mut self.act, self.cfg.overflow_action)
            }
            Err(e) => self.queue_error(&e.to_string()),
        }
    }

    fn queue_error(&mut self, msg: &str) {
        let a = self.cfg.queue_error_action.clone();
        actions::run(&self.log, &mut self.act, "queue error", msg, LOG_ERR, &a);
    }
}

/// Connect from a fixed local port (`local_port`), as the reference binds before connecting.
fn connect_from(addr: SocketAddr, local_port: u16) -> io::Result<TcpStream> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let family = if addr.is_ipv6() { AddressFamily::INET6 } else { AddressFamily::INET };
    let fd = rustix::net::socket_with(family, SocketType::STREAM, SocketFlags::CLOEXEC, None)?;
    rustix::net::sockopt::set_socket_reuseaddr(&fd, true)?;
    let local: SocketAddr = if addr.is_ipv6() {
        (std::net::Ipv6Addr::UNSPECIFIED, local_port).into()
    } else {
        (std::net::Ipv4Addr::UNSPECIFIED, local_port).into()
    };
    rustix::net::bind(&fd, &local)?;
    rustix::net::connect(&fd, &addr)?;
    Ok(TcpStream::from(fd))
}

/// Send a message where the client sends its own: syslog (as audisp-remote), and stderr if asked.
pub fn log_message(level: libc::c_int, text: &str, stderr: bool) {
    sys::open_syslog();
    Log { stderr }.msg(level, text);
}

/// The fd the plugin reads: stdin.
pub fn stdin_fd() -> io::Result<OwnedFd> {
    // SAFETY: fd 0 is open for the life of the process; it is borrowed only to be duplicated.
    let fd = unsafe { BorrowedFd::borrow_raw(0) };
    Ok(rustix::io::dup(fd)?)
}
