//! Request/ACK exchanges with the kernel: status, features, rules, user
//! messages, signal info, TTY auditing, trim and make_equiv.

use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use raudit_proto::msg::{self, is_user_message};
use raudit_proto::nl::{self, ErrorMsg, LengthMode, Message, NLM_F_ACK, NLM_F_REQUEST};
use raudit_proto::status::{self as st, mask};
use raudit_proto::{Features, RuleData, SigInfo, Status, TtyStatus};

use crate::events::{Record, Stats};
use crate::socket::NetlinkSocket;
use crate::transport::Transport;
use crate::{Error, Result};

/// Receive buffer: far above the kernel's largest audit message
/// (`MAX_AUDIT_MESSAGE_LENGTH` 8970 + header), so `MSG_TRUNC` means a bug.
const RECV_BUF: usize = 64 * 1024;

/// How long a request waits for its answer unless changed with
/// [`Client::set_timeout`]. (libaudit waits up to 40 s; a healthy kernel
/// answers in microseconds.)
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// What a request waits for besides the ACK.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Ack,
    /// One data message of this type.
    Data(u16),
    /// Any number of messages of this type, then NLMSG_DONE.
    Dump(u16),
}

struct Reply {
    /// The ACK's error field: 0, or the positive old value of a reset.
    value: i32,
    data: Vec<Vec<u8>>,
}

/// A NETLINK_AUDIT client. Every request carries `NLM_F_ACK` and a sequence
/// number; answers are matched to it in whatever order they arrive (the ACK
/// normally comes before the data reply). Messages that belong to no
/// pending request are ignored, except on an event reader's socket where
/// records are kept for [`crate::EventReader`].
#[derive(Debug)]
pub struct Client<T: Transport = NetlinkSocket> {
    transport: T,
    seq: u32,
    buf: Vec<u8>,
    timeout: Duration,
    pub(crate) mode: LengthMode,
    /// Keep records that arrive during a request (event reader sockets).
    pub(crate) keep_records: bool,
    pub(crate) surface_replace: bool,
    pub(crate) pending: VecDeque<Record>,
    pub(crate) stats: Stats,
}

impl Client<NetlinkSocket> {
    /// Opens a NETLINK_AUDIT socket. Fails with `EPROTONOSUPPORT`
    /// ([`Error::is_no_audit`]) when the kernel has no audit support.
    pub fn open() -> Result<Client<NetlinkSocket>> {
        let sock = NetlinkSocket::open()
            .map_err(|source| Error::Io { op: "open audit netlink socket", source })?;
        Ok(Client::with_transport(sock))
    }

    /// The socket, e.g. to set its receive buffer.
    pub fn socket(&self) -> &NetlinkSocket {
        &self.transport
    }
}

