//! The RAW on-disk line of a record (kernel-and-daemon.md §3.1).

/// Longest RAW line without a node prefix (the reference's formatting buffer, less its NUL).
// COMPAT: auditd-event.c format_raw: MAX_AUDIT_MESSAGE_LENGTH (8970) - 32 bytes of buffer.
pub const MAX_RAW_LINE: usize = 8970 - 32 - 1;
/// Longest RAW line with a node prefix.
pub const MAX_RAW_LINE_NODE: usize = 8970 + 255 - 32 - 1;
/// Longest stored line (after enrichment), without its newline.
pub const MAX_STORED_LINE: usize = 8970 - 1;

/// `[node=NODE ]type=TYPE msg=PAYLOAD` plus a newline.
///
/// Every newline in the payload becomes a space; without a node prefix one trailing space is
/// removed (so EOE's `audit(...): ` ends in `):`). Over-long lines are cut.
pub fn raw_line(node: Option<&str>, msg_type: u16, payload: &[u8]) -> Vec<u8> {
    let mut line = Vec::with_capacity(payload.len() + 64);
    raw_line_into(&mut line, node, msg_type, payload);
    line
}

/// [`raw_line`] appended to `out` (which may hold earlier lines).
pub fn raw_line_into(out: &mut Vec<u8>, node: Option<&str>, msg_type: u16, payload: &[u8]) {
    let start = out.len();
    let name = raudit_tables::msg_type::display_name(u32::from(msg_type));
    out.reserve(payload.len() + name.len() + 32);
    if let Some(node) = node {
        out.extend_from_slice(b"node=");
        out.extend_from_slice(node.as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(b"type=");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b" msg=");
    let body = out.len();
    out.extend_from_slice(payload);
    for b in &mut out[body..] {
        if *b == b'\n' {
            *b = b' ';
        }
    }
    let max = if node.is_some() { MAX_RAW_LINE_NODE } else { MAX_RAW_LINE };
    out.truncate(start + max);
    // COMPAT: auditd-event.c format_raw: the trailing space is dropped only when there is no
    // node prefix.
    if node.is_none() && out.len() > start && out.last() == Some(&b' ') {
        out.pop();
    }
    out.truncate(start + MAX_STORED_LINE);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(
            raw_line(None, 1300, b"audit(1.002:3): arch=c000003e"),
            b"type=SYSCALL msg=audit(1.002:3): arch=c000003e\n"
        );
        assert_eq!(raw_line(None, 1320, b"audit(1.002:3): "), b"type=EOE msg=audit(1.002:3):\n");
        assert_eq!(
            raw_line(Some("h"), 1320, b"audit(1.002:3): "),
            b"node=h type=EOE msg=audit(1.002:3): \n"
        );
        assert_eq!(raw_line(None, 1999, b"a\nb"), b"type=UNKNOWN[1999] msg=a b\n");
        assert_eq!(raw_line(None, 1300, &[b'x'; 20000]).len(), MAX_RAW_LINE + 1);
    }
}
