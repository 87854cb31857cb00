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
pub const NLM_F_ECHO: u16 = 0x8;
pub const NLM_F_DUMP_INTR: u16 = 0x10;
pub const NLM_F_ROOT: u16 = 0x100;
pub const NLM_F_MATCH: u16 = 0x200;
pub const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;
/// Flags of an NLMSG_ERROR reply (`NLM_F_CAPPED`: the original payload is
/// not echoed; `NLM_F_ACK_TLVS`: extended ACK attributes follow).
pub const NLM_F_CAPPED: u16 = 0x100;
pub const NLM_F_ACK_TLVS: u16 = 0x200;

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

/// A decoded NLMSG_ERROR payload: `error` then the header of the request
/// it answers (when the kernel included it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorMsg {
    /// 0 = ACK, negative = `-errno`, positive = the old counter value of a
    /// lost / backlog_wait_time_actual reset.
    pub error: i32,
    /// The header of the request this answers.
    pub request: Option<Header>,
}

impl ErrorMsg {
    pub fn decode(payload: &[u8]) -> Result<ErrorMsg, DecodeError> {
        let error = error_code(payload)?;
        let request = Header::decode(&payload[4..]).ok();
        Ok(ErrorMsg { error, request })
    }
}

/// How `nlmsg_len` is to be read in a received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthMode {
    /// Standard netlink: `nlmsg_len` counts header and payload. Replies to
    /// requests and multicast (AUDIT_NLGRP_READLOG) records use it.
    Standard,
    /// A socket registered as the audit daemon: besides standard replies it
    /// receives unicast records whose `nlmsg_len` is the payload length only.
    UnicastRecords,
}

/// One message of a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub header: Header,
    /// The payload; for records this is the text, possibly followed by NULs.
    pub payload: &'a [u8],
}

/// Splits a received datagram into its messages.
///
/// In [`LengthMode::UnicastRecords`] a record message (see
/// [`crate::msg::is_record`]) whose `nlmsg_len + 16` is exactly the rest of
/// the datagram is read with the kernel's unicast quirk: `nlmsg_len` is the
/// payload length. Every other message must have a standard length of at
/// least 16 bytes that fits the datagram.
pub fn split_datagram(buf: &[u8], mode: LengthMode) -> Result<Vec<Message<'_>>, DecodeError> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < buf.len() {
        let rest = &buf[off..];
        let header = Header::decode(rest)?;
        let len = header.len as usize;
        // COMPAT: kernel/audit.c audit_log_end + kauditd_send_queue: unicast
        // records to the daemon carry nlmsg_len = skb->len - NLMSG_HDRLEN.
        if mode == LengthMode::UnicastRecords
            && crate::msg::is_record(header.ty)
            && len.checked_add(HDR_LEN) == Some(rest.len())
        {
            out.push(Message { header, payload: &rest[HDR_LEN..] });
            break;
        }
        if len < HDR_LEN || len > rest.len() {
            return Err(DecodeError::BadLength { len: header.len, available: rest.len() });
        }
        out.push(Message { header, payload: &rest[HDR_LEN..len] });
        off += align(len).min(rest.len());
    }
    Ok(out)
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

    fn raw(len: u32, ty: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Header { len, ty, flags: 0, seq: 0, pid: 0 }.encode(&mut out);
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn splits_several_messages_and_reads_error_payloads() {
        let mut dgram = request(1013, NLM_F_MULTI, 3, b"abcde");
        let mut err = (-17i32).to_ne_bytes().to_vec();
        Header { len: 16, ty: 1011, flags: 5, seq: 3, pid: 0 }.encode(&mut err);
        dgram.extend(request(NLMSG_ERROR, 0, 3, &err));
        dgram.extend(request(NLMSG_DONE, NLM_F_MULTI, 3, &0i32.to_ne_bytes()));
        let msgs = split_datagram(&dgram, LengthMode::Standard).unwrap();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[0].payload, b"abcde");
        let e = ErrorMsg::decode(msgs[1].payload).unwrap();
        assert_eq!(e.error, -17);
        assert_eq!(e.request.map(|h| h.ty), Some(1011));
        assert_eq!(msgs[2].header.ty, NLMSG_DONE);
        assert_eq!(ErrorMsg::decode(&0i32.to_ne_bytes()).unwrap().request, None);
    }

    #[test]
    fn unicast_record_length_quirk() {
        let text = b"audit(1.002:3): hello";
        let quirky = raw(text.len() as u32, 1300, text);
        let msgs = split_datagram(&quirky, LengthMode::UnicastRecords).unwrap();
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].payload, text);
        // A standard reader cannot make sense of the same bytes...
        let misread = split_datagram(&quirky, LengthMode::Standard);
        assert!(misread.map_or(true, |m| m[0].payload != text));
        // ...and a standard record still reads right in unicast mode.
        let std = raw(16 + text.len() as u32, 1300, text);
        let msgs = split_datagram(&std, LengthMode::UnicastRecords).unwrap();
        assert_eq!(msgs[0].payload, text);
        // Replies (1000-1099) never get the quirk.
        let reply = raw(4, 1000, &[0; 4]);
        assert!(split_datagram(&reply, LengthMode::UnicastRecords).is_err());
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert!(split_datagram(&raw(8, 1300, b""), LengthMode::Standard).is_err());
        assert!(split_datagram(&raw(100, 1300, b"short"), LengthMode::Standard).is_err());
        assert!(split_datagram(&[1, 2, 3], LengthMode::UnicastRecords).is_err());
        assert_eq!(split_datagram(&[], LengthMode::Standard).unwrap().len(), 0);
    }
}
