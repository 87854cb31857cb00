//! Fleet search's input: the whole stream, replayed through an ordered consumer into the bytes
//! of one log (each record carries its host's `node=`, as in the collected logs), which the
//! ordinary search engine then reads. Each host's events come in its shipper's order
//! ([`crate::order`]).

use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull};
use futures_util::StreamExt;

use super::{Connect, FleetError, get_stream, host_of_subject};
use crate::order::{self, Order, Reorder};
use crate::store::append_with_node;

/// Every event of the stream, in stream order, as log bytes.
pub fn replay(connect: &Connect) -> Result<Vec<u8>, FleetError> {
    super::runtime()?.block_on(async {
        let client = connect.connect().await?;
        let js = jetstream::ContextBuilder::new().timeout(Duration::from_secs(5)).build(client);
        let mut stream = get_stream(&js, &connect.server).await?;
        let last = stream
            .info()
            .await
            .map_err(|e| FleetError::JetStream {
                what: "cannot read stream AUDIT",
                why: e.to_string(),
            })?
            .state
            .last_sequence;
        let mut out = Vec::new();
        let mut held: Reorder<bytes::Bytes> = Reorder::default();
        let mut last_n = std::collections::HashMap::new();
        if last == 0 {
            return Ok(out);
        }
        let consumer =
            stream.create_consumer(pull::OrderedConfig::default()).await.map_err(|e| {
                FleetError::JetStream { what: "cannot replay stream AUDIT", why: e.to_string() }
            })?;
        let mut messages = consumer.messages().await.map_err(|e| FleetError::JetStream {
            what: "cannot replay stream AUDIT",
            why: e.to_string(),
        })?;
        while let Some(m) = messages.next().await {
            let m =
                m.map_err(|e| FleetError::JetStream { what: "replay failed", why: e.to_string() })?;
            let seq = m.info().map(|i| i.stream_sequence).unwrap_or(last);
            if let Some(host) = host_of_subject(m.subject.as_str()) {
                let header = |name| m.headers.as_ref().and_then(|h| h.get(name));
                let marker = header(order::FLOOR_HEADER).map(|v| Order::parse_floor(v.as_str()));
                match header(order::HEADER).and_then(|v| Order::parse(v.as_str())) {
                    _ if marker.is_some() => {
                        if let Some(Some((epoch, floor))) = marker {
                            let n = last_n.entry((host.to_string(), epoch)).or_insert(0);
                            for body in held.floor(host, epoch, floor, n).items {
                                append_with_node(&mut out, host, &body);
                            }
                        }
                    }
                    Some(o) => {
                        let n = last_n.entry((host.to_string(), o.epoch)).or_insert(0);
                        for body in held.offer(host, o, m.payload.clone(), n).items {
                            append_with_node(&mut out, host, &body);
                        }
                    }
                    None => append_with_node(&mut out, host, &m.payload),
                }
            }
            if seq >= last {
                break;
            }
        }
        // The stream is over: what still waits for a missing event goes last.
        for (host, body) in held.drain() {
            append_with_node(&mut out, &host, &body);
        }
        Ok(out)
    })
}
