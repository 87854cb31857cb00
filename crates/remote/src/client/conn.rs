//! The client's connection: connecting (and reconnecting), the pipelining negotiation, sending
//! the window of queued records and reading the server's replies.

use super::*;

impl Client {
    /// Connect when records wait and the link is down.
    pub(super) fn maybe_connect(&mut self, now: Instant) {
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

    pub(super) fn connect(&self) -> io::Result<Conn> {
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

    pub(super) fn wrap(&self, stream: TcpStream) -> io::Result<Link> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return Ok(Link::Tls(Box::new(tls.connect(stream)?)));
        }
        Ok(Link::Plain(stream))
    }

    pub(super) fn next_seq(&mut self) -> u32 {
        // COMPAT: the counter starts at 1 and is incremented before each send (first = 2).
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    pub(super) fn send_control(&mut self, kind: Flight) {
        let seq = self.next_seq();
        let Some(conn) = &mut self.conn else { return };
        let mver = if kind == Flight::Probe { wire::VERSION_PIPELINE } else { 0 };
        wire::put_frame(&mut conn.out, wire::TYPE_HEARTBEAT, mver, seq, b"");
        conn.inflight.push_back((seq, kind, Instant::now()));
    }

    /// Put as many queued records on the wire as the window allows.
    pub(super) fn fill_window(&mut self) {
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
    pub(super) fn write_out(&mut self) -> bool {
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

    pub(super) fn read_replies(&mut self) {
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
    pub(super) fn drop_acked(&mut self, acked: &mut usize) {
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
    pub(super) fn reply_problem(&mut self, h: &Header, text: &str) -> bool {
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

    pub(super) fn server_ending(&mut self, text: &str) {
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

    pub(super) fn close_conn(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.link.shutdown();
        }
    }

    /// A send or reply failure on an established link: drop it and retry the head record.
    pub(super) fn link_failed(&mut self, why: &str) {
        let _ = why;
        self.close_conn();
        self.record_failure(Instant::now(), &io::Error::other(why.to_string()));
    }

    /// COMPAT: relay_sock_managed's retry policy: the first retry is immediate, later ones wait
    /// network_retry_time; after max_tries_per_record tries or max_time_per_record seconds the
    /// network_failure_action decides.
    pub(super) fn record_failure(&mut self, now: Instant, _e: &io::Error) {
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

    pub(super) fn check_timers(&mut self, now: Instant) {
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
