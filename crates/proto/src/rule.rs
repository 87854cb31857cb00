//! `struct audit_rule_data`: the rule format of AUDIT_ADD_RULE,
//! AUDIT_DEL_RULE and AUDIT_LIST_RULES.

use std::fmt;

/// Words in the syscall bitmap (`AUDIT_BITMASK_SIZE`).
pub const BITMASK_WORDS: usize = 64;
/// Maximum number of fields in one rule (`AUDIT_MAX_FIELDS`).
pub const MAX_FIELDS: usize = 64;
/// Size of the fixed part of `audit_rule_data`, before `buf`.
pub const FIXED_SIZE: usize = 4 * 3 + 4 * BITMASK_WORDS + 3 * 4 * MAX_FIELDS + 4;

/// One `audit_rule_data`, with `buf` owned.
///
/// `fields`, `values` and `fieldflags` hold exactly `field_count` entries;
/// the unused slots of the kernel's arrays are always zero on the wire.
/// For string fields `values[i]` is the string's length and the bytes sit
/// in `buf`, in field order, with no terminators.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RuleData {
    /// Filter list, optionally OR'ed with `AUDIT_FILTER_PREPEND`.
    pub flags: u32,
    /// `AUDIT_NEVER` (0) or `AUDIT_ALWAYS` (2).
    pub action: u32,
    /// The syscall bitmap: bit n is word n/32, bit n%32.
    pub mask: [u32; BITMASK_WORDS],
    pub fields: Vec<u32>,
    pub values: Vec<u32>,
    pub fieldflags: Vec<u32>,
    pub buf: Vec<u8>,
}

impl Default for RuleData {
    fn default() -> Self {
        RuleData {
            flags: 0,
            action: 0,
            mask: [0; BITMASK_WORDS],
            fields: Vec::new(),
            values: Vec::new(),
            fieldflags: Vec::new(),
            buf: Vec::new(),
        }
    }
}

impl fmt::Debug for RuleData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleData")
            .field("flags", &self.flags)
            .field("action", &self.action)
            .field("mask", &format_args!("{:08x?}", &self.mask[..]))
            .field("fields", &self.fields)
            .field("values", &self.values)
            .field("fieldflags", &format_args!("{:08x?}", self.fieldflags))
            .field("buf", &String::from_utf8_lossy(&self.buf))
            .finish()
    }
}

pub use crate::error::DecodeError;

impl RuleData {
    /// Number of fields (`field_count`).
    pub fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// Appends one field; `value` is the number, or the string length for
    /// string fields whose bytes the caller appends to `buf`.
    pub fn push_field(&mut self, field: u32, op: u32, value: u32) {
        self.fields.push(field);
        self.fieldflags.push(op);
        self.values.push(value);
    }

    /// Sets bit `nr` of the syscall bitmap. Numbers past the bitmap are ignored.
    pub fn set_syscall(&mut self, nr: u32) {
        if let Some(word) = self.mask.get_mut((nr / 32) as usize) {
            *word |= 1 << (nr % 32);
        }
    }

    /// Whether bit `nr` of the syscall bitmap is set.
    pub fn has_syscall(&self, nr: u32) -> bool {
        self.mask.get((nr / 32) as usize).is_some_and(|word| word & (1 << (nr % 32)) != 0)
    }

    /// Each field's string value in `buf` (None for numeric fields), in
    /// field order.
    pub fn field_strings(&self) -> Vec<Option<&[u8]>> {
        let mut at = 0usize;
        self.fields
            .iter()
            .zip(&self.values)
            .map(|(&id, &len)| {
                if !crate::filter::is_string_field(id) {
                    return None;
                }
                let end = (at + len as usize).min(self.buf.len());
                let s = &self.buf[at.min(end)..end];
                at = end;
                Some(s)
            })
            .collect()
    }

    /// The key field's bytes (several keys joined by 0x01), if any.
    pub fn key(&self) -> Option<&[u8]> {
        let i = self.fields.iter().position(|&f| f == crate::filter::FILTERKEY)?;
        self.field_strings()[i]
    }

