//! Framing and error paths against an in-memory fake kernel.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use raudit_proto::msg::{self, AUDIT_GET, AUDIT_LIST_RULES, AUDIT_REPLACE, AUDIT_SET};
use raudit_proto::nl::{self, Header, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR};
use raudit_proto::status::mask;
use raudit_proto::{RuleData, Status};

use crate::{Client, Error, EventReader, ReaderKind, Received, Transport};

/// What the fake delivers on a receive.
enum Incoming {
    /// A datagram from port id `.0`.
    From(u32, Vec<u8>),
    /// A receive error (raw errno).
    Fail(i32),
}

type Responder = Box<dyn FnMut(Header, &[u8]) -> Vec<Incoming>>;

struct Fake {
    sent: Vec<Vec<u8>>,
    inbox: VecDeque<Incoming>,
    respond: Responder,
}

impl Fake {
    fn new(respond: impl FnMut(Header, &[u8]) -> Vec<Incoming> + 'static) -> Fake {
        Fake { sent: Vec::new(), inbox: VecDeque::new(), respond: Box::new(respond) }
    }

    fn silent() -> Fake {
        Fake::new(|_, _| Vec::new())
    }

    fn sent_headers(&self) -> Vec<Header> {
        self.sent.iter().map(|d| Header::decode(d).unwrap()).collect()
    }
}

impl std::fmt::Debug for Fake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fake({} sent, {} queued)", self.sent.len(), self.inbox.len())
    }
}

impl Transport for Fake {
    fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        self.sent.push(datagram.to_vec());
        let hdr = Header::decode(datagram).unwrap();
        let replies = (self.respond)(hdr, &datagram[nl::HDR_LEN..hdr.len as usize]);
        self.inbox.extend(replies);
        Ok(())
    }

    fn recv(&mut self, buf: &mut [u8], _timeout: Option<Duration>) -> io::Result<Received> {
        match self.inbox.pop_front() {
            None => Err(io::ErrorKind::WouldBlock.into()),
            Some(Incoming::Fail(errno)) => Err(io::Error::from_raw_os_error(errno)),
            Some(Incoming::From(sender, data)) => {
                let len = data.len().min(buf.len());
                buf[..len].copy_from_slice(&data[..len]);
                Ok(Received { len, sender, truncated: len < data.len() })
            }
        }
    }
}

fn kernel(data: Vec<u8>) -> Incoming {
    Incoming::From(0, data)
}

fn message(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    nl::request(ty, flags, seq, payload)
}

fn ack(req: Header, error: i32) -> Vec<u8> {
    let mut payload = error.to_ne_bytes().to_vec();
    req.encode(&mut payload);
    message(NLMSG_ERROR, 0, req.seq, &payload)
}

/// A record as unicast to the daemon: nlmsg_len is the payload length only.
fn quirky_record(ty: u16, text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    Header { len: text.len() as u32, ty, flags: 0, seq: 0, pid: 0 }.encode(&mut out);
    out.extend_from_slice(text);
    out
}

fn status_reply(seq: u32, st: &Status) -> Vec<u8> {
    message(AUDIT_GET, 0, seq, &st.encode())
}

fn sample_status() -> Status {
    Status {
        enabled: 1,
        failure: 1,
        backlog_limit: 8192,
        feature_bitmap: Some(0x7f),
        backlog_wait_time: Some(60000),
        backlog_wait_time_actual: Some(0),
        ..Status::default()
    }
}

#[test]
fn ack_before_data_and_data_before_ack_both_work() {
    for ack_first in [true, false] {
        let st = sample_status();
        let fake = Fake::new(move |req, _| {
            let (a, d) = (kernel(ack(req, 0)), kernel(status_reply(req.seq, &st)));
            if ack_first { vec![a, d] } else { vec![d, a] }
        });
        let mut c = Client::with_transport(fake);
        assert_eq!(c.get_status().unwrap(), st);
        let sent = c.transport_mut().sent_headers();
        assert_eq!(sent[0].ty, AUDIT_GET);
        assert_eq!(sent[0].flags, nl::NLM_F_REQUEST | nl::NLM_F_ACK);
        assert_eq!(sent[0].seq, 1);
    }
}

