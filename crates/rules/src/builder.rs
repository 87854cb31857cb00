//! Building one kernel rule from auditctl's options, in their order, with
//! the state, checks and messages of the reference's auditctl.c and
//! libaudit.c (audit_rule_fieldpair_data, audit_rule_interfield_comp_data,
//! audit_rule_syscallbyname_data, audit_add_watch_dir,
//! audit_update_watch_perms).

use raudit_proto::RuleData;
use raudit_proto::filter as f;
use raudit_proto::rule::BITMASK_WORDS;
use raudit_tables::syscalls::{self, Arch};
use raudit_tables::{errno, msg_type};

use crate::cnum::{self, starts_with_digit};
use crate::field;
use crate::names;

/// Whether the rule is added at the end, at the front, or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOp {
    Add,
    Prepend,
    Delete,
}

pub use raudit_proto::filter::{KEY_SEPARATOR, MAX_KEY_LEN};
/// AUDIT_MAX_FIELDS - 1: libaudit refuses a field past this many.
const MAX_FIELDS: usize = 63;
const PATH_MAX: usize = 4096;
const NAME_MAX: usize = 255;
/// AF_MAX of the reference's build.
const AF_MAX: u32 = 46;
const UNSET: u32 = f::FILTER_UNSET;
const LIST_MASK: u32 = 0x07;

/// libaudit's error numbers (errormsg.h) that auditctl reports.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Eau {
    OpMissing,
    FieldUnknown,
    ArchMisplaced,
    ElfUnknown,
    ExitOnly,
    MsgTypeUnknown,
    MsgTypeExcludeUser,
    StrTooLong,
    MsgTypeCredExclude,
    OpEqNotEq,
    PermRwxa,
    ErrUnknown,
    FileTypeUnknown,
    KeyDep,
    FieldValMissing,
    FieldValNum,
    FieldName,
    CompFieldName,
    CompVal,
    CompFieldUnknown,
    CompValUnknown,
    FieldTooMany,
    OpEq,
    FieldNoFilter,
    CompIncompat,
    FieldUnavail,
    FsTypeUnknown,
    FieldValTooBig,
    /// The message was already made (Unknown user/group).
    Printed(String),
}

/// audit_number_to_errmsg: the message and where the option text goes.
fn errmsg(e: Eau, opt: &str) -> String {
    use Eau::*;
    let (pos, text) = match e {
        OpMissing => (2, "-F missing operation for"),
        FieldUnknown => (2, "-F unknown field:"),
        ArchMisplaced => (1, "must be before -S"),
        ElfUnknown => (1, "elf mapping not found"),
        ExitOnly => (1, "can only be used with exit filter list"),
        MsgTypeUnknown => (2, "-F unknown message type -"),
        MsgTypeExcludeUser => {
            (0, "msgtype field can only be used with exclude or user filter list")
        }
        StrTooLong => (0, "String value too long"),
        MsgTypeCredExclude => {
            (0, "Only msgtype, *uid, *gid, pid, and subj* fields can be used with exclude filter")
        }
        OpEqNotEq => (1, "only takes = or != operators"),
        PermRwxa => (0, "Permission can only contain  'rwxa'"),
        ErrUnknown => (2, "-F unknown errno -"),
        FileTypeUnknown => (2, "-F unknown file type - "),
        KeyDep => (0, "Key field needs a watch, syscall or exe path given prior to it"),
        FieldValMissing => (2, "-F missing value after operation for"),
        FieldValNum => (2, "-F value should be number for"),
        FieldName => (2, "-F missing field name before operator for"),
        CompFieldName => (2, "-C missing field name before operator for"),
        CompVal => (2, "-C missing value after operation for "),
        CompFieldUnknown => (2, "-C unknown field:"),
        CompValUnknown => (2, "-C unknown right hand value for comparison with:"),
        FieldTooMany => (2, "Too many fields in rule:"),
        OpEq => (1, "only takes = operator"),
        FieldNoFilter => (1, "must be used with exclude, user, or exit filter"),
        CompIncompat => (2, "-C incompatible comparison"),
        FieldUnavail => (1, "field is not valid for the filter"),
        FsTypeUnknown => (2, "file system type is unknown for field:"),
        FieldValTooBig => (2, "value is too large for field:"),
        Printed(m) => return m,
    };
    match pos {
        0 => text.to_string(),
        1 => format!("{opt} {text}"),
        _ => format!("{text} {opt}"),
    }
}

