//! Search-item extraction: what an event says about the fields the
//! criteria ask for.
//!
//! This reproduces the reference's per-record-type parsers
//! (ausearch-parse.c): each looks for the tokens it needs with a moving
//! cursor (`strstr` from where the previous token ended), some tokens are
//! mandatory, and a record that lacks one drops the whole event (with a
//! numbered reason, shown under `--debug`). Scalars take the last record's
//! value; file names, keys and contexts accumulate.
//!
//! This module holds the items, the dispatch by record type and the
//! extractor's shared state; one file per family of record parsers
//! ([`syscall`], [`path`], [`user`], [`mac`], [`daemon`], [`kernel`]), and
//! [`text`] the cursor readers they all use.

mod daemon;
mod kernel;
mod mac;
mod path;
mod syscall;
pub(crate) mod text;
mod user;

use raudit_parse::record::types;
use raudit_parse::{Event, Record};
use raudit_sys::Host;

use crate::criteria::{Criteria, IdCriterion};

/// The reference's "not set" values, kept so that comparisons behave as
/// its integer comparisons do.
pub const UNSET_ID: u32 = u32::MAX;
pub const UNSET_LOGINUID: u32 = u32::MAX - 1;
pub const UNSET_SESSION: u32 = u32::MAX - 1;

/// A subject and/or object security context found in a record; for AVC
/// records also the permission, class and verdict (aureport -a).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub subject: Option<Vec<u8>>,
    pub object: Option<Vec<u8>>,
    /// The text between the braces of `avc: denied { ... }`.
    pub perm: Option<Vec<u8>>,
    /// `tclass=`.
    pub class: Option<Vec<u8>>,
    /// Some(false) denied, Some(true) granted, None unset.
    pub granted: Option<bool>,
}

/// A value read from a record: borrowed from its text, or decoded.
pub type Bytes<'a> = std::borrow::Cow<'a, [u8]>;

/// What an event says, restricted to what the criteria need. Text values
/// borrow from the event's records where the log holds them as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchItems<'a> {
    pub pid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    pub loginuid: u32,
    pub session: u32,
    /// None: no record said.
    pub success: Option<bool>,
    pub arch: u32,
    pub syscall: i32,
    pub exit: Option<i64>,
    pub hostname: Option<Bytes<'a>>,
    pub terminal: Option<Bytes<'a>>,
    pub cwd: Option<Bytes<'a>>,
    pub exe: Option<Bytes<'a>>,
    pub comm: Option<Bytes<'a>>,
    pub acct: Option<Bytes<'a>>,
    pub uuid: Option<Bytes<'a>>,
    pub vmname: Option<Bytes<'a>>,
    /// None until a record supplies the list (a name may be `(null)`).
    pub filenames: Option<Vec<Bytes<'a>>>,
    /// Indexes into `filenames` of PATH names whose text after `type=` is
    /// exactly `PARENT` (aureport -f skips those).
    pub parent_names: Vec<usize>,
    pub keys: Option<Vec<Bytes<'a>>>,
    /// None until a record supplies one.
    pub contexts: Option<Vec<Context>>,
    /// uid, euid and auid as names, when the criteria hold names.
    pub uid_name: Option<Vec<u8>>,
    pub euid_name: Option<Vec<u8>>,
    pub auid_name: Option<Vec<u8>>,
}

impl Default for SearchItems<'_> {
    fn default() -> Self {
        SearchItems {
            pid: UNSET_ID,
            ppid: UNSET_ID,
            uid: UNSET_ID,
            euid: UNSET_ID,
            gid: UNSET_ID,
            egid: UNSET_ID,
            loginuid: UNSET_LOGINUID,
            session: UNSET_SESSION,
            success: None,
            arch: 0,
            syscall: 0,
            exit: None,
            hostname: None,
            terminal: None,
            cwd: None,
            exe: None,
            comm: None,
            acct: None,
            uuid: None,
            vmname: None,
            filenames: None,
            parent_names: Vec::new(),
            keys: None,
            contexts: None,
            uid_name: None,
            euid_name: None,
            auid_name: None,
        }
    }
}

/// Why an event was dropped: the parser's number and the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub rc: i32,
    pub record: Vec<u8>,
}

/// Which items to extract (the reference parses only those): derived
/// from ausearch's criteria, or set directly by aureport's reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    pub pid: bool,
    pub ppid: bool,
    pub uid: bool,
    pub euid: bool,
    pub gid: bool,
    pub egid: bool,
    pub loginuid: bool,
    pub uid_name: bool,
    pub euid_name: bool,
    pub auid_name: bool,
    pub terminal: bool,
    pub session: bool,
    pub comm: bool,
    pub exe: bool,
    pub key: bool,
    pub filename: bool,
    pub hostname: bool,
    pub subject: bool,
    pub object: bool,
    pub success: bool,
    pub exit: bool,
    pub vmname: bool,
    pub uuid: bool,
    pub arch: bool,
}

fn is_name(c: &Option<IdCriterion>) -> bool {
    matches!(c, Some(IdCriterion::Name { .. }))
}

