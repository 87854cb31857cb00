//! The rule language's typed errors. Each one displays as the reference's
//! message, byte for byte, because auditctl prints exactly that text.

use thiserror::Error;

/// libaudit's error numbers (errormsg.h) that auditctl reports for `-F`
/// and `-C`; [`BuildError::Field`] places the option text in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
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
    /// A user name the system does not know.
    UnknownUser(String),
    /// A group name the system does not know.
    UnknownGroup(String),
}

/// audit_number_to_errmsg: the message and where the option text goes.
fn field_message(e: &FieldError, opt: &str) -> String {
    use FieldError::*;
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
        UnknownUser(v) => return format!("Unknown user: {v}"),
        UnknownGroup(v) => return format!("Unknown group: {v}"),
    };
    match pos {
        0 => text.to_string(),
        1 => format!("{opt} {text}"),
        _ => format!("{text} {opt}"),
    }
}

/// Why one rule option was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BuildError {
    /// `-F`/`-C` refused; `opt` is the field name or option text.
    #[error("{}", field_message(.kind, .opt))]
    Field { kind: FieldError, opt: String },
    /// `-a`/`-A task` after `-S`; `-A` words it as an error.
    #[error("{}", if *.prepend { "Error: syscall auditing requested for task list" } else { "Syscall auditing requested for task list" })]
    SyscallsOnTaskList { prepend: bool },
    // COMPAT: auditctl.c: the -a variant of this message ends with an empty line.
    #[error("Multiple rule insert/delete operations are not allowed{}", if *.append { "\n" } else { "" })]
    MultipleOperations { append: bool },
    /// `possible`: the reference eats the whole line.
    #[error("{} - possible is deprecated", if *.delete { "Delete rule" } else { "Append rule" })]
    Deprecated { delete: bool },
    #[error("{verb} - bad keyword {text}")]
    BadKeyword { verb: &'static str, text: String },
    /// `-S` on the task, user or filesystem list.
    #[error("Error: syscall auditing being added to {0} list")]
    SyscallsOnList(&'static str),
    #[error("Error: syscall auditing cannot be put on exclude list")]
    SyscallsOnExclude,
    #[error("Syscall name unknown: {0}")]
    UnknownSyscall(String),
    #[error("List must be given before field")]
    FieldWithoutList,
    #[error("watch option can't be given with a syscall")]
    WatchWithSyscall,
    #[error("The path passed for the watch is too big")]
    WatchPathTooLong,
    #[error("The path must start with '/'")]
    WatchPathRelative,
    #[error("The base name of the path is too big")]
    WatchNameTooLong,
    #[error("Rule is not empty\n")]
    WatchRuleNotEmpty,
    #[error("permission option needs a watch given prior to it")]
    PermWithoutWatch,
    #[error("permission {0} is too long")]
    PermTooLong(String),
    #[error("Permission {0} isn't supported")]
    PermUnsupported(char),
    #[error("Permissions should be preceeded by other fields")]
    PermWithoutFields,
    #[error("Too many fields when adding permissions")]
    PermTooManyFields,
    #[error("key option needs a watch or syscall given prior to it")]
    KeyWithoutRule,
    #[error("key option exceeds size limit")]
    KeyTooLong,
}

impl BuildError {
    pub(crate) fn field(kind: FieldError, opt: &str) -> BuildError {
        BuildError::Field { kind, opt: opt.to_string() }
    }

    /// Whether the reference eats the line without an error (`possible`).
    pub fn is_deprecated(&self) -> bool {
        matches!(self, BuildError::Deprecated { .. })
    }
}