#[test]
fn ack_and_data_in_one_datagram() {
    let st = sample_status();
    let mut c = Client::with_transport(Fake::new(move |req, _| {
        let mut both = ack(req, 0);
        both.extend(status_reply(req.seq, &st));
        vec![kernel(both)]
    }));
    assert_eq!(c.get_status().unwrap().backlog_limit, 8192);
}

#[test]
fn kernel_errors_carry_the_errno() {
    for (errno, check) in [
        (libc::EEXIST, Error::is_exists as fn(&Error) -> bool),
        (libc::ENOENT, Error::is_not_found),
        (libc::EPERM, Error::is_permission),
        (libc::EACCES, Error::is_access),
        (libc::EINVAL, Error::is_invalid),
        (libc::ECONNREFUSED, Error::is_no_audit),
    ] {
        let mut c = Client::with_transport(Fake::new(move |req, _| vec![kernel(ack(req, -errno))]));
        let err = c.add_rule(&RuleData::default()).unwrap_err();
        assert!(check(&err), "{err}");
        assert!(matches!(err, Error::Kernel { errno: e, op: "add audit rule" } if e == errno));
        assert_eq!(err.errno(), Some(errno));
    }
    let mut c = Client::with_transport(Fake::new(|req, _| vec![kernel(ack(req, -libc::EEXIST))]));
    let text = c.set_pid(7).unwrap_err().to_string();
    assert_eq!(text, "set audit pid: kernel answered EEXIST (file exists)");
}

#[test]
fn reset_lost_sends_the_exact_mask_and_returns_the_positive_ack() {
    let mut c = Client::with_transport(Fake::new(|req, payload| {
        let st = Status::decode(payload).unwrap();
        let value = if st.mask == mask::LOST { 42 } else { -libc::EINVAL };
        vec![kernel(ack(req, value))]
    }));
    assert_eq!(c.reset_lost().unwrap(), 42);
    assert!(c.reset_backlog_wait_time_actual().unwrap_err().is_invalid());
    let sent = &c.transport_mut().sent[0];
    assert_eq!(Header::decode(sent).unwrap().ty, AUDIT_SET);
    assert_eq!(sent.len(), 16 + 44, "full-size audit_status");
}

