//! One audit record: `[node=N ]type=T msg=audit(SEC.MILLI:SERIAL): body`.

use memchr::memchr;
use raudit_tables::msg_type;

/// Separates the raw text from the interpretations in ENRICHED logs.
pub const ENRICHED_SEPARATOR: u8 = 0x1d;

/// Record type numbers (libaudit's `AUDIT_*`) as the parsed records hold
/// them (i32), from the one table in `raudit_tables`.
pub use raudit_tables::msg_type::code as types;

/// A record, borrowing from the log's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// The raw record: up to the enriched separator, without the newline.
    pub text: &'a [u8],
    /// The ENRICHED interpretations after the 0x1d separator.
    pub enriched: Option<&'a [u8]>,
    /// The `node=` prefix's value.
    pub node: Option<&'a [u8]>,
    /// The record type; -1 when the type name is not one the reference knows.
    pub rtype: i32,
    pub sec: u64,
    pub milli: u32,
    pub serial: u64,
}

/// Why a line is not a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// Not a record line at all; the reference skips these silently.
    Garbage,
    /// The timestamp is out of range; the reference says
    /// `Error extracting time stamp (TEXT)` and skips the line.
    BadTimestamp(Vec<u8>),
}

/// The stamp text read last (between `(` and `)`) and what it reads as:
/// the records of an event share their stamp, so most lines of a log need
/// no digits read.
type LastStamp<'a> = Option<(&'a [u8], (u64, u32, u64))>;

/// How far into a line the reference looks for the header.
const HEADER_WINDOW: usize = 80;
const HEADER_WINDOW_WITH_NODE: usize = 340;

impl<'a> Record<'a> {
    /// Parses one line (without its newline). `eoe_timeout` bounds the
    /// largest accepted second, as the reference's does.
    pub fn parse(line: &'a [u8], eoe_timeout: u64) -> Result<Record<'a>, HeaderError> {
        // COMPAT: ausearch-lol.c lol_add_record: the line is a C string, so
        // a NUL byte ends it.
        // One pass finds both the NUL and the separator.
        let (line, text, enriched) = match memchr::memchr2(0, ENRICHED_SEPARATOR, line) {
            None => (line, line, None),
            Some(at) if line[at] == 0 => (&line[..at], &line[..at], None),
            Some(sep) => {
                let line = match memchr(0, &line[sep..]) {
                    Some(nul) => &line[..sep + nul],
                    None => line,
                };
                (line, &line[..sep], Some(&line[sep + 1..]))
            }
        };
        Self::parse_header(line, text, enriched, eoe_timeout, &mut None)
    }

    /// [`Record::parse`] for a line known to hold neither a NUL nor the
    /// enriched separator; `last` is the stamp read before.
    fn parse_plain(
        line: &'a [u8],
        eoe_timeout: u64,
        last: &mut LastStamp<'a>,
    ) -> Result<Record<'a>, HeaderError> {
        Self::parse_header(line, line, None, eoe_timeout, last)
    }

