//! Numbers decoded bit by bit or by name: permissions, file modes,
//! capabilities, signals, open/mmap flags, personality, ioctl requests.

use std::io::Write;

use crate::cnum::{strtol, strtoul};
use crate::tables;

use super::lookup::{conversion_error, flag_list, i2s, named_or, push_flags, wrap};

pub(super) fn perm(out: &mut Vec<u8>, value: &[u8]) {
    let Ok(n) = strtol(value, 10) else { return conversion_error(out, value) };
    let mut n = n as i32;
    // The kernel treats no permission as all of them.
    if n == 0 {
        n = 0x0f;
    }
    let start = out.len();
    for (bit, name) in [(1, "read"), (2, "write"), (4, "exec"), (8, "attr")] {
        if n & bit != 0 {
            if out.len() > start {
                out.push(b',');
            }
            out.extend_from_slice(name.as_bytes());
        }
    }
}

const S_IFMT: u32 = 0o170000;

pub(crate) fn mode(out: &mut Vec<u8>, value: &[u8], base: u32) {
    let Ok(n) = strtoul(value, base) else { return conversion_error(out, value) };
    let n = n as u32;
    let kind = match n & S_IFMT {
        0o140000 => Some("socket"),
        0o120000 => Some("link"),
        0o100000 => Some("file"),
        0o060000 => Some("block"),
        0o040000 => Some("dir"),
        0o020000 => Some("character"),
        0o010000 => Some("fifo"),
        _ => None,
    };
    match kind {
        Some(k) => out.extend_from_slice(k.as_bytes()),
        None => {
            push_octal3(out, (n & S_IFMT) / 0o010000);
        }
    }
    for (bit, name) in [(0o4000, ",suid"), (0o2000, ",sgid"), (0o1000, ",sticky")] {
        if n & bit != 0 {
            out.extend_from_slice(name.as_bytes());
        }
    }
    out.push(b',');
    push_octal3(out, n & 0o777);
}

/// `n` (below 0o1000) as three octal digits: printf's `%03o`, without the formatter.
fn push_octal3(out: &mut Vec<u8>, n: u32) {
    let digit = |shift: u32| b'0' + ((n >> shift) & 7) as u8;
    out.extend_from_slice(&[digit(6), digit(3), digit(0)]);
}

pub(crate) fn mode_short(out: &mut Vec<u8>, value: &[u8], base: u32) {
    match strtoul(value, base) {
        Err(_) => conversion_error(out, value),
        Ok(n) => mode_short_bits(out, n as u32),
    }
}

pub(crate) fn mode_short_bits(out: &mut Vec<u8>, n: u32) {
    let start = out.len();
    for (bit, name) in [(0o4000, "suid"), (0o2000, "sgid"), (0o1000, "sticky")] {
        if n & bit != 0 {
            if out.len() > start {
                out.push(b',');
            }
            out.extend_from_slice(name.as_bytes());
        }
    }
    if out.len() > start {
        out.push(b',');
    }
    out.push(b'0');
    push_octal3(out, n & 0o777);
}

pub(super) fn path_flags(out: &mut Vec<u8>, value: &[u8]) {
    match strtoul(value, 16) {
        Err(_) => conversion_error(out, value),
        Ok(n) if n as u32 as i32 == 0 => out.extend_from_slice(b"none"),
        Ok(n) => flag_list(out, tables::PATH_FLAGS, n as u32 as u64, b",", value),
    }
}

pub(crate) fn capability(out: &mut Vec<u8>, value: &[u8], base: u32) {
    let prefix = if base == 16 { "0x" } else { "" };
    named_or(out, value, base, tables::CAPABILITY, "unknown-capability(", prefix);
}

pub(super) fn cap_bitmap(out: &mut Vec<u8>, value: &[u8]) {
    let Ok(bits) = strtoul(value, 16) else { return conversion_error(out, value) };
    // CAP_LAST_CAP of the headers the reference was built with.
    const LAST_CAP: u32 = 40;
    let start = out.len();
    let mut found = false;
    for cap in 0..=LAST_CAP {
        if bits & (1 << cap) != 0 {
            if found {
                out.push(b',');
            }
            if let Some(name) = i2s(tables::CAPABILITY, i64::from(cap)) {
                out.extend_from_slice(name.as_bytes());
            }
            found = true;
        }
    }
    if !found {
        out.truncate(start);
        out.extend_from_slice(b"none");
    }
}

