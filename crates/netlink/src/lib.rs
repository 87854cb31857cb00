//! A synchronous NETLINK_AUDIT client: everything auditctl and auditd say
//! to the kernel, with no async runtime.
//!
//! * [`Client`]: request/ACK exchanges. Status ([`Client::get_status`] and
//!   one setter per field, [`Client::reset_lost`]), features, rules
//!   ([`Client::list_rules`], [`Client::add_rule`], [`Client::delete_rule`]
//!   on [`raudit_proto::RuleData`]), user messages, signal info, TTY
//!   auditing, trim and make_equiv. Kernel refusals come back as
//!   [`Error::Kernel`] with the errno ([`Error::is_exists`], ...).
//! * [`EventReader`]: audit records, either as the registered daemon
//!   ([`EventReader::register`]; unregisters on drop) or as a read-only
//!   member of the multicast group ([`EventReader::multicast`]).
//! * [`Transport`]: the socket seam; [`NetlinkSocket`] is the real one.
//!
//! Protocol facts (the unicast `nlmsg_len` quirk, ACK-before-data order,
//! the positive "old value" ACK of counter resets) are described in
//! `shared/docs/reference/kernel-and-daemon.md` §1. Requests need
//! CAP_AUDIT_CONTROL (control) or CAP_AUDIT_WRITE (user messages) in the
//! initial namespaces.

mod client;
mod error;
mod events;
mod socket;
mod transport;

#[cfg(test)]
mod tests;

pub use client::{Client, DEFAULT_TIMEOUT};
pub use error::{Error, Result};
pub use events::{EVENT_RECEIVE_BUFFER, EventReader, ReaderKind, Record, Stats};
pub use socket::NetlinkSocket;
pub use transport::{Received, Transport};

pub use raudit_proto as proto;
