//! A record's text split into fields the way libauparse splits it
//! (`parse_up_record`), for the readers that must see exactly the fields
//! the reference sees: the csv/text normaliser and the ENRICHED writer.
//!
//! Tokens are separated by spaces. `msg=audit(…)` is skipped, `msg='…`
//! is opened up (its first inner `name=value` is the field), a leading `(`
//! leaves the name, and the value loses a trailing `:`, `,` and `'` and a
//! `)` (except in `(none)` and `(null)`). The syscall context (arch,
//! syscall, a0, a1) comes from fixed field positions, shifted by one when
//! the record starts with `node=`.

use crate::Machine;
use crate::cnum::strtoul;

/// One space-separated token of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// A `name=value` field; the value is never empty.
    Field { name: &'a [u8], value: &'a [u8] },
    /// A word with no `=` (SELinux AVC records give some of them a meaning).
    Word(&'a [u8]),
}

/// The tokens of a record's text.
pub struct Tokens<'a> {
    rest: &'a [u8],
}

impl<'a> Tokens<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        Tokens { rest: text }
    }

    /// The text not read yet: the tokens to come are those of `Tokens::new(rest)`.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The next non-empty token as it is, unsplit (AVC permission lists read on this way).
    pub fn next_raw(&mut self) -> Option<&'a [u8]> {
        while !self.rest.is_empty() {
            let (tok, rest) = match memchr::memchr(b' ', self.rest) {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &self.rest[self.rest.len()..]),
            };
            self.rest = rest;
            if !tok.is_empty() {
                return Some(tok);
            }
        }
        None
    }
}

impl<'a> Tokens<'a> {
    /// [`Tokens::next_raw`] and the position of the token's first `=`, in
    /// one pass: names and most values are a few bytes, where a byte loop
    /// beats two memchr calls.
    fn next_with_eq(&mut self) -> Option<(&'a [u8], Option<usize>)> {
        let text = self.rest;
        let Some(start) = text.iter().position(|&b| b != b' ') else {
            self.rest = &text[text.len()..];
            return None;
        };
        // A word at a time: a name is a few bytes, then `=` (or a space).
        let name_end = raudit_parse::scan::first_of(&text[start..], b' ', b'=')
            .map_or(text.len(), |i| start + i);
        let eq = (text.get(name_end) == Some(&b'=')).then_some(name_end - start);
        let end = if eq.is_some() { space_from(text, name_end + 1) } else { name_end };
        self.rest = text.get(end + 1..).unwrap_or(&text[text.len()..]);
        Some((&text[start..end], eq))
    }
}

/// Value bytes scanned a word at a time before a value counts as long.
const LONG_VALUE: usize = 16;

/// The first space in `text` from `from` on, or its end: a short value is
/// scanned in line, a long one (a path, hex) searched.
pub fn space_from(text: &[u8], from: usize) -> usize {
    let short = text.len().min(from + LONG_VALUE);
    match raudit_parse::scan::first(&text[from..short], b' ') {
        Some(i) => from + i,
        None => memchr::memchr(b' ', &text[short..]).map_or(text.len(), |i| short + i),
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let (tok, eq) = self.next_with_eq()?;
            let Some(mut eq) = eq else { return Some(Token::Word(tok)) };
            let mut start = 0;
            if tok.starts_with(b"msg=") {
                match tok.get(4) {
                    Some(b'a') => continue,
                    Some(b'\'') => match memchr::memchr(b'=', &tok[5..]) {
                        Some(e) => (start, eq) = (5, 5 + e),
                        None => continue,
                    },
                    _ => {}
                }
            }
            let mut name = &tok[start..eq];
            if name.first() == Some(&b'(') {
                name = &name[1..];
            }
            let value = trim_value(&tok[eq + 1..]);
            if !value.is_empty() {
                return Some(Token::Field { name, value });
            }
        }
    }
}

/// Drops the trailing `:`, `,`, `'` and `)` libauparse removes from a
/// value (a `)` stays on `(none)` and `(null)`).
pub fn trim_value(mut v: &[u8]) -> &[u8] {
    for c in [b':', b',', b'\''] {
        if v.last() == Some(&c) {
            v = &v[..v.len() - 1];
        }
    }
    if v.last() == Some(&b')') && v != b"(none)" && v != b"(null)" {
        v = &v[..v.len() - 1];
    }
    v
}

/// The syscall context read from fixed field positions: `arch` 2nd or
/// 11th, `syscall` 3rd or 12th, `a0` 6th, `a1` 7th, one later after a
/// leading `node=`.
#[derive(Debug, Clone, Copy)]
pub struct Positions {
    offset: usize,
    pub machine: Option<Machine>,
    /// -1 when there is none.
    pub syscall: i32,
    pub a0: u64,
    pub a1: u64,
}

