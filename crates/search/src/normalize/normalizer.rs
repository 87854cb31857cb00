//! Who did what to what: the reference's normaliser (libauparse's
//! `auparse_normalize`). It walks an event with the auparse cursor and
//! remembers where each piece is (a record and a field number), or sets
//! words (action, how, kinds) directly. Where it looks, and in which
//! record a found field is said to be, follow the reference, including
//! its slips (marked COMPAT).
//!
//! This module holds the walker's state, what it found ([`Norm`]), the
//! record-type and object-kind numbers it compares, and the entry point;
//! the walk itself is split by what it looks for: [`super::subject`],
//! [`super::object`], and the event shapes [`super::syscall`] (events
//! with a SYSCALL record) and [`super::simple`] (single-record events).

use std::borrow::Cow;

use super::au::Au;
use super::tables;

/// A field: record number and field number.
pub type Loc = Option<(usize, usize)>;

/// Record types the normaliser compares.
pub use raudit_tables::msg_type::code as t;

/// Object kinds (index into [`tables::OBJ_KIND`]).
pub(super) mod what {
    pub const UNKNOWN: usize = 0;
    pub const FIFO: usize = 1;
    pub const CHAR_DEV: usize = 2;
    pub const DIRECTORY: usize = 3;
    pub const BLOCK_DEV: usize = 4;
    pub const FILE: usize = 5;
    pub const LINK: usize = 6;
    pub const SOCKET: usize = 7;
    pub const PROCESS: usize = 8;
    pub const FIREWALL: usize = 9;
    pub const SERVICE: usize = 10;
    pub const ACCT: usize = 11;
    pub const USER_SESSION: usize = 12;
    pub const VM: usize = 13;
    pub const PRINTER: usize = 14;
    pub const SYSTEM: usize = 15;
    pub const AUDIT_RULE: usize = 16;
    pub const AUDIT_CONFIG: usize = 17;
    pub const MAC_CONFIG: usize = 18;
    pub const FILESYSTEM: usize = 19;
    pub const MEMORY: usize = 20;
    pub const KEYSTROKES: usize = 21;
    pub const SOFTWARE: usize = 23;
}

/// What the normaliser found.
#[derive(Default)]
pub struct Norm {
    pub evkind: Option<&'static str>,
    pub session: Loc,
    pub subj_primary: Loc,
    pub subj_secondary: Loc,
    pub subj_kind: Option<&'static str>,
    pub subj_attrs: Vec<(usize, usize)>,
    pub action: Option<Cow<'static, [u8]>>,
    pub obj_primary: Loc,
    pub obj_secondary: Loc,
    pub obj_two: Loc,
    pub obj_attrs: Vec<(usize, usize)>,
    pub obj_kind: usize,
    pub results: Loc,
    pub how: Option<Vec<u8>>,
    pub key: Loc,
}

impl Norm {
    pub fn obj_kind_name(&self) -> &'static str {
        tables::OBJ_KIND.get(self.obj_kind).copied().unwrap_or("")
    }
}

pub struct Normalizer<'x, 'a, 'r> {
    pub au: &'x mut Au<'a, 'r>,
    pub d: Norm,
    pub(super) all: bool,
    pub(super) syscall_success: i32,
}

pub(super) fn starts_with_script(how: &[u8]) -> bool {
    [&b"/usr/bin/python"[..], b"/usr/bin/sh", b"/usr/bin/bash", b"/usr/bin/perl"]
        .iter()
        .any(|p| how.starts_with(p))
}

pub(super) fn record_action(rtype: i32) -> Option<&'static str> {
    tables::RECORD_ACTION.iter().find(|(n, _)| *n == rtype).map(|(_, a)| *a)
}

/// Runs the normaliser on `au`: what it found, and false when the
/// reference gives up on the event.
pub fn normalize<'x, 'a, 'r>(au: &'x mut Au<'a, 'r>, all: bool) -> (Norm, bool) {
    let mut n = Normalizer { au, d: Norm::default(), all, syscall_success: -1 };
    n.au.first_record();
    let ok = if n.au.num_records() > 1 { n.compound() } else { n.simple() };
    n.au.first_record();
    (n.d, ok)
}

impl Normalizer<'_, '_, '_> {
    pub(super) fn here(&self, rnum: usize) -> Loc {
        Some((rnum, self.au.field_num()))
    }

    pub(super) fn found(&mut self, name: &str) -> bool {
        self.au.has_field(name)
    }

    /// `how` from the exe field (false when there is none); for a script interpreter, the
    /// comm found from the field before exe on, as the reference does for both event kinds.
    pub(super) fn how_from_exe(&mut self) -> bool {
        if !self.found("exe") {
            return false;
        }
        let exe = self.au.interpret_field().unwrap_or_default();
        let script = starts_with_script(&exe);
        self.d.how = Some(exe);
        if script {
            let fnum = self.au.field_num();
            let moved = fnum > 0 && self.au.goto_field_num(fnum - 1);
            if !moved {
                self.au.first_record();
            }
            if self.found("comm") {
                self.d.how = self.au.interpret_field();
            }
        }
        true
    }
}

/// The event kind of an event whose first record has type `ty`.
pub fn event_kind(ty: i32) -> &'static str {
    let kind = match ty {
        1100..=1101 | 1103..=1106 | 1108..=1110 | 1112..=1113 | 1006 => 6,
        1126 | 1119 => 17,
        1102 | 1114..=1117 | 1132..=1133 | 1135..=1136 => 5,
        2000 | 1127..=1131 => 2,
        1111 | 1305 | 1325 | 1328 | 1332 | 1333 | 1137 | 1138 => 3,
        1326 => 16,
        1120..=1121 | 1123 | 1125 => 1,
        1124 | 1319 => 4,
        1335 | 1200..=1299 => 7,
        1122 | 1107 | 1502..=1503 | 1506 | 1400..=1402 => 8,
        1800..=1899 | 2109 => 10,
        1700..=1799 | 2100..=2108 | 2110..=2199 => 9,
        2200..=2299 => 11,
        1403..=1499 | 1500..=1501 | 1504..=1505 | 2300..=2399 => 12,
        1600..=1699 | 2400..=2499 => 13,
        2500..=2599 => 14,
        1300..=1304 | 1306..=1315 | 1317..=1318 | 1321..=1324 => 15,
        1331 => 18,
        1334 => 19,
        _ => 0,
    };
    tables::EVENT_KIND[kind]
}
