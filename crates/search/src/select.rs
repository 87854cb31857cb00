//! Deciding about one event: extraction, then matching.

use raudit_parse::Event;

use crate::criteria::Criteria;
use raudit_sys::Host;

use crate::extract::extract;
use crate::matcher::matches;

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

/// Extracts what the criteria need and matches, in the reference's order:
/// `-a` before anything is parsed. `host` names uids for `-ua NAME`.
pub fn select(event: &Event<'_>, criteria: &Criteria, host: &dyn Host) -> Selection {
    if criteria.event_id.is_some_and(|id| id != event.key.serial) {
        return Selection::NotMatched;
    }
    match extract(event, criteria, host) {
        Err(m) => Selection::Malformed { rc: m.rc, record: m.record },
        Ok(items) if matches(event, &items, criteria) => Selection::Matched,
        Ok(_) => Selection::NotMatched,
    }
}