    /// The header of `line` (cut at any NUL), whose record text is `text`.
    fn parse_header(
        line: &'a [u8],
        text: &'a [u8],
        enriched: Option<&'a [u8]>,
        eoe_timeout: u64,
        last: &mut LastStamp<'a>,
    ) -> Result<Record<'a>, HeaderError> {
        // COMPAT: ausearch-lol.c extract_timestamp: only the start of the
        // line is examined for the header.
        let window =
            if line.first() == Some(&b'n') { HEADER_WINDOW_WITH_NODE } else { HEADER_WINDOW };
        let head = &line[..line.len().min(window)];
        let mut at = 0;
        let mut token = next_token(head, &mut at).ok_or(HeaderError::Garbage)?;
        let mut node = None;
        if token[0] == b'n' {
            node = Some(token.get(5..).unwrap_or(&[]));
            token = next_token(head, &mut at).ok_or(HeaderError::Garbage)?;
        }
        let type_name = token.get(5..).unwrap_or(&[]);
        let msg = next_token(head, &mut at).ok_or(HeaderError::Garbage)?;
        if msg.len() <= 18 {
            return Err(HeaderError::Garbage);
        }
        let open =
            if msg[9] == b'(' { 9 } else { memchr(b'(', msg).ok_or(HeaderError::Garbage)? };
        let stamp = &msg[open + 1..];
        let stamp = match memchr(b')', stamp) {
            Some(close) => &stamp[..close],
            None => stamp,
        };
        let (sec, milli, serial) = match *last {
            Some((text, key)) if text == stamp => key,
            _ => {
                let key = parse_stamp(stamp, eoe_timeout)
                    .ok_or_else(|| HeaderError::BadTimestamp(stamp.to_vec()))?;
                *last = Some((stamp, key));
                key
            }
        };
        Ok(Record { text, enriched, node, rtype: type_number(type_name), sec, milli, serial })
    }

    /// The type name as the reference prints it.
    pub fn type_name(&self) -> std::borrow::Cow<'static, str> {
        if self.rtype < 0 {
            std::borrow::Cow::Borrowed("UNKNOWN")
        } else {
            msg_type::display_name(self.rtype as u32)
        }
    }

    /// The body after the header's `): `, or after the header token.
    pub fn body(&self) -> &'a [u8] {
        // The first `): `; the header's `)` is nearly always the first `)`.
        let mut from = 0;
        while let Some(i) = memchr(b')', &self.text[from..]) {
            let at = from + i;
            if self.text[at..].starts_with(b"): ") {
                return &self.text[at + 3..];
            }
            from = at + 1;
        }
        &[]
    }
}

/// The next run of non-space bytes of `head` from `*at` on, which moves
/// past it (the header's words are separated by one space or more).
fn next_token<'h>(head: &'h [u8], at: &mut usize) -> Option<&'h [u8]> {
    let start = *at + head.get(*at..)?.iter().position(|&b| b != b' ')?;
    let end = memchr(b' ', &head[start..]).map_or(head.len(), |i| start + i);
    *at = end;
    Some(&head[start..end])
}

/// Every line of `data` as [`crate::Lines`] cuts it, parsed as
/// [`Record::parse`] parses it. One scan per line finds its end and tells
/// whether it holds a NUL or the enriched separator: in a RAW log it never
/// does, and the line is not scanned again.
pub fn parse_lines(
    data: &[u8],
    eoe_timeout: u64,
) -> impl Iterator<Item = Result<Record<'_>, HeaderError>> {
    let mut rest = data;
    let mut last = None;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let window = &rest[..rest.len().min(crate::lines::READ_BUFFER - 1)];
        let (line, consumed, plain) = match memchr::memchr3(b'\n', 0, ENRICHED_SEPARATOR, window) {
            Some(nl) if window[nl] == b'\n' => (&window[..nl], nl + 1, true),
            None => (window, window.len(), true),
            Some(_) => match memchr(b'\n', window) {
                Some(nl) => (&window[..nl], nl + 1, false),
                None => (window, window.len(), false),
            },
        };
        rest = &rest[consumed..];
        Some(if plain {
            Record::parse_plain(line, eoe_timeout, &mut last)
        } else {
            Record::parse(line, eoe_timeout)
        })
    })
}

/// `strtoul` on a prefix: optional spaces and sign, then decimal digits.
/// Returns None on overflow (ERANGE). A `-` negates modulo 2^64 as C does.
pub fn strtoul(s: &[u8]) -> Option<u64> {
    crate::cnum::strtoul(s, 10).ok()
}

/// `strtoll(s, NULL, 0)` on a prefix: optional sign, then `0x` hex, `0`
/// octal or decimal digits, as far as they go. None on overflow.
pub fn strtoll_base0(s: &[u8]) -> Option<i64> {
    crate::cnum::strtol(s, 0).ok()
}

