//! The managed wire format shared by audisp-remote and auditd's listener: a 16-byte little-endian
//! header, then `length` payload bytes. Both ends use [`Header`] to build frames and [`Decoder`] to
//! cut a byte stream into frames without trusting the peer.

use thiserror::Error;

/// Bytes of every header.
pub const HEADER_SIZE: usize = 16;
/// Header magic (bytes `FE 00 00 FF` on the wire).
pub const MAGIC: u32 = 0xFF00_00FE;
/// Largest payload either end accepts (the reference's MAX_AUDIT_MESSAGE_LENGTH).
pub const MAX_PAYLOAD: usize = 8970;

/// A record line (payload = the line with its trailing LF).
pub const TYPE_MESSAGE: u32 = 0x0000_0000;
/// Keep-alive from the client; answered by an ACK with the same sequence.
pub const TYPE_HEARTBEAT: u32 = 0x0000_0001;
/// The record was stored.
pub const TYPE_ACK: u32 = 0x4000_0000;
/// The server is shutting down (sequence 0, whatever was in flight).
pub const TYPE_ENDING: u32 = 0x4000_0001;
/// Stored, but the server passed its space_left threshold.
pub const TYPE_DISKLOW: u32 = 0x5000_0001;
/// Not stored: disk full.
pub const TYPE_DISKFULL: u32 = 0x6000_0001;
/// Not stored: write error, or logging suspended.
pub const TYPE_DISKERROR: u32 = 0x6000_0002;
/// Set in every reply type.
pub const MASK_REPLY: u32 = 0x4000_0000;
/// Set in replies the client must treat as errors.
pub const MASK_FATAL: u32 = 0x2000_0000;
/// Set in replies the client must treat as warnings.
pub const MASK_WARN: u32 = 0x1000_0000;
/// The detail bits of a type.
pub const MASK_DETAIL: u32 = 0x000F_FFFF;

/// `message_version` by which raudit peers announce pipelining (beyond the reference, which always
/// writes 0 and never reads the field).
pub const VERSION_PIPELINE: u8 = 1;

/// One frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub header_version: u8,
    pub message_version: u8,
    pub msg_type: u32,
    pub length: u16,
    pub sequence: u32,
}

impl Header {
    /// A version-0 header, as the reference builds them.
    pub fn new(msg_type: u32, length: u16, sequence: u32) -> Header {
        Header { header_version: 0, message_version: 0, msg_type, length, sequence }
    }

    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        b[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        b[4] = self.header_version;
        b[5] = self.message_version;
        b[6..10].copy_from_slice(&self.msg_type.to_le_bytes());
        b[10..12].copy_from_slice(&self.length.to_le_bytes());
        b[12..16].copy_from_slice(&self.sequence.to_le_bytes());
        b
    }

    /// Parse and check a header: magic, and a length within [`MAX_PAYLOAD`].
    pub fn decode(b: &[u8; HEADER_SIZE]) -> Result<Header, WireError> {
        let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        if magic != MAGIC {
            return Err(WireError::BadMagic(magic));
        }
        let h = Header {
            header_version: b[4],
            message_version: b[5],
            msg_type: u32::from_le_bytes([b[6], b[7], b[8], b[9]]),
            length: u16::from_le_bytes([b[10], b[11]]),
            sequence: u32::from_le_bytes([b[12], b[13], b[14], b[15]]),
        };
        if usize::from(h.length) > MAX_PAYLOAD {
            return Err(WireError::TooLong(h.length));
        }
        Ok(h)
    }

    pub fn is_reply(&self) -> bool {
        self.msg_type & MASK_REPLY != 0
    }
}

/// Append one whole frame (header + payload) to `out`.
pub fn put_frame(out: &mut Vec<u8>, msg_type: u32, mver: u8, sequence: u32, payload: &[u8]) {
    let len = payload.len().min(MAX_PAYLOAD);
    let mut h = Header::new(msg_type, len as u16, sequence);
    h.message_version = mver;
    out.extend_from_slice(&h.encode());
    out.extend_from_slice(&payload[..len]);
}

/// The record line a MESSAGE frame carries, as the listener hands it on: the payload is read as a
/// C string (up to its first NUL) with one trailing LF removed.
pub fn record_line(payload: &[u8]) -> &[u8] {
    // COMPAT: auditd-listen.c copies the payload as a C string and drops one trailing LF.
    let line = payload.iter().position(|&b| b == 0).map_or(payload, |z| &payload[..z]);
    line.strip_suffix(b"\n").unwrap_or(line)
}

/// Why a byte stream is not a valid frame sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum WireError {
    #[error("bad magic number 0x{0:08x}")]
    BadMagic(u32),
    #[error("message too long ({0} bytes, at most 8970)")]
    TooLong(u16),
    #[error("connection ended inside a frame ({0} bytes left over)")]
    Truncated(usize),
}

/// Incremental frame splitter: feed it whatever `read` returned, take frames out. It never panics
/// and never buffers more than one frame plus one read.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    start: usize,
}

