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
//! A number (`-p`, `-ui`, `-ue`, `-ul`, `-ua`, `--session`) is read by the
//! extractor after a text ending in `pid=`, `uid=` or `ses=`, as `(unsigned)strtoul` reads
//! it. Written plainly (decimal digits, no sign, space or leading zero,
//! at most 4294967295) its digits are the value's, so a matching record
//! holds `pid=N` followed by a non-digit. Any other spelling (`pid=-1`,
//! `pid=007`, `uid=4294967296`, `pid=?`) may read as N too: text where
//! one occurs is a candidate as well, so the test stays exact.
//!
//! `-sv no` has no value to look for, but every way the extractor comes
//! to a failure passes by a few texts ([`FAILURE`]).
//!
//! Both are necessary, not sufficient: a hit only makes the surrounding
//! events candidates, which the real matcher then decides.

use memchr::memmem::Finder;

use crate::criteria::{Criteria, Success};
use crate::extract::{UNSET_ID, UNSET_SESSION};

/// Needles any matching event contains in at least one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literals {
    pub needles: Vec<Vec<u8>>,
    /// For a number: the text its field names end with (`pid=`, `uid=`). The needle is
    /// that text and the number, and counts only as a whole number.
    pub number_field: Option<&'static [u8]>,
    /// Texts whose every occurrence is a hit, but for the values after
    /// them that no reader takes as a match.
    pub guarded: Vec<Guarded>,
}

/// A text that is a hit wherever it occurs, unless `unless` follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guarded {
    pub text: &'static [u8],
    pub unless: Option<(&'static [u8], Then)>,
}

/// What must follow the harmless value of a [`Guarded`] text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    Space,
    NoDigit,
}

impl Guarded {
    /// Whether the text after an occurrence makes it a hit.
    fn hits(&self, after: &[u8]) -> bool {
        let Some((value, then)) = self.unless else { return true };
        let Some(rest) = after.strip_prefix(value) else { return true };
        match then {
            Then::Space => rest.first() != Some(&b' '),
            Then::NoDigit => rest.first().is_some_and(u8::is_ascii_digit),
        }
    }
}

/// `-sv no`: every way a record can make its event's success false
/// (crate::extract): `success=` with another word than `yes` (SYSCALL);
/// `res=` with any value but `1` (read as a number, `res=success` is 0; as
/// a word, what starts with `failed`); `result=` (USER records without
/// `res=`, a failure unless `success`); `denied` (AVC).
const FAILURE: [Guarded; 4] = [
    Guarded { text: b"success=", unless: Some((b"yes", Then::Space)) },
    Guarded { text: b"res=", unless: Some((b"1", Then::NoDigit)) },
    Guarded { text: b"result=", unless: None },
    Guarded { text: b"denied", unless: None },
];

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
        // The command is read by the same readers as the executable.
        for value in [&criteria.exe, &criteria.comm].into_iter().flatten() {
            if let Some(l) = Literals::for_value(value) {
                return Some(l);
            }
        }
        // A terminal is always a piece of its record's text (`tty=`,
        // `terminal=`), but for the `(none)` a SYSCALL-less record gets.
        if let Some(tm) = criteria
            .terminal
            .as_ref()
            .filter(|tm| !tm.is_empty() && memchr::memmem::find(b"(none)", tm).is_none())
        {
            return Some(Literals {
                needles: vec![tm.clone()],
                number_field: None,
                guarded: Vec::new(),
            });
        }
        if let Some(pid) = criteria.pid.filter(|&p| p != 0 && p != UNSET_ID) {
            return Some(Literals::for_number(b"pid=", pid));
        }
        if let Some(&n) = criteria.written_uids().first() {
            return Some(Literals::for_number(b"uid=", n));
        }
        // Every reader of a session takes the number after a text ending in
        // `ses=`; a record without one leaves one of the unset values.
        if let Some(ses) = criteria.session.filter(|s| ![UNSET_SESSION, UNSET_ID].contains(s)) {
            return Some(Literals::for_number(b"ses=", ses));
        }
        (criteria.success == Some(Success::No)).then(|| Literals {
            needles: Vec::new(),
            number_field: None,
            guarded: FAILURE.to_vec(),
        })
    }

    fn for_number(field: &'static [u8], n: u32) -> Literals {
        let mut needle = field.to_vec();
        needle.extend_from_slice(n.to_string().as_bytes());
        Literals { needles: vec![needle], number_field: Some(field), guarded: Vec::new() }
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
        Some(Literals { needles, number_field: None, guarded: Vec::new() })
    }
}

/// [`Literals`] ready to search text.
pub struct LiteralFinder {
    needles: Vec<Finder<'static>>,
    number_field: Option<Finder<'static>>,
    guarded: Vec<(Finder<'static>, Guarded)>,
}

impl LiteralFinder {
    pub fn new(literals: &Literals) -> LiteralFinder {
        LiteralFinder {
            needles: literals.needles.iter().map(|n| Finder::new(n).into_owned()).collect(),
            number_field: literals.number_field.map(|f| Finder::new(f).into_owned()),
            guarded: literals.guarded.iter().map(|&g| (Finder::new(g.text), g)).collect(),
        }
    }