// COMPAT: ausearch-lol.c str2event: seconds, then milliseconds after the
// first '.', then the serial after the next ':'; limits as the reference's.
fn parse_stamp(stamp: &[u8], eoe_timeout: u64) -> Option<(u64, u32, u64)> {
    // The usual shape, digits '.' digits ':' digits, read in one go; the
    // readers below give the same for it.
    if let Some((sec, n)) = plain_decimal(stamp)
        && stamp.get(n) == Some(&b'.')
        && let Some((milli, m)) = plain_decimal(&stamp[n + 1..])
        && stamp.get(n + 1 + m) == Some(&b':')
        && let Some((serial, _)) = plain_decimal(&stamp[n + m + 2..])
    {
        let sec_ok = sec <= (i64::MAX as u64).saturating_sub(eoe_timeout + 1);
        return (sec_ok && milli <= 999).then_some((sec, milli as u32, serial));
    }
    read_stamp(stamp, eoe_timeout)
}

/// [`parse_stamp`] for any shape, number by number.
fn read_stamp(stamp: &[u8], eoe_timeout: u64) -> Option<(u64, u32, u64)> {
    let sec = strtoul(stamp)?;
    if sec > (i64::MAX as u64).saturating_sub(eoe_timeout + 1) {
        return None;
    }
    let mut rest = stamp;
    let mut milli = 0;
    if let Some(dot) = memchr(b'.', stamp) {
        let m = strtoul(&stamp[dot + 1..])?;
        if m > 999 {
            return None;
        }
        milli = m as u32;
        rest = &stamp[dot + 1..];
    }
    let serial = match memchr(b':', rest) {
        Some(colon) => strtoul(&rest[colon + 1..])?,
        None => 0,
    };
    Some((sec, milli, serial))
}

/// The decimal number `s` starts with and its digit count, when it starts
/// with a digit and has fewer than twenty (so it fits in 64 bits);
/// anything else is left to [`strtoul`].
fn plain_decimal(s: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut n = 0;
    while let Some(&b) = s.get(n) {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        if n == 19 {
            return None;
        }
        value = value * 10 + u64::from(digit);
        n += 1;
    }
    (n > 0).then_some((value, n))
}

/// Reads a type name the way the reference's `audit_name_to_msg_type`
/// does: a known name (any case), `UNKNOWN[n]`, or a leading number;
/// anything else is -1.
pub fn type_number(name: &[u8]) -> i32 {
    if let Some(n) = known_type(name) {
        return n as i32;
    }
    if let Some(inner) = name.strip_prefix(b"UNKNOWN[") {
        let Some(close) = memchr(b']', inner) else { return -1 };
        // The reference copies at most 7 characters before converting.
        return strtol_prefix(&inner[..close.min(7)]);
    }
    if name.first().is_some_and(u8::is_ascii_digit) {
        return strtol_prefix(name);
    }
    -1
}

/// A known type name, in any case. This runs once per record: the
/// commonest names are matched outright, any other exact upper-case name
/// is one hash lookup.
fn known_type(name: &[u8]) -> Option<u32> {
    // The types of nearly every record of a syscall log, without hashing.
    match name {
        b"SYSCALL" => return Some(types::SYSCALL as u32),
        b"PATH" => return Some(types::PATH as u32),
        b"CWD" => return Some(types::CWD as u32),
        b"PROCTITLE" => return Some(types::PROCTITLE as u32),
        b"EOE" => return Some(types::EOE as u32),
        b"EXECVE" => return Some(types::EXECVE as u32),
        _ => {}
    }
    type Names = raudit_tables::hash::FxHashMap<&'static [u8], u32>;
    static NAMES: std::sync::OnceLock<Names> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        msg_type::MSG_TYPES.iter().map(|&(n, name)| (name.as_bytes(), n)).collect()
    });
    if let Some(&n) = names.get(name) {
        return Some(n);
    }
    let mut upper = [0u8; 32];
    let upper = upper.get_mut(..name.len())?;
    for (u, &b) in upper.iter_mut().zip(name) {
        *u = b.to_ascii_uppercase();
    }
    names.get(&*upper).copied()
}

