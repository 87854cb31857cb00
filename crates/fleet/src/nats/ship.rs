//! `raudit ship`: events (from the plugin string stream or from logs) go into the spool, and a
//! publisher on the runtime thread sends the spool's head to JetStream with a window of
//! acknowledgements in flight. An event leaves the spool when its acknowledgement came; a failed
//! acknowledgement sends the whole window again from the oldest unacknowledged event, and the
//! message ids make JetStream drop what it already had. A resend can still land behind later
//! events that got through; each message's [`Order`] header lets the collector put the host's
//! events back in the spool's order.

use std::future::IntoFuture;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::{self, context::GetStreamByNameErrorKind};
use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;

use super::{Connect, FleetError, connected};
use crate::event::{FleetEvent, StreamAssembler, events_of_log};
use crate::order::{self, Order};
use crate::spool::{Spool, SpoolError};

/// Acknowledgements awaited at once by default.
pub const DEFAULT_WINDOW: usize = 512;
/// The spool's default cap.
pub const DEFAULT_SPOOL_CAP: u64 = 256 << 20;
/// How long an acknowledgement may take before the window is sent again.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);
/// After the plugin stream ends, how long the spool's head still gets to go out (what is left
/// stays in the spool for the next start).
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// Where the events come from.
#[derive(Debug, Clone)]
pub enum Input {
    /// The audisp plugin string stream on stdin.
    Stdin,
    /// Existing logs, shipped whole.
    Logs(Vec<PathBuf>),
}

#[derive(Debug, Clone)]
pub struct ShipOptions {
    pub connect: Connect,
    /// The subject token of this host.
    pub host: String,
    pub spool_dir: PathBuf,
    pub spool_cap: u64,
    pub window: usize,
    pub input: Input,
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShipStats {
    /// Events put into the spool from the input.
    pub spooled: u64,
    /// Acknowledgements received (JetStream's duplicates included).
    pub acked: u64,
    /// Acknowledgements that said "duplicate" (a resend JetStream dropped).
    pub duplicates: u64,
    /// Events still in the spool at exit.
    pub left: u64,
}

/// Messages for the user (stderr or syslog, the caller's choice).
pub type Notice = Arc<dyn Fn(&str) + Send + Sync>;

struct Shared {
    spool: Mutex<Spool>,
    /// Signalled when acknowledgements free spool space.
    space: Condvar,
    wake: tokio::sync::Notify,
    /// Set once the input is done; the publisher then leaves when the spool is empty or when
    /// `deadline` passes.
    input_done: AtomicBool,
    deadline: Mutex<Option<Instant>>,
    fatal: Mutex<Option<FleetError>>,
    acked: AtomicU64,
    duplicates: AtomicU64,
}

impl Shared {
    fn spool(&self) -> MutexGuard<'_, Spool> {
        self.spool.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, e: FleetError) {
        let mut f = self.fatal.lock().unwrap_or_else(|p| p.into_inner());
        f.get_or_insert(e);
    }

    fn failed(&self) -> bool {
        self.fatal.lock().map(|f| f.is_some()).unwrap_or(true)
    }
}

/// Runs the shipper until the input ends (and, for logs, everything was acknowledged), `stop`
/// is set, or a fatal error (bad URL, refused credentials, no stream).
pub fn run(
    opts: ShipOptions,
    stop: &'static AtomicBool,
    notice: Notice,
) -> Result<ShipStats, FleetError> {
    // A bad URL is worth saying before anything is read.
    opts.connect.urls()?;
    let spool = Spool::open(&opts.spool_dir, opts.spool_cap)?;
    let replay = spool.pending().len();
    if replay > 0 {
        notice(&format!("replaying {replay} spooled events first"));
    }
    let shared = Arc::new(Shared {
        spool: Mutex::new(spool),
        space: Condvar::new(),
        wake: tokio::sync::Notify::new(),
        input_done: AtomicBool::new(false),
        deadline: Mutex::new(None),
        fatal: Mutex::new(None),
        acked: AtomicU64::new(0),
        duplicates: AtomicU64::new(0),
    });
    let publisher = {
        let (shared, opts, notice) = (shared.clone(), opts.clone(), notice.clone());
        std::thread::Builder::new().name("ship-publisher".into()).spawn(move || {
            match super::runtime() {
                Ok(rt) => rt.block_on(publish(shared, opts, stop, notice)),
                Err(e) => shared.fail(e),
            }
        })?
    };
    let mut stats = ShipStats::default();
    let fed = feed(&opts, &shared, stop, &notice, &mut stats);
    let grace = match opts.input {
        Input::Logs(_) => None,
        Input::Stdin => Some(Instant::now() + DRAIN_GRACE),
    };
    *shared.deadline.lock().unwrap_or_else(|p| p.into_inner()) = grace;
    shared.input_done.store(true, Ordering::SeqCst);
    shared.wake.notify_one();
    let _ = publisher.join();
    let mut spool = shared.spool();
    spool.save_cursor()?;
    stats.left = spool.pending().len() as u64;
    drop(spool);
    stats.acked = shared.acked.load(Ordering::Relaxed);
    stats.duplicates = shared.duplicates.load(Ordering::Relaxed);
    if let Some(e) = shared.fatal.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    fed.map(|()| stats)
}