/// One decoded frame, borrowed from the decoder.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub header: Header,
    pub payload: &'a [u8],
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder { buf: Vec::new(), start: 0 }
    }

    /// Give back memory after a burst: a client that went quiet (or stalls inside a frame) keeps
    /// at most one frame's worth.
    pub fn shrink(&mut self) {
        const KEEP: usize = HEADER_SIZE + MAX_PAYLOAD;
        if self.buf.capacity() > 2 * KEEP {
            self.compact();
            self.buf.shrink_to(KEEP.max(self.buf.len()));
        }
    }

    /// Room to read into: call [`Decoder::filled`] with the byte count afterwards.
    pub fn spare(&mut self, want: usize) -> &mut [u8] {
        self.compact();
        let len = self.buf.len();
        self.buf.resize(len + want, 0);
        &mut self.buf[len..]
    }

    /// After reading `n` bytes into [`Decoder::spare`] of size `want`.
    pub fn filled(&mut self, want: usize, n: usize) {
        let keep = self.buf.len() - want + n.min(want);
        self.buf.truncate(keep);
    }

    /// Append bytes received from the peer.
    pub fn push(&mut self, data: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(data);
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Bytes received but not yet returned as frames.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole frame, `Ok(None)` while one is incomplete. After an error the stream cannot be
    /// resynchronised: the connection should be closed.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, WireError> {
        let avail = &self.buf[self.start..];
        if avail.len() < HEADER_SIZE {
            // Reject a wrong magic as soon as 4 bytes are there rather than waiting for 16.
            if avail.len() >= 4 {
                let magic = u32::from_le_bytes([avail[0], avail[1], avail[2], avail[3]]);
                if magic != MAGIC {
                    return Err(WireError::BadMagic(magic));
                }
            }
            return Ok(None);
        }
        let mut hb = [0u8; HEADER_SIZE];
        hb.copy_from_slice(&avail[..HEADER_SIZE]);
        let header = Header::decode(&hb)?;
        let total = HEADER_SIZE + usize::from(header.length);
        if avail.len() < total {
            return Ok(None);
        }
        let from = self.start + HEADER_SIZE;
        self.start += total;
        Ok(Some(Frame { header, payload: &self.buf[from..from + usize::from(header.length)] }))
    }

    /// At end of stream: an error if a partial frame is left.
    pub fn finish(&self) -> Result<(), WireError> {
        match self.pending() {
            0 => Ok(()),
            n => Err(WireError::Truncated(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dossier_vectors() {
        let h = Header::new(TYPE_MESSAGE, 10, 2).encode();
        assert_eq!(h, [0xfe, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0x0a, 0, 2, 0, 0, 0]);
        let a = Header::new(TYPE_ACK, 0, 2).encode();
        assert_eq!(a, [0xfe, 0, 0, 0xff, 0, 0, 0, 0, 0, 0x40, 0, 0, 2, 0, 0, 0]);
        assert_eq!(Header::decode(&a), Ok(Header::new(TYPE_ACK, 0, 2)));
        assert!(Header::new(TYPE_DISKFULL, 0, 0).is_reply());
        assert_eq!(TYPE_DISKFULL & MASK_FATAL, MASK_FATAL);
        assert_eq!(TYPE_DISKLOW & MASK_WARN, MASK_WARN);
    }

    #[test]
    fn byte_by_byte_and_batched() {
        let mut wire = Vec::new();
        put_frame(&mut wire, TYPE_MESSAGE, 0, 5, b"type=X msg=a\n");
        put_frame(&mut wire, TYPE_HEARTBEAT, 1, 6, b"");
        put_frame(&mut wire, TYPE_MESSAGE, 0, 7, b"b\n");
        let mut d = Decoder::new();
        let mut got = Vec::new();
        for b in &wire {
            d.push(std::slice::from_ref(b));
            while let Some(f) = d.next_frame().unwrap() {
                got.push((f.header.sequence, f.payload.to_vec()));
            }
        }
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (5, b"type=X msg=a\n".to_vec()));
        assert_eq!(got[2], (7, b"b\n".to_vec()));
        d.finish().unwrap();
        let mut d = Decoder::new();
        let n = wire.len();
        d.spare(n).copy_from_slice(&wire);
        d.filled(n, n);
        let mut count = 0;
        while d.next_frame().unwrap().is_some() {
            count += 1;
        }
        assert_eq!(count, 3);
    }

    #[test]
    fn seeded_noise_never_panics() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut good = Vec::new();
        put_frame(&mut good, TYPE_MESSAGE, 0, 3, b"node=a type=B msg=audit(1.000:1): x=y\n");
        for _ in 0..2000 {
            let mut data = good.repeat(3);
            for _ in 0..(rnd() % 4) {
                let i = (rnd() as usize) % data.len();
                data[i] = rnd() as u8;
            }
            let cut = (rnd() as usize) % data.len();
            let mut d = Decoder::new();
            'parts: for part in [&data[..cut], &data[cut..]] {
                d.push(part);
                loop {
                    match d.next_frame() {
                        Ok(Some(f)) => assert_eq!(f.payload.len(), usize::from(f.header.length)),
                        Ok(None) => break,
                        Err(_) => break 'parts,
                    }
                }
            }
        }
    }

    #[test]
    fn record_line_stops_at_nul_and_drops_one_lf() {
        assert_eq!(record_line(b"a b\n"), b"a b");
        assert_eq!(record_line(b"a\n\n"), b"a\n");
        assert_eq!(record_line(b"a\0b\n"), b"a");
        assert_eq!(record_line(b""), b"");
    }

    #[test]
    fn bad_input_is_typed() {
        let mut d = Decoder::new();
        d.push(b"garbage\n");
        assert_eq!(d.next_frame(), Err(WireError::BadMagic(u32::from_le_bytes(*b"garb"))));
        let mut d = Decoder::new();
        let mut h = Header::new(TYPE_MESSAGE, 0, 1).encode();
        h[10..12].copy_from_slice(&9000u16.to_le_bytes());
        d.push(&h);
        assert_eq!(d.next_frame(), Err(WireError::TooLong(9000)));
        let mut d = Decoder::new();
        d.push(&Header::new(TYPE_MESSAGE, 4, 1).encode()[..9]);
        assert_eq!(d.next_frame(), Ok(None));
        assert_eq!(d.finish(), Err(WireError::Truncated(9)));
        let mut d = Decoder::new();
        d.push(&[0xfe, 0]);
        assert_eq!(d.next_frame(), Ok(None));
    }
}
