//! Reading audit records: as the registered daemon (unicast) or as a
//! read-only listener of the multicast group AUDIT_NLGRP_READLOG.

use std::borrow::Cow;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use raudit_proto::msg::AUDIT_NLGRP_READLOG;
use raudit_proto::nl::{self, LengthMode};

use crate::client::Client;
use crate::socket::NetlinkSocket;
use crate::transport::Transport;
use crate::{Error, Result};

/// Receive buffer asked for on event sockets (the kernel doubles it). Kernel memory is used only
/// while the daemon is behind; it absorbs storms that would overflow the kernel backlog
/// (measured in bench/README.md: 8 MiB lost ~10x more under a wait-0 storm).
pub const EVENT_RECEIVE_BUFFER: usize = 128 * 1024 * 1024;

/// How long dropping a registered reader waits for the unregister ACK.
const UNREGISTER_TIMEOUT: Duration = Duration::from_secs(3);

/// One audit record as the kernel sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The record type number (1300 SYSCALL, 1305 CONFIG_CHANGE, ...).
    pub msg_type: u16,
    /// The text, `audit(<sec>.<ms>:<serial>): ...`, byte for byte (it may
    /// hold non-UTF-8 bytes); trailing NULs are removed. For AUDIT_REPLACE
    /// it is the raw payload (the new daemon's pid, host-endian).
    pub text: Vec<u8>,
}

impl Record {
    /// A record from a message payload. AUDIT_REPLACE (a binary pid) is
    /// kept whole; text records lose their trailing NULs.
    pub fn new(msg_type: u16, payload: &[u8]) -> Record {
        if msg_type == raudit_proto::msg::AUDIT_REPLACE {
            return Record { msg_type, text: payload.to_vec() };
        }
        let end = payload.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        Record { msg_type, text: payload[..end].to_vec() }
    }

    /// The type name as the reference prints it (`SYSCALL`, `UNKNOWN[1999]`).
    pub fn type_name(&self) -> Cow<'static, str> {
        raudit_tables::msg_type::display_name(u32::from(self.msg_type))
    }

    /// The text for display, with invalid UTF-8 replaced.
    pub fn text_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.text)
    }
}

/// Counters of what a socket dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Receives that failed with ENOBUFS (the socket overran; records lost).
    pub enobufs: u64,
    /// Datagrams from a sender other than the kernel (port id != 0).
    pub spoofed: u64,
    /// Datagrams cut because they did not fit the buffer.
    pub truncated: u64,
    /// Datagrams whose netlink framing could not be read.
    pub malformed: u64,
    /// AUDIT_REPLACE probes received (the kernel checking we are alive).
    pub replace_probes: u64,
    /// Messages that answered no pending request and were not records.
    pub stray: u64,
}

/// How an [`EventReader`] gets its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKind {
    /// Registered as the audit daemon (AUDIT_SET pid on this socket).
    Daemon,
    /// Member of the read-only multicast group.
    Multicast,
}

/// A source of audit records.
///
/// A [`ReaderKind::Daemon`] reader unregisters (pid 0) when dropped, so a
/// process never leaves itself registered. Reading never fails because
/// of lost records: ENOBUFS is counted ([`EventReader::enobufs`]) and
/// malformed datagrams are counted and skipped.
///
/// Event loops: register [`AsFd`]/[`AsRawFd`] with epoll or mio, and when
/// the fd is readable call [`EventReader::try_next_record`] until it
/// returns `Ok(None)` (it never blocks; the fd itself stays in blocking
/// mode because every receive uses `MSG_DONTWAIT`).
///
/// The kernel never audits the registered daemon's own syscalls, and it
/// blocks its sender while a daemon's receive buffer is full, so a daemon
/// must keep reading; the reader asks for a 128 MiB buffer
/// ([`EVENT_RECEIVE_BUFFER`]).
#[derive(Debug)]
pub struct EventReader<T: Transport = NetlinkSocket> {
    client: Client<T>,
    kind: ReaderKind,
    registered: bool,
    /// [`EventReader::read_batch`]'s datagram slots (allocated on first use).
    slots: Vec<u8>,
    received: Vec<crate::Received>,
}

/// Bytes per datagram slot of [`EventReader::read_batch`] (as `Client`'s buffer): far above the kernel's largest
/// audit message (`MAX_AUDIT_MESSAGE_LENGTH` 8970 + header), so `MSG_TRUNC` means a bug.
const SLOT: usize = 64 * 1024;
/// Datagrams [`EventReader::read_batch`] asks for per receive.
pub const BATCH_DATAGRAMS: usize = crate::socket::MAX_BATCH;

