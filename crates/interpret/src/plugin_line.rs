//! One string-format record line rendered the way audisp-syslog's `interpret`
//! option renders it through auparse: `[node=N ]type=T msg=audit(<%x %T>) : `
//! then every field as `name=interpreted ` (trailing space kept). EOE, which has
//! no fields, renders as nothing.

use raudit_parse::record::types::{EOE, SECCOMP, SYSCALL};
use raudit_sys::Host;

use crate::{Context, Escape, Kind, Machine, Stored, cnum, kind};

/// Renders `line` (without its newline; an ENRICHED part after 0x1D is used for the
/// stored names). `None` when there is nothing to log (EOE, no header, no fields).
pub fn render(line: &[u8], host: &dyn Host) -> Option<Vec<u8>> {
    let (raw, enriched) = match memchr::memchr(0x1d, line) {
        Some(i) => (&line[..i], Some(&line[i + 1..])),
        None => (line, None),
    };
    let stored = enriched.filter(|e| !e.is_empty()).map(Stored::parse);
    let stored = stored.as_ref().filter(|s| !s.is_empty());
    let mut rest = raw;
    let mut node = None;
    if let Some(after) = rest.strip_prefix(b"node=") {
        let sp = memchr::memchr(b' ', after)?;
        node = Some(&after[..sp]);
        rest = &after[sp + 1..];
    }
    let after_type = rest.strip_prefix(b"type=")?;
    let sp = memchr::memchr(b' ', after_type)?;
    let tname = &after_type[..sp];
    // (an unknown name is logged as it is, its fields uninterpreted by type)
    let rtype =
        std::str::from_utf8(tname).ok().and_then(raudit_tables::msg_type::parse).unwrap_or(0)
            as i32;
    let stamp = after_type[sp + 1..].strip_prefix(b"msg=audit(")?;
    let close = memchr::memchr(b')', stamp)?;
    let sec: i64 = std::str::from_utf8(&stamp[..close]).ok()?.split('.').next()?.parse().ok()?;
    let body = stamp[close + 1..].strip_prefix(b":").unwrap_or(&stamp[close + 1..]);
    let fields = split_fields(body);
    if rtype == EOE || fields.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(line.len() * 2);
    if let Some(n) = node {
        out.extend_from_slice(b"node=");
        out.extend_from_slice(n);
        out.push(b' ');
    }
    out.extend_from_slice(b"type=");
    out.extend_from_slice(tname);
    out.extend_from_slice(b" msg=audit(");
    out.extend_from_slice(host.strftime("%x %T", sec).as_bytes());
    out.extend_from_slice(b") : ");
    let syscall_like = rtype == SYSCALL || rtype == SECCOMP;
    let mut machine = if syscall_like { Machine::host() } else { None };
    let mut syscall = 0i32;
    let field = |n: &[u8]| fields.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
    let hex = |n: &[u8]| field(n).and_then(|v| cnum::strtoul(v, 16).ok()).unwrap_or(0);
    if syscall_like {
        if let Some(a) = field(b"arch").and_then(|v| cnum::strtoul(v, 16).ok()) {
            machine = Machine::from_elf(a as u32);
        }
        if let Some(s) = field(b"syscall").and_then(|v| cnum::strtoul(v, 10).ok()) {
            syscall = s as u32 as i32;
        }
    }
    for (name, value) in &fields {
        out.extend_from_slice(name);
        out.push(b'=');
        let k = kind::of_field(rtype, name, value);
        if k == Kind::Syscall && rtype != SYSCALL {
            // COMPAT: auparse knows a record's syscall number only in SYSCALL records.
            out.extend_from_slice(b"unknown-syscall(-1)");
        } else if k == Kind::Unclassified {
            out.extend_from_slice(value);
        } else {
            let syscall_name = match k {
                Kind::A0 | Kind::A1 | Kind::A2 | Kind::A3 => {
                    Some(machine.and_then(|m| m.syscall_name(syscall)))
                }
                _ => None,
            };
            let ctx = Context {
                machine,
                syscall,
                syscall_name,
                a0: hex(b"a0"),
                a1: hex(b"a1"),
                cwd: None,
                host,
                stored,
            };
            let start = out.len();
            crate::interpret_into(&mut out, k, name, value, &ctx, Escape::Tty);
            if name == b"key" && out[start..].contains(&crate::KEY_SEPARATOR) {
                // COMPAT: several keys log as `k1 key=k2`.
                let joined = out.split_off(start);
                for (i, key) in joined.split(|&b| b == crate::KEY_SEPARATOR).enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b" key=");
                    }
                    out.extend_from_slice(key);
                }
            }
            if k == Kind::Sockaddr {
                // COMPAT: only the address part is logged, else the family, else `?`.
                let whole = out.split_off(start);
                out.extend_from_slice(
                    sock_part(&whole, b"laddr=")
                        .or_else(|| sock_part(&whole, b"fam="))
                        .unwrap_or(b"?"),
                );
            }
        }
        out.push(b' ');
    }
    Some(out)
}

