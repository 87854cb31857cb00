//! ausearch's raw and default output formats and its escaping.
//!
//! Interpreted, csv and text output come from the interpretation library;
//! [`Format`] names them so the command line can be parsed in one place.

use std::io::{self, Write};

use raudit_parse::{Event, record::types};

/// `--format` (and `-r`, `-i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Raw,
    Default,
    Interpret,
    Csv,
    Text,
}

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

    /// Writes `text` escaped: control bytes as `\ooo`, shell
    /// metacharacters with a backslash.
    pub fn write(self, out: &mut impl Write, text: &[u8]) -> io::Result<()> {
        if !text.iter().any(|&b| self.escapes(b)) {
            return out.write_all(text);
        }
        let mut buf = Vec::with_capacity(text.len() + 16);
        for &b in text {
            if b < 0x20 && self != Escape::Raw {
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
        out.write_all(&buf)
    }
}

/// Every record as read, in arrival order.
pub fn write_raw(out: &mut impl Write, event: &Event<'_>) -> io::Result<()> {
    // COMPAT: ausearch-report.c output_raw: in an event that holds any
    // enriched record, every record is printed with the separator, even a
    // record that had none.
    let enriched = event.records.iter().any(|r| r.enriched.is_some());
    for r in &event.records {
        out.write_all(r.text)?;
        if enriched {
            out.write_all(&[raudit_parse::record::ENRICHED_SEPARATOR])?;
            out.write_all(r.enriched.unwrap_or(&[]))?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `----`, the `time->` header, then the records last first, escaped.
pub fn write_default(
    out: &mut impl Write,
    event: &Event<'_>,
    escape: Escape,
    ctime: &dyn Fn(i64) -> String,
) -> io::Result<()> {
    writeln!(out, "----\ntime->{}", ctime(event.key.sec as i64))?;
    let last = event.records.last().expect("an event has a record");
    // COMPAT: ausearch-report.c output_default: a daemon record that ends
    // an event is printed alone and unescaped.
    if (types::FIRST_DAEMON..types::FIRST_EVENT).contains(&last.rtype) {
        out.write_all(last.text)?;
        return out.write_all(b"\n");
    }
    for r in event.records.iter().rev() {
        escape.write(out, r.text)?;
        out.write_all(b"\n")?;
    }
    Ok(())
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
