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
