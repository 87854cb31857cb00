//! A record's text with the reference's cursor operations, and the value
//! readers every per-type parser shares. The reference writes each "find
//! the token, read the number up to the space, remember where it ended"
//! by hand in every parser; here each shape is written once, with the
//! parser's own error numbers passed in (they show under `--debug`).

use memchr::memchr;
use raudit_parse::record::strtoul;

use super::Bytes;

/// A parser step: Err holds the reference's numbered reason.
pub(crate) type Step = Result<(), i32>;

/// A record's text, read with a moving cursor (a byte offset).
pub(crate) struct Text<'a> {
    pub(crate) t: &'a [u8],
}

impl<'a> Text<'a> {
    /// `strstr(text + from, pat)`.
    #[inline]
    pub(crate) fn find(&self, from: usize, pat: &[u8]) -> Option<usize> {
        raudit_parse::fields::find_from(self.t, from, pat)
    }

    /// `strchr(text + from, c)`.
    #[inline]
    pub(crate) fn chr(&self, from: usize, c: u8) -> Option<usize> {
        self.t.get(from..).and_then(|s| raudit_parse::scan::first_near(s, c)).map(|i| i + from)
    }

    /// The byte at `i`, or the C string's NUL past the end.
    #[inline]
    pub(crate) fn at(&self, i: usize) -> u8 {
        self.t.get(i).copied().unwrap_or(0)
    }

    /// The number at `start` that must be followed by a space: the value
    /// and the position of that space. Errors are (no space, overflow).
    #[inline]
    pub(crate) fn number_to_space(
        &self,
        start: usize,
        codes: (i32, i32),
    ) -> Result<(u64, usize), i32> {
        let end = self.chr(start, b' ').ok_or(codes.0)?;
        let v = strtoul(&self.t[start..end]).ok_or(codes.1)?;
        Ok((v, end))
    }

    /// [`Self::number_to_space`] kept as the reference's 32-bit id
    /// (pid, uid, gid, session: `(unsigned)strtoul`).
    #[inline]
    pub(crate) fn id_to_space(&self, start: usize, codes: (i32, i32)) -> Result<(u32, usize), i32> {
        self.number_to_space(start, codes).map(|(v, end)| (v as u32, end))
    }

    /// The number at `start`, up to a space or the end of the text: the
    /// value and the space's position, if any. Err(`err`) on overflow.
    #[inline]
    pub(crate) fn number_to_space_or_end(
        &self,
        start: usize,
        err: i32,
    ) -> Result<(u64, Option<usize>), i32> {
        let end = self.chr(start, b' ');
        let v = strtoul(&self.t[start..end.unwrap_or(self.t.len())]).ok_or(err)?;
        Ok((v, end))
    }

    /// [`Self::number_to_space_or_end`] as a 32-bit id.
    #[inline]
    pub(crate) fn id_to_space_or_end(
        &self,
        start: usize,
        err: i32,
    ) -> Result<(u32, Option<usize>), i32> {
        self.number_to_space_or_end(start, err).map(|(v, end)| (v as u32, end))
    }

    /// A numeric `res=` value at `start` (up to a space or the end).
    #[inline]
    pub(crate) fn res_at(&self, start: usize, err: i32) -> Result<Option<bool>, i32> {
        Ok(res_number(self.number_to_space_or_end(start, err)?.0))
    }

    /// The hex `arch=` value at `start`, up to a space (`strtoul(.., 16)`
    /// on the leading hex digits). Errors are (no space, overflow).
    #[inline]
    pub(crate) fn arch_to_space(
        &self,
        start: usize,
        codes: (i32, i32),
    ) -> Result<(u32, usize), i32> {
        let end = self.chr(start, b' ').ok_or(codes.0)?;
        let hex = &self.t[start..end];
        // A word that is not UTF-8 has always read as 0 here (the C code
        // would read its leading digits); kept so results do not move. The
        // digits read are ASCII, so only the rest of the word can fail.
        let not_utf8 = |rest: &[u8]| !rest.is_ascii() && std::str::from_utf8(rest).is_err();
        let mut v: u64 = 0;
        for (i, &b) in hex.iter().enumerate() {
            let Some(d) = (b as char).to_digit(16) else {
                return Ok((if not_utf8(&hex[i..]) { 0 } else { v as u32 }, end));
            };
            if v >> 60 != 0 {
                // v * 16 overflows.
                return if not_utf8(&hex[i..]) { Ok((0, end)) } else { Err(codes.1) };
            }
            v = v << 4 | u64::from(d);
        }
        Ok((v as u32, end))
    }

