//! The ausearch engine.
//!
//! [`Criteria`] is what the command line asked for; [`extract`] pulls from
//! an event's records exactly the items those criteria need, the way the
//! reference's per-type parsers do (including which events it drops as
//! malformed); [`matcher`] decides whether the event matches.
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod criteria;
mod emit;
pub mod engine;
pub mod extract;
pub mod follow;
mod helped;
pub mod index;
pub mod input;
pub mod interpreted;
pub mod json;
pub mod matcher;
mod memo;
pub mod normalize;
pub mod output;
pub mod prefilter;
mod prepared;
mod reuse;
mod runs;
pub mod select;
pub mod skim;
mod whole;
pub mod worker;

pub use criteria::{Criteria, IdCriterion, Success};
pub use engine::{Outcome, Settings, search, search_exhaustive};
pub use normalize::Extra;
pub use output::{Escape, Format};
pub use whole::kept_or_made;
pub use worker::WorkerPanic;