#[test]
fn setters_send_one_mask_bit_and_value() {
    let mut c = Client::with_transport(Fake::new(|req, _| vec![kernel(ack(req, 0))]));
    c.set_enabled(1).unwrap();
    c.set_failure(2).unwrap();
    c.set_pid(99).unwrap();
    c.set_rate_limit(5).unwrap();
    c.set_backlog_limit(6).unwrap();
    c.set_backlog_wait_time(7).unwrap();
    let got: Vec<Status> =
        c.transport_mut().sent.iter().map(|d| Status::decode(&d[16..]).unwrap()).collect();
    let want = [
        (mask::ENABLED, got[0].enabled, 1),
        (mask::FAILURE, got[1].failure, 2),
        (mask::PID, got[2].pid, 99),
        (mask::RATE_LIMIT, got[3].rate_limit, 5),
        (mask::BACKLOG_LIMIT, got[4].backlog_limit, 6),
        (mask::BACKLOG_WAIT_TIME, got[5].backlog_wait_time.unwrap(), 7),
    ];
    for (i, (bit, value, expected)) in want.into_iter().enumerate() {
        assert_eq!(got[i].mask, bit);
        assert_eq!(value, expected);
    }
    let seqs: Vec<u32> = c.transport_mut().sent_headers().iter().map(|h| h.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn truncated_status_reply_is_a_decode_error() {
    let mut c = Client::with_transport(Fake::new(|req, _| {
        vec![kernel(ack(req, 0)), kernel(message(AUDIT_GET, 0, req.seq, &[0; 20]))]
    }));
    assert!(matches!(c.get_status(), Err(Error::Decode { op: "get audit status", .. })));
}

#[test]
fn bad_nlmsg_len_is_a_decode_error_not_a_panic() {
    let mut c = Client::with_transport(Fake::new(|req, _| {
        let mut bad = ack(req, 0);
        bad[0..4].copy_from_slice(&500u32.to_ne_bytes());
        vec![kernel(bad)]
    }));
    assert!(matches!(c.trim(), Err(Error::Decode { .. })));
    let mut c = Client::with_transport(Fake::new(|req, _| {
        let mut bad = ack(req, 0);
        bad[0..4].copy_from_slice(&3u32.to_ne_bytes());
        vec![kernel(bad)]
    }));
    assert!(matches!(c.trim(), Err(Error::Decode { .. })));
    let mut c = Client::with_transport(Fake::new(|req, _| {
        vec![kernel(message(NLMSG_ERROR, 0, req.seq, &[1]))]
    }));
    assert!(matches!(c.trim(), Err(Error::Decode { .. })));
}

#[test]
fn spoofed_and_stale_messages_are_skipped() {
    let st = sample_status();
    let mut c = Client::with_transport(Fake::new(move |req, _| {
        vec![
            // A user process pretending to be the kernel.
            Incoming::From(4242, ack(req, -libc::EPERM)),
            Incoming::From(4242, status_reply(req.seq, &Status::default())),
            // An answer to an older request.
            kernel(ack(Header { seq: req.seq.wrapping_sub(1), ..req }, -libc::EINVAL)),
            kernel(ack(req, 0)),
            kernel(status_reply(req.seq, &st)),
        ]
    }));
    assert_eq!(c.get_status().unwrap(), st);
    assert_eq!(c.stats().spoofed, 2);
    assert_eq!(c.stats().stray, 1);
}

#[test]
fn no_answer_is_a_timeout_and_eintr_enobufs_are_retried() {
    let mut c = Client::with_transport(Fake::silent());
    c.set_timeout(Duration::from_millis(20));
    assert!(c.trim().unwrap_err().is_timeout());

    let mut c = Client::with_transport(Fake::new(|req, _| {
        vec![Incoming::Fail(libc::EINTR), Incoming::Fail(libc::ENOBUFS), kernel(ack(req, 0))]
    }));
    c.trim().unwrap();
    assert_eq!(c.stats().enobufs, 1);

    let mut c = Client::with_transport(Fake::new(|_, _| vec![Incoming::Fail(libc::EBADF)]));
    assert!(matches!(c.trim(), Err(Error::Io { .. })));
}

fn rule(key: &[u8]) -> RuleData {
    let mut r = RuleData { flags: 4, action: 2, ..RuleData::default() };
    r.set_syscall(140);
    r.push_field(210, 0x4000_0000, key.len() as u32);
    r.buf.extend_from_slice(key);
    r
}

#[test]
fn rule_dump_across_datagrams_until_done() {
    let rules = vec![rule(b"a"), rule(b"bb"), rule(b"ccc")];
    let sent_rules = rules.clone();
    let mut c = Client::with_transport(Fake::new(move |req, _| {
        let m = |r: &RuleData| message(AUDIT_LIST_RULES, NLM_F_MULTI, req.seq, &r.encode());
        let mut two = m(&sent_rules[1]);
        two.extend(m(&sent_rules[2]));
        vec![
            kernel(ack(req, 0)),
            kernel(m(&sent_rules[0])),
            kernel(two),
            kernel(message(NLMSG_DONE, NLM_F_MULTI, req.seq, &0i32.to_ne_bytes())),
        ]
    }));
    assert_eq!(c.list_rules().unwrap(), rules);
}

#[test]
fn truncated_rule_in_dump_is_an_error() {
    let mut c = Client::with_transport(Fake::new(|req, _| {
        vec![
            kernel(ack(req, 0)),
            kernel(message(AUDIT_LIST_RULES, NLM_F_MULTI, req.seq, &rule(b"k").encode()[..900])),
            kernel(message(NLMSG_DONE, NLM_F_MULTI, req.seq, &[0; 4])),
        ]
    }));
    assert!(matches!(c.list_rules(), Err(Error::Decode { op: "list audit rules", .. })));
}

#[test]
fn invalid_requests_are_refused_before_sending() {
    let mut c = Client::with_transport(Fake::silent());
    assert!(matches!(c.send_user_message(1300, b"x"), Err(Error::InvalidInput { .. })));
    assert!(matches!(c.send_user_message(1005, &[b'a'; 9000]), Err(Error::InvalidInput { .. })));
    let mut huge = rule(b"k");
    huge.buf = vec![b'x'; 9000];
    assert!(matches!(c.add_rule(&huge), Err(Error::InvalidInput { .. })));
    assert!(matches!(c.set_feature(5, true, false), Err(Error::InvalidInput { .. })));
    assert!(c.transport_mut().sent.is_empty());
}

#[test]
fn user_message_payload_is_nul_terminated() {
    let mut c = Client::with_transport(Fake::new(|req, _| vec![kernel(ack(req, 0))]));
    c.send_user_message(1120, b"hello").unwrap();
    let sent = &c.transport_mut().sent[0];
    let hdr = Header::decode(sent).unwrap();
    assert_eq!((hdr.ty, hdr.len), (1120, 16 + 6));
    assert_eq!(&sent[16..22], b"hello\0");
}

/// A daemon reader over the fake: registration ACKed, then `inbox`.
fn daemon_reader(inbox: Vec<Incoming>) -> EventReader<Fake> {
    let fake = Fake::new(|req, _| vec![kernel(ack(req, 0))]);
    let mut reader =
        EventReader::with_client(Client::with_transport(fake), ReaderKind::Daemon).unwrap();
    reader.client().transport_mut().inbox.extend(inbox);
    reader
}

#[test]
fn daemon_reader_registers_reads_quirky_records_and_unregisters_on_drop() {
    let text = b"audit(1.000:1): arch=c000003e syscall=140 key=\"k\" comm=\"\xff\xfe\"";
    let mut reader = daemon_reader(vec![
        kernel(quirky_record(1300, text)),
        kernel(quirky_record(1999, b"x=1\0\0")),
    ]);
    let first = reader.try_next_record().unwrap().unwrap();
    assert_eq!(first.msg_type, 1300);
    assert_eq!(first.text, text, "non-UTF-8 bytes kept");
    assert_eq!(first.type_name(), "SYSCALL");
    let second = reader.try_next_record().unwrap().unwrap();
    assert_eq!((second.msg_type, second.text.as_slice()), (1999, &b"x=1"[..]));
    assert_eq!(second.type_name(), "UNKNOWN[1999]", "unknown types are kept");
    assert_eq!(reader.try_next_record().unwrap(), None);

    let sent = |r: &mut EventReader<Fake>| -> Vec<u32> {
        r.client()
            .transport_mut()
            .sent
            .iter()
            .map(|d| Status::decode(&d[16..]).unwrap().pid)
            .collect()
    };
    assert_eq!(sent(&mut reader), [std::process::id()]);
    reader.unregister().unwrap();
    assert_eq!(sent(&mut reader), [std::process::id(), 0]);

    // Drop unregisters when the caller did not.
    let reader = daemon_reader(Vec::new());
    let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = log.clone();
    let mut reader = reader;
    reader.client().transport_mut().respond = Box::new(move |req, payload| {
        seen.borrow_mut().push(Status::decode(payload).unwrap());
        vec![kernel(ack(req, 0))]
    });
    drop(reader);
    let log = log.borrow();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].mask, log[0].pid), (mask::PID, 0));
}

