//! Numbers used inside `audit_rule_data`: filter lists, actions, operators
//! and field ids (`linux/audit.h`, summarised in the reference dossier §1.6).

/// Filter lists (`flags & 0x07`).
pub const FILTER_USER: u32 = 0x00;
pub const FILTER_TASK: u32 = 0x01;
pub const FILTER_ENTRY: u32 = 0x02;
pub const FILTER_WATCH: u32 = 0x03;
pub const FILTER_EXIT: u32 = 0x04;
pub const FILTER_EXCLUDE: u32 = 0x05;
/// Same list as [`FILTER_EXCLUDE`] (`AUDIT_FILTER_TYPE`).
pub const FILTER_TYPE: u32 = FILTER_EXCLUDE;
pub const FILTER_FS: u32 = 0x06;
pub const FILTER_URING_EXIT: u32 = 0x07;
/// Number of filter lists (`AUDIT_NR_FILTERS`).
pub const NR_FILTERS: u32 = 8;
/// Insert at the head of the list (`auditctl -A`).
pub const FILTER_PREPEND: u32 = 0x10;
/// Userspace-only sentinel: no list chosen yet.
pub const FILTER_UNSET: u32 = 0x80;

/// Rule actions.
pub const ACTION_NEVER: u32 = 0;
pub const ACTION_POSSIBLE: u32 = 1;
pub const ACTION_ALWAYS: u32 = 2;

/// Operators (`fieldflags`).
pub const OP_BIT_MASK: u32 = 0x0800_0000;
pub const OP_LESS_THAN: u32 = 0x1000_0000;
pub const OP_GREATER_THAN: u32 = 0x2000_0000;
pub const OP_NOT_EQUAL: u32 = 0x3000_0000;
pub const OP_EQUAL: u32 = 0x4000_0000;
pub const OP_BIT_TEST: u32 = OP_BIT_MASK | OP_EQUAL;
pub const OP_LESS_THAN_OR_EQUAL: u32 = OP_LESS_THAN | OP_EQUAL;
pub const OP_GREATER_THAN_OR_EQUAL: u32 = OP_GREATER_THAN | OP_EQUAL;
/// Mask of all operator bits (`AUDIT_OPERATORS`).
pub const OPERATORS: u32 = 0x7800_0000;
/// Legacy negation bit.
pub const NEGATE: u32 = 0x8000_0000;

/// Field ids (`fields[i]`).
pub const PID: u32 = 0;
pub const UID: u32 = 1;
pub const EUID: u32 = 2;
pub const SUID: u32 = 3;
pub const FSUID: u32 = 4;
pub const GID: u32 = 5;
pub const EGID: u32 = 6;
pub const SGID: u32 = 7;
pub const FSGID: u32 = 8;
pub const LOGINUID: u32 = 9;
pub const PERS: u32 = 10;
pub const ARCH: u32 = 11;
pub const MSGTYPE: u32 = 12;
pub const SUBJ_USER: u32 = 13;
pub const SUBJ_ROLE: u32 = 14;
pub const SUBJ_TYPE: u32 = 15;
pub const SUBJ_SEN: u32 = 16;
pub const SUBJ_CLR: u32 = 17;
pub const PPID: u32 = 18;
pub const OBJ_USER: u32 = 19;
pub const OBJ_ROLE: u32 = 20;
pub const OBJ_TYPE: u32 = 21;
pub const OBJ_LEV_LOW: u32 = 22;
pub const OBJ_LEV_HIGH: u32 = 23;
pub const LOGINUID_SET: u32 = 24;
pub const SESSIONID: u32 = 25;
pub const FSTYPE: u32 = 26;
pub const DEVMAJOR: u32 = 100;
pub const DEVMINOR: u32 = 101;
pub const INODE: u32 = 102;
pub const EXIT: u32 = 103;
pub const SUCCESS: u32 = 104;
pub const WATCH: u32 = 105;
pub const PERM: u32 = 106;
pub const DIR: u32 = 107;
pub const FILETYPE: u32 = 108;
pub const OBJ_UID: u32 = 109;
pub const OBJ_GID: u32 = 110;
pub const FIELD_COMPARE: u32 = 111;
pub const EXE: u32 = 112;
pub const SADDR_FAM: u32 = 113;
pub const ARG0: u32 = 200;
pub const ARG1: u32 = 201;
pub const ARG2: u32 = 202;
pub const ARG3: u32 = 203;
pub const FILTERKEY: u32 = 210;

/// Longest key the kernel accepts (`AUDIT_MAX_KEY_LEN`).
pub const MAX_KEY_LEN: usize = 256;
/// Separator between several `-k` keys joined into one key field.
pub const KEY_SEPARATOR: u8 = 0x01;

/// `AUDIT_ARCH_*` values for the two architectures tests meet most.
pub const ARCH_X86_64: u32 = 0xC000_003E;
pub const ARCH_I386: u32 = 0x4000_0003;
pub const ARCH_AARCH64: u32 = 0xC000_00B7;

/// Whether field `id` carries a string in `buf` (its value is the length).
pub fn is_string_field(id: u32) -> bool {
    matches!(
        id,
        SUBJ_USER
            | SUBJ_ROLE
            | SUBJ_TYPE
            | SUBJ_SEN
            | SUBJ_CLR
            | OBJ_USER
            | OBJ_ROLE
            | OBJ_TYPE
            | OBJ_LEV_LOW
            | OBJ_LEV_HIGH
            | WATCH
            | DIR
            | FILTERKEY
            | EXE
    )
}
