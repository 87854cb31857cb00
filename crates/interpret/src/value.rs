//! Field values made readable, one function per [`Kind`], with the
//! reference's (libauparse 3.0.9) outputs, error forms and quirks.

use std::io::Write;

use crate::cnum::{c_str, is_hex_string, strtol, strtoul};
use crate::enriched::Stored;
use crate::escape::Escape;
use crate::kind::Kind;
use crate::machine::Machine;
use crate::resolve::Resolver;
use crate::{args, sockaddr, tables};

/// What a value's interpretation may depend on besides the value.
pub struct Context<'a> {
    /// The machine of the record (`arch=`), None when unknown.
    pub machine: Option<Machine>,
    /// The syscall number of the record, for a0..a3.
    pub syscall: i32,
    /// Its name on `machine`, when the caller looked it up already
    /// (`Some(None)`: it has none); a0..a3 look it up otherwise.
    pub syscall_name: Option<Option<&'static str>>,
    pub a0: u64,
    pub a1: u64,
    /// The working directory, to make relative file names whole (csv and
    /// text output only; ausearch -i never joins).
    pub cwd: Option<&'a [u8]>,
    pub resolver: &'a dyn Resolver,
    /// Interpretations stored in an ENRICHED record.
    pub stored: Option<&'a Stored<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(resolver: &'a dyn Resolver) -> Self {
        Context {
            machine: None,
            syscall: 0,
            syscall_name: None,
            a0: 0,
            a1: 0,
            cwd: None,
            resolver,
            stored: None,
        }
    }
}

/// Appends the interpretation of `name=value` (of kind `kind`) to `out`,
/// escaped as `escape` says (`auparse_do_interpretation`).
pub fn interpret_into(
    out: &mut Vec<u8>,
    kind: Kind,
    name: &[u8],
    value: &[u8],
    ctx: &Context<'_>,
    escape: Escape,
) {
    let start = out.len();
    // COMPAT: what an ENRICHED log stored is printed unescaped.
    if stored_value(out, kind, name, ctx) {
        return;
    }
    interpret_local(out, kind, value, ctx);
    if escape == Escape::Raw {
        return;
    }
    if kind == Kind::EscapedKey && out[start..].contains(&KEY_SEPARATOR) {
        // Keys are escaped one by one; the separator stays as it is.
        let joined = out.split_off(start);
        for (i, key) in joined.split(|&b| b == KEY_SEPARATOR).enumerate() {
            if i > 0 {
                out.push(KEY_SEPARATOR);
            }
            escape.push(out, key);
        }
    } else {
        escape.apply_from(out, start);
    }
}

/// Separates several keys of one rule in a `key=` value.
pub const KEY_SEPARATOR: u8 = 0x01;

/// The interpretation before escaping.
pub fn interpret_raw(out: &mut Vec<u8>, kind: Kind, name: &[u8], value: &[u8], ctx: &Context<'_>) {
    if !stored_value(out, kind, name, ctx) {
        interpret_local(out, kind, value, ctx);
    }
}

/// Appends the value an ENRICHED record stored for `name`, if any.
fn stored_value(out: &mut Vec<u8>, kind: Kind, name: &[u8], ctx: &Context<'_>) -> bool {
    let Some(stored) = ctx.stored.and_then(|s| s.get(name)) else { return false };
    // COMPAT: what the writer could not name is looked up again.
    if stored.starts_with(b"unknown-") {
        return false;
    }
    if matches!(kind, Kind::Uid | Kind::Gid) {
        escaped(out, stored);
    } else {
        out.extend_from_slice(stored);
    }
    true
}

