//! The receiving end: auditd's TCP listener (auditd.conf `tcp_*` keys) as a library the daemon
//! runs. One thread accepts clients, frames their records, hands each record line to the caller's
//! [`Handler`] and replies once the handler says what became of it (ACK, DISKLOW, DISKFULL,
//! DISKERROR), answers heartbeats, and sends ENDING to every client on shutdown.
//!
//! Beyond the reference: a client that opens with a HEARTBEAT whose `message_version` is 1 gets an
//! ACK with `message_version` 1, which tells a raudit client it may keep several records in
//! flight. The listener needs nothing else for that: it handles every whole frame it has read, in
//! order. A peer that breaks framing (bad magic, length over 8970, half a frame at EOF) is closed
//! with a [`Event::Warning`] instead of being left hanging as the reference does.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags};
use rustix::net::{AddressFamily, SocketType, sockopt};
use thiserror::Error;

use crate::link::Link;
use crate::wire::{self, Decoder, Header};

use raudit_tables::MsgType;

/// The auditd.conf settings the listener uses.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// `tcp_listen_port` (1..=65535).
    pub port: u16,
    /// `tcp_listen_queue`.
    pub listen_queue: u32,
    /// `tcp_max_per_addr`.
    pub max_per_addr: u32,
    /// `tcp_client_ports`.
    pub client_min_port: u16,
    pub client_max_port: u16,
    /// `tcp_client_max_idle`, seconds (0 = never).
    pub client_max_idle: u32,
    /// `use_libwrap`.
    pub use_libwrap: bool,
    /// `transport = krb5` / `enable_krb5 = yes`.
    pub krb5: bool,
    /// Beyond the reference: listen on these addresses instead of the wildcard (tests, loopback).
    pub bind: Option<Vec<IpAddr>>,
    /// Beyond the reference: answer the pipelining negotiation (default true).
    pub pipelining: bool,
    /// Beyond the reference (which accepts until accept(2) fails): clients served at once; one
    /// more is closed as soon as it is accepted. Defaults to the open-file limit less
    /// [`FD_RESERVE`], so that the log, rotation and plugins always have descriptors.
    pub max_clients: usize,
    /// Beyond the reference (feature `tls`): clients must speak TLS with these settings.
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<crate::tls::ServerTls>>,
}

