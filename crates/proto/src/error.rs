//! The one error type of this crate: bytes that cannot be read as a kernel
//! structure.

use std::fmt;

/// Why bytes could not be read as a kernel structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the fixed part of `audit_rule_data` needs.
    Truncated { needed: usize, got: usize },
    /// `field_count` above `AUDIT_MAX_FIELDS`.
    TooManyFields(u32),
    /// `buflen` says more string bytes than the message carries.
    BufTruncated { buflen: u32, available: usize },
    /// Fewer bytes than the named structure needs.
    Short { what: &'static str, needed: usize, got: usize },
    /// A netlink header whose `nlmsg_len` does not fit the datagram.
    BadLength { len: u32, available: usize },
    /// A length field inside a payload that points past its end.
    BadInnerLength { what: &'static str, len: u64, available: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { needed, got } => {
                write!(f, "data truncated: need {needed} bytes, got {got}")
            }
            DecodeError::TooManyFields(n) => {
                write!(f, "rule has {n} fields, the limit is {}", crate::rule::MAX_FIELDS)
            }
            DecodeError::BufTruncated { buflen, available } => {
                write!(
                    f,
                    "rule string buffer truncated: buflen {buflen}, {available} bytes present"
                )
            }
            DecodeError::Short { what, needed, got } => {
                write!(f, "{what} truncated: need {needed} bytes, got {got}")
            }
            DecodeError::BadLength { len, available } => {
                write!(
                    f,
                    "bad netlink message length {len} ({available} bytes left in the datagram)"
                )
            }
            DecodeError::BadInnerLength { what, len, available } => {
                write!(f, "{what} length {len} is past the end of the payload ({available} bytes)")
            }
        }
    }
}

impl std::error::Error for DecodeError {}
