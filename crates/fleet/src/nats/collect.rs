//! `raudit collect`: a durable pull consumer on the stream; each fetched batch is written to the
//! hosts' logs ([`crate::store`]), the state saved, and only then acknowledged.
//!
//! The collector's state, not the consumer's acknowledgement floor, says where to resume: at
//! start the durable consumer is made again from the saved position (nothing at or before it is
//! unwritten),
//! so messages delivered but never written (a crash) come back at once and in order, rather than
//! after the acknowledgement wait and behind newer ones. A hole in the sequences while running
//! is healed the same way, however often it takes: messages the stream still holds were lost on
//! the way (delivered to a pull request given up on, or through a node that died). Only what the
//! stream no longer holds (aged out, deleted) is stepped over.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use async_nats::jetstream::stream::RawMessageErrorKind;
use async_nats::jetstream::{self, stream::Stream};
use futures_util::{FutureExt, StreamExt};

use super::{Connect, FleetError, StreamSpec, get_stream, host_of_subject, init_stream};
use crate::event::valid_host_token;
use crate::order::{self, Order};
use crate::store::{Rotation, Store};

use super::ship::Notice;

/// The durable consumer's default name.
pub const DEFAULT_DURABLE: &str = "raudit-collect";
const BATCH: usize = 1000;
const ACK_WAIT: Duration = Duration::from_secs(30);
/// How long the first message of a batch is awaited before `stop` and `--idle-exit` are seen.
const QUIET: Duration = Duration::from_millis(250);
/// The pull's idle heartbeat: a connection that lost the consumer is noticed within two.
const HEARTBEAT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub connect: Connect,
    pub out: std::path::PathBuf,
    pub durable: String,
    pub rotation: Rotation,
    /// Create (or update) the stream first.
    pub init: Option<StreamSpec>,
    /// Leave once nothing new came for this long (tests, one-shot catch-up); None: run until
    /// stopped.
    pub idle_exit: Option<Duration>,
}

/// Runs the collector until `stop` is set (or, with `idle_exit`, until it is caught up).
pub fn run(
    opts: CollectOptions,
    stop: &'static AtomicBool,
    notice: Notice,
) -> Result<(), FleetError> {
    super::runtime()?.block_on(collect(opts, stop, notice))
}

