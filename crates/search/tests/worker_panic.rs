//! A panic in a stage of the engine ends the run with an error carrying a
//! `WorkerPanic`, never with partial output and success.

use std::io;

use raudit_parse::Event;
use raudit_search::WorkerPanic;
use raudit_search::engine::{Consumer, Feed, drive};

/// Counts the events it is handed.
#[derive(Default)]
struct Count(usize);

impl<'a> Consumer<'a, u64> for Count {
    fn consume(&mut self, _: &Event<'a>, _: u64, _: usize) -> io::Result<bool> {
        self.0 += 1;
        Ok(true)
    }
    fn bad_timestamp(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// `n` one-record events, serials 1..=n.
fn log(n: u64) -> Vec<u8> {
    let mut s = String::new();
    for serial in 1..=n {
        s.push_str(&format!(
            "type=USER_LOGIN msg=audit(1700000000.000:{serial}): pid=1 uid=0 auid=0 ses=1 \
             msg='op=login acct=\"root\" exe=\"/bin/login\" hostname=? addr=? terminal=tty1 res=success'\n"
        ));
    }
    s.into_bytes()
}

fn feed() -> Feed {
    Feed { eoe_timeout: 2, start: None, end: None, flush_at_end: true }
}

/// Runs `drive` over `n` events with a preparation that panics on `bad`.
fn run(n: u64, bad: Option<u64>) -> (io::Result<()>, usize) {
    let data = log(n);
    let inputs: Vec<&[u8]> = vec![&data];
    let prepare = |e: &Event<'_>| {
        if Some(e.key.serial) == bad {
            panic!("injected at {}", e.key.serial);
        }
        e.key.serial
    };
    let mut count = Count::default();
    let result = drive(&inputs, feed(), &prepare, &mut count, &|_, _| {});
    (result, count.0)
}

#[test]
fn every_event_is_handed_over_without_a_panic() {
    let (result, count) = run(10_000, None);
    result.unwrap();
    assert_eq!(count, 10_000);
}

#[test]
fn a_panic_in_a_preparation_thread_is_an_error() {
    // Batches of 4096 events are prepared on a thread of their own.
    let (result, count) = run(10_000, Some(10));
    let e = result.unwrap_err();
    let panic = WorkerPanic::find(&e).expect("the error carries the panic");
    assert_eq!(panic.message, "injected at 10");
    assert_eq!(e.to_string(), "internal error: injected at 10");
    assert_eq!(count, 0, "nothing of the failed batch was handed over");
}

#[test]
fn a_panic_in_the_last_batch_is_an_error() {
    // A small input is prepared on the driving thread at its end.
    let (result, _) = run(20, Some(20));
    let e = result.unwrap_err();
    assert_eq!(WorkerPanic::find(&e).map(|p| p.message.as_str()), Some("injected at 20"));
}
