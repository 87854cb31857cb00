//! The interpretations an ENRICHED log stored after 0x1D: `NAME=value`
//! pairs the reference prefers to its own lookups.

/// The stored interpretations of one record, names lower-cased.
#[derive(Debug, Default, Clone)]
pub struct Stored<'a> {
    pairs: Vec<(Vec<u8>, &'a [u8])>,
}

impl<'a> Stored<'a> {
    /// Reads the enriched part of a record (what follows 0x1D).
    pub fn parse(text: &'a [u8]) -> Stored<'a> {
        let mut pairs = Vec::new();
        // COMPAT: a SADDR-only part is one value running from `{` to the end.
        if let Some(rest) = text.strip_prefix(b"SADDR=") {
            if let Some(open) = rest.iter().position(|&b| b == b'{')
                && rest[open..].contains(&b'}')
            {
                pairs.push((b"saddr".to_vec(), &rest[open..]));
            }
            return Stored { pairs };
        }
        for token in text.split(|&b| b == b' ').filter(|t| !t.is_empty()) {
            let Some(eq) = token.iter().position(|&b| b == b'=') else { continue };
            let name = token[..eq].to_ascii_lowercase();
            pairs.push((name, &token[eq + 1..]));
        }
        Stored { pairs }
    }

    /// The stored value of field `name`, the first one if several.
    pub fn get(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.pairs.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}
