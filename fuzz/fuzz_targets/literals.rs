//! Any bytes as a log, searched with criteria that have literals (key, exe, pid, numeric uids,
//! record types): the search that skips what cannot hold a literal prints exactly what the search
//! that extracts every event prints (`crates/search/src/prefilter.rs` gives the argument).
#![no_main]

use libfuzzer_sys::fuzz_target;
use raudit_search::criteria::{Criteria, IdCriterion, Success};
use raudit_search::{Format, Settings, search, search_exhaustive};
use raudit_sys::FixedHost;

fuzz_target!(|data: &[u8]| {
    let host = FixedHost::new();
    let criteria = [
        Criteria { key: Some(b"rare".to_vec()), ..Criteria::default() },
        Criteria { exe: Some(b"/bin/x".to_vec()), ..Criteria::default() },
        Criteria { pid: Some(1234), ..Criteria::default() },
        Criteria { uid_all: Some(IdCriterion::Number(1000)), ..Criteria::default() },
        Criteria { loginuid: Some(IdCriterion::Number(7)), ..Criteria::default() },
        Criteria { msg_types: Some(vec![1300, 1112]), ..Criteria::default() },
        Criteria { success: Some(Success::No), ..Criteria::default() },
        Criteria { session: Some(3), ..Criteria::default() },
        Criteria { comm: Some(b"cat".to_vec()), ..Criteria::default() },
        Criteria { terminal: Some(b"pts".to_vec()), ..Criteria::default() },
    ];
    for c in criteria {
        let settings = Settings { criteria: c, format: Format::Raw, ..Settings::default() };
        let run = |exhaustive: bool| {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let found = if exhaustive {
                search_exhaustive(&[data], &settings, &mut out, &mut err, &host, &|_, _| {})
            } else {
                search(&[data], &settings, &mut out, &mut err, &host, &|_, _| {})
            }
            .map(|o| o.found)
            .ok();
            (out, err, found)
        };
        assert!(run(false) == run(true), "{:?}", settings.criteria);
    }
});