/// Splits `name<op>value` at the first operator found, searching for the
/// two-character operators first (libaudit's strstr order).
fn split_op<'a>(text: &'a str, ops: &[(&str, u32)]) -> Option<(&'a str, u32, &'a str)> {
    ops.iter().find_map(|&(o, op)| text.find(o).map(|at| (&text[..at], op, &text[at + o.len()..])))
}

/// The machines libaudit knows (MACH_*), as AUDIT_ARCH values.
const ELFS: [u32; 9] = [
    names::I386,
    names::X86_64,
    names::PPC64,
    names::PPC64LE,
    names::PPC,
    names::S390X,
    names::S390,
    names::ARM,
    names::AARCH64,
];

/// Machine names (machinetab.h, case-insensitive) to AUDIT_ARCH.
fn machine_by_name(name: &str) -> Option<u32> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "i386" | "i486" | "i586" | "i686" => names::I386,
        "x86_64" => names::X86_64,
        "ppc64" => names::PPC64,
        "ppc64le" => names::PPC64LE,
        "ppc" => names::PPC,
        "s390x" => names::S390X,
        "s390" => names::S390,
        "armeb" | "arm" | "armv5tejl" | "armv5tel" | "armv6l" | "armv7l" => names::ARM,
        "aarch64" | "armv8l" => names::AARCH64,
        _ => return None,
    })
}

/// audit_determine_machine + audit_machine_to_elf: an arch= word (b32,
/// b64, a machine name or hex ELF number) to AUDIT_ARCH, or None.
fn determine_arch(text: &str) -> Option<u32> {
    let host = names::host_arch();
    let (bits, machine) = if text.eq_ignore_ascii_case("b64") {
        (Some(64), host)
    } else if text.eq_ignore_ascii_case("b32") {
        (Some(32), host)
    } else if let Some(m) = machine_by_name(text) {
        (None, m)
    } else {
        let p = cnum::parse(text, 16);
        if p.overflow_unsigned {
            return None;
        }
        let elf = p.unsigned as u32;
        if !ELFS.contains(&elf) {
            return None;
        }
        (None, elf)
    };
    let machine = match (bits, machine) {
        (Some(32), names::X86_64) => names::I386,
        (Some(32), names::PPC64) => names::PPC,
        (Some(32), names::S390X) => names::S390,
        (Some(32), names::AARCH64) => names::ARM,
        (_, m) => m,
    };
    let ok = match machine {
        names::I386 | names::PPC | names::S390 | names::ARM => bits != Some(64),
        names::AARCH64 | names::PPC64LE => bits.is_none() || bits == Some(64),
        names::X86_64 | names::PPC64 | names::S390X => true,
        _ => false,
    };
    ok.then_some(machine)
}

/// The syscall table libaudit uses for an AUDIT_ARCH value.
pub(crate) fn table_of(elf: u32) -> Option<Arch> {
    match elf {
        names::I386 => Some(Arch::I386),
        names::X86_64 => Some(Arch::X86_64),
        names::PPC64 | names::PPC => Some(Arch::Ppc64),
        names::PPC64LE => Some(Arch::Ppc64le),
        names::S390X | names::S390 => Some(Arch::S390x),
        names::ARM => Some(Arch::Arm),
        names::AARCH64 => Some(Arch::Aarch64),
        _ => names::table(elf),
    }
}

/// audit_rule_syscallbyname_data: Ok, or Err(()) for an unknown name.
fn syscall_by_name(rule: &mut RuleData, elf: u32, name: &str) -> Result<(), ()> {
    if name == "all" {
        rule.mask = [u32::MAX; BITMASK_WORDS];
        return Ok(());
    }
    let lower = name.to_ascii_lowercase();
    let mut nr = table_of(elf).and_then(|t| syscalls::number(t, &lower)).map_or(-1, |n| n as i64);
    if nr < 0 && starts_with_digit(name) {
        nr = i64::from(cnum::parse(name, 0).signed as i32);
    }
    if nr < 0 || nr / 32 > (BITMASK_WORDS as i64 - 1) {
        return Err(());
    }
    rule.mask[(nr / 32) as usize] |= 1 << (nr % 32);
    Ok(())
}

/// audit_name_to_msg_type.
fn msg_type_by_name(text: &str) -> i64 {
    if let Some(&(n, _)) = msg_type::MSG_TYPES.iter().find(|(_, m)| m.eq_ignore_ascii_case(text)) {
        return i64::from(n);
    }
    if let Some(rest) = text.strip_prefix("UNKNOWN[") {
        let Some(end) = rest.find(']') else { return -1 };
        let inner: String = rest[..end].chars().take(7).collect();
        return cnum::parse(&inner, 10).signed as i32 as i64;
    }
    if starts_with_digit(text) {
        return cnum::parse(text, 10).signed as i32 as i64;
    }
    -1
}

