//! Building one kernel rule from auditctl's options, in their order.

use raudit_proto::RuleData;
use raudit_proto::rule::BITMASK_WORDS;
use raudit_tables::{errno, msg_type, syscalls};

use crate::field::{self, Kind};
use crate::names;

/// Whether the rule is added at the end, at the front, or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOp {
    Add,
    Prepend,
    Delete,
}

impl RuleOp {
    /// How the reference names the operation in messages.
    fn verb(self) -> &'static str {
        match self {
            RuleOp::Add => "Append rule",
            RuleOp::Prepend => "Add rule",
            RuleOp::Delete => "Delete rule",
        }
    }
}

pub use raudit_proto::filter::{KEY_SEPARATOR, MAX_KEY_LEN};
/// The library refuses a field past this many.
const MAX_FIELDS: usize = 63;
const PATH_MAX: usize = 4096;

/// The state of one auditctl rule while its options are read. Errors are
/// the reference's messages.
#[derive(Debug, Default)]
pub struct RuleBuilder {
    op: Option<RuleOp>,
    list: Option<u32>,
    action: u32,
    rule: RuleData,
    keys: Vec<u8>,
    arch: Option<u32>,
    syscalls: bool,
    perm_allowed: bool,
    key_allowed: bool,
    watch: bool,
    /// `-w` or `-W`: the deleting kind of watch.
    watch_delete: bool,
    /// Warnings to print (the rule is still built).
    warnings: Vec<String>,
}

