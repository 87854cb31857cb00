//! What the user searches for: one field per ausearch selection option.
//! All given criteria must hold (they are ANDed), as in the reference.

use crate::extract::{UNSET_ID, UNSET_LOGINUID};

/// A user given as a number or as a name. When the user typed a name the
/// reference keeps both the name and the id it resolves to (getpwnam), and
/// compares names with names where it can (ausearch-match.c).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdCriterion {
    Number(u32),
    Name { name: Vec<u8>, id: u32 },
}

impl IdCriterion {
    /// The numeric id either way.
    pub fn id(&self) -> u32 {
        match self {
            IdCriterion::Number(id) | IdCriterion::Name { id, .. } => *id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Success {
    Yes,
    No,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    /// `-a`: the event serial.
    pub event_id: Option<u64>,
    /// `--arch`: the machine the event's SYSCALL arch must map to (an AUDIT_ARCH_* value).
    pub arch: Option<u32>,
    /// `-c`: comm (substring, exact with `-w`).
    pub comm: Option<Vec<u8>>,
    /// `-e`: the syscall exit value.
    pub exit: Option<i64>,
    /// `-f`: a file name or the cwd (substring, exact with `-w`).
    pub filename: Option<Vec<u8>>,
    /// `-ga`: gid or egid.
    pub gid_all: Option<u32>,
    /// `-ge`: egid.
    pub egid: Option<u32>,
    /// `-gi`: gid.
    pub gid: Option<u32>,
    /// `-hn`: host name or address.
    pub hostname: Option<Vec<u8>>,
    /// `-k`: any key of the event.
    pub key: Option<Vec<u8>>,
    /// `-m`: record types, any of which must appear; None when absent or ALL.
    pub msg_types: Option<Vec<i32>>,
    /// `-n`: node names (any of them); empty when not given.
    pub nodes: Vec<Vec<u8>>,
    /// `-o`: an object context.
    pub object: Option<Vec<u8>>,
    /// `-p`: pid.
    pub pid: Option<u32>,
    /// `-pp`: ppid.
    pub ppid: Option<u32>,
    /// `-sc`: the syscall number. `syscall_fixes_arch` is set when it was
    /// given by name, which also pins the arch (see tools.md §2.2 -sc).
    pub syscall: Option<i32>,
    pub syscall_fixes_arch: bool,
    /// `-se`: a subject or object context.
    pub context: Option<Vec<u8>>,
    /// `-su`: a subject context.
    pub subject: Option<Vec<u8>>,
    /// `--session`.
    pub session: Option<u32>,
    /// `-sv`.
    pub success: Option<Success>,
    /// `-tm`: terminal.
    pub terminal: Option<Vec<u8>>,
    /// `-ua`: uid, euid or auid.
    pub uid_all: Option<IdCriterion>,
    /// `-ue`: euid.
    pub euid: Option<IdCriterion>,
    /// `-ui`: uid.
    pub uid: Option<IdCriterion>,
    /// `-ul`: auid (loginuid); `-1` is 4294967295.
    pub loginuid: Option<IdCriterion>,
    /// `-uu`: VM uuid.
    pub uuid: Option<Vec<u8>>,
    /// `-vm`: VM name.
    pub vm: Option<Vec<u8>>,
    /// `-x`: executable.
    pub exe: Option<Vec<u8>>,
    /// `-w`: string criteria match whole values instead of substrings.
    pub whole_word: bool,
    /// Whether the output format interprets (not raw/default); the
    /// reference then parses SYSCALL arch even without `--arch`.
    pub interpreting: bool,
}

impl Criteria {
    /// COMPAT: ausearch-options.c keeps each criterion in one variable whose
    /// "not given" value is also a value a user can type: -1 for the pid,
    /// ppid, uid, euid, gid, egid, syscall and event id, -2 for the login
    /// uid and the session. Typing that value is the same as not giving the
    /// criterion: ausearch-match.c skips it and ausearch-parse.c does not
    /// even extract the field. `-ua` and `-ga` keep theirs (their fields are
    /// then not extracted and keep their unset values, see `Needs::of`).
    pub fn forget_unset_values(&mut self) {
        const MINUS_1: u32 = u32::MAX;
        const MINUS_2: u32 = u32::MAX - 1;
        let forget_id = |c: &mut Option<IdCriterion>, unset: u32| {
            if matches!(c, Some(IdCriterion::Number(n)) if *n == unset) {
                *c = None;
            }
        };
        // After -ua or -ga, a typed unset value is a value of theirs (see
        // `user`): matched, and its field not extracted.
        if self.uid_all.is_none() {
            forget_id(&mut self.uid, MINUS_1);
            forget_id(&mut self.euid, MINUS_1);
            forget_id(&mut self.loginuid, MINUS_2);
        }
        let forget = |v: &mut Option<u32>| {
            if *v == Some(MINUS_1) {
                *v = None;
            }
        };
        if self.gid_all.is_none() {
            forget(&mut self.gid);
            forget(&mut self.egid);
        }
        forget(&mut self.pid);
        forget(&mut self.ppid);
        if self.session == Some(MINUS_2) {
            self.session = None;
        }
        if self.syscall == Some(-1) {
            self.syscall = None;
        }
        if self.event_id == Some(u64::from(MINUS_1)) {
            self.event_id = None;
        }
    }

    /// The user ids a matching event must have written after a text ending in `uid=`: `-ua`
    /// alone when given (the matcher decides on it and returns), else each of `-ui`, `-ue` and
    /// `-ul`. None of them when any user is a name (names are compared as names), and never 0
    /// or the unset ids, which the extractor also supplies for a missing field. The index's
    /// query and the prefilter rest on this.
    pub(crate) fn written_uids(&self) -> Vec<u32> {
        let users = [&self.uid_all, &self.uid, &self.euid, &self.loginuid];
        if users.iter().any(|u| matches!(u, Some(IdCriterion::Name { .. }))) {
            return Vec::new();
        }
        let users = match self.uid_all {
            // -ua with -ui, -ue or -ul after it: any one of several ids.
            Some(_) if users[1..].iter().any(|u| u.is_some()) => return Vec::new(),
            Some(_) => &users[..1],
            None => &users[1..],
        };
        users
            .iter()
            .filter_map(|u| match u {
                Some(IdCriterion::Number(n)) if ![0, UNSET_LOGINUID, UNSET_ID].contains(n) => {
                    Some(*n)
                }
                _ => None,
            })
            .collect()
    }

    /// The value the uid, euid or login uid (`own`: `-ui`, `-ue` or `-ul`) is
    /// compared with: its own option's, else `-ua`'s, as the reference keeps
    /// one variable each that `-ua` sets and the others set again.
    pub fn user<'c>(&'c self, own: &'c Option<IdCriterion>) -> Option<&'c IdCriterion> {
        own.as_ref().or(self.uid_all.as_ref())
    }

    /// [`Self::user`] for the gid or egid and `-ga`.
    pub fn group(&self, own: Option<u32>) -> Option<u32> {
        own.or(self.gid_all)
    }

    /// Whether no selection criterion is set (every event matches).
    pub fn is_empty(&self) -> bool {
        let mut bare = self.clone();
        bare.whole_word = false;
        bare.interpreting = false;
        bare == Criteria::default()
    }
}
