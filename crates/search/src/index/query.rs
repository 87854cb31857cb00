//! Which blocks of an indexed log can hold a matching event.
//!
//! Each test below is a necessary condition on one record of a matching
//! event, so a matching event has a record in a block that passes it:
//! - `-m`: one of its records is of a wanted type (the matcher looks at
//!   the records' types);
//! - `-n`: its node is one of the wanted ones, and every record of an
//!   event has the event's node;
//! - `-a`: every record of an event has its serial;
//! - `-p N`: the extractor only sets a pid from a number written after a
//!   text ending in `pid=`, read up to a space (or the end) or as its
//!   leading digits, kept as 32 bits; the index holds every such number
//!   of every `pid=` of every record;
//! - `-ui`/`-ue`/`-ul`/`-ua N`: the same with `uid=` (which `auid=`,
//!   `euid=`, `loginuid=` end with), except the values the extractor also
//!   supplies on its own (0, and the unset 4294967294 and 4294967295);
//!   names are compared as names and are not indexed;
//! - `-x`, `-k` (substring or `-w` whole): the value holds the wanted
//!   text, so all its three-byte pieces are pieces of one value decoded
//!   from a record's `exe=`/`key=` (with the extractor's own readers);
//!   texts shorter than three bytes, and the `(null)` the extractor
//!   supplies for a missing exe, are not indexed;
//! - `-ts`/`-te`: records outside the window are dropped before grouping,
//!   so the record that passes any of the other tests lies in the window:
//!   its block overlaps it.
//!
//! Criteria are ANDed: one test is enough, and the one passed by the
//! fewest blocks is used (with the window). Other criteria (`-sv`, `-hn`,
//! names, ...) are not indexed and are left to the matcher.

use super::build::{tag, trigrams};
use super::{Block, hash, hash_u32};
use crate::criteria::Criteria;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Test {
    /// One of the alternatives, each a set of values all in the block.
    Values(Vec<Vec<u64>>),
    Serial(u64),
}

impl Test {
    fn passes(&self, b: &Block) -> bool {
        match self {
            Test::Values(any) => any.iter().any(|all| all.iter().all(|&h| b.filter.may_hold(h))),
            Test::Serial(n) => b.serials.is_some_and(|(lo, hi)| (lo..=hi).contains(n)),
        }
    }
}

/// The tests a search's criteria and time window make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    tests: Vec<Test>,
    start: Option<i64>,
    end: Option<i64>,
}

fn text_test(t: u8, value: &Option<Vec<u8>>) -> Option<Test> {
    let v = value.as_ref()?;
    if v.len() < 3 || memchr::memmem::find(b"(null)", v).is_some() {
        return None;
    }
    let mut all: Vec<u64> = trigrams(t, v).collect();
    all.sort_unstable();
    all.dedup();
    Some(Test::Values(vec![all]))
}

fn number(t: u8, n: u32) -> Test {
    Test::Values(vec![vec![hash_u32(t, n)]])
}

impl Query {
    /// The tests for `criteria` within `-ts start`/`-te end` (0 or None:
    /// open), or None when nothing narrows the search.
    pub fn of(criteria: &Criteria, start: Option<i64>, end: Option<i64>) -> Option<Query> {
        let c = criteria;
        let mut tests = Vec::new();
        if let Some(types) = &c.msg_types {
            let any = types.iter().map(|&t| vec![hash_u32(tag::TYPE, t as u32)]).collect();
            tests.push(Test::Values(any));
        }
        if !c.nodes.is_empty() {
            tests.push(Test::Values(c.nodes.iter().map(|n| vec![hash(tag::NODE, n)]).collect()));
        }
        if let Some(serial) = c.event_id {
            tests.push(Test::Serial(serial));
        }
        if let Some(pid) = c.pid {
            tests.push(number(tag::PID, pid));
        }
        for n in c.written_uids() {
            tests.push(number(tag::UID, n));
        }
        tests.extend(text_test(tag::EXE, &c.exe));
        tests.extend(text_test(tag::KEY, &c.key));
        let open = |v: Option<i64>| v.filter(|&v| v != 0);
        let (start, end) = (open(start), open(end));
        if tests.is_empty() && start.is_none() && end.is_none() {
            return None;
        }
        Some(Query { tests, start, end })
    }

    /// Whether each block may hold a record of a matching event.
    pub fn hits(&self, blocks: &[Block]) -> Vec<bool> {
        let in_window = |b: &Block| match (b.first, b.last) {
            (Some(first), Some(last)) => {
                !b.ordered
                    || (self.start.is_none_or(|s| last as i64 >= s)
                        && self.end.is_none_or(|e| first as i64 <= e))
            }
            _ => false,
        };
        let window: Vec<bool> = blocks.iter().map(in_window).collect();
        let best = self
            .tests
            .iter()
            .map(|t| blocks.iter().zip(&window).map(|(b, &w)| w && t.passes(b)).collect::<Vec<_>>())
            .min_by_key(|hits| hits.iter().filter(|&&h| h).count());
        best.unwrap_or(window)
    }
}