impl ListenerConfig {
    /// The listener settings of a loaded auditd.conf.
    pub fn from_daemon(c: &raudit_config::DaemonConfig) -> ListenerConfig {
        ListenerConfig {
            port: c.tcp_listen_port,
            listen_queue: c.tcp_listen_queue,
            max_per_addr: c.tcp_max_per_addr,
            client_min_port: c.tcp_client_min_port,
            client_max_port: c.tcp_client_max_port,
            client_max_idle: c.tcp_client_max_idle,
            use_libwrap: c.use_libwrap,
            krb5: c.transport == raudit_config::Transport::Krb5,
            bind: None,
            pipelining: true,
            max_clients: default_max_clients(),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Defaults of a config with only `tcp_listen_port` set, on `addrs`.
    pub fn on(port: u16, addrs: Vec<IpAddr>) -> ListenerConfig {
        ListenerConfig {
            port,
            listen_queue: 5,
            max_per_addr: 1,
            client_min_port: 0,
            client_max_port: 65535,
            client_max_idle: 0,
            use_libwrap: false,
            krb5: false,
            bind: Some(addrs),
            pipelining: true,
            max_clients: default_max_clients(),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// Descriptors kept for the rest of the daemon when [`ListenerConfig::max_clients`] is derived
/// from the open-file limit.
pub const FD_RESERVE: u64 = 64;

/// The open-file limit less [`FD_RESERVE`] (half the limit when it is small).
fn default_max_clients() -> usize {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    let soft = soft.unwrap_or(u64::from(u32::MAX));
    let n = if soft > 2 * FD_RESERVE { soft - FD_RESERVE } else { soft / 2 };
    usize::try_from(n).unwrap_or(usize::MAX).max(1)
}

/// After accept(2) fails (out of descriptors), the listening sockets are not polled for this
/// long: they stay readable, and polling them would spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(250);
/// At most one warning about refused or failed accepts per this period.
const ACCEPT_WARN_EVERY: Duration = Duration::from_secs(60);

/// What became of a received record: the daemon's state decides the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Stored (or write_logs = no).
    Ack,
    /// Stored, space_left warning active.
    DiskLow,
    /// Not stored: ENOSPC.
    DiskFull,
    /// Not stored: another write error.
    DiskError,
    /// Not stored: logging is suspended.
    Suspended,
}

impl Reply {
    fn wire(self) -> (u32, &'static [u8]) {
        match self {
            Reply::Ack => (wire::TYPE_ACK, b""),
            Reply::DiskLow => (wire::TYPE_DISKLOW, b""),
            Reply::DiskFull => (wire::TYPE_DISKFULL, b"disk full"),
            Reply::DiskError => (wire::TYPE_DISKERROR, b"disk write error"),
            Reply::Suspended => (wire::TYPE_DISKERROR, b"remote logging suspended"),
        }
    }
}

/// A client's address as the daemon's records print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peer {
    pub addr: IpAddr,
    pub port: u16,
}

/// Why a connection was refused (the `op=` of DAEMON_ACCEPT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Source port outside tcp_client_ports.
    Port,
    /// tcp_max_per_addr reached.
    Dup,
}

/// Connection events, for the daemon's DAEMON_ACCEPT / DAEMON_CLOSE records and its syslog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Accepted(Peer),
    Rejected(Peer, RejectReason),
    Closed(Peer),
    /// A message for syslog (LOG_WARNING): a client broke the protocol or its socket failed.
    Warning(String),
}

impl Event {
    /// The audit record this event becomes: (type, body), e.g. (DAEMON_ACCEPT, `addr=127.0.0.1 port=4000
    /// res=success`), in the reference's words; `None` for warnings.
    pub fn record(&self) -> Option<(MsgType, String)> {
        match self {
            Event::Accepted(p) => Some((
                MsgType::DAEMON_ACCEPT,
                format!("addr={} port={} res=success", p.addr, p.port),
            )),
            Event::Rejected(p, why) => {
                let op = match why {
                    RejectReason::Port => "port",
                    RejectReason::Dup => "dup",
                };
                Some((
                    MsgType::DAEMON_ACCEPT,
                    format!("op={op} addr={} port={} res=no", p.addr, p.port),
                ))
            }
            Event::Closed(p) => Some((
                MsgType::DAEMON_CLOSE,
                format!("addr={} port={} res=success", p.addr, p.port),
            )),
            Event::Warning(_) => None,
        }
    }
}

/// The daemon's side of the listener. Called on the listener thread.
pub trait Handler: Send + 'static {
    /// One received record: the line as the client sent it (node= and all), without its LF.
    /// Return once it is stored (or not): the reply goes out after this returns.
    fn record(&mut self, peer: &Peer, line: &[u8]) -> Reply;
    /// A connection event.
    fn event(&mut self, event: Event);
}

/// Why the listener cannot start.
#[derive(Debug, Error)]
pub enum ListenError {
    #[error("tcp_listen_port is not set")]
    NoPort,
    #[error(
        "use_libwrap is not supported by raudit and /etc/hosts.allow or /etc/hosts.deny has rules \
         for auditd; set use_libwrap = no (or filter with a firewall)"
    )]
    LibwrapUnsupported,
    #[error("krb5 transport is not supported by raudit; use transport = tcp")]
    Krb5Unsupported,
    #[error("Cannot bind listener socket to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("listener: {0}")]
    Io(#[from] io::Error),
    /// The `tcp_tls_*` settings cannot be used (bad files, or built without TLS).
    #[error("listener TLS: {0}")]
    Tls(String),
}

