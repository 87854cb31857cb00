//! The main summary counts distinct values only (users, terminals, hosts,
//! executables, commands, files, keys, pids), so each thread that prepares
//! events hands a value over once per run: the counting thread then merges
//! a few new values per batch instead of several per event, and the shares
//! it frees are mostly empty.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use raudit_tables::hash::FxHashSet;

/// Values remembered per thread; past this many, new ones are handed over
/// every time (harmless: the counting side keeps distinct values).
const REMEMBERED: usize = 1 << 16;

static RUNS: AtomicU64 = AtomicU64::new(1);

/// A number that no other run of this process has.
pub fn new_run() -> u64 {
    RUNS.fetch_add(1, Ordering::Relaxed)
}

#[derive(Default)]
struct Sent {
    run: u64,
    /// A tag byte (which list), then the value.
    strings: FxHashSet<Vec<u8>>,
    numbers: FxHashSet<(u8, i32)>,
    key: Vec<u8>,
}

thread_local! {
    static SENT: RefCell<Sent> = RefCell::default();
}

/// What this thread has handed over in one run.
pub struct Filter<'s> {
    sent: &'s mut Sent,
}

/// Runs `f` with this thread's filter for `run` (emptied when the thread
/// last worked for another run).
pub fn with<R>(run: u64, f: impl FnOnce(&mut Filter<'_>) -> R) -> R {
    SENT.with_borrow_mut(|sent| {
        if sent.run != run {
            sent.strings.clear();
            sent.numbers.clear();
            sent.run = run;
        }
        f(&mut Filter { sent })
    })
}

impl Filter<'_> {
    /// Whether `value` of list `tag` is new to this thread (it is then
    /// remembered, so the caller must hand it over).
    pub fn new_string(&mut self, tag: u8, value: &[u8]) -> bool {
        let Sent { strings, key, .. } = &mut *self.sent;
        key.clear();
        key.push(tag);
        key.extend_from_slice(value);
        if strings.contains(key.as_slice()) {
            return false;
        }
        if strings.len() < REMEMBERED {
            strings.insert(key.clone());
        }
        true
    }

    /// [`Filter::new_string`] for numbers.
    pub fn new_number(&mut self, tag: u8, value: i32) -> bool {
        let numbers = &mut self.sent.numbers;
        if numbers.contains(&(tag, value)) {
            return false;
        }
        if numbers.len() < REMEMBERED {
            numbers.insert((tag, value));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_new_once_per_list_and_run() {
        let run = new_run();
        with(run, |f| {
            assert!(f.new_string(0, b"pts0"));
            assert!(!f.new_string(0, b"pts0"));
            assert!(f.new_string(1, b"pts0"));
            assert!(f.new_number(0, 7));
            assert!(!f.new_number(0, 7));
            assert!(f.new_number(1, 7));
        });
        // Another run starts afresh; the same run remembers.
        with(run, |f| assert!(!f.new_string(0, b"pts0")));
        with(new_run(), |f| assert!(f.new_string(0, b"pts0") && f.new_number(0, 7)));
    }

    #[test]
    fn past_the_cap_values_are_handed_over_every_time() {
        with(new_run(), |f| {
            for n in 0..REMEMBERED as i32 {
                assert!(f.new_number(2, n));
            }
            assert!(f.new_number(2, -1));
            assert!(f.new_number(2, -1));
            assert!(!f.new_number(2, 0));
        });
    }
}
