//! `-w`/`-W PATH` and `-p PERMS`: watches and their permissions
//! (auditctl's check_path, libaudit's audit_add_watch_dir and
//! audit_update_watch_perms).

use raudit_proto::RuleData;
use raudit_proto::filter as f;
use raudit_proto::rule::BITMASK_WORDS;

use crate::builder::{MAX_FIELDS, RuleBuilder};
use crate::error::BuildError;

const PATH_MAX: usize = 4096;
const NAME_MAX: usize = 255;

impl RuleBuilder {
    /// `-w PATH` (add) or `-W PATH` (delete).
    pub fn watch(&mut self, path: &str, delete: bool) -> Result<(), BuildError> {
        if !delete && self.has_rule() {
            return Err(BuildError::WatchWithSyscall);
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
            return Err(BuildError::WatchPathTooLong);
        }
        if !path.starts_with('/') {
            return Err(BuildError::WatchPathRelative);
        }
        if basename_len(path) > NAME_MAX {
            return Err(BuildError::WatchNameTooLong);
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
            return Err(BuildError::WatchRuleNotEmpty);
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
    pub fn perm(&mut self, text: &str) -> Result<(), BuildError> {
        if !self.has_rule() {
            return Err(BuildError::PermWithoutWatch);
        }
        if text.len() > 4 {
            return Err(BuildError::PermTooLong(text.to_string()));
        }
        let bits = perm_bits(text).map_err(BuildError::PermUnsupported)?;
        if self.rule.field_count() < 1 {
            return Err(BuildError::PermWithoutFields);
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
                return Err(BuildError::PermTooManyFields);
            }
            self.rule.push_field(f::PERM, f::OP_EQUAL, bits);
        }
        self.perm_added = true;
        Ok(())
    }
}

/// POSIX basename length (trailing slashes ignored; "/" stays "/").
fn basename_len(path: &str) -> usize {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return 1;
    }
    trimmed.rsplit('/').next().map_or(0, str::len)
}

/// rwxa letters (any case) to AUDIT_PERM bits, or the first other letter.
pub(crate) fn perm_bits(text: &str) -> Result<u32, char> {
    let mut bits = 0;
    for c in text.chars() {
        bits |= match c.to_ascii_lowercase() {
            'r' => 4,
            'w' => 2,
            'x' => 1,
            'a' => 8,
            _ => return Err(c),
        };
    }
    Ok(bits)
}