/// Counters for the daemon's state report.
#[derive(Debug, Default)]
pub struct Stats {
    pub active: AtomicU64,
    pub total: AtomicU64,
}

/// A running listener. Dropping it shuts it down too.
pub struct ListenerHandle {
    wake: UnixStream,
    thread: Option<JoinHandle<()>>,
    addrs: Vec<SocketAddr>,
    stats: Arc<Stats>,
}

impl ListenerHandle {
    /// The addresses listened on (the port is the real one when 0 was asked in `bind` mode).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// `active connections` / `total connections` of the state report.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Send ENDING to every client, close everything, and wait for the thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = (&self.wake).write_all(b"x");
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Bind as auditd does and start serving on a thread of its own.
pub fn start<H: Handler>(cfg: ListenerConfig, handler: H) -> Result<ListenerHandle, ListenError> {
    if cfg.krb5 {
        return Err(ListenError::Krb5Unsupported);
    }
    if cfg.use_libwrap && libwrap_has_rules() {
        return Err(ListenError::LibwrapUnsupported);
    }
    if cfg.port == 0 && cfg.bind.is_none() {
        return Err(ListenError::NoPort);
    }
    let mut listeners = Vec::new();
    for (ip, v6only) in bind_plan(&cfg) {
        let addr = SocketAddr::new(ip, cfg.port);
        let l = bind_one(addr, v6only, cfg.listen_queue)
            .map_err(|source| ListenError::Bind { addr, source })?;
        listeners.push(l);
    }
    let addrs = listeners.iter().filter_map(|l| l.local_addr().ok()).collect();
    let (wake, wake_rx) = UnixStream::pair()?;
    wake_rx.set_nonblocking(true)?;
    let stats = Arc::new(Stats::default());
    let mut server = Server {
        cfg,
        listeners,
        wake: wake_rx,
        clients: Vec::new(),
        per_addr: HashMap::new(),
        handler,
        stats: Arc::clone(&stats),
        buf: vec![0u8; 64 * 1024],
        accept_paused_until: None,
        accept_warned: None,
        accept_refused: 0,
    };
    let thread = std::thread::Builder::new()
        .name("remote-listener".to_string())
        .spawn(move || server.run())?;
    Ok(ListenerHandle { wake, thread: Some(thread), addrs, stats })
}

/// COMPAT: auditd-listen.c uses getaddrinfo(NULL, port, AI_PASSIVE|AI_ADDRCONFIG): the IPv4 and
/// IPv6 wildcards when both families are configured, and then only the dual-stack IPv6 socket.
fn bind_plan(cfg: &ListenerConfig) -> Vec<(IpAddr, bool)> {
    if let Some(addrs) = &cfg.bind {
        return addrs.iter().map(|a| (*a, a.is_ipv6())).collect();
    }
    if has_global_ipv6() {
        vec![(IpAddr::V6(Ipv6Addr::UNSPECIFIED), false)]
    } else {
        vec![(IpAddr::V4(Ipv4Addr::UNSPECIFIED), false)]
    }
}

/// AI_ADDRCONFIG's test: an IPv6 address on an interface other than loopback.
fn has_global_ipv6() -> bool {
    std::fs::read_to_string("/proc/net/if_inet6")
        .map(|s| s.lines().any(|l| l.split_whitespace().last() != Some("lo")))
        .unwrap_or(false)
}

/// True when hosts_access(3) could refuse a client of daemon `auditd`: a rule line naming auditd
/// or ALL in /etc/hosts.allow or /etc/hosts.deny. Without such a line libwrap allows everyone, so
/// the listener behaves as the reference's.
fn libwrap_has_rules() -> bool {
    ["/etc/hosts.allow", "/etc/hosts.deny"].iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|text| {
            text.lines().any(|l| {
                let l = l.trim();
                if l.is_empty() || l.starts_with('#') {
                    return false;
                }
                let daemons = l.split(':').next().unwrap_or("");
                daemons.split([' ', ',', '\t']).any(|d| {
                    d.eq_ignore_ascii_case("ALL") || d == "auditd" || d.starts_with("auditd@")
                })
            })
        })
    })
}

