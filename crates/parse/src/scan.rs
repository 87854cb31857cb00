//! Byte searches a word (eight bytes) at a time, for the short distances between a record's
//! separators: a name runs a few bytes to its `=`, a value a few more to its space. A vector
//! search costs more to start than it saves there, and a byte loop ends on a branch that
//! depends on every byte.

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `word` that equals `byte`, and no other bit.
fn equal_bytes(word: u64, byte: u8) -> u64 {
    let x = word ^ (LOW * u64::from(byte));
    // A byte of x is zero when neither its high bit nor (its low seven bits + 0x7f) has the
    // high bit set; the sum stays within the byte, so no byte disturbs its neighbour.
    !(((x & !HIGH) + !HIGH) | x) & HIGH
}

/// Like [`equal_bytes`], cheaper: the lowest mark is exact, marks above it may be wrong (a
/// borrow out of a matching byte can mark the byte after it).
fn first_equal_byte(word: u64, byte: u8) -> u64 {
    let x = word ^ (LOW * u64::from(byte));
    x.wrapping_sub(LOW) & !x & HIGH
}

/// The eight bytes at `at`, the first in the lowest bits.
fn word_at(text: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = text.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// The byte offset of the highest / lowest marked byte of a mask from [`equal_bytes`].
fn last_byte(mask: u64) -> usize {
    (63 - mask.leading_zeros()) as usize / 8
}
fn first_byte(mask: u64) -> usize {
    mask.trailing_zeros() as usize / 8
}

/// The first `=` in `text`, and the last space before it (0 when there is none): where a
/// field's name ends, and where it starts.
pub fn to_equals(text: &[u8]) -> Option<(usize, usize)> {
    let mut at = 0;
    let mut space = 0;
    while let Some(word) = word_at(text, at) {
        // Only the first `=` counts; every space before it does.
        let (equals, spaces) = (first_equal_byte(word, b'='), equal_bytes(word, b' '));
        if equals != 0 {
            // The marks are high bits, so the one of `=` is at bit 7 or above.
            let before = spaces & ((1 << equals.trailing_zeros()) - 1);
            if before != 0 {
                space = at + last_byte(before);
            }
            return Some((at + first_byte(equals), space));
        }
        if spaces != 0 {
            space = at + last_byte(spaces);
        }
        at += 8;
    }
    for (i, &b) in text.iter().enumerate().skip(at) {
        match b {
            b'=' => return Some((i, space)),
            b' ' => space = i,
            _ => {}
        }
    }
    None
}

/// [`first`] for a byte that is usually a few bytes away (a number's
/// space): two words, then a vector search for the rest.
pub fn first_near(text: &[u8], byte: u8) -> Option<usize> {
    for at in [0, 8] {
        let Some(word) = word_at(text, at) else {
            return text[at..].iter().position(|&b| b == byte).map(|i| at + i);
        };
        let found = first_equal_byte(word, byte);
        if found != 0 {
            return Some(at + first_byte(found));
        }
    }
    memchr::memchr(byte, &text[16..]).map(|i| 16 + i)
}

/// The first byte of `text` that is `byte`.
pub fn first(text: &[u8], byte: u8) -> Option<usize> {
    first_of(text, byte, byte)
}

/// The first byte of `text` that is `a` or `b`.
pub fn first_of(text: &[u8], a: u8, b: u8) -> Option<usize> {
    first_of_which(text, a, b).map(|(at, _)| at)
}

/// [`first_of`], and whether the byte found is `a` (told from the masks: no load of it).
pub fn first_of_which(text: &[u8], a: u8, b: u8) -> Option<(usize, bool)> {
    let mut at = 0;
    while let Some(word) = word_at(text, at) {
        let (of_a, of_b) = (first_equal_byte(word, a), first_equal_byte(word, b));
        // The lowest mark of each is exact, so the lowest of both is, and a mark of `a` at
        // that place is no borrow's (a borrow only marks above a true mark).
        let found = of_a | of_b;
        if found != 0 {
            let lowest = found & found.wrapping_neg();
            return Some((at + first_byte(found), of_a & lowest != 0));
        }
        at += 8;
    }
    text[at..].iter().position(|&c| c == a || c == b).map(|i| (at + i, text[at + i] == a))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each byte of a text the searches look at, over every length and position of the
    /// separators: the same answers as byte loops.
    #[test]
    fn finds_what_byte_loops_find() {
        let plain_to_equals = |t: &[u8]| {
            let eq = t.iter().position(|&b| b == b'=')?;
            Some((eq, t[..eq].iter().rposition(|&b| b == b' ').unwrap_or(0)))
        };
        let plain_first_of = |t: &[u8]| t.iter().position(|&b| b == b' ' || b == b',');
        // Bytes next to the separators' values (0x1f, 0x21, 0x3c, 0x3e, 0x2b, 0x2d), high
        // bytes and the separators themselves.
        let alphabet = b"= ,a\x1f!<>+-\xa0\xbd\xff\x80\x00";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            let text: Vec<u8> = (0..len)
                .map(|i| alphabet[((seed >> (i % 60)) as usize ^ (i * 7)) % alphabet.len()])
                .collect();
            assert_eq!(to_equals(&text), plain_to_equals(&text), "{text:?}");
            assert_eq!(first_of(&text, b' ', b','), plain_first_of(&text), "{text:?}");
            assert_eq!(first(&text, b' '), text.iter().position(|&b| b == b' '), "{text:?}");
            assert_eq!(first_near(&text, b','), text.iter().position(|&b| b == b','), "{text:?}");
            let which = plain_first_of(&text).map(|i| (i, text[i] == b' '));
            assert_eq!(first_of_which(&text, b' ', b','), which, "{text:?}");
        }
        assert_eq!(to_equals(b"a b cdefghijklmnop=x"), Some((18, 3)));
        assert_eq!(to_equals(b" abcdefghijklmnop"), None);
        assert_eq!(first_of(b"abcdefghijklmnopq,", b' ', b','), Some(17));
    }
}
