//! Building one kernel rule from auditctl's options, in their order, with
//! the state, checks and messages of the reference's auditctl.c: the list
//! and action (`-a`/`-A`/`-d`), syscalls (`-S`) and keys (`-k`) here; fields
//! in [`crate::fieldpair`], watches in [`crate::watch`], architectures in
//! [`crate::arch`].

use raudit_proto::RuleData;
use raudit_proto::filter as f;
use raudit_proto::rule::BITMASK_WORDS;

use crate::arch::syscall_by_name;
use crate::error::BuildError;
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
pub(crate) const MAX_FIELDS: usize = 63;
pub(crate) const UNSET: u32 = f::FILTER_UNSET;
pub(crate) const LIST_MASK: u32 = 0x07;

/// The state of one auditctl command line (or rules-file line) while its
/// options are read: the reference's globals add, del, action, exclude,
/// multiple, rule_new, key and the _audit_*added flags.
#[derive(Debug)]
pub struct RuleBuilder {
    pub(crate) add: u32,
    pub(crate) del: u32,
    pub(crate) action: Option<u32>,
    pub(crate) exclude: bool,
    pub(crate) multiple: u32,
    pub(crate) rule: RuleData,
    pub(crate) syscall_added: bool,
    pub(crate) perm_added: bool,
    pub(crate) exe_added: bool,
    pub(crate) fs_added: bool,
    /// _audit_elf: 0 until an arch or a syscall sets it.
    pub(crate) elf: u32,
    pub(crate) keys: Vec<u8>,
    pub(crate) key_done: bool,
    /// The rules-file line (for the 32/64 warning), 0 on the command line.
    pub(crate) line: usize,
    /// Messages printed while the rule is still built.
    pub(crate) warnings: Vec<String>,
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
    pub fn option(&mut self, letter: char, value: &str) -> Option<Result<(), BuildError>> {
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

    /// The list flags a field is checked against (`add`/`del` masked).
    pub(crate) fn flags(&self) -> u32 {
        if self.add != UNSET {
            self.add & LIST_MASK
        } else if self.del != UNSET {
            self.del & LIST_MASK
        } else {
            UNSET
        }
    }

    /// `-a`, `-A`, `-d`: list and action, in either order.
    pub fn list_action(&mut self, op: RuleOp, text: &str) -> Result<(), BuildError> {
        let verb = match op {
            RuleOp::Add => "Append rule",
            RuleOp::Prepend => "Add rule",
            RuleOp::Delete => "Delete rule",
        };
        if op != RuleOp::Delete && text.contains("task") && self.syscall_added {
            return Err(BuildError::SyscallsOnTaskList { prepend: op != RuleOp::Add });
        }
        match self.rule_setup(op, text) {
            Ok(()) => {
                if op == RuleOp::Prepend {
                    self.add |= f::FILTER_PREPEND;
                }
                Ok(())
            }
            Err(3) => Err(BuildError::MultipleOperations { append: op == RuleOp::Add }),
            Err(1) => Err(BuildError::Deprecated { delete: op == RuleOp::Delete }),
            Err(_) => Err(BuildError::BadKeyword { verb, text: text.to_string() }),
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
    pub fn syscall(&mut self, text: &str) -> Result<(), BuildError> {
        let unknown_arch = self.elf == 0;
        let masked = |v: u32| v & (LIST_MASK | UNSET);
        let either = |l: u32| masked(self.add) == l || masked(self.del) == l;
        if either(f::FILTER_TASK) {
            return Err(BuildError::SyscallsOnList("task"));
        } else if either(f::FILTER_USER) {
            return Err(BuildError::SyscallsOnList("user"));
        } else if either(f::FILTER_FS) {
            return Err(BuildError::SyscallsOnList("filesystem"));
        } else if self.exclude {
            return Err(BuildError::SyscallsOnExclude);
        }
        if unknown_arch {
            self.elf = names::host_arch();
        }
        if text.contains(',') {
            for name in text.split(',').filter(|n| !n.is_empty()) {
                if syscall_by_name(&mut self.rule, self.elf, name).is_err() {
                    return Err(BuildError::UnknownSyscall(name.to_string()));
                }
            }
        } else if syscall_by_name(&mut self.rule, self.elf, text).is_err() {
            return Err(BuildError::UnknownSyscall(text.to_string()));
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
    pub fn field(&mut self, text: &str) -> Result<(), BuildError> {
        self.field_opt(text, false)
    }

    /// `-F`; `arch_with_t`: the reference lets `-F arch=... -t` through
    /// with no list.
    pub fn field_opt(&mut self, text: &str, arch_with_t: bool) -> Result<(), BuildError> {
        if !self.has_rule() && !arch_with_t {
            return Err(BuildError::FieldWithoutList);
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

    /// `-k KEY`: keys are joined and added last.
    pub fn key(&mut self, text: &str) -> Result<(), BuildError> {
        if !(self.syscall_added || self.perm_added || self.exe_added || self.fs_added)
            || !self.has_rule()
        {
            return Err(BuildError::KeyWithoutRule);
        }
        self.add_key(text)
    }

    /// process_keys: `-k` after its check, and `-F key=`.
    fn add_key(&mut self, text: &str) -> Result<(), BuildError> {
        let sep = usize::from(!self.keys.is_empty());
        if text.len() + self.keys.len() + sep > MAX_KEY_LEN {
            return Err(BuildError::KeyTooLong);
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
    pub fn append_key(&mut self) -> Result<(), BuildError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn build(opts: &[(&str, &str)]) -> Result<RuleData, BuildError> {
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
            build(&[("-a", "always,exit"), ("-F", "uidd=0")]).unwrap_err().to_string(),
            "-F unknown field: uidd"
        );
        assert_eq!(
            build(&[("-a", "bogus,exit")]).unwrap_err().to_string(),
            "Append rule - bad keyword bogus,exit"
        );
        assert_eq!(
            build(&[("-a", "always,task"), ("-S", "open")]).unwrap_err().to_string(),
            "Error: syscall auditing being added to task list"
        );
        assert_eq!(
            build(&[("-p", "r")]).unwrap_err().to_string(),
            "permission option needs a watch given prior to it"
        );
        assert_eq!(
            build(&[("-a", "always,exit"), ("-k", "x")]).unwrap_err().to_string(),
            "key option needs a watch or syscall given prior to it"
        );
    }
}
