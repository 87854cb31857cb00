//! Grouping records into events, with the reference's completion rules and
//! output order, in O(log n) per record.
//!
//! The reference (ausearch-lol.c) keeps open events in an array and scans
//! all of them for every record, which is quadratic under syscall storms.
//! This keeps the same observable behaviour with indexes instead:
//! - a record joins the *building* event with the same (sec, milli,
//!   serial, node); a lone EOE is dropped; otherwise it opens a new event
//!   in the lowest free slot;
//! - when an event opens, every building event completes if it is
//!   `end_of_event_timeout` seconds older, or if its first record is of a
//!   single-record type;
//! - events leave in (sec, milli, serial, slot) order, and only when the
//!   lowest pending event is complete.
//!
//! Memory is bounded where the reference's is not ([`Limits`]): past
//! `max_building` events under construction, the first one in output order
//! is completed early; past `max_records` records, an event is handed out
//! in parts. Kernel-written logs never reach either (a storm of 100k
//! events/s with a 2 s timeout holds about 250k events open, each whole
//! and contiguous), so a difference from the reference needs a record that
//! arrives after that many other events or records.

use std::collections::VecDeque;

use crate::record::{Record, types};

/// Default `end_of_event_timeout` in seconds.
pub const DEFAULT_EOE_TIMEOUT: u64 = 2;

/// An event's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKey<'a> {
    pub sec: u64,
    pub milli: u32,
    pub serial: u64,
    pub node: Option<&'a [u8]>,
}

/// A complete event: its records in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    pub key: EventKey<'a>,
    pub records: Vec<Record<'a>>,
}

impl<'a> Event<'a> {
    /// The type of the record that opened the event.
    pub fn first_type(&self) -> i32 {
        self.records[0].rtype
    }
}

/// Receives complete events. Returning false stops the input early.
pub trait EventSink<'a> {
    fn event(&mut self, event: Event<'a>) -> bool;
}

impl<'a, F: FnMut(Event<'a>) -> bool> EventSink<'a> for F {
    fn event(&mut self, event: Event<'a>) -> bool {
        self(event)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct AssemblerConfig {
    /// Seconds after which an open event is complete.
    pub eoe_timeout: u64,
}

/// The caps on what an assembler holds (module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Events under construction; past it the first in output order is
    /// completed. About 300 bytes each (the records point into the input).
    pub max_building: usize,
    /// Records in one event; past it the event is handed out and the next
    /// record with its key opens a new part (72 bytes each).
    pub max_records: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_building: 1 << 14, max_records: 1 << 16 }
    }
}

/// Whose rules decide when an event is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Completion {
    /// ausearch-lol.c: when another event opens, an event is complete if its
    /// first record is of a single-record type or it is old enough.
    #[default]
    Ausearch,
    /// libauparse (auparse.c au_check_events), which auvirt, aulast and the
    /// plugins read with: after every record, an event is complete if the
    /// record it got last is of a single-record type or EOE, or it is old
    /// enough; events are handed out only after an event opens
    /// ([`Assembler::open_events`] tells the caller).
    Auparse,
}

impl Default for AssemblerConfig {
    fn default() -> Self {
        AssemblerConfig { eoe_timeout: DEFAULT_EOE_TIMEOUT }
    }
}

struct Slot<'a> {
    event: Event<'a>,
    complete: bool,
    /// Tells this event from earlier ones that used the same slot.
    generation: u64,
}

type Order = (u64, u32, u64, usize);

/// A queue kept in ascending order. Records mostly arrive in time order, so
/// an insertion is nearly always a push at the back, and events always
/// leave from the front: both O(1), where a tree pays O(log n) with tens of
/// thousands of open events during a syscall storm.
#[derive(Debug)]
struct SortedQueue<T> {
    items: VecDeque<T>,
}

impl<T> Default for SortedQueue<T> {
    fn default() -> Self {
        SortedQueue { items: VecDeque::new() }
    }
}

impl<T: Ord + Copy> SortedQueue<T> {
    fn insert(&mut self, item: T) {
        match self.items.back() {
            Some(last) if *last > item => {
                let at = self.items.partition_point(|x| *x < item);
                self.items.insert(at, item);
            }
            _ => self.items.push_back(item),
        }
    }

    fn first(&self) -> Option<&T> {
        self.items.front()
    }

