//! The pass/fail count of a differential suite: every failing case is
//! printed as it comes (so one run shows them all), the totals at the end,
//! and any failure fails the test.

/// Counts the cases of one suite.
#[derive(Debug, Default)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    /// Records one case: passed when `ok`, else failed, printing
    /// `FAIL <why()>`. Returns `ok`.
    pub fn check(&mut self, ok: bool, why: impl FnOnce() -> String) -> bool {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            eprintln!("FAIL {}", why());
        }
        ok
    }

    /// Prints `WHAT: N passed, M failed`.
    ///
    /// # Panics
    /// When a case failed.
    pub fn finish(self, what: &str) {
        eprintln!("{what}: {} passed, {} failed", self.passed, self.failed);
        assert_eq!(self.failed, 0, "{what}: {} cases failed", self.failed);
    }
}
