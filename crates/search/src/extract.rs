//! Search-item extraction: what an event says about the fields the
//! criteria ask for.
//!
//! This reproduces the reference's per-record-type parsers
//! (ausearch-parse.c): each looks for the tokens it needs with a moving
//! cursor (`strstr` from where the previous token ended), some tokens are
//! mandatory, and a record that lacks one drops the whole event (with a
//! numbered reason, shown under `--debug`). Scalars take the last record's
//! value; file names, keys and contexts accumulate.

use memchr::memchr;
use raudit_parse::record::types::{
    ADD_GROUP, ANOM_ABEND, ANOM_PROMISCUOUS, CONFIG_CHANGE, DEL_GROUP, GRP_MGMT, SECCOMP, USER_AVC,
};
use raudit_parse::record::{strtoll_base0, strtoul, types};
use raudit_parse::{Event, Record};

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

/// What an event says, restricted to what the criteria need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchItems {
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
    pub hostname: Option<Vec<u8>>,
    pub terminal: Option<Vec<u8>>,
    pub cwd: Option<Vec<u8>>,
    pub exe: Option<Vec<u8>>,
    pub comm: Option<Vec<u8>>,
    pub acct: Option<Vec<u8>>,
    pub uuid: Option<Vec<u8>>,
    pub vmname: Option<Vec<u8>>,
    /// None until a record supplies the list (a name may be `(null)`).
    pub filenames: Option<Vec<Vec<u8>>>,
    /// Indexes into `filenames` of PATH names whose text after `type=` is
    /// exactly `PARENT` (aureport -f skips those).
    pub parent_names: Vec<usize>,
    pub keys: Option<Vec<Vec<u8>>>,
    /// None until a record supplies one.
    pub contexts: Option<Vec<Context>>,
    /// uid, euid and auid as names, when the criteria hold names.
    pub uid_name: Option<Vec<u8>>,
    pub euid_name: Option<Vec<u8>>,
    pub auid_name: Option<Vec<u8>>,
}

