//! Which interpretation a field gets: by its name (typetab.h), with the
//! reference's per-record-type corrections.

use std::sync::OnceLock;

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
    // Names bucketed by length and first byte, each stored with its first
    // eight bytes as a word: most names are that short, so a lookup is a
    // few integer compares (this runs for every field of every record).
    struct Entry {
        head: u64,
        name: &'static [u8],
        kind: Kind,
    }
    type Buckets = Vec<Vec<Entry>>;
    static BUCKETS: OnceLock<Buckets> = OnceLock::new();
    fn slot(name: &[u8]) -> usize {
        (name.len() & 15) << 5 | usize::from(name.first().copied().unwrap_or(0) & 31)
    }
    fn head(name: &[u8]) -> u64 {
        // A byte loop, not a copy of a variable length (a call to memcpy).
        match name.first_chunk::<8>() {
            Some(word) => u64::from_le_bytes(*word),
            None => name.iter().rev().fold(0, |word, &b| word << 8 | u64::from(b)),
        }
    }
    let buckets = BUCKETS.get_or_init(|| {
        let mut b: Buckets = (0..16 << 5).map(|_| Vec::new()).collect();
        for &(n, kind) in FIELD_KINDS {
            let name = n.as_bytes();
            b[slot(name)].push(Entry { head: head(name), name, kind });
        }
        b
    });
    let h = head(name);
    buckets[slot(name)]
        .iter()
        .find(|e| {
            e.head == h
                && e.name.len() == name.len()
                && (name.len() <= 8 || e.name[8..] == name[8..])
        })
        .map_or(Kind::Unclassified, |e| e.kind)
}

/// The kind of field `name=value` in a record of type `rtype`
/// (`auparse_interp_adjust_type`).
pub fn of_field(rtype: i32, name: &[u8], value: &[u8]) -> Kind {
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
