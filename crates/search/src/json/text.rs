//! JSON strings: escaping, and the shortcut for records that need none
//! but the quotes around their quoted values.

use std::io::Write;

/// Whether the only bytes of `body` that JSON must escape are the
/// `quotes` double quotes that delimit its quoted values (the common
/// case: one pass over the record instead of one per name and value).
pub(super) fn escapes_only_delimiters(body: &[u8], quotes: usize) -> bool {
    let mut special = false;
    let mut seen = 0;
    // Counted in bytes, a chunk at a time: that is what vectorizes.
    for chunk in body.chunks(255) {
        let mut in_chunk = 0u8;
        for &b in chunk {
            special |= !(0x20..0x7f).contains(&b) || b == b'\\';
            in_chunk += u8::from(b == b'"');
        }
        seen += usize::from(in_chunk);
    }
    !special && seen == quotes
}

/// Bytes that go into a JSON string as they are.
pub(super) static PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        t[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    t
};

/// Writes `s` as a JSON string. Invalid UTF-8 bytes are written as
/// `\u00XX` (the byte's value), so that every line is valid JSON.
pub fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    // Runs of plain bytes are copied whole; only the bytes between them
    // (quotes, backslashes, controls, non-ASCII) are looked at one by one.
    let mut plain_from = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if PLAIN[usize::from(b)] {
            i += 1;
            continue;
        }
        out.extend_from_slice(&s[plain_from..i]);
        if b >= 0x80 {
            // A UTF-8 sequence is kept when valid, else the byte is escaped.
            let len = match b {
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => 0,
            };
            match s.get(i..i + len).filter(|c| len > 0 && std::str::from_utf8(c).is_ok()) {
                Some(c) => {
                    out.extend_from_slice(c);
                    i += len;
                }
                None => {
                    let _ = write!(out, "\\u{b:04x}");
                    i += 1;
                }
            }
        } else {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => {
                    let _ = write!(out, "\\u{b:04x}");
                }
            }
            i += 1;
        }
        plain_from = i;
    }
    out.extend_from_slice(&s[plain_from..]);
    out.push(b'"');
}

/// Writes a member name: as it is when its record needs no escaping
/// but its delimiting quotes.
pub(super) fn member(out: &mut Vec<u8>, name: &[u8], plain: bool) {
    if plain {
        out.push(b'"');
        out.extend_from_slice(name);
        out.extend_from_slice(b"\":");
    } else {
        string(out, name);
        out.push(b':');
    }
}

/// Writes a logged value as a JSON string; in a `plain` record only the
/// quotes around a quoted value need escaping.
pub(super) fn raw_value(out: &mut Vec<u8>, value: &[u8], plain: bool) {
    if !plain {
        return string(out, value);
    }
    match value.strip_prefix(b"\"") {
        Some(inner) => {
            out.extend_from_slice(b"\"\\\"");
            match inner.strip_suffix(b"\"") {
                Some(text) => {
                    out.extend_from_slice(text);
                    out.extend_from_slice(b"\\\"\"");
                }
                None => {
                    out.extend_from_slice(inner);
                    out.push(b'"');
                }
            }
        }
        None => {
            out.push(b'"');
            out.extend_from_slice(value);
            out.push(b'"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_valid_json() {
        let mut out = Vec::new();
        string(&mut out, b"a\"b\\c\n\x01\xff");
        assert_eq!(out, b"\"a\\\"b\\\\c\\n\\u0001\\u00ff\"");
        out.clear();
        // Valid UTF-8 stays as it is; a broken sequence is escaped by byte.
        string(&mut out, "é✓\u{7f}".as_bytes());
        assert_eq!(out, "\"é✓\\u007f\"".as_bytes());
        out.clear();
        string(&mut out, b"\xe2\x9c");
        assert_eq!(out, b"\"\\u00e2\\u009c\"");
    }
}
