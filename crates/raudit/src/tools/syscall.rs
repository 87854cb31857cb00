//! `ausyscall` / `raudit syscall`: syscall names and numbers per
//! architecture, with the reference's arguments, output and exit codes.

use std::process::ExitCode;

use raudit_cli::flags::Flag;
use raudit_tables::syscalls::{self, Arch};

/// Every option (an architecture, a name or a number are operands).
pub const FLAGS: &[Flag] = &[
    Flag::switch(None, Some("--dump"), "print every syscall of the architecture"),
    Flag::switch(None, Some("--exact"), "match the name exactly, not as a substring"),
];

const USAGE: &str = "usage: ausyscall [ARCH] NAME | NUMBER | --dump | --exact";

fn fail(message: &str, usage: bool) -> ExitCode {
    eprintln!("{message}");
    if usage {
        eprintln!("{USAGE}");
    }
    ExitCode::from(1)
}

fn arch_name(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "x86_64",
        Arch::I386 => "i386",
        Arch::Aarch64 => "aarch64",
        Arch::Arm => "arm",
        Arch::Ppc64 => "ppc64",
        Arch::Ppc64le => "ppc64le",
        Arch::S390x => "s390x",
        Arch::Riscv64 => "riscv64",
    }
}

pub fn main(inv: crate::Invocation) -> ExitCode {
    let args: Vec<String> = inv.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    if args.is_empty() {
        return fail(USAGE, false);
    }
    if args.len() > 3 {
        return fail("Too many arguments", true);
    }
    let (mut dump, mut exact) = (false, false);
    let (mut arch, mut number, mut name): (Option<Arch>, Option<u32>, Option<String>) =
        (None, None, None);
    for a in &args {
        if a == "--dump" {
            dump = true;
        } else if a == "--exact" {
            exact = true;
        } else if a.starts_with(|c: char| c.is_ascii_digit()) {
            if number.is_some() {
                return fail("Two syscall numbers not allowed", true);
            }
            // COMPAT: ausyscall.c: strtol base 10, so "0x3" is 0.
            let digits: String = a.chars().take_while(char::is_ascii_digit).collect();
            number = Some(digits.parse().unwrap_or(u32::MAX));
        } else if let Some(a2) = raudit_rules::names::parse_arch(a).and_then(Arch::from_audit_arch)
        {
            if arch.is_some() {
                return fail("Two machine types not allowed", true);
            }
            arch = Some(a2);
        } else {
            if name.is_some() {
                return fail("Two syscall names not allowed", true);
            }
            name = Some(a.clone());
        }
    }
    let Some(arch) = arch.or_else(Arch::host) else {
        return fail("Error detecting machine type", false);
    };
    let table = arch_name(arch);
    if dump {
        println!("Using {table} syscall table:");
        for nr in 0..8192 {
            if let Some(n) = syscalls::name(arch, nr) {
                println!("{nr}\t{n}");
            }
        }
        return ExitCode::SUCCESS;
    }
    if let Some(nr) = number {
        return match syscalls::name(arch, nr) {
            Some(n) => {
                println!("{n}");
                ExitCode::SUCCESS
            }
            None => fail(
                &format!("Unknown syscall {} using {table} lookup table", args_number(&args)),
                false,
            ),
        };
    }
    let Some(name) = name else {
        return fail(
            "Error - either a syscall name or number must be given with an optional arch",
            false,
        );
    };
    if exact {
        return match syscalls::number(arch, &name) {
            Some(nr) => {
                println!("{nr}");
                ExitCode::SUCCESS
            }
            None => fail(&format!("Unknown syscall {name} using {table} lookup table"), false),
        };
    }
    // A case-insensitive substring search, in number order.
    let wanted = name.to_ascii_lowercase();
    let mut found = false;
    for nr in 0..1400 {
        if let Some(n) = syscalls::name(arch, nr)
            && n.to_ascii_lowercase().contains(&wanted)
        {
            println!("{n:<18} {nr}");
            found = true;
        }
    }
    if found {
        ExitCode::SUCCESS
    } else {
        fail(&format!("Unknown syscall {name} using {table} lookup table"), false)
    }
}

/// The number argument as the user typed it.
fn args_number(args: &[String]) -> &str {
    args.iter().find(|a| a.starts_with(|c: char| c.is_ascii_digit())).map_or("", String::as_str)
}
