//! `--escape`: how interpreted values and default-format lines are made
//! safe for a terminal or a shell.

use std::io::{self, Write};

/// `--escape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    Raw,
    Tty,
    Shell,
    ShellQuote,
}

impl Escape {
    /// Whether byte `b` is escaped in this mode.
    fn escapes(self, b: u8) -> bool {
        const SHELL: &[u8] = b"\"'`$\\!()| ";
        const SHELL_QUOTE: &[u8] = b"\"'`$\\!()| ;#&*?[]<>{}";
        match self {
            Escape::Raw => false,
            Escape::Tty => b < 0x20,
            Escape::Shell => b < 0x20 || SHELL.contains(&b),
            Escape::ShellQuote => b < 0x20 || SHELL_QUOTE.contains(&b),
        }
    }

    /// Whether `text` needs any escaping in this mode.
    pub fn needed(self, text: &[u8]) -> bool {
        match self {
            Escape::Raw => false,
            // The common case, kept simple enough to vectorize.
            Escape::Tty => text.iter().fold(false, |any, &b| any | (b < 0x20)),
            _ => text.iter().any(|&b| self.escapes(b)),
        }
    }

    /// Appends `text` escaped: control bytes as `\ooo`, shell
    /// metacharacters with a backslash.
    pub fn push(self, buf: &mut Vec<u8>, text: &[u8]) {
        if !self.needed(text) {
            buf.extend_from_slice(text);
            return;
        }
        for &b in text {
            if b < 0x20 {
                buf.extend_from_slice(&[
                    b'\\',
                    b'0' + (b >> 6),
                    b'0' + ((b >> 3) & 7),
                    b'0' + (b & 7),
                ]);
            } else if self.escapes(b) {
                buf.extend_from_slice(&[b'\\', b]);
            } else {
                buf.push(b);
            }
        }
    }

    /// Escapes `buf[start..]` in place.
    pub fn apply_from(self, buf: &mut Vec<u8>, start: usize) {
        if self.needed(&buf[start..]) {
            let tail = buf.split_off(start);
            self.push(buf, &tail);
        }
    }

    /// Writes `text` escaped.
    pub fn write(self, out: &mut impl Write, text: &[u8]) -> io::Result<()> {
        if !self.needed(text) {
            return out.write_all(text);
        }
        let mut buf = Vec::with_capacity(text.len() + 16);
        self.push(&mut buf, text);
        out.write_all(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_modes() {
        let mut out = Vec::new();
        Escape::Tty.write(&mut out, b"a\tb $x").unwrap();
        assert_eq!(out, b"a\\011b $x");
        out.clear();
        Escape::Shell.write(&mut out, b"echo $HOME a|b").unwrap();
        assert_eq!(out, b"echo\\ \\$HOME\\ a\\|b");
        out.clear();
        Escape::ShellQuote.write(&mut out, b"a;b").unwrap();
        assert_eq!(out, b"a\\;b");
        out.clear();
        Escape::Raw.write(&mut out, b"a\tb").unwrap();
        assert_eq!(out, b"a\tb");
    }
}
