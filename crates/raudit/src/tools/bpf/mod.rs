//! `raudit bpf tcpconnect|execsnoop|opensnoop`, also reached as `tcpconnect`, `execsnoop`
//! and `opensnoop`: bcc's tools on raudit's BPF source, with the login uid and session.

mod args;
mod columns;

use std::io::Write;
use std::ops::ControlFlow;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use args::Parsed;
pub use args::Tool;
use raudit_bpf::Traced;

use crate::Invocation;

/// Set by SIGINT/SIGTERM: tracing stops, losses are reported, the programs detach.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_sig: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

fn catch_stop_signals() {
    // SAFETY: a zeroed sigaction is valid; the handler only stores to an atomic, which is
    // async-signal-safe. No SA_RESTART: the ring buffer's epoll returns EINTR and the loop
    // sees STOP at once.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_stop as *const () as usize;
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
        libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
    }
}

/// A tool's options, for the man pages and completions.
pub fn flags(tool: Tool) -> Vec<raudit_cli::flags::Flag> {
    args::flags(tool)
}

/// Every option of the three tools, for `raudit bpf`'s page.
pub fn all_flags() -> Vec<raudit_cli::flags::Flag> {
    args::all_flags()
}

/// `raudit bpf SUBCOMMAND ARGS`.
pub fn main(inv: Invocation) -> ExitCode {
    let argv: Vec<String> = inv.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let Some((sub, rest)) = argv.split_first() else {
        eprintln!("usage: {} tcpconnect|execsnoop|opensnoop [OPTIONS]", inv.display_name);
        return ExitCode::from(2);
    };
    match Tool::from_name(sub) {
        Some(tool) => run(tool, &format!("{} {sub}", inv.display_name), rest),
        None => {
            eprintln!(
                "{}: unknown tool '{sub}' (tcpconnect, execsnoop, opensnoop)",
                inv.display_name
            );
            ExitCode::from(2)
        }
    }
}

fn legacy(tool: Tool, inv: Invocation) -> ExitCode {
    let argv: Vec<String> = inv.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    run(tool, &inv.display_name, &argv)
}

pub fn tcpconnect(inv: Invocation) -> ExitCode {
    legacy(Tool::TcpConnect, inv)
}

pub fn execsnoop(inv: Invocation) -> ExitCode {
    legacy(Tool::ExecSnoop, inv)
}

pub fn opensnoop(inv: Invocation) -> ExitCode {
    legacy(Tool::OpenSnoop, inv)
}

fn run(tool: Tool, name: &str, argv: &[String]) -> ExitCode {
    let args = match args::parse(tool, argv) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            println!("{}", args::usage(tool));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}\n{name}: error: {e}", args::usage(tool));
            return ExitCode::from(2);
        }
    };
    let filter = match args.filter() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(1);
        }
    };
    catch_stop_signals();
    let mut printer = columns::Printer::new(*args);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut lost = 0u64;
    let result = raudit_bpf::trace(&filter, &STOP, |t| {
        let written = match t {
            Traced::Ready => printer.header(&mut out),
            Traced::Event(ev) if printer.selects(&ev) => printer.event(&mut out, &ev),
            Traced::Event(_) => Ok(()),
            Traced::Lost { ring_full, table_full } => {
                lost += ring_full + table_full;
                eprintln!(
                    "{name}: lost {ring_full} events (ring buffer full), {table_full} (too many syscalls in flight)"
                );
                Ok(())
            }
        };
        // A closed stdout (`| head`) ends tracing quietly.
        match written.and_then(|()| out.flush()) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
    });
    match result {
        Ok(()) if lost > 0 => {
            eprintln!("{name}: {lost} events lost in total");
            ExitCode::SUCCESS
        }
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::from(1)
        }
    }
}
