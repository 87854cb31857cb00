//! Builds the BPF programs with clang and generates their libbpf-rs skeleton, only with
//! the `bpf` feature: without it nothing here runs, so a machine without clang builds.

fn main() {
    #[cfg(feature = "bpf")]
    bpf::build();
}

#[cfg(feature = "bpf")]
mod bpf {
    use std::path::PathBuf;

    const SOURCE: &str = "src/bpf/trace.bpf.c";

    pub fn build() {
        let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
        if arch != "x86_64" {
            // The programs read syscall arguments from x86_64's pt_regs by their names.
            panic!("raudit-bpf: the `bpf` feature supports x86_64 only (target is {arch})");
        }
        let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        let skel = out.join("trace.skel.rs");
        let result = libbpf_cargo::SkeletonBuilder::new()
            .source(SOURCE)
            .clang_args(["-I", "src/bpf", "-D__TARGET_ARCH_x86", "-Wall"])
            .build_and_generate(&skel);
        if let Err(err) = result {
            panic!("raudit-bpf: building {SOURCE} failed (is clang installed?): {err:#}");
        }
        for file in [SOURCE, "src/bpf/mini.h", "src/bpf/event.h"] {
            println!("cargo:rerun-if-changed={file}");
        }
    }
}