fn strtol_prefix(s: &[u8]) -> i32 {
    match strtoul(s) {
        Some(v) if v <= i32::MAX as u64 => v as i32,
        Some(v) if v > i64::MAX as u64 => (v as i64) as i32,
        _ => i32::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header's words are what splitting on spaces and dropping empty pieces gives.
    #[test]
    fn cuts_header_words_like_a_split() {
        for head in [
            &b"type=SYSCALL msg=audit(1.2:3): a=b"[..],
            b"  type=SYSCALL   msg=audit(1.2:3):",
            b"node=h type=X msg=audit(1.2:3): ",
            b"",
            b"   ",
            b"one",
            b" one ",
            b"a  b   c",
        ] {
            let split: Vec<&[u8]> = head.split(|&b| b == b' ').filter(|t| !t.is_empty()).collect();
            let mut at = 0;
            let words: Vec<&[u8]> = std::iter::from_fn(|| next_token(head, &mut at)).collect();
            assert_eq!(words, split, "{}", String::from_utf8_lossy(head));
        }
    }

    /// One scan per line gives what cutting lines and parsing each gives,
    /// with NULs, separators and overlong lines anywhere.
    #[test]
    fn parses_lines_as_lines_and_parse_do() {
        let plain = b"type=SYSCALL msg=audit(1700000010.123:100): arch=c000003e a=b".to_vec();
        let mut pieces: Vec<Vec<u8>> = vec![
            plain.clone(),
            b"type=PATH msg=audit(1700000010.123:100): name=\"x\0y\" z=1".to_vec(),
            b"type=PATH msg=audit(1700000010.123:100): a=b\x1dUID=\"root\"".to_vec(),
            b"type=PATH msg=audit(1700000010.123:100): a=\0b\x1dUID=\"root\"".to_vec(),
            b"\0type=EOE msg=audit(1700000010.123:100): ".to_vec(),
            b"node=h type=EOE msg=audit(1700000010.123:100): \x1d".to_vec(),
            Vec::new(),
            b"garbage".to_vec(),
        ];
        for mark in [None, Some(0u8), Some(ENRICHED_SEPARATOR)] {
            for at in [10, 8968, 8969, 8970, 9100] {
                let mut long = plain.clone();
                long.resize(12_000, b'x');
                if let Some(m) = mark {
                    long[at] = m;
                }
                pieces.push(long);
            }
        }
        for trailing_newline in [true, false] {
            let mut data = pieces.join(&b'\n');
            if trailing_newline {
                data.push(b'\n');
            }
            let cut: Vec<_> = crate::Lines::new(&data).map(|l| Record::parse(l, 2)).collect();
            let scanned: Vec<_> = parse_lines(&data, 2).collect();
            assert_eq!(scanned, cut);
        }
    }

    /// A stamp carried from line to line reads as the line's own would.
    #[test]
    fn reads_each_line_stamp_alike_when_carried() {
        let stamps = [
            "1700000010.123:100)",
            "1700000010.123:1000)",
            "1700000010.123:10)",
            "1700000010.12:100)",
            "1700000010.123:100",
            "1700000010.1234:100)",
            "99999999999999999999.1:1)",
            "x)",
        ];
        let types = ["SYSCALL", "EOE", "PATH"];
        let mut seed = 5u64;
        let mut pick = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut data = Vec::new();
        for _ in 0..5_000 {
            let (ty, stamp) = (pick(types.len()), pick(stamps.len()));
            data.extend_from_slice(
                format!("type={} msg=audit({}: a=1\n", types[ty], stamps[stamp]).as_bytes(),
            );
        }
        let cut: Vec<_> = crate::Lines::new(&data).map(|l| Record::parse(l, 2)).collect();
        let scanned: Vec<_> = parse_lines(&data, 2).collect();
        assert_eq!(scanned, cut);
    }

    /// The one-go reading of the usual shape agrees with the number-by-number one.
    #[test]
    fn reads_stamps_of_every_shape_alike() {
        for stamp in [
            &b"1700000010.123:100"[..],
            b"1700000010.5:7",
            b"0.0:0",
            b"1700000010.1000:1",
            b"1700000010.999:18446744073709551615",
            b"1700000010.999:18446744073709551616",
            b"1700000010.999:99999999999999999999",
            b"9223372036854775805.000:1",
            b"9223372036854775804.000:1",
            b"99999999999999999999.000:1",
            b"1700000010.:5",
            b"1700000010.12",
            b"1700000010:12",
            b"+1700000010.1:2",
            b" 1700000010.1:2",
            b"1700000010.-1:2",
            b"1700000010.1:-2",
            b"1700000010.1:2x",
            b"17x0.1:2",
            b"",
        ] {
            for t in [0, 2, 100] {
                assert_eq!(
                    parse_stamp(stamp, t),
                    read_stamp(stamp, t),
                    "{} (timeout {t})",
                    String::from_utf8_lossy(stamp)
                );
            }
        }
    }

    #[test]
    fn parses_plain_node_and_enriched_records() {
        let r =
            Record::parse(b"type=SYSCALL msg=audit(1700000010.123:100): arch=c000003e", 2).unwrap();
        assert_eq!((r.rtype, r.sec, r.milli, r.serial, r.node), (1300, 1700000010, 123, 100, None));
        assert_eq!(r.body(), b"arch=c000003e");
        // The body starts after the first `): `, wherever the `)`s are.
        let body = |line: &[u8]| Record::parse(line, 2).unwrap().body().to_vec();
        assert_eq!(body(b"type=USER msg=audit(1700000000.001:1): a=(x) b=1): c"), b"a=(x) b=1): c");
        assert_eq!(body(b"type=USER msg=audit(1700000000.001:1) a=(x)b): c"), b"c");
        assert_eq!(body(b"type=USER msg=audit(1700000000.001:1) a=(x)"), b"");
        let r = Record::parse(b"node=host2 type=PATH msg=audit(1700000000.5:7): a=b\x1dX=y", 2)
            .unwrap();
        assert_eq!((r.rtype, r.node, r.milli), (1302, Some(&b"host2"[..]), 5));
        let text = &b"node=host2 type=PATH msg=audit(1700000000.5:7): a=b"[..];
        assert_eq!((r.text, r.enriched), (text, Some(&b"X=y"[..])));
        let r = Record::parse(b"type=UNKNOWN[1999] msg=audit(1700000000.000:9): x", 2).unwrap();
        assert_eq!(r.rtype, 1999);
        let r = Record::parse(b"type=NOSUCH msg=audit(1700000000.000:9): x", 2).unwrap();
        assert_eq!(r.rtype, -1);
        assert_eq!(
            Record::parse(b"type=syscall msg=audit(1700000000.000:9): x", 2).unwrap().rtype,
            1300
        );
    }

    #[test]
    fn rejects_garbage_and_bad_stamps() {
        assert_eq!(Record::parse(b"", 2), Err(HeaderError::Garbage));
        assert_eq!(Record::parse(b"hello world", 2), Err(HeaderError::Garbage));
        assert_eq!(Record::parse(b"type=X msg=short", 2), Err(HeaderError::Garbage));
        assert_eq!(
            Record::parse(b"type=SYSCALL msg=audit(1700000000.1000:5): x", 2),
            Err(HeaderError::BadTimestamp(b"1700000000.1000:5".to_vec()))
        );
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    b"ntype=msg=audit(0123456789.:) \x1d\0\xff"[(state % 30) as usize]
                })
                .collect();
            let _ = Record::parse(&bytes, 2);
        }
    }
}
