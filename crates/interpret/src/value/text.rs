//! String values: hex-encoded or quoted strings, file names (made whole
//! with the working directory for csv and text output), process titles
//! and TTY keystrokes.

use crate::cnum::{c_str, is_hex_string};

/// Decodes a hex string the way the reference does: `(…)` values are
/// kept to the `)`, otherwise hex digits as far as they go, two per byte
/// (an odd last digit is the high nibble). None when it cannot.
pub fn unhex(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    unhex_into(&mut out, value).then_some(out)
}

/// [`unhex`], appended to `out`; false (and nothing appended) when it
/// cannot decode.
pub fn unhex_into(out: &mut Vec<u8>, value: &[u8]) -> bool {
    if value.first() == Some(&b'(') {
        let Some(close) = value.iter().position(|&b| b == b')') else { return false };
        out.extend_from_slice(&value[..=close]);
        return true;
    }
    let digits = value.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits < 2 {
        return false;
    }
    // A hex digit's value: its low nibble, plus 9 for the letters.
    let nibble = |b: u8| (b & 0xf) + 9 * (b >> 6);
    let pairs = value[..digits].chunks_exact(2);
    let odd = pairs.remainder().first().map(|&b| nibble(b) << 4);
    out.extend(pairs.map(|p| (nibble(p[0]) << 4) | nibble(p[1])));
    out.extend(odd);
    true
}

/// A quoted, hex-encoded or `(null)` string, as C sees the result.
pub fn escaped(out: &mut Vec<u8>, value: &[u8]) {
    if let Some(inner) = value.strip_prefix(b"\"") {
        match inner.iter().position(|&b| b == b'"') {
            Some(end) => out.extend_from_slice(&inner[..end]),
            // COMPAT: an unterminated quote prints a single space.
            None => out.push(b' '),
        }
        return;
    }
    // COMPAT: a leading 00 is skipped (abstract unix socket names).
    let hex = value.strip_prefix(b"00").unwrap_or(value);
    let start = out.len();
    if unhex_into(out, hex) {
        let text = c_str(&out[start..]).len();
        out.truncate(start + text);
    } else {
        out.extend_from_slice(value);
    }
}

/// An escaped file name, made whole with the working directory when one
/// is given (csv and text output).
pub(super) fn escaped_file(out: &mut Vec<u8>, value: &[u8], cwd: Option<&[u8]>) {
    let Some(cwd) = cwd else { return escaped(out, value) };
    let start = out.len();
    escaped(out, value);
    if out.get(start) != Some(&b'/') {
        // The directory goes before the name: written after it, then
        // turned round.
        let name = out.len() - start;
        escaped(out, cwd);
        out.push(b'/');
        out[start..].rotate_left(name);
    } else if !out[start..].windows(2).any(|w| w == b"..") {
        return;
    }
    if let Some(p) = normalize_path(&out[start..]) {
        out.truncate(start);
        out.extend_from_slice(&p);
    }
}

/// Removes `.`, `..` and doubled slashes without touching the disk; a
/// name starting with `.` is left alone (`path_norm`).
fn normalize_path(name: &[u8]) -> Option<Vec<u8>> {
    if name.is_empty() {
        return None;
    }
    if name[0] == b'.' {
        return Some(name.to_vec());
    }
    let mut out: Vec<u8> = vec![b'/'];
    for part in name.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                if out.len() > 1 {
                    out.pop();
                    while out.last() != Some(&b'/') {
                        out.pop();
                    }
                }
            }
            _ => {
                if out.last() != Some(&b'/') {
                    out.push(b'/');
                }
                out.extend_from_slice(part);
            }
        }
    }
    Some(out)
}

pub(super) fn proctitle(out: &mut Vec<u8>, value: &[u8]) {
    if value.first() == Some(&b'"') {
        return escaped(out, value);
    }
    let hex = value.strip_prefix(b"00").unwrap_or(value);
    let start = out.len();
    if !unhex_into(out, hex) {
        out.extend_from_slice(value);
        return;
    }
    // COMPAT: NULs within the first strlen(value)/2 bytes separate the
    // arguments and become spaces; the rest ends the string. The decode
    // buffer is zero-filled to that length, so when non-hex text follows
    // the digits the padding turns into trailing spaces too.
    let end = start + value.len() / 2;
    if out.len() < end {
        out.resize(end, 0);
    }
    for b in &mut out[start..end] {
        if *b == 0 {
            *b = b' ';
        }
    }
    let text = c_str(&out[start..]).len();
    out.truncate(start + text);
}

pub(super) fn tty_data(out: &mut Vec<u8>, value: &[u8]) {
    if !is_hex_string(value) {
        out.extend_from_slice(value);
        return;
    }
    let Some(decoded) = unhex(value) else { return };
    tty_keys(out, &decoded[..(value.len() / 2).min(decoded.len())]);
}

/// TTY input as the reference shows it: runs of printable text in quotes,
/// named keys as `<name>`, comma separated (`"ls -l",<ret>`).
pub fn tty_keys(out: &mut Vec<u8>, data: &[u8]) {
    let start = out.len();
    let mut in_text = false;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        match tty_named_key(&data[i..]) {
            Some((len, name)) => {
                if in_text {
                    out.push(b'"');
                    in_text = false;
                }
                if out.len() > start {
                    out.push(b',');
                }
                out.push(b'<');
                out.extend_from_slice(name.as_bytes());
                out.push(b'>');
                i += len;
            }
            None => {
                if !in_text {
                    if out.len() > start {
                        out.push(b',');
                    }
                    out.push(b'"');
                    in_text = true;
                }
                if !(0x20..=0x7e).contains(&b) {
                    out.extend_from_slice(&[
                        b'\\',
                        b'0' + (b >> 6),
                        b'0' + ((b >> 3) & 7),
                        b'0' + (b & 7),
                    ]);
                } else {
                    if b == b'\\' || b == b'"' {
                        out.push(b'\\');
                    }
                    out.push(b);
                }
                i += 1;
            }
        }
    }
    if in_text {
        out.push(b'"');
    }
}

/// The name of the key whose byte sequence starts `data` (first match in
/// the reference's table), with the sequence's length.
pub fn tty_named_key(data: &[u8]) -> Option<(usize, &'static str)> {
    let &b = data.first()?;
    // Printable bytes are never the start of a named key.
    if b >= b' ' && !(0x7f..0xa0).contains(&b) {
        return None;
    }
    crate::tables::TTY_NAMED_KEYS
        .iter()
        .find(|(seq, _)| data.starts_with(seq))
        .map(|&(seq, name)| (seq.len(), name))
}
