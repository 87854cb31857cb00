//! C's strtol/strtoul, as libaudit and auditctl call them, on the shared
//! parser (`raudit_parse::cnum`): both readings of one text at once, with
//! overflow saturating as C's does.

use raudit_parse::cnum::{strtol, strtoul};

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
    let (unsigned, overflow_unsigned) = match strtoul(b, base) {
        Ok(v) => (v, false),
        Err(_) => (u64::MAX, true),
    };
    let negative = b.iter().find(|&&c| c != b' ' && !(9..=13).contains(&c)) == Some(&b'-');
    let (signed, overflow_signed) = match strtol(b, base) {
        Ok(v) => (v, false),
        Err(_) => (if negative { i64::MIN } else { i64::MAX }, true),
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
