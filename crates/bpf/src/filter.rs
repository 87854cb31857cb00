//! What to trace and whom: the selection the BPF programs apply in the kernel, so an
//! unwanted syscall costs a few comparisons and never reaches the ring buffer.

use crate::Kind;

/// A cgroup and everything below it, as the kernel identifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CgroupTarget {
    /// The cgroup v2 id (inode number of its directory).
    pub id: u64,
    /// Its depth below the cgroup v2 root (the root is 0).
    pub level: u32,
}

/// The in-kernel selection. `None` selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub kinds: Vec<Kind>,
    /// Only this process (tgid).
    pub pid: Option<u32>,
    pub uid: Option<u32>,
    pub auid: Option<u32>,
    /// Matches the uid or the login uid, as `ausearch -ua` does.
    pub uid_or_auid: Option<u32>,
    pub ses: Option<u32>,
    pub cgroup: Option<CgroupTarget>,
    /// Only syscalls that returned an error.
    pub failed_only: bool,
    /// Never trace this process (the tracer itself, so its own work stays out).
    pub exclude_pid: Option<u32>,
}

impl Filter {
    pub fn for_kind(kind: Kind) -> Filter {
        Filter { kinds: vec![kind], exclude_pid: Some(std::process::id()), ..Filter::default() }
    }

    /// The bitmask of `want_kinds` in the BPF programs.
    pub fn kind_mask(&self) -> u32 {
        self.kinds.iter().fold(0, |m, k| m | (1 << k.code()))
    }
}
