//! Deciding about one event: extraction, then matching.

use raudit_parse::Event;

use crate::criteria::Criteria;

/// What becomes of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Matched,
    NotMatched,
    /// The reference drops the whole event when a record lacks a token its
    /// parser needs; `--debug` says so with the record.
    Malformed {
        rc: i32,
        record: Vec<u8>,
    },
}

/// Extracts what the criteria need and matches.
pub fn select(event: &Event<'_>, criteria: &Criteria) -> Selection {
    // Placeholder until extract/matcher land: every event matches.
    let _ = (event, criteria);
    Selection::Matched
}