impl EventReader<NetlinkSocket> {
    /// Opens a socket, enlarges its receive buffer and registers this
    /// process as the audit daemon on it. EEXIST ([`Error::is_exists`]) when
    /// another daemon is registered.
    pub fn register() -> Result<EventReader<NetlinkSocket>> {
        let client = Client::open()?;
        let _ = client.socket().set_receive_buffer(EVENT_RECEIVE_BUFFER);
        EventReader::with_client(client, ReaderKind::Daemon)
    }

    /// Opens a socket and joins AUDIT_NLGRP_READLOG (needs CAP_AUDIT_READ).
    /// Works alongside a registered daemon.
    pub fn multicast() -> Result<EventReader<NetlinkSocket>> {
        let client = Client::open()?;
        let _ = client.socket().set_receive_buffer(EVENT_RECEIVE_BUFFER);
        client
            .socket()
            .join_group(AUDIT_NLGRP_READLOG)
            .map_err(|source| Error::Io { op: "join the audit multicast group", source })?;
        EventReader::with_client(client, ReaderKind::Multicast)
    }

    /// The socket (receive buffer size, port id).
    pub fn socket(&self) -> &NetlinkSocket {
        self.client.socket()
    }
}

impl<T: Transport> EventReader<T> {
    /// Turns a client into a reader. For [`ReaderKind::Daemon`] this sends
    /// the registration; for [`ReaderKind::Multicast`] the caller has joined
    /// the group already.
    pub fn with_client(mut client: Client<T>, kind: ReaderKind) -> Result<EventReader<T>> {
        client.keep_records = true;
        client.mode = match kind {
            ReaderKind::Daemon => LengthMode::UnicastRecords,
            ReaderKind::Multicast => LengthMode::Standard,
        };
        let mut reader = EventReader {
            client,
            kind,
            registered: false,
            slots: Vec::new(),
            received: Vec::new(),
        };
        if kind == ReaderKind::Daemon {
            reader.client.set_pid(std::process::id())?;
            reader.registered = true;
        }
        Ok(reader)
    }

    /// Stops this reader from unregistering when dropped, for a process that shares the
    /// registered socket without being the registered one (a forked worker whose parent
    /// registered it and unregisters it): only the registered tgid may unregister.
    pub fn disown_registration(&mut self) {
        self.registered = false;
    }

    pub fn kind(&self) -> ReaderKind {
        self.kind
    }

    /// Whether records wait in memory: received while a request on [`EventReader::client`]
    /// waited for its answer. The socket no longer holds them, so polling it does not say so.
    pub fn has_kept_records(&self) -> bool {
        !self.client.pending.is_empty()
    }

    /// Whether this reader is (still) registered as the daemon.
    pub fn is_registered(&self) -> bool {
        self.registered
    }

    /// The control client on the same socket (a daemon asks for status and
    /// signal info through it). Records that arrive meanwhile are kept.
    pub fn client(&mut self) -> &mut Client<T> {
        &mut self.client
    }

    /// When `true`, AUDIT_REPLACE probes are returned as records (type
    /// 1329); by default they are counted and skipped, as a daemon must.
    pub fn set_surface_replace(&mut self, on: bool) {
        self.client.surface_replace = on;
    }

    /// Counters of dropped input.
    pub fn stats(&self) -> crate::Stats {
        self.client.stats
    }

    /// How many receives failed with ENOBUFS so far.
    pub fn enobufs(&self) -> u64 {
        self.client.stats.enobufs
    }