impl<T: Transport> Client<T> {
    /// A client over any transport (tests use an in-memory fake kernel).
    pub fn with_transport(transport: T) -> Client<T> {
        Client {
            transport,
            seq: 0,
            buf: vec![0; RECV_BUF],
            timeout: DEFAULT_TIMEOUT,
            mode: LengthMode::Standard,
            keep_records: false,
            surface_replace: false,
            pending: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// How long each request waits for its complete answer.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Counters of datagrams that were dropped or could not be read.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The transport (the fake kernel in tests).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub(crate) fn buf_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    fn next_seq(&mut self) -> u32 {
        // Process-style counter starting at 1; never 0, which records use.
        self.seq = if self.seq == u32::MAX { 1 } else { self.seq + 1 };
        self.seq
    }

    /// Receives one datagram from the kernel into `self.buf`, dropping
    /// spoofed and cut datagrams and counting ENOBUFS. `Ok(None)` when the
    /// deadline passes (or at once for `Some(past)`).
    pub(crate) fn recv_datagram(
        &mut self,
        op: &'static str,
        deadline: Option<Instant>,
    ) -> Result<Option<usize>> {
        loop {
            let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match self.transport.recv(&mut self.buf, timeout) {
                Ok(got) if got.sender != 0 => self.stats.spoofed += 1,
                Ok(got) if got.truncated || got.len > self.buf.len() => self.stats.truncated += 1,
                Ok(got) => return Ok(Some(got.len)),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    return Ok(None);
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => self.stats.enobufs += 1,
                Err(source) => return Err(Error::Io { op, source }),
            }
        }
    }

    /// Files a message that answers no pending request.
    pub(crate) fn unsolicited(&mut self, m: &Message<'_>) {
        let ty = m.header.ty;
        if ty == msg::AUDIT_REPLACE {
            self.stats.replace_probes += 1;
            if !(self.keep_records && self.surface_replace) {
                return;
            }
        } else if !self.keep_records || !msg::is_record(ty) {
            self.stats.stray += 1;
            return;
        }
        self.pending.push_back(Record::new(ty, m.payload));
    }

    fn transact(&mut self, op: &'static str, ty: u16, payload: &[u8], want: Want) -> Result<Reply> {
        let seq = self.next_seq();
        let request = nl::request(ty, NLM_F_REQUEST | NLM_F_ACK, seq, payload);
        if request.len() > nl::HDR_LEN + msg::MAX_MESSAGE_LENGTH {
            return Err(Error::InvalidInput {
                op,
                reason: format!(
                    "request of {} bytes is over the {} byte limit",
                    payload.len(),
                    msg::MAX_MESSAGE_LENGTH
                ),
            });
        }
        self.transport.send(&request).map_err(|source| Error::Io { op, source })?;
        let deadline = Instant::now() + self.timeout;
        let mut acked: Option<i32> = None;
        let mut data = Vec::new();
        let mut done = false;
        loop {
            let complete = match want {
                Want::Ack => true,
                Want::Data(_) => !data.is_empty(),
                Want::Dump(_) => done,
            };
            if let Some(value) = acked
                && complete
            {
                return Ok(Reply { value, data });
            }
            let Some(len) = self.recv_datagram(op, Some(deadline))? else {
                return Err(Error::Timeout { op });
            };
            let buf = std::mem::take(&mut self.buf);
            let outcome =
                self.sort_replies(op, seq, want, &buf[..len], &mut acked, &mut data, &mut done);
            self.buf = buf;
            outcome?;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn sort_replies(
        &mut self,
        op: &'static str,
        seq: u32,
        want: Want,
        datagram: &[u8],
        acked: &mut Option<i32>,
        data: &mut Vec<Vec<u8>>,
        done: &mut bool,
    ) -> Result<()> {
        let msgs = nl::split_datagram(datagram, self.mode)
            .map_err(|source| Error::Decode { op, source })?;
        for m in msgs {
            if m.header.seq != seq {
                self.unsolicited(&m);
                continue;
            }
            match (m.header.ty, want) {
                (nl::NLMSG_ERROR, _) => {
                    let e = ErrorMsg::decode(m.payload)
                        .map_err(|source| Error::Decode { op, source })?;
                    if e.error < 0 {
                        return Err(Error::Kernel { errno: e.error.saturating_neg(), op });
                    }
                    *acked = Some(e.error);
                }
                (nl::NLMSG_DONE, Want::Dump(_)) => *done = true,
                (ty, Want::Data(t) | Want::Dump(t)) if ty == t => data.push(m.payload.to_vec()),
                _ => self.unsolicited(&m),
            }
        }
        Ok(())
    }

    /// Sends a raw request and waits for its ACK; returns the ACK's value
    /// (0, or the positive number some requests return).
    pub fn request_ack(&mut self, op: &'static str, ty: u16, payload: &[u8]) -> Result<i32> {
        Ok(self.transact(op, ty, payload, Want::Ack)?.value)
    }

    /// Sends a request and returns the payload of its `reply_type` answer.
    pub fn request_data(
        &mut self,
        op: &'static str,
        ty: u16,
        payload: &[u8],
        reply_type: u16,
    ) -> Result<Vec<u8>> {
        let mut reply = self.transact(op, ty, payload, Want::Data(reply_type))?;
        Ok(reply.data.swap_remove(0))
    }

    // ---- status ----

    /// AUDIT_GET: the kernel's `audit_status`.
    pub fn get_status(&mut self) -> Result<Status> {
        let op = "get audit status";
        let bytes = self.request_data(op, msg::AUDIT_GET, &[], msg::AUDIT_GET)?;
        Status::decode(&bytes).map_err(|source| Error::Decode { op, source })
    }

    /// AUDIT_SET with the fields selected by `status.mask`; returns the
    /// ACK's value (the old counter for a lost / wait-time-actual reset).
    pub fn set_status(&mut self, status: &Status) -> Result<u32> {
        let value = self.request_ack("set audit status", msg::AUDIT_SET, &status.encode())?;
        Ok(value.max(0) as u32)
    }

    fn set_one(
        &mut self,
        op: &'static str,
        bit: u32,
        fill: impl FnOnce(&mut Status),
    ) -> Result<()> {
        let mut s = Status { mask: bit, ..Status::default() };
        fill(&mut s);
        self.request_ack(op, msg::AUDIT_SET, &s.encode()).map(drop)
    }

    /// Sets `enabled`: 0 off, 1 on, 2 on and locked until reboot.
    pub fn set_enabled(&mut self, enabled: u32) -> Result<()> {
        self.set_one("set enabled", mask::ENABLED, |s| s.enabled = enabled)
    }

    /// Sets the failure mode: 0 silent, 1 printk, 2 panic.
    pub fn set_failure(&mut self, failure: u32) -> Result<()> {
        self.set_one("set failure mode", mask::FAILURE, |s| s.failure = failure)
    }

    /// Registers the process `pid` (which must be ours) as the audit daemon
    /// on this socket, or unregisters with 0.
    pub fn set_pid(&mut self, pid: u32) -> Result<()> {
        self.set_one("set audit pid", mask::PID, |s| s.pid = pid)
    }

    pub fn set_rate_limit(&mut self, rate: u32) -> Result<()> {
        self.set_one("set rate limit", mask::RATE_LIMIT, |s| s.rate_limit = rate)
    }

    pub fn set_backlog_limit(&mut self, limit: u32) -> Result<()> {
        self.set_one("set backlog limit", mask::BACKLOG_LIMIT, |s| s.backlog_limit = limit)
    }

    /// Sets backlog_wait_time (jiffies; the kernel caps it at 10 minutes).
    pub fn set_backlog_wait_time(&mut self, jiffies: u32) -> Result<()> {
        self.set_one("set backlog wait time", mask::BACKLOG_WAIT_TIME, |s| {
            s.backlog_wait_time = Some(jiffies)
        })
    }

    /// Resets the lost counter; returns its old value. The mask must be
    /// exactly AUDIT_STATUS_LOST for the kernel to do this.
    pub fn reset_lost(&mut self) -> Result<u32> {
        self.set_status(&Status { mask: mask::LOST, ..Status::default() })
    }

    /// Resets backlog_wait_time_actual; returns its old value.
    pub fn reset_backlog_wait_time_actual(&mut self) -> Result<u32> {
        self.set_status(&Status { mask: mask::BACKLOG_WAIT_TIME_ACTUAL, ..Status::default() })
    }

    // ---- features ----

    /// AUDIT_GET_FEATURE.
    pub fn get_features(&mut self) -> Result<Features> {
        let op = "get audit features";
        let bytes = self.request_data(
            op,
            msg::AUDIT_GET_FEATURE,
            &Features::default().encode(),
            msg::AUDIT_GET_FEATURE,
        )?;
        Features::decode(&bytes).map_err(|source| Error::Decode { op, source })
    }

    /// AUDIT_SET_FEATURE with a prepared request (see [`Features::set_request`]).
    pub fn set_features(&mut self, request: &Features) -> Result<()> {
        self.request_ack("set audit feature", msg::AUDIT_SET_FEATURE, &request.encode()).map(drop)
    }

    /// Sets feature number `feature` (`st::FEATURE_ONLY_UNSET_LOGINUID`,
    /// `st::FEATURE_LOGINUID_IMMUTABLE`) on or off; `lock` locks it until
    /// reboot (irreversible).
    pub fn set_feature(&mut self, feature: u32, on: bool, lock: bool) -> Result<()> {
        if feature > st::FEATURE_LOGINUID_IMMUTABLE {
            return Err(Error::InvalidInput {
                op: "set audit feature",
                reason: format!("unknown feature number {feature}"),
            });
        }
        self.set_features(&Features::set_request(feature, on, lock))
    }

    // ---- rules ----

    /// AUDIT_LIST_RULES: every loaded rule, in kernel order (list by list).
    pub fn list_rules(&mut self) -> Result<Vec<RuleData>> {
        let op = "list audit rules";
        let reply =
            self.transact(op, msg::AUDIT_LIST_RULES, &[], Want::Dump(msg::AUDIT_LIST_RULES))?;
        reply
            .data
            .iter()
            .map(|bytes| RuleData::decode(bytes).map_err(|source| Error::Decode { op, source }))
            .collect()
    }

    /// AUDIT_ADD_RULE. EEXIST ([`Error::is_exists`]) if an identical rule is loaded.
    pub fn add_rule(&mut self, rule: &RuleData) -> Result<()> {
        self.request_ack("add audit rule", msg::AUDIT_ADD_RULE, &rule.encode()).map(drop)
    }

    /// AUDIT_DEL_RULE. ENOENT ([`Error::is_not_found`]) unless an identical rule is loaded.
    pub fn delete_rule(&mut self, rule: &RuleData) -> Result<()> {
        self.request_ack("delete audit rule", msg::AUDIT_DEL_RULE, &rule.encode()).map(drop)
    }

    /// Deletes every loaded rule; returns how many.
    pub fn delete_all_rules(&mut self) -> Result<usize> {
        let rules = self.list_rules()?;
        for rule in &rules {
            self.delete_rule(rule)?;
        }
        Ok(rules.len())
    }

    // ---- messages and the rest ----

    /// Sends a user message (AUDIT_USER, 1100-1199 or 2100-2999); the
    /// kernel logs it as a record of the same type with `msg='text'`.
    /// Dropped silently by the kernel while audit is disabled.
    pub fn send_user_message(&mut self, msg_type: u16, text: &[u8]) -> Result<()> {
        let op = "send user message";
        if !is_user_message(msg_type) {
            return Err(Error::InvalidInput {
                op,
                reason: format!(
                    "type {msg_type} is not a user message type (1005, 1100-1199, 2100-2999)"
                ),
            });
        }
        if text.len() > msg::MESSAGE_TEXT_MAX {
            return Err(Error::InvalidInput {
                op,
                reason: format!(
                    "text of {} bytes is over the {} byte limit",
                    text.len(),
                    msg::MESSAGE_TEXT_MAX
                ),
            });
        }
        self.request_ack(op, msg_type, &st::user_message_payload(text)).map(drop)
    }

    /// AUDIT_SIGNAL_INFO: who last sent TERM/HUP/USR1/USR2 to the daemon.
    pub fn signal_info(&mut self) -> Result<SigInfo> {
        let op = "get signal info";
        let bytes = self.request_data(op, msg::AUDIT_SIGNAL_INFO, &[], msg::AUDIT_SIGNAL_INFO)?;
        SigInfo::decode(&bytes).map_err(|source| Error::Decode { op, source })
    }

    /// AUDIT_TTY_GET: TTY auditing of the calling process.
    pub fn tty_get(&mut self) -> Result<TtyStatus> {
        let op = "get tty auditing";
        let bytes = self.request_data(op, msg::AUDIT_TTY_GET, &[], msg::AUDIT_TTY_GET)?;
        TtyStatus::decode(&bytes).map_err(|source| Error::Decode { op, source })
    }

    /// AUDIT_TTY_SET for the calling process (inherited by children).
    pub fn tty_set(&mut self, tty: &TtyStatus) -> Result<()> {
        self.request_ack("set tty auditing", msg::AUDIT_TTY_SET, &tty.encode()).map(drop)
    }

    /// AUDIT_TRIM: drop tree watches whose paths are gone.
    pub fn trim(&mut self) -> Result<()> {
        self.request_ack("trim directory watches", msg::AUDIT_TRIM, &[]).map(drop)
    }

    /// AUDIT_MAKE_EQUIV: make `subtree` watched like `mount`.
    pub fn make_equiv(&mut self, mount: &[u8], subtree: &[u8]) -> Result<()> {
        self.request_ack(
            "make equivalent",
            msg::AUDIT_MAKE_EQUIV,
            &st::make_equiv_payload(mount, subtree),
        )
        .map(drop)
    }
}

impl AsFd for Client<NetlinkSocket> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.transport.as_fd()
    }
}

impl AsRawFd for Client<NetlinkSocket> {
    fn as_raw_fd(&self) -> RawFd {
        self.transport.as_raw_fd()
    }
}
