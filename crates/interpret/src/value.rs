//! Field values made readable, one function per [`Kind`], with the
//! reference's (libauparse 3.0.9) outputs, error forms and quirks.
//!
//! This module dispatches by kind and decodes ids, syscalls, arches and
//! exit codes; [`lookup`] holds the table and flag-list shapes the
//! decoders share, [`flags`] the bit-by-bit and by-name numbers, and
//! [`text`] the string values.

mod flags;
mod lookup;
mod text;

pub use text::{escaped, tty_keys, tty_named_key, unhex, unhex_into};

pub(crate) use flags::{
    capability, ioctl_req, mmap_flags, mode, mode_short, mode_short_bits, open_flags, personality,
    signal,
};
pub(crate) use lookup::{conversion_error, flag_list, i2s, named_or, push_flags, wrap};

use flags::{cap_bitmap, decimal_name, list, path_flags, perm, success};
use text::{escaped_file, proctitle, tty_data};

use std::io::Write;

use crate::cnum::{strtol, strtoul};
use crate::enriched::Stored;
use crate::escape::Escape;
use crate::kind::Kind;
use crate::machine::Machine;
use crate::{args, sockaddr, tables};
use raudit_sys::Host;

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
    /// Where user and group names come from.
    pub host: &'a dyn Host,
    /// Interpretations stored in an ENRICHED record.
    pub stored: Option<&'a Stored<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(host: &'a dyn Host) -> Self {
        Context {
            machine: None,
            syscall: 0,
            syscall_name: None,
            a0: 0,
            a1: 0,
            cwd: None,
            host,
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
        Kind::Fanotify => decimal_name(out, value, &[(1, b"allow"), (2, b"deny")], b"unknown"),
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

/// uid or gid: `unset`, `root`, the name, else `unknown(N)` (signed).
pub(crate) fn id(out: &mut Vec<u8>, value: &[u8], base: u32, ctx: &Context<'_>, user: bool) {
    let Ok(n) = strtoul(value, base) else { return conversion_error(out, value) };
    id_name(out, n as u32, ctx.host, user);
}

/// The name of a uid or gid as the reference prints it.
pub fn id_name(out: &mut Vec<u8>, id: u32, host: &dyn Host, user: bool) {
    if id == u32::MAX {
        out.extend_from_slice(b"unset");
        return;
    }
    if id == 0 {
        out.extend_from_slice(b"root");
        return;
    }
    if !host.write_name(id, user, out) {
        // COMPAT: printed with %d.
        out.extend_from_slice(b"unknown(");
        let signed = id as i32;
        if signed < 0 {
            out.push(b'-');
        }
        raudit_parse::cnum::push_decimal(out, u64::from(signed.unsigned_abs()), 1);
        out.push(b')');
    }
}

/// The calls of a multiplexing syscall, named by its first argument.
fn multiplexed_calls(name: &str) -> Option<&'static [(i64, &'static str)]> {
    match name {
        "socketcall" => Some(tables::SOCKETCALL),
        "ipc" => Some(tables::IPC_CALL),
        _ => None,
    }
}

/// What of its record an interpretation reads besides the value, the host
/// and the stored names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextUse {
    /// The arch and the syscall number.
    pub syscall: bool,
    /// The first two arguments.
    pub args: bool,
}

/// Whether interpreting a value of `kind` may read its record's context
/// at all ([`context_used`] says what, in a given context).
pub fn needs_context(kind: Kind) -> bool {
    matches!(kind, Kind::Arch | Kind::Syscall | Kind::A0 | Kind::A1 | Kind::A2 | Kind::A3)
}

/// [`ContextUse`] of interpreting a value of `kind` in `ctx`: callers that
/// keep interpretations learn from it what they hold for.
pub fn context_used(kind: Kind, ctx: &Context<'_>) -> ContextUse {
    match kind {
        Kind::Arch => ContextUse { syscall: true, args: false },
        Kind::Syscall => {
            let name = ctx.machine.or_else(Machine::host).and_then(|m| m.syscall_name(ctx.syscall));
            ContextUse { syscall: true, args: name.and_then(multiplexed_calls).is_some() }
        }
        // The arguments a0..a3.
        _ if needs_context(kind) => ContextUse { syscall: true, args: true },
        _ => ContextUse::default(),
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
            if (a0 as i32) as i64 as u64 == a0
                && let Some(func) = multiplexed_calls(name).and_then(|t| i2s(t, a0 as i32 as i64))
            {
                let _ = write!(out, "({func})");
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
        let _ = write!(out, "{}({})", name.unwrap_or("(null)"), raudit_tables::errno::text(errno));
    } else {
        out.extend_from_slice(value);
    }
}

/// `getprotobynumber`: the protocol's name from the protocols database.
pub fn protocol_name(number: i32) -> Option<String> {
    raudit_sys::netdb::protocol_name(number)
}