#[test]
fn reader_counts_enobufs_and_skips_bad_datagrams() {
    let mut bad = quirky_record(1300, b"abc");
    bad[0..4].copy_from_slice(&1000u32.to_ne_bytes());
    let mut reader = daemon_reader(vec![
        Incoming::Fail(libc::ENOBUFS),
        Incoming::Fail(libc::EINTR),
        kernel(bad),
        Incoming::From(77, quirky_record(1300, b"spoofed")),
        Incoming::Fail(libc::ENOBUFS),
        kernel(quirky_record(1305, b"op=add_rule")),
    ]);
    let rec = reader.try_next_record().unwrap().unwrap();
    assert_eq!(rec.text, b"op=add_rule");
    let stats = reader.stats();
    assert_eq!((stats.enobufs, stats.malformed, stats.spoofed), (2, 1, 1));
    assert_eq!(reader.enobufs(), 2);
}

#[test]
fn replace_probes_are_skipped_unless_asked_for() {
    let probe = || kernel(message(AUDIT_REPLACE, 0, 0, &1234u32.to_ne_bytes()));
    let mut reader = daemon_reader(vec![probe(), kernel(quirky_record(1305, b"x"))]);
    assert_eq!(reader.try_next_record().unwrap().unwrap().msg_type, 1305);
    assert_eq!(reader.stats().replace_probes, 1);
    let mut reader = daemon_reader(vec![probe()]);
    reader.set_surface_replace(true);
    let rec = reader.try_next_record().unwrap().unwrap();
    assert_eq!(rec.msg_type, AUDIT_REPLACE);
    assert_eq!(rec.text, 1234u32.to_ne_bytes(), "binary pid kept whole");
}