/// The interpretation from the value alone.
fn interpret_local(out: &mut Vec<u8>, kind: Kind, value: &[u8], ctx: &Context<'_>) {
    match kind {
        Kind::Uid => id(out, value, 10, ctx, true),
        Kind::Gid => id(out, value, 10, ctx, false),
        Kind::Syscall => syscall(out, value, ctx),
        Kind::Arch => arch(out, value, ctx.machine),
        Kind::Exit => exit(out, value),
        Kind::Escaped | Kind::EscapedFile => escaped_file(out, value, ctx.cwd),
        Kind::EscapedKey => escaped(out, value),
        Kind::Perm => perm(out, value),
        Kind::Mode => mode(out, value, 8),
        Kind::ModeShort => mode_short(out, value, 8),
        Kind::Sockaddr => sockaddr::interpret(out, value),
        Kind::Flags => path_flags(out, value),
        Kind::Promisc => match strtol(value, 10) {
            Err(_) => conversion_error(out, value),
            Ok(0) => out.extend_from_slice(b"no"),
            Ok(_) => out.extend_from_slice(b"yes"),
        },
        Kind::Capability => capability(out, value, 10),
        Kind::Success => success(out, value),
        Kind::A0 => args::a0(out, value, ctx),
        Kind::A1 => args::a1(out, value, ctx),
        Kind::A2 => args::a2(out, value, ctx),
        Kind::A3 => args::a3(out, value, ctx),
        Kind::Signal => signal(out, value, 10),
        Kind::List => list(out, value),
        Kind::TtyData => tty_data(out, value),
        Kind::Session => {
            if value == b"4294967295" {
                out.extend_from_slice(b"unset");
            } else {
                out.extend_from_slice(value);
            }
        }
        Kind::CapBitmap => cap_bitmap(out, value),
        Kind::Nfproto => {
            named_or(out, value, 10, tables::NF_PROTO, "unknown-netfilter-protocol(", "")
        }
        Kind::Icmptype => named_or(out, value, 10, tables::ICMP_TYPE, "unknown-icmp-type(", ""),
        Kind::Protocol => match strtoul(value, 10) {
            Err(_) => conversion_error(out, value),
            Ok(n) => match protocol_name(n as u32 as i32) {
                Some(p) => out.extend_from_slice(p.as_bytes()),
                None => out.extend_from_slice(b"undefined protocol"),
            },
        },
        Kind::Personality => personality(out, value),
        Kind::Seccomp => match strtoul(value, 16) {
            Err(_) => conversion_error(out, value),
            Ok(code) => match i2s(tables::SECCOMP_ACTION, (code & 0x7fff_0000) as i64) {
                Some(s) => out.extend_from_slice(s.as_bytes()),
                None => wrap(out, "unknown-seccomp-code(", value),
            },
        },
        Kind::Oflag => open_flags(out, value),
        Kind::Mmap => mmap_flags(out, value),
        Kind::Proctitle => proctitle(out, value),
        Kind::Hook => named_or(out, value, 16, tables::INET_HOOK, "unknown-hook(", ""),
        Kind::Netaction => named_or(out, value, 16, tables::NET_ACTION, "unknown-action(", ""),
        Kind::Macproto => match strtoul(value, 16) {
            Err(_) => conversion_error(out, value),
            Ok(t) => out.extend_from_slice(match t as u32 as i32 {
                0x0800 => b"IP",
                0x0806 => b"ARP",
                _ => b"UNKNOWN",
            }),
        },
        Kind::IoctlReq => ioctl_req(out, value),
        Kind::Fanotify => {
            if value.first().is_some_and(u8::is_ascii_digit) {
                match strtoul(value, 10) {
                    Err(_) => conversion_error(out, value),
                    Ok(r) => out.extend_from_slice(match r as u32 as i32 {
                        1 => b"allow",
                        2 => b"deny",
                        _ => b"unknown",
                    }),
                }
            } else {
                out.extend_from_slice(value);
            }
        }
        Kind::Nlmcgrp => match strtoul(value, 16) {
            Err(_) => conversion_error(out, value),
            Ok(1) => out.extend_from_slice(b"audit-netlink-multicast"),
            Ok(_) => out.extend_from_slice(b"audit-none"),
        },
        Kind::Resolve => match strtoul(value, 16) {
            Err(_) => conversion_error(out, value),
            Ok(r) => flag_list(out, tables::OPENAT2_RESOLVE, r, b"|", value),
        },
        Kind::Addr | Kind::MacLabel | Kind::Unclassified => out.extend_from_slice(value),
    }
}

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

