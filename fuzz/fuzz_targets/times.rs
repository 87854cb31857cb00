//! Any text as ausearch/aureport `-ts`/`-te` arguments (a date word and a
//! time word) through the reference's time resolution: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raudit_cli::time::{Bound, resolve};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let bound = if first & 1 == 0 { Bound::Start } else { Bound::End };
    // The first byte also says which words are given; a NUL splits them.
    let mut words = text.splitn(2, '\0');
    let a = words.next();
    let b = words.next();
    let (date, time) = match first >> 1 & 3 {
        0 => (a, b),
        1 => (None, a),
        2 => (a, None),
        _ => (b, a),
    };
    // A fixed clock: 2023-11-14 22:13:20 UTC.
    let _ = resolve(bound, date, time, 1_700_000_000);
});