/// POSIX basename's length (trailing slashes ignored; "/" stays "/").
fn basename_len(path: &str) -> usize {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return 1;
    }
    trimmed.rsplit('/').next().map_or(0, str::len)
}

/// The state of one auditctl command line (or rules-file line) while its
/// options are read: the reference's globals add, del, action, exclude,
/// multiple, rule_new, key and the _audit_*added flags.
#[derive(Debug)]
pub struct RuleBuilder {
    add: u32,
    del: u32,
    action: Option<u32>,
    exclude: bool,
    multiple: u32,
    rule: RuleData,
    syscall_added: bool,
    perm_added: bool,
    exe_added: bool,
    fs_added: bool,
    /// _audit_elf: 0 until an arch or a syscall sets it.
    elf: u32,
    keys: Vec<u8>,
    key_done: bool,
    /// The rules-file line (for the 32/64 warning), 0 on the command line.
    line: usize,
    /// `-a ...,possible` (the reference eats the line).
    deprecated: bool,
    /// Messages printed while the rule is still built.
    warnings: Vec<String>,
}

impl Default for RuleBuilder {
    fn default() -> Self {
        RuleBuilder {
            add: UNSET,
            del: UNSET,
            action: None,
            exclude: false,
            multiple: 0,
            rule: RuleData::default(),
            syscall_added: false,
            perm_added: false,
            exe_added: false,
            fs_added: false,
            elf: 0,
            keys: Vec::new(),
            key_done: false,
            line: 0,
            deprecated: false,
            warnings: Vec::new(),
        }
    }
}

impl RuleBuilder {
    pub fn new() -> RuleBuilder {
        RuleBuilder::default()
    }

    /// The rules-file line number used in warnings (0: command line).
    pub fn set_line(&mut self, line: usize) {
        self.line = line;
    }

    /// Applies one rule option by its auditctl letter (`a A d S F C w W p
    /// k`). Returns None for letters that are not rule options.
    pub fn option(&mut self, letter: char, value: &str) -> Option<Result<(), String>> {
        Some(match letter {
            'a' => self.list_action(RuleOp::Add, value),
            'A' => self.list_action(RuleOp::Prepend, value),
            'd' => self.list_action(RuleOp::Delete, value),
            'S' => self.syscall(value),
            'F' => self.field(value),
            'C' => self.compare(value),
            'w' => self.watch(value, false),
            'W' => self.watch(value, true),
            'p' => self.perm(value),
            'k' => self.key(value),
            _ => return None,
        })
    }

    /// Messages since the last call, in order.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Whether a list was chosen (-a, -A, -d, -w, -W).
    pub fn has_rule(&self) -> bool {
        self.add != UNSET || self.del != UNSET
    }

    /// Whether `-S` (or a watch) was given (`_audit_syscalladded`).
    pub fn syscall_added(&self) -> bool {
        self.syscall_added
    }

    /// Whether the last error was the deprecated `possible` action.
    pub fn deprecated(&self) -> bool {
        self.deprecated
    }

    /// The list flags a field is checked against (`add`/`del` masked).
    fn flags(&self) -> u32 {
        if self.add != UNSET {
            self.add & LIST_MASK
        } else if self.del != UNSET {
            self.del & LIST_MASK
        } else {
            UNSET
        }
    }

    /// `-a`, `-A`, `-d`: list and action, in either order.
    pub fn list_action(&mut self, op: RuleOp, text: &str) -> Result<(), String> {
        let verb = match op {
            RuleOp::Add => "Append rule",
            RuleOp::Prepend => "Add rule",
            RuleOp::Delete => "Delete rule",
        };
        if op != RuleOp::Delete && text.contains("task") && self.syscall_added {
            return Err(if op == RuleOp::Add {
                "Syscall auditing requested for task list".into()
            } else {
                "Error: syscall auditing requested for task list".into()
            });
        }
        match self.rule_setup(op, text) {
            Ok(()) => {
                if op == RuleOp::Prepend {
                    self.add |= f::FILTER_PREPEND;
                }
                Ok(())
            }
            Err(3) => {
                // COMPAT: auditctl.c: the -a variant of this message ends
                // with an empty line.
                let tail = if op == RuleOp::Add { "\n" } else { "" };
                Err(format!("Multiple rule insert/delete operations are not allowed{tail}"))
            }
            Err(1) => {
                self.deprecated = true;
                let verb = if op == RuleOp::Delete { "Delete rule" } else { "Append rule" };
                Err(format!("{verb} - possible is deprecated"))
            }
            Err(_) => Err(format!("{verb} - bad keyword {text}")),
        }
    }

