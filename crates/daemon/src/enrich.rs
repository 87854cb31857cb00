//! `log_format = ENRICHED`: after a record's RAW text, 0x1D and the names
//! of its uids, gids, syscall, arch and socket address
//! (kernel-and-daemon.md §2.8), e.g.
//! `…key=(null)\x1dARCH=x86_64 SYSCALL=openat AUID="alice" UID="root"`.
//!
//! Fields are found the way libauparse splits a record (the reference
//! enriches through it), by `raudit_interpret::fields`, the splitter the
//! csv/text normaliser uses too.

use raudit_interpret::fields::{Positions, Token, Tokens, encode_nv_value};
use raudit_interpret::{Context, Escape, Kind, kind};
use raudit_sys::{Host, SystemHost};
use raudit_tables::MsgType;

use crate::format::MAX_STORED_LINE;

/// The byte between a record and its interpretations.
pub const SEPARATOR: u8 = 0x1d;
/// The reference's formatting buffer: a record plus a host name.
const BUFFER: usize = 8970 + 255;
/// Enrichment stops when no more than this much room is left.
const MIN_SPACE_LEFT: usize = 24;

/// Appends interpretations to RAW lines, with names from a host (the
/// daemon's is the system's, whose uid/gid name cache account-changing
/// records flush).
pub struct Enricher<H: Host = SystemHost> {
    host: H,
}

/// One `name=value` field as libauparse sees it.
struct Field<'a> {
    name: &'a [u8],
    value: &'a [u8],
}

/// A record's fields and its syscall context.
struct Parsed<'a> {
    fields: Vec<Field<'a>>,
    at: Positions,
}

impl<H: Host> Enricher<H> {
    pub fn new(host: H) -> Self {
        Enricher { host }
    }

    /// Enriches `line` (a RAW line ending in a newline) in place.
    pub fn enrich(&self, line: &mut Vec<u8>, rtype: u16) {
        let newline = line.last() == Some(&b'\n');
        if newline {
            line.pop();
        }
        // Names may have changed: look them up afresh.
        if matches!(MsgType(rtype), MsgType::ADD_USER | MsgType::ADD_GROUP) {
            self.host.forget_names();
        }
        let extra = interpretations(line, i32::from(rtype), &self.host);
        line.extend_from_slice(&extra);
        if matches!(
            MsgType(rtype),
            MsgType::USER_MGMT | MsgType::DEL_USER | MsgType::DEL_GROUP | MsgType::GRP_MGMT
        ) {
            self.host.forget_names();
        }
        // COMPAT: auditd-event.c replace_event_msg: a longer line is cut.
        line.truncate(MAX_STORED_LINE);
        if newline {
            line.push(b'\n');
        }
    }
}

/// The bytes to append to `text` (0x1D and the fields), within the
/// reference's buffer.
fn interpretations(text: &[u8], rtype: i32, host: &dyn Host) -> Vec<u8> {
    let mut out = Vec::new();
    if BUFFER.saturating_sub(text.len()) <= MIN_SPACE_LEFT {
        return out;
    }
    let mut left = BUFFER - text.len();
    let parsed = parse(text);
    let mut candidates = 0;
    let mut value = Vec::new();
    for f in &parsed.fields {
        if left <= MIN_SPACE_LEFT {
            break;
        }
        let kind = kind::of_field(rtype, f.name, f.value);
        let encode = match kind {
            Kind::Uid | Kind::Gid => true,
            Kind::Syscall | Kind::Arch | Kind::Sockaddr => false,
            _ => continue,
        };
        candidates += 1;
        if candidates == 1 {
            out.push(SEPARATOR);
            left -= 1;
        }
        value.clear();
        let ctx = Context {
            machine: parsed.at.machine,
            syscall: parsed.at.syscall,
            syscall_name: None,
            a0: parsed.at.a0,
            a1: parsed.at.a1,
            cwd: None,
            host,
            stored: None,
        };
        raudit_interpret::interpret_into(&mut value, kind, f.name, f.value, &ctx, Escape::Raw);
        let mut item: Vec<u8> = f.name.iter().take(63).map(u8::to_ascii_uppercase).collect();
        item.push(b'=');
        if encode {
            encode_nv_value(&mut item, &value);
        } else {
            item.extend_from_slice(&value);
        }
        // COMPAT: a field that does not fit is left out, never cut.
        if item.len() + 2 >= left {
            continue;
        }
        if candidates > 1 {
            out.push(b' ');
            left -= 1;
        }
        out.extend_from_slice(&item);
        left -= item.len();
    }
    out
}

