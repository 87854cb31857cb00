//! Any bytes through the search engine in every output format (raw,
//! default, -i, csv, text, json): nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raudit_search::normalize::Extra;
use raudit_search::{Escape, Format, Settings, search};
use raudit_sys::FixedHost;

fuzz_target!(|data: &[u8]| {
    let host = FixedHost::new().with_user(1000, "alice").with_utc_offset(3600);
    for format in [Format::Default, Format::Interpret, Format::Csv, Format::Text, Format::Json] {
        let settings = Settings {
            format,
            escape: Escape::ShellQuote,
            extra: Extra { keys: true, labels: true, obj2: true, time: true },
            ..Settings::default()
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = search(&[data], &settings, &mut out, &mut err, &host, &|_, _| {});
    }
});