    /// audit_rule_setup: 0 ok, 1 deprecated, 2 bad keyword, 3 multiple.
    fn rule_setup(&mut self, op: RuleOp, text: &str) -> Result<(), u32> {
        self.multiple += 1;
        if self.multiple != 1 {
            return Err(3);
        }
        let Some((first, second)) = text.split_once(',') else { return Err(2) };
        if second.contains(',') {
            return Err(2);
        }
        let mut filter = if op == RuleOp::Delete { self.del } else { self.add };
        let mut act: Option<u32> = self.action;
        let lookup_action = |w: &str, act: &mut Option<u32>| match w {
            "always" => {
                *act = Some(f::ACTION_ALWAYS);
                0
            }
            "never" => {
                *act = Some(f::ACTION_NEVER);
                0
            }
            "possible" => 1,
            _ => 2,
        };
        let mut exclude = false;
        let mut lookup_filter = |w: &str, filter: &mut u32| {
            *filter = match w {
                "exit" => f::FILTER_EXIT,
                "task" => f::FILTER_TASK,
                "user" => f::FILTER_USER,
                "exclude" => {
                    exclude = true;
                    f::FILTER_EXCLUDE
                }
                "filesystem" => f::FILTER_FS,
                _ => return 2,
            };
            0
        };
        let mut result: Result<(), u32> = Ok(());
        if lookup_action(first, &mut act) == 2 {
            let rc = lookup_filter(first, &mut filter);
            if rc != 0 {
                result = Err(rc);
            }
        }
        if result.is_ok() {
            if filter == UNSET {
                lookup_filter(second, &mut filter);
            } else {
                let rc = lookup_action(second, &mut act);
                if rc != 0 {
                    result = Err(rc);
                }
            }
        }
        if exclude {
            self.exclude = true;
        }
        if op == RuleOp::Delete {
            self.del = filter;
        } else {
            self.add = filter;
        }
        self.action = act;
        result?;
        if filter == UNSET || act.is_none() {
            return Err(2);
        }
        Ok(())
    }

    /// `-S`: syscall names or numbers, comma separated, or `all`.
    pub fn syscall(&mut self, text: &str) -> Result<(), String> {
        let unknown_arch = self.elf == 0;
        let masked = |v: u32| v & (LIST_MASK | UNSET);
        let either = |l: u32| masked(self.add) == l || masked(self.del) == l;
        if either(f::FILTER_TASK) {
            return Err("Error: syscall auditing being added to task list".into());
        } else if either(f::FILTER_USER) {
            return Err("Error: syscall auditing being added to user list".into());
        } else if either(f::FILTER_FS) {
            return Err("Error: syscall auditing being added to filesystem list".into());
        } else if self.exclude {
            return Err("Error: syscall auditing cannot be put on exclude list".into());
        }
        if unknown_arch {
            self.elf = names::host_arch();
        }
        if text.contains(',') {
            for name in text.split(',').filter(|n| !n.is_empty()) {
                if syscall_by_name(&mut self.rule, self.elf, name).is_err() {
                    return Err(format!("Syscall name unknown: {name}"));
                }
            }
        } else if syscall_by_name(&mut self.rule, self.elf, text).is_err() {
            return Err(format!("Syscall name unknown: {text}"));
        }
        self.syscall_added = true;
        if unknown_arch && self.add != UNSET {
            self.check_mismatch(text);
        }
        Ok(())
    }

    /// check_rule_mismatch: the same names on the 32-bit sibling give
    /// another syscall mask.
    fn check_mismatch(&mut self, text: &str) {
        let sibling = match self.elf {
            names::X86_64 => names::I386,
            names::PPC64 => names::PPC,
            names::S390X => names::S390,
            e => e,
        };
        let mut tmp = RuleData::default();
        for name in text.split(',').filter(|n| !n.is_empty()) {
            let _ = syscall_by_name(&mut tmp, sibling, name);
        }
        if tmp.mask != self.rule.mask {
            self.warnings.push(if self.line > 0 {
                format!(
                    "WARNING - 32/64 bit syscall mismatch in line {}, you should specify an arch",
                    self.line
                )
            } else {
                "WARNING - 32/64 bit syscall mismatch, you should specify an arch".into()
            });
        }
    }

