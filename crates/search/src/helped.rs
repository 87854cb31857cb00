//! A batch of events prepared in chunks that the pool's threads and the
//! thread waiting for the batch take in turn. The waiting thread (the one
//! that assembles events) prepares chunks instead of sleeping, so a core
//! does not idle while the batch it waits for is being prepared.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError, RwLock};

use raudit_parse::Event;

use crate::prepared::Prepare;
use crate::worker::WorkerPanic;

/// Events a thread takes at a time: small enough that the threads finish
/// a batch together, large enough that taking one costs nothing.
pub(crate) const CHUNK: usize = 64;

/// Where the batch being prepared waits; empty between batches.
pub(crate) struct Slot<'a, T> {
    batch: RwLock<Option<Batch<'a, T>>>,
}

struct Batch<'a, T> {
    events: Vec<Event<'a>>,
    /// The next chunk nobody has taken.
    next: AtomicUsize,
    /// Each chunk's results, once made (a panic as its payload).
    results: Vec<Mutex<Option<std::thread::Result<Vec<T>>>>>,
    /// How many chunks are finished; `all_done` wakes the waiting thread.
    finished: Mutex<usize>,
    all_done: Condvar,
}

impl<'a, T: Send> Slot<'a, T> {
    pub(crate) fn new() -> Self {
        Slot { batch: RwLock::new(None) }
    }

    /// Puts `events` up to be prepared; the slot must be empty.
    pub(crate) fn put(&self, events: Vec<Event<'a>>) {
        let chunks = events.len().div_ceil(CHUNK);
        let batch = Batch {
            events,
            next: AtomicUsize::new(0),
            results: (0..chunks).map(|_| Mutex::new(None)).collect(),
            finished: Mutex::new(0),
            all_done: Condvar::new(),
        };
        let mut slot = self.batch.write().unwrap_or_else(PoisonError::into_inner);
        debug_assert!(slot.is_none(), "a batch is already being prepared");
        *slot = Some(batch);
    }

    /// Prepares chunks of the batch in the slot, if there is one, until
    /// none is left to take. A pool job that runs late finds the slot
    /// empty, or helps with a later batch: either is harmless.
    pub(crate) fn help(&self, prepare: &impl Prepare<'a, Out = T>) {
        let slot = self.batch.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(batch) = slot.as_ref() {
            batch.work(prepare);
        }
    }

    /// Helps with the batch, waits for the chunks other threads took, and
    /// takes the batch out with its results in order; None when the slot
    /// is empty. A panic in any chunk is an error.
    pub(crate) fn take(
        &self,
        prepare: &impl Prepare<'a, Out = T>,
    ) -> Option<io::Result<(Vec<Event<'a>>, Vec<T>)>> {
        {
            let slot = self.batch.read().unwrap_or_else(PoisonError::into_inner);
            let batch = slot.as_ref()?;
            batch.work(prepare);
            let chunks = batch.results.len();
            let mut finished = batch.finished.lock().unwrap_or_else(PoisonError::into_inner);
            while *finished < chunks {
                finished = batch.all_done.wait(finished).unwrap_or_else(PoisonError::into_inner);
            }
        }
        // Every chunk is done: helpers still inside `work` leave it at once.
        let batch = self.batch.write().unwrap_or_else(PoisonError::into_inner).take()?;
        let mut prepared = Vec::with_capacity(batch.events.len());
        for result in batch.results {
            match result.into_inner().unwrap_or_else(PoisonError::into_inner) {
                Some(Ok(chunk)) => prepared.extend(chunk),
                Some(Err(payload)) => return Some(Err(WorkerPanic::from_payload(payload).into())),
                None => unreachable!("a finished chunk has its result"),
            }
        }
        Some(Ok((batch.events, prepared)))
    }
}

impl<'a, T: Send> Batch<'a, T> {
    fn work(&self, prepare: &impl Prepare<'a, Out = T>) {
        let chunks = self.results.len();
        loop {
            let c = self.next.fetch_add(1, Ordering::Relaxed);
            if c >= chunks {
                return;
            }
            let events = &self.events[c * CHUNK..((c + 1) * CHUNK).min(self.events.len())];
            let made =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| prepare.run(events)));
            *self.results[c].lock().unwrap_or_else(PoisonError::into_inner) = Some(made);
            let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
            *finished += 1;
            if *finished == chunks {
                self.all_done.notify_all();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_parse::{Assembler, AssemblerConfig, Record};

    fn events(text: &'static str) -> Vec<Event<'static>> {
        let mut asm = Assembler::new(AssemblerConfig::default());
        for line in text.lines() {
            asm.push(Record::parse(line.as_bytes(), 2).unwrap());
        }
        asm.finish();
        std::iter::from_fn(|| asm.pop_ready()).collect()
    }

    fn log(n: usize) -> &'static str {
        let text: String =
            (0..n).map(|i| format!("type=USER msg=audit(1700000000.000:{i}): pid={i}\n")).collect();
        Box::leak(text.into_boxed_str())
    }

    #[test]
    fn results_come_back_in_order_whoever_made_them() {
        let batch = events(log(1000));
        let serial = |e: &Event<'_>| e.key.serial;
        let slot = Slot::new();
        let (taken, helped) = rayon::in_place_scope(|s| {
            slot.put(batch);
            for _ in 0..4 {
                s.spawn(|_| slot.help(&serial));
            }
            let taken = slot.take(&serial).unwrap().unwrap();
            (taken, slot.take(&serial).is_none())
        });
        assert!(helped, "the slot is empty once taken");
        let (events, serials) = taken;
        assert_eq!(events.len(), 1000);
        assert_eq!(serials, (0..1000).collect::<Vec<u64>>());
    }

    #[test]
    fn a_panic_in_a_chunk_is_an_error() {
        let slot = Slot::new();
        slot.put(events(log(300)));
        let bad = |e: &Event<'_>| {
            assert!(e.key.serial != 200, "chunk boom");
            e.key.serial
        };
        let e = slot.take(&bad).unwrap().unwrap_err();
        assert_eq!(WorkerPanic::find(&e).map(|p| p.message.as_str()), Some("chunk boom"));
    }
}