impl Default for SearchItems {
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
        // variable differs from the unset value; -ua and -ga set several at
        // once, so `-ua -1` extracts only the login uid (uid and euid keep
        // their unset -1, which then matches), `-ua -2` the reverse.
        let ua = |unset: u32| c.uid_all.as_ref().is_some_and(|u| ua_name || u.id() != unset);
        let ga = c.gid_all.is_some_and(|g| g != UNSET_ID);
        Needs {
            pid: c.pid.is_some(),
            ppid: c.ppid.is_some(),
            uid: c.uid.is_some() || ua(UNSET_ID),
            euid: c.euid.is_some() || ua(UNSET_ID),
            gid: c.gid.is_some() || ga,
            egid: c.egid.is_some() || ga,
            loginuid: c.loginuid.is_some() || ua(UNSET_LOGINUID),
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

/// Resolves a uid to the name the reference would compare.
pub trait NameResolver: Sync {
    fn user_name(&self, uid: u32) -> Option<Vec<u8>>;
}

/// Reads names from /etc/passwd, once.
#[derive(Default)]
pub struct PasswdFile {
    names: std::sync::OnceLock<std::collections::HashMap<u32, Vec<u8>>>,
}

impl NameResolver for PasswdFile {
    fn user_name(&self, uid: u32) -> Option<Vec<u8>> {
        let names = self.names.get_or_init(|| {
            let text = std::fs::read("/etc/passwd").unwrap_or_default();
            let mut map = std::collections::HashMap::new();
            for line in text.split(|&b| b == b'\n') {
                let mut parts = line.split(|&b| b == b':');
                let (Some(name), Some(_), Some(id)) = (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                if let Some(id) = std::str::from_utf8(id).ok().and_then(|s| s.parse().ok()) {
                    map.entry(id).or_insert_with(|| name.to_vec());
                }
            }
            map
        });
        names.get(&uid).cloned()
    }
}

/// A record's text with the reference's cursor operations.
struct Text<'a> {
    t: &'a [u8],
}

impl<'a> Text<'a> {
    /// `strstr(text + from, pat)`.
    fn find(&self, from: usize, pat: &[u8]) -> Option<usize> {
        raudit_parse::fields::find_from(self.t, from, pat)
    }

    /// `strchr(text + from, c)`.
    fn chr(&self, from: usize, c: u8) -> Option<usize> {
        self.t.get(from..).and_then(|s| memchr(c, s)).map(|i| i + from)
    }

    fn at(&self, i: usize) -> u8 {
        self.t.get(i).copied().unwrap_or(0)
    }

    /// The number at `start` that must be followed by a space: the value
    /// and the position of that space. Errors are (no space, overflow).
    fn number_to_space(&self, start: usize, codes: (i32, i32)) -> Result<(u64, usize), i32> {
        let end = self.chr(start, b' ').ok_or(codes.0)?;
        let v = strtoul(&self.t[start..end]).ok_or(codes.1)?;
        Ok((v, end))
    }

    /// The quoted string at `start` (which holds the opening quote):
    /// contents and the closing quote's position.
    fn quoted(&self, start: usize) -> Option<(&'a [u8], usize)> {
        let close = self.chr(start + 1, b'"')?;
        Some((&self.t[start + 1..close], close))
    }
}

/// The reference's `unescape`: `(null)`-style values as they are, else
/// the leading hex digits decoded; None when there are none.
fn unescape(s: &[u8]) -> Option<Vec<u8>> {
    if s.first() == Some(&b'(') {
        let close = memchr(b')', s)?;
        return Some(s[..=close].to_vec());
    }
    let n = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if n < 2 {
        return None;
    }
    let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    let mut out: Vec<u8> = s[..n].chunks_exact(2).map(|p| hex(p[0]) << 4 | hex(p[1])).collect();
    // The result is a C string.
    if let Some(nul) = memchr(0, &out) {
        out.truncate(nul);
    }
    Some(out)
}

/// A value that is either `"quoted"` or hex-encoded (with the legacy rule:
/// any non-hex character before the next space means plain text).
fn quoted_or_hex(t: &Text<'_>, start: usize, err: i32) -> Result<(Option<Vec<u8>>, usize), i32> {
    if t.at(start) == b'"' {
        let (v, close) = t.quoted(start).ok_or(err)?;
        return Ok((Some(v.to_vec()), close));
    }
    let end = t.chr(start, b' ').unwrap_or(t.t.len());
    let value = &t.t[start..end];
    if value.iter().all(u8::is_ascii_hexdigit) {
        Ok((unescape(value), end))
    } else {
        Ok((Some(value.to_vec()), end))
    }
}

struct Extractor<'c> {
    needs: Needs,
    items: SearchItems,
    names: &'c dyn NameResolver,
    /// The enriched text of the record interpretations come from.
    interp: Option<&'c [u8]>,
}

type Step = Result<(), i32>;

impl<'c> Extractor<'c> {
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
            _ => self.names.user_name(id).unwrap_or_default(),
        }
    }

    fn add_context(&mut self, subject: Option<&[u8]>, object: Option<&[u8]>) {
        self.items.contexts.get_or_insert_with(Vec::new).push(Context {
            subject: subject.map(<[u8]>::to_vec),
            object: object.map(<[u8]>::to_vec),
            ..Context::default()
        });
    }

    /// ausearch-parse.c parse_syscall.
    fn syscall(&mut self, t: &Text<'_>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.arch {
            let at = t.find(0, b"arch=").ok_or(1)?;
            let end = t.chr(at + 5, b' ').ok_or(2)?;
            let hex = std::str::from_utf8(&t.t[at + 5..end]).unwrap_or("");
            let digits: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
            self.items.arch = u64::from_str_radix(if digits.is_empty() { "0" } else { &digits }, 16)
                .map_err(|_| 3)? as u32;
            term = end;
        }
        let at = t.find(term, b"syscall=").ok_or(4)?;
        let (v, end) = t.number_to_space(at + 8, (5, 6))?;
        self.items.syscall = v as i32;
        term = end;
        if n.success
            && let Some(at) = t.find(term, b"success=")
        {
            let end = t.chr(at + 8, b' ').ok_or(7)?;
            self.items.success = Some(&t.t[at + 8..end] == b"yes");
            term = end;
        }
        if n.exit {
            let at = t.find(term, b"exit=").ok_or(8)?;
            let end = t.chr(at + 5, b' ').ok_or(9)?;
            self.items.exit = Some(strtoll_base0(&t.t[at + 5..end]).ok_or(10)?);
            term = end;
        }
        for arg in [&b"a0="[..], b"a1="] {
            let at = t.find(term, arg).ok_or(11)?;
            let end = t.chr(at + 3, b' ').ok_or(12)?;
            let hex = &t.t[at + 3..end];
            let digits = hex.iter().take_while(|b| b.is_ascii_hexdigit()).count();
            if digits > 16 {
                return Err(13);
            }
            term = end;
        }
        self.task_info(t)?;
        if n.key
            && let Some(at) = t.find(term, b"key=")
        {
            let keys = self.items.keys.get_or_insert_with(Vec::new);
            let v = at + 4;
            if t.at(v) == b'"' {
                let (k, _) = t.quoted(v).ok_or(44)?;
                keys.push(k.to_vec());
            } else {
                let decoded = unescape(&t.t[v..]).ok_or(45)?;
                // COMPAT: ausearch-parse.c: several keys are joined by 0x01.
                keys.extend(
                    decoded.split(|&b| b == 0x01).filter(|k| !k.is_empty()).map(<[u8]>::to_vec),
                );
            }
        }
        Ok(())
    }

    /// ausearch-parse.c parse_task_info (SYSCALL and a few others).
    fn task_info(&mut self, t: &Text<'_>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.ppid
            && let Some(at) = t.find(term, b"ppid=")
        {
            let (v, end) = t.number_to_space(at + 5, (14, 15))?;
            self.items.ppid = v as u32;
            term = end;
        }
        if n.pid {
            let at = t.find(term, b" pid=").ok_or(16)?;
            let (v, end) = t.number_to_space(at + 5, (17, 18))?;
            self.items.pid = v as u32;
            term = end;
        }
        if n.loginuid || n.auid_name {
            let start = match t.find(term, b"auid=") {
                Some(at) => at + 5,
                None => t.find(term, b"loginuid=").ok_or(19)? + 9,
            };
            let (v, end) = t.number_to_space(start, (20, 21))?;
            self.items.loginuid = v as u32;
            term = end;
            if n.auid_name {
                self.items.auid_name = Some(self.name_of(b"auid", v as u32));
            }
        }
        if n.uid || n.uid_name {
            // COMPAT: ausearch-parse.c: "uid=" may hit "auid="; search on.
            let mut from = term;
            let at = loop {
                let at = t.find(from, b"uid=").ok_or(22)?;
                if at > 0 && t.t[at - 1] == b'a' {
                    from = at + 1;
                    continue;
                }
                break at;
            };
            let (v, end) = t.number_to_space(at + 4, (23, 24))?;
            self.items.uid = v as u32;
            term = end;
            if n.uid_name {
                self.items.uid_name = Some(self.name_of(b"uid", v as u32));
            }
        }
        if n.gid {
            let at = t.find(term, b"gid=").ok_or(25)?;
            let (v, end) = t.number_to_space(at + 4, (26, 27))?;
            self.items.gid = v as u32;
            term = end;
        }
        if n.euid || n.euid_name {
            let at = t.find(term, b"euid=").ok_or(28)?;
            let (v, end) = t.number_to_space(at + 5, (29, 30))?;
            self.items.euid = v as u32;
            term = end;
            if n.euid_name {
                self.items.euid_name = Some(self.name_of(b"euid", v as u32));
            }
        }
        if n.egid {
            let at = t.find(term, b"egid=").ok_or(31)?;
            let (v, end) = t.number_to_space(at + 5, (32, 33))?;
            self.items.egid = v as u32;
            term = end;
        }
        if n.terminal
            && let Some(at) = t.find(term, b"tty=")
        {
            let end = t.chr(at + 4, b' ').ok_or(34)?;
            self.items.terminal = Some(t.t[at + 4..end].to_vec());
            term = end;
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let (v, end) = t.number_to_space(at + 4, (35, 36))?;
            self.items.session = v as u32;
            term = end;
        }
        if n.comm {
            let at = t.find(term, b"comm=").ok_or(38)?;
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, close) = t.quoted(v).ok_or(37)?;
                self.items.comm = Some(c.to_vec());
                term = close;
            } else {
                self.items.comm = unescape(&t.t[v..]);
            }
        }
        if n.exe {
            // The reference looks for exe= from the start of the record.
            let at = t.find(0, b"exe=").ok_or(40)?;
            let v = at + 4;
            if t.at(v) == b'"' {
                let (e, close) = t.quoted(v).ok_or(39)?;
                self.items.exe = Some(e.to_vec());
                term = close;
            } else {
                self.items.exe = unescape(&t.t[v..]);
            }
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let end = t.chr(at + 5, b' ').ok_or(41)?;
            let subject = t.t[at + 5..end].to_vec();
            self.add_context(Some(&subject), None);
            term = end;
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            let end = t.chr(at + 4, b' ').unwrap_or(t.t.len());
            let v = strtoul(&t.t[at + 4..end]).ok_or(43)?;
            self.items.success = res_number(v);
        }
        Ok(())
    }

    /// common_path_parser: a file name, quoted, hex, or `(null)`.
    fn path(&mut self, t: &Text<'_>, start: usize) -> Step {
        let v = &t.t[start..];
        let name = if v.first() == Some(&b'"') {
            let (name, _) = t.quoted(start).ok_or(2)?;
            name.to_vec()
        } else if v.starts_with(b"(null)") {
            b"(null)".to_vec()
        } else {
            if !v.first().is_some_and(u8::is_ascii_hexdigit) {
                return Err(4);
            }
            if v.starts_with(b"00") {
                // An abstract socket name.
                unescape(&v[2..]).ok_or(7)?
            } else {
                let end = memchr(b' ', v).ok_or(5)?;
                unescape(&v[..end]).ok_or(7)?
            }
        };
        let name = match (&self.items.cwd, name.as_slice()) {
            // COMPAT: ausearch-parse.c: ./ and ../ names are prefixed
            // with the cwd, without normalising.
            (Some(cwd), [b'.', b'.' | b'/', ..]) => {
                let mut full = cwd.clone();
                full.push(b'/');
                full.extend_from_slice(&name);
                full
            }
            _ => name,
        };
        self.items.filenames.get_or_insert_with(Vec::new).push(name);
        Ok(())
    }

    /// parse_dir (CWD).
    fn cwd(&mut self, t: &Text<'_>) -> Step {
        if !self.needs.filename {
            return Ok(());
        }
        if let Some(at) = t.find(NAME_OFFSET.min(t.t.len()), b" cwd=") {
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, _) = t.quoted(v).ok_or(1)?;
                if self.items.cwd.is_none() {
                    self.items.cwd = Some(c.to_vec());
                }
            } else if self.items.cwd.is_none() {
                self.items.cwd = unescape(&t.t[v..]);
            }
        }
        Ok(())
    }

    /// parse_path (PATH).
    fn path_record(&mut self, t: &Text<'_>) -> Step {
        let mut term = NAME_OFFSET.min(t.t.len());
        if self.needs.filename
            && let Some(at) = t.find(term, b" name=")
        {
            self.path(t, at + 6)?;
            term = at + 6;
            // COMPAT: ausearch-parse.c parse_path: the name's "key" is all
            // the text after the next `type=`, so it equals PARENT only
            // when nametype= ends the record.
            if let Some(k) = t.find(term, b"type=")
                && &t.t[k + 5..] == b"PARENT"
            {
                let last = self.items.filenames.as_ref().map_or(0, Vec::len);
                self.items.parent_names.push(last.saturating_sub(1));
            }
        }
        if self.needs.object
            && let Some(at) = t.find(term, b"obj=")
        {
            let end = t.chr(at + 4, b' ').unwrap_or(t.t.len());
            let object = t.t[at + 4..end].to_vec();
            self.add_context(None, Some(&object));
        }
        Ok(())
    }

    /// avc_parse_path (AVC_PATH, and path= of CONFIG_CHANGE).
    fn avc_path(&mut self, t: &Text<'_>) -> Step {
        if !self.needs.filename {
            return Ok(());
        }
        match t.find(0, b" path=") {
            Some(at) => self.path(t, at + 6),
            None => Err(1),
        }
    }

    /// parse_user (USER-class records; USER_AVC through parse_avc).
    fn user(&mut self, t: &Text<'_>, rtype: i32, avc: Option<&mut Context>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.pid {
            let at = t.find(term, b"pid=").ok_or(1)?;
            let (v, end) = t.number_to_space(at + 4, (2, 3))?;
            self.items.pid = v as u32;
            term = end;
        }
        if n.uid || n.uid_name {
            let at = t.find(term, b"uid=").ok_or(4)?;
            let (v, end) = t.number_to_space(at + 4, (5, 6))?;
            self.items.uid = v as u32;
            term = end;
            if n.uid_name {
                self.items.uid_name = Some(self.name_of(b"uid", v as u32));
            }
        }
        if n.loginuid || n.auid_name {
            let start = match t.find(term, b"auid=") {
                Some(at) => at + 5,
                None => t.find(term, b"loginuid=").ok_or(7)? + 9,
            };
            let (v, end) = t.number_to_space(start, (8, 9))?;
            self.items.loginuid = v as u32;
            term = end;
            if n.auid_name {
                self.items.auid_name = Some(self.name_of(b"auid", v as u32));
            }
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let (v, end) = t.number_to_space(at + 4, (10, 11))?;
            self.items.session = v as u32;
            term = end;
        }
        let mut avc = avc;
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let end = t.chr(at + 5, b' ').ok_or(12)?;
            let subject = t.t[at + 5..end].to_vec();
            match avc.as_deref_mut() {
                Some(a) => a.subject = Some(subject),
                None => self.add_context(Some(&subject), None),
            }
            term = end;
        }
        if let Some(a) = avc
            && n.object
        {
            if let Some(at) = t.find(term, b"tcontext=") {
                match t.chr(at + 9, b' ') {
                    Some(end) => {
                        a.object = Some(t.t[at + 9..end].to_vec());
                        term = end;
                    }
                    None => term = at + 9,
                }
            }
            if let Some(at) = t.find(term, b"tclass=") {
                match t.chr(at + 7, b' ') {
                    Some(end) => {
                        a.class = Some(t.t[at + 7..end].to_vec());
                        term = end;
                    }
                    None => term = at + 7,
                }
            }
        }
        if n.gid && matches!(rtype, ADD_GROUP | DEL_GROUP | GRP_MGMT) {
            let found = t
                .find(term, b" id=")
                .or_else(|| if rtype == GRP_MGMT { t.find(term, b"gid=") } else { None });
            if let Some(at) = found {
                let (v, end) = t.number_to_space(at + 4, (31, 32))?;
                self.items.gid = v as u32;
                term = end;
            }
        }
        if n.vmname
            && let Some(at) = t.find(term, b"vm=")
        {
            let v = at + 3;
            if t.at(v) == b'"' {
                let (name, close) = t.quoted(v).ok_or(23)?;
                self.items.vmname = Some(name.to_vec());
                term = close;
            } else {
                self.items.vmname = unescape(&t.t[v..]);
            }
        }
        if n.uuid
            && let Some(at) = t.find(term, b"uuid=")
        {
            let v = at + 5;
            let end =
                t.t[v..].iter().position(|&b| b == b' ' || b == b':').map_or(t.t.len(), |i| v + i);
            if end == v {
                return Err(24);
            }
            self.items.uuid = Some(t.t[v..end].to_vec());
        }
        const VIRT_MACHINE_ID: i32 = 2502;
        const VIRT_RESOURCE: i32 = 2501;
        if rtype == VIRT_MACHINE_ID {
            if n.subject
                && let Some(at) = t.find(term, b"vm-ctx=")
            {
                let end = t.chr(at + 7, b' ').ok_or(27)?;
                let c = t.t[at + 7..end].to_vec();
                self.add_context(Some(&c), None);
                term = end;
            }
            if n.object
                && let Some(at) = t.find(term, b"img-ctx=")
            {
                let end = t.chr(at + 8, b' ').ok_or(29)?;
                let c = t.t[at + 8..end].to_vec();
                self.add_context(None, Some(&c));
                term = end;
            }
        } else if rtype == VIRT_RESOURCE && n.filename {
            let found = t
                .find(term, b" path=")
                .map(|at| at + 6)
                .or_else(|| t.find(term, b" new-disk=").map(|at| at + 10));
            if let Some(start) = found {
                self.path(t, start)?;
                term = start;
            }
        }
        // COMPAT: ausearch-parse.c parse_user: a second uid= (inside msg=)
        // overrides the first, e.g. USER_LOGIN's msg='... uid=1000'.
        if n.uid || n.uid_name {
            while let Some(at) = t.find(term, b"uid=") {
                let before = if at > 0 { t.t[at - 1] } else { 0 };
                // COMPAT: ausearch-parse.c parse_user: skipping an auid=
                // moves the cursor, so later fields (exe=, comm=, ...) are
                // only looked for after it.
                if before == b'a' {
                    term = at + 1;
                    continue;
                }
                if before == b's' || before == b'u' {
                    break;
                }
                if !(before == b'\'' || before == b' ') {
                    return Err(25);
                }
                let digits = t.t[at + 4..].iter().take_while(|b| b.is_ascii_digit()).count();
                if digits == 0 {
                    return Err(14);
                }
                let v = strtoul(&t.t[at + 4..at + 4 + digits]).ok_or(15)?;
                self.items.uid = v as u32;
                term = at + 4 + digits;
                if n.uid_name {
                    self.items.uid_name = Some(self.name_of(b"uid", v as u32));
                }
                break;
            }
        }
        let mut mptr = term;
        if n.comm
            && let Some(at) = t.find(mptr, b"comm=")
        {
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, close) = t.quoted(v).ok_or(16)?;
                self.items.comm = Some(c.to_vec());
                term = close;
            } else {
                self.items.comm = unescape(&t.t[v..]);
            }
        }
        if let Some(at) = t.find(mptr, b"acct=") {
            let v = at + 5;
            if t.at(v) == b'"' {
                let end = t.chr(v + 1, b'"').unwrap_or(t.t.len());
                self.items.acct = Some(t.t[v + 1..end].to_vec());
                term = end;
            } else {
                let (acct, end) = quoted_or_hex(t, v, 0)?;
                self.items.acct = acct;
                term = end;
            }
        }
        mptr = term;
        if n.hostname
            && let Some(at) = t.find(mptr, b"hostname=")
        {
            let v = at + 9;
            let end = t.chr(v, b',').or_else(|| t.chr(v, b' ')).ok_or(17)?;
            self.items.hostname = Some(t.t[v..end].to_vec());
            if &t.t[v..end] == b"?"
                && let Some(a) = t.find(end + 1, b"addr=")
            {
                let v = a + 5;
                let end = t.chr(v, b',').or_else(|| t.chr(v, b' ')).ok_or(18)?;
                self.items.hostname = Some(t.t[v..end].to_vec());
            }
        }
        if n.filename
            && let Some(at) = t.find(mptr, b"cwd=")
        {
            let (cwd, _) = quoted_or_hex(t, at + 4, 20)?;
            self.items.cwd = cwd;
        }
        if n.terminal
            && let Some(at) = t.find(mptr, b"terminal=")
        {
            let v = at + 9;
            let end = t.chr(v, b' ').or_else(|| t.chr(v, b')')).ok_or(19)?;
            self.items.terminal = Some(t.t[v..end].to_vec());
        }
        if n.exe
            && let Some(at) = t.find(mptr, b"exe=")
        {
            let (exe, _) = quoted_or_hex(t, at + 4, 26)?;
            self.items.exe = exe;
        }
        if n.success {
            if let Some(at) = t.find(mptr, b"res=") {
                let v = at + 4;
                t.chr(v, b'\'').ok_or(21)?;
                self.items.success = Some(!t.t[v..].starts_with(b"failed"));
            } else if let Some(at) = t.find(mptr, b"result=") {
                let v = at + 7;
                let end = t.chr(v, b')').ok_or(22)?;
                self.items.success = Some(t.t[v..end].eq_ignore_ascii_case(b"success"));
            }
        }
        Ok(())
    }

    /// parse_login (LOGIN).
    fn login(&mut self, t: &Text<'_>) -> Step {
        let n = self.needs;
        let mut term = Some(0);
        if n.pid {
            let at = t.find(0, b"pid=").ok_or(1)?;
            let (v, end) = t.number_to_space(at + 4, (2, 3))?;
            self.items.pid = v as u32;
            term = Some(end);
        }
        if n.uid || n.uid_name {
            let at = t.find(term.unwrap_or(0), b"uid=").ok_or(4)?;
            let (v, end) = t.number_to_space(at + 4, (5, 6))?;
            self.items.uid = v as u32;
            term = Some(end);
            if n.uid_name {
                self.items.uid_name = Some(self.name_of(b"uid", v as u32));
            }
        }
        if n.subject
            && let Some(at) = t.find(term.unwrap_or(0), b"subj=")
        {
            let end = t.chr(at + 5, b' ').ok_or(12)?;
            // COMPAT: ausearch-parse.c parse_login keeps the "subj=" prefix.
            let c = t.t[at..end].to_vec();
            self.add_context(Some(&c), None);
            term = Some(end);
        }
        if n.loginuid || n.auid_name {
            let from = term.unwrap_or(0);
            let start = if let Some(at) = t.find(from, b"new auid=") {
                at + 9
            } else if let Some(at) = t.find(from, b" auid=") {
                at + 6
            } else {
                t.find(from, b"new loginuid=").ok_or(7)? + 13
            };
            let end = t.chr(start, b' ');
            let v = strtoul(&t.t[start..end.unwrap_or(t.t.len())]).ok_or(8)?;
            self.items.loginuid = v as u32;
            term = end;
            if n.auid_name {
                self.items.auid_name = Some(self.name_of(b"auid", v as u32));
            }
        }
        if n.success {
            match t.find(term.unwrap_or(0), b"res=") {
                Some(at) => {
                    let end = t.chr(at + 4, b' ');
                    let v = strtoul(&t.t[at + 4..end.unwrap_or(t.t.len())]).ok_or(9)?;
                    self.items.success = res_number(v);
                    term = end;
                }
                None => self.items.success = Some(true),
            }
        }
        if n.session {
            let from = term.unwrap_or(0);
            let start = match t.find(from, b"new ses=") {
                Some(at) => at + 8,
                None => t.find(from, b" ses=").ok_or(14)? + 5,
            };
            let end = t.chr(start, b' ').unwrap_or(t.t.len());
            self.items.session = strtoul(&t.t[start..end]).ok_or(11)? as u32;
        }
        Ok(())
    }

    /// parse_avc (AVC, USER_AVC).
    fn avc(&mut self, t: &Text<'_>, rtype: i32) -> Step {
        let n = self.needs;
        let mut an = Context::default();
        let mut term = 0;
        if let Some(at) = t.find(0, b"avc: ") {
            match t.chr(at + 5, b'{') {
                None => term = 0,
                Some(brace) => {
                    if n.success {
                        let denied = t.find(at + 5, b"denied").is_some_and(|d| d < brace);
                        self.items.success = Some(!denied);
                        an.granted = Some(!denied);
                    }
                    let mut start = brace + 1;
                    while t.at(start) == b' ' {
                        start += 1;
                    }
                    let close = t.chr(start, b'}').ok_or(2)?;
                    let mut end = close;
                    while end > 0 && t.t[end - 1] == b' ' {
                        end -= 1;
                    }
                    // COMPAT: ausearch-parse.c parse_avc: with only spaces
                    // between the braces the C code's cut lands before the
                    // start, and the permission runs to the end of the text.
                    an.perm =
                        Some(if end >= start { &t.t[start..end] } else { &t.t[close..] }.to_vec());
                    term = end;
                }
            }
        }
        if rtype == USER_AVC {
            let rc = self.user(t, rtype, Some(&mut an));
            self.items.contexts.get_or_insert_with(Vec::new).push(an);
            return match rc {
                Err(rc) if rc <= 20 => Err(rc),
                _ => Ok(()),
            };
        }
        if n.pid
            && let Some(at) = t.find(term, b"pid=")
        {
            let (v, end) = t.number_to_space(at + 4, (3, 4))?;
            self.items.pid = v as u32;
            term = end;
        }
        if n.comm && self.items.comm.is_none() {
            let at = t.find(term, b"comm=").ok_or(5)?;
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, close) = t.quoted(v).ok_or(6)?;
                self.items.comm = Some(c.to_vec());
                term = close;
            } else {
                self.items.comm = Some(unescape(&t.t[v..]).ok_or(11)?);
                term = v + 6;
            }
        }
        if n.filename {
            if let Some(at) = t.find(term, b" path=") {
                self.path(t, at + 6)?;
                term += 7;
            } else if let Some(at) = t.find(term, b" name=") {
                self.path(t, at + 6)?;
                term += 7;
            }
        }
        if n.subject
            && let Some(at) = t.find(term, b"scontext=")
        {
            let end = t.chr(at + 9, b' ').ok_or(7)?;
            an.subject = Some(t.t[at + 9..end].to_vec());
            term = end;
        }
        if n.object
            && let Some(at) = t.find(term, b"tcontext=")
        {
            let end = t.chr(at + 9, b' ').ok_or(8)?;
            an.object = Some(t.t[at + 9..end].to_vec());
            term = end;
        }
        let class = t.find(term, b"tclass=").ok_or(9)? + 7;
        let end = t.chr(class, b' ').unwrap_or(t.t.len());
        an.class = Some(t.t[class..end].to_vec());
        self.items.contexts.get_or_insert_with(Vec::new).push(an);
        Ok(())
    }

    /// parse_daemon1 (DAEMON_START .. DAEMON_RESUME).
    fn daemon1(&mut self, t: &Text<'_>) -> Step {
        let n = self.needs;
        let mptr = t.chr(0, b')').unwrap_or(0);
        let mut term = mptr;
        if n.loginuid || n.auid_name {
            let at = t.find(mptr, b"auid=").ok_or(1)?;
            let (v, end) = t.number_to_space(at + 5, (2, 3))?;
            self.items.loginuid = v as u32;
            term = end;
            if n.auid_name {
                self.items.auid_name = Some(self.name_of(b"auid", v as u32));
            }
        }
        if n.pid {
            let at = t.find(term, b"pid=").ok_or(4)?;
            let (v, end) = t.number_to_space(at + 4, (5, 6))?;
            self.items.pid = v as u32;
            term = end;
        }
        if n.uid
            && let Some(at) = t.find(term, b" uid=")
        {
            let (v, end) = t.number_to_space(at + 5, (7, 8))?;
            self.items.uid = v as u32;
            term = end;
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let (v, end) = t.number_to_space(at + 4, (9, 10))?;
            self.items.session = v as u32;
            term = end;
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let end = t.chr(at + 5, b' ').unwrap_or(t.t.len());
            let c = t.t[at + 5..end].to_vec();
            self.add_context(Some(&c), None);
        }
        if n.success
            && let Some(at) = t.find(mptr, b"res=")
        {
            let v = at + 4;
            let alpha = t.t[v..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
            if alpha == 0 {
                return Err(12);
            }
            self.items.success = Some(!t.t[v..v + alpha].starts_with(b"failed"));
        }
        Ok(())
    }

    /// parse_daemon2 (DAEMON_ACCEPT, DAEMON_CLOSE).
    fn daemon2(&mut self, t: &Text<'_>) -> Step {
        let mut term = 0;
        if self.needs.hostname
            && let Some(at) = t.find(0, b"addr=")
        {
            let v = at + 5;
            let end = t.chr(v, b':').or_else(|| t.chr(v, b' ')).ok_or(1)?;
            self.items.hostname = Some(t.t[v..end].to_vec());
            term = end;
        }
        if self.needs.success
            && let Some(at) = t.find(term, b"res=")
        {
            let v = at + 4;
            let alpha = t.t[v..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
            if alpha == 0 {
                return Err(2);
            }
            self.items.success = Some(!t.t[v..v + alpha].starts_with(b"failed"));
        }
        Ok(())
    }

    /// parse_simple_message (CONFIG_CHANGE, MAC_*).
    fn simple(&mut self, t: &Text<'_>, rtype: i32) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.loginuid || n.auid_name {
            match t.find(0, b"auid=") {
                None if rtype != CONFIG_CHANGE => return Err(1),
                None => {}
                Some(at) => {
                    let end = t.chr(at + 5, b' ');
                    let v = strtoul(&t.t[at + 5..end.unwrap_or(t.t.len())]).ok_or(2)?;
                    self.items.loginuid = v as u32;
                    term = end.unwrap_or(at + 5);
                    if n.auid_name {
                        self.items.auid_name = Some(self.name_of(b"auid", v as u32));
                    }
                }
            }
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let end = t.chr(at + 4, b' ');
            self.items.session = strtoul(&t.t[at + 4..end.unwrap_or(t.t.len())]).ok_or(3)? as u32;
            term = end.unwrap_or(at + 4);
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let end = t.chr(at + 5, b' ');
            let c = t.t[at + 5..end.unwrap_or(t.t.len())].to_vec();
            self.add_context(Some(&c), None);
            term = end.unwrap_or(at + 5);
        }
        if n.key
            && let Some(at) = t.find(term, b"key=")
        {
            let v = at + 4;
            let keys = self.items.keys.get_or_insert_with(Vec::new);
            if t.at(v) == b'"' {
                let (k, close) = t.quoted(v).ok_or(6)?;
                keys.push(k.to_vec());
                term = close;
            } else {
                let decoded = unescape(&t.t[v..]).ok_or(8)?;
                keys.extend(
                    decoded.split(|&b| b == 0x01).filter(|k| !k.is_empty()).map(<[u8]>::to_vec),
                );
            }
        }
        // COMPAT: ausearch-parse.c parse_simple_message: CONFIG_CHANGE is a
        // success unless its res= says otherwise.
        if rtype == CONFIG_CHANGE {
            self.items.success = Some(true);
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            let end = t.chr(at + 4, b' ').unwrap_or(t.t.len());
            let v = strtoul(&t.t[at + 4..end]).ok_or(7)?;
            self.items.success = res_number(v);
        }
        Ok(())
    }

    /// parse_obj (IPC, OBJ_PID).
    fn obj(&mut self, t: &Text<'_>) -> Step {
        if self.needs.object
            && let Some(at) = t.find(0, b"obj=")
        {
            let end = t.chr(at + 4, b' ').unwrap_or(t.t.len());
            let c = t.t[at + 4..end].to_vec();
            self.add_context(None, Some(&c));
        }
        Ok(())
    }

    /// parse_sockaddr: unix socket paths as file names, inet addresses as
    /// the host.
    fn sockaddr(&mut self, t: &Text<'_>) -> Step {
        let n = self.needs;
        if !(n.hostname || n.filename) {
            return Ok(());
        }
        let Some(at) = t.find(0, b"saddr=") else { return Ok(()) };
        let raw = &t.t[at + 6..];
        let len = if raw.first() == Some(&b'(') {
            memchr(b')', raw).map_or(0, |c| c + 1)
        } else {
            raw.iter().take_while(|b| b.is_ascii_hexdigit()).count() / 2
        };
        let bytes = unescape_raw(raw).ok_or(4)?;
        if bytes.len() < 2 {
            return Ok(());
        }
        let family = u16::from_ne_bytes([bytes[0], bytes[1]]);
        match family {
            2 => {
                if len < 16 {
                    return Err(1);
                }
                if n.hostname {
                    self.items.hostname =
                        raudit_interpret::sockaddr::numeric_host(&bytes).map(String::into_bytes);
                }
            }
            10 => {
                if len < 28 {
                    return Err(2);
                }
                if n.hostname {
                    // getnameinfo, as the reference: scope ids included.
                    self.items.hostname =
                        raudit_interpret::sockaddr::numeric_host(&bytes).map(String::into_bytes);
                }
            }
            1 => {
                if len < 4 {
                    return Err(3);
                }
                if n.filename {
                    let path = &bytes[2..];
                    let path = if path.first() == Some(&0) { &path[1..] } else { path };
                    let path = &path[..memchr(0, path).unwrap_or(path.len())];
                    self.items.filenames.get_or_insert_with(Vec::new).push(path.to_vec());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Extractor<'_> {
    /// parse_kernel_anom (SECCOMP, ANOM_PROMISCUOUS, ANOM_ABEND).
    fn kernel_anom(&mut self, t: &Text<'_>, rtype: i32) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.loginuid || n.auid_name {
            let at = t.find(0, b"auid=").ok_or(1)?;
            let end = t.chr(at + 5, b' ');
            let v = strtoul(&t.t[at + 5..end.unwrap_or(t.t.len())]).ok_or(2)?;
            self.items.loginuid = v as u32;
            term = end.unwrap_or(at + 5);
            if n.auid_name {
                self.items.auid_name = Some(self.name_of(b"auid", v as u32));
            }
        }
        if (n.uid || n.uid_name)
            && let Some(at) = t.find(term, b"uid=")
        {
            let (v, end) = t.number_to_space(at + 4, (3, 4))?;
            self.items.uid = v as u32;
            term = end;
            if n.uid_name {
                self.items.uid_name = Some(self.name_of(b"uid", v as u32));
            }
        }
        if n.gid
            && let Some(at) = t.find(term, b"gid=")
        {
            let (v, end) = t.number_to_space(at + 4, (5, 6))?;
            self.items.gid = v as u32;
            term = end;
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let end = t.chr(at + 4, b' ');
            self.items.session = strtoul(&t.t[at + 4..end.unwrap_or(t.t.len())]).ok_or(7)? as u32;
            term = end.unwrap_or(at + 4);
        }
        if rtype == ANOM_PROMISCUOUS {
            return Ok(());
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let end = t.chr(at + 5, b' ').ok_or(8)?;
            let c = t.t[at + 5..end].to_vec();
            self.add_context(Some(&c), None);
            term = end;
        }
        if n.pid
            && let Some(at) = t.find(term, b"pid=")
        {
            let (v, end) = t.number_to_space(at + 4, (10, 11))?;
            self.items.pid = v as u32;
            term = end;
        }
        if n.comm
            && let Some(at) = t.find(term, b"comm=")
        {
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, close) = t.quoted(v).ok_or(12)?;
                self.items.comm = Some(c.to_vec());
                term = close;
            } else {
                self.items.comm = unescape(&t.t[v..]);
            }
        }
        if n.exe {
            match t.find(term, b"exe=") {
                Some(at) => {
                    let v = at + 4;
                    if t.at(v) == b'"' {
                        let (e, close) = t.quoted(v).ok_or(13)?;
                        self.items.exe = Some(e.to_vec());
                        term = close;
                    } else {
                        self.items.exe = unescape(&t.t[v..]);
                    }
                }
                None if rtype != ANOM_ABEND => return Err(14),
                None => {}
            }
        }
        if rtype == SECCOMP
            && let Some(at) = t.find(term, b"arch=")
        {
            let end = t.chr(at + 5, b' ').ok_or(15)?;
            let hex = std::str::from_utf8(&t.t[at + 5..end]).unwrap_or("");
            let digits: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
            self.items.arch = u64::from_str_radix(if digits.is_empty() { "0" } else { &digits }, 16)
                .map_err(|_| 16)? as u32;
            let at = t.find(end, b"syscall=").ok_or(17)?;
            let (v, end) = t.number_to_space(at + 8, (18, 19))?;
            self.items.syscall = v as i32;
            term = end;
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            let end = t.chr(at + 4, b' ').unwrap_or(t.t.len());
            self.items.success = res_number(strtoul(&t.t[at + 4..end]).ok_or(68)?);
        }
        Ok(())
    }

    /// parse_integrity (INTEGRITY_DATA .. INTEGRITY_RULE).
    fn integrity(&mut self, t: &Text<'_>) -> Step {
        let n = self.needs;
        let mut term = 0;
        // The reference reads pid= whatever the criteria.
        if let Some(at) = t.find(0, b"pid=") {
            let (v, end) = t.number_to_space(at + 4, (1, 2))?;
            self.items.pid = v as u32;
            term = end;
        }
        if (n.uid || n.uid_name)
            && let Some(at) = t.find(term, b" uid=")
        {
            // COMPAT: ausearch-parse.c parse_integrity: read from the '=',
            // so the uid is 0.
            let (_, end) = t.number_to_space(at + 4, (3, 4))?;
            self.items.uid = 0;
            term = end;
            if n.uid_name {
                self.items.uid_name = Some(self.name_of(b"uid", 0));
            }
        }
        if (n.loginuid || n.auid_name)
            && let Some(at) = t.find(0, b"auid=")
        {
            let (v, end) = t.number_to_space(at + 5, (5, 6))?;
            self.items.loginuid = v as u32;
            term = end;
            if n.auid_name {
                self.items.auid_name = Some(self.name_of(b"auid", v as u32));
            }
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let (v, end) = t.number_to_space(at + 4, (10, 11))?;
            self.items.session = v as u32;
            term = end;
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let end = t.chr(at + 5, b' ').ok_or(12)?;
            let c = t.t[at + 5..end].to_vec();
            self.add_context(Some(&c), None);
            term = end;
        }
        if n.comm
            && let Some(at) = t.find(term, b"comm=")
        {
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, close) = t.quoted(v).ok_or(7)?;
                self.items.comm = Some(c.to_vec());
                term = close;
            } else {
                self.items.comm = unescape(&t.t[v..]);
            }
        }
        if n.filename
            && let Some(at) = t.find(term, b" name=")
        {
            self.path(t, at + 6).map_err(|_| 8)?;
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            let end = t.chr(at + 4, b' ').unwrap_or(t.t.len());
            self.items.success = res_number(strtoul(&t.t[at + 4..end]).ok_or(9)?);
        }
        Ok(())
    }

    /// parse_pkt (NETFILTER_PKT).
    fn packet(&mut self, t: &Text<'_>) -> Step {
        let mut term = 0;
        if self.needs.hostname
            && let Some(at) = t.find(0, b"saddr=")
        {
            let end = t.chr(at + 6, b' ').ok_or(1)?;
            self.items.hostname = Some(t.t[at + 6..end].to_vec());
            term = end;
        }
        if self.needs.object
            && let Some(at) = t.find(term, b"obj=")
        {
            let end = t.chr(at + 4, b' ').unwrap_or(t.t.len());
            let c = t.t[at + 4..end].to_vec();
            self.add_context(None, Some(&c));
        }
        Ok(())
    }

    /// parse_tty (TTY).
    fn tty(&mut self, t: &Text<'_>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.pid
            && let Some(at) = t.find(0, b"pid=")
        {
            let (v, end) = t.number_to_space(at + 4, (1, 2))?;
            self.items.pid = v as u32;
            term = end;
        }
        if (n.uid || n.uid_name)
            && let Some(at) = t.find(term, b" uid=")
        {
            // COMPAT: ausearch-parse.c parse_tty: the number is read from
            // the '=' of " uid=", so the uid is always 0.
            let (_, end) = t.number_to_space(at + 4, (3, 4))?;
            self.items.uid = 0;
            term = end;
            if n.uid_name {
                self.items.uid_name = Some(self.name_of(b"uid", 0));
            }
        }
        if n.loginuid || n.auid_name {
            let at = t.find(term, b"auid=").ok_or(5)?;
            let end = t.chr(at + 5, b' ');
            let v = strtoul(&t.t[at + 5..end.unwrap_or(t.t.len())]).ok_or(6)?;
            self.items.loginuid = v as u32;
            term = end.unwrap_or(at + 5);
            if n.auid_name {
                self.items.auid_name = Some(self.name_of(b"auid", v as u32));
            }
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let (v, end) = t.number_to_space(at + 4, (7, 8))?;
            self.items.session = v as u32;
            term = end;
        }
        if n.comm
            && let Some(at) = t.find(term, b"comm=")
        {
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, _) = t.quoted(v).ok_or(11)?;
                self.items.comm = Some(c.to_vec());
            } else {
                self.items.comm = unescape(&t.t[v..]);
            }
        }
        Ok(())
    }

    /// parse_kernel (NETFILTER_CFG, EVENT_LISTENER): fills only what other
    /// records left unset, with defaults where the record says nothing.
    fn kernel(&mut self, t: &Text<'_>) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.pid && self.items.pid == UNSET_ID {
            let at = t.find(0, b" pid=").ok_or(54)?;
            let (v, end) = t.number_to_space(at + 5, (52, 53))?;
            self.items.pid = v as u32;
            term = end;
        }
        if self.items.uid == UNSET_ID && self.items.uid_name.is_none() && (n.uid || n.uid_name) {
            match t.find(term, b"uid=") {
                Some(at) => {
                    let (v, end) = t.number_to_space(at + 4, (55, 56))?;
                    self.items.uid = v as u32;
                    term = end;
                }
                None => self.items.uid = 0,
            }
            if n.uid_name {
                self.items.uid_name = Some(self.name_of(b"uid", self.items.uid));
            }
        }
        if self.items.loginuid == UNSET_LOGINUID
            && self.items.auid_name.is_none()
            && (n.loginuid || n.auid_name)
        {
            match t.find(term, b"auid=") {
                Some(at) => {
                    let (v, end) = t.number_to_space(at + 5, (57, 58))?;
                    self.items.loginuid = v as u32;
                    term = end;
                }
                None => self.items.loginuid = UNSET_ID,
            }
            if n.auid_name {
                self.items.auid_name = Some(self.name_of(b"auid", self.items.loginuid));
            }
        }
        if self.items.terminal.is_none() && n.terminal {
            match t.find(term, b"tty=") {
                Some(at) => {
                    let end = t.chr(at + 4, b' ').ok_or(59)?;
                    self.items.terminal = Some(t.t[at + 4..end].to_vec());
                    term = end;
                }
                None => self.items.terminal = Some(b"(none)".to_vec()),
            }
        }
        if self.items.session == UNSET_SESSION && n.session {
            match t.find(term, b"ses=") {
                Some(at) => {
                    let (v, end) = t.number_to_space(at + 4, (60, 61))?;
                    self.items.session = v as u32;
                    term = end;
                }
                None => self.items.session = UNSET_ID,
            }
        }
        if self.items.contexts.is_none() && n.subject {
            let at = t.find(term, b"subj=").ok_or(64)?;
            let end = t.chr(at + 5, b' ').ok_or(62)?;
            let c = t.t[at + 5..end].to_vec();
            self.add_context(Some(&c), None);
            term = end;
        }
        if self.items.comm.is_none() && n.comm {
            let at = t.find(term, b"comm=").ok_or(66)?;
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, close) = t.quoted(v).ok_or(65)?;
                self.items.comm = Some(c.to_vec());
                term = close;
            } else {
                self.items.comm = unescape(&t.t[v..]);
            }
        }
        if self.items.exe.is_none() && n.exe {
            match t.find(0, b"exe=") {
                Some(at) => {
                    let v = at + 4;
                    if t.at(v) == b'"' {
                        let (e, close) = t.quoted(v).ok_or(67)?;
                        self.items.exe = Some(e.to_vec());
                        term = close;
                    } else {
                        self.items.exe = unescape(&t.t[v..]);
                    }
                }
                None => self.items.exe = Some(b"(null)".to_vec()),
            }
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            let end = t.chr(at + 4, b' ').unwrap_or(t.t.len());
            self.items.success = res_number(strtoul(&t.t[at + 4..end]).ok_or(69)?);
        }
        Ok(())
    }
}

