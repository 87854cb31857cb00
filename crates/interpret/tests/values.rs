//! Interpretations with a fixed host: the reference's outputs for each
//! kind (checked against `ausearch -i` on testdata/logs/interpret.log, where
//! the differential suite covers them on the real name databases).

use raudit_interpret::{Context, Escape, Kind, Machine, Stored, interpret_into, kind};
use raudit_sys::FixedHost;

fn names() -> FixedHost {
    FixedHost::new().with_user(1000, "alice").with_group(100, "users")
}

/// Interprets `name=value` of a record of type `rtype`, on x86_64 for
/// syscall `syscall`.
fn interp(rtype: i32, syscall: i32, name: &str, value: &str) -> String {
    let r = names();
    let mut ctx = Context::new(&r);
    ctx.machine = Some(Machine::X86_64);
    ctx.syscall = syscall;
    let k = kind::of_field(rtype, name.as_bytes(), value.as_bytes());
    let mut out = Vec::new();
    interpret_into(&mut out, k, name.as_bytes(), value.as_bytes(), &ctx, Escape::Tty);
    String::from_utf8_lossy(&out).into_owned()
}

use raudit_tables::msg_type::code::SYSCALL;

#[test]
fn ids_through_the_host() {
    assert_eq!(interp(SYSCALL, 0, "auid", "1000"), "alice");
    assert_eq!(interp(SYSCALL, 0, "uid", "0"), "root");
    assert_eq!(interp(SYSCALL, 0, "euid", "4294967295"), "unset");
    assert_eq!(interp(SYSCALL, 0, "suid", "4000000000"), "unknown(-294967296)");
    assert_eq!(interp(SYSCALL, 0, "fsuid", "2147483648"), "unknown(-2147483648)");
    assert_eq!(interp(SYSCALL, 0, "sgid", "7"), "unknown(7)");
    assert_eq!(interp(SYSCALL, 0, "gid", "100"), "users");
    assert_eq!(
        interp(SYSCALL, 0, "auid", "99999999999999999999999"),
        "conversion error(99999999999999999999999)"
    );
    // The id of group records is a gid.
    assert_eq!(interp(1116, 0, "id", "100"), "users");
    assert_eq!(interp(1114, 0, "id", "1000"), "alice");
}

#[test]
fn syscalls_arches_exits() {
    assert_eq!(interp(SYSCALL, 257, "syscall", "257"), "openat");
    assert_eq!(interp(SYSCALL, 999, "syscall", "999"), "unknown-syscall(999)");
    assert_eq!(interp(SYSCALL, 0, "exit", "-13"), "EACCES(Permission denied)");
    assert_eq!(interp(SYSCALL, 0, "exit", "3"), "3");
    let r = names();
    let mut out = Vec::new();
    let ctx = Context::new(&r);
    interpret_into(&mut out, Kind::Arch, b"arch", b"c00000b7", &ctx, Escape::Tty);
    assert_eq!(out, b"aarch64");
    out.clear();
    interpret_into(&mut out, Kind::Arch, b"arch", b"c00000f3", &ctx, Escape::Tty);
    assert_eq!(out, b"unknown-elf-type(c00000f3)");
}

#[test]
fn strings_and_titles() {
    assert_eq!(interp(SYSCALL, 0, "comm", "\"cat\""), "cat");
    assert_eq!(interp(SYSCALL, 0, "exe", "2F746D702F612062"), "/tmp/a b");
    assert_eq!(interp(1302, 0, "name", "(null)"), "(null)");
    assert_eq!(interp(1327, 0, "proctitle", "6C73002D6C002F746D70"), "ls -l /tmp");
    assert_eq!(interp(1309, 0, "a1", "612009"), "a \\011");
    assert_eq!(interp(SYSCALL, 0, "key", "\"access\""), "access");
    assert_eq!(interp(SYSCALL, 0, "key", "6B31016B32"), "k1\u{1}k2");
}

#[test]
fn modes_perms_caps_signals() {
    assert_eq!(interp(1302, 0, "mode", "0100644"), "file,644");
    assert_eq!(interp(1302, 0, "mode", "0104755"), "file,suid,755");
    // No file type: the type bits in octal, three digits (%03o), as the permissions.
    assert_eq!(interp(1302, 0, "mode", "0170007"), "017,007");
    assert_eq!(interp(1302, 0, "mode", "03070"), "000,sgid,sticky,070");
    assert_eq!(interp(1305, 0, "perm", "0"), "read,write,exec,attr");
    assert_eq!(interp(1305, 0, "perm", "6"), "write,exec");
    assert_eq!(interp(1302, 0, "cap_fp", "0"), "none");
    assert_eq!(interp(1302, 0, "cap_fp", "3"), "chown,dac_override");
    assert_eq!(interp(1701, 0, "sig", "30"), "IGPWR");
    assert_eq!(interp(1701, 0, "sig", "64"), "unknown-signal(64)");
    assert_eq!(interp(1305, 0, "list", "4"), "exit");
    assert_eq!(interp(1305, 0, "res", "1"), "yes");
    assert_eq!(interp(1305, 0, "ses", "4294967295"), "unset");
}