async fn consumer_at(
    stream: &Stream,
    durable: &str,
    position: u64,
) -> Result<jetstream::consumer::Consumer<pull::Config>, String> {
    match stream.delete_consumer(durable).await {
        Ok(_) => {}
        Err(e) if e.to_string().contains("not found") => {}
        Err(e) => return Err(e.to_string()),
    }
    let deliver_policy = if position == 0 {
        DeliverPolicy::All
    } else {
        DeliverPolicy::ByStartSequence { start_sequence: position + 1 }
    };
    stream
        .create_consumer(pull::Config {
            durable_name: Some(durable.to_string()),
            deliver_policy,
            ack_policy: AckPolicy::All,
            ack_wait: ACK_WAIT,
            max_ack_pending: (BATCH * 4) as i64,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())
}

/// Before handling stream sequence `seq`, past a hole after what `store` processed: steps over
/// the missing sequences the stream no longer holds (aged out or deleted), and says true when it
/// still holds one, which was lost on the way and must be consumed again. An error (no leader
/// to answer, for instance) steps over nothing.
async fn step_over_gone(stream: &Stream, store: &mut Store, seq: u64) -> Result<bool, String> {
    let first = stream.get_info().await.map_err(|e| e.to_string())?.state.first_sequence;
    if store.processed() + 1 < first {
        store.skip(first.min(seq) - 1);
    }
    while store.processed() + 1 < seq {
        let next = store.processed() + 1;
        match stream.get_raw_message(next).await {
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == RawMessageErrorKind::NoMessageFound => store.skip(next),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(false)
}

async fn collect(
    opts: CollectOptions,
    stop: &'static AtomicBool,
    notice: Notice,
) -> Result<(), FleetError> {
    // A collector (re)started while the servers are down waits for them; a bad URL, refused
    // credentials or a missing stream end it at once.
    let mut said = String::new();
    let mut waiting = |why: String| {
        if why != said {
            notice(&format!("{why}: waiting for the servers"));
            said = why;
        }
    };
    let client = loop {
        match opts.connect.connect().await {
            Ok(c) => break c,
            Err(e @ FleetError::Connect { .. }) if !stop.load(Ordering::Relaxed) => {
                waiting(e.to_string());
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e),
        }
    };
    let js = jetstream::ContextBuilder::new().timeout(Duration::from_secs(5)).build(client);
    if let Some(spec) = opts.init {
        init_stream(&js, spec).await?;
    }
    let stream = loop {
        match get_stream(&js, &opts.connect.server).await {
            Ok(s) => break s,
            Err(e @ FleetError::JetStream { .. }) if !stop.load(Ordering::Relaxed) => {
                waiting(e.to_string());
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e),
        }
    };
    let mut store = Store::open(&opts.out, opts.rotation)?;
    let mut consumer = None;
    let mut pulled: Option<pull::Stream> = None;
    // Where the last hole was healed from.
    let mut healed_at: Option<u64> = None;
    let mut last_error = String::new();
    let mut idle_since = std::time::Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let mut problem = |what: String| {
            if what != last_error {
                notice(&what);
                last_error = what;
            }
        };
        let Some(c) = consumer.as_ref() else {
            pulled = None;
            match consumer_at(&stream, &opts.durable, store.processed()).await {
                Ok(c) => consumer = Some(c),
                Err(e) => {
                    problem(format!("cannot create consumer {}: {e}", opts.durable));
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
            continue;
        };
        let Some(messages_in) = pulled.as_mut() else {
            match c.stream().max_messages_per_batch(BATCH).heartbeat(HEARTBEAT).messages().await {
                Ok(m) => pulled = Some(m),
                Err(e) => {
                    problem(format!("cannot pull from consumer {}: {e}", opts.durable));
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
            continue;
        };
        // A batch is what is there now: the first message awaited (briefly, to see `stop`),
        // then whatever already arrived, so batches grow under load and stay small when quiet.
        let mut messages = Vec::new();
        match tokio::time::timeout(QUIET, messages_in.next()).await {
            Err(_) => {}
            Ok(Some(Ok(m))) => messages.push(m),
            Ok(Some(Err(e))) => {
                problem(format!("pull failed: {e}"));
                pulled = None;
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
            Ok(None) => {
                pulled = None;
                continue;
            }
        }
        while messages.len() < BATCH {
            match messages_in.next().now_or_never() {
                Some(Some(Ok(m))) => messages.push(m),
                _ => break,
            }
        }
        if messages.is_empty() {
            if opts.idle_exit.is_some_and(|d| idle_since.elapsed() >= d) {
                break;
            }
            continue;
        }
        idle_since = std::time::Instant::now();
        let mut heal = false;
        for m in &messages {
            let Ok(info) = m.info() else { continue };
            let seq = info.stream_sequence;
            let expected = store.processed() + 1;
            if seq > expected {
                match step_over_gone(&stream, &mut store, seq).await {
                    Ok(false) => notice(&format!(
                        "messages {expected} to {} are no longer in the stream: stepped over",
                        seq - 1
                    )),
                    Ok(true) => {
                        heal = true;
                        break;
                    }
                    Err(e) => {
                        notice(&format!("cannot tell whether the stream holds {expected}: {e}"));
                        heal = true;
                        break;
                    }
                }
            }
            // The host becomes a directory name: only a plain subject token is taken (no `/`,
            // no `..`); anything else on audit.> is stepped over.
            match host_of_subject(m.subject.as_str()).filter(|h| valid_host_token(h)) {
                Some(host) => {
                    let header = |name| m.headers.as_ref().and_then(|h| h.get(name));
                    if let Some(v) = header(order::FLOOR_HEADER) {
                        match Order::parse_floor(v.as_str()) {
                            Some((epoch, floor)) => store.floor_marker(host, seq, epoch, floor),
                            None => store.skip(seq),
                        }
                        continue;
                    }
                    let order = header(order::HEADER).and_then(|v| Order::parse(v.as_str()));
                    store.accept(host, seq, order, &m.payload);
                }
                None => {
                    notice(&format!(
                        "message {seq} on {} is not an audit.<host>.<type> event: skipped",
                        m.subject
                    ));
                    store.skip(seq);
                }
            }
        }
        store.commit()?;
        for note in store.take_notes() {
            notice(&note);
        }
        last_error.clear();
        if heal {
            notice(&format!(
                "sequence hole after {}: consuming again from there",
                store.processed()
            ));
            // The same hole again: the cluster may still be electing a leader.
            if healed_at.replace(store.processed()) == Some(store.processed()) {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            consumer = None;
            continue;
        }
        // AckPolicy::All: the last message acknowledges the batch. A lost acknowledgement only
        // means a redelivery, which the position skips.
        if let Some(m) = messages.last() {
            let _ = m.ack().await;
        }
    }
    if store.held() > 0 {
        notice(&format!(
            "{} event(s) wait for earlier ones of their host: fetched again at the next start",
            store.held()
        ));
    }
    Ok(())
}