/// Hex decoding without the C-string cut (socket addresses hold NULs).
fn unescape_raw(s: &[u8]) -> Option<Vec<u8>> {
    if s.first() == Some(&b'(') {
        return None;
    }
    let n = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if n < 2 {
        return None;
    }
    let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    Some(s[..n].chunks_exact(2).map(|p| hex(p[0]) << 4 | hex(p[1])).collect())
}

/// The reference skips the header (`type=X msg=audit(...): `) before some
/// searches (`NAME_OFFSET`).
const NAME_OFFSET: usize = 36;

/// What the reference's extract_search_items says about `event`.
pub fn extract(
    event: &Event<'_>,
    criteria: &Criteria,
    names: &dyn NameResolver,
) -> Result<SearchItems, Malformed> {
    extract_with(event, Needs::of(criteria), names)
}

/// [`extract`] with the items to extract given directly.
pub fn extract_with(
    event: &Event<'_>,
    needs: Needs,
    names: &dyn NameResolver,
) -> Result<SearchItems, Malformed> {
    // COMPAT: ausearch-match.c load_interpretations: names come from the
    // enriched part of a lone record or of a leading SYSCALL.
    let first = &event.records[0];
    let interp = if event.records.len() == 1 || first.rtype == types::FIRST_EVENT {
        first.enriched
    } else {
        None
    };
    let mut x = Extractor { needs, items: SearchItems::default(), names, interp };
    for record in &event.records {
        if let Err(rc) = x.record(record) {
            return Err(Malformed { rc, record: record.text.to_vec() });
        }
    }
    Ok(x.items)
}

