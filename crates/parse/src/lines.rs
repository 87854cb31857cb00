//! Splitting a log into the lines the reference reads.

use memchr::{memchr, memrchr};

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

/// Where the first piece [`Lines`] yields that reaches `at` ends, `from` (at most `at`) being where
/// a piece starts. Cutting a log there splits no piece, however long its lines are, so a reader
/// can take a huge line in bounded blocks and still see the pieces the reference reads.
pub fn piece_end_after(data: &[u8], from: usize, at: usize) -> usize {
    if at >= data.len() {
        return data.len();
    }
    // Past the last newline before `at`, every piece is a full read buffer until a newline.
    let mut start = memrchr(b'\n', &data[from..at]).map_or(from, |i| from + i + 1);
    while start < at {
        let window_end = (start + READ_BUFFER - 1).min(data.len());
        match memchr(b'\n', &data[start..window_end]) {
            Some(nl) => return start + nl + 1,
            None => start = window_end,
        }
    }
    start
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

    /// Cutting anywhere at `piece_end_after` and reading the parts gives the pieces of the whole.
    #[test]
    fn cuts_split_no_piece() {
        let mut data = b"short\n".to_vec();
        data.extend(vec![b'x'; 30_000]);
        data.extend(b"\nmid\n");
        data.extend(vec![b'y'; 9_000]);
        let whole: Vec<&[u8]> = Lines::new(&data).collect();
        for step in [1, 100, 5_000, 8_969, 20_000] {
            let mut parts = Vec::new();
            let mut pos = 0;
            while pos < data.len() {
                let end = piece_end_after(&data, pos, pos + step);
                assert!(end > pos && end >= (pos + step).min(data.len()));
                parts.extend(Lines::new(&data[pos..end]));
                pos = end;
            }
            assert_eq!(parts, whole, "step {step}");
        }
    }
}
