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

    /// Connect when records wait and the link is down.
    fn maybe_connect(&mut self, now: Instant) {
        if self.conn.is_some() || self.queue.is_empty() || self.act.suspend {
            return;
        }
        if now < self.next_attempt {
            return;
        }
        match self.connect() {
            Ok(conn) => {
                self.log.msg(
                    LOG_NOTICE,
                    &format!("Connected to {}", self.cfg.remote_server.as_deref().unwrap_or("")),
                );
                self.conn = Some(conn);
                self.remote_ended = false;
                self.connected_once = true;
                self.eof_failures = 0;
                if self.pipelining && self.cfg.format == Format::Managed {
                    self.send_control(Flight::Probe);
                }
            }
            Err(e) => {
                if self.eof {
                    self.eof_failures += 1;
                }
                let retry = Duration::from_secs(u64::from(self.cfg.network_retry_time));
                if !self.connected_once {
                    self.next_attempt = now + retry;
                    let a = self.cfg.startup_failure_action.clone();
                    actions::run(
                        &self.log,
                        &mut self.act,
                        "startup network failure",
                        "First attempt at connecting to server unsuccessful",
                        LOG_WARNING,
                        &a,
                    );
                    let _ = e;
                } else if self.remote_ended {
                    // The server went away cleanly: wait for it, this is not a record failure.
                    self.next_attempt = now + retry;
                } else {
                    self.record_failure(now, &e);
                }
            }
        }
    }

    fn connect(&self) -> io::Result<Conn> {
        let host = self.cfg.remote_server.as_deref().unwrap_or("");
        let addrs: Vec<SocketAddr> = (host, self.cfg.port).to_socket_addrs()?.collect();
        let timeout = Duration::from_secs(u64::from(self.cfg.max_time_per_record.max(1)));
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            let r = if self.cfg.local_port != 0 {
                connect_from(addr, self.cfg.local_port)
            } else {
                TcpStream::connect_timeout(&addr, timeout)
            };
            match r {
                Ok(stream) => {
                    let _ = rustix::net::sockopt::set_socket_keepalive(&stream, true);
                    if self.cfg.format == Format::Managed {
                        let _ = stream.set_nodelay(true);
                    }
                    stream.set_nonblocking(true)?;
                    return Ok(Conn {
                        link: self.wrap(stream)?,
                        decoder: Decoder::new(),
                        out: Vec::with_capacity(256 * 1024),
                        inflight: VecDeque::new(),
                        sent: 0,
                        window: 1,
                        last_activity: Instant::now(),
                    });
                }
                Err(e) => {
                    if !self.connected_once {
                        self.log.msg(LOG_ERR, &format!("Error connecting to {host}: {e}"));
                    }
                    last = e;
                }
            }
        }
        Err(last)
    }

    fn wrap(&self, stream: TcpStream) -> io::Result<Link> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return Ok(Link::Tls(Box::new(tls.connect(stream)?)));
        }
        Ok(Link::Plain(stream))
    }

    fn next_seq(&mut self) -> u32 {
        // COMPAT: the counter starts at 1 and is incremented before each send (first = 2).
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn send_control(&mut self, kind: Flight) {
        let seq = self.next_seq();
        let Some(conn) = &mut self.conn else { return };
        let mver = if kind == Flight::Probe { wire::VERSION_PIPELINE } else { 0 };
        wire::put_frame(&mut conn.out, wire::TYPE_HEARTBEAT, mver, seq, b"");
        conn.inflight.push_back((seq, kind, Instant::now()));
    }

    /// Put as many queued records on the wire as the window allows.
    fn fill_window(&mut self) {
        if self.act.suspend {
            return;
        }
        let Some(conn) = &mut self.conn else { return };
        if self.cfg.format == Format::Ascii {
            // No replies: a record leaves the queue once the socket took it.
            while conn.sent < self.queue.len() && conn.out.len() < 256 * 1024 {
                if let Some(rec) = self.queue.get(conn.sent) {
                    conn.out.extend_from_slice(rec);
                }
                conn.sent += 1;
            }
        } else {
            let limit = conn.window.min(self.queue.depth());
            while conn.sent < self.queue.len() && conn.inflight.len() < limit {
                self.seq = self.seq.wrapping_add(1);
                let seq = self.seq;
                if let Some(rec) = self.queue.get(conn.sent) {
                    wire::put_frame(&mut conn.out, wire::TYPE_MESSAGE, 0, seq, rec);
                }
                conn.inflight.push_back((seq, Flight::Record, Instant::now()));
                conn.sent += 1;
            }
        }
        if !conn.out.is_empty() && !self.write_out() {
            self.link_failed("send failed");
        }
    }

    /// Write what the socket takes. False: the link failed.
    fn write_out(&mut self) -> bool {
        let Some(conn) = &mut self.conn else { return true };
        let mut done = 0;
        let mut ok = conn.link.flush_pending().is_ok();
        while ok && done < conn.out.len() {
            match conn.link.write(&conn.out[done..]) {
                Ok(0) => {
                    ok = false;
                    break;
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    ok = false;
                    break;
                }
            }
        }
        conn.out.drain(..done);
        conn.last_activity = Instant::now();
        if ok && self.cfg.format == Format::Ascii && conn.out.is_empty() {
            let n = conn.sent;
            conn.sent = 0;
            if let Err(e) = self.queue.drop_head(n) {
                self.queue_error(&e.to_string());
            }
        }
        ok
    }

    fn read_replies(&mut self) {
        let mut buf = [0u8; 16 * 1024];
        let mut eof = false;
        {
            let Some(conn) = &mut self.conn else { return };
            for _ in 0..16 {
                match conn.link.read(&mut buf) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => {
                        conn.decoder.push(&buf[..n]);
                        if n < buf.len() {
                            break; // drained: spare the EAGAIN read
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        eof = true;
                        break;
                    }
                }
            }
        }
        if self.cfg.format == Format::Ascii {
            if eof {
                self.log.msg(
                    LOG_ERR,
                    &format!(
                        "Connection to {} closed unexpectedly - exiting",
                        self.cfg.remote_server.as_deref().unwrap_or("")
                    ),
                );
                self.close_conn();
                self.act.stop = true;
            }
            return;
        }
        let mut acked = 0usize;
        while let Some(conn) = &mut self.conn {
            let (h, text) = match conn.decoder.next_frame() {
                Ok(Some(f)) => (f.header, String::from_utf8_lossy(f.payload).into_owned()),
                Ok(None) => break,
                Err(e) => {
                    self.drop_acked(&mut acked);
                    self.log.msg(LOG_ERR, &format!("lost/losing sync, {e}"));
                    self.link_failed("bad reply");
                    return;
                }
            };
            if h.msg_type == wire::TYPE_ENDING {
                self.drop_acked(&mut acked);
                self.server_ending(&text);
                return;
            }
            let Some(&(seq, kind, _)) = conn.inflight.front() else {
                // An unsolicited reply: only ENDING is expected between requests.
                continue;
            };
            if h.sequence != seq {
                self.drop_acked(&mut acked);
                self.log.msg(LOG_ERR, "lost/losing sync, mismatched response");
                self.link_failed("mismatched response");
                return;
            }
            conn.inflight.pop_front();
            conn.last_activity = Instant::now();
            match kind {
                Flight::Probe => {
                    conn.window = if h.message_version >= wire::VERSION_PIPELINE {
                        PIPELINE_WINDOW
                    } else {
                        1
                    };
                    continue;
                }
                Flight::Heartbeat => continue,
                Flight::Record => {}
            }
            if h.msg_type == wire::TYPE_ACK {
                acked += 1;
                continue;
            }
            self.drop_acked(&mut acked);
            if !self.reply_problem(&h, &text) {
                return;
            }
        }
        self.drop_acked(&mut acked);
        if eof && self.conn.is_some() {
            // COMPAT: a clean close by the server counts as the remote end going away.
            self.close_conn();
            self.remote_ended = true;
            let retry = Duration::from_secs(u64::from(self.cfg.network_retry_time));
            self.next_attempt = Instant::now() + retry;
        }
    }

    /// Dequeue the `acked` records at the head.
    fn drop_acked(&mut self, acked: &mut usize) {
        if *acked == 0 {
            return;
        }
        if let Some(conn) = &mut self.conn {
            conn.sent -= (*acked).min(conn.sent);
        }
        if let Err(e) = self.queue.drop_head(*acked) {
            self.queue_error(&e.to_string());
        }
        *acked = 0;
        self.act.warned = 0;
        self.tries = 0;
        self.first_try = None;
    }

    /// A non-ACK reply to the head record. False when the connection was closed.
    fn reply_problem(&mut self, h: &Header, text: &str) -> bool {
        let c = &self.cfg;
        let (desc, level, action, close) = match h.msg_type {
            wire::TYPE_DISKLOW => (
                "remote server is low on disk space",
                LOG_WARNING,
                c.disk_low_action.clone(),
                false,
            ),
            wire::TYPE_DISKFULL => {
                ("remote server's disk is full", LOG_ERR, c.disk_full_action.clone(), true)
            }
            wire::TYPE_DISKERROR => {
                ("remote server has a disk error", LOG_ERR, c.disk_error_action.clone(), true)
            }
            t if t & wire::MASK_FATAL != 0 => {
                ("unrecognized remote error", LOG_ERR, c.generic_error_action.clone(), false)
            }
            t if t & wire::MASK_WARN != 0 => (
                "unrecognized remote warning",
                LOG_WARNING,
                c.generic_warning_action.clone(),
                false,
            ),
            _ => ("", 0, crate::conf::FailureAction::Ignore, false),
        };
        if close {
            self.close_conn();
        }
        let dequeue = actions::run(&self.log, &mut self.act, desc, text, level, &action);
        if dequeue {
            let mut one = 1;
            self.drop_acked(&mut one);
        } else if self.conn.is_some() {
            // The record stays at the head: resend it (and what followed it) on a new connection.
            self.close_conn();
        }
        if self.conn.is_none() {
            self.remote_ended = true;
            let retry = Duration::from_secs(u64::from(self.cfg.network_retry_time));
            self.next_attempt = Instant::now() + retry;
            return false;
        }
        true
    }

    fn server_ending(&mut self, text: &str) {
        self.close_conn();
        self.remote_ended = true;
        let a = self.cfg.remote_ending_action.clone();
        // The record in flight is never dropped here: it is resent after reconnecting.
        actions::run(
            &self.log,
            &mut self.act,
            "remote server is going down",
            text,
            LOG_WARNING,
            &a,
        );
        let retry = Duration::from_secs(u64::from(self.cfg.network_retry_time));
        self.next_attempt = Instant::now() + retry;
        if self.cfg.remote_ending_action != crate::conf::FailureAction::Reconnect {
            // COMPAT: without reconnect, the reference never connects again.
            self.act.suspend = !self.act.stop;
        }
    }

    fn close_conn(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.link.shutdown();
        }
    }

    /// A send or reply failure on an established link: drop it and retry the head record.
    fn link_failed(&mut self, why: &str) {
        let _ = why;
        self.close_conn();
        self.record_failure(Instant::now(), &io::Error::other(why.to_string()));
    }

    /// COMPAT: relay_sock_managed's retry policy: the first retry is immediate, later ones wait
    /// network_retry_time; after max_tries_per_record tries or max_time_per_record seconds the
    /// network_failure_action decides.
    fn record_failure(&mut self, now: Instant, _e: &io::Error) {
        self.tries += 1;
        let first = *self.first_try.get_or_insert(now);
        let retry = Duration::from_secs(u64::from(self.cfg.network_retry_time));
        self.next_attempt = if self.tries > 1 { now + retry } else { now };
        let max_time = Duration::from_secs(u64::from(self.cfg.max_time_per_record));
        let msg = if self.tries >= self.cfg.max_tries_per_record {
            Some("max retries exhausted")
        } else if now.duration_since(first) > max_time {
            Some("max retry time exhausted")
        } else {
            None
        };
        if let Some(msg) = msg {
            self.tries = 0;
            self.first_try = None;
            let a = self.cfg.network_failure_action.clone();
            if actions::run(&self.log, &mut self.act, "network failure", msg, LOG_WARNING, &a) {
                let mut one = 1;
                self.drop_acked(&mut one);
            }
        }
    }

    fn check_timers(&mut self, now: Instant) {
        if self.act.drop_connection {
            self.act.drop_connection = false;
            self.close_conn();
            self.remote_ended = true;
        }
        let Some(conn) = &self.conn else { return };
        let max_time = Duration::from_secs(u64::from(self.cfg.max_time_per_record));
        if let Some(&(_, _, at)) = conn.inflight.front()
            && now.duration_since(at) > max_time
        {
            self.log.msg(
                LOG_ERR,
                &format!("ack from {} timed out", self.cfg.remote_server.as_deref().unwrap_or("")),
            );
            self.link_failed("ack timed out");
            return;
        }
        let hb = self.cfg.heartbeat_timeout;
        if hb > 0
            && self.cfg.format == Format::Managed
            && conn.inflight.is_empty()
            && now.duration_since(conn.last_activity) >= Duration::from_secs(u64::from(hb))
        {
            self.send_control(Flight::Heartbeat);
            if let Some(conn) = &mut self.conn {
                conn.last_activity = now;
            }
            if !self.write_out() {
                self.link_failed("send failed");
            }
        }
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
