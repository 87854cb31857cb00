//! Deciding about one event: extraction, then matching.

use raudit_parse::Event;

use crate::criteria::Criteria;
use crate::extract::{PasswdFile, extract};
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

static NAMES: std::sync::LazyLock<PasswdFile> = std::sync::LazyLock::new(PasswdFile::default);

/// Extracts what the criteria need and matches, in the reference's order:
/// `-a` before anything is parsed.
pub fn select(event: &Event<'_>, criteria: &Criteria) -> Selection {
    if criteria.event_id.is_some_and(|id| id != event.key.serial) {
        return Selection::NotMatched;
    }
    match extract(event, criteria, &*NAMES) {
        Err(m) => Selection::Malformed { rc: m.rc, record: m.record },
        Ok(items) if matches(event, &items, criteria) => Selection::Matched,
        Ok(_) => Selection::NotMatched,
    }
}