    fn pop_first(&mut self) -> Option<T> {
        self.items.pop_front()
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn clear(&mut self) {
        self.items.clear();
    }
}

/// Free slot numbers, taken lowest first: a bitmap, and a summary bit per word of it that has
/// a free slot. Both ends are O(1) for the slots a storm keeps (a heap paid a sift per event).
#[derive(Debug, Default)]
struct FreeSlots {
    words: Vec<u64>,
    summary: Vec<u64>,
}

impl FreeSlots {
    fn push(&mut self, slot: usize) {
        let word = slot / 64;
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
            self.summary.resize(word / 64 + 1, 0);
        }
        self.words[word] |= 1 << (slot % 64);
        self.summary[word / 64] |= 1 << (word % 64);
    }

    fn pop_lowest(&mut self) -> Option<usize> {
        let at = self.summary.iter().position(|&s| s != 0)?;
        let word = at * 64 + self.summary[at].trailing_zeros() as usize;
        let bits = self.words[word];
        self.words[word] = bits & (bits - 1);
        if self.words[word] == 0 {
            self.summary[at] &= !(1 << (word % 64));
        }
        Some(word * 64 + bits.trailing_zeros() as usize)
    }
}

/// Groups records into events. Feed records with [`Assembler::push`],
/// take events with [`Assembler::pop_ready`], and call
/// [`Assembler::finish`] at the end of the input.
pub struct Assembler<'a> {
    config: AssemblerConfig,
    slots: Vec<Option<Slot<'a>>>,
    free: FreeSlots,
    /// Events under construction. They are found through `pending`, which
    /// holds them in key order: a map would cost an insert and a remove per
    /// event, and records of one event nearly always arrive together (see
    /// `last`).
    building: usize,
    /// Building events by second, oldest first, as (second, generation,
    /// slot): the generation grows, so with records in time order an entry
    /// always goes at the back. Entries of events that completed meanwhile
    /// are skipped (their generation no longer matches).
    by_age: SortedQueue<(u64, u64, usize)>,
    generation: u64,
    /// Events not yet handed out, in output order.
    pending: SortedQueue<Order>,
    /// The event the previous record went to: records of one event usually
    /// arrive together, so this skips most searches of `pending`.
    last: Option<(EventKey<'a>, usize)>,
    completion: Completion,
    limits: Limits,
    /// Emptied record vectors of events handed out, for new events.
    spare: Vec<Vec<Record<'a>>>,
}

/// Spare record vectors kept, and the largest capacity worth keeping.
const SPARE_VECTORS: usize = 1 << 15;
const SPARE_CAPACITY: usize = 64;

/// Whether an event whose first record has this type is complete as soon as
/// another event starts.
// COMPAT: ausearch-lol.c check_events: the reference's list of
// single-record types.
pub fn is_single_record_type(t: i32) -> bool {
    t == types::PROCTITLE
        || !(types::FIRST_EVENT..types::FIRST_ANOM_MSG).contains(&t)
        || t == types::KERNEL
        || (types::MAC_UNLBL_ALLOW..=types::MAC_CALIPSO_DEL).contains(&t)
}

impl<'a> Assembler<'a> {
    pub fn new(config: AssemblerConfig) -> Self {
        Assembler {
            config,
            slots: Vec::new(),
            free: FreeSlots::default(),
            building: 0,
            by_age: SortedQueue::default(),
            generation: 0,
            pending: SortedQueue::default(),
            last: None,
            completion: Completion::Ausearch,
            limits: Limits::default(),
            spare: Vec::new(),
        }
    }

    /// The same assembler with other caps.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The same assembler with `completion`'s rules.
    pub fn with_completion(mut self, completion: Completion) -> Self {
        self.completion = completion;
        self
    }

    /// Number of events not yet handed out (building or complete).
    pub fn open_events(&self) -> usize {
        self.pending.len()
    }