/// Reads the input into the spool, pausing while the spool is full.
fn feed(
    opts: &ShipOptions,
    shared: &Shared,
    stop: &AtomicBool,
    notice: &Notice,
    stats: &mut ShipStats,
) -> Result<(), FleetError> {
    let mut put = |ev: &FleetEvent| -> Result<bool, FleetError> {
        let (subject, id) = (ev.subject(&opts.host), ev.message_id(&opts.host));
        let mut spool = shared.spool();
        let mut warned = false;
        loop {
            match spool.push(&subject, &id, &ev.body) {
                Ok(()) => break,
                Err(SpoolError::Full { .. })
                    if !stop.load(Ordering::Relaxed) && !shared.failed() =>
                {
                    if !warned {
                        let e = SpoolError::Full {
                            dir: opts.spool_dir.display().to_string(),
                            used: spool.used(),
                            cap: spool.cap(),
                        };
                        notice(&format!("{e}: input paused until the server acknowledges events"));
                        warned = true;
                    }
                    shared.wake.notify_one();
                    spool = shared
                        .space
                        .wait_timeout(spool, Duration::from_millis(200))
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
                Err(SpoolError::Full { .. }) => return Ok(false),
                Err(e) => return Err(e.into()),
            }
        }
        drop(spool);
        if warned {
            notice("spool has room again: input resumed");
        }
        stats.spooled += 1;
        shared.wake.notify_one();
        Ok(!stop.load(Ordering::Relaxed) && !shared.failed())
    };
    match &opts.input {
        Input::Logs(paths) => {
            for path in paths {
                let data = std::fs::read(path).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                })?;
                for ev in events_of_log(&data) {
                    if !put(&ev)? {
                        return Ok(());
                    }
                }
            }
            // Wait until everything went out (or stop / a fatal error).
            while !shared.spool().pending().is_empty()
                && !stop.load(Ordering::Relaxed)
                && !shared.failed()
            {
                let g = shared.spool();
                let _ = shared.space.wait_timeout(g, Duration::from_millis(100));
            }
            Ok(())
        }
        Input::Stdin => {
            let (tx, rx) = sync_channel::<Vec<u8>>(4096);
            std::thread::Builder::new().name("ship-stdin".into()).spawn(move || {
                let mut stdin = std::io::stdin().lock();
                loop {
                    let mut line = Vec::new();
                    match stdin.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            if line.last() == Some(&b'\n') {
                                line.pop();
                            }
                            if tx.send(line).is_err() {
                                break;
                            }
                        }
                    }
                }
            })?;
            let mut asm = StreamAssembler::default();
            let mut ready = Vec::new();
            loop {
                if stop.load(Ordering::Relaxed) || shared.failed() {
                    return Ok(());
                }
                match rx.recv_timeout(Duration::from_millis(250)) {
                    Ok(line) => asm.push_line(&line, &mut ready),
                    Err(RecvTimeoutError::Timeout) => asm.tick(Instant::now(), &mut ready),
                    Err(RecvTimeoutError::Disconnected) => {
                        asm.finish(&mut ready);
                        for ev in ready.drain(..) {
                            put(&ev)?;
                        }
                        return Ok(());
                    }
                }
                for ev in ready.drain(..) {
                    if !put(&ev)? {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// Connects (retrying while the server is unreachable), checks a stream takes this host's
/// subjects, then publishes the spool's head until told to leave.
async fn publish(
    shared: Arc<Shared>,
    opts: ShipOptions,
    stop: &'static AtomicBool,
    notice: Notice,
) {
    let leave = |shared: &Shared| {
        if stop.load(Ordering::Relaxed) || shared.failed() {
            return true;
        }
        if !shared.input_done.load(Ordering::SeqCst) {
            return false;
        }
        let past =
            shared.deadline.lock().map(|d| d.is_some_and(|d| Instant::now() >= d)).unwrap_or(true);
        past || shared.spool().pending().is_empty()
    };
    let mut said_unreachable = false;
    let client = loop {
        if leave(&shared) {
            return;
        }
        match opts.connect.connect().await {
            Ok(c) => break c,
            Err(FleetError::Connect { url, why }) => {
                if !said_unreachable {
                    notice(&format!("cannot connect to {url} ({why}): spooling until it answers"));
                    said_unreachable = true;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return shared.fail(e),
        }
    };
    if said_unreachable {
        notice("connected: sending the spool");
    }
    let js = jetstream::ContextBuilder::new()
        .timeout(ACK_TIMEOUT)
        .ack_timeout(ACK_TIMEOUT)
        .max_ack_inflight(opts.window * 4 + 64)
        .backpressure_on_inflight(true)
        .build(client.clone());
    // A missing stream is a setup error worth stopping for; a cluster without a leader is not.
    let probe = format!("audit.{}.SYSCALL", opts.host);
    loop {
        if leave(&shared) {
            return;
        }
        match js.stream_by_subject(probe.clone()).await {
            Ok(_) => break,
            Err(e) if matches!(e.kind(), GetStreamByNameErrorKind::NotFound) => {
                return shared.fail(FleetError::NoStream {
                    url: opts.connect.server.clone(),
                    subject: probe,
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    let mut inflight = FuturesOrdered::new();
    let mut sent = 0usize;
    // A floor marker is due at the first empty spool of a run (an earlier run may have ended
    // before sending its own) and after any resend JetStream dropped.
    let mut marker_due = true;
    let mut backoff = Duration::from_millis(50);
    let mut last_error = String::new();
    loop {
        if marker_due
            && inflight.is_empty()
            && connected(&client)
            && !stop.load(Ordering::Relaxed)
            && shared.spool().pending().is_empty()
        {
            let (epoch, floor) = {
                let spool = shared.spool();
                (spool.epoch(), spool.acked())
            };
            marker_due = send_floor_marker(&js, &opts.host, epoch, floor).await.is_err();
        }
        if leave(&shared)
            && (inflight.is_empty() || stop.load(Ordering::Relaxed) || shared.failed())
        {
            return;
        }
        if connected(&client) && sent < opts.window {
            let batch: Vec<(String, String, Vec<u8>, Order)> = {
                let spool = shared.spool();
                let (epoch, floor) = (spool.epoch(), spool.acked());
                spool
                    .pending()
                    .iter()
                    .skip(sent)
                    .take(opts.window - sent)
                    .map(|e| {
                        let order = Order { epoch, n: e.n, floor };
                        (e.subject.clone(), e.id.clone(), e.body.clone(), order)
                    })
                    .collect()
            };
            for (subject, id, body, order) in batch {
                let msg = PublishMessage::build()
                    .payload(body.into())
                    .message_id(id)
                    .header(order::HEADER, order.header_value());
                match js.send_publish(subject, msg).await {
                    Ok(ack) => {
                        inflight.push_back(ack.into_future());
                        sent += 1;
                    }
                    Err(_) => break,
                }
            }
        }
        tokio::select! {
            Some(result) = inflight.next(), if !inflight.is_empty() => match result {
                Ok(ack) => {
                    sent -= 1;
                    if ack.duplicate {
                        shared.duplicates.fetch_add(1, Ordering::Relaxed);
                        marker_due = true;
                    }
                    shared.acked.fetch_add(1, Ordering::Relaxed);
                    let freed = shared.spool().ack_front(1);
                    if let Err(e) = freed {
                        return shared.fail(e.into());
                    }
                    shared.space.notify_all();
                    backoff = Duration::from_millis(50);
                    if !last_error.is_empty() {
                        notice("publishing again");
                        last_error.clear();
                    }
                }
                Err(e) => {
                    let why = e.to_string();
                    if why != last_error {
                        notice(&format!("publish not acknowledged ({why}): sending again from the oldest event"));
                        last_error = why;
                    }
                    inflight = FuturesOrdered::new();
                    sent = 0;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            },
            _ = shared.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

/// Tells the collectors that every event of this spool up to `floor` was acknowledged, so one
/// that never entered the stream (a resend JetStream dropped) is not waited for.
async fn send_floor_marker(
    js: &jetstream::Context,
    host: &str,
    epoch: u64,
    floor: u64,
) -> Result<(), String> {
    if floor == 0 {
        return Ok(());
    }
    let msg = PublishMessage::build()
        .payload(bytes::Bytes::new())
        .message_id(format!("{host}:floor:{epoch:016x}:{floor}"))
        .header(order::FLOOR_HEADER, Order::floor_value(epoch, floor));
    let subject = format!("audit.{host}.{}", order::FLOOR_TYPE);
    let ack = js.send_publish(subject, msg).await.map_err(|e| e.to_string())?;
    ack.into_future().await.map(drop).map_err(|e| e.to_string())
}
