//! The ausearch engine.
//!
//! [`Criteria`] is what the command line asked for; [`extract`] pulls from
//! an event's records exactly the items those criteria need, the way the
//! reference's per-type parsers do (including which events it drops as
//! malformed); [`matcher`] decides whether the event matches.
#![forbid(unsafe_code)]

pub mod criteria;
pub mod extract;
pub mod matcher;

pub use criteria::{Criteria, IdCriterion, Success};