impl Needs {
    pub fn of(c: &Criteria) -> Needs {
        let ua_name = is_name(&c.uid_all);
        // COMPAT: ausearch-parse.c extracts a field when its criterion
        // variable differs from the unset value (or names are compared);
        // -ua and -ga set several at once, and a later -ui, -ue, -ul, -gi or
        // -ge one of them again (Criteria::user). So `-ua -1` extracts only
        // the login uid (uid and euid keep their unset -1, which then
        // matches), `-ua -2` the reverse.
        let user = |own: &Option<IdCriterion>, unset: u32| {
            ua_name || is_name(own) || c.user(own).is_some_and(|u| u.id() != unset)
        };
        let group = |own: Option<u32>| c.group(own).is_some_and(|g| g != UNSET_ID);
        Needs {
            pid: c.pid.is_some(),
            ppid: c.ppid.is_some(),
            uid: user(&c.uid, UNSET_ID),
            euid: user(&c.euid, UNSET_ID),
            gid: group(c.gid),
            egid: group(c.egid),
            loginuid: user(&c.loginuid, UNSET_LOGINUID),
            uid_name: is_name(&c.uid) || ua_name,
            euid_name: is_name(&c.euid) || ua_name,
            auid_name: is_name(&c.loginuid) || ua_name,
            terminal: c.terminal.is_some(),
            session: c.session.is_some(),
            comm: c.comm.is_some(),
            exe: c.exe.is_some(),
            key: c.key.is_some(),
            filename: c.filename.is_some(),
            hostname: c.hostname.is_some(),
            subject: c.subject.is_some() || c.context.is_some(),
            object: c.object.is_some() || c.context.is_some(),
            success: c.success.is_some(),
            exit: c.exit.is_some(),
            vmname: c.vm.is_some(),
            uuid: c.uuid.is_some(),
            arch: c.arch.is_some() || c.interpreting,
        }
    }
}

/// The per-event extraction state the record parsers fill.
struct Extractor<'a, 'c> {
    needs: Needs,
    items: &'c mut SearchItems<'a>,
    /// Names uids when the log has no ENRICHED name for them.
    host: &'c dyn Host,
    /// The enriched text of the record interpretations come from.
    interp: Option<&'c [u8]>,
}

impl<'a, 'c> Extractor<'a, 'c> {
    /// The name of `id` for field `field`, as the reference's lookup_uid.
    fn name_of(&self, field: &[u8], id: u32) -> Vec<u8> {
        if let Some(interp) = self.interp {
            let upper: Vec<u8> = field.iter().map(u8::to_ascii_uppercase).collect();
            let mut pat = upper;
            pat.extend_from_slice(b"=");
            let mut from = 0;
            while let Some(at) = raudit_parse::fields::find_from(interp, from, &pat) {
                if at == 0 || interp[at - 1] == b' ' || interp[at - 1] == 0x1d {
                    let v = &interp[at + pat.len()..];
                    let v = &v[..v.iter().position(|&b| b == b' ').unwrap_or(v.len())];
                    let v = v.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\"")).unwrap_or(v);
                    return v.to_vec();
                }
                from = at + 1;
            }
        }
        match id {
            0 => b"root".to_vec(),
            UNSET_ID => b"unset".to_vec(),
            _ => self.host.passwd_name(id).unwrap_or_default(),
        }
    }

    /// Takes `uid`, and its name when the criteria compare names.
    #[inline]
    fn set_uid(&mut self, uid: u32) {
        self.items.uid = uid;
        if self.needs.uid_name {
            self.items.uid_name = Some(self.name_of(b"uid", uid));
        }
    }

    /// Takes the login uid, and its name when the criteria compare names.
    #[inline]
    fn set_loginuid(&mut self, auid: u32) {
        self.items.loginuid = auid;
        if self.needs.auid_name {
            self.items.auid_name = Some(self.name_of(b"auid", auid));
        }
    }

    fn add_context(&mut self, subject: Option<&[u8]>, object: Option<&[u8]>) {
        self.items.contexts.get_or_insert_with(Vec::new).push(Context {
            subject: subject.map(<[u8]>::to_vec),
            object: object.map(<[u8]>::to_vec),
            ..Context::default()
        });
    }

    /// One record through the reference's parser for its type.
    fn record(&mut self, r: &Record<'a>) -> text::Step {
        let t = text::Text { t: r.text };
        match r.rtype {
            types::SYSCALL => self.syscall(&t),
            types::CWD => self.cwd(&t),
            types::AVC_PATH => self.avc_path(&t),
            types::PATH => self.path_record(&t),
            // raudit's BPF records (docs/bpf.md): user records that also carry a key.
            BPF_FIRST..=BPF_LAST => self.user(&t, r.rtype, None).and_then(|()| self.bpf_key(&t)),
            types::USER
            | types::FIRST_USER_MSG..=types::USER_END
            | types::USER_CHAUTHTOK..=types::LAST_USER_MSG
            | types::FIRST_USER_MSG2..=types::LAST_USER_MSG2 => self.user(&t, r.rtype, None),
            types::SOCKADDR => self.sockaddr(&t),
            types::LOGIN => self.login(&t),
            types::IPC | types::OBJ_PID => self.obj(&t),
            types::DAEMON_START..=types::DAEMON_CONFIG
            | types::DAEMON_ROTATE
            | types::DAEMON_RESUME => self.daemon1(&t),
            types::DAEMON_ACCEPT | types::DAEMON_CLOSE => self.daemon2(&t),
            types::CONFIG_CHANGE => {
                let rc = self.simple(&t, r.rtype);
                // Older CONFIG_CHANGE records have no path=: ignore that.
                let _ = self.avc_path(&t);
                rc
            }
            types::AVC | types::USER_AVC => self.avc(&t, r.rtype),
            types::FEATURE_CHANGE | types::ANOM_LINK => self.task_info(&t),
            types::SECCOMP | types::ANOM_PROMISCUOUS | types::ANOM_ABEND => {
                self.kernel_anom(&t, r.rtype)
            }
            types::MAC_POLICY_LOAD..=types::MAC_UNLBL_STCDEL => self.simple(&t, r.rtype),
            types::NETFILTER_CFG | types::EVENT_LISTENER => self.kernel(&t),
            types::INTEGRITY_DATA..=types::INTEGRITY_RULE => self.integrity(&t),
            types::NETFILTER_PKT => self.packet(&t),
            types::TTY => self.tty(&t),
            _ => Ok(()),
        }
    }
}

