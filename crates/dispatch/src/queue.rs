//! One plugin's queue: a bounded ring of reusable byte buffers between the caller of
//! `Dispatcher::enqueue` and the plugin's writer thread. Buffers move between the queue, the
//! writer's batch and a free list, so a warm queue allocates nothing per record.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Most records a writer takes at once (one `sendmsg` of up to IOV_MAX slices).
pub(crate) const BATCH: usize = 512;

pub(crate) struct Queue {
    state: Mutex<QState>,
    ready: Condvar,
    space: Condvar,
}

struct QState {
    items: VecDeque<Vec<u8>>,
    free: Vec<Vec<u8>>,
    cap: usize,
    max_used: usize,
    /// Records dropped because the queue was full, over its life.
    dropped: u64,
    /// Set when a record was dropped because the queue was full; while set, records are dropped
    /// without waiting, until the plugin takes records again or has drained half the queue.
    dropping: bool,
    stop: bool,
    /// The plugin is gone for good (restarts exhausted): records are discarded.
    closed: bool,
}

pub(crate) enum Push {
    Queued,
    Full,
    Closed,
}

pub(crate) enum Take {
    Items,
    Timeout,
    Stop,
}

impl Queue {
    pub fn new(cap: usize) -> Queue {
        Queue {
            state: Mutex::new(QState {
                items: VecDeque::with_capacity(cap),
                free: Vec::new(),
                cap: cap.max(1),
                max_used: 0,
                dropped: 0,
                dropping: false,
                stop: false,
                closed: false,
            }),
            ready: Condvar::new(),
            space: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, QState> {
        // A writer that panicked leaves consistent data behind (every update is a single step).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue a copy of `bytes`. When the queue is full, waits until `deadline` for room (set on
    /// the first full queue of a record, so one record waits at most the reference's bounded
    /// retry however many queues are full), unless this queue already dropped a record and the
    /// plugin has taken nothing since.
    pub fn push(&self, bytes: &[u8], deadline: &mut Option<Instant>, wait: Duration) -> Push {
        let mut st = self.lock();
        if st.stop || st.closed {
            return Push::Closed;
        }
        if st.dropping {
            if st.items.len() > st.cap / 2 {
                st.dropped += 1;
                return Push::Full;
            }
            st.dropping = false;
        }
        if st.items.len() >= st.cap {
            let deadline = *deadline.get_or_insert_with(|| Instant::now() + wait);
            while st.items.len() >= st.cap && !st.stop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                st = self
                    .space
                    .wait_timeout(st, deadline - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            if st.items.len() >= st.cap || st.stop {
                st.dropping = true;
                st.dropped += 1;
                return Push::Full;
            }
        }
        let mut buf = st.free.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(bytes);
        st.items.push_back(buf);
        if st.items.len() > st.max_used {
            st.max_used = st.items.len();
        }
        drop(st);
        self.ready.notify_one();
        Push::Queued
    }

    /// Move up to [`BATCH`] queued records into `batch`, waiting up to `timeout` for one.
    /// After `stop`, the records still queued are handed out before `Take::Stop`.
    pub fn take(&self, batch: &mut Vec<Vec<u8>>, timeout: Duration) -> Take {
        let mut st = self.lock();
        if st.items.is_empty() && !st.stop {
            st = self.ready.wait_timeout(st, timeout).unwrap_or_else(|p| p.into_inner()).0;
        }
        if st.items.is_empty() {
            return if st.stop { Take::Stop } else { Take::Timeout };
        }
        let n = st.items.len().min(BATCH);
        batch.extend(st.items.drain(..n));
        // The plugin is alive and reading: a full queue is worth the bounded wait again.
        st.dropping = false;
        drop(st);
        self.space.notify_all();
        Take::Items
    }

    /// Give a written batch's buffers back for reuse.
    pub fn recycle(&self, batch: &mut Vec<Vec<u8>>) {
        let mut st = self.lock();
        let keep = st.cap.saturating_sub(st.free.len());
        let mut kept = 0;
        for buf in batch.drain(..) {
            if kept < keep {
                st.free.push(buf);
                kept += 1;
            }
        }
    }

    /// Stop taking records; with `discard`, the queued ones are dropped too.
    pub fn stop(&self, discard: bool) {
        let mut st = self.lock();
        st.stop = true;
        if discard {
            st.items.clear();
        }
        drop(st);
        self.ready.notify_all();
        self.space.notify_all();
    }

    /// The plugin will not run again: drop what is queued and refuse new records.
    pub fn close(&self) {
        let mut st = self.lock();
        st.closed = true;
        st.items.clear();
        drop(st);
        self.space.notify_all();
    }

    pub fn is_stopping(&self) -> bool {
        self.lock().stop
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Grow (never shrink) the queue to `cap` records; a larger queue ends the overflow state.
    pub fn grow(&self, cap: usize) {
        let mut st = self.lock();
        if cap > st.cap {
            st.cap = cap;
            st.dropping = false;
        }
    }

    /// (current depth, max depth used)
    pub fn depth(&self) -> (usize, usize) {
        let st = self.lock();
        (st.items.len(), st.max_used)
    }

    /// Records dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_counts_its_drops() {
        let q = Queue::new(2);
        let wait = Duration::from_millis(1);
        for _ in 0..2 {
            assert!(matches!(q.push(b"r", &mut None, wait), Push::Queued));
        }
        assert_eq!(q.dropped(), 0);
        // Full: the first drop waits out the deadline, the next drops at once; both count.
        assert!(matches!(q.push(b"r", &mut None, wait), Push::Full));
        assert!(matches!(q.push(b"r", &mut None, wait), Push::Full));
        assert_eq!(q.dropped(), 2);
        assert_eq!(q.depth(), (2, 2));
    }
}