    /// `-F name<op>value` (with the list checked; `-F key=` joins the keys).
    pub fn field(&mut self, text: &str) -> Result<(), String> {
        self.field_opt(text, false)
    }

    /// `-F`; `arch_with_t`: the reference lets `-F arch=... -t` through
    /// with no list.
    pub fn field_opt(&mut self, text: &str, arch_with_t: bool) -> Result<(), String> {
        if !self.has_rule() && !arch_with_t {
            return Err("List must be given before field".into());
        }
        if let Some(k) = text.strip_prefix("key=") {
            return self.add_key(k);
        }
        let flags = self.flags();
        self.fieldpair(text, flags)?;
        match self.rule.fields.last() {
            Some(&f::PERM) => self.perm_added = true,
            Some(&f::EXE) => self.exe_added = true,
            _ => {}
        }
        Ok(())
    }

    /// audit_rule_fieldpair_data, with its message.
    fn fieldpair(&mut self, pair: &str, flags: u32) -> Result<(), String> {
        if self.rule.field_count() >= MAX_FIELDS {
            return Err(errmsg(Eau::FieldTooMany, pair));
        }
        let Some((name, op, v)) = split_op(pair, field::OPERATORS) else {
            return Err(errmsg(Eau::OpMissing, pair));
        };
        self.fieldpair_split(name, op, v, flags).map_err(|e| errmsg(e, name))
    }