    /// Whether `text` (whole lines) may hold a record of a matching event.
    pub fn hit(&self, text: &[u8]) -> bool {
        self.occurrences(text).next().is_some()
    }

    /// Where in `text` the hits are, in order: a line holding none of them
    /// holds no record of a matching event.
    pub fn positions(&self, text: &[u8]) -> Vec<usize> {
        let mut at: Vec<usize> = self.occurrences(text).collect();
        at.sort_unstable();
        at.dedup();
        at
    }

    /// The hits in `text`, needle by needle: for a number, its needle as a
    /// whole number, then its field followed by any other spelling.
    fn occurrences<'t>(&'t self, text: &'t [u8]) -> impl Iterator<Item = usize> + 't {
        let whole = self.number_field.is_some();
        let needles = self.needles.iter().flat_map(move |f| {
            f.find_iter(text).filter(move |&at| {
                !whole || !text.get(at + f.needle().len()).is_some_and(u8::is_ascii_digit)
            })
        });
        let other_spellings = self.number_field.iter().flat_map(move |field| {
            field
                .find_iter(text)
                .filter(move |&at| !plain_number(&text[at + field.needle().len()..]))
        });
        let guarded = self.guarded.iter().flat_map(move |(finder, g)| {
            finder.find_iter(text).filter(move |&at| g.hits(&text[at + g.text.len()..]))
        });
        needles.chain(other_spellings).chain(guarded)
    }
}

/// Whether the number `v` starts with is written as `(unsigned)strtoul` reads it: decimal
/// digits with no sign, space or leading zero, at most 4294967295.
fn plain_number(v: &[u8]) -> bool {
    let digits = v.iter().take(11).take_while(|b| b.is_ascii_digit()).count();
    match v.first() {
        Some(b'1'..=b'9') if digits <= 9 => true,
        Some(b'1'..=b'9') if digits == 10 => {
            v[..10].iter().fold(0u64, |n, &b| n * 10 + u64::from(b - b'0')) <= u64::from(u32::MAX)
        }
        Some(b'0') => digits == 1,
        _ => false,
    }
}

/// `-m`: the wanted record types, and the exact names that give them
/// (both sorted: a report may want a few hundred types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Types {
    wanted: Vec<i32>,
    names: Vec<&'static [u8]>,
}

impl Types {
    pub fn of(criteria: &Criteria) -> Option<Types> {
        criteria.msg_types.as_deref().map(Types::new)
    }

    pub fn new(wanted: &[i32]) -> Types {
        let mut wanted = wanted.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let mut names: Vec<&'static [u8]> = raudit_tables::msg_type::MSG_TYPES
            .iter()
            .filter(|(code, _)| wanted.binary_search(&(*code as i32)).is_ok())
            .map(|(_, name)| name.as_bytes())
            .collect();
        names.sort_unstable();
        Types { wanted, names }
    }

    /// Whether records of type `code` are wanted.
    pub fn wants(&self, code: i32) -> bool {
        self.wanted.binary_search(&code).is_ok()
    }

