//! C number parsing, as the reference's `strtoul`/`strtol` calls see it:
//! leading blanks, a sign, an optional `0x` in base 16 (base 0: `0x` hex,
//! a leading `0` octal, else decimal), then digits as far as they go (no
//! digits is 0, not an error); only overflow is an error.

/// A number too large for its type (C's ERANGE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// `strtoul(s, NULL, base)`: Err on overflow (ERANGE). A `-` negates the
/// value modulo 2^64, as C does.
pub fn strtoul(s: &[u8], base: u32) -> Result<u64, Overflow> {
    match only_digits(s, base, 19) {
        Some(value) => Ok(value),
        None => strtoul_general(s, base),
    }
}

/// [`strtoul`] without the shortcut.
fn strtoul_general(s: &[u8], base: u32) -> Result<u64, Overflow> {
    let (negative, digits, base) = sign_and_digits(s, base);
    let value = digits_value(digits, base)?;
    Ok(if negative { value.wrapping_neg() } else { value })
}

/// `strtol(s, NULL, base)` (64-bit long): Err on overflow.
pub fn strtol(s: &[u8], base: u32) -> Result<i64, Overflow> {
    match only_digits(s, base, 18) {
        Some(value) => Ok(value as i64),
        None => strtol_general(s, base),
    }
}

/// [`strtol`] without the shortcut.
fn strtol_general(s: &[u8], base: u32) -> Result<i64, Overflow> {
    let (negative, digits, base) = sign_and_digits(s, base);
    let value = digits_value(digits, base)?;
    if negative {
        if value > i64::MAX as u64 + 1 { Err(Overflow) } else { Ok((value as i64).wrapping_neg()) }
    } else if value > i64::MAX as u64 {
        Err(Overflow)
    } else {
        Ok(value as i64)
    }
}

/// The value of `s` when it is nothing but digits of base 10 or 16, at
/// most `decimal` of them in base 10 and 15 in base 16 (so that no
/// overflow is possible): the common case, read without the general
/// path's sign, prefix and overflow checks. None otherwise.
fn only_digits(s: &[u8], base: u32, decimal: usize) -> Option<u64> {
    match base {
        10 if !s.is_empty() && s.len() <= decimal => s.iter().try_fold(0u64, |value, &b| {
            let d = b.wrapping_sub(b'0');
            (d < 10).then(|| value * 10 + u64::from(d))
        }),
        16 if !s.is_empty() && s.len() <= 15 => s.iter().try_fold(0u64, |value, &b| {
            // A hex digit's value: its low nibble, plus 9 for the letters.
            b.is_ascii_hexdigit().then(|| value << 4 | u64::from((b & 0xf) + 9 * (b >> 6)))
        }),
        _ => None,
    }
}

/// The sign, the digits after any `0x`, and the base they are read in.
fn sign_and_digits(s: &[u8], base: u32) -> (bool, &[u8], u32) {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || (9..=13).contains(&s[i])) {
        i += 1;
    }
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let rest = &s[i..];
    if (base == 16 || base == 0)
        && rest.len() > 2
        && rest[0] == b'0'
        && (rest[1] | 0x20) == b'x'
        && rest[2].is_ascii_hexdigit()
    {
        return (negative, &rest[2..], 16);
    }
    let base = match base {
        0 if rest.first() == Some(&b'0') => 8,
        0 => 10,
        b => b,
    };
    (negative, rest, base)
}

fn digits_value(digits: &[u8], base: u32) -> Result<u64, Overflow> {
    let mut value: u64 = 0;
    for &b in digits {
        let Some(d) = (b as char).to_digit(base) else { break };
        value = value.checked_mul(u64::from(base)).ok_or(Overflow)?;
        value = value.checked_add(u64::from(d)).ok_or(Overflow)?;
    }
    Ok(value)
}

/// Writes the decimal digits of `n` into `text` so that they end at
/// `end`, and returns where they start (`text` has room for them): by
/// hand, as the formatting machinery costs more on a per-event path.
pub fn digits_before(text: &mut [u8], end: usize, n: u64) -> usize {
    let (mut at, mut rest) = (end, n);
    loop {
        at -= 1;
        text[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            return at;
        }
    }
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
pub fn push_decimal(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let at = digits_before(&mut digits, 20, n);
    for _ in 20 - at..width {
        out.push(b'0');
    }
    out.extend_from_slice(&digits[at..]);
}

/// True when every byte is a decimal digit (also for "").
pub fn is_int_string(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_digit)
}

/// True when every byte is a hex digit (also for "").
pub fn is_hex_string(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_hexdigit)
}

/// The bytes before the first NUL: what C sees of a decoded string.
pub fn c_str(s: &[u8]) -> &[u8] {
    match memchr(0, s) {
        Some(i) => &s[..i],
        None => s,
    }
}

fn memchr(needle: u8, s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shortcut_reads_as_the_general_path() {
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"0123456789abcdefABCDEFxX+- z";
        for _ in 0..200_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let len = (rng % 22) as usize;
            // Mostly digits, sometimes anything of the alphabet.
            let pick = if rng >> 60 < 12 { 16 } else { alphabet.len() as u64 };
            let s: Vec<u8> = (0..len)
                .map(|i| alphabet[((rng >> (i % 8 * 7)) % pick) as usize])
                .map(|b| if rng >> 63 == 1 && b.is_ascii_hexdigit() && b > b'9' { b'7' } else { b })
                .collect();
            for base in [10, 16] {
                assert_eq!(strtoul(&s, base), strtoul_general(&s, base), "{s:?} {base}");
                assert_eq!(strtol(&s, base), strtol_general(&s, base), "{s:?} {base}");
            }
        }
        for s in [
            &b"9999999999999999999"[..],
            b"999999999999999999",
            b"fffffffffffffff",
            b"FFFFFFFFFFFFFFF",
        ] {
            for base in [10, 16] {
                assert_eq!(strtoul(s, base), strtoul_general(s, base), "{s:?} {base}");
                assert_eq!(strtol(s, base), strtol_general(s, base), "{s:?} {base}");
            }
        }
    }

    #[test]
    fn like_c() {
        assert_eq!(strtoul(b"ff", 16), Ok(255));
        assert_eq!(strtoul(b"0x1f", 16), Ok(31));
        assert_eq!(strtoul(b"12zz", 10), Ok(12));
        assert_eq!(strtoul(b"zz", 10), Ok(0));
        assert_eq!(strtoul(b"-1", 10), Ok(u64::MAX));
        assert_eq!(strtoul(b"99999999999999999999", 10), Err(Overflow));
        assert_eq!(strtol(b"-5", 10), Ok(-5));
        assert_eq!(strtol(b"9223372036854775808", 10), Err(Overflow));
        assert_eq!(strtoul(b"010", 0), Ok(8));
        assert_eq!(strtoul(b"0x10", 0), Ok(16));
        assert_eq!(strtoul(b"08", 0), Ok(0));
        assert_eq!(strtoul(b"0x", 0), Ok(0));
        assert_eq!(strtoul(b" 12", 0), Ok(12));
        assert_eq!(c_str(b"ab\0cd"), b"ab");
    }

    #[test]
    fn decimals() {
        let mut out = Vec::new();
        for (n, width) in [(0, 1), (7, 3), (1234, 2), (u64::MAX, 1), (42, 0)] {
            out.clear();
            push_decimal(&mut out, n, width);
            assert_eq!(out, format!("{n:0width$}").into_bytes());
        }
    }
}