    fn fieldpair_split(&mut self, name: &str, op: u32, v: &str, flags: u32) -> Result<(), Eau> {
        use Eau::*;
        if name.is_empty() {
            return Err(FieldName);
        }
        if v.is_empty() {
            return Err(FieldValMissing);
        }
        let id = field::by_name(&name.to_ascii_lowercase()).ok_or(FieldUnknown)?.0;
        if flags == f::FILTER_EXCLUDE
            && !matches!(id, f::PID | f::UID | f::GID | f::LOGINUID | f::MSGTYPE | 13..=17 | f::EXE)
        {
            return Err(MsgTypeCredExclude);
        }
        let eq_ne = op == f::OP_EQUAL || op == f::OP_NOT_EQUAL;
        let digit = starts_with_digit(v);
        let negative = v.len() >= 2 && v.starts_with('-') && v.as_bytes()[1].is_ascii_digit();
        // Ids: a number (strtoul), a negative number (strtol), `unset`, else `word`.
        let id_like = |word: &dyn Fn() -> Result<u32, Eau>| {
            if digit {
                Ok(cnum::strtoul_u32(v))
            } else if negative {
                Ok(cnum::strtol_u32(v))
            } else if v == "unset" {
                Ok(u32::MAX)
            } else {
                word()
            }
        };
        let value: u32 = match id {
            f::UID | f::EUID | f::SUID | f::FSUID | f::LOGINUID | f::OBJ_UID => {
                id_like(&|| names::user_id(v).ok_or_else(|| Printed(format!("Unknown user: {v}"))))?
            }
            f::GID | f::EGID | f::SGID | f::FSGID | f::OBJ_GID => {
                if digit {
                    cnum::strtol_u32(v)
                } else {
                    names::group_id(v).ok_or_else(|| Printed(format!("Unknown group: {v}")))?
                }
            }
            f::EXIT => {
                if flags != f::FILTER_EXIT {
                    return Err(ExitOnly);
                }
                if digit || negative {
                    cnum::strtol_u32(v)
                } else {
                    let (neg, bare) = match v.strip_prefix('-') {
                        Some(b) => (true, b),
                        None => (false, v),
                    };
                    let n = errno::number(&bare.to_ascii_uppercase()).unwrap_or(0) as i32;
                    if n == 0 {
                        return Err(ErrUnknown);
                    }
                    (if neg { -n } else { n }) as u32
                }
            }
            f::MSGTYPE => {
                if flags != f::FILTER_EXCLUDE && flags != f::FILTER_USER {
                    return Err(MsgTypeExcludeUser);
                }
                if digit {
                    cnum::strtol_u32(v)
                } else {
                    let n = msg_type_by_name(v);
                    if n <= 0 {
                        return Err(MsgTypeUnknown);
                    }
                    n as u32
                }
            }
            19..=23 | f::WATCH | f::DIR | 13..=17 | f::FILTERKEY | f::EXE => {
                if matches!(id, 19..=23 | f::WATCH | f::DIR) {
                    if flags != f::FILTER_EXIT {
                        return Err(ExitOnly);
                    }
                    if matches!(id, f::WATCH | f::DIR) {
                        self.perm_added = true;
                    }
                }
                if id == f::EXE {
                    if !eq_ne {
                        return Err(OpEqNotEq);
                    }
                    self.exe_added = true;
                }
                if id == f::FILTERKEY
                    && !(self.syscall_added || self.perm_added || self.exe_added || self.fs_added)
                {
                    return Err(KeyDep);
                }
                if (id == f::FILTERKEY && v.len() > MAX_KEY_LEN) || v.len() > PATH_MAX {
                    return Err(StrTooLong);
                }
                self.rule.push_field(id, op, v.len() as u32);
                self.rule.buf.extend_from_slice(v.as_bytes());
                return Ok(());
            }
            f::ARCH => {
                if self.syscall_added {
                    return Err(ArchMisplaced);
                }
                if !eq_ne {
                    return Err(OpEqNotEq);
                }
                let elf = if digit {
                    let p = cnum::parse(v, 0);
                    let elf = p.unsigned as u32;
                    if p.overflow_unsigned || !ELFS.contains(&elf) {
                        return Err(ElfUnknown);
                    }
                    elf
                } else {
                    determine_arch(v).ok_or(ElfUnknown)?
                };
                self.elf = elf;
                elf
            }
            f::PERM => {
                if flags != f::FILTER_EXIT {
                    return Err(ExitOnly);
                } else if op != f::OP_EQUAL {
                    return Err(OpEq);
                }
                if v.len() > 4 {
                    return Err(StrTooLong);
                }
                perm_bits(v).ok_or(PermRwxa)?
            }
            f::FILETYPE => {
                if flags != f::FILTER_EXIT {
                    return Err(ExitOnly);
                }
                let lower = v.to_ascii_lowercase();
                field::FILE_TYPES
                    .iter()
                    .find(|(n, _)| *n == lower)
                    .map(|&(_, t)| t)
                    .ok_or(FileTypeUnknown)?
            }
            f::FSTYPE => {
                if flags != f::FILTER_FS {
                    return Err(FieldUnavail);
                }
                if !eq_ne {
                    return Err(OpEqNotEq);
                }
                let t = if digit {
                    cnum::strtoul_u32(v)
                } else {
                    let lower = v.to_ascii_lowercase();
                    field::FS_TYPES.iter().find(|(n, _)| *n == lower).map_or(u32::MAX, |&(_, t)| t)
                };
                if t == u32::MAX {
                    return Err(FsTypeUnknown);
                }
                self.fs_added = true;
                t
            }
            200..=203 => {
                if digit {
                    cnum::strtoul_u32(v)
                } else if negative {
                    cnum::strtol_u32(v)
                } else {
                    return Err(FieldValNum);
                }
            }
            f::SESSIONID => {
                if !matches!(flags, f::FILTER_EXCLUDE | f::FILTER_USER | f::FILTER_EXIT) {
                    return Err(FieldNoFilter);
                }
                // COMPAT: libaudit.c: any other word leaves the (zeroed)
                // value as it was.
                id_like(&|| Ok(0))?
            }
            f::SADDR_FAM => {
                let n = cnum::strtoul_u32(v);
                if n >= AF_MAX {
                    return Err(FieldValTooBig);
                }
                n
            }
            _ => {
                if matches!(id, 100..=102 | 104) && flags != f::FILTER_EXIT {
                    return Err(ExitOnly);
                }
                if id == f::INODE && !eq_ne {
                    return Err(OpEqNotEq);
                }
                if id == f::PPID && flags != f::FILTER_EXIT {
                    return Err(ExitOnly);
                }
                if !digit {
                    return Err(FieldValNum);
                }
                if id == f::INODE { cnum::strtoul_u32(v) } else { cnum::strtol_u32(v) }
            }
        };
        self.rule.push_field(id, op, value);
        Ok(())
    }