impl Default for Positions {
    fn default() -> Self {
        Positions { offset: 0, machine: None, syscall: -1, a0: 0, a1: 0 }
    }
}

impl Positions {
    /// The last position (after a `node=`'s) that [`Positions::note`] reads.
    pub const LAST: usize = 12;

    /// Notes the record's `count`-th field (counting from 1).
    pub fn note(&mut self, count: usize, name: &[u8], value: &[u8]) {
        if count == 1 && name == b"node" {
            self.offset = 1;
            return;
        }
        match (count - self.offset, name) {
            (2 | 11, b"arch") => {
                self.machine = strtoul(value, 16).ok().and_then(|e| Machine::from_elf(e as u32));
            }
            (3 | 12, b"syscall") => self.syscall = strtoul(value, 10).map_or(-1, |n| n as i32),
            (6, b"a0") => self.a0 = strtoul(value, 16).unwrap_or(u64::MAX),
            (7, b"a1") => self.a1 = strtoul(value, 16).unwrap_or(u64::MAX),
            _ => {}
        }
    }

    /// 1 when the record starts with `node=`, else 0.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

/// `audit_encode_nv_string`'s value: `"value"`, or upper-case hex when the
/// value holds a quote, a space, a control or a non-ASCII byte.
pub fn encode_nv_value(out: &mut Vec<u8>, value: &[u8]) {
    if value.iter().any(|&b| b == b'"' || !(0x21..=0x7e).contains(&b)) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for &b in value {
            out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    } else {
        out.push(b'"');
        out.extend_from_slice(value);
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(String, String)> {
        Tokens::new(text.as_bytes())
            .filter_map(|t| match t {
                Token::Field { name, value } => Some((
                    String::from_utf8_lossy(name).into_owned(),
                    String::from_utf8_lossy(value).into_owned(),
                )),
                Token::Word(_) => None,
            })
            .collect()
    }

    #[test]
    fn splits_like_libauparse() {
        let f = fields(
            "type=USER_LOGIN msg=audit(1.2:3): pid=5 msg='op=login  acct=(none) res=failed' x= (y=z),",
        );
        let want = [
            ("type", "USER_LOGIN"),
            ("pid", "5"),
            ("op", "login"),
            ("acct", "(none)"),
            ("res", "failed"),
            ("y", "z"),
        ];
        let want: Vec<(String, String)> =
            want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(f, want);
        let mut t = Tokens::new(b"avc:  denied  { read } for");
        assert_eq!(t.next(), Some(Token::Word(b"avc:")));
        assert_eq!(t.next(), Some(Token::Word(b"denied")));
        assert_eq!(t.next_raw(), Some(&b"{"[..]));
    }

    #[test]
    fn tokens_and_their_first_eq_match_a_plain_split() {
        // Every mix of short and long names and values, `=` inside values,
        // runs of spaces and a missing value, from a small alphabet.
        let long = "x".repeat(LONG_VALUE + 3);
        let parts =
            ["a=1", "", "name=", "k=v=w", "word", &format!("p={long}"), &format!("q={long} ")];
        let mut seed = 7u32;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..(seed % 6) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                text.push_str(parts[(seed >> 16) as usize % parts.len()]);
                text.push_str(if seed & 1 == 0 { " " } else { "  " });
            }
            let mut tokens = Tokens::new(text.as_bytes());
            let mut got = Vec::new();
            while let Some((tok, eq)) = tokens.next_with_eq() {
                got.push((tok.to_vec(), eq));
            }
            let want: Vec<_> = text
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(|t| (t.as_bytes().to_vec(), t.find('=')))
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn positions_follow_node() {
        let mut p = Positions::default();
        let text = "node=h type=SYSCALL arch=c000003e syscall=2 success=yes exit=3 a0=10 a1=ff";
        for (i, t) in Tokens::new(text.as_bytes()).enumerate() {
            let Token::Field { name, value } = t else { panic!() };
            p.note(i + 1, name, value);
        }
        assert_eq!(p.offset(), 1);
        assert_eq!(p.machine, Some(Machine::X86_64));
        assert_eq!((p.syscall, p.a0, p.a1), (2, 0x10, 0xff));
    }

    #[test]
    fn nv_values() {
        let mut out = Vec::new();
        encode_nv_value(&mut out, b"root");
        out.push(b' ');
        encode_nv_value(&mut out, b"a b\"");
        assert_eq!(out, b"\"root\" 61206222");
    }
}
