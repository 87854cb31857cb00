//! Any bytes through the search engine in every output format (raw,
//! default, -i, csv, text, json): nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raudit_interpret::FixedResolver;
use raudit_search::normalize::Extra;
use raudit_search::{Escape, Format, Formatting, Settings, search};

fuzz_target!(|data: &[u8]| {
    let resolver = FixedResolver::default();
    let text = |s: i64| s.to_string();
    let strftime = |f: &str, s: i64| format!("{f}{s}");
    let gmtoff = |_: i64| 0;
    let user_id = |_: &[u8]| None;
    let fmt = Formatting {
        ctime: &text,
        date_time: &text,
        resolver: &resolver,
        strftime: &strftime,
        gmtoff: &gmtoff,
        user_id: &user_id,
    };
    for format in [Format::Default, Format::Interpret, Format::Csv, Format::Text, Format::Json] {
        let settings = Settings {
            format,
            escape: Escape::ShellQuote,
            extra: Extra { keys: true, labels: true, obj2: true, time: true },
            ..Settings::default()
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = search(&[data], &settings, &mut out, &mut err, &fmt, &|_, _| {});
    }
});
