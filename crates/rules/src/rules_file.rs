//! Reading audit.rules files as the reference does (auditctl -R).

/// The reference reads lines into a buffer of this size (fgets): a longer
/// line is read in pieces, each counted as a line of its own.
pub const LINE_BUFFER: usize = 6144;

/// One rule line: its number (from 1) and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLine {
    pub number: usize,
    pub args: Vec<String>,
}

/// Splits a rules file into argument lists: tokens are separated by
/// spaces only (a tab is part of a token), `\ ` is a space inside a token
/// and `\\` a backslash (except in the first token, where the reference
/// leaves its placeholder bytes); lines of spaces and lines whose first
/// token starts with `#` are skipped.
pub fn parse(text: &str) -> Vec<RuleLine> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut number = 0;
    while at < bytes.len() {
        // fgets: up to LINE_BUFFER - 1 bytes, or to the newline.
        let limit = (at + LINE_BUFFER - 1).min(bytes.len());
        let end = bytes[at..limit].iter().position(|&b| b == b'\n').map_or(limit, |p| at + p + 1);
        let mut piece = &bytes[at..end];
        at = end;
        number += 1;
        if let Some(p) = piece.iter().position(|&b| b == b'\n') {
            piece = &piece[..p];
        }
        if piece.iter().all(|&b| b == b' ') {
            continue;
        }
        // preprocess: escaped spaces and backslashes become placeholder
        // pairs (0x07 0x07, 0x04 0x04).
        let mut buf = piece.to_vec();
        let mut esc = false;
        for i in 0..buf.len() {
            if buf[i] == b'\\' && !esc {
                esc = true;
            } else if esc {
                if buf[i] == b' ' {
                    buf[i] = 7;
                    buf[i - 1] = 7;
                } else if buf[i] == b'\\' {
                    buf[i] = 4;
                    buf[i - 1] = 4;
                }
                esc = false;
            }
        }
        let tokens: Vec<&[u8]> = buf.split(|&b| b == b' ').filter(|t| !t.is_empty()).collect();
        let Some(first) = tokens.first() else { continue };
        if first.starts_with(b"#") {
            continue;
        }
        // The reference keeps at most strlen/3 + 1 tokens.
        let max = buf.len() / 3 + 1;
        let mut args = vec![String::from_utf8_lossy(first).into_owned()];
        for t in tokens.iter().skip(1).take(max.saturating_sub(1)) {
            args.push(String::from_utf8_lossy(&postprocess(t)).into_owned());
        }
        out.push(RuleLine { number, args });
    }
    out
}

/// Placeholder pairs back to a space or a backslash.
fn postprocess(t: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            7 => {
                out.push(b' ');
                i += 2;
            }
            4 => {
                out.push(b'\\');
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_comments_and_escapes() {
        let got = parse("# c\n\n  -w /a\\ b -p wa\n\t-D\n   # x\n-k a\\\\b\n");
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            RuleLine {
                number: 3,
                args: vec!["-w".into(), "/a b".into(), "-p".into(), "wa".into()]
            }
        );
        assert_eq!(got[1].args, vec!["\t-D".to_string()]);
        assert_eq!(got[2].args, vec!["-k".to_string(), "a\\b".to_string()]);
    }

    #[test]
    fn long_lines_are_read_in_pieces() {
        let text = format!("{}\n-D\n", "x".repeat(LINE_BUFFER));
        let got = parse(&text);
        assert_eq!(got.iter().map(|l| l.number).collect::<Vec<_>>(), vec![1, 2, 3]);
    }
}
