//! The audisp-remote protocol at both ends, as audit 3.0.9 speaks it, for raudit.
//!
//! - [`wire`]: the 16-byte little-endian header, message types, and an incremental decoder that
//!   returns typed errors on garbage, bad magic, oversized lengths and half frames.
//! - [`conf`]: `/etc/audit/audisp-remote.conf` with the reference's defaults, checks and messages.
//! - [`queue`]: the sender's queue, on disk in the reference's queue-file format in forward mode.
//! - [`client`]: the sending plugin (`raudit remote` / `audisp-remote`).
//! - [`listener`]: the receiving end the daemon runs for auditd.conf's `tcp_*` keys.
//!
//! Beyond the reference, the two raudit ends pipeline: a client opens each connection with a
//! HEARTBEAT carrying `message_version = 1`; a raudit listener echoes version 1 in its ACK and the
//! client then keeps up to [`client::PIPELINE_WINDOW`] records unacknowledged. The reference
//! listener always replies with version 0 (and ignores the field it receives), so against it the
//! client stays stop-and-wait, exactly like audisp-remote.
//!
//! With the non-default `tls` feature, [`tls`] adds TLS at both ends (beyond 3.0.9): mutual
//! certificates and an allow-list of client names.

pub mod client;
pub mod conf;
mod link;
pub mod listener;
pub mod queue;
mod sys;
#[cfg(feature = "tls")]
pub mod tls;
pub mod wire;