    /// Adds a record. Returns false when it was dropped (a lone EOE).
    pub fn push(&mut self, record: Record<'a>) -> bool {
        let key = EventKey {
            sec: record.sec,
            milli: record.milli,
            serial: record.serial,
            node: record.node,
        };
        let cached = self.last.filter(|(k, _)| *k == key).map(|(_, slot)| slot);
        let building = cached
            .filter(|&slot| self.slots[slot].as_ref().is_some_and(|s| !s.complete))
            .or_else(|| self.find_building(&key));
        let full = |slot: usize| {
            self.slots[slot]
                .as_ref()
                .is_some_and(|s| s.event.records.len() >= self.limits.max_records)
        };
        if let Some(slot) = building.filter(|&slot| record.rtype != types::EOE && full(slot)) {
            // The part so far leaves; the rest of the event opens after it
            // (a new slot at the end, so it sorts after the first part).
            self.complete(slot);
            self.last = None;
            self.open(record, key, Some(self.slots.len()));
            return true;
        }
        if let Some(slot) = building {
            self.last = Some((key, slot));
            if let Some(s) = self.slots[slot].as_mut() {
                s.event.records.push(record);
            }
            if self.completion == Completion::Auparse {
                if record.rtype == types::EOE || is_single_record_type(record.rtype) {
                    self.complete(slot);
                }
                self.complete_old(key.sec);
            }
            return true;
        }
        // COMPAT: ausearch-lol.c lol_add_record: an EOE whose event is
        // already complete is eaten.
        if record.rtype == types::EOE {
            return false;
        }
        self.open(record, key, None);
        true
    }

    /// The slot of the event under construction with this key, if any (there
    /// is at most one: a record with its key joins it).
    fn find_building(&self, key: &EventKey<'a>) -> Option<usize> {
        let items = &self.pending.items;
        let wanted = (key.sec, key.milli, key.serial);
        // A new event's key is nearly always past every pending one.
        if items.back().is_none_or(|&(sec, milli, serial, _)| (sec, milli, serial) < wanted) {
            return None;
        }
        let from = items.partition_point(|&(sec, milli, serial, _)| (sec, milli, serial) < wanted);
        items
            .range(from..)
            .take_while(|&&(sec, milli, serial, _)| (sec, milli, serial) == wanted)
            .map(|&(_, _, _, slot)| slot)
            .find(|&slot| {
                self.slots[slot]
                    .as_ref()
                    .is_some_and(|s| !s.complete && s.event.key.node == key.node)
            })
    }

    /// Opens an event with `record`, in the lowest free slot or in `slot`
    /// (one past the last).
    fn open(&mut self, record: Record<'a>, key: EventKey<'a>, slot: Option<usize>) {
        let slot = match slot.or_else(|| self.free.pop_lowest()) {
            Some(slot) if slot < self.slots.len() => slot,
            _ => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        // An event that opens with a single-record type is complete at once
        // (check_events runs over the new event too), so it never needs
        // the indexes of building events.
        let single = is_single_record_type(record.rtype);
        self.generation += 1;
        let generation = self.generation;
        let mut records = self.spare.pop().unwrap_or_default();
        records.push(record);
        self.slots[slot] =
            Some(Slot { event: Event { key, records }, complete: single, generation });
        if !single {
            self.building += 1;
            self.last = Some((key, slot));
            self.by_age.insert((key.sec, generation, slot));
        }
        self.pending.insert((key.sec, key.milli, key.serial, slot));
        self.complete_old(key.sec);
        if self.building > self.limits.max_building {
            self.complete_first_building();
        }
    }

    /// Completes the building event that comes first in output order.
    fn complete_first_building(&mut self) {
        let first = self
            .pending
            .items
            .iter()
            .map(|&(_, _, _, slot)| slot)
            .find(|&slot| self.slots[slot].as_ref().is_some_and(|s| !s.complete));
        if let Some(slot) = first {
            self.complete(slot);
        }
        // Its entry in `by_age` (usually the first) would stay until its
        // second is old enough: drop the stale entries at the front now, so
        // that a storm past the cap does not keep one per event.
        while let Some(&(_, generation, slot)) = self.by_age.first() {
            if self.slots[slot].as_ref().is_some_and(|s| s.generation == generation && !s.complete)
            {
                break;
            }
            self.by_age.pop_first();
        }
    }

    fn complete_old(&mut self, now: u64) {
        while let Some(&(sec, generation, slot)) = self.by_age.first() {
            if sec + self.config.eoe_timeout > now {
                break;
            }
            self.by_age.pop_first();
            if self.slots[slot].as_ref().is_some_and(|s| s.generation == generation) {
                self.complete(slot);
            }
        }
    }

    fn complete(&mut self, slot: usize) {
        let Some(s) = self.slots[slot].as_mut() else { return };
        if s.complete {
            return;
        }
        s.complete = true;
        self.building -= 1;
    }

    /// The next event in output order, if it is complete.
    pub fn pop_ready(&mut self) -> Option<Event<'a>> {
        let &(_, _, _, slot) = self.pending.first()?;
        if !self.slots[slot].as_ref().is_some_and(|s| s.complete) {
            return None;
        }
        self.pending.pop_first();
        self.free.push(slot);
        self.slots[slot].take().map(|s| s.event)
    }

