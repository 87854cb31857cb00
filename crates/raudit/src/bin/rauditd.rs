//! `rauditd`: the daemon as its own executable, for SELinux labelling.
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    raudit::dispatch::run_tool("daemon", "rauditd", args)
}
