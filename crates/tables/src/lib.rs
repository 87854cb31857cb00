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