    /// `-C a<op>b`.
    pub fn compare(&mut self, text: &str) -> Result<(), String> {
        let flags = self.flags();
        if self.rule.field_count() >= MAX_FIELDS {
            return Err(errmsg(Eau::FieldTooMany, text));
        }
        let ops: &[(&str, u32)] = &[("!=", f::OP_NOT_EQUAL), ("=", f::OP_EQUAL)];
        let Some((left, op, right)) = split_op(text, ops) else {
            return Err(errmsg(Eau::OpEqNotEq, text));
        };
        let fail = |e| Err(errmsg(e, left));
        if left.is_empty() {
            return fail(Eau::CompFieldName);
        }
        if right.is_empty() {
            return fail(Eau::CompVal);
        }
        let Some((l, _)) = field::by_name(&left.to_ascii_lowercase()) else {
            return fail(Eau::CompFieldUnknown);
        };
        let Some((r, _)) = field::by_name(&right.to_ascii_lowercase()) else {
            return fail(Eau::CompValUnknown);
        };
        if flags != f::FILTER_EXIT {
            return fail(Eau::ExitOnly);
        }
        let name = |id: u32| field::by_id(id).map_or("", |n| n.0);
        let (ln, rn) = (name(l), name(r));
        let found = field::COMPARISONS
            .iter()
            .find(|(a, b, _)| (*a == ln && *b == rn) || (*a == rn && *b == ln));
        let Some(&(_, _, which)) = found else { return fail(Eau::CompIncompat) };
        self.rule.push_field(f::FIELD_COMPARE, op, which);
        Ok(())
    }

    /// `-w PATH` (add) or `-W PATH` (delete).
    pub fn watch(&mut self, path: &str, delete: bool) -> Result<(), String> {
        if !delete && self.has_rule() {
            return Err("watch option can't be given with a syscall".into());
        }
        if delete {
            self.del = f::FILTER_EXIT;
        } else {
            self.add = f::FILTER_EXIT;
        }
        self.action = Some(f::ACTION_ALWAYS);
        self.syscall_added = true;
        // check_path
        if path.len() >= PATH_MAX {
            return Err("The path passed for the watch is too big".into());
        }
        if !path.starts_with('/') {
            return Err("The path must start with '/'".into());
        }
        if basename_len(path) > NAME_MAX {
            return Err("The base name of the path is too big".into());
        }
        if path.contains("..") {
            self.warnings.push("Warning - relative path notation is not supported".into());
        }
        if path.contains('*') || path.contains('?') {
            self.warnings.push("Warning - wildcard notation is not supported".into());
        }
        // COMPAT: auditctl.c: trailing slashes go when the path is longer
        // than two characters.
        let mut p = path;
        if p.len() > 2 && p.ends_with('/') {
            while p.len() > 1 && p.ends_with('/') {
                p = &p[..p.len() - 1];
            }
        }
        let is_dir = std::fs::metadata(p).is_ok_and(|m| m.is_dir());
        if self.rule.field_count() > 0 {
            return Err("Rule is not empty\n".into());
        }
        let mut rule = RuleData { mask: [u32::MAX; BITMASK_WORDS], ..RuleData::default() };
        rule.push_field(if is_dir { f::DIR } else { f::WATCH }, f::OP_EQUAL, p.len() as u32);
        rule.buf.extend_from_slice(p.as_bytes());
        rule.push_field(f::PERM, f::OP_EQUAL, 15);
        self.rule = rule;
        self.perm_added = true;
        Ok(())
    }

    /// `-p PERMS`: replaces the permission of the watch (or perm field).
    pub fn perm(&mut self, text: &str) -> Result<(), String> {
        if !self.has_rule() {
            return Err("permission option needs a watch given prior to it".into());
        }
        if text.len() > 4 {
            return Err(format!("permission {text} is too long"));
        }
        let mut bits = 0;
        for c in text.chars() {
            bits |= match c.to_ascii_lowercase() {
                'r' => 4,
                'w' => 2,
                'x' => 1,
                'a' => 8,
                _ => return Err(format!("Permission {c} isn't supported")),
            };
        }
        if self.rule.field_count() < 1 {
            return Err("Permissions should be preceeded by other fields".into());
        }
        let mut done = false;
        for i in 0..self.rule.field_count() {
            if self.rule.fields[i] == f::PERM {
                self.rule.values[i] = bits;
                done = true;
            }
        }
        if !done {
            if self.rule.field_count() >= MAX_FIELDS {
                return Err("Too many fields when adding permissions".into());
            }
            self.rule.push_field(f::PERM, f::OP_EQUAL, bits);
        }
        self.perm_added = true;
        Ok(())
    }

    /// `-k KEY`: keys are joined and added last.
    pub fn key(&mut self, text: &str) -> Result<(), String> {
        if !(self.syscall_added || self.perm_added || self.exe_added || self.fs_added)
            || !self.has_rule()
        {
            return Err("key option needs a watch or syscall given prior to it".into());
        }
        self.add_key(text)
    }

