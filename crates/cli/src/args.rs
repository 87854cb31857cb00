//! The reference's whole-token argument grammar (ausearch, aureport).

use std::ffi::OsString;

/// Walks the arguments. An option's value is the next argument only if it
/// does not start with `-` ([`ArgCursor::value`]); a few options take it
/// regardless ([`ArgCursor::value_any`]).
pub struct ArgCursor {
    args: Vec<String>,
    pos: usize,
}

impl ArgCursor {
    /// Arguments after the program name. Non-UTF-8 arguments are kept
    /// lossily: option names are ASCII, and values that matter (paths) are
    /// rare enough to accept the replacement character.
    pub fn new(args: &[OsString]) -> Self {
        ArgCursor { args: args.iter().map(|a| a.to_string_lossy().into_owned()).collect(), pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// The next option word, if any.
    pub fn next_option(&mut self) -> Option<String> {
        let word = self.args.get(self.pos)?.clone();
        self.pos += 1;
        Some(word)
    }

    /// The argument after the current option, if it does not start with `-`.
    pub fn peek_value(&self) -> Option<&str> {
        self.args.get(self.pos).map(String::as_str).filter(|v| !v.starts_with('-'))
    }

    /// Takes the value (see [`ArgCursor::peek_value`]).
    pub fn value(&mut self) -> Option<String> {
        let v = self.peek_value()?.to_string();
        self.pos += 1;
        Some(v)
    }

    /// The argument after the current option even if it starts with `-`
    /// (`-e -EPERM`, `-ul -1`, `--session -1`).
    pub fn peek_any(&self) -> Option<&str> {
        self.args.get(self.pos).map(String::as_str)
    }

    /// The argument after the next one, if it does not start with `-`
    /// (the optional second word of `-ts DATE TIME`).
    pub fn peek_second_value(&self) -> Option<&str> {
        self.args.get(self.pos + 1).map(String::as_str).filter(|v| !v.starts_with('-'))
    }

    /// Consumes `n` values that were peeked.
    pub fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.args.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_only_when_not_dash_led() {
        let args: Vec<OsString> =
            ["-k", "-p", "5", "-ts", "today", "10:00"].iter().map(OsString::from).collect();
        let mut c = ArgCursor::new(&args);
        assert_eq!(c.next_option().as_deref(), Some("-k"));
        assert_eq!(c.value(), None);
        assert_eq!(c.peek_any(), Some("-p"));
        assert_eq!(c.next_option().as_deref(), Some("-p"));
        assert_eq!(c.value().as_deref(), Some("5"));
        c.next_option();
        assert_eq!((c.peek_value(), c.peek_second_value()), (Some("today"), Some("10:00")));
        c.skip(2);
        assert_eq!(c.next_option(), None);
    }
}
