//! The two event formats plugins read (string lines and 3.0.9's binary frames), written into
//! reusable buffers so that formatting a record allocates nothing once the buffers have grown.

use std::io::Write;

/// `MAX_AUDIT_MESSAGE_LENGTH`: the binary format's data area, always sent whole by 3.0.9.
pub const DATA_AREA: usize = 8970;
/// `sizeof(struct audit_dispatcher_header)`.
pub const HEADER_LEN: usize = 16;

/// Which text a record carries (the header's `ver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `AUDISP_PROTOCOL_VER` (0): the kernel's `audit(...): ...` text; string plugins get
    /// `type=NAME msg=` in front of it.
    Raw,
    /// `AUDISP_PROTOCOL_VER2` (1): the line as written to disk (node=, type=, enrichment).
    Formatted,
}

impl Protocol {
    fn ver(self) -> u32 {
        match self {
            Protocol::Raw => 0,
            Protocol::Formatted => 1,
        }
    }
}

/// One record handed to the dispatcher.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub protocol: Protocol,
    /// The record type number.
    pub rtype: u32,
    /// The text: for [`Protocol::Raw`] the kernel payload, for [`Protocol::Formatted`] the disk
    /// line, without a trailing newline.
    pub data: &'a [u8],
}

impl<'a> Record<'a> {
    /// A kernel record (or the daemon's own) in the RAW protocol.
    pub fn raw(rtype: u32, data: &'a [u8]) -> Record<'a> {
        Record { protocol: Protocol::Raw, rtype, data }
    }

    /// A formatted disk line. The type is read from its `type=` token (a name or `UNKNOWN[n]`),
    /// as the reference does for network records; 0 when there is none.
    pub fn formatted(line: &'a [u8]) -> Record<'a> {
        Record { protocol: Protocol::Formatted, rtype: type_of_line(line), data: line }
    }

    /// The payload as 3.0.9 sends it: at most the data area, and up to a NUL (`%.*s`).
    fn payload(&self) -> &'a [u8] {
        let d = &self.data[..self.data.len().min(DATA_AREA)];
        match d.iter().position(|&b| b == 0) {
            Some(i) => &d[..i],
            None => d,
        }
    }
}

/// The record type named by a line's `type=` token.
pub fn type_of_line(line: &[u8]) -> u32 {
    let start = if line.starts_with(b"type=") {
        5
    } else {
        match line.windows(6).position(|w| w == b" type=") {
            Some(i) => i + 6,
            None => return 0,
        }
    };
    let rest = &line[start..];
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end]).ok().and_then(raudit_tables::msg_type::parse).unwrap_or(0)
}

/// The string format: one LF-terminated line, interior LFs turned into spaces.
pub fn write_string(rec: &Record<'_>, out: &mut Vec<u8>) {
    out.clear();
    let payload = rec.payload();
    if rec.protocol == Protocol::Raw {
        out.extend_from_slice(b"type=");
        match raudit_tables::msg_type::name_of(rec.rtype) {
            Some(name) => out.extend_from_slice(name.as_bytes()),
            // Writing into a Vec cannot fail.
            None => {
                let _ = write!(out, "UNKNOWN[{}]", rec.rtype);
            }
        }
        out.extend_from_slice(b" msg=");
    }
    let start = out.len();
    out.extend_from_slice(payload);
    for b in &mut out[start..] {
        if *b == b'\n' {
            *b = b' ';
        }
    }
    out.push(b'\n');
}

/// The binary format's header and payload; the sender pads the data area to [`DATA_AREA`]
/// bytes with zeros (3.0.9 sends the whole buffer whatever the size).
pub fn write_binary(rec: &Record<'_>, out: &mut Vec<u8>) {
    out.clear();
    let payload = rec.payload();
    let size = payload.len() as u32;
    for word in [rec.protocol.ver(), HEADER_LEN as u32, rec.rtype, size] {
        out.extend_from_slice(&word.to_ne_bytes());
    }
    out.extend_from_slice(payload);
}

/// Zeros to pad a binary frame: the bytes after the header and payload up to the data area.
pub fn binary_padding(frame_len: usize) -> &'static [u8] {
    static ZEROS: [u8; DATA_AREA] = [0; DATA_AREA];
    &ZEROS[..(HEADER_LEN + DATA_AREA).saturating_sub(frame_len).min(DATA_AREA)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_raw_and_formatted() {
        let mut out = Vec::new();
        write_string(&Record::raw(1320, b"audit(1.000:5): "), &mut out);
        assert_eq!(out, b"type=EOE msg=audit(1.000:5): \n");
        write_string(&Record::raw(60000, b"a\nb"), &mut out);
        assert_eq!(out, b"type=UNKNOWN[60000] msg=a b\n");
        let line = b"node=h type=SYSCALL msg=audit(1.0:2): x=1";
        let rec = Record::formatted(line);
        assert_eq!(rec.rtype, 1300);
        write_string(&rec, &mut out);
        assert_eq!(&out[..out.len() - 1], line);
        assert_eq!(Record::formatted(b"type=UNKNOWN[1234] msg=").rtype, 1234);
    }

    #[test]
    fn binary_frame() {
        let mut out = Vec::new();
        write_binary(&Record::raw(1300, b"abc"), &mut out);
        assert_eq!(out.len(), 19);
        assert_eq!(&out[4..8], &16u32.to_ne_bytes());
        assert_eq!(&out[8..12], &1300u32.to_ne_bytes());
        assert_eq!(&out[12..16], &3u32.to_ne_bytes());
        assert_eq!(out.len() + binary_padding(out.len()).len(), HEADER_LEN + DATA_AREA);
    }
}