    /// The text from `start` up to a space: the word and the space's
    /// position. Err(`err`) when no space follows.
    #[inline]
    pub(crate) fn word_to_space(&self, start: usize, err: i32) -> Result<(&'a [u8], usize), i32> {
        let end = self.chr(start, b' ').ok_or(err)?;
        Ok((&self.t[start..end], end))
    }

    /// The text from `start` up to a space or the end of the text.
    #[inline]
    pub(crate) fn word_to_space_or_end(&self, start: usize) -> &'a [u8] {
        let end = self.chr(start, b' ').unwrap_or(self.t.len());
        &self.t[start..end]
    }

    /// The quoted string at `start` (which holds the opening quote):
    /// contents and the closing quote's position.
    #[inline]
    pub(crate) fn quoted(&self, start: usize) -> Option<(&'a [u8], usize)> {
        let close = self.chr(start + 1, b'"')?;
        Some((&self.t[start + 1..close], close))
    }

    /// A `comm=`/`exe=`-style value at `start`: `"quoted"` (Err(`err`)
    /// when unterminated) or else hex-decoded ([`unescape`]). Also the
    /// closing quote's position: only a quoted value moves the cursor.
    #[inline]
    pub(crate) fn quoted_or_unescaped(
        &self,
        start: usize,
        err: i32,
    ) -> Result<(Option<Bytes<'a>>, Option<usize>), i32> {
        if self.at(start) == b'"' {
            let (v, close) = self.quoted(start).ok_or(err)?;
            Ok((Some(Bytes::Borrowed(v)), Some(close)))
        } else {
            Ok((unescape(&self.t[start..]), None))
        }
    }

    /// A value that is either `"quoted"` or hex-encoded (with the legacy
    /// rule: any non-hex character before the next space means plain
    /// text), and where it ends.
    pub(crate) fn quoted_or_hex(
        &self,
        start: usize,
        err: i32,
    ) -> Result<(Option<Bytes<'a>>, usize), i32> {
        if self.at(start) == b'"' {
            let (v, close) = self.quoted(start).ok_or(err)?;
            return Ok((Some(Bytes::Borrowed(v)), close));
        }
        let end = self.chr(start, b' ').unwrap_or(self.t.len());
        let value = &self.t[start..end];
        if value.iter().all(u8::is_ascii_hexdigit) {
            Ok((unescape(value), end))
        } else {
            Ok((Some(Bytes::Borrowed(value)), end))
        }
    }
}

