//! AUDIT_* netlink message types (`linux/audit.h`).

pub const AUDIT_GET: u16 = 1000;
pub const AUDIT_SET: u16 = 1001;
pub const AUDIT_USER: u16 = 1005;
pub const AUDIT_LOGIN: u16 = 1006;
pub const AUDIT_SIGNAL_INFO: u16 = 1010;
pub const AUDIT_ADD_RULE: u16 = 1011;
pub const AUDIT_DEL_RULE: u16 = 1012;
pub const AUDIT_LIST_RULES: u16 = 1013;
pub const AUDIT_TRIM: u16 = 1014;
pub const AUDIT_MAKE_EQUIV: u16 = 1015;
pub const AUDIT_TTY_GET: u16 = 1016;
pub const AUDIT_TTY_SET: u16 = 1017;
pub const AUDIT_SET_FEATURE: u16 = 1018;
pub const AUDIT_GET_FEATURE: u16 = 1019;

/// User-space message ranges the kernel accepts from `CAP_AUDIT_WRITE` holders.
pub const AUDIT_FIRST_USER_MSG: u16 = 1100;
pub const AUDIT_LAST_USER_MSG: u16 = 1199;
pub const AUDIT_FIRST_USER_MSG2: u16 = 2100;
pub const AUDIT_LAST_USER_MSG2: u16 = 2999;

/// Sent by the kernel to the registered daemon to probe whether it is alive
/// when another process tries to register; the daemon ignores it.
pub const AUDIT_REPLACE: u16 = 1329;
pub const AUDIT_EOE: u16 = 1320;

/// The multicast group for read-only listeners (`AUDIT_NLGRP_READLOG`).
pub const AUDIT_NLGRP_READLOG: u32 = 1;

/// Whether `ty` may be sent as a user message.
pub fn is_user_message(ty: u16) -> bool {
    ty == AUDIT_USER
        || (AUDIT_FIRST_USER_MSG..=AUDIT_LAST_USER_MSG).contains(&ty)
        || (AUDIT_FIRST_USER_MSG2..=AUDIT_LAST_USER_MSG2).contains(&ty)
}

/// Kernel limit on user message text (`AUDIT_MESSAGE_TEXT_MAX`).
pub const MESSAGE_TEXT_MAX: usize = 8560;
/// libaudit's largest request payload (`MAX_AUDIT_MESSAGE_LENGTH`).
pub const MAX_MESSAGE_LENGTH: usize = 8970;

/// Legacy rule commands; current kernels answer them with EOPNOTSUPP.
pub const AUDIT_LIST: u16 = 1002;
pub const AUDIT_ADD: u16 = 1003;
pub const AUDIT_DEL: u16 = 1004;
/// Obsolete watch commands (ignored if ever received).
pub const AUDIT_WATCH_INS: u16 = 1007;
pub const AUDIT_WATCH_REM: u16 = 1008;
pub const AUDIT_WATCH_LIST: u16 = 1009;

/// First and last of the command range (1000-1099); replies to requests
/// carry these types.
pub const AUDIT_FIRST_CMD: u16 = 1000;
pub const AUDIT_LAST_CMD: u16 = 1099;

/// A few record types the library and its tests refer to.
pub const AUDIT_SYSCALL: u16 = 1300;
pub const AUDIT_PATH: u16 = 1302;
pub const AUDIT_CONFIG_CHANGE: u16 = 1305;
pub const AUDIT_CWD: u16 = 1307;
pub const AUDIT_PROCTITLE: u16 = 1327;
pub const AUDIT_FEATURE_CHANGE: u16 = 1328;
pub const AUDIT_EVENT_LISTENER: u16 = 1335;
pub const AUDIT_KERNEL: u16 = 2000;

/// The netlink protocol number of the audit subsystem (`NETLINK_AUDIT`).
pub const NETLINK_AUDIT: i32 = 9;

/// Whether `ty` is an audit record (an event line), as opposed to a
/// netlink control message (below 16) or a command/reply (1000-1099).
pub fn is_record(ty: u16) -> bool {
    (ty >= 16 && !(AUDIT_FIRST_CMD..=AUDIT_LAST_CMD).contains(&ty))
        || ty == AUDIT_USER
        || ty == AUDIT_LOGIN
}