fn bind_one(addr: SocketAddr, v6only: bool, backlog: u32) -> io::Result<TcpListener> {
    let family = if addr.is_ipv6() { AddressFamily::INET6 } else { AddressFamily::INET };
    let fd: OwnedFd = rustix::net::socket_with(
        family,
        SocketType::STREAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    if addr.is_ipv6() {
        sockopt::set_ipv6_v6only(&fd, v6only)?;
    }
    rustix::net::bind(&fd, &addr)?;
    rustix::net::listen(&fd, backlog.min(i32::MAX as u32) as i32)?;
    let l = TcpListener::from(fd);
    l.set_nonblocking(true)?;
    Ok(l)
}

struct Client {
    link: Link,
    peer: Peer,
    decoder: Decoder,
    out: Vec<u8>,
    /// Read something since the last idle tick.
    active: bool,
}

struct Server<H: Handler> {
    cfg: ListenerConfig,
    listeners: Vec<TcpListener>,
    wake: UnixStream,
    clients: Vec<Client>,
    per_addr: HashMap<IpAddr, u32>,
    handler: H,
    stats: Arc<Stats>,
    buf: Vec<u8>,
    /// accept(2) failed: the listening sockets rest until then.
    accept_paused_until: Option<Instant>,
    /// When the last accept warning went out, and connections refused or failed since.
    accept_warned: Option<Instant>,
    accept_refused: u64,
}

/// Stop reading from a client whose unread replies pass this (it does not read its socket).
/// A pipelining raudit client has at most 512 records in flight: 16-byte ACKs, or error replies
/// of under 40 bytes.
const MAX_PENDING_OUT: usize = 64 << 10;

impl<H: Handler> Server<H> {
    fn run(&mut self) {
        let idle = Duration::from_secs(u64::from(self.cfg.client_max_idle));
        let mut next_tick = Instant::now() + idle;
        loop {
            let now = Instant::now();
            let mut timeout = if self.cfg.client_max_idle > 0 {
                if now >= next_tick {
                    self.idle_tick();
                    next_tick = now + idle;
                }
                Some(next_tick.saturating_duration_since(now))
            } else {
                None
            };
            if let Some(until) = self.accept_paused_until {
                if now >= until {
                    self.accept_paused_until = None;
                } else {
                    let rest = until - now;
                    timeout = Some(timeout.map_or(rest, |t| t.min(rest)));
                }
            }
            let (ready_wake, ready_listen, ready_clients) = match self.wait(timeout) {
                Ok(r) => r,
                Err(_) => continue,
            };
            if ready_wake {
                self.close_all();
                return;
            }
            for i in ready_listen {
                self.accept(i);
            }
            // Back to front so removals do not shift the indexes still to visit.
            for (i, readable, writable) in ready_clients.into_iter().rev() {
                let mut keep = true;
                if writable {
                    keep = self.flush(i);
                }
                if keep && readable {
                    keep = self.read_client(i);
                }
                if keep {
                    keep = self.flush(i);
                }
                if !keep {
                    self.close(i);
                }
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn wait(
        &self,
        timeout: Option<Duration>,
    ) -> io::Result<(bool, Vec<usize>, Vec<(usize, bool, bool)>)> {
        let mut fds: Vec<PollFd<'_>> =
            Vec::with_capacity(1 + self.listeners.len() + self.clients.len());
        fds.push(PollFd::new(&self.wake, PollFlags::IN));
        let listen_flags =
            if self.accept_paused_until.is_some() { PollFlags::empty() } else { PollFlags::IN };
        for l in &self.listeners {
            fds.push(PollFd::new(l, listen_flags));
        }
        for c in &self.clients {
            let mut f = PollFlags::empty();
            if c.out.len() < MAX_PENDING_OUT {
                f |= PollFlags::IN;
            }
            if !c.out.is_empty() || c.link.wants_write() {
                f |= PollFlags::OUT;
            }
            fds.push(PollFd::from_borrowed_fd(c.link.fd(), f));
        }
        let ts = timeout.map(|d| rustix::event::Timespec {
            tv_sec: d.as_secs() as i64,
            tv_nsec: i64::from(d.subsec_nanos()),
        });
        rustix::event::poll(&mut fds, ts.as_ref())?;
        let wake = !fds[0].revents().is_empty();
        let nl = self.listeners.len();
        let listen = (0..nl).filter(|&i| !fds[1 + i].revents().is_empty()).collect();
        let clients = (0..self.clients.len())
            .filter_map(|i| {
                let r = fds[1 + nl + i].revents();
                let readable = r.intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR);
                let writable = r.contains(PollFlags::OUT);
                (readable || writable).then_some((i, readable, writable))
            })
            .collect();
        Ok((wake, listen, clients))
    }

    fn accept(&mut self, li: usize) {
        for _ in 0..64 {
            let (stream, addr) = match self.listeners[li].accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Out of descriptors (or memory): the connection waits in the backlog.
                    self.accept_paused_until = Some(Instant::now() + ACCEPT_PAUSE);
                    self.warn_accept(format!("accept failed: {e}"));
                    return;
                }
            };
            let peer = Peer { addr: addr.ip(), port: addr.port() };
            // COMPAT: the reference's order of checks: source port, then connections per address.
            if peer.port < self.cfg.client_min_port || peer.port > self.cfg.client_max_port {
                self.handler.event(Event::Rejected(peer, RejectReason::Port));
                continue;
            }
            let count = self.per_addr.get(&peer.addr).copied().unwrap_or(0);
            if count >= self.cfg.max_per_addr {
                self.handler.event(Event::Rejected(peer, RejectReason::Dup));
                continue;
            }
            // Beyond the reference: a cap below the open-file limit.
            if self.clients.len() >= self.cfg.max_clients {
                drop(stream);
                let text = format!(
                    "TCP connection from {} closed: {} clients already (the most served at once)",
                    addr.ip(),
                    self.clients.len()
                );
                self.warn_accept(text);
                continue;
            }
            let _ = stream.set_nodelay(true);
            let _ = sockopt::set_socket_keepalive(&stream, true);
            if stream.set_nonblocking(true).is_err() {
                continue;
            }
            let link = match self.wrap(stream) {
                Ok(l) => l,
                Err(e) => {
                    self.handler.event(Event::Warning(format!("TLS setup failed: {e}")));
                    continue;
                }
            };
            *self.per_addr.entry(peer.addr).or_insert(0) += 1;
            self.stats.active.fetch_add(1, Ordering::Relaxed);
            self.stats.total.fetch_add(1, Ordering::Relaxed);
            self.clients.push(Client {
                link,
                peer,
                decoder: Decoder::new(),
                out: Vec::new(),
                active: true,
            });
            self.handler.event(Event::Accepted(peer));
        }
    }

    /// A warning about accepting, at most once per [`ACCEPT_WARN_EVERY`] (a flood of connections
    /// must not become a flood of messages); the next one counts those left out.
    fn warn_accept(&mut self, text: String) {
        self.accept_refused += 1;
        let now = Instant::now();
        if self.accept_warned.is_some_and(|t| now.duration_since(t) < ACCEPT_WARN_EVERY) {
            return;
        }
        let earlier = self.accept_refused - 1;
        let text = if earlier > 0 {
            format!("{text} ({earlier} more refused or failed since the last message)")
        } else {
            text
        };
        self.handler.event(Event::Warning(text));
        self.accept_warned = Some(now);
        self.accept_refused = 0;
    }

    fn wrap(&self, stream: TcpStream) -> io::Result<Link> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.cfg.tls {
            return Ok(Link::Tls(Box::new(tls.accept(stream)?)));
        }
        Ok(Link::Plain(stream))
    }

    /// Read what is there and handle every whole frame. False: close the client.
    fn read_client(&mut self, i: usize) -> bool {
        let Server { clients, handler, buf, cfg, .. } = self;
        let c = &mut clients[i];
        c.active = true;
        for _ in 0..16 {
            match c.link.read(buf) {
                Ok(0) => {
                    if let Err(e) = c.decoder.finish() {
                        let text = format!("client {}:{} {e}", c.peer.addr, c.peer.port);
                        handler.event(Event::Warning(text));
                    }
                    return false;
                }
                Ok(n) => c.decoder.push(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let text = format!(
                        "client {}:{} socket closed unexpectedly ({e})",
                        c.peer.addr, c.peer.port
                    );
                    handler.event(Event::Warning(text));
                    return false;
                }
            }
            if c.out.len() >= MAX_PENDING_OUT {
                break;
            }
        }
        loop {
            let frame = match c.decoder.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => {
                    c.decoder.shrink();
                    return true;
                }
                Err(e) => {
                    let text = format!(
                        "client {}:{} sent bad data ({e}), closing",
                        c.peer.addr, c.peer.port
                    );
                    handler.event(Event::Warning(text));
                    return false;
                }
            };
            let h = frame.header;
            if h.msg_type == wire::TYPE_HEARTBEAT {
                let mver = if cfg.pipelining && h.message_version >= wire::VERSION_PIPELINE {
                    wire::VERSION_PIPELINE
                } else {
                    0
                };
                let mut ack = Header::new(wire::TYPE_ACK, 0, h.sequence);
                ack.message_version = mver;
                c.out.extend_from_slice(&ack.encode());
                continue;
            }
            let line = wire::record_line(frame.payload);
            let reply = handler.record(&c.peer, line);
            let (t, text) = reply.wire();
            wire::put_frame(&mut c.out, t, 0, h.sequence, text);
        }
    }

    /// Write pending replies. False: the socket failed.
    fn flush(&mut self, i: usize) -> bool {
        let c = &mut self.clients[i];
        if c.link.flush_pending().is_err() {
            return false;
        }
        let mut done = 0;
        while done < c.out.len() {
            match c.link.write(&c.out[done..]) {
                Ok(0) => return false,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return false,
            }
        }
        c.out.drain(..done);
        true
    }

    fn close(&mut self, i: usize) {
        let c = self.clients.swap_remove(i);
        c.link.shutdown();
        if let Some(n) = self.per_addr.get_mut(&c.peer.addr) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_addr.remove(&c.peer.addr);
            }
        }
        self.stats.active.fetch_sub(1, Ordering::Relaxed);
        self.handler.event(Event::Closed(c.peer));
    }

    /// COMPAT: every tick closes the clients that sent nothing since the previous one.
    fn idle_tick(&mut self) {
        for i in (0..self.clients.len()).rev() {
            if self.clients[i].active {
                self.clients[i].active = false;
            } else {
                self.close(i);
            }
        }
    }

    /// Shutdown: pending replies, then ENDING (sequence 0), then close.
    fn close_all(&mut self) {
        let ending = Header::new(wire::TYPE_ENDING, 0, 0).encode();
        for i in (0..self.clients.len()).rev() {
            let c = &mut self.clients[i];
            c.out.extend_from_slice(&ending);
            let _ = c.link.tcp().set_nonblocking(false);
            let _ = c.link.tcp().set_write_timeout(Some(Duration::from_secs(1)));
            let out = std::mem::take(&mut c.out);
            let _ = c.link.write(&out);
            let _ = c.link.flush_pending();
            self.close(i);
        }
    }
}