#[test]
fn syscall_arguments() {
    // openat(AT_FDCWD, _, O_WRONLY|O_CREAT|O_TRUNC)
    assert_eq!(interp(SYSCALL, 257, "a0", "ffffff9c"), "AT_FDCWD");
    assert_eq!(interp(SYSCALL, 257, "a2", "241"), "O_WRONLY|O_CREAT|O_TRUNC");
    assert_eq!(interp(SYSCALL, 257, "a2", "0"), "O_RDONLY");
    // socket(inet6, SOCK_STREAM, tcp)
    assert_eq!(interp(SYSCALL, 41, "a0", "a"), "inet6");
    assert_eq!(interp(SYSCALL, 41, "a1", "80801"), "SOCK_STREAM");
    // mmap prot and flags
    assert_eq!(interp(SYSCALL, 9, "a2", "3"), "PROT_READ|PROT_WRITE");
    assert_eq!(interp(SYSCALL, 9, "a3", "22"), "MAP_PRIVATE|MAP_ANONYMOUS");
    // kill(_, SIGKILL); an unknown syscall leaves hex
    assert_eq!(interp(SYSCALL, 62, "a1", "9"), "SIGKILL");
    assert_eq!(interp(SYSCALL, 999, "a1", "9"), "0x9");
}

#[test]
fn socket_addresses() {
    assert_eq!(
        interp(1306, 0, "saddr", "02000050C0A800010000000000000000"),
        "{ saddr_fam=inet laddr=192.168.0.1 lport=80 }"
    );
    assert_eq!(
        interp(1306, 0, "saddr", "01002F746D702F736F636B"),
        "{ saddr_fam=local path=/tmp/sock }"
    );
    assert_eq!(interp(1306, 0, "saddr", "0200005"), "{ saddr_fam=inet sockaddr len too short }");
    assert_eq!(interp(1306, 0, "saddr", "6300"), "unknown-family(99)");
    assert_eq!(interp(1306, 0, "saddr", "ZZ"), "malformed-host(ZZ)");
}

#[test]
fn tty_data() {
    assert_eq!(interp(1319, 0, "data", "6C73202D6C0D"), "\"ls -l\",<ret>");
    assert_eq!(interp(1319, 0, "data", "1B5B41"), "<up>");
}

#[test]
fn stored_names_win_except_unknown_ones() {
    let r = names();
    let stored = Stored::parse(b"AUID=\"bob\" UID=unknown(7) SYSCALL=chmod");
    let mut ctx = Context::new(&r);
    ctx.stored = Some(&stored);
    let mut out = Vec::new();
    interpret_into(&mut out, Kind::Uid, b"auid", b"1000", &ctx, Escape::Tty);
    assert_eq!(out, b"bob");
    out.clear();
    // `unknown(` is not `unknown-`: kept as stored.
    interpret_into(&mut out, Kind::Uid, b"uid", b"1000", &ctx, Escape::Tty);
    assert_eq!(out, b"unknown(7)");
}

/// Every kind on arbitrary bytes: never a panic.
#[test]
fn arbitrary_values_do_not_panic() {
    let r = names();
    let kinds = [
        Kind::Unclassified,
        Kind::Uid,
        Kind::Gid,
        Kind::Syscall,
        Kind::Arch,
        Kind::Exit,
        Kind::Escaped,
        Kind::Perm,
        Kind::Mode,
        Kind::Sockaddr,
        Kind::Flags,
        Kind::Promisc,
        Kind::Capability,
        Kind::Success,
        Kind::A0,
        Kind::A1,
        Kind::A2,
        Kind::A3,
        Kind::Signal,
        Kind::List,
        Kind::TtyData,
        Kind::Session,
        Kind::CapBitmap,
        Kind::Nfproto,
        Kind::Icmptype,
        Kind::Protocol,
        Kind::Addr,
        Kind::Personality,
        Kind::Seccomp,
        Kind::Oflag,
        Kind::Mmap,
        Kind::ModeShort,
        Kind::MacLabel,
        Kind::Proctitle,
        Kind::Hook,
        Kind::Netaction,
        Kind::Macproto,
        Kind::IoctlReq,
        Kind::EscapedKey,
        Kind::EscapedFile,
        Kind::Fanotify,
        Kind::Nlmcgrp,
        Kind::Resolve,
    ];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"0123456789abcdefABCDEF\"'()-x \x01\x1b\xff=,";
    for _ in 0..20_000 {
        let len = (next() % 80) as usize;
        let value: Vec<u8> =
            (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
        let mut ctx = Context::new(&r);
        ctx.machine = [None, Some(Machine::X86_64), Some(Machine::X86), Some(Machine::Aarch64)]
            [(next() % 4) as usize];
        ctx.syscall = (next() % 500) as i32 - 50;
        ctx.a0 = next();
        ctx.a1 = next();
        if next() % 4 == 0 {
            ctx.cwd = Some(b"/home/a");
        }
        for k in kinds {
            let mut out = Vec::new();
            interpret_into(&mut out, k, b"x", &value, &ctx, Escape::ShellQuote);
        }
    }
}
