//! Finding fields in a record's text.

/// Position of `needle` in `hay` at or after `from` (C `strstr`).
///
/// Needles here are short field names and haystacks one record, where
/// building a memmem searcher per call costs more than it saves: this scans
/// for the first byte and compares the rest.
pub fn find_from(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else { return Some(from.min(hay.len())) };
    let mut at = from;
    while at + needle.len() <= hay.len() {
        let i = at + memchr::memchr(first, &hay[at..hay.len() - rest.len()])?;
        if &hay[i + 1..i + needle.len()] == rest {
            return Some(i);
        }
        at = i + 1;
    }
    None
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
}
