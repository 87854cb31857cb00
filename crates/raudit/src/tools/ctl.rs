//! `auditctl` / `raudit ctl`: argv and exit codes around the rules crate's
//! engine ([`raudit_rules::ctl::Engine`]), which applies the options and
//! prints the reference's output; `--check FILE` lints a rules file.

use std::process::ExitCode;

use raudit_netlink::Client;
use raudit_rules::ctl::{Engine, RuleError, usage};

pub use raudit_rules::ctl::FLAGS;
use raudit_tables::REFERENCE_VERSION;

use crate::Invocation;

/// Exit code of every command-line error (the reference's -1).
const EXIT_ERROR: u8 = 255;

pub fn main(inv: Invocation) -> ExitCode {
    let args: Vec<String> = inv.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    if args.is_empty() {
        print!("{}", usage());
        return ExitCode::from(1);
    }
    if args.len() == 1 && args[0] == "-v" {
        println!(
            "{} version {REFERENCE_VERSION} (raudit {})",
            inv.display_name,
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    // Beyond the reference: lint a rules file (no kernel, no root needed).
    if args.first().is_some_and(|a| a == "--check") {
        return check_command(&inv.display_name, &args[1..]);
    }
    let help = args.len() == 1 && (args[0] == "-h" || args[0] == "--help");
    if !help && !is_root() {
        eprintln!("You must be root to run this program.");
        return ExitCode::from(4);
    }
    let mut client = match Client::open() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: cannot open the audit netlink socket: {e}", inv.display_name);
            return ExitCode::from(1);
        }
    };
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr());
    let mut engine = Engine::new(&mut client, &mut out, &mut err);
    if args.len() == 2 && args[0] == "-R" {
        if !engine.is_ready() {
            return ExitCode::SUCCESS;
        }
        // The engine has written the messages; only the outcome is left.
        return match engine.load_file(std::path::Path::new(&args[1])) {
            Ok(loaded) if !loaded.failed => ExitCode::SUCCESS,
            Ok(_) => ExitCode::from(1),
            Err(_) => ExitCode::from(1),
        };
    }
    match engine.run_args(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(RuleError::NoRule) => ExitCode::from(1),
        Err(_) => ExitCode::from(EXIT_ERROR),
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// How `--check` is used (said on stderr when its arguments are wrong).
const CHECK_USAGE: &str =
    "--check FILE [--costs]: lint a rules file; --costs adds each rule's cost";

/// `--check FILE [--costs]`. A wrong command line keeps the reference's exit code for an
/// invalid option (255, stdout empty), with a usage line that says what was expected.
fn check_command(name: &str, rest: &[String]) -> ExitCode {
    let costs = rest.iter().any(|a| a == "--costs");
    let files: Vec<&String> = rest.iter().filter(|a| *a != "--costs").collect();
    let [file] = files[..] else { return check_usage(name) };
    if file.starts_with('-') {
        return check_usage(name);
    }
    check_file(name, file, costs)
}

fn check_usage(name: &str) -> ExitCode {
    eprintln!("{name}: usage: {name} {CHECK_USAGE}");
    ExitCode::from(EXIT_ERROR)
}

/// `--check FILE`: the problems, then each rule's cost when asked for; exit 1 when there are
/// problems.
fn check_file(name: &str, path: &str, costs: bool) -> ExitCode {
    let text = match std::fs::read(path) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) => {
            eprintln!("{name}: {path}: {}", raudit_tables::errno::io_text(&e));
            return ExitCode::from(1);
        }
    };
    let findings = raudit_rules::lint::check(&text, &|p| std::path::Path::new(p).exists());
    let problems = findings.iter().filter(|f| f.problem).count();
    for f in findings.iter().filter(|f| f.problem) {
        println!("{path}:{}: {}", f.line, f.text);
    }
    if costs {
        for f in findings.iter().filter(|f| !f.problem) {
            println!("{path}:{}: {}", f.line, f.text);
        }
    }
    println!("{problems} problem(s)");
    if !costs && findings.iter().any(|f| !f.problem) {
        eprintln!("{name}: each rule's cost: {name} --check {path} --costs");
    }
    if problems > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
