//! Netlink framing: `struct nlmsghdr` and the generic message types and flags.

use crate::DecodeError;

/// Size of `struct nlmsghdr`.
pub const HDR_LEN: usize = 16;

/// Generic netlink message types (`linux/netlink.h`).
pub const NLMSG_NOOP: u16 = 1;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLMSG_OVERRUN: u16 = 4;

/// Header flags.
pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_MULTI: u16 = 0x2;
pub const NLM_F_ACK: u16 = 0x4;

/// Rounds up to netlink's 4-byte alignment (`NLMSG_ALIGN`).
pub const fn align(len: usize) -> usize {
    (len + 3) & !3
}

/// `struct nlmsghdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    pub len: u32,
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
}

impl Header {
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.len.to_ne_bytes());
        out.extend_from_slice(&self.ty.to_ne_bytes());
        out.extend_from_slice(&self.flags.to_ne_bytes());
        out.extend_from_slice(&self.seq.to_ne_bytes());
        out.extend_from_slice(&self.pid.to_ne_bytes());
    }

    pub fn decode(bytes: &[u8]) -> Result<Header, DecodeError> {
        if bytes.len() < HDR_LEN {
            return Err(DecodeError::Truncated { needed: HDR_LEN, got: bytes.len() });
        }
        Ok(Header {
            len: u32_at(bytes, 0),
            ty: u16::from_ne_bytes([bytes[4], bytes[5]]),
            flags: u16::from_ne_bytes([bytes[6], bytes[7]]),
            seq: u32_at(bytes, 8),
            pid: u32_at(bytes, 12),
        })
    }
}

/// A whole request: header plus payload, padded to alignment, with
/// `nlmsg_len` covering header and payload (`NLMSG_LENGTH`).
pub fn request(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(align(HDR_LEN + payload.len()));
    Header { len: (HDR_LEN + payload.len()) as u32, ty, flags, seq, pid: 0 }.encode(&mut out);
    out.extend_from_slice(payload);
    out.resize(align(out.len()), 0);
    out
}

/// Reads the `error` field of an NLMSG_ERROR payload: 0 is an ACK, a
/// negative value is `-errno`, and a positive value is the old counter the
/// kernel returns for the lost / backlog_wait_time_actual resets.
pub fn error_code(payload: &[u8]) -> Result<i32, DecodeError> {
    if payload.len() < 4 {
        return Err(DecodeError::Truncated { needed: 4, got: payload.len() });
    }
    Ok(i32::from_ne_bytes([payload[0], payload[1], payload[2], payload[3]]))
}

pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_padded_and_round_trips() {
        let bytes = request(1005, NLM_F_REQUEST | NLM_F_ACK, 7, b"hello\0");
        assert_eq!(bytes.len(), 24);
        let hdr = Header::decode(&bytes).unwrap();
        assert_eq!(hdr, Header { len: 22, ty: 1005, flags: 5, seq: 7, pid: 0 });
        assert!(Header::decode(&bytes[..10]).is_err());
        assert_eq!(error_code(&(-17i32).to_ne_bytes()), Ok(-17));
        assert!(error_code(&[1, 2]).is_err());
    }
}
