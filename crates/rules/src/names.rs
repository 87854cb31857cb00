//! Names the rule language accepts: architectures, users, groups.

use raudit_tables::syscalls::Arch;

/// AUDIT_ARCH_* values (uapi `linux/audit.h`: ELF machine | 64-bit | LE).
pub const X86_64: u32 = 0xc000_003e;
pub const I386: u32 = 0x4000_0003;
pub const PPC64: u32 = 0x8000_0015;
pub const PPC64LE: u32 = 0xc000_0015;
pub const PPC: u32 = 0x0000_0014;
pub const S390X: u32 = 0x8000_0016;
pub const S390: u32 = 0x0000_0016;
pub const ARM: u32 = 0x4000_0028;
pub const AARCH64: u32 = 0xc000_00b7;
const ARCH_64BIT: u32 = 0x8000_0000;

/// Machine names auditctl accepts for `arch=` and their AUDIT_ARCH value.
const MACHINES: &[(&str, u32)] = &[
    ("i386", I386),
    ("i486", I386),
    ("i586", I386),
    ("i686", I386),
    ("x86_64", X86_64),
    ("ppc64", PPC64),
    ("ppc64le", PPC64LE),
    ("ppc", PPC),
    ("s390x", S390X),
    ("s390", S390),
    ("armeb", 0x0000_0028),
    ("arm", ARM),
    ("armv5tejl", ARM),
    ("armv5tel", ARM),
    ("armv6l", ARM),
    ("armv7l", ARM),
    ("aarch64", AARCH64),
    ("armv8l", ARM),
];

/// The AUDIT_ARCH value of this machine.
pub fn host_arch() -> u32 {
    match std::env::consts::ARCH {
        "x86" => I386,
        "aarch64" => AARCH64,
        "arm" => ARM,
        "powerpc64" => PPC64,
        "s390x" => S390X,
        "riscv64" => 0xc000_00f3,
        _ => X86_64,
    }
}

/// The 32-bit sibling of a 64-bit machine (`b32`).
pub fn sibling_32(arch: u32) -> Option<u32> {
    match arch {
        X86_64 => Some(I386),
        PPC64 => Some(PPC),
        S390X => Some(S390),
        AARCH64 => Some(ARM),
        _ => None,
    }
}

/// Reads an `arch=` value: b32/b64 (for this machine), a machine name or a
/// hex ELF number.
pub fn parse_arch(text: &str) -> Option<u32> {
    let host = host_arch();
    if text.eq_ignore_ascii_case("b64") {
        return (host & ARCH_64BIT != 0).then_some(host);
    }
    if text.eq_ignore_ascii_case("b32") {
        return if host & ARCH_64BIT != 0 { sibling_32(host) } else { Some(host) };
    }
    if let Some(&(_, v)) = MACHINES.iter().find(|(n, _)| *n == text) {
        return Some(v);
    }
    let hex = text.trim_start_matches("0x").trim_start_matches("0X");
    let v = u32::from_str_radix(hex, 16).ok()?;
    known_arch(v).then_some(v)
}

/// Whether `v` is an AUDIT_ARCH value the tools know.
pub fn known_arch(v: u32) -> bool {
    MACHINES.iter().any(|&(_, m)| m == v) || v == 0xc000_00f3
}

/// The syscall table of an AUDIT_ARCH value, when raudit has one.
pub fn table(arch: u32) -> Option<Arch> {
    Arch::from_audit_arch(arch)
}

/// `arch=` as `-l` prints it.
pub fn arch_text(v: u32) -> String {
    if !known_arch(v) {
        return format!("0x{v:X}");
    }
    if v & ARCH_64BIT != 0 { "b64".into() } else { "b32".into() }
}

/// A name's id from /etc/passwd or /etc/group (field 3).
fn lookup(file: &str, name: &str) -> Option<u32> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|line| {
        let mut parts = line.split(':');
        (parts.next()? == name).then(|| parts.nth(1)?.parse().ok())?
    })
}

pub fn user_id(name: &str) -> Option<u32> {
    lookup("/etc/passwd", name)
}

pub fn group_id(name: &str) -> Option<u32> {
    lookup("/etc/group", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arches() {
        assert_eq!(parse_arch("b64"), Some(X86_64));
        assert_eq!(parse_arch("B32"), Some(I386));
        assert_eq!(parse_arch("c000003e"), Some(X86_64));
        assert_eq!(parse_arch("0xc000003e"), Some(X86_64));
        assert_eq!(parse_arch("nonsense"), None);
        assert_eq!(arch_text(X86_64), "b64");
        assert_eq!(arch_text(I386), "b32");
        assert_eq!(user_id("root"), Some(0));
        assert_eq!(group_id("root"), Some(0));
    }
}