/// uid or gid: `unset`, `root`, the name, else `unknown(N)` (signed).
pub(crate) fn id(out: &mut Vec<u8>, value: &[u8], base: u32, ctx: &Context<'_>, user: bool) {
    let Ok(n) = strtoul(value, base) else { return conversion_error(out, value) };
    id_name(out, n as u32, ctx.resolver, user);
}

/// The name of a uid or gid as the reference prints it.
pub fn id_name(out: &mut Vec<u8>, id: u32, resolver: &dyn Resolver, user: bool) {
    if id == u32::MAX {
        out.extend_from_slice(b"unset");
        return;
    }
    if id == 0 {
        out.extend_from_slice(b"root");
        return;
    }
    if !resolver.write_name(id, user, out) {
        // COMPAT: printed with %d.
        let _ = write!(out, "unknown({})", id as i32);
    }
}

fn syscall(out: &mut Vec<u8>, value: &[u8], ctx: &Context<'_>) {
    let Some(machine) = ctx.machine.or_else(Machine::host) else {
        out.extend_from_slice(value);
        return;
    };
    match machine.syscall_name(ctx.syscall) {
        Some(name) => {
            out.extend_from_slice(name.as_bytes());
            // COMPAT: the multiplexers name their call from a0.
            let a0 = ctx.a0;
            if (a0 as i32) as i64 as u64 == a0 {
                let table = match name {
                    "socketcall" => Some(tables::SOCKETCALL),
                    "ipc" => Some(tables::IPC_CALL),
                    _ => None,
                };
                if let Some(func) = table.and_then(|t| i2s(t, a0 as i32 as i64)) {
                    let _ = write!(out, "({func})");
                }
            }
        }
        None => {
            let _ = write!(out, "unknown-syscall({})", ctx.syscall);
        }
    }
}

fn arch(out: &mut Vec<u8>, value: &[u8], machine: Option<Machine>) {
    // COMPAT: a machine numbered above aarch64 (ppc64le) or unknown is
    // found again from the value.
    let machine = match machine {
        Some(m) if m != Machine::Ppc64le => Some(m),
        _ => match strtoul(value, 16) {
            Err(_) => {
                // COMPAT: this one error form ends with a space.
                wrap(out, "conversion error(", value);
                out.push(b' ');
                return;
            }
            Ok(elf) => Machine::from_elf(elf as u32),
        },
    };
    match machine {
        Some(m) => out.extend_from_slice(m.name().as_bytes()),
        None => wrap(out, "unknown-elf-type(", value),
    }
}

fn exit(out: &mut Vec<u8>, value: &[u8]) {
    let Ok(n) = strtol(value, 10) else { return conversion_error(out, value) };
    if n < 0 {
        let errno = n.wrapping_neg() as i32;
        let name = u32::try_from(errno).ok().and_then(raudit_tables::errno::name);
        let _ = write!(out, "{}({})", name.unwrap_or("(null)"), strerror(errno));
    } else {
        out.extend_from_slice(value);
    }
}

