//! Rule fields, operators, filter lists and actions.

/// How a field's value is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Uid,
    Gid,
    /// A signed number.
    Signed,
    /// An unsigned number (inode).
    Unsigned,
    Arch,
    MsgType,
    Str,
    Perm,
    FileType,
    Exit,
    FsType,
    Arg,
    Session,
    Key,
    Compare,
}

/// (name, field number, kind); the first name of a number is the one `-l`
/// prints.
pub const FIELDS: &[(&str, u32, Kind)] = &[
    ("pid", 0, Kind::Signed),
    ("uid", 1, Kind::Uid),
    ("euid", 2, Kind::Uid),
    ("suid", 3, Kind::Uid),
    ("fsuid", 4, Kind::Uid),
    ("gid", 5, Kind::Gid),
    ("egid", 6, Kind::Gid),
    ("sgid", 7, Kind::Gid),
    ("fsgid", 8, Kind::Gid),
    ("auid", 9, Kind::Uid),
    ("loginuid", 9, Kind::Uid),
    ("pers", 10, Kind::Signed),
    ("arch", 11, Kind::Arch),
    ("msgtype", 12, Kind::MsgType),
    ("subj_user", 13, Kind::Str),
    ("subj_role", 14, Kind::Str),
    ("subj_type", 15, Kind::Str),
    ("subj_sen", 16, Kind::Str),
    ("subj_clr", 17, Kind::Str),
    ("ppid", 18, Kind::Signed),
    ("obj_user", 19, Kind::Str),
    ("obj_role", 20, Kind::Str),
    ("obj_type", 21, Kind::Str),
    ("obj_lev_low", 22, Kind::Str),
    ("obj_lev_high", 23, Kind::Str),
    ("sessionid", 25, Kind::Session),
    ("fstype", 26, Kind::FsType),
    ("devmajor", 100, Kind::Signed),
    ("devminor", 101, Kind::Signed),
    ("inode", 102, Kind::Unsigned),
    ("exit", 103, Kind::Exit),
    ("success", 104, Kind::Signed),
    ("path", 105, Kind::Str),
    ("perm", 106, Kind::Perm),
    ("dir", 107, Kind::Str),
    ("filetype", 108, Kind::FileType),
    ("obj_uid", 109, Kind::Uid),
    ("obj_gid", 110, Kind::Gid),
    ("field_compare", 111, Kind::Compare),
    ("exe", 112, Kind::Str),
    ("saddr_fam", 113, Kind::Signed),
    ("a0", 200, Kind::Arg),
    ("a1", 201, Kind::Arg),
    ("a2", 202, Kind::Arg),
    ("a3", 203, Kind::Arg),
    ("key", 210, Kind::Key),
];

use raudit_proto::filter as f;
pub use raudit_proto::filter::{
    ARCH, DIR, EXE, FIELD_COMPARE, FILTER_EXCLUDE as LIST_EXCLUDE, FILTER_EXIT as LIST_EXIT,
    FILTER_FS as LIST_FS, FILTER_PREPEND as PREPEND, FILTER_TASK as LIST_TASK,
    FILTER_USER as LIST_USER, FILTERKEY as KEY, FSTYPE, MSGTYPE, OP_EQUAL as EQUAL,
    OP_NOT_EQUAL as NOT_EQUAL, PERM, WATCH,
};

/// Fields only the exit list takes.
pub fn exit_only(id: u32) -> bool {
    matches!(id, 18..=23 | 100..=111)
}

pub fn by_name(name: &str) -> Option<(u32, Kind)> {
    FIELDS.iter().find(|(n, _, _)| *n == name).map(|&(_, id, kind)| (id, kind))
}

pub fn by_id(id: u32) -> Option<(&'static str, Kind)> {
    FIELDS.iter().find(|(_, i, _)| *i == id).map(|&(n, _, kind)| (n, kind))
}

/// Operators as auditctl searches for them in a `-F` argument: the first
/// one found, in this order, splits name and value.
pub const OPERATORS: &[(&str, u32)] = &[
    ("!=", f::OP_NOT_EQUAL),
    (">=", f::OP_GREATER_THAN_OR_EQUAL),
    ("<=", f::OP_LESS_THAN_OR_EQUAL),
    ("&=", f::OP_BIT_TEST),
    ("=", f::OP_EQUAL),
    (">", f::OP_GREATER_THAN),
    ("<", f::OP_LESS_THAN),
    ("&", f::OP_BIT_MASK),
];

/// The text of an operator.
pub fn op_text(op: u32) -> &'static str {
    OPERATORS.iter().find(|(_, v)| *v == op).map_or("?", |(t, _)| t)
}

/// Filter lists by number.
pub const LISTS: &[(&str, u32)] = &[
    ("user", 0),
    ("task", 1),
    ("entry", 2),
    ("watch", 3),
    ("exit", 4),
    ("exclude", 5),
    ("filesystem", 6),
    ("io_uring", 7),
];

pub fn list_name(n: u32) -> &'static str {
    LISTS.iter().find(|(_, v)| *v == n).map_or("unknown", |(t, _)| t)
}

/// Actions by number.
pub fn action_name(n: u32) -> &'static str {
    match n {
        0 => "never",
        1 => "possible",
        2 => "always",
        _ => "unknown",
    }
}

/// Interfield comparisons: (left, right, constant); either order is accepted.
pub const COMPARISONS: &[(&str, &str, u32)] = &[
    ("uid", "obj_uid", 1),
    ("gid", "obj_gid", 2),
    ("euid", "obj_uid", 3),
    ("egid", "obj_gid", 4),
    ("auid", "obj_uid", 5),
    ("suid", "obj_uid", 6),
    ("sgid", "obj_gid", 7),
    ("fsuid", "obj_uid", 8),
    ("fsgid", "obj_gid", 9),
    ("uid", "auid", 10),
    ("uid", "euid", 11),
    ("uid", "fsuid", 12),
    ("uid", "suid", 13),
    ("auid", "fsuid", 14),
    ("auid", "suid", 15),
    ("auid", "euid", 16),
    ("euid", "suid", 17),
    ("euid", "fsuid", 18),
    ("suid", "fsuid", 19),
    ("gid", "egid", 20),
    ("gid", "fsgid", 21),
    ("gid", "sgid", 22),
    ("egid", "fsgid", 23),
    ("egid", "sgid", 24),
    ("sgid", "fsgid", 25),
];

/// `filetype=` names and their S_IF* values.
pub const FILE_TYPES: &[(&str, u32)] = &[
    ("file", 0o100000),
    ("dir", 0o040000),
    ("socket", 0o140000),
    ("link", 0o120000),
    ("character", 0o020000),
    ("block", 0o060000),
    ("fifo", 0o010000),
];

/// `fstype=` names (filesystem magic numbers the reference knows).
pub const FS_TYPES: &[(&str, u32)] = &[("debugfs", 0x6462_6720), ("tracefs", 0x7472_6163)];
