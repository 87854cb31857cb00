//! The reference's machine types (libaudit `MACH_*`): what `arch=` values
//! name and which syscall table they select.

use raudit_tables::syscalls::{self, Arch};

/// A machine the reference knows. `arch=` values outside its table are
/// `None` at the call sites, as the reference's -1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    X86,
    X86_64,
    Ppc64,
    Ppc,
    S390x,
    S390,
    Arm,
    Aarch64,
    Ppc64le,
}

impl Machine {
    /// The machine of an `AUDIT_ARCH_*` value (`audit_elf_to_machine`).
    pub fn from_elf(elf: u32) -> Option<Machine> {
        Some(match elf {
            0x4000_0003 => Machine::X86,
            0xc000_003e => Machine::X86_64,
            0x8000_0015 => Machine::Ppc64,
            0xc000_0015 => Machine::Ppc64le,
            0x14 => Machine::Ppc,
            0x8000_0016 => Machine::S390x,
            0x16 => Machine::S390,
            0x4000_0028 => Machine::Arm,
            0xc000_00b7 => Machine::Aarch64,
            // COMPAT: riscv64 and the rest are unknown to 3.0.9.
            _ => return None,
        })
    }

    /// The name `arch=` is printed as (first name of libaudit's machine
    /// table for the machine).
    pub fn name(self) -> &'static str {
        match self {
            Machine::X86 => "i386",
            Machine::X86_64 => "x86_64",
            Machine::Ppc64 => "ppc64",
            Machine::Ppc64le => "ppc64le",
            Machine::Ppc => "ppc",
            Machine::S390x => "s390x",
            Machine::S390 => "s390",
            Machine::Arm => "armeb",
            Machine::Aarch64 => "aarch64",
        }
    }

    /// The machine this program runs on (`audit_detect_machine`).
    pub fn host() -> Option<Machine> {
        Some(match Arch::host()? {
            Arch::X86_64 => Machine::X86_64,
            Arch::I386 => Machine::X86,
            Arch::Aarch64 => Machine::Aarch64,
            Arch::Arm => Machine::Arm,
            Arch::Ppc64 => Machine::Ppc64,
            Arch::Ppc64le => Machine::Ppc64le,
            Arch::S390x => Machine::S390x,
            Arch::Riscv64 => return None,
        })
    }

    /// The syscall name of `nr` on this machine.
    pub fn syscall_name(self, nr: i32) -> Option<&'static str> {
        let arch = match self {
            Machine::X86 => Arch::I386,
            Machine::X86_64 => Arch::X86_64,
            // The reference has one table for all three PowerPC machines.
            Machine::Ppc64 | Machine::Ppc64le | Machine::Ppc => Arch::Ppc64,
            // We carry no 31-bit s390 table; the 64-bit one shares its
            // numbers for all but a few compat calls (docs/compat.md).
            Machine::S390x | Machine::S390 => Arch::S390x,
            Machine::Arm => Arch::Arm,
            Machine::Aarch64 => Arch::Aarch64,
        };
        u32::try_from(nr).ok().and_then(|nr| syscalls::name(arch, nr))
    }
}