#[test]
fn records_arriving_during_a_request_are_kept_for_the_reader() {
    let st = sample_status();
    let mut reader = daemon_reader(Vec::new());
    reader.client().transport_mut().respond = Box::new(move |req, _| {
        vec![
            kernel(quirky_record(1300, b"first")),
            kernel(ack(req, 0)),
            kernel(quirky_record(1320, b"")),
            kernel(status_reply(req.seq, &st)),
        ]
    });
    assert_eq!(reader.client().get_status().unwrap(), st);
    assert_eq!(reader.try_next_record().unwrap().unwrap().text, b"first");
    assert_eq!(reader.try_next_record().unwrap().unwrap().msg_type, msg::AUDIT_EOE);
    assert_eq!(reader.try_next_record().unwrap(), None);
    // Replies to requests are never taken for records.
    assert_eq!(reader.stats().stray, 0);
}

#[test]
fn multicast_reader_reads_standard_lengths_and_several_per_datagram() {
    let mut two = message(1300, 0, 0, b"one\0");
    two.extend(message(1320, 0, 0, b""));
    let mut fake = Fake::silent();
    fake.inbox.push_back(kernel(two));
    let mut reader =
        EventReader::with_client(Client::with_transport(fake), ReaderKind::Multicast).unwrap();
    assert!(!reader.is_registered());
    assert_eq!(reader.try_next_record().unwrap().unwrap().text, b"one");
    assert_eq!(reader.try_next_record().unwrap().unwrap().msg_type, 1320);
    assert!(reader.client().transport_mut().sent.is_empty(), "multicast readers send nothing");
}

#[test]
fn failed_registration_is_reported_and_not_undone() {
    let fake = Fake::new(|req, _| vec![kernel(ack(req, -libc::EEXIST))]);
    let err =
        EventReader::with_client(Client::with_transport(fake), ReaderKind::Daemon).unwrap_err();
    assert!(err.is_exists());
}

#[test]
fn read_batch_hands_out_what_next_record_would_and_counts_the_same() {
    let mut bad = quirky_record(1300, b"abc");
    bad[0..4].copy_from_slice(&1000u32.to_ne_bytes());
    let inbox = || {
        vec![
            kernel(quirky_record(1300, b"audit(1.000:1): a=\xff")),
            Incoming::Fail(libc::ENOBUFS),
            Incoming::Fail(libc::EINTR),
            kernel(bad.clone()),
            Incoming::From(77, quirky_record(1300, b"spoofed")),
            kernel(message(AUDIT_REPLACE, 0, 0, &1234u32.to_ne_bytes())),
            kernel(quirky_record(1999, b"x=1\0\0")),
            kernel(quirky_record(1320, b"audit(1.000:1): ")),
        ]
    };
    let mut one = daemon_reader(inbox());
    let mut expected = Vec::new();
    while let Some(r) = one.try_next_record().unwrap() {
        expected.push((r.msg_type, r.text));
    }
    let mut batch = daemon_reader(inbox());
    let mut got = Vec::new();
    let mut calls = 0;
    loop {
        let n = batch.read_batch(2, &mut |t, p| got.push((t, p.to_vec()))).unwrap();
        calls += 1;
        if n == 0 {
            break;
        }
        assert!(n <= 2);
    }
    assert_eq!(got, expected);
    assert_eq!(got.len(), 3);
    assert_eq!(got[1], (1999, b"x=1".to_vec()), "trailing NULs removed");
    assert_eq!(batch.stats(), one.stats());
    assert!(calls >= 3);
}
