//! Architectures as auditctl names them: `arch=` words (b32, b64, machine
//! names, ELF numbers) to AUDIT_ARCH values, and the syscall table of each
//! (libaudit's audit_determine_machine, audit_machine_to_elf and
//! audit_rule_syscallbyname_data).

use raudit_proto::RuleData;
use raudit_proto::rule::BITMASK_WORDS;
use raudit_tables::syscalls::{self, Arch};

use crate::cnum::{self, starts_with_digit};
use crate::names;

/// The machines libaudit knows (MACH_*), as AUDIT_ARCH values.
pub(crate) const ELFS: [u32; 9] = [
    names::I386,
    names::X86_64,
    names::PPC64,
    names::PPC64LE,
    names::PPC,
    names::S390X,
    names::S390,
    names::ARM,
    names::AARCH64,
];

/// Machine names (machinetab.h, case-insensitive) to AUDIT_ARCH.
fn machine_by_name(name: &str) -> Option<u32> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "i386" | "i486" | "i586" | "i686" => names::I386,
        "x86_64" => names::X86_64,
        "ppc64" => names::PPC64,
        "ppc64le" => names::PPC64LE,
        "ppc" => names::PPC,
        "s390x" => names::S390X,
        "s390" => names::S390,
        "armeb" | "arm" | "armv5tejl" | "armv5tel" | "armv6l" | "armv7l" => names::ARM,
        "aarch64" | "armv8l" => names::AARCH64,
        _ => return None,
    })
}

/// audit_determine_machine + audit_machine_to_elf: an arch= word (b32,
/// b64, a machine name or hex ELF number) to AUDIT_ARCH, or None.
pub(crate) fn determine_arch(text: &str) -> Option<u32> {
    let host = names::host_arch();
    let (bits, machine) = if text.eq_ignore_ascii_case("b64") {
        (Some(64), host)
    } else if text.eq_ignore_ascii_case("b32") {
        (Some(32), host)
    } else if let Some(m) = machine_by_name(text) {
        (None, m)
    } else {
        let p = cnum::parse(text, 16);
        if p.overflow_unsigned {
            return None;
        }
        let elf = p.unsigned as u32;
        if !ELFS.contains(&elf) {
            return None;
        }
        (None, elf)
    };
    let machine = match (bits, machine) {
        (Some(32), names::X86_64) => names::I386,
        (Some(32), names::PPC64) => names::PPC,
        (Some(32), names::S390X) => names::S390,
        (Some(32), names::AARCH64) => names::ARM,
        (_, m) => m,
    };
    let ok = match machine {
        names::I386 | names::PPC | names::S390 | names::ARM => bits != Some(64),
        names::AARCH64 | names::PPC64LE => bits.is_none() || bits == Some(64),
        names::X86_64 | names::PPC64 | names::S390X => true,
        _ => false,
    };
    ok.then_some(machine)
}

/// The syscall table libaudit uses for an AUDIT_ARCH value.
pub(crate) fn table_of(elf: u32) -> Option<Arch> {
    match elf {
        names::I386 => Some(Arch::I386),
        names::X86_64 => Some(Arch::X86_64),
        names::PPC64 | names::PPC => Some(Arch::Ppc64),
        names::PPC64LE => Some(Arch::Ppc64le),
        names::S390X | names::S390 => Some(Arch::S390x),
        names::ARM => Some(Arch::Arm),
        names::AARCH64 => Some(Arch::Aarch64),
        _ => names::table(elf),
    }
}

/// audit_rule_syscallbyname_data: Ok, or Err(()) for an unknown name.
pub(crate) fn syscall_by_name(rule: &mut RuleData, elf: u32, name: &str) -> Result<(), ()> {
    if name == "all" {
        rule.mask = [u32::MAX; BITMASK_WORDS];
        return Ok(());
    }
    let lower = name.to_ascii_lowercase();
    let mut nr = table_of(elf).and_then(|t| syscalls::number(t, &lower)).map_or(-1, |n| n as i64);
    if nr < 0 && starts_with_digit(name) {
        nr = i64::from(cnum::parse(name, 0).signed as i32);
    }
    if nr < 0 || nr / 32 > (BITMASK_WORDS as i64 - 1) {
        return Err(());
    }
    rule.mask[(nr / 32) as usize] |= 1 << (nr % 32);
    Ok(())
}