impl Extractor<'_> {
    fn record(&mut self, r: &Record<'_>) -> Step {
        let t = Text { t: r.text };
        match r.rtype {
            1300 => self.syscall(&t),
            1307 => self.cwd(&t),
            1402 => self.avc_path(&t),
            1302 => self.path_record(&t),
            1005 | 1100..=1106 | 1108..=1199 | 2100..=2999 => self.user(&t, r.rtype, None),
            1306 => self.sockaddr(&t),
            1006 => self.login(&t),
            1303 | 1318 => self.obj(&t),
            1200..=1203 | 1205 | 1206 => self.daemon1(&t),
            1207 | 1208 => self.daemon2(&t),
            1305 => {
                let rc = self.simple(&t, r.rtype);
                // Older CONFIG_CHANGE records have no path=: ignore that.
                let _ = self.avc_path(&t);
                rc
            }
            1400 | 1107 => self.avc(&t, r.rtype),
            1328 | 1702 => self.task_info(&t),
            1326 | 1700 | 1701 => self.kernel_anom(&t, r.rtype),
            1403..=1417 => self.simple(&t, r.rtype),
            1325 | 1335 => self.kernel(&t),
            1800..=1805 => self.integrity(&t),
            1324 => self.packet(&t),
            1319 => self.tty(&t),
            _ => Ok(()),
        }
    }
}