/// The text after the first `key` in an interpreted socket address, up to a space
/// (`None` without one).
fn sock_part<'t>(text: &'t [u8], key: &[u8]) -> Option<&'t [u8]> {
    let at = text.windows(key.len()).position(|w| w == key)? + key.len();
    let len = memchr::memchr(b' ', &text[at..])?;
    Some(&text[at..at + len])
}

/// The `name=value` pairs of a record body, split on spaces as auparse does; the
/// fields inside a user record's `msg='…'` count as the record's own.
fn split_fields(body: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    let mut toks = body.split(|&b| b == b' ').filter(|t| !t.is_empty()).peekable();
    while let Some(tok) = toks.next() {
        // COMPAT: auparse names the words of an AVC's `avc:  denied  { read } for`
        // (not those inside a user record's msg='avc: …').
        if tok == b"avc:" {
            if let Some(&result) = toks.peek().filter(|t| !t.contains(&b'=')) {
                out.push((&b"seresult"[..], result));
                toks.next();
            }
            if toks.peek() == Some(&&b"{"[..]) {
                toks.next();
                // The perms stay separate values, one field per perm, as auparse gives them.
                while let Some(p) = toks.next_if(|t| *t != b"}") {
                    out.push((&b"seperms"[..], p));
                }
                toks.next();
            }
            continue;
        }
        let tok = tok.strip_prefix(b"msg='").unwrap_or(tok);
        let Some(eq) = memchr::memchr(b'=', tok) else { continue };
        let mut value = &tok[eq + 1..];
        if value.last() == Some(&b'\'')
            && memchr::memchr(b'\'', &value[..value.len() - 1]).is_none()
        {
            value = &value[..value.len() - 1];
        }
        // COMPAT: a trailing `:` of acct is not part of the value.
        if &tok[..eq] == b"acct" && value.last() == Some(&b':') {
            value = &value[..value.len() - 1];
        }
        out.push((&tok[..eq], value));
    }
    out
}

#[cfg(test)]
mod tests {
    use raudit_sys::FixedHost;

    use super::render;

    #[test]
    fn header_fields_and_trailing_space() {
        let host = FixedHost::new().with_user(0, "root").with_utc_offset(0);
        let line =
            b"node=h type=SOCKADDR msg=audit(1700000000.001:5): saddr=01002F746D702F736F636B00";
        let got = render(line, &host).map(|v| String::from_utf8_lossy(&v).into_owned());
        assert_eq!(
            got.as_deref(),
            Some("node=h type=SOCKADDR msg=audit(11/14/23 22:13:20) : saddr=local ")
        );
    }

    #[test]
    fn eoe_and_garbage_log_nothing() {
        let host = FixedHost::new();
        assert_eq!(render(b"type=EOE msg=audit(1700000000.001:5): ", &host), None);
        assert_eq!(render(b"no header here", &host), None);
    }
}