pub(super) fn success(out: &mut Vec<u8>, value: &[u8]) {
    decimal_name(out, value, &[(0, b"no"), (1, b"yes")], b"unset");
}

/// A decimal code by its name in `names` (`other` for the rest); text that does not start
/// with a digit is kept as it is.
pub(super) fn decimal_name(
    out: &mut Vec<u8>,
    value: &[u8],
    names: &[(i32, &'static [u8])],
    other: &'static [u8],
) {
    if !value.first().is_some_and(u8::is_ascii_digit) {
        out.extend_from_slice(value);
        return;
    }
    match strtoul(value, 10) {
        Err(_) => conversion_error(out, value),
        Ok(n) => {
            let n = n as u32 as i32;
            let name = names.iter().find(|&&(code, _)| code == n).map_or(other, |&(_, name)| name);
            out.extend_from_slice(name);
        }
    }
}

pub(crate) fn signal(out: &mut Vec<u8>, value: &[u8], base: u32) {
    let Ok(n) = strtoul(value, base) else { return conversion_error(out, value) };
    let n = n as u32 as i32;
    if n < 32
        && let Some(name) = i2s(tables::SIGNAL, i64::from(n))
    {
        out.extend_from_slice(name.as_bytes());
        return;
    }
    out.extend_from_slice(b"unknown-signal(");
    if base == 16 {
        out.extend_from_slice(b"0x");
    }
    out.extend_from_slice(value);
    out.push(b')');
}

pub(super) fn list(out: &mut Vec<u8>, value: &[u8]) {
    let Ok(n) = strtoul(value, 10) else { return conversion_error(out, value) };
    let name = match n as u32 as i32 {
        0 => "user",
        1 => "task",
        4 => "exit",
        5 => "exclude",
        6 => "filesystem",
        _ => return wrap(out, "unknown-list(", value),
    };
    out.extend_from_slice(name.as_bytes());
}

pub(crate) fn personality(out: &mut Vec<u8>, value: &[u8]) {
    let Ok(n) = strtoul(value, 16) else { return conversion_error(out, value) };
    let n = n as u32 as i32;
    match i2s(tables::PERSONALITY, i64::from(n & 0xff)) {
        Some(name) => {
            out.extend_from_slice(name.as_bytes());
            // ADDR_NO_RANDOMIZE
            if n & 0x0040000 != 0 {
                out.extend_from_slice(b"|~ADDR_NO_RANDOMIZE");
            }
        }
        None => wrap(out, "unknown-personality(0x", value),
    }
}

pub(crate) fn open_flags(out: &mut Vec<u8>, value: &[u8]) {
    let Ok(n) = strtoul(value, 16) else { return conversion_error(out, value) };
    let flags = n as u32;
    let start = out.len();
    // O_RDONLY is zero; it is named when the access mode is.
    if flags & 0o3 == 0 {
        out.extend_from_slice(b"O_RDONLY");
    }
    push_flags(out, tables::OPEN_FLAGS, u64::from(flags), b"|", start);
    if out.len() == start {
        out.extend_from_slice(b"0x");
        out.extend_from_slice(value);
    }
}

pub(crate) fn mmap_flags(out: &mut Vec<u8>, value: &[u8]) {
    let Ok(n) = strtoul(value, 16) else { return conversion_error(out, value) };
    let flags = n as u32;
    let start = out.len();
    // MAP_FILE is zero; it is named when the mapping type is.
    if flags & 0x0f == 0 {
        out.extend_from_slice(b"MAP_FILE");
    }
    push_flags(out, tables::MMAP_FLAGS, u64::from(flags), b"|", start);
    if out.len() == start {
        out.extend_from_slice(b"0x");
        out.extend_from_slice(value);
    }
}

pub(crate) fn ioctl_req(out: &mut Vec<u8>, value: &[u8]) {
    let Ok(n) = strtoul(value, 16) else { return conversion_error(out, value) };
    let req = n as u32 as i32;
    match i2s(tables::IOCTL_REQ, i64::from(req)) {
        Some(name) => out.extend_from_slice(name.as_bytes()),
        None => {
            let _ = write!(out, "0x{:x}", req as u32);
        }
    }
}
