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
    /// Per tag, the last value found remembered: consecutive events mostly
    /// repeat their executable, command, terminal and key, and a compare
    /// costs less than a hash.
    last_strings: [Vec<u8>; 8],
    last_numbers: [Option<i32>; 8],
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
            sent.last_strings.iter_mut().for_each(Vec::clear);
            sent.last_numbers = [None; 8];
            sent.run = run;
        }
        f(&mut Filter { sent })
    })
}

impl Filter<'_> {
    /// Whether `value` of list `tag` is new to this thread (it is then
    /// remembered, so the caller must hand it over).
    pub fn new_string(&mut self, tag: u8, value: &[u8]) -> bool {
        let Sent { strings, key, last_strings, .. } = &mut *self.sent;
        let last = &mut last_strings[usize::from(tag) % 8];
        // An empty `last` is no value yet (an empty value takes the set).
        if !last.is_empty() && last.as_slice() == value {
            return false;
        }
        key.clear();
        key.push(tag);
        key.extend_from_slice(value);
        let new = !strings.contains(key.as_slice());
        if new && strings.len() >= REMEMBERED {
            return true;
        }
        if new {
            strings.insert(key.clone());
        }
        last.clear();
        last.extend_from_slice(value);
        new
    }

    /// [`Filter::new_string`] for numbers.
    pub fn new_number(&mut self, tag: u8, value: i32) -> bool {
        let Sent { numbers, last_numbers, .. } = &mut *self.sent;
        let last = &mut last_numbers[usize::from(tag) % 8];
        if *last == Some(value) {
            return false;
        }
        let new = !numbers.contains(&(tag, value));
        if new && numbers.len() >= REMEMBERED {
            return true;
        }
        if new {
            numbers.insert((tag, value));
        }
        *last = Some(value);
        new
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
    fn repeated_and_alternating_values_are_new_once() {
        with(new_run(), |f| {
            let answers: Vec<bool> = [&b"a"[..], b"a", b"b", b"a", b"", b"", b"b"]
                .iter()
                .map(|v| f.new_string(3, v))
                .collect();
            assert_eq!(answers, [true, false, true, false, true, false, false]);
            let numbers: Vec<bool> = [5, 5, 6, 5, 6].iter().map(|&n| f.new_number(1, n)).collect();
            assert_eq!(numbers, [true, false, true, false, false]);
        });
    }

    #[test]
    fn past_the_cap_strings_are_handed_over_every_time() {
        with(new_run(), |f| {
            for n in 0..REMEMBERED {
                assert!(f.new_string(4, n.to_string().as_bytes()));
            }
            assert!(f.new_string(4, b"new"));
            assert!(f.new_string(4, b"new"));
            assert!(!f.new_string(4, b"0"));
            assert!(!f.new_string(4, b"0"));
        });
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
