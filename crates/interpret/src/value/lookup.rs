//! The shared shapes of a decoded number: a name from a reference table,
//! a list of flag names, and the reference's error and unknown forms.

use crate::cnum::strtoul;

/// The name of `value` in a reference table (first entry wins).
pub(crate) fn i2s(table: &'static [(i64, &'static str)], value: i64) -> Option<&'static str> {
    table.iter().find(|&&(v, _)| v == value).map(|&(_, s)| s)
}

pub(crate) fn conversion_error(out: &mut Vec<u8>, value: &[u8]) {
    wrap(out, "conversion error(", value);
}

/// `prefix` + value + `)`.
pub(crate) fn wrap(out: &mut Vec<u8>, prefix: &str, value: &[u8]) {
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(value);
    out.push(b')');
}

/// A number looked up in a table, parsed as a C `int`, else
/// `unknown…(` + `hex_prefix` + value + `)`.
pub(crate) fn named_or(
    out: &mut Vec<u8>,
    value: &[u8],
    base: u32,
    table: &'static [(i64, &'static str)],
    unknown: &str,
    hex_prefix: &str,
) {
    match strtoul(value, base) {
        Err(_) => conversion_error(out, value),
        Ok(n) => match i2s(table, n as u32 as i32 as i64) {
            Some(s) => out.extend_from_slice(s.as_bytes()),
            None => {
                out.extend_from_slice(unknown.as_bytes());
                out.extend_from_slice(hex_prefix.as_bytes());
                out.extend_from_slice(value);
                out.push(b')');
            }
        },
    }
}

/// The names of the set bits of `flags` in table order, joined by `sep`;
/// `0x` + value when none is set.
pub(crate) fn flag_list(
    out: &mut Vec<u8>,
    table: &'static [(i64, &'static str)],
    flags: u64,
    sep: &[u8],
    value: &[u8],
) {
    let start = out.len();
    push_flags(out, table, flags, sep, start);
    if out.len() == start {
        out.extend_from_slice(b"0x");
        out.extend_from_slice(value);
    }
}

/// Appends the names of the set bits, separated from what is already
/// after `start` by `sep`.
pub(crate) fn push_flags(
    out: &mut Vec<u8>,
    table: &'static [(i64, &'static str)],
    flags: u64,
    sep: &[u8],
    start: usize,
) {
    for &(bit, name) in table {
        if bit as u64 & flags != 0 {
            if out.len() > start {
                out.extend_from_slice(sep);
            }
            out.extend_from_slice(name.as_bytes());
        }
    }
}
