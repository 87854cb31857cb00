//! AUDIT_* netlink message types (`linux/audit.h`) under their C names:
//! aliases of the [`MsgType`] consts, which hold the numbers.

use raudit_tables::MsgType;

pub const AUDIT_GET: u16 = MsgType::GET.0;
pub const AUDIT_SET: u16 = MsgType::SET.0;
pub const AUDIT_USER: u16 = MsgType::USER.0;
pub const AUDIT_LOGIN: u16 = MsgType::LOGIN.0;
pub const AUDIT_SIGNAL_INFO: u16 = MsgType::SIGNAL_INFO.0;
pub const AUDIT_ADD_RULE: u16 = MsgType::ADD_RULE.0;
pub const AUDIT_DEL_RULE: u16 = MsgType::DEL_RULE.0;
pub const AUDIT_LIST_RULES: u16 = MsgType::LIST_RULES.0;
pub const AUDIT_TRIM: u16 = MsgType::TRIM.0;
pub const AUDIT_MAKE_EQUIV: u16 = MsgType::MAKE_EQUIV.0;
pub const AUDIT_TTY_GET: u16 = MsgType::TTY_GET.0;
pub const AUDIT_TTY_SET: u16 = MsgType::TTY_SET.0;
pub const AUDIT_SET_FEATURE: u16 = MsgType::SET_FEATURE.0;
pub const AUDIT_GET_FEATURE: u16 = MsgType::GET_FEATURE.0;

/// User-space message ranges the kernel accepts from `CAP_AUDIT_WRITE` holders.
pub const AUDIT_FIRST_USER_MSG: u16 = MsgType::FIRST_USER_MSG.0;
pub const AUDIT_LAST_USER_MSG: u16 = MsgType::LAST_USER_MSG.0;
pub const AUDIT_FIRST_USER_MSG2: u16 = MsgType::FIRST_USER_MSG2.0;
pub const AUDIT_LAST_USER_MSG2: u16 = MsgType::LAST_USER_MSG2.0;

/// Sent by the kernel to the registered daemon to probe whether it is alive
/// when another process tries to register; the daemon ignores it.
pub const AUDIT_REPLACE: u16 = MsgType::REPLACE.0;
pub const AUDIT_EOE: u16 = MsgType::EOE.0;

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
pub const AUDIT_LIST: u16 = MsgType::LIST.0;
pub const AUDIT_ADD: u16 = MsgType::ADD.0;
pub const AUDIT_DEL: u16 = MsgType::DEL.0;
/// Obsolete watch commands (ignored if ever received).
pub const AUDIT_WATCH_INS: u16 = MsgType::WATCH_INS.0;
pub const AUDIT_WATCH_REM: u16 = MsgType::WATCH_REM.0;
pub const AUDIT_WATCH_LIST: u16 = MsgType::WATCH_LIST.0;

/// First and last of the command range (1000-1099); replies to requests
/// carry these types.
pub const AUDIT_FIRST_CMD: u16 = MsgType::FIRST_CMD.0;
pub const AUDIT_LAST_CMD: u16 = MsgType::LAST_CMD.0;

/// A few record types the library and its tests refer to.
pub const AUDIT_SYSCALL: u16 = MsgType::SYSCALL.0;
pub const AUDIT_PATH: u16 = MsgType::PATH.0;
pub const AUDIT_CONFIG_CHANGE: u16 = MsgType::CONFIG_CHANGE.0;
pub const AUDIT_CWD: u16 = MsgType::CWD.0;
pub const AUDIT_PROCTITLE: u16 = MsgType::PROCTITLE.0;
pub const AUDIT_FEATURE_CHANGE: u16 = MsgType::FEATURE_CHANGE.0;
pub const AUDIT_EVENT_LISTENER: u16 = MsgType::EVENT_LISTENER.0;
pub const AUDIT_KERNEL: u16 = MsgType::KERNEL.0;

/// The netlink protocol number of the audit subsystem (`NETLINK_AUDIT`).
pub const NETLINK_AUDIT: i32 = 9;

/// Whether `ty` is an audit record (an event line), as opposed to a
/// netlink control message (below 16) or a command/reply (1000-1099).
pub fn is_record(ty: u16) -> bool {
    (ty >= 16 && !(AUDIT_FIRST_CMD..=AUDIT_LAST_CMD).contains(&ty))
        || ty == AUDIT_USER
        || ty == AUDIT_LOGIN
}
