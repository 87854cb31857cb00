//! `saddr=`: a hex-encoded struct sockaddr, printed per address family.

use std::io::Write;

use crate::tables;
use crate::value::{i2s, unhex, wrap};

const AF_LOCAL: u16 = 1;
const AF_INET: u16 = 2;
const AF_AX25: u16 = 3;
const AF_ATMPVC: u16 = 8;
const AF_X25: u16 = 9;
const AF_INET6: u16 = 10;
const AF_NETLINK: u16 = 16;

pub fn interpret(out: &mut Vec<u8>, value: &[u8]) {
    // COMPAT: the reference measures the address by the hex text.
    let slen = value.len() / 2;
    let Some(mut raw) = unhex(value) else { return wrap(out, "malformed-host(", value) };
    // The reference reads the struct from a zero-filled buffer.
    raw.resize(raw.len().max(slen).max(160), 0);
    let family = u16::from_ne_bytes([raw[0], raw[1]]);
    let Some(fam) = i2s(tables::FAMILY, i64::from(family)) else {
        let _ = write!(out, "unknown-family({family})");
        return;
    };
    let _ = write!(out, "{{ saddr_fam={fam} ");
    match family {
        AF_LOCAL if slen < 4 => out.extend_from_slice(b"sockaddr len too short"),
        AF_LOCAL => {
            // An abstract name starts with a NUL, which is skipped.
            let path = if raw[2] != 0 { &raw[2..] } else { &raw[3..] };
            out.extend_from_slice(b"path=");
            out.extend_from_slice(bounded_str(path, 108));
        }
        AF_INET if slen < 16 => out.extend_from_slice(b"sockaddr len too short"),
        AF_INET6 if slen < 28 => out.extend_from_slice(b"sockaddr6 len too short"),
        AF_INET | AF_INET6 => match numeric_name(&raw, family) {
            Some((host, port)) => {
                let _ = write!(out, "laddr={host} lport={port}");
            }
            None => out.extend_from_slice(b"(error resolving addr)"),
        },
        AF_AX25 => {
            // COMPAT: seven bytes printed with %c, NULs included.
            out.extend_from_slice(b"call=");
            out.extend_from_slice(&raw[2..9]);
        }
        AF_ATMPVC => {
            // sap_addr (itf first) follows the family, 4-byte aligned.
            let itf = i16::from_ne_bytes([raw[4], raw[5]]);
            let _ = write!(out, "int={itf}");
        }
        AF_X25 => {
            out.extend_from_slice(b"laddr=");
            out.extend_from_slice(bounded_str(&raw[2..], 15));
        }
        AF_NETLINK if slen < 12 => out.extend_from_slice(b"len too short"),
        AF_NETLINK => {
            let pid = u32::from_ne_bytes([raw[4], raw[5], raw[6], raw[7]]);
            // COMPAT: nl_family is the address family itself.
            let _ = write!(out, "nlnk-fam={family} nlnk-pid={pid}");
        }
        _ => out.extend_from_slice(b"(unsupported)"),
    }
    out.extend_from_slice(b" }");
}

/// `%.Ns`: up to the first NUL, at most `max` bytes.
fn bounded_str(s: &[u8], max: usize) -> &[u8] {
    let s = &s[..s.len().min(max)];
    crate::cnum::c_str(s)
}

/// The numeric host of an inet or inet6 address (`raw` holds at least
/// the struct, zero-padded), as getnameinfo(NI_NUMERICHOST) gives it:
/// scope ids of link-local addresses name their interface.
pub fn numeric_host(raw: &[u8]) -> Option<String> {
    let mut padded = raw.to_vec();
    padded.resize(padded.len().max(160), 0);
    let family = u16::from_ne_bytes([padded[0], padded[1]]);
    if family != AF_INET && family != AF_INET6 {
        return None;
    }
    numeric_name(&padded, family).map(|(host, _)| host)
}

/// The numeric host and port, as getnameinfo(NI_NUMERICHOST |
/// NI_NUMERICSERV) gives them (scope ids included).
fn numeric_name(raw: &[u8], family: u16) -> Option<(String, String)> {
    raudit_sys::netdb::numeric_name(raw, family == AF_INET6)
}
