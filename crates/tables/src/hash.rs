//! The one fast hasher of raudit's maps (multiply-rotate, as rustc's
//! FxHasher). Keys are short (event keys, type and field names, ids) and
//! come from logs the user asked to read, so SipHash's flood resistance
//! buys nothing; a slow hash was a fifth of the assembly time.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash: one rotate, xor and multiply per 8-byte word.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

/// Builds [`FxHasher`]s for a `HashMap` or `HashSet`.
pub type FxBuildHasher = BuildHasherDefault<FxHasher>;

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// A `HashSet` with [`FxHasher`].
pub type FxHashSet<K> = HashSet<K, FxBuildHasher>;

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        // The last short word is zero-padded, so integers of every width
        // hash as the same number written as a u64.
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            if let Some(word) = word.first_chunk::<8>() {
                self.write_u64(u64::from_le_bytes(*word));
            }
        }
        // A byte loop for the rest, not a copy of a variable length (a
        // call to memcpy for every key).
        let rest = words.remainder();
        if !rest.is_empty() {
            self.write_u64(rest.iter().rev().fold(0, |word, &b| word << 8 | u64::from(b)));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(K);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_i32(&mut self, n: i32) {
        self.write_u64(u64::from(n as u32));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn integers_hash_as_their_bytes() {
        let b = FxBuildHasher::default();
        let mut h = b.build_hasher();
        h.write(&7u32.to_le_bytes());
        assert_eq!(h.finish(), b.hash_one(7u32));
        assert_ne!(b.hash_one("ab"), b.hash_one("ba"));
    }

    /// Bytes hash as zero-padded little-endian words, eight at a time.
    #[test]
    fn bytes_hash_as_padded_words() {
        let bytes: Vec<u8> = (1..=21).collect();
        for len in 0..=bytes.len() {
            let mut h = FxHasher::default();
            h.write(&bytes[..len]);
            let mut padded = FxHasher::default();
            for chunk in bytes[..len].chunks(8) {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                padded.write_u64(u64::from_le_bytes(word));
            }
            assert_eq!(h.finish(), padded.finish(), "{len} bytes");
        }
    }
}
