//! A host's events back in its shipper's order.
//!
//! The shipper keeps a window of publishes in flight. When one of them fails (a stream leader
//! changes, a node dies) while later ones succeed, its resend lands in the stream after them:
//! JetStream's order is then not the host's. So every event carries an [`Order`]: the shipper's
//! spool `epoch` (random, per spool), the event's number `n` in that spool (1, 2, ...), and the
//! spool's acknowledgement `floor` when it was sent (every event up to it was acknowledged).
//!
//! [`Reorder`] holds events that arrive ahead of their turn and releases them in `n` order. A
//! missing number is waited for until the floor passes it: the stream stores a message before
//! acknowledging it, so a message sent after that acknowledgement comes later in the stream; a
//! number at or under the floor that has not come by then never will (JetStream dropped it as a
//! resend of an id it had, or it aged out) and is stepped over.
//!
//! When nothing follows such a number (the last events of a burst were resends JetStream
//! dropped), the shipper sends a floor marker once its spool is empty: a message without an event
//! whose [`FLOOR_HEADER`] carries the epoch and the floor alone.

use std::collections::BTreeMap;

/// The message header that carries the order.
pub const HEADER: &str = "Raudit-Order";
/// The header of a floor marker: `EPOCH(hex) FLOOR`.
pub const FLOOR_HEADER: &str = "Raudit-Floor";
/// The subject type token of a floor marker (`audit.<host>._FLOOR`): no record type starts
/// with `_`.
pub const FLOOR_TYPE: &str = "_FLOOR";

/// The most events held for one host and epoch before a missing one is given up: far more than
/// a shipper's window, so it only bounds memory against a broken or hostile publisher.
pub const HOLD_CAP: usize = 65_536;

/// Where an event stands in its shipper's spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub epoch: u64,
    pub n: u64,
    pub floor: u64,
}

impl Order {
    /// The header's value: `EPOCH(hex) N FLOOR`.
    pub fn header_value(&self) -> String {
        format!("{:016x} {} {}", self.epoch, self.n, self.floor)
    }

    /// A floor marker's header value.
    pub fn floor_value(epoch: u64, floor: u64) -> String {
        format!("{epoch:016x} {floor}")
    }

    /// A floor marker's (epoch, floor).
    pub fn parse_floor(value: &str) -> Option<(u64, u64)> {
        let (epoch, floor) = value.split_once(' ')?;
        Some((u64::from_str_radix(epoch, 16).ok()?, floor.parse().ok()?))
    }

    pub fn parse(value: &str) -> Option<Order> {
        let mut t = value.split(' ');
        let epoch = u64::from_str_radix(t.next()?, 16).ok()?;
        let n = t.next()?.parse().ok()?;
        let floor = t.next()?.parse().ok()?;
        (t.next().is_none() && n > 0 && floor < n).then_some(Order { epoch, n, floor })
    }
}

/// What one offered event brought.
#[derive(Debug)]
pub struct Released<T> {
    /// The event was already released before (a redelivery): nothing happened.
    pub duplicate: bool,
    /// Events now in turn, in order.
    pub items: Vec<T>,
    /// Numbers given up as never coming.
    pub skipped: u64,
}

/// Events held per host and epoch until their turn.
#[derive(Debug)]
pub struct Reorder<T> {
    held: BTreeMap<(String, u64), BTreeMap<u64, T>>,
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Reorder { held: BTreeMap::new() }
    }
}

impl<T> Reorder<T> {
    /// Offers the event `item` of `host` at `order`. `last_n` is the last number released for
    /// this host and epoch (the caller keeps it, durably if it must survive a restart); it moves
    /// on as events are released or given up.
    pub fn offer(&mut self, host: &str, order: Order, item: T, last_n: &mut u64) -> Released<T> {
        let mut out = Released { duplicate: false, items: Vec::new(), skipped: 0 };
        if order.n <= *last_n {
            out.duplicate = true;
            return out;
        }
        let key = (host.to_string(), order.epoch);
        self.held.entry(key.clone()).or_default().entry(order.n).or_insert(item);
        self.release(key, order.floor, last_n, &mut out);
        out
    }

    /// A floor marker of `host`'s spool `epoch`: numbers up to `floor` that did not come are
    /// stepped over, and what waited behind them is released.
    pub fn floor(&mut self, host: &str, epoch: u64, floor: u64, last_n: &mut u64) -> Released<T> {
        let mut out = Released { duplicate: false, items: Vec::new(), skipped: 0 };
        if floor > *last_n {
            self.release((host.to_string(), epoch), floor, last_n, &mut out);
        }
        out
    }

    fn release(&mut self, key: (String, u64), floor: u64, last_n: &mut u64, out: &mut Released<T>) {
        let Some(queue) = self.held.get_mut(&key) else {
            // Nothing held: the numbers up to the floor are all in or never coming.
            if floor > *last_n {
                out.skipped += floor - *last_n;
                *last_n = floor;
            }
            return;
        };
        loop {
            let next = *last_n + 1;
            if let Some(item) = queue.remove(&next) {
                out.items.push(item);
                *last_n = next;
                continue;
            }
            let first_held = queue.keys().next().copied().unwrap_or(u64::MAX);
            let give_up_to = if floor >= next {
                floor.min(first_held - 1)
            } else if queue.len() > HOLD_CAP {
                first_held - 1
            } else {
                break;
            };
            out.skipped += give_up_to + 1 - next;
            *last_n = give_up_to;
        }
        if queue.is_empty() {
            self.held.remove(&key);
        }
    }