/// A numeric `res=` as the reference keeps it: a C int where 0 is
/// failure and 1 success; any other number matches neither `-sv`.
#[inline]
pub(crate) fn res_number(v: u64) -> Option<bool> {
    match v as u32 as i32 {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// A word `res=` (`success`, `failed`, ...) at `start`: Err(`err`) when
/// no letter follows.
#[inline]
pub(crate) fn res_word(t: &Text<'_>, start: usize, err: i32) -> Result<bool, i32> {
    let alpha = t.t[start..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if alpha == 0 {
        return Err(err);
    }
    Ok(!t.t[start..start + alpha].starts_with(b"failed"))
}

/// The leading hex digits of `s` decoded, two per byte; None when there
/// are fewer than two.
fn hex_prefix(s: &[u8]) -> Option<Vec<u8>> {
    let n = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if n < 2 {
        return None;
    }
    let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    Some(s[..n].chunks_exact(2).map(|p| hex(p[0]) << 4 | hex(p[1])).collect())
}

/// The reference's `unescape`: `(null)`-style values as they are, else
/// the leading hex digits decoded; None when there are none.
pub(crate) fn unescape(s: &[u8]) -> Option<Bytes<'_>> {
    if s.first() == Some(&b'(') {
        let close = memchr(b')', s)?;
        return Some(Bytes::Borrowed(&s[..=close]));
    }
    let mut out = hex_prefix(s)?;
    // The result is a C string.
    if let Some(nul) = memchr(0, &out) {
        out.truncate(nul);
    }
    Some(Bytes::Owned(out))
}

/// Hex decoding without the C-string cut (socket addresses hold NULs).
pub(crate) fn unescape_raw(s: &[u8]) -> Option<Vec<u8>> {
    if s.first() == Some(&b'(') {
        return None;
    }
    hex_prefix(s)
}

/// Keys of a `key=` value at `start`: a quoted key (Err(`quote_err`)
/// when unterminated) or hex-encoded ones (Err(`hex_err`) when not hex),
/// appended to `keys`. The closing quote's position, when quoted.
pub(crate) fn push_keys<'a>(
    t: &Text<'a>,
    start: usize,
    keys: &mut Vec<Bytes<'a>>,
    (quote_err, hex_err): (i32, i32),
) -> Result<Option<usize>, i32> {
    if t.at(start) == b'"' {
        let (k, close) = t.quoted(start).ok_or(quote_err)?;
        keys.push(Bytes::Borrowed(k));
        return Ok(Some(close));
    }
    let decoded = unescape(&t.t[start..]).ok_or(hex_err)?;
    // COMPAT: ausearch-parse.c: several keys are joined by 0x01.
    let split = decoded.split(|&b| b == 0x01).filter(|k| !k.is_empty());
    keys.extend(split.map(|k| Bytes::Owned(k.to_vec())));
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_readers() {
        let t = Text { t: b"pid=12 ses=4294967295 arch=c000003e res=1" };
        assert_eq!(t.id_to_space(4, (1, 2)), Ok((12, 6)));
        assert_eq!(t.id_to_space(11, (1, 2)), Ok((u32::MAX, 21)));
        assert_eq!(t.arch_to_space(27, (1, 2)), Ok((0xc000003e, 35)));
        assert_eq!(t.res_at(40, 9), Ok(Some(true)));
        assert_eq!(t.id_to_space(40, (1, 2)), Err(1));
        let huge = Text { t: b"99999999999999999999999 " };
        assert_eq!(huge.number_to_space(0, (1, 2)), Err(2));
        assert_eq!(huge.arch_to_space(0, (1, 2)), Err(2));
        assert_eq!(Text { t: b"c000003e\xff " }.arch_to_space(0, (1, 2)), Ok((0, 9)));
    }

    /// arch= words of every shape (hex runs past 16 digits, other ASCII,
    /// UTF-8 and broken UTF-8 after the digits) read as the plain rules say:
    /// not UTF-8 reads 0, else the leading hex digits, an error past 64 bits.
    #[test]
    fn arch_words_read_as_the_plain_rules_say() {
        let plain = |word: &[u8]| -> Result<u32, i32> {
            if std::str::from_utf8(word).is_err() {
                return Ok(0);
            }
            let digits = word.iter().take_while(|b| b.is_ascii_hexdigit()).count();
            let v = u128::from_str_radix(std::str::from_utf8(&word[..digits]).unwrap_or("0"), 16);
            match v {
                Ok(v) if v > u128::from(u64::MAX) => Err(2),
                Ok(v) => Ok(v as u32),
                Err(_) => Ok(0),
            }
        };
        let alphabet: [&[u8]; 8] = [b"0", b"f", b"A", b"9", b"g", b"-", "é".as_bytes(), b"\xc3"];
        let mut rng = raudit_testkit::Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..50_000 {
            let mut word = Vec::new();
            for _ in 0..rng.index(24) {
                // Mostly hex digits, so that long runs occur.
                let pick = rng.index(16);
                word.extend_from_slice(alphabet[if pick < 12 { pick % 4 } else { pick - 8 }]);
            }
            let mut text = word.clone();
            text.push(b' ');
            let got = Text { t: &text }.arch_to_space(0, (1, 2));
            assert_eq!(
                got,
                plain(&word).map(|v| (v, word.len())),
                "{:?}",
                String::from_utf8_lossy(&word)
            );
        }
    }

    #[test]
    fn unescape_forms() {
        assert_eq!(unescape(b"(null) x").as_deref(), Some(&b"(null)"[..]));
        assert_eq!(unescape(b"414200").as_deref(), Some(&b"AB"[..]));
        assert_eq!(unescape_raw(b"410042"), Some(b"A\0B".to_vec()));
        assert_eq!(unescape(b"x"), None);
    }
}