    /// The exact bytes of the kernel structure, fixed part then `buf`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED_SIZE + self.buf.len());
        let put = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_ne_bytes());
        put(&mut out, self.flags);
        put(&mut out, self.action);
        put(&mut out, self.fields.len() as u32);
        for word in self.mask {
            put(&mut out, word);
        }
        for array in [&self.fields, &self.values, &self.fieldflags] {
            for i in 0..MAX_FIELDS {
                put(&mut out, array.get(i).copied().unwrap_or(0));
            }
        }
        put(&mut out, self.buf.len() as u32);
        out.extend_from_slice(&self.buf);
        out
    }

    /// Reads a kernel structure. Bytes after `buf` (netlink padding) are ignored.
    pub fn decode(bytes: &[u8]) -> Result<RuleData, DecodeError> {
        if bytes.len() < FIXED_SIZE {
            return Err(DecodeError::Truncated { needed: FIXED_SIZE, got: bytes.len() });
        }
        let word = |i: usize| {
            let at = i * 4;
            u32::from_ne_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let field_count = word(2);
        if field_count as usize > MAX_FIELDS {
            return Err(DecodeError::TooManyFields(field_count));
        }
        let n = field_count as usize;
        let mut mask = [0u32; BITMASK_WORDS];
        for (i, slot) in mask.iter_mut().enumerate() {
            *slot = word(3 + i);
        }
        let array = |start: usize| (0..n).map(|i| word(start + i)).collect::<Vec<u32>>();
        let fields_at = 3 + BITMASK_WORDS;
        let fields = array(fields_at);
        let values = array(fields_at + MAX_FIELDS);
        let fieldflags = array(fields_at + 2 * MAX_FIELDS);
        let buflen = word(fields_at + 3 * MAX_FIELDS);
        let rest = &bytes[FIXED_SIZE..];
        if buflen as usize > rest.len() {
            return Err(DecodeError::BufTruncated { buflen, available: rest.len() });
        }
        Ok(RuleData {
            flags: word(0),
            action: word(1),
            mask,
            fields,
            values,
            fieldflags,
            buf: rest[..buflen as usize].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RuleData {
        let mut rule = RuleData { flags: 4, action: 2, ..RuleData::default() };
        rule.set_syscall(2);
        rule.set_syscall(257);
        rule.push_field(11, 0x4000_0000, 0xC000_003E);
        rule.push_field(210, 0x4000_0000, 4);
        rule.buf.extend_from_slice(b"keyx");
        rule
    }

    #[test]
    fn fixed_size_matches_uapi_layout() {
        assert_eq!(FIXED_SIZE, 1040);
        assert_eq!(sample().encode().len(), 1044);
    }

    #[test]
    fn round_trips_to_identical_bytes() {
        let bytes = sample().encode();
        let back = RuleData::decode(&bytes).unwrap();
        assert_eq!(back, sample());
        assert_eq!(back.encode(), bytes);
    }

    #[test]
    fn field_offsets_follow_the_header() {
        let bytes = sample().encode();
        let at = |off: usize| u32::from_ne_bytes(bytes[off..off + 4].try_into().unwrap());
        assert_eq!(at(8), 2, "field_count");
        assert_eq!(at(12), 1 << 2, "mask[0]");
        assert_eq!(at(12 + 8 * 4), 1 << 1, "mask[8] holds syscall 257");
        assert_eq!(at(268), 11, "fields[0]");
        assert_eq!(at(524), 0xC000_003E, "values[0]");
        assert_eq!(at(780 + 4), 0x4000_0000, "fieldflags[1]");
        assert_eq!(at(1036), 4, "buflen");
        assert_eq!(&bytes[1040..], b"keyx");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let bytes = sample().encode();
        assert!(matches!(RuleData::decode(&bytes[..100]), Err(DecodeError::Truncated { .. })));
        assert!(matches!(
            RuleData::decode(&bytes[..1042]),
            Err(DecodeError::BufTruncated { buflen: 4, available: 2 })
        ));
        let mut many = bytes.clone();
        many[8..12].copy_from_slice(&65u32.to_ne_bytes());
        assert_eq!(RuleData::decode(&many), Err(DecodeError::TooManyFields(65)));
    }
}