    /// The next record. `timeout` `None` waits for ever; `Some(ZERO)` never
    /// waits (for use after epoll/mio reports the fd readable). `Ok(None)`
    /// when nothing arrived in time.
    pub fn next_record(&mut self, timeout: Option<Duration>) -> Result<Option<crate::Record>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(record) = self.client.pending.pop_front() {
                return Ok(Some(record));
            }
            let Some(len) = self.client.recv_datagram("read audit records", deadline)? else {
                return Ok(None);
            };
            self.file_datagram(len);
        }
    }

    /// Like `next_record(Some(Duration::ZERO))`: what is there right now.
    pub fn try_next_record(&mut self) -> Result<Option<crate::Record>> {
        self.next_record(Some(Duration::ZERO))
    }

    /// Hands `f` every record that is there right now, up to about `max` of them, without
    /// waiting and without copying: records kept during a request first, then datagrams taken
    /// [`BATCH_DATAGRAMS`] at a time (`recvmmsg(2)` on the real socket). The payload is what
    /// [`Record::text`] would hold. Returns how many records `f` got; 0 means the socket is
    /// empty (datagrams that held no record were skipped and counted).
    /// Dropped input is counted as [`EventReader::next_record`] counts it.
    pub fn read_batch(&mut self, max: usize, f: &mut dyn FnMut(u16, &[u8])) -> Result<usize> {
        let mut n = 0;
        while n < max {
            let Some(r) = self.client.pending.pop_front() else { break };
            f(r.msg_type, &r.text);
            n += 1;
        }
        if self.slots.is_empty() {
            self.slots = vec![0; SLOT * BATCH_DATAGRAMS];
        }
        while n < max {
            self.received.clear();
            let want = (max - n).min(BATCH_DATAGRAMS);
            match self.client.transport_mut().recv_many(
                &mut self.slots,
                SLOT,
                want,
                &mut self.received,
            ) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    self.client.stats.enobufs += 1;
                    continue;
                }
                Err(source) => return Err(Error::Io { op: "read audit records", source }),
            }
            let got = self.received.len();
            for i in 0..got {
                let r = self.received[i];
                if r.sender != 0 {
                    self.client.stats.spoofed += 1;
                    continue;
                }
                if r.truncated || r.len > SLOT {
                    self.client.stats.truncated += 1;
                    continue;
                }
                let dgram = &self.slots[i * SLOT..i * SLOT + r.len];
                match nl::split_datagram(dgram, self.client.mode) {
                    Ok(msgs) => {
                        for m in &msgs {
                            let ty = m.header.ty;
                            if ty == raudit_proto::msg::AUDIT_REPLACE {
                                self.client.stats.replace_probes += 1;
                                if self.client.surface_replace {
                                    f(ty, m.payload);
                                    n += 1;
                                }
                            } else if raudit_proto::msg::is_record(ty) {
                                let end =
                                    m.payload.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                                f(ty, &m.payload[..end]);
                                n += 1;
                            } else {
                                self.client.stats.stray += 1;
                            }
                        }
                    }
                    Err(_) => self.client.stats.malformed += 1,
                }
            }
            if got < want && n > 0 {
                // A short batch: the socket was empty, no need to ask again. (With nothing
                // delivered yet, ask once more: 0 must mean the socket is empty.)
                break;
            }
        }
        Ok(n)
    }

    fn file_datagram(&mut self, len: usize) {
        let buf = std::mem::take(self.client.buf_mut());
        match nl::split_datagram(&buf[..len], self.client.mode) {
            Ok(msgs) => {
                for m in &msgs {
                    self.client.unsolicited(m);
                }
            }
            Err(_) => self.client.stats.malformed += 1,
        }
        *self.client.buf_mut() = buf;
    }

    /// Moves everything already queued on the socket into the reader's
    /// own queue (or drops it when records are not kept).
    fn drain(&mut self) -> Result<()> {
        while let Some(len) =
            self.client.recv_datagram("read audit records", Some(Instant::now()))?
        {
            self.file_datagram(len);
        }
        Ok(())
    }

    /// Unregisters (AUDIT_SET pid 0) and waits for the ACK. Records already
    /// received stay readable.
    pub fn unregister(&mut self) -> Result<()> {
        if self.registered {
            // The kernel answers a pid change by first probing the current
            // daemon (us) with AUDIT_REPLACE, a blocking send: were our
            // buffer full, our own request would hang. Make room first.
            self.drain()?;
            self.client.set_pid(0)?;
            self.registered = false;
        }
        Ok(())
    }
}

impl<T: Transport> Drop for EventReader<T> {
    fn drop(&mut self) {
        if self.registered {
            // Records still arriving need not be kept; only the ACK matters.
            self.client.keep_records = false;
            self.client.set_timeout(UNREGISTER_TIMEOUT);
            let _ = self.unregister();
        }
    }
}

impl AsFd for EventReader<NetlinkSocket> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.client.as_fd()
    }
}

impl AsRawFd for EventReader<NetlinkSocket> {
    fn as_raw_fd(&self) -> RawFd {
        self.client.as_raw_fd()
    }
}