/// A numeric `res=` as the reference keeps it: a C int where 0 is
/// failure and 1 success; any other number matches neither `-sv`.
fn res_number(v: u64) -> Option<bool> {
    match v as u32 as i32 {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raudit_parse::{Assembler, AssemblerConfig};

    struct NoNames;
    impl NameResolver for NoNames {
        fn user_name(&self, _: u32) -> Option<Vec<u8>> {
            None
        }
    }

    fn event(log: &str) -> Event<'_> {
        let mut asm = Assembler::new(AssemblerConfig::default());
        for line in log.lines() {
            asm.push(Record::parse(line.as_bytes(), 2).unwrap());
        }
        asm.finish();
        asm.pop_ready().unwrap()
    }

    #[test]
    fn syscall_items_and_mandatory_tokens() {
        let e = event(
            "type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=7ffd0 a2=0 a3=0 items=1 ppid=1 pid=200 auid=1000 uid=1001 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"open-enoent\"",
        );
        let c = Criteria {
            pid: Some(1),
            uid: Some(IdCriterion::Number(1)),
            key: Some(b"x".to_vec()),
            exit: Some(1),
            comm: Some(b"c".to_vec()),
            ..Criteria::default()
        };
        let s = extract(&e, &c, &NoNames).unwrap();
        assert_eq!((s.pid, s.uid, s.exit, s.syscall), (200, 1001, Some(-2), 257));
        assert_eq!(s.keys, Some(vec![b"open-enoent".to_vec()]));
        assert_eq!(s.comm.as_deref(), Some(&b"cat"[..]));
        let short =
            event("type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=1 a0=1 a1=2");
        assert_eq!(extract(&short, &Criteria::default(), &NoNames).unwrap_err().rc, 12);
    }

    #[test]
    fn hex_keys_and_relative_paths() {
        let e = event(
            "type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=0 uid=0 key=6101620163\n\
             type=CWD msg=audit(1700000001.100:10): cwd=\"/home/a\"\n\
             type=PATH msg=audit(1700000001.100:10): item=0 name=\"./x\" inode=1",
        );
        let c = Criteria {
            key: Some(b"b".to_vec()),
            filename: Some(b"x".to_vec()),
            ..Criteria::default()
        };
        let s = extract(&e, &c, &NoNames).unwrap();
        assert_eq!(s.keys, Some(vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]));
        assert_eq!(s.filenames, Some(vec![b"/home/a/./x".to_vec()]));
    }

    #[test]
    fn user_records_second_uid_and_host() {
        let e = event(
            "type=USER_LOGIN msg=audit(1700000001.050:12): pid=300 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.1 terminal=ssh res=failed'",
        );
        let c = Criteria {
            hostname: Some(b"1".to_vec()),
            success: Some(crate::Success::No),
            terminal: Some(b"s".to_vec()),
            ..Criteria::default()
        };
        let s = extract(&e, &c, &NoNames).unwrap();
        assert_eq!(s.hostname.as_deref(), Some(&b"192.0.2.1"[..]));
        assert_eq!(s.terminal.as_deref(), Some(&b"ssh"[..]));
        assert_eq!(s.success, Some(false));
        assert_eq!(unescape(b"(null) x"), Some(b"(null)".to_vec()));
        assert_eq!(unescape(b"414200"), Some(b"AB".to_vec()));
    }
}
