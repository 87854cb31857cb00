//! Finding fields in a record's text.

/// Position of `needle` in `hay` at or after `from` (C `strstr`).
///
/// Needles here are short field names and haystacks one record, where
/// building a memmem searcher per call costs more than it saves: this scans
/// for the needle's rarest byte (in audit text: `x` of `exe=`, `p` of
/// ` pid=`, never the space or `=`) and compares the rest in line.
#[inline(always)]
pub fn find_from(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    // Inlined: with a literal needle, these compares are a few loads, and
    // the rarest byte a constant. The parsers' cursor is usually the space
    // before the next field, so the needle is often right there, where a
    // scan would cost a call for a byte or two.
    for start in [from, from.saturating_add(1)] {
        if hay.get(start..).is_some_and(|rest| rest.starts_with(needle)) {
            return Some(start);
        }
    }
    find_rare_from(hay, from, needle, rarest_byte(needle))
}

/// [`find_from`] past its first two places, with the index of the needle's
/// rarest byte given.
fn find_rare_from(hay: &[u8], from: usize, needle: &[u8], k: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from.min(hay.len()));
    }
    let rare = needle[k];
    // The rare byte's possible positions: k past `from`, and room after it.
    let stop = hay.len().checked_sub(needle.len() - 1 - k)?;
    let mut at = from.checked_add(k)?;
    while at < stop {
        let i = at + memchr::memchr(rare, &hay[at..stop])?;
        let start = i - k;
        if hay[start..start + needle.len()].iter().zip(needle).all(|(a, b)| a == b) {
            return Some(start);
        }
        at = i + 1;
    }
    None
}

/// Bytes of audit log text from the most common on (measured on a storm
/// log the reference auditd wrote and on bench/gen-synthetic.py's log:
/// both start `0`, `=`, space); every other byte is rarer.
const COMMON_BYTES: &[u8] = b"0= sietd17ua26cm4p5o3gy:\"r9l8n/f.()\nELDCFx";

/// How common each byte is: its rank from the end of [`COMMON_BYTES`] (0:
/// not there, rare).
const COMMONNESS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < COMMON_BYTES.len() {
        table[COMMON_BYTES[i] as usize] = (COMMON_BYTES.len() - i) as u8;
        i += 1;
    }
    table
};

/// Where in `needle` its rarest byte is (the first of equals; 0 for an
/// empty needle).
#[inline(always)]
fn rarest_byte(needle: &[u8]) -> usize {
    let mut best = 0;
    for (i, &b) in needle.iter().enumerate() {
        if COMMONNESS[usize::from(b)] < COMMONNESS[usize::from(needle[best])] {
            best = i;
        }
    }
    best
}

/// One `name=value` pair of a record body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    pub name: &'a [u8],
    /// The value as written: quotes, if any, included.
    pub value: &'a [u8],
}

impl<'a> Field<'a> {
    /// The value without its surrounding double quotes.
    pub fn unquoted(&self) -> &'a [u8] {
        match self.value {
            [b'"', inner @ .., b'"'] => inner,
            v => v,
        }
    }
}

/// Iterates over the `name=value` pairs of a body, splitting on spaces; a
/// value in double or single quotes may contain spaces. Tokens without
/// `=` are skipped.
pub struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    pub fn new(body: &'a [u8]) -> Self {
        Fields { rest: body }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    fn next(&mut self) -> Option<Field<'a>> {
        loop {
            let start = self.rest.iter().position(|&b| b != b' ')?;
            let s = &self.rest[start..];
            let eq = s.iter().position(|&b| b == b'=' || b == b' ');
            match eq {
                Some(i) if s[i] == b'=' => {
                    let name = &s[..i];
                    let v = &s[i + 1..];
                    let end = match v.first() {
                        Some(&q @ (b'"' | b'\'')) => {
                            v[1..].iter().position(|&b| b == q).map(|p| p + 2).unwrap_or(v.len())
                        }
                        _ => v.iter().position(|&b| b == b' ').unwrap_or(v.len()),
                    };
                    self.rest = &v[end..];
                    return Some(Field { name, value: &v[..end] });
                }
                Some(i) => self.rest = &s[i..],
                None => {
                    self.rest = &[];
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterates_quoted_and_plain_values() {
        let f: Vec<_> = Fields::new(b"a=1 b=\"x y\" junk c='p q=r' d=").collect();
        let names: Vec<_> = f.iter().map(|f| f.name).collect();
        assert_eq!(names, vec![&b"a"[..], b"b", b"c", b"d"]);
        assert_eq!(f[1].unquoted(), b"x y");
        assert_eq!(f[2].value, b"'p q=r'");
        assert_eq!(find_from(b"abcabc", 1, b"abc"), Some(3));
        assert_eq!(find_from(b"abc", 9, b"a"), None);
    }

    /// Whatever byte it scans for, the first match at or after `from`, as a plain search finds it.
    #[test]
    fn finds_what_a_plain_search_finds() {
        let plain = |hay: &[u8], from: usize, needle: &[u8]| {
            (from..=hay.len()).find(|&i| hay[i..].starts_with(needle))
        };
        let hay = b"ppid=1 pid=2 auid=3 uid=4 exe=\"/x\" tty=pts0 ses=5 xx=exe= e";
        let needles: [&[u8]; 10] =
            [b" pid=", b"pid=", b"uid=", b"exe=", b"x", b"e", b"tty=", b"ses=", b"zz", b" e"];
        for needle in needles {
            for from in 0..=hay.len() + 1 {
                assert_eq!(
                    find_from(hay, from, needle),
                    plain(hay, from.min(hay.len() + 1), needle).filter(|_| from <= hay.len()),
                    "{} from {from}",
                    String::from_utf8_lossy(needle)
                );
            }
        }
        assert_eq!(find_from(b"", 0, b""), Some(0));
        assert_eq!(find_from(b"ab", 1, b"ab"), None);
    }
}