    /// process_keys: `-k` after its check, and `-F key=`.
    fn add_key(&mut self, text: &str) -> Result<(), String> {
        let sep = usize::from(!self.keys.is_empty());
        if text.len() + self.keys.len() + sep > MAX_KEY_LEN {
            return Err("key option exceeds size limit".into());
        }
        if text.as_bytes().contains(&KEY_SEPARATOR) {
            self.warnings.push(format!("key {text} has illegal character"));
        }
        if sep == 1 {
            self.keys.push(KEY_SEPARATOR);
        }
        self.keys.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// Whether keys wait to be added.
    pub fn has_key(&self) -> bool {
        !self.keys.is_empty() && !self.key_done
    }

    /// The joined keys as one `key=` field (auditctl does this after all
    /// options, through the field parser).
    pub fn append_key(&mut self) -> Result<(), String> {
        if !self.has_key() {
            return Ok(());
        }
        self.key_done = true;
        let cmd = format!("key={}", String::from_utf8_lossy(&self.keys));
        let flags = if self.add != UNSET {
            self.add & LIST_MASK
        } else if self.del != UNSET {
            self.del & LIST_MASK
        } else {
            0
        };
        self.fieldpair(&cmd, flags)
    }

    /// The operation and the finished rule, or None when no list was
    /// chosen. Keys not yet added are added (errors ignored).
    pub fn finish(mut self) -> Option<(RuleOp, RuleData)> {
        let _ = self.append_key();
        let (op, flags) = if self.add != UNSET {
            let op = if self.add & f::FILTER_PREPEND != 0 { RuleOp::Prepend } else { RuleOp::Add };
            (op, self.add)
        } else if self.del != UNSET {
            (RuleOp::Delete, self.del)
        } else {
            return None;
        };
        // handle_request: a rule on any list but task that names no
        // syscall covers them all.
        if flags & LIST_MASK != f::FILTER_TASK && !self.syscall_added {
            self.rule.mask = [u32::MAX; BITMASK_WORDS];
        }
        self.rule.flags = flags;
        self.rule.action = self.action.unwrap_or(0);
        Some((op, self.rule))
    }
}

/// rwxa letters (any case) to AUDIT_PERM bits.
fn perm_bits(text: &str) -> Option<u32> {
    let mut bits = 0;
    for c in text.chars() {
        bits |= match c.to_ascii_lowercase() {
            'r' => 4,
            'w' => 2,
            'x' => 1,
            'a' => 8,
            _ => return None,
        };
    }
    Some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(opts: &[(&str, &str)]) -> Result<RuleData, String> {
        let mut b = RuleBuilder::new();
        for (o, v) in opts {
            match *o {
                "-a" => b.list_action(RuleOp::Add, v)?,
                "-S" => b.syscall(v)?,
                "-F" => b.field(v)?,
                "-C" => b.compare(v)?,
                "-w" => b.watch(v, false)?,
                "-p" => b.perm(v)?,
                "-k" => b.key(v)?,
                _ => unreachable!(),
            }
        }
        Ok(b.finish().unwrap().1)
    }

    #[test]
    fn syscall_rule() {
        let r = build(&[
            ("-a", "always,exit"),
            ("-F", "arch=b64"),
            ("-S", "openat,2"),
            ("-F", "auid>=1000"),
            ("-k", "a"),
            ("-k", "b"),
        ])
        .unwrap();
        assert_eq!((r.flags, r.action), (4, 2));
        assert!(r.has_syscall(257) && r.has_syscall(2) && !r.has_syscall(0));
        assert_eq!(r.fields, vec![11, 9, 210]);
        assert_eq!(r.values, vec![names::X86_64, 1000, 3]);
        assert_eq!(r.buf, b"a\x01b");
    }

    #[test]
    fn watch_rule_and_errors() {
        let r = build(&[("-w", "/tmp/nonexistent-raudit/"), ("-p", "wa"), ("-k", "k")]).unwrap();
        assert_eq!(r.fields, vec![105, 106, 210]);
        assert_eq!(r.values[1], 10);
        assert_eq!(
            build(&[("-a", "always,exit"), ("-F", "uidd=0")]).unwrap_err(),
            "-F unknown field: uidd"
        );
        assert_eq!(
            build(&[("-a", "bogus,exit")]).unwrap_err(),
            "Append rule - bad keyword bogus,exit"
        );
        assert_eq!(
            build(&[("-a", "always,task"), ("-S", "open")]).unwrap_err(),
            "Error: syscall auditing being added to task list"
        );
        assert_eq!(
            build(&[("-p", "r")]).unwrap_err(),
            "permission option needs a watch given prior to it"
        );
        assert_eq!(
            build(&[("-a", "always,exit"), ("-k", "x")]).unwrap_err(),
            "key option needs a watch or syscall given prior to it"
        );
    }
}
