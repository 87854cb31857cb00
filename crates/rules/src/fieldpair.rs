//! `-F name<op>value` and `-C a<op>b`: one field of a rule, with
//! libaudit's checks per field (audit_rule_fieldpair_data,
//! audit_rule_interfield_comp_data).

use raudit_proto::filter as f;
use raudit_tables::{errno, msg_type};

use crate::arch::{ELFS, determine_arch};
use crate::builder::{MAX_FIELDS, RuleBuilder};
use crate::cnum::{self, starts_with_digit};
use crate::error::{BuildError, FieldError};
use crate::field;
use crate::names;
use crate::watch::perm_bits;
use raudit_proto::filter::MAX_KEY_LEN;

const PATH_MAX: usize = 4096;
/// AF_MAX of the reference's build.
const AF_MAX: u32 = 46;

/// Splits `name<op>value` at the first operator found, searching for the
/// two-character operators first (libaudit's strstr order).
fn split_op<'a>(text: &'a str, ops: &[(&str, u32)]) -> Option<(&'a str, u32, &'a str)> {
    ops.iter().find_map(|&(o, op)| text.find(o).map(|at| (&text[..at], op, &text[at + o.len()..])))
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

impl RuleBuilder {
    /// audit_rule_fieldpair_data, with its message.
    pub(crate) fn fieldpair(&mut self, pair: &str, flags: u32) -> Result<(), BuildError> {
        if self.rule.field_count() >= MAX_FIELDS {
            return Err(BuildError::field(FieldError::FieldTooMany, pair));
        }
        let Some((name, op, v)) = split_op(pair, field::OPERATORS) else {
            return Err(BuildError::field(FieldError::OpMissing, pair));
        };
        self.fieldpair_split(name, op, v, flags).map_err(|e| BuildError::field(e, name))
    }

    fn fieldpair_split(
        &mut self,
        name: &str,
        op: u32,
        v: &str,
        flags: u32,
    ) -> Result<(), FieldError> {
        use FieldError::*;
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
        let id_like = |word: &dyn Fn() -> Result<u32, FieldError>| {
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
                id_like(&|| names::user_id(v).ok_or_else(|| UnknownUser(v.to_string())))?
            }
            f::GID | f::EGID | f::SGID | f::FSGID | f::OBJ_GID => {
                if digit {
                    cnum::strtol_u32(v)
                } else {
                    names::group_id(v).ok_or_else(|| UnknownGroup(v.to_string()))?
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
                perm_bits(v).map_err(|_| PermRwxa)?
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
    pub fn compare(&mut self, text: &str) -> Result<(), BuildError> {
        let flags = self.flags();
        if self.rule.field_count() >= MAX_FIELDS {
            return Err(BuildError::field(FieldError::FieldTooMany, text));
        }
        let ops: &[(&str, u32)] = &[("!=", f::OP_NOT_EQUAL), ("=", f::OP_EQUAL)];
        let Some((left, op, right)) = split_op(text, ops) else {
            return Err(BuildError::field(FieldError::OpEqNotEq, text));
        };
        let fail = |e| Err(BuildError::field(e, left));
        if left.is_empty() {
            return fail(FieldError::CompFieldName);
        }
        if right.is_empty() {
            return fail(FieldError::CompVal);
        }
        let Some((l, _)) = field::by_name(&left.to_ascii_lowercase()) else {
            return fail(FieldError::CompFieldUnknown);
        };
        let Some((r, _)) = field::by_name(&right.to_ascii_lowercase()) else {
            return fail(FieldError::CompValUnknown);
        };
        if flags != f::FILTER_EXIT {
            return fail(FieldError::ExitOnly);
        }
        let name = |id: u32| field::by_id(id).map_or("", |n| n.0);
        let (ln, rn) = (name(l), name(r));
        let found = field::COMPARISONS
            .iter()
            .find(|(a, b, _)| (*a == ln && *b == rn) || (*a == rn && *b == ln));
        let Some(&(_, _, which)) = found else { return fail(FieldError::CompIncompat) };
        self.rule.push_field(f::FIELD_COMPARE, op, which);
        Ok(())
    }
}
