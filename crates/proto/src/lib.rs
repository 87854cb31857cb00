//! The kernel's NETLINK_AUDIT ABI, as plain Rust values that encode to and
//! decode from the exact bytes the kernel exchanges.
//!
//! Everything here is pure: no sockets and no I/O, so the rule compiler and
//! its tests never need a kernel. Structures are host-endian on the wire
//! (netlink never converts), so every field is encoded one by one with
//! `to_ne_bytes` rather than by transmuting a `#[repr(C)]` struct. Every
//! decoder returns [`DecodeError`] on short input; none panics.
//!
//! Numbers and layouts come from the Linux uapi headers `linux/audit.h` and
//! `linux/netlink.h` (covered by the Linux-syscall-note), as summarised in
//! `shared/docs/reference/kernel-and-daemon.md` §1.
#![forbid(unsafe_code)]

mod error;
pub mod filter;
pub mod msg;
pub mod nl;
pub mod rule;
pub mod status;

pub use rule::{DecodeError, RuleData};
pub use status::{Features, SigInfo, Status, TtyStatus};
