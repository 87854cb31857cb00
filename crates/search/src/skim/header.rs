//! A line's header read the quick way: its key and type name when the
//! header has the usual shape, exactly as the parser would read them (the
//! survey reads every line of the log this way).

use super::Key;

/// The stamp [`quick_header`] read last (its text from after `audit(`
/// through the closing `):`) and its key: the records of an event share
/// their stamp, so most lines need no digits read.
pub(super) type LastStamp<'a> = Option<(&'a [u8], Key)>;

/// A line's second and type name when the header has the usual shape,
/// read exactly as [`raudit_parse::Record::parse`] would; None when that needs the full
/// parser. `last` carries the stamp read before.
pub(super) fn quick_header<'a>(
    line: &'a [u8],
    last: &mut LastStamp<'a>,
) -> Option<(Key, &'a [u8])> {
    if !line.starts_with(b"type=") {
        return None;
    }
    let head = &line[..line.len().min(79)];
    let space = memchr::memchr(b' ', head)?;
    let stamp = head.get(space + 1..)?.strip_prefix(b"msg=audit(")?;
    // The same text through `):` reads the same: every check below looks
    // at those bytes only.
    let key = match *last {
        Some((text, key)) if stamp.starts_with(text) => key,
        _ => {
            let (key, len) = read_stamp(stamp)?;
            *last = Some((&stamp[..len], key));
            key
        }
    };
    // A NUL or the enriched separator in the type name would end the
    // record there: leave such lines to the parser.
    if head[..space].iter().any(|&b| b == 0 || b == raudit_parse::record::ENRICHED_SEPARATOR) {
        return None;
    }
    Some((key, &head[5..space]))
}

/// The key of a stamp's text (what follows `audit(`) and the length of
/// that text through its closing `):`.
fn read_stamp(stamp: &[u8]) -> Option<(Key, usize)> {
    // Seconds, '.', 1-3 digits, ':', 1-18 digits, ')', ':'. Nine digits
    // or more keep the token longer than the parser's minimum.
    let (sec, n_sec) = decimal(stamp);
    if !(9..=18).contains(&n_sec) || stamp.get(n_sec) != Some(&b'.') {
        return None;
    }
    let rest = &stamp[n_sec + 1..];
    let (milli, n_milli) = decimal(rest);
    if !(1..=3).contains(&n_milli) || rest.get(n_milli) != Some(&b':') {
        return None;
    }
    let rest = &rest[n_milli + 1..];
    let (serial, n_serial) = decimal(rest);
    if !(1..=18).contains(&n_serial) || rest.get(n_serial..n_serial + 2) != Some(b"):") {
        return None;
    }
    Some(((sec, milli as u32, serial), n_sec + n_milli + n_serial + 4))
}

/// The number `s`'s leading digits make (up to 19 of them, so it cannot
/// overflow), and how many digits there are (counted to 20 at most).
fn decimal(s: &[u8]) -> (u64, usize) {
    let mut value = 0u64;
    for (i, &b) in s.iter().take(20).enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return (value, i);
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
    }
    (value, s.len().min(20))
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_parse::Record;

    #[test]
    fn a_carried_stamp_reads_as_a_fresh_one() {
        let stamps = [
            "1700000000.590:100)",
            "1700000000.590:1000)",
            "1700000000.590:10)",
            "1700000000.59:100)",
            "17000000000.590:100)",
            "1700000000.590:100",
            "1700000000.590:",
        ];
        let tails = [": x=1", ":", "", " x"];
        let types = ["SYSCALL", "EOE", "SYS\0CALL", "UNKNOWN[1999]"];
        let mut rng = raudit_testkit::Rng(11);
        let mut pick = |n: usize| rng.below(n as u64) as usize;
        let lines: Vec<String> = (0..20_000)
            .map(|_| {
                let (ty, stamp, tail) = (pick(types.len()), pick(stamps.len()), pick(tails.len()));
                format!("type={} msg=audit({}{}", types[ty], stamps[stamp], tails[tail])
            })
            .collect();
        let mut last = None;
        for line in &lines {
            let line = line.as_bytes();
            assert_eq!(
                quick_header(line, &mut last),
                quick_header(line, &mut None),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn reads_the_second_as_the_parser_does() {
        for line in [
            &b"type=SYSCALL msg=audit(1700000000.590:1002): arch=c000003e"[..],
            b"type=EOE msg=audit(1700000000.5:7): ",
            b"type=UNKNOWN[1999] msg=audit(1700000001.000:9): x",
        ] {
            let r = Record::parse(line, 2).unwrap();
            let (key, name) = quick_header(line, &mut None).unwrap();
            assert_eq!(
                (key, raudit_parse::record::type_number(name)),
                ((r.sec, r.milli, r.serial), r.rtype)
            );
        }
        // Shapes left to the parser.
        for line in [
            &b"node=a type=SYSCALL msg=audit(1700000000.590:1002): x"[..],
            b"type=SYSCALL  msg=audit(1700000000.590:1002): x",
            b"type=SYSCALL msg=audit(1.000:1): x",
            b"type=SYS\0CALL msg=audit(1700000000.590:1002): x",
            b"type=SYSCALL msg=audit(1700000000.5900:1002): x",
        ] {
            assert_eq!(quick_header(line, &mut None), None, "{}", String::from_utf8_lossy(line));
        }
    }
}
