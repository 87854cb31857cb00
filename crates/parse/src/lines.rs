//! Splitting a log into the lines the reference reads.

use memchr::memchr;

/// The reference reads with `fgets` into a buffer of this size
/// (`MAX_AUDIT_MESSAGE_LENGTH`), so one read returns at most one byte less.
pub const READ_BUFFER: usize = 8970;

/// Iterates over the "lines" of a log as the reference sees them: a line
/// longer than the read buffer comes out in several pieces.
///
/// Each item excludes the newline; `Lines::had_newline` is not needed by
/// the callers, since a piece without one simply ends there.
pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Lines<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Lines { rest: data }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        // COMPAT: ausearch.c get_next_event: fgets with an 8970-byte buffer
        // returns at most 8969 bytes, newline included; a longer line is
        // read as several lines.
        let window = &self.rest[..self.rest.len().min(READ_BUFFER - 1)];
        let (piece, consumed) = match memchr(b'\n', window) {
            Some(nl) => (&window[..nl], nl + 1),
            None => (window, window.len()),
        };
        self.rest = &self.rest[consumed..];
        Some(piece)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_newlines_and_the_read_buffer() {
        let got: Vec<_> = Lines::new(b"a\nbc\n\nd").collect();
        assert_eq!(got, vec![&b"a"[..], b"bc", b"", b"d"]);
        let long = vec![b'x'; 9000];
        let pieces: Vec<_> = Lines::new(&long).map(<[u8]>::len).collect();
        assert_eq!(pieces, vec![8969, 31]);
        let mut exact = vec![b'y'; 8968];
        exact.push(b'\n');
        assert_eq!(Lines::new(&exact).map(<[u8]>::len).collect::<Vec<_>>(), vec![8968]);
    }
}