/// `strerror` in the current locale.
pub fn strerror(errno: i32) -> String {
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: buf is valid for its length; the XSI strerror_r writes a
    // NUL-terminated message into it.
    let rc = unsafe { libc::strerror_r(errno, buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {errno}");
    }
    // SAFETY: strerror_r NUL-terminated buf.
    unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

/// Decodes a hex string the way the reference does: `(…)` values are
/// kept to the `)`, otherwise hex digits as far as they go, two per byte
/// (an odd last digit is the high nibble). None when it cannot.
pub fn unhex(value: &[u8]) -> Option<Vec<u8>> {
    if value.first() == Some(&b'(') {
        let close = value.iter().position(|&b| b == b')')?;
        return Some(value[..=close].to_vec());
    }
    let digits = value.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits < 2 {
        return None;
    }
    let nibble = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    Some(
        value[..digits]
            .chunks(2)
            .map(|p| (nibble(p[0]) << 4) | p.get(1).map_or(0, |&b| nibble(b)))
            .collect(),
    )
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
    match unhex(hex) {
        Some(decoded) => out.extend_from_slice(c_str(&decoded)),
        None => out.extend_from_slice(value),
    }
}

/// An escaped file name, made whole with the working directory when one
/// is given (csv and text output).
fn escaped_file(out: &mut Vec<u8>, value: &[u8], cwd: Option<&[u8]>) {
    let Some(cwd) = cwd else { return escaped(out, value) };
    let mut name = Vec::new();
    escaped(&mut name, value);
    let whole = if name.first() != Some(&b'/') {
        let mut dir = Vec::new();
        escaped(&mut dir, cwd);
        dir.push(b'/');
        dir.extend_from_slice(&name);
        dir
    } else if !name.windows(2).any(|w| w == b"..") {
        out.extend_from_slice(&name);
        return;
    } else {
        name
    };
    match normalize_path(&whole) {
        Some(p) => out.extend_from_slice(&p),
        None => out.extend_from_slice(&whole),
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

fn proctitle(out: &mut Vec<u8>, value: &[u8]) {
    if value.first() == Some(&b'"') {
        return escaped(out, value);
    }
    let hex = value.strip_prefix(b"00").unwrap_or(value);
    let Some(mut decoded) = unhex(hex) else {
        out.extend_from_slice(value);
        return;
    };
    // COMPAT: NULs within the first strlen(value)/2 bytes separate the
    // arguments and become spaces; the rest ends the string. The decode
    // buffer is zero-filled to that length, so when non-hex text follows
    // the digits the padding turns into trailing spaces too.
    let end = value.len() / 2;
    if decoded.len() < end {
        decoded.resize(end, 0);
    }
    for b in &mut decoded[..end] {
        if *b == 0 {
            *b = b' ';
        }
    }
    out.extend_from_slice(c_str(&decoded));
}

fn perm(out: &mut Vec<u8>, value: &[u8]) {
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
            let _ = write!(out, "{:03o}", (n & S_IFMT) / 0o010000);
        }
    }
    for (bit, name) in [(0o4000, ",suid"), (0o2000, ",sgid"), (0o1000, ",sticky")] {
        if n & bit != 0 {
            out.extend_from_slice(name.as_bytes());
        }
    }
    let _ = write!(out, ",{:03o}", n & 0o777);
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
    let _ = write!(out, "0{:03o}", n & 0o777);
}

fn path_flags(out: &mut Vec<u8>, value: &[u8]) {
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

fn cap_bitmap(out: &mut Vec<u8>, value: &[u8]) {
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

fn success(out: &mut Vec<u8>, value: &[u8]) {
    if !value.first().is_some_and(u8::is_ascii_digit) {
        out.extend_from_slice(value);
        return;
    }
    match strtoul(value, 10) {
        Err(_) => conversion_error(out, value),
        Ok(n) => out.extend_from_slice(match n as u32 as i32 {
            0 => b"no",
            1 => b"yes",
            _ => b"unset",
        }),
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

fn list(out: &mut Vec<u8>, value: &[u8]) {
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

fn tty_data(out: &mut Vec<u8>, value: &[u8]) {
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

/// `getprotobynumber`: the protocol's name from the protocols database.
pub fn protocol_name(number: i32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 1024];
    // SAFETY: a zeroed protoent is a valid out-parameter.
    let mut ent: libc::protoent = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::protoent = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; buf outlives its use.
    let rc =
        unsafe { getprotobynumber_r(number, &mut ent, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || ent.p_name.is_null() {
        return None;
    }
    // SAFETY: the call succeeded; p_name points into buf.
    Some(unsafe { std::ffi::CStr::from_ptr(ent.p_name) }.to_string_lossy().into_owned())
}

unsafe extern "C" {
    fn getprotobynumber_r(
        proto: libc::c_int,
        result_buf: *mut libc::protoent,
        buf: *mut libc::c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::protoent,
    ) -> libc::c_int;
}