    /// Takes back the record vector of an event handed out earlier, for a
    /// later event: an allocation and a free fewer per event.
    pub fn recycle(&mut self, mut records: Vec<Record<'a>>) {
        if records.capacity() <= SPARE_CAPACITY && self.spare.len() < SPARE_VECTORS {
            records.clear();
            self.spare.push(records);
        }
    }

    /// End of input: every open event is complete.
    pub fn finish(&mut self) {
        for slot in 0..self.slots.len() {
            self.complete(slot);
        }
        self.by_age.clear();
    }

    /// The records of every event not yet handed out (building, or complete
    /// but waiting behind an earlier one), in no particular order. A
    /// follower keeps them to assemble again with the records that come
    /// next.
    pub fn open_records(&self) -> impl Iterator<Item = &Record<'a>> {
        self.slots.iter().flatten().flat_map(|s| s.event.records.iter())
    }

    /// Adds a record and hands every event that became ready to `sink`.
    /// Returns false when the sink asked to stop.
    pub fn feed(&mut self, record: Record<'a>, sink: &mut impl EventSink<'a>) -> bool {
        if self.push(record) { self.drain(sink) } else { true }
    }

    /// Hands every ready event to `sink`; false when the sink asked to stop.
    pub fn drain(&mut self, sink: &mut impl EventSink<'a>) -> bool {
        while let Some(event) = self.pop_ready() {
            if !sink.event(event) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Free slots come back lowest first, as from a min-heap, across word boundaries.
    #[test]
    fn free_slots_pop_the_lowest() {
        let mut free = FreeSlots::default();
        let mut model = std::collections::BTreeSet::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if seed.is_multiple_of(3) {
                assert_eq!(free.pop_lowest(), model.pop_first());
            } else {
                // Slots up to 9000: several summary words.
                let slot = (seed >> 20) as usize % 9000;
                if model.insert(slot) {
                    free.push(slot);
                }
            }
        }
        while let Some(slot) = model.pop_first() {
            assert_eq!(free.pop_lowest(), Some(slot));
        }
        assert_eq!(free.pop_lowest(), None);
    }

    fn run(log: &str, timeout: u64) -> Vec<String> {
        run_as(Completion::Ausearch, log, timeout)
    }

    /// Events as `completion`'s program hands them out (libauparse only
    /// after an event opens).
    fn run_as(completion: Completion, log: &str, timeout: u64) -> Vec<String> {
        run_limited(completion, Limits::default(), log, timeout)
    }

    fn run_limited(completion: Completion, limits: Limits, log: &str, timeout: u64) -> Vec<String> {
        let mut asm = Assembler::new(AssemblerConfig { eoe_timeout: timeout })
            .with_completion(completion)
            .with_limits(limits);
        let mut out = Vec::new();
        let mut sink = |e: Event<'_>| {
            let node = e
                .key
                .node
                .map(|n| String::from_utf8_lossy(n).into_owned() + "/")
                .unwrap_or_default();
            out.push(format!("{node}{}:{}", e.key.serial, e.records.len()));
            true
        };
        for line in log.lines() {
            if let Ok(r) = Record::parse(line.as_bytes(), timeout) {
                let open = asm.open_events();
                if asm.push(r) && (completion == Completion::Ausearch || asm.open_events() > open) {
                    asm.drain(&mut sink);
                }
            }
        }
        asm.finish();
        asm.drain(&mut sink);
        out
    }

    #[test]
    fn libauparse_completes_on_the_last_record_and_hands_out_on_open() {
        // The syscall event completes at its EOE (ausearch waits for the
        // timeout) and leaves when the late PATH opens an event of its own;
        // that one stays open (no EOE), so everything waits for the end,
        // where the older CONFIG_CHANGE goes first.
        let log = "\
type=SYSCALL msg=audit(100.000:1): a
type=EOE msg=audit(100.000:1): 
type=PATH msg=audit(100.000:1): late
type=USER_ACCT msg=audit(100.001:2): b
type=SYSCALL msg=audit(100.002:3): c
type=PROCTITLE msg=audit(100.002:3): d
type=CONFIG_CHANGE msg=audit(99.000:4): e
";
        assert_eq!(run_as(Completion::Auparse, log, 2), vec!["1:2", "4:1", "1:1", "2:1", "3:2"]);
        assert_eq!(run(log, 2), vec!["4:1", "1:3", "2:1", "3:2"]);
    }

    #[test]
    fn past_the_building_cap_the_first_event_in_output_order_completes() {
        // Serial 1 opens last but comes first in output order, so it is the
        // one completed when the third event opens; its late record then
        // opens an event of its own. Within the cap nothing changes.
        let log = "\
type=SYSCALL msg=audit(100.000:2): a
type=SYSCALL msg=audit(100.000:3): a
type=SYSCALL msg=audit(100.000:1): a
type=PATH msg=audit(100.000:1): late
type=PATH msg=audit(100.000:3): b
";
        let capped = Limits { max_building: 2, ..Limits::default() };
        assert_eq!(
            run_limited(Completion::Ausearch, capped, log, 2),
            vec!["1:1", "1:1", "2:1", "3:2"]
        );
        assert_eq!(run(log, 2), vec!["1:2", "2:1", "3:2"]);
        let wide = Limits { max_building: 3, ..Limits::default() };
        assert_eq!(run_limited(Completion::Ausearch, wide, log, 2), run(log, 2));
    }

    #[test]
    fn past_the_record_cap_an_event_leaves_in_parts_in_order() {
        let log = "\
type=SYSCALL msg=audit(100.000:1): a
type=PATH msg=audit(100.000:1): b
type=SYSCALL msg=audit(100.000:2): x
type=PATH msg=audit(100.000:1): c
type=PATH msg=audit(100.000:1): d
type=PATH msg=audit(100.000:1): e
type=EOE msg=audit(100.000:1): 
type=PATH msg=audit(103.000:3): f
";
        let capped = Limits { max_records: 2, ..Limits::default() };
        // The EOE joins the last part even past the cap.
        let parts = vec!["1:2", "1:2", "1:2", "2:1", "3:1"];
        assert_eq!(run_limited(Completion::Ausearch, capped, log, 2), parts);
        assert_eq!(run_limited(Completion::Auparse, capped, log, 2), parts);
        assert_eq!(run(log, 2), vec!["1:6", "2:1", "3:1"]);
    }

    #[test]
    fn groups_by_key_and_orders_by_time() {
        let log = "\
type=SYSCALL msg=audit(100.000:1): a
type=SYSCALL msg=audit(100.005:3): a
type=PATH msg=audit(100.000:1): b
type=USER_LOGIN msg=audit(100.001:2): c
type=EOE msg=audit(100.000:1): 
type=EOE msg=audit(100.000:9): 
type=PATH msg=audit(103.000:4): d
";
        assert_eq!(run(log, 2), vec!["1:3", "2:1", "3:1", "4:1"]);
    }

    #[test]
    fn late_records_form_new_events_and_nodes_tie_by_slot() {
        let log = "\
type=SYSCALL msg=audit(100.000:1): a
type=SYSCALL msg=audit(103.000:2): a
type=PATH msg=audit(100.000:1): late
node=b type=SYSCALL msg=audit(110.000:5): x
node=a type=SYSCALL msg=audit(110.000:5): y
";
        // b opens in slot 2; a reuses the freed slot 0, and equal keys leave
        // in slot order.
        assert_eq!(run(log, 2), vec!["1:1", "1:1", "2:1", "a/5:1", "b/5:1"]);
    }

    #[test]
    fn kernel_anomalies_wait_but_user_anomalies_do_not() {
        // Observed on the reference: ANOM_ABEND (1701) stays open like a
        // syscall event, ANOM_LOGIN_FAILURES (2100) completes at once.
        let log = "\
type=ANOM_ABEND msg=audit(100.500:1): a
type=USER_ACCT msg=audit(100.000:2): b
type=ANOM_LOGIN_FAILURES msg=audit(200.500:3): c
type=USER_ACCT msg=audit(200.000:4): d
";
        assert_eq!(run(log, 2), vec!["2:1", "1:1", "3:1", "4:1"]);
    }

    #[test]
    fn a_late_complete_event_waits_for_an_earlier_building_one() {
        let log = "\
type=SYSCALL msg=audit(100.000:1): a
type=USER_LOGIN msg=audit(100.500:2): b
type=CWD msg=audit(100.000:1): c
type=USER_LOGIN msg=audit(100.600:3): d
";
        // 2 is complete when 3 opens, but 1 (earlier) is still building.
        assert_eq!(run(log, 2), vec!["1:2", "2:1", "3:1"]);
    }
}