/// Splits a record into fields the way libauparse does.
fn parse(text: &[u8]) -> Parsed<'_> {
    let mut p = Parsed { fields: Vec::new(), at: Positions::default() };
    for token in Tokens::new(text) {
        let Token::Field { name, value } = token else { continue };
        // Keys are never enriched, but several keys count as several
        // fields; only positions before them matter, so one is enough.
        p.fields.push(Field { name, value });
        p.at.note(p.fields.len(), name, value);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_sys::FixedHost;

    fn enriched(text: &str, rtype: i32) -> String {
        let names = FixedHost::new().with_user(1000, "alice").with_group(1000, "staff");
        String::from_utf8(interpretations(text.as_bytes(), rtype, &names)).unwrap()
    }

    #[test]
    fn syscall_record() {
        let text = "type=SYSCALL msg=audit(1.002:3): arch=c000003e syscall=257 success=yes exit=3 \
                    a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=1000 \
                    euid=4294967295 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 \
                    comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)";
        assert_eq!(
            enriched(text, 1300),
            "\x1dARCH=x86_64 SYSCALL=openat AUID=\"alice\" UID=\"root\" GID=\"staff\" \
             EUID=\"unset\" SUID=\"root\" FSUID=\"root\" EGID=\"root\" SGID=\"root\" FSGID=\"root\""
        );
    }

    #[test]
    fn user_record_and_sockaddr() {
        let text = "type=USER_LOGIN msg=audit(1.002:3): pid=1 uid=0 auid=1001 ses=1 \
                    msg='op=login id=1000 exe=\"/usr/sbin/sshd\" res=success'";
        assert_eq!(enriched(text, 1112), "\x1dUID=\"root\" AUID=\"unknown(1001)\" ID=\"alice\"");
        let text = "type=SOCKADDR msg=audit(1.002:3): saddr=02000050C0A800010000000000000000";
        assert_eq!(enriched(text, 1306), "\x1dSADDR={ saddr_fam=inet laddr=192.168.0.1 lport=80 }");
        assert_eq!(enriched("type=EOE msg=audit(1.002:3):", 1320), "");
    }

    #[test]
    fn a_long_record_keeps_only_what_fits() {
        // 50 bytes of room: the separator and ARCH, SYSCALL and UID fit;
        // then 24 bytes or less remain and enrichment stops (GID is left
        // out whole, never cut).
        let head = "type=SYSCALL msg=audit(1.002:3): arch=c000003e syscall=2 a=";
        let tail = " uid=0 gid=0";
        let pad = "x".repeat(BUFFER - 50 - head.len() - tail.len());
        let text = format!("{head}{pad}{tail}");
        assert_eq!(BUFFER - text.len(), 50);
        assert_eq!(enriched(&text, 1300), "\x1dARCH=x86_64 SYSCALL=open UID=\"root\"");
        let full = format!("{head}{}", "y".repeat(BUFFER - head.len() - 20));
        assert_eq!(enriched(&full, 1300), "");
    }

    #[test]
    fn names_that_need_hex() {
        let names = FixedHost::new().with_user(7, "a b");
        let out = interpretations(b"type=LOGIN msg=audit(1.0:1): uid=7", 1006, &names);
        assert_eq!(out, b"\x1dUID=612062");
    }

    #[test]
    fn the_enricher_names_from_its_host() {
        let enricher = Enricher::new(FixedHost::new().with_user(1000, "zoe"));
        let mut line =
            b"type=LOGIN msg=audit(1.0:1): pid=1 uid=0 old-auid=4294967295 auid=1000\n".to_vec();
        enricher.enrich(&mut line, 1006);
        assert!(line.ends_with(b"\x1dUID=\"root\" OLD-AUID=\"unset\" AUID=\"zoe\"\n"), "{line:?}");
    }
}
