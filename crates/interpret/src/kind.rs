//! Which interpretation a field gets: by its name (typetab.h), with the
//! reference's per-record-type corrections.

use crate::cnum::{is_hex_string, is_int_string};
use crate::tables::FIELD_KINDS;

/// The reference's `AUPARSE_TYPE_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Unclassified,
    Uid,
    Gid,
    Syscall,
    Arch,
    Exit,
    Escaped,
    Perm,
    Mode,
    Sockaddr,
    Flags,
    Promisc,
    Capability,
    Success,
    A0,
    A1,
    A2,
    A3,
    Signal,
    List,
    TtyData,
    Session,
    CapBitmap,
    Nfproto,
    Icmptype,
    Protocol,
    Addr,
    Personality,
    Seccomp,
    Oflag,
    Mmap,
    ModeShort,
    MacLabel,
    Proctitle,
    Hook,
    Netaction,
    Macproto,
    IoctlReq,
    EscapedKey,
    EscapedFile,
    Fanotify,
    Nlmcgrp,
    Resolve,
}

/// Record types whose fields get special treatment.
use raudit_tables::msg_type::code as rtype;

/// The kind of a field name alone.
pub fn by_name(name: &[u8]) -> Kind {
    // This runs for every field of every record, and most names are not
    // in the table: one hash of the name's length and a few of its bytes,
    // then (nearly always) one probe, into a table mostly empty.
    let fp = fingerprint_now(name);
    let mut at = slot_of(fp, name.len());
    loop {
        let e = &NAME_TABLE[at];
        if e.len == 0 {
            return Kind::Unclassified;
        }
        if e.fp == fp
            && usize::from(e.len) == name.len()
            // A byte loop, not a call to memcmp: the lookup stays a leaf function that
            // saves no registers.
            && (name.len() <= 8 || FIELD_KINDS[usize::from(e.index)].0.bytes().eq(name.iter().copied()))
        {
            return e.kind;
        }
        at = (at + 1) % NAME_SLOTS;
    }
}

/// [`fingerprint`] with word loads.
fn fingerprint_now(name: &[u8]) -> u64 {
    let len = name.len();
    let word4 = |at: usize| {
        let bytes: [u8; 4] = name[at..at + 4].try_into().unwrap_or_default();
        u64::from(u32::from_le_bytes(bytes))
    };
    if let Some(head) = name.first_chunk::<8>() {
        u64::from_le_bytes(*head)
    } else if len >= 4 {
        word4(0) | word4(len - 4) << 32
    } else if len > 0 {
        u64::from(name[0]) | u64::from(name[len / 2]) << 8 | u64::from(name[len - 1]) << 16
    } else {
        0
    }
}

/// A name's bytes folded into a word that, with the length, tells names
/// of up to eight bytes apart: two overlapping loads, no loop.
const fn fingerprint(name: &[u8]) -> u64 {
    const fn word(b: &[u8], at: usize, n: usize) -> u64 {
        let mut w = 0;
        let mut i = 0;
        while i < n {
            w |= (b[at + i] as u64) << (8 * i);
            i += 1;
        }
        w
    }
    let len = name.len();
    if len >= 8 {
        word(name, 0, 8)
    } else if len >= 4 {
        word(name, 0, 4) | word(name, len - 4, 4) << 32
    } else if len > 0 {
        name[0] as u64 | (name[len / 2] as u64) << 8 | (name[len - 1] as u64) << 16
    } else {
        0
    }
}

