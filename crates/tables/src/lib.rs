//! Name and number tables shared by every raudit crate.
//!
//! Each module says where its data comes from. Names and numbers are facts
//! of the kernel ABI and of the reference's on-disk format; none of the
//! reference's own table code is used.
#![forbid(unsafe_code)]

pub mod errno;
pub mod hash;
pub mod msg_type;
pub mod syscalls;

pub use msg_type::MsgType;

/// The version of the reference (Debian's auditd 3.0.9) whose behaviour
/// raudit matches: the tools' `-v` and the daemon's DAEMON_START say it.
pub const REFERENCE_VERSION: &str = "3.0.9";