    /// Whether anything is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Every held event, in host, epoch and number order.
    pub fn held(&self) -> impl Iterator<Item = &T> {
        self.held.values().flat_map(|q| q.values())
    }

    /// Takes every held event out, each host and epoch in number order (the input is over and
    /// the missing ones will not come).
    pub fn drain(&mut self) -> Vec<(String, T)> {
        std::mem::take(&mut self.held)
            .into_iter()
            .flat_map(|((host, _), q)| q.into_values().map(move |t| (host.clone(), t)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(n: u64, floor: u64) -> Order {
        Order { epoch: 7, n, floor }
    }

    #[test]
    fn the_header_goes_both_ways_and_bad_ones_are_refused() {
        let order = Order { epoch: 0xabc, n: 12, floor: 3 };
        assert_eq!(order.header_value(), "0000000000000abc 12 3");
        assert_eq!(Order::parse(&order.header_value()), Some(order));
        for bad in ["", "x 1 0", "1 0 0", "1 2 2", "1 2", "1 2 0 4", "1 -2 0"] {
            assert_eq!(Order::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Order::parse_floor(&Order::floor_value(0xabc, 9)), Some((0xabc, 9)));
        assert_eq!(Order::parse_floor("abc"), None);
    }

    #[test]
    fn a_resend_that_lands_late_is_put_back_in_its_place() {
        // Sent 1..=5; 2 failed and was sent again after 3, 4 and 5 were stored.
        let mut r = Reorder::default();
        let mut last = 0;
        let mut got = Vec::new();
        for (n, floor) in [(1, 0), (3, 0), (4, 0), (5, 0), (2, 1), (6, 5)] {
            let rel = r.offer("h", o(n, floor), n, &mut last);
            assert!(!rel.duplicate && rel.skipped == 0);
            got.extend(rel.items);
        }
        assert_eq!(got, [1, 2, 3, 4, 5, 6]);
        assert!(r.is_empty());
        assert!(r.offer("h", o(4, 0), 4, &mut last).duplicate);
    }

    #[test]
    fn a_number_under_the_floor_that_never_came_is_stepped_over() {
        // 2 was acknowledged as a duplicate of another spool's message: it never enters the
        // stream under this epoch, and 5 (sent with floor 4) says so.
        let mut r = Reorder::default();
        let mut last = 0;
        let mut got = Vec::new();
        for (n, floor) in [(1, 0), (3, 1), (4, 1), (5, 4)] {
            let rel = r.offer("h", o(n, floor), n, &mut last);
            got.extend(rel.items);
            if n == 5 {
                assert_eq!(rel.skipped, 1);
            }
        }
        assert_eq!(got, [1, 3, 4, 5]);
        assert_eq!(last, 5);
    }

    #[test]
    fn a_floor_marker_releases_what_waits_behind_numbers_that_never_come() {
        // 2 and 3 were dropped resends; 4 was sent with them, before their acknowledgements.
        let mut r = Reorder::default();
        let mut last = 0;
        assert_eq!(r.offer("h", o(1, 0), 1, &mut last).items, [1]);
        assert!(r.offer("h", o(4, 1), 4, &mut last).items.is_empty());
        let rel = r.floor("h", 7, 4, &mut last);
        assert_eq!((rel.items, rel.skipped, last), (vec![4], 2, 4));
        assert!(r.is_empty());
        // A marker with nothing held moves the count on; an old one changes nothing.
        assert_eq!(r.floor("h", 7, 6, &mut last).skipped, 2);
        assert_eq!(r.floor("h", 7, 5, &mut last).skipped, 0);
        assert_eq!(last, 6);
    }

    #[test]
    fn hosts_and_epochs_wait_apart_and_drain_in_order() {
        let mut r = Reorder::default();
        let (mut a, mut b, mut c) = (0, 0, 0);
        assert!(r.offer("a", o(2, 0), "a2", &mut a).items.is_empty());
        assert!(r.offer("b", o(3, 0), "b3", &mut b).items.is_empty());
        let other = Order { epoch: 8, n: 1, floor: 0 };
        assert_eq!(r.offer("a", other, "a'1", &mut c).items, ["a'1"]);
        assert!(r.offer("b", o(2, 0), "b2", &mut b).items.is_empty());
        assert_eq!(r.held().count(), 3);
        let drained: Vec<_> = r.drain().into_iter().map(|(_, t)| t).collect();
        assert_eq!(drained, ["a2", "b2", "b3"]);
    }

    #[test]
    fn the_hold_is_capped() {
        let mut r = Reorder::default();
        let mut last = 0;
        let mut released = 0;
        let mut skipped = 0;
        for n in 2..=(HOLD_CAP as u64 + 2) {
            let rel = r.offer("h", o(n, 0), n, &mut last);
            released += rel.items.len();
            skipped += rel.skipped;
        }
        assert_eq!((released, skipped), (HOLD_CAP + 1, 1));
        assert!(r.is_empty());
    }
}
