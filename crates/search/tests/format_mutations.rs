//! Every output format on damaged logs: the repo's test logs with bytes
//! flipped, lines cut, fields dropped and lines repeated, through the whole
//! search engine. Nothing may panic; JSON lines stay well-formed objects
//! (braces balanced outside strings, strings closed, no raw control bytes).

use raudit_search::normalize::Extra;
use raudit_search::{Escape, Format, Settings, search};
use raudit_sys::FixedHost;

fn logs() -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/logs");
    let mut all = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    names.sort();
    for p in names {
        all.extend(std::fs::read(p).unwrap());
    }
    all
}

/// Deterministic damage (xorshift): each line is kept, cut, flipped,
/// stripped of a field or repeated.
fn damaged(input: &[u8], seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut out = Vec::with_capacity(input.len());
    for line in input.split(|&b| b == b'\n') {
        let mut l = line.to_vec();
        match next() % 8 {
            0 if !l.is_empty() => l.truncate((next() % l.len() as u64) as usize),
            1 if !l.is_empty() => {
                let at = (next() % l.len() as u64) as usize;
                const BYTES: &[u8] = b"\"'=(), \x01\x1d\xff0x";
                l[at] = BYTES[(next() % BYTES.len() as u64) as usize];
            }
            2 => {
                if let Some(sp) = l.iter().rposition(|&b| b == b' ') {
                    l.truncate(sp);
                }
            }
            3 => {
                out.extend_from_slice(&l);
                out.push(b'\n');
            }
            _ => {}
        }
        out.extend_from_slice(&l);
        out.push(b'\n');
    }
    out
}

fn run(input: &[u8], format: Format, escape: Escape) -> Vec<u8> {
    let host = FixedHost::new().with_user(1000, "alice").with_utc_offset(3600);
    let settings = Settings {
        format,
        escape,
        extra: Extra { keys: true, labels: true, obj2: true, time: true },
        ..Settings::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    search(&[input], &settings, &mut out, &mut err, &host, &|_, _| {}).unwrap();
    out
}

#[test]
fn damaged_logs_through_every_format() {
    let clean = logs();
    let formats =
        [Format::Raw, Format::Default, Format::Interpret, Format::Csv, Format::Text, Format::Json];
    let mut json_lines = 0;
    for seed in 1..=12u64 {
        let input = damaged(&clean, seed * 0x9e37_79b9);
        for (i, &format) in formats.iter().enumerate() {
            let escape = [Escape::Tty, Escape::Raw, Escape::Shell, Escape::ShellQuote]
                [(seed as usize + i) % 4];
            let out = run(&input, format, escape);
            assert!(!out.is_empty(), "{format:?} printed nothing");
            if format == Format::Json {
                for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    json_lines += 1;
                    assert!(well_formed(line), "{}", String::from_utf8_lossy(line));
                }
            }
        }
    }
    assert!(json_lines > 1000, "the damaged logs still hold events");
}

/// One object; braces and brackets balance outside strings, strings close,
/// and no raw control byte is inside one.
fn well_formed(line: &[u8]) -> bool {
    if !(line.starts_with(b"{") && line.ends_with(b"}")) {
        return false;
    }
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    for &b in line {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                (false, c) if c < 0x20 => return false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && !in_str
}