    /// Whether a record whose header names type `name` is of a wanted
    /// type, as [`raudit_parse::record::type_number`] reads the name. An
    /// upper-case name is compared with the wanted names (one comparison
    /// or two, instead of a lookup); other shapes go through the parser's
    /// rules (any case, `UNKNOWN[n]`, numbers).
    pub fn accepts(&self, name: &[u8]) -> bool {
        // An upper-case name the table lacks reads as -1: only the
        // parser's rules know it.
        let plain = !self.wants(-1)
            && name.first().is_some_and(u8::is_ascii_uppercase)
            && !name.starts_with(b"UNKNOWN[")
            && name.iter().all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if plain {
            self.names.binary_search(&name).is_ok()
        } else {
            self.wants(raudit_parse::record::type_number(name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criteria::IdCriterion;
    use crate::extract::UNSET_LOGINUID;

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
        assert_eq!(Literals::of(&Criteria { pid: Some(0), ..Criteria::default() }), None);
        let ua = |n| Criteria { uid_all: Some(IdCriterion::Number(n)), ..Criteria::default() };
        assert_eq!(Literals::of(&ua(UNSET_LOGINUID)), None);
        let named = IdCriterion::Name { name: b"root".to_vec(), id: 0 };
        assert_eq!(Literals::of(&Criteria { uid: Some(named), ..Criteria::default() }), None);
        let exe = Criteria { exe: Some(b"/usr/bin/cat".to_vec()), ..Criteria::default() };
        assert_eq!(
            Literals::of(&Criteria { msg_types: Some(vec![1300]), ..Criteria::default() }),
            None
        );
        assert_eq!(Literals::of(&exe).unwrap().needles[0], b"/usr/bin/cat".to_vec());
        let tm =
            |t: &str| Criteria { terminal: Some(t.as_bytes().to_vec()), ..Criteria::default() };
        assert_eq!(Literals::of(&tm("pts/0")).unwrap().needles, vec![b"pts/0".to_vec()]);
        assert_eq!(Literals::of(&tm("none")), None);
        assert_eq!(Literals::of(&tm("")), None);
        let comm = Criteria { comm: Some(b"sshd".to_vec()), ..Criteria::default() };
        // sshd = 73 73 68 64: the whole encoding is digits.
        assert_eq!(
            Literals::of(&comm).unwrap().needles,
            vec![b"sshd".to_vec(), b"73736864".to_vec()]
        );
    }

    #[test]
    fn numbers_hit_as_whole_numbers_or_where_a_value_is_spelt_otherwise() {
        let pid = Literals::of(&Criteria { pid: Some(1234), ..Criteria::default() }).unwrap();
        assert_eq!(pid.needles, vec![b"pid=1234".to_vec()]);
        let pid = LiteralFinder::new(&pid);
        let line = |v: &str| format!("type=SYSCALL msg=audit(1.0:1): ppid=1 pid={v} auid=0 x=1");
        for v in ["1234", "1234\"", "1234,"] {
            assert!(pid.hit(line(v).as_bytes()), "{v}");
        }
        // Other plain numbers: no hit.
        for v in ["12345", "123", "4294967295", "0", "99 comm=\"1234\""] {
            assert!(!pid.hit(line(v).as_bytes()), "{v}");
        }
        // Spellings strtoul may read as 1234 (or that need a closer look): a hit.
        for v in ["01234", "+1234", "-4294966062", "4294968530", "12345678901", "", "?", "\t1"] {
            assert!(pid.hit(line(v).as_bytes()), "{v:?}");
            assert_eq!(pid.positions(line(v).as_bytes()), [38], "{v:?}");
        }
        // Positions: every hit, in order, whichever needle found it.
        let two = format!("{} {}", line("1234"), line("01234"));
        assert_eq!(pid.positions(two.as_bytes()), [38, line("1234").len() + 1 + 38]);
        assert_eq!(pid.positions(line("12345").as_bytes()), Vec::<usize>::new());
        let ua = Criteria { uid_all: Some(IdCriterion::Number(1001)), ..Criteria::default() };
        let ua = LiteralFinder::new(&Literals::of(&ua).unwrap());
        assert!(ua.hit(b"type=USER_LOGIN msg=audit(1.0:1): pid=1 uid=0 auid=1001 ses=1"));
        assert!(!ua.hit(b"type=USER_LOGIN msg=audit(1.0:1): pid=1 uid=0 auid=4294967295 ses=1"));
        // `-ua` decides alone; otherwise the first numeric one of -ui, -ue, -ul.
        let ue = Criteria {
            euid: Some(IdCriterion::Number(7)),
            loginuid: Some(IdCriterion::Number(8)),
            ..Criteria::default()
        };
        assert_eq!(Literals::of(&ue).unwrap().needles, vec![b"uid=7".to_vec()]);
        // --session: the number after `ses=` (also `new ses=`), not the unset values.
        let ses = |n| Criteria { session: Some(n), ..Criteria::default() };
        let s3 = LiteralFinder::new(&Literals::of(&ses(3)).unwrap());
        assert!(s3.hit(b"type=LOGIN msg=audit(1.0:1): pid=1 uid=0 old-ses=4294967295 ses=3 res=1"));
        assert!(s3.hit(b"type=USER_LOGIN msg=audit(1.0:1): pid=1 uid=0 auid=1 ses=03"));
        assert!(!s3.hit(b"type=USER_LOGIN msg=audit(1.0:1): pid=3 uid=3 auid=3 ses=33"));
        assert_eq!(Literals::of(&ses(u32::MAX)), None);
        assert_eq!(Literals::of(&ses(u32::MAX - 1)), None);
    }

    #[test]
    fn failures_hit_wherever_a_reader_may_see_one() {
        let no = Criteria { success: Some(Success::No), ..Criteria::default() };
        let no = LiteralFinder::new(&Literals::of(&no).unwrap());
        for text in [
            "syscall=2 success=no exit=-2",
            "success=maybe ",
            "success=yes",
            "success=yesno ",
            "res=0",
            "res=success'",
            "res=failed'",
            "res=10 ",
            "res= 1",
            "result=fail)",
            "avc:  denied  { read }",
        ] {
            assert!(no.hit(text.as_bytes()), "{text}");
        }
        for text in ["syscall=2 success=yes exit=3", "res=1 ", "res=1'", "res=1", "ses=0 x=1"] {
            assert!(!no.hit(text.as_bytes()), "{text}");
        }
        // `-sv yes` and no -sv: no literal.
        let yes = Criteria { success: Some(Success::Yes), ..Criteria::default() };
        assert_eq!(Literals::of(&yes), None);
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
        // -1: a name the parser does not know (through the library only: the
        // command line refuses such a type).
        let unknown = Criteria { msg_types: Some(vec![-1]), ..Criteria::default() };
        let unknown = Types::of(&unknown).unwrap();
        assert!(unknown.accepts(b"AUDIT_INTEGRITY_PCR") && unknown.accepts(b"nosuch"));
        assert!(!unknown.accepts(b"SYSCALL") && !unknown.accepts(b"UNKNOWN[1300]"));
    }
}
