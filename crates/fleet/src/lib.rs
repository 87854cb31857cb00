//! The fleet: every host ships its audit events into NATS JetStream (`raudit ship`), a collector
//! writes each host's events into its own log exactly once (`raudit collect`), and a search can
//! replay the whole stream (`raudit search --server`).
//!
//! What needs no server (event naming, the shipper's spool, the collector's store) is always
//! built; the NATS client and its runtime are behind the `fleet` feature (docs/fleet.md).

pub mod event;
pub mod order;
pub mod spool;
pub mod store;

#[cfg(feature = "fleet")]
pub mod nats;
