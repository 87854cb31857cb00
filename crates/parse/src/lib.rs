//! Audit log records and events.
//!
//! [`lines::Lines`] cuts a log into the pieces the reference reads one at a
//! time; [`record::Record::parse`] reads one piece's header (node, type,
//! time, serial) without copying; [`assembler::Assembler`] groups records
//! into events with the reference's completion rules and hands each
//! complete event, in the reference's output order, to an [`EventSink`].
//! ausearch, aureport, interpretation and the daemon's ENRICHED writer all
//! build on these three pieces, so every tool agrees on what an event is.
#![forbid(unsafe_code)]

pub mod assembler;
pub mod cnum;
pub mod fields;
pub mod lines;
pub mod record;
pub mod scan;

pub use assembler::{Assembler, AssemblerConfig, Completion, Event, EventKey, EventSink, Limits};
pub use lines::Lines;
pub use record::{HeaderError, Record};
