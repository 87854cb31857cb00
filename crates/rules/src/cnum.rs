//! C's strtol/strtoul, as libaudit and auditctl call them: the longest
//! valid prefix is read (trailing text is ignored), base 0 means 0x hex,
//! leading-0 octal or decimal, and overflow saturates.

/// The result of one conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// The value as `unsigned long` (strtoul) bits.
    pub unsigned: u64,
    /// The value as `long` (strtol).
    pub signed: i64,
    /// ERANGE was set (by the call that was asked for).
    pub overflow_unsigned: bool,
    pub overflow_signed: bool,
}

/// Reads `text` as strtol/strtoul with `base` (0, 10 or 16) would.
pub fn parse(text: &str, base: u32) -> Parsed {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let digit = |c: u8, radix: u32| (c as char).to_digit(radix);
    let mut radix = base;
    if (radix == 0 || radix == 16)
        && i + 1 < b.len()
        && b[i] == b'0'
        && (b[i + 1] | 0x20) == b'x'
        && i + 2 < b.len()
        && digit(b[i + 2], 16).is_some()
    {
        radix = 16;
        i += 2;
    } else if radix == 0 {
        radix = if i < b.len() && b[i] == b'0' { 8 } else { 10 };
    }
    let mut magnitude: u128 = 0;
    let mut too_big = false;
    while i < b.len() {
        let Some(d) = digit(b[i], radix) else { break };
        magnitude = magnitude * u128::from(radix) + u128::from(d);
        if magnitude > u128::from(u64::MAX) {
            too_big = true;
            magnitude = u128::from(u64::MAX) + 1;
        }
        i += 1;
    }
    // strtoul: out of range past ULONG_MAX; a minus sign negates.
    let (unsigned, overflow_unsigned) = if too_big {
        (u64::MAX, true)
    } else {
        let m = magnitude as u64;
        (if neg { m.wrapping_neg() } else { m }, false)
    };
    // strtol: clamps to LONG_MIN..=LONG_MAX.
    let (signed, overflow_signed) = if neg {
        if too_big || magnitude > 1u128 << 63 {
            (i64::MIN, true)
        } else {
            ((magnitude as i128).wrapping_neg() as i64, false)
        }
    } else if too_big || magnitude > i64::MAX as u128 {
        (i64::MAX, true)
    } else {
        (magnitude as i64, false)
    };
    Parsed { unsigned, signed, overflow_unsigned, overflow_signed }
}

/// strtoul(text, NULL, 0) stored in a 32-bit field.
pub fn strtoul_u32(text: &str) -> u32 {
    parse(text, 0).unsigned as u32
}

/// strtol(text, NULL, 0) stored in a 32-bit field.
pub fn strtol_u32(text: &str) -> u32 {
    parse(text, 0).signed as u32
}

/// C's isdigit on the first byte.
pub fn starts_with_digit(text: &str) -> bool {
    text.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_c() {
        assert_eq!(strtoul_u32("0x10"), 16);
        assert_eq!(strtoul_u32("010"), 8);
        assert_eq!(strtoul_u32("08"), 0);
        assert_eq!(strtoul_u32("1x"), 1);
        assert_eq!(strtoul_u32("0x"), 0);
        assert_eq!(strtoul_u32("4294967296"), 0);
        assert_eq!(strtoul_u32("99999999999999999999"), u32::MAX);
        assert_eq!(strtol_u32("-1"), u32::MAX);
        assert_eq!(strtol_u32("99999999999999999999"), u32::MAX);
        assert_eq!(strtol_u32("-99999999999999999999"), 0);
        assert_eq!(strtoul_u32("-1"), u32::MAX);
        assert!(parse("99999999999999999999", 0).overflow_unsigned);
        assert_eq!(parse("c000003e", 16).unsigned, 0xc000_003e);
        assert_eq!(parse(" 5", 0).unsigned, 5);
    }
}
