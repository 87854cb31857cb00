//! Bounded polls: a test waits for a condition, never for a fixed time, so
//! it neither fails on a busy machine nor hangs when the condition never
//! comes.

use std::time::{Duration, Instant};

/// How often a condition is polled.
pub const POLL: Duration = Duration::from_millis(10);

/// Polls `cond` until it holds (`true`) or `timeout` passes (`false`).
pub fn poll_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// Polls `cond` until it holds.
///
/// # Panics
/// After `timeout`, naming `what` was waited for.
pub fn wait_for(what: &str, timeout: Duration, cond: impl FnMut() -> bool) {
    assert!(poll_until(timeout, cond), "timed out after {timeout:?} waiting for {what}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_until_the_condition_holds() {
        let mut n = 0;
        assert!(poll_until(Duration::from_secs(5), || {
            n += 1;
            n == 3
        }));
        assert_eq!(n, 3);
    }

    #[test]
    #[should_panic(expected = "waiting for never")]
    fn times_out() {
        wait_for("never", Duration::from_millis(30), || false);
    }
}