const fn slot_of(fp: u64, len: usize) -> usize {
    ((fp ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 54) as usize % NAME_SLOTS
}

/// Slots of the name table: a power of two, four times the names (a name
/// not in the table stops at the first free slot).
const NAME_SLOTS: usize = 1024;

#[derive(Clone, Copy)]
struct NameEntry {
    fp: u64,
    /// 0: a free slot.
    len: u16,
    /// Where the name is in FIELD_KINDS.
    index: u16,
    kind: Kind,
}

/// FIELD_KINDS by name, open addressing, built at compile time. A name
/// listed twice keeps its first kind.
static NAME_TABLE: [NameEntry; NAME_SLOTS] = {
    const FREE: NameEntry = NameEntry { fp: 0, len: 0, index: 0, kind: Kind::Unclassified };
    let mut table = [FREE; NAME_SLOTS];
    let mut i = 0;
    while i < FIELD_KINDS.len() {
        let (name, kind) = FIELD_KINDS[i];
        let name = name.as_bytes();
        let fp = fingerprint(name);
        let mut at = slot_of(fp, name.len());
        loop {
            let e = table[at];
            if e.len == 0 {
                table[at] = NameEntry { fp, len: name.len() as u16, index: i as u16, kind };
                break;
            }
            if bytes_eq(FIELD_KINDS[e.index as usize].0.as_bytes(), name) {
                break;
            }
            at = (at + 1) % NAME_SLOTS;
        }
        i += 1;
    }
    table
};

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The kind of field `name=value` in a record of type `rtype`
/// (`auparse_interp_adjust_type`).
pub fn of_field(rtype: i32, name: &[u8], value: &[u8]) -> Kind {
    use rtype::*;
    match rtype {
        EXECVE | AVC | USER_TTY | NETFILTER_PKT | PATH | MQ_OPEN | CRYPTO_KEY_USER | ADD_GROUP
        | GRP_MGMT | DEL_GROUP | TRUSTED_APP | KERN_MODULE => of_field_in(rtype, name, value),
        // Of the overrides, only acct's applies to every other type.
        _ if name == b"acct" => of_field_in(rtype, name, value),
        _ => by_name(name),
    }
}

/// [`of_field`] in the record types with overrides of their own.
fn of_field_in(rtype: i32, name: &[u8], value: &[u8]) -> Kind {
    // COMPAT: each override below is the reference's, in its order.
    if rtype == rtype::EXECVE
        && name.first() == Some(&b'a')
        && name != b"argc"
        && !contains(name, b"_len")
    {
        Kind::Escaped
    } else if rtype == rtype::AVC && name == b"saddr" {
        Kind::Unclassified
    } else if rtype == rtype::USER_TTY && name == b"msg" {
        Kind::Escaped
    } else if rtype == rtype::NETFILTER_PKT && name == b"saddr" {
        Kind::Addr
    } else if name == b"acct" {
        if value.first() == Some(&b'"') || is_hex_string(value) {
            Kind::Escaped
        } else {
            Kind::Unclassified
        }
    } else if rtype == rtype::PATH && name == b"flags" {
        Kind::Flags
    } else if rtype == rtype::MQ_OPEN && name == b"mode" {
        Kind::ModeShort
    } else if rtype == rtype::CRYPTO_KEY_USER && name == b"fp" {
        Kind::Unclassified
    } else if name == b"id"
        && matches!(rtype, rtype::ADD_GROUP | rtype::GRP_MGMT | rtype::DEL_GROUP)
    {
        Kind::Gid
    } else if rtype == rtype::TRUSTED_APP {
        if value.first() == Some(&b'"') {
            Kind::Escaped
        } else if is_int_string(value) {
            Kind::Unclassified
        } else if is_hex_string(value) {
            Kind::Escaped
        } else {
            Kind::Unclassified
        }
    } else if rtype == rtype::KERN_MODULE && name == b"name" {
        Kind::Escaped
    } else {
        by_name(name)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_name_is_found_and_others_are_not() {
        for (place, &(name, kind)) in FIELD_KINDS.iter().enumerate() {
            // A name listed twice takes its first kind.
            let first = FIELD_KINDS.iter().position(|&(n, _)| n == name).unwrap();
            if first == place {
                assert_eq!(by_name(name.as_bytes()), kind, "{name}");
            }
            let mut longer = name.as_bytes().to_vec();
            longer.push(b'x');
            if !FIELD_KINDS.iter().any(|&(n, _)| n.as_bytes() == longer) {
                assert_eq!(by_name(&longer), Kind::Unclassified, "{name}x");
            }
        }
        assert_eq!(by_name(b""), Kind::Unclassified);
        // The lookup's fingerprint is the table's, at every length.
        let long = b"abcdefghijklmnop";
        for len in 0..=long.len() {
            assert_eq!(fingerprint_now(&long[..len]), fingerprint(&long[..len]), "{len}");
        }
        assert_eq!(by_name(b"no_such_field_name"), Kind::Unclassified);
        // Every byte of a name counts: one changed anywhere is another name.
        for &(name, _) in FIELD_KINDS {
            for at in 0..name.len() {
                let mut changed = name.as_bytes().to_vec();
                changed[at] = b'#';
                assert_eq!(by_name(&changed), Kind::Unclassified, "{name} changed at {at}");
            }
        }
    }
}