/// The reference skips the start of the header (`type=X msg=audit(...): `)
/// before some searches (`NAME_OFFSET`, 28 in ausearch-parse.c of 3.0.9):
/// in a record whose stamp is under seven bytes long, a `cwd=` or `name=`
/// that follows it is not found.
const NAME_OFFSET: usize = 28;

/// raudit's BPF record types (raudit_tables::RAUDIT_TYPES: BPF_CONNECT .. BPF_LOST).
const BPF_FIRST: i32 = 2980;
const BPF_LAST: i32 = 2983;

/// What the reference's extract_search_items says about `event`.
pub fn extract<'a>(
    event: &Event<'a>,
    criteria: &Criteria,
    host: &dyn Host,
) -> Result<SearchItems<'a>, Malformed> {
    extract_with(event, Needs::of(criteria), host)
}

/// [`extract`] with the items to extract given directly.
pub fn extract_with<'a>(
    event: &Event<'a>,
    needs: Needs,
    host: &dyn Host,
) -> Result<SearchItems<'a>, Malformed> {
    let mut items = SearchItems::default();
    extract_into(event, needs, host, &mut items)?;
    Ok(items)
}

/// [`extract_with`] into `items` (fresh: `SearchItems::default()`), which
/// a caller that reads every event keeps on its stack rather than have a
/// struct of some hundred bytes copied out of each call.
pub fn extract_into<'a>(
    event: &Event<'a>,
    needs: Needs,
    host: &dyn Host,
    items: &mut SearchItems<'a>,
) -> Result<(), Malformed> {
    // COMPAT: ausearch-match.c load_interpretations: names come from the
    // enriched part of a lone record or of a leading SYSCALL.
    let first = &event.records[0];
    let interp = if event.records.len() == 1 || first.rtype == types::FIRST_EVENT {
        first.enriched
    } else {
        None
    };
    let mut x = Extractor { needs, items, host, interp };
    for record in &event.records {
        if let Err(rc) = x.record(record) {
            return Err(Malformed { rc, record: record.text.to_vec() });
        }
    }
    Ok(())
}

/// What the family tests share: events from log text, and extraction
/// with every item asked for.
#[cfg(test)]
mod testing {
    use super::*;
    use raudit_parse::{Assembler, AssemblerConfig};

    /// The one event of `log` (records separated by newlines).
    pub(super) fn event(log: &str) -> Event<'_> {
        let mut asm = Assembler::new(AssemblerConfig::default());
        for line in log.lines() {
            asm.push(Record::parse(line.as_bytes(), 2).unwrap());
        }
        asm.finish();
        asm.pop_ready().unwrap()
    }

    /// A list of values as owned bytes, to compare with literals.
    pub(super) fn owned(list: &Option<Vec<Bytes<'_>>>) -> Option<Vec<Vec<u8>>> {
        list.as_ref().map(|l| l.iter().map(|v| v.to_vec()).collect())
    }

    /// Every item of `log`'s event (names aside), as the reference
    /// extracts them when the criteria ask for all of them.
    pub(super) fn items(log: &str) -> SearchItems<'_> {
        let all = Needs {
            pid: true,
            ppid: true,
            uid: true,
            euid: true,
            gid: true,
            egid: true,
            loginuid: true,
            terminal: true,
            session: true,
            comm: true,
            exe: true,
            key: true,
            filename: true,
            hostname: true,
            subject: true,
            object: true,
            success: true,
            exit: true,
            vmname: true,
            uuid: true,
            arch: true,
            ..Needs::default()
        };
        match extract_with(&event(log), all, &raudit_sys::FixedHost::new()) {
            Ok(items) => items,
            Err(m) => panic!("dropped ({}): {}", m.rc, String::from_utf8_lossy(&m.record)),
        }
    }
}
