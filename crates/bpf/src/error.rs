//! Why the BPF source cannot run, each reason worded for one line on a terminal.

/// A failure to open, load, attach or read the BPF programs.
#[derive(Debug, thiserror::Error)]
pub enum BpfError {
    #[error(
        "BPF support is not compiled in (build raudit with the `bpf` feature; it needs clang and libelf)"
    )]
    NotCompiled,
    #[error(
        "the kernel's BTF is missing ({path}: {reason}); BPF tracing needs CONFIG_DEBUG_INFO_BTF"
    )]
    NoBtf { path: String, reason: String },
    #[error(
        "permission denied loading BPF programs ({detail}); run as root or with CAP_BPF and CAP_PERFMON"
    )]
    Permission { detail: String },
    #[error("the BPF programs failed to {stage}: {detail}")]
    Kernel { stage: &'static str, detail: String },
    #[error("cgroup {path}: {reason}")]
    Cgroup { path: String, reason: String },
    #[error("reading the BPF ring buffer failed: {0}")]
    Poll(String),
}
