//! `autrace` / `raudit trace`: run a program with audit rules for its pid,
//! as the reference's autrace does.

use std::io::{IsTerminal, Write};
use std::os::fd::AsRawFd;
use std::process::ExitCode;

use raudit_cli::flags::Flag;
use raudit_netlink::Client;
use raudit_netlink::proto::RuleData;
use raudit_rules::{RuleBuilder, RuleOp};

use crate::Invocation;

/// Every option (the program to run and its arguments follow them).
pub const FLAGS: &[Flag] = &[
    Flag::switch(Some("-r"), None, "audit only file and network syscalls (resource usage)"),
    Flag::switch(Some("-h"), None, "print the usage line"),
];

/// Syscalls of `-r` (resource) mode on x86_64: files, then sockets.
const RESOURCE_SYSCALLS: &[&str] = &[
    "open",
    "creat",
    "rename",
    "unlink",
    "mknod",
    "mkdir",
    "rmdir",
    "chown",
    "lchown",
    "chmod",
    "link",
    "symlink",
    "readlink",
    "openat",
    "truncate",
    "renameat",
    "unlinkat",
    "mknodat",
    "mkdirat",
    "chdir",
    "fchownat",
    "fchmodat",
    "linkat",
    "symlinkat",
    "readlinkat",
    "execve",
    "name_to_handle_at",
    "openat2",
    "sendfile",
    "connect",
    "bind",
    "accept",
    "sendto",
    "recvfrom",
    "accept4",
];

fn usage() -> ExitCode {
    eprintln!("usage: autrace [-r] program");
    ExitCode::from(1)
}

/// The two rules for `pid`: one on pid, one on ppid.
fn rules_for(pid: u32, resource: bool) -> Result<Vec<RuleData>, raudit_rules::BuildError> {
    let mut out = Vec::new();
    for field in ["pid", "ppid"] {
        let mut b = RuleBuilder::new();
        b.list_action(RuleOp::Add, "exit,always")?;
        if resource {
            b.syscall(&RESOURCE_SYSCALLS.join(","))?;
        } else {
            b.syscall("all")?;
        }
        // autrace sets no arch, and says nothing about 32/64-bit numbers.
        let _ = b.take_warnings();
        b.field(&format!("{field}={pid}"))?;
        out.extend(b.finish().map(|(_, rule)| rule));
    }
    Ok(out)
}

pub fn main(inv: Invocation) -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = inv.args.clone();
    let resource = args.first().is_some_and(|a| a == "-r");
    if resource {
        args.remove(0);
    }
    let Some(program) = args.first().cloned() else { return usage() };
    if program == "-h" {
        return usage();
    }
    if !rustix::process::geteuid().is_root() {
        eprintln!("You must be root or have capabilities to run this program.");
        return ExitCode::from(1);
    }
    // COMPAT: autrace.c: the program is checked as given (no PATH search),
    // then run with a PATH search.
    let path = std::path::Path::new(&program);
    if !path.exists() {
        eprintln!("Error - can't find: {}", program.to_string_lossy());
        return ExitCode::from(1);
    }
    let mut client = match Client::open() {
        Ok(c) => c,
        Err(_) => {
            eprintln!("The audit system is disabled");
            return ExitCode::from(1);
        }
    };
    match client.list_rules() {
        Ok(rules) if !rules.is_empty() => {
            eprintln!("autrace cannot be run with rules loaded.");
            eprintln!("Please delete all rules using 'auditctl -D' if you really wanted to");
            eprintln!("run this command.");
            return ExitCode::from(1);
        }
        Ok(_) => {}
        Err(_) => {
            eprintln!("Error - can't get rule count.");
            return ExitCode::from(1);
        }
    }
    // Everything the child needs is prepared before the fork: after it the
    // child only makes async-signal-safe calls (write, read, execvp, _exit).
    let Ok(cargs) = args
        .iter()
        .map(|a| std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(a.as_os_str())))
        .collect::<Result<Vec<_>, _>>()
    else {
        return usage();
    };
    let mut argv: Vec<*const libc::c_char> = cargs.iter().map(|c| c.as_ptr()).collect();
    argv.push(std::ptr::null());
    let waiting = format!("Waiting to execute: {}\n", program.to_string_lossy());
    let failed = format!("Failed to exec {}\n", program.to_string_lossy());
    let Ok((gate_r, gate_w)) = std::io::pipe() else {
        eprintln!("autrace: cannot create a pipe");
        return ExitCode::from(1);
    };
    let (gate_rfd, gate_wfd) = (gate_r.as_raw_fd(), gate_w.as_raw_fd());
    let tty = std::io::stdout().is_terminal();
    let _ = std::io::stdout().flush();
    // SAFETY: the process is single-threaded here (no thread was started),
    // and the child below only calls async-signal-safe functions.
    let child = unsafe { libc::fork() };
    if child == 0 {
        // SAFETY: all pointers point at data prepared before the fork.
        unsafe {
            libc::close(gate_wfd);
            // COMPAT: autrace.c prints this with stdio in the child, which
            // the exec discards unless stdout is a terminal (line-buffered).
            if tty {
                libc::write(1, waiting.as_ptr().cast(), waiting.len());
            }
            let mut byte = 0u8;
            libc::read(gate_rfd, (&mut byte as *mut u8).cast(), 1);
            libc::close(gate_rfd);
            libc::execvp(argv[0], argv.as_ptr());
            libc::write(2, failed.as_ptr().cast(), failed.len());
            libc::_exit(1);
        }
    }
    drop(gate_r);
    let child = if child > 0 { rustix::process::Pid::from_raw(child) } else { None };
    let Some(child) = child else {
        eprintln!("autrace: fork failed");
        return ExitCode::from(1);
    };
    let pid = child.as_raw_nonzero().get() as u32;
    // One byte through the gate lets the child exec.
    let release = |mut gate: std::io::PipeWriter| {
        let _ = gate.write_all(b"1");
    };
    let wait = |pid| {
        let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
    };
    let inserted = rules_for(pid, resource).map_err(|e| e.to_string()).and_then(|rules| {
        rules.iter().try_for_each(|r| client.add_rule(r).map_err(|e| e.to_string()))
    });
    if inserted.is_err() {
        eprintln!("Error inserting audit rule for pid={pid}");
        let _ = rustix::process::kill_process(child, rustix::process::Signal::TERM);
        release(gate_w);
        wait(child);
        let _ = client.delete_all_rules();
        return ExitCode::from(1);
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    release(gate_w);
    wait(child);
    println!("Cleaning up...");
    let _ = client.delete_all_rules();
    println!("Trace complete. You can locate the records with 'ausearch -i -p {pid}'");
    ExitCode::SUCCESS
}
