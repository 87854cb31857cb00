//! The kernel's NETLINK_AUDIT ABI, as plain Rust values that encode to and
//! decode from the exact bytes the kernel exchanges.
//!
//! Everything here is pure: no sockets and no I/O, so the rule compiler and
//! its tests never need a kernel. Structures are host-endian on the wire
//! (netlink never converts), so every field is encoded one by one with
//! `to_ne_bytes` rather than by transmuting a `#[repr(C)]` struct.
//!
//! Numbers and layouts come from the Linux uapi header `linux/audit.h`
//! (covered by the Linux-syscall-note), as summarised in
//! `shared/docs/reference/kernel-and-daemon.md` §1.
#![forbid(unsafe_code)]

pub mod rule;

pub use rule::{DecodeError, RuleData};