/// Reads a number as C's strtol/strtoul with base 0 would (decimal, 0x
/// hex, 0 octal), requiring the whole text to be consumed.
fn number_base0(text: &str) -> Option<i64> {
    let (neg, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let v = if let Some(h) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if rest.len() > 1 && rest.starts_with('0') {
        i64::from_str_radix(&rest[1..], 8).ok()?
    } else {
        rest.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

impl RuleBuilder {
    pub fn new() -> RuleBuilder {
        RuleBuilder::default()
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

    /// Warnings since the last call, in order.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Whether any rule option was given.
    pub fn has_rule(&self) -> bool {
        self.op.is_some()
    }

    /// `-a`, `-A`, `-d`: list and action, in either order.
    pub fn list_action(&mut self, op: RuleOp, text: &str) -> Result<(), String> {
        if self.op.is_some() {
            // COMPAT: auditctl.c: the -a variant of this message ends with an
            // empty line.
            let tail = if op == RuleOp::Add { "\n" } else { "" };
            return Err(format!("Multiple rule insert/delete operations are not allowed{tail}"));
        }
        let Some((a, b)) = text.split_once(',') else {
            return Err(format!("{} - bad keyword {text}", op.verb()));
        };
        let list_of = |w: &str| {
            field::LISTS
                .iter()
                .find(|(n, _)| *n == w && !matches!(*n, "entry" | "watch" | "io_uring"))
                .map(|&(_, v)| v)
        };
        let action_of = |w: &str| match w {
            "never" => Some(0),
            "always" => Some(2),
            _ => None,
        };
        let (list, action) = match (list_of(a), action_of(b), action_of(a), list_of(b)) {
            (Some(l), Some(ac), _, _) => (l, ac),
            (_, _, Some(ac), Some(l)) => (l, ac),
            _ if b == "possible" => return Err(format!("{} - possible is deprecated", op.verb())),
            _ => return Err(format!("{} - bad keyword {text}", op.verb())),
        };
        if list == field::LIST_TASK && self.syscalls {
            return Err("Error: syscall auditing requested for task list".into());
        }
        self.op = Some(op);
        self.list = Some(list);
        self.action = action;
        Ok(())
    }

    /// `-S`: syscall names or numbers, comma separated, or `all`.
    pub fn syscall(&mut self, text: &str) -> Result<(), String> {
        match self.list {
            Some(field::LIST_TASK) => {
                return Err("Error: syscall auditing being added to task list".into());
            }
            Some(field::LIST_USER) => {
                return Err("Error: syscall auditing being added to user list".into());
            }
            Some(field::LIST_FS) => {
                return Err("Error: syscall auditing being added to filesystem list".into());
            }
            Some(field::LIST_EXCLUDE) => {
                return Err("Error: syscall auditing cannot be put on exclude list".into());
            }
            _ => {}
        }
        let arch = self.arch.unwrap_or_else(names::host_arch);
        // COMPAT: auditctl.c: with no arch given, a rule being added whose
        // syscalls have other numbers on the 32-bit sibling gets a warning.
        if self.arch.is_none() && self.op != Some(RuleOp::Delete) {
            let sibling = names::sibling_32(arch).and_then(names::table);
            let host = names::table(arch);
            let differs = text.split(',').filter(|n| *n != "all").any(|n| match (host, sibling) {
                (Some(h), Some(s)) => syscalls::number(h, n) != syscalls::number(s, n),
                _ => false,
            });
            if differs {
                self.warnings.push(
                    "WARNING - 32/64 bit syscall mismatch, you should specify an arch".into(),
                );
            }
        }
        for name in text.split(',') {
            if name == "all" {
                self.rule.mask = [u32::MAX; BITMASK_WORDS];
                continue;
            }
            let nr = names::table(arch)
                .and_then(|t| syscalls::number(t, name))
                .map(i64::from)
                .or_else(|| {
                    name.starts_with(|c: char| c.is_ascii_digit())
                        .then(|| number_base0(name))
                        .flatten()
                })
                .filter(|n| (0..2048).contains(n))
                .ok_or_else(|| format!("Syscall name unknown: {name}"))?;
            self.rule.set_syscall(nr as u32);
        }
        self.syscalls = true;
        self.key_allowed = true;
        Ok(())
    }

    fn push_field(&mut self, id: u32, op: u32, value: u32) -> Result<(), String> {
        if self.rule.field_count() >= MAX_FIELDS {
            return Err(format!(
                "Too many fields in rule: {}",
                field::by_id(id).map_or("?", |f| f.0)
            ));
        }
        self.rule.push_field(id, op, value);
        Ok(())
    }

    fn push_string(&mut self, id: u32, op: u32, value: &str) -> Result<(), String> {
        if value.len() >= PATH_MAX {
            return Err("String value too long".into());
        }
        self.push_field(id, op, value.len() as u32)?;
        self.rule.buf.extend_from_slice(value.as_bytes());
        Ok(())
    }

    /// `-F name<op>value`.
    pub fn field(&mut self, text: &str) -> Result<(), String> {
        let Some((op_text, op)) = field::OPERATORS.iter().find(|(t, _)| text.contains(t)).copied()
        else {
            return Err(format!("-F missing operation for {text}"));
        };
        let at = text.find(op_text).unwrap_or(0);
        let (name, value) = (&text[..at], &text[at + op_text.len()..]);
        if name.is_empty() {
            return Err("-F missing field name before operator for ".into());
        }
        if value.is_empty() {
            return Err(format!("-F missing value after operation for {name}"));
        }
        let Some((id, kind)) = field::by_name(name) else {
            return Err(format!("-F unknown field: {name}"));
        };
        if kind == Kind::Compare {
            return Err(format!("-F unknown field: {name}"));
        }
        let Some(list) = self.list else {
            return Err("List must be given before field".into());
        };
        if field::exit_only(id) && list != field::LIST_EXIT {
            return Err(format!("{name} can only be used with exit filter list"));
        }
        let eq_ne = op == field::EQUAL || op == field::NOT_EQUAL;
        match kind {
            Kind::Arch | Kind::FsType if !eq_ne => {
                return Err(format!("{name} only takes = or != operators"));
            }
            Kind::Str if matches!(id, field::EXE) && !eq_ne => {
                return Err(format!("{name} only takes = or != operators"));
            }
            Kind::Perm | Kind::Key if op != field::EQUAL => {
                return Err(format!("{name} only takes = operator"));
            }
            _ => {}
        }
        if id == 102 && !eq_ne {
            return Err(format!("{name} only takes = or != operators"));
        }
        let number = |v: &str| -> Result<u32, String> {
            let n = if v.starts_with(|c: char| c.is_ascii_digit())
                || (v.starts_with('-') && v.len() > 1)
            {
                number_base0(v)
            } else {
                None
            };
            n.map(|n| n as u32).ok_or_else(|| format!("-F value should be number for {name}"))
        };
        match kind {
            Kind::Uid => {
                let v = if value == "unset" {
                    u32::MAX
                } else if value.starts_with(|c: char| c.is_ascii_digit()) || value.starts_with('-')
                {
                    number(value)?
                } else {
                    names::user_id(value).ok_or_else(|| format!("Unknown user: {value}"))?
                };
                self.push_field(id, op, v)
            }
            Kind::Gid => {
                let v = if value.starts_with(|c: char| c.is_ascii_digit()) {
                    number(value)?
                } else {
                    names::group_id(value).ok_or_else(|| format!("Unknown group: {value}"))?
                };
                self.push_field(id, op, v)
            }
            Kind::Signed | Kind::Unsigned | Kind::Arg => {
                let v = number(value)?;
                if id == 113 && v >= 46 {
                    return Err(format!("value is too large for field: {name}"));
                }
                self.push_field(id, op, v)
            }
            Kind::Session => {
                let v = if value == "unset" {
                    u32::MAX
                } else {
                    number_base0(value).unwrap_or(0) as u32
                };
                self.push_field(id, op, v)
            }
            Kind::Arch => {
                if self.syscalls {
                    return Err("arch must be before -S".into());
                }
                let v =
                    names::parse_arch(value).ok_or_else(|| format!("-F unknown arch: {value}"))?;
                self.arch = Some(v);
                self.push_field(id, op, v)
            }
            Kind::MsgType => {
                let v = msg_type::parse(value)
                    .filter(|_| !value.starts_with('-'))
                    .ok_or_else(|| format!("-F unknown message type - {value}"))?;
                self.push_field(id, op, v)
            }
            Kind::Str => {
                if matches!(id, field::WATCH | field::DIR) {
                    self.perm_allowed = true;
                    self.key_allowed = true;
                }
                if id == field::EXE {
                    self.key_allowed = true;
                }
                self.push_string(id, op, value)
            }
            Kind::Perm => {
                let bits = perm_bits(value).ok_or("Permission can only contain  'rwxa'")?;
                if value.len() > 4 {
                    return Err("String value too long".into());
                }
                self.perm_allowed = true;
                self.key_allowed = true;
                self.push_field(id, op, bits)
            }
            Kind::FileType => {
                let v = field::FILE_TYPES
                    .iter()
                    .find(|(n, _)| *n == value)
                    .map(|&(_, v)| v)
                    .ok_or("-F unknown file type -  filetype")?;
                self.push_field(id, op, v)
            }
            Kind::Exit => {
                let v = if value.starts_with(|c: char| c.is_ascii_digit())
                    || (value.starts_with('-')
                        && value[1..].starts_with(|c: char| c.is_ascii_digit()))
                {
                    number(value)?
                } else {
                    let (neg, bare) = match value.strip_prefix('-') {
                        Some(b) => (true, b),
                        None => (false, value),
                    };
                    let n = errno::number(bare).ok_or("-F unknown errno - exit")? as i64;
                    (if neg { -n } else { n }) as u32
                };
                self.push_field(id, op, v)
            }
            Kind::FsType => {
                if list != field::LIST_FS {
                    return Err("fstype field is not valid for the filter".into());
                }
                let v = field::FS_TYPES
                    .iter()
                    .find(|(n, _)| *n == value)
                    .map(|&(_, v)| v)
                    .or_else(|| number_base0(value).map(|n| n as u32))
                    .ok_or("file system type is unknown for field: fstype")?;
                self.key_allowed = true;
                self.push_field(id, op, v)
            }
            Kind::Key => self.key(value),
            Kind::Compare => unreachable!("handled above"),
        }
    }

    /// `-C a<op>b`.
    pub fn compare(&mut self, text: &str) -> Result<(), String> {
        let Some((op_text, op)) = field::OPERATORS.iter().find(|(t, _)| text.contains(t)).copied()
        else {
            return Err(format!("-C missing operation for {text}"));
        };
        let at = text.find(op_text).unwrap_or(0);
        let (left, right) = (&text[..at], &text[at + op_text.len()..]);
        if left.is_empty() {
            return Err("-C missing field name before operator for ".into());
        }
        if right.is_empty() {
            return Err("-C missing value after operation for ".into());
        }
        if self.list != Some(field::LIST_EXIT) {
            return Err(format!("{left} can only be used with exit filter list"));
        }
        fn canon(n: &str) -> &str {
            if n == "loginuid" { "auid" } else { n }
        }
        let (l, r) = (canon(left), canon(right));
        if field::by_name(l).is_none() {
            return Err(format!("-C unknown field: {left}"));
        }
        if field::by_name(r).is_none() {
            return Err(format!("-C unknown right hand value for comparison with: {left}"));
        }
        let found = field::COMPARISONS
            .iter()
            .find(|(a, b, _)| (*a == l && *b == r) || (*a == r && *b == l));
        let Some(&(_, _, which)) = found else {
            return Err(format!("-C incompatible comparison {left}"));
        };
        if op != field::EQUAL && op != field::NOT_EQUAL {
            return Err(format!("{text} only takes = or != operators"));
        }
        self.push_field(field::FIELD_COMPARE, op, which)
    }

    /// `-w PATH` (add) or `-W PATH` (delete).
    pub fn watch(&mut self, path: &str, delete: bool) -> Result<(), String> {
        if self.op.is_some() {
            return Err(if self.watch {
                "Multiple rule insert/delete operations are not allowed".into()
            } else {
                "watch option can't be given with a syscall".into()
            });
        }
        if !path.starts_with('/') {
            return Err("The path must start with '/'".into());
        }
        if path.len() >= PATH_MAX {
            return Err("The path passed for the watch is too big".into());
        }
        // COMPAT: auditctl.c: trailing slashes go when the path is longer
        // than two characters.
        let mut p = path;
        while p.len() > 2 && p.ends_with('/') {
            p = &p[..p.len() - 1];
        }
        if p.rsplit('/').next().is_some_and(|base| base.len() > 255) {
            return Err("The base name of the path is too big".into());
        }
        let is_dir = std::fs::metadata(p).is_ok_and(|m| m.is_dir());
        self.op = Some(if delete { RuleOp::Delete } else { RuleOp::Add });
        self.list = Some(field::LIST_EXIT);
        self.action = 2;
        self.watch = true;
        self.watch_delete = delete;
        self.rule.mask = [u32::MAX; BITMASK_WORDS];
        self.push_string(if is_dir { field::DIR } else { field::WATCH }, field::EQUAL, p)?;
        self.push_field(field::PERM, field::EQUAL, 15)?;
        self.perm_allowed = true;
        self.key_allowed = true;
        Ok(())
    }

    /// `-p PERMS`: replaces the permission of the watch (or perm field).
    pub fn perm(&mut self, text: &str) -> Result<(), String> {
        if !self.perm_allowed {
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
        match self.rule.fields.iter().position(|&f| f == field::PERM) {
            Some(i) => self.rule.values[i] = bits,
            None => self.push_field(field::PERM, field::EQUAL, bits)?,
        }
        Ok(())
    }

    /// `-k KEY` (and `-F key=KEY`): keys are joined and added last.
    pub fn key(&mut self, text: &str) -> Result<(), String> {
        if !self.key_allowed || self.list.is_none() {
            return Err("key option needs a watch or syscall given prior to it".into());
        }
        let extra = usize::from(!self.keys.is_empty());
        if self.keys.len() + extra + text.len() > MAX_KEY_LEN {
            return Err("key option exceeds size limit".into());
        }
        if extra == 1 {
            self.keys.push(KEY_SEPARATOR);
        }
        self.keys.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// The finished rule, or None when no rule was asked for.
    pub fn finish(mut self) -> Option<(RuleOp, RuleData)> {
        let op = self.op?;
        let list = self.list?;
        if !self.keys.is_empty() {
            let keys = std::mem::take(&mut self.keys);
            self.rule.push_field(field::KEY, field::EQUAL, keys.len() as u32);
            self.rule.buf.extend_from_slice(&keys);
        }
        // A rule on any list but task that names no syscall covers them all.
        if !self.syscalls && !self.watch && list != field::LIST_TASK {
            self.rule.mask = [u32::MAX; BITMASK_WORDS];
        }
        self.rule.flags = list | if op == RuleOp::Prepend { field::PREPEND } else { 0 };
        self.rule.action = self.action;
        Some((op, self.rule))
    }
}

/// rwxa letters to AUDIT_PERM bits.
fn perm_bits(text: &str) -> Option<u32> {
    let mut bits = 0;
    for c in text.chars() {
        bits |= match c {
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
