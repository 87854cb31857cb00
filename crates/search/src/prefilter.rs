//! Literals an event must contain for the criteria to accept it.
//!
//! A selective search (`-k`, `-x`) can only match an event one of whose
//! records holds the wanted text in one of the ways the log writes it:
//! quoted or bare (`key="time-change"`), or hex-encoded
//! (`key=74696D652D6368616E6765`, several keys joined by 0x01). The
//! extractor (crate::extract) reads values only in those forms, so a
//! region of the log where none of these literals occurs holds no match,
//! and [`crate::skim`] need not parse it.
//!
//! `-m` is decided by the records' types: [`Types`] tells from a header's
//! type name whether the record can be of a wanted type.
//!
//! Both are necessary, not sufficient: a hit only makes the surrounding
//! events candidates, which the real matcher then decides.

use crate::criteria::Criteria;

/// Needles any matching event contains in at least one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literals {
    pub needles: Vec<Vec<u8>>,
}

/// The shortest hex needle worth searching for: shorter digit runs occur
/// everywhere and would make every region a candidate.
const MIN_HEX_RUN: usize = 4;

impl Literals {
    /// The literals for `criteria`, or None when no criterion gives a
    /// sound one (then every event must be looked at).
    pub fn of(criteria: &Criteria) -> Option<Literals> {
        // Criteria are ANDed: one criterion's literals are enough. The key
        // is the most selective in practice, so it goes first.
        if let Some(key) = &criteria.key
            && let Some(l) = Literals::for_value(key)
        {
            return Some(l);
        }
        if let Some(exe) = &criteria.exe
            && let Some(l) = Literals::for_value(exe)
        {
            return Some(l);
        }
        None
    }

    /// A string value as the log may write it: the text itself (quoted or
    /// bare), or within a hex encoding.
    fn for_value(value: &[u8]) -> Option<Literals> {
        // An empty needle matches every value; "(null)" and its pieces are
        // what the extractor supplies for a record with no exe= at all.
        if value.is_empty() || memchr::memmem::find(b"(null)", value).is_some() {
            return None;
        }
        // The hex form may use either case for the letters A-F (the
        // extractor decodes both), so only a run of hex digits 0-9 is
        // certain to appear: the longest such run of the value's encoding.
        // Every match decodes from a hex text holding the whole encoding.
        let hex: Vec<u8> = value.iter().flat_map(|b| format!("{b:02X}").into_bytes()).collect();
        let run = hex
            .split(|b| !b.is_ascii_digit())
            .max_by_key(|run| run.len())
            .filter(|run| run.len() >= MIN_HEX_RUN)?;
        let mut needles = vec![value.to_vec()];
        if run != value {
            needles.push(run.to_vec());
        }
        Some(Literals { needles })
    }
}

/// `-m`: the wanted record types, and the exact names that give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Types {
    pub wanted: Vec<i32>,
    names: Vec<&'static [u8]>,
}

impl Types {
    pub fn of(criteria: &Criteria) -> Option<Types> {
        let wanted = criteria.msg_types.clone()?;
        let names = raudit_tables::msg_type::MSG_TYPES
            .iter()
            .filter(|(code, _)| wanted.contains(&(*code as i32)))
            .map(|(_, name)| name.as_bytes())
            .collect();
        Some(Types { wanted, names })
    }

    /// Whether a record whose header names type `name` is of a wanted
    /// type, as [`raudit_parse::record::type_number`] reads the name. An
    /// upper-case name is compared with the wanted names (one comparison
    /// or two, instead of a lookup); other shapes go through the parser's
    /// rules (any case, `UNKNOWN[n]`, numbers).
    pub fn accepts(&self, name: &[u8]) -> bool {
        let plain = name.first().is_some_and(u8::is_ascii_uppercase)
            && !name.starts_with(b"UNKNOWN[")
            && name.iter().all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if plain {
            self.names.contains(&name)
        } else {
            self.wanted.contains(&raudit_parse::record::type_number(name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Criteria {
        Criteria { key: Some(k.as_bytes().to_vec()), ..Criteria::default() }
    }

    #[test]
    fn keys_are_searched_as_text_and_as_their_hex_digits() {
        // access = 61 63 63 65 73 73: all digits.
        let l = Literals::of(&key("access")).unwrap();
        assert_eq!(l.needles, vec![b"access".to_vec(), b"616363657373".to_vec()]);
        // time-change = 74 69 6D 65 2D 63 68 61 6E 67 65: the longest
        // letter-free run is "6368616" (63 68 61 and the 6 of 6E).
        let l = Literals::of(&key("time-change")).unwrap();
        assert_eq!(l.needles[1], b"6368616".to_vec());
    }

    #[test]
    fn no_literal_when_one_is_not_certain() {
        assert_eq!(Literals::of(&key("")), None);
        // 7A 7A: no run of four digits.
        assert_eq!(Literals::of(&key("zz")), None);
        let null = Criteria { exe: Some(b"null".to_vec()), ..Criteria::default() };
        assert_eq!(Literals::of(&null), None);
        assert_eq!(Literals::of(&Criteria { pid: Some(1), ..Criteria::default() }), None);
        let exe = Criteria { exe: Some(b"/usr/bin/cat".to_vec()), ..Criteria::default() };
        assert_eq!(
            Literals::of(&Criteria { msg_types: Some(vec![1300]), ..Criteria::default() }),
            None
        );
        assert_eq!(Literals::of(&exe).unwrap().needles[0], b"/usr/bin/cat".to_vec());
    }

    #[test]
    fn types_accept_every_spelling_the_parser_reads() {
        let c = Criteria { msg_types: Some(vec![1300, 1305]), ..Criteria::default() };
        let types = Types::of(&c).unwrap();
        for name in
            ["SYSCALL", "syscall", "SysCall", "CONFIG_CHANGE", "UNKNOWN[1300]", "1305", "1300x"]
        {
            assert!(types.accepts(name.as_bytes()), "{name}");
        }
        for name in ["PATH", "path", "UNKNOWN[1302]", "1302", "", "SYSCALLX", "NOSUCH"] {
            assert!(!types.accepts(name.as_bytes()), "{name}");
        }
        assert_eq!(Types::of(&Criteria::default()), None);
    }
}
