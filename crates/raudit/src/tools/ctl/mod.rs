//! `auditctl` / `raudit ctl`: rules and settings of the kernel's audit
//! system, with the reference's options, output and exit codes.

mod status;

use std::process::ExitCode;

use raudit_netlink::{Client, Error as NlError, NetlinkSocket};
use raudit_rules::{Lister, RuleBuilder, RuleOp, rules_file};

use crate::Invocation;

/// The reference's version, which scripts test.
const REFERENCE_VERSION: &str = "3.0.9";
/// Exit code of every command-line error (the reference's -1).
const EXIT_ERROR: u8 = 255;

pub fn main(inv: Invocation) -> ExitCode {
    let args: Vec<String> = inv.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    if args.is_empty() {
        print!("{}", usage());
        return ExitCode::from(1);
    }
    if args.len() == 1 && (args[0] == "-h") {
        print!("{}", usage());
        return ExitCode::from(EXIT_ERROR);
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
    if args.len() == 2 && args[0] == "--check" {
        return check_file(&args[1]);
    }
    if !is_root() {
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
    if args.len() == 2 && args[0] == "-R" {
        return file_mode(&mut client, &args[1]);
    }
    match run_line(&mut client, &args, None) {
        Ok(()) => ExitCode::SUCCESS,
        Err(()) => ExitCode::from(EXIT_ERROR),
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn usage() -> String {
    let lines = [
        ("-a <l,a>", "append a rule to list l with action a"),
        ("-A <l,a>", "prepend a rule to list l with action a"),
        ("-b <backlog>", "set the kernel's backlog limit"),
        ("--backlog_wait_time <t>", "set how long a producer may wait on a full backlog"),
        ("-c", "in a rules file: continue after errors"),
        ("-C f=f", "compare two fields (uids or gids) of the event"),
        ("--check <file>", "lint a rules file and show each rule's cost (raudit)"),
        ("-d <l,a>", "delete the rule from list l with action a"),
        ("-D", "delete all rules (-k: those with the key)"),
        ("-e [0..2]", "disable, enable, or enable and lock audit"),
        ("-f [0..2]", "failure mode: silent, printk, panic"),
        ("-F f=v", "add a field comparison to the rule"),
        ("-h", "print this help"),
        ("-i", "in a rules file: ignore errors"),
        ("-k <key>", "tag the rule with a key"),
        ("-l", "list the rules (-k: those with the key)"),
        ("--loginuid-immutable", "make login uids unchangeable once set"),
        ("-p [r|w|x|a]", "permissions for a watch"),
        ("-q <mount,subtree>", "make a mount point equivalent to a subtree"),
        ("-r <rate>", "set the kernel's rate limit (messages/s)"),
        ("-R <file>", "read rules from a file"),
        ("--reset-lost", "reset the lost counter"),
        ("-s", "print the kernel's audit status"),
        ("-S <syscall>", "syscalls of the rule (names, numbers or all)"),
        ("-t", "trim subtrees after a mount"),
        ("-v", "print the version"),
        ("-w <path>", "watch a file or directory"),
        ("-W <path>", "remove a watch"),
    ];
    let mut out = String::from("usage: auditctl [options]\n");
    for (opt, what) in lines {
        out.push_str(&format!("    {opt:<26}{what}\n"));
    }
    out
}

/// The reference's wording of a kernel error.
fn strerror(e: &NlError) -> String {
    match e.errno() {
        Some(17) => "Rule exists".into(),
        Some(n) => {
            let text = std::io::Error::from_raw_os_error(n).to_string();
            text.split(" (os error").next().unwrap_or_default().to_string()
        }
        None => e.to_string(),
    }
}

/// Options that take a value, as in the reference's getopt string.
fn takes_value(c: char) -> bool {
    "CefrbaAdSFmRwWkpq".contains(c)
}

/// One option: its letter (or long name) and value.
type Opt = (String, Option<String>);

/// Splits arguments into options and operands, getopt-style.
fn options(args: &[String]) -> Result<(Vec<Opt>, Vec<String>), String> {
    let mut out = Vec::new();
    let mut loose = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            match name {
                "loginuid-immutable" | "reset-lost" | "reset_backlog_wait_time_actual" => {
                    out.push((name.to_string(), None));
                }
                "backlog_wait_time" | "signal" => {
                    let v = inline.or_else(|| {
                        let v = args.get(i).cloned();
                        i += 1;
                        v
                    });
                    match v {
                        Some(v) => out.push((name.to_string(), Some(v))),
                        None => return Err(format!("Option {a} is invalid")),
                    }
                }
                _ => return Err(format!("Option {a} is invalid")),
            }
            continue;
        }
        let Some(letters) = a.strip_prefix('-').filter(|l| !l.is_empty()) else {
            // GNU getopt moves operands to the end; the reference then
            // complains about them.
            loose.push(a.clone());
            continue;
        };
        for (at, c) in letters.char_indices() {
            if !"hicslDvtCefrbaAdSFmRwWkpq".contains(c) {
                return Err(format!("Option -{c} is invalid"));
            }
            if takes_value(c) {
                let rest = &letters[at + c.len_utf8()..];
                let v = if !rest.is_empty() {
                    Some(rest.to_string())
                } else {
                    let v = args.get(i).cloned();
                    i += 1;
                    v
                };
                let Some(v) = v else { return Err(format!("Option -{c} is invalid")) };
                out.push((c.to_string(), Some(v)));
                break;
            }
            out.push((c.to_string(), None));
        }
    }
    Ok((out, loose))
}

/// Runs one command line (or one line of a rules file). Errors are
/// printed here; Err(()) means one was.
fn run_line(
    client: &mut Client<NetlinkSocket>,
    args: &[String],
    file: Option<&mut FileFlags>,
) -> Result<(), ()> {
    let fail = |m: String| {
        eprintln!("{m}");
        Err(())
    };
    let (opts, loose) = match options(args) {
        Ok(x) => x,
        Err(m) => return fail(m),
    };
    let mut rule = RuleBuilder::new();
    let mut file = file;
    let has = |name: &str| opts.iter().any(|(n, _)| n == name);
    for (name, value) in &opts {
        let v = value.as_deref().unwrap_or("");
        let result: Result<(), String> = match name.as_str() {
            "k" if has("l") || has("D") => Ok(()),
            "a" | "A" | "d" | "S" | "F" | "C" | "w" | "W" | "p" | "k" => {
                let letter = name.chars().next().unwrap_or('?');
                rule.option(letter, v).unwrap_or(Ok(()))
            }
            "i" | "c" => match file.as_deref_mut() {
                Some(f) => {
                    if name == "i" {
                        f.ignore = true;
                    } else {
                        f.continue_on_error = true;
                    }
                    Ok(())
                }
                // -i with -l or -s asks for interpreted output.
                None if has("l") || has("s") => Ok(()),
                None => Ok(()),
            },
            "l" => return list(client, &opts),
            "s" => return status::print_status(client, has("i")),
            "D" => return delete_all(client, &opts),
            "e" | "f" | "r" | "b" | "backlog_wait_time" => return status::set(client, name, v),
            "reset-lost" => {
                return match client.reset_lost() {
                    Ok(old) => {
                        eprintln!("lost: {old}");
                        Ok(())
                    }
                    Err(e) => fail(format!("Error resetting lost count ({})", strerror(&e))),
                };
            }
            "reset_backlog_wait_time_actual" => {
                return match client.reset_backlog_wait_time_actual() {
                    Ok(old) => {
                        eprintln!("backlog_wait_time_actual: {old}");
                        Ok(())
                    }
                    Err(e) => {
                        fail(format!("Error resetting backlog_wait_time_actual ({})", strerror(&e)))
                    }
                };
            }
            "loginuid-immutable" => {
                return match client.set_feature(
                    raudit_netlink::proto::status::FEATURE_LOGINUID_IMMUTABLE,
                    true,
                    true,
                ) {
                    Ok(()) => Ok(()),
                    Err(e) => fail(format!("Error setting loginuid immutable ({})", strerror(&e))),
                };
            }
            "t" => {
                return match client.trim() {
                    Ok(()) => Ok(()),
                    Err(e) => fail(format!("Error sending trim request ({})", strerror(&e))),
                };
            }
            "q" => {
                let Some((mount, subtree)) = v.split_once(',').filter(|(_, s)| !s.is_empty())
                else {
                    return fail("Error parsing equivalent parts".into());
                };
                return match client.make_equiv(mount.as_bytes(), subtree.as_bytes()) {
                    Ok(()) => Ok(()),
                    Err(e) => fail(format!("Error sending make_equiv request ({})", strerror(&e))),
                };
            }
            "R" => Err("Error - nested rule files not supported".into()),
            "v" => {
                println!(
                    "auditctl version {REFERENCE_VERSION} (raudit {})",
                    env!("CARGO_PKG_VERSION")
                );
                return Ok(());
            }
            "h" => {
                print!("{}", usage());
                return Err(());
            }
            "m" => {
                if args.len() > 2 {
                    return fail(
                        "The -m option must be only the only option and takes 1 parameter".into(),
                    );
                }
                return user_message(client, v);
            }
            "signal" => return signal(client, v),
            other => Err(format!("Option -{other} is invalid")),
        };
        for warning in rule.take_warnings() {
            eprintln!("{warning}");
        }
        if let Err(m) = result {
            return fail(m);
        }
    }
    if !loose.is_empty() {
        return fail("parameter passed without an option given".into());
    }
    let Some((op, data)) = rule.finish() else { return Ok(()) };
    if let Ok(st) = client.get_status()
        && st.enabled == 2
    {
        println!("The audit system is in immutable mode, no rule changes allowed");
        return Ok(());
    }
    let (verb, sent) = match op {
        RuleOp::Add | RuleOp::Prepend => ("add", client.add_rule(&data)),
        RuleOp::Delete => ("delete", client.delete_rule(&data)),
    };
    match sent {
        Ok(()) => Ok(()),
        Err(e) => fail(format!("Error sending {verb} rule data request ({})", strerror(&e))),
    }
}

/// `-m TEXT`: a USER record, with the fields libaudit's
/// audit_log_user_message adds (exe, hostname, addr, terminal, res).
fn user_message(client: &mut Client<NetlinkSocket>, text: &str) -> Result<(), ()> {
    // COMPAT: auditctl.c: a signed char test, so bytes >= 128 are refused
    // along with control characters.
    if text.bytes().any(|b| !(32..128).contains(&b)) {
        eprintln!("Illegal character in audit event");
        return Err(());
    }
    let exe = std::fs::read_link("/proc/self/exe")
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "?".into());
    let tty = (0..3).find_map(|fd| {
        let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
        let link = link.to_string_lossy().into_owned();
        let is_tty = link.starts_with("/dev/pts/")
            || link.starts_with("/dev/tty")
            || link.starts_with("/dev/console");
        is_tty.then(|| link.strip_prefix("/dev/").unwrap_or(&link).to_string())
    });
    let host =
        tty.as_ref().filter(|t| t.starts_with("pts") || t.starts_with("tty")).and_then(|_| {
            std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string())
        });
    let addr = host
        .as_ref()
        .and_then(|h| std::net::ToSocketAddrs::to_socket_addrs(&(h.as_str(), 0)).ok()?.next())
        .map_or_else(|| "?".to_string(), |a| a.ip().to_string());
    let message = format!(
        "text={text} exe={exe} hostname={} addr={addr} terminal={} res=success",
        host.as_deref().unwrap_or("?"),
        tty.as_deref().unwrap_or("?")
    );
    match client.send_user_message(raudit_netlink::proto::msg::AUDIT_USER, message.as_bytes()) {
        Ok(()) => Ok(()),
        // libaudit treats a kernel without audit as success for these.
        Err(e) if e.errno() == Some(libc::ECONNREFUSED) => Ok(()),
        Err(e) => {
            eprintln!("Error sending user message ({})", strerror(&e));
            Err(())
        }
    }
}

/// `--signal SIG`: send SIG to the registered audit daemon.
fn signal(client: &mut Client<NetlinkSocket>, name: &str) -> Result<(), ()> {
    let sig = match name.to_ascii_uppercase().trim_start_matches("SIG") {
        "TERM" => libc::SIGTERM,
        "HUP" => libc::SIGHUP,
        "USR1" => libc::SIGUSR1,
        "USR2" => libc::SIGUSR2,
        "CONT" => libc::SIGCONT,
        _ => {
            eprintln!("{name} is an unsupported signal");
            return Err(());
        }
    };
    let pid = match client.get_status() {
        Ok(st) => st.pid,
        Err(e) => {
            eprintln!("Error getting audit status ({})", strerror(&e));
            return Err(());
        }
    };
    if pid == 0 {
        // COMPAT: auditctl.c: a missing daemon is reported, not an error.
        eprintln!("Auditd is not running");
        return Ok(());
    }
    // SAFETY: kill with a pid the kernel reported and a valid signal number.
    if unsafe { libc::kill(pid as libc::pid_t, sig) } != 0 {
        eprintln!("Failed sending signal to auditd ({})", std::io::Error::last_os_error());
        return Err(());
    }
    Ok(())
}

fn key_filter(opts: &[Opt]) -> Option<Vec<u8>> {
    opts.iter().find(|(n, _)| n == "k").and_then(|(_, v)| v.as_ref()).map(|v| v.as_bytes().to_vec())
}

fn matches_key(r: &raudit_netlink::proto::RuleData, key: &Option<Vec<u8>>) -> bool {
    match key {
        None => true,
        Some(k) => {
            r.key().is_some_and(|have| have.windows(k.len().max(1)).any(|w| w == k.as_slice()))
        }
    }
}

/// `-l` and `-l -k KEY`.
fn list(client: &mut Client<NetlinkSocket>, opts: &[Opt]) -> Result<(), ()> {
    if opts.iter().any(|(n, _)| n == "i") {
        eprintln!("auditctl: -l -i is not implemented yet in raudit");
        return Err(());
    }
    let rules = match client.list_rules() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error receiving rules list ({})", strerror(&e));
            return Err(());
        }
    };
    print_rules(&rules, &key_filter(opts));
    Ok(())
}

fn print_rules(rules: &[raudit_netlink::proto::RuleData], key: &Option<Vec<u8>>) {
    if rules.is_empty() {
        println!("No rules");
        return;
    }
    let mut lister = Lister::new();
    for r in rules.iter().filter(|r| matches_key(r, key)) {
        println!("{}", lister.line(r));
    }
}

/// `-D` and `-D -k KEY`: delete, then list what is left.
fn delete_all(client: &mut Client<NetlinkSocket>, opts: &[Opt]) -> Result<(), ()> {
    let key = key_filter(opts);
    let rules = match client.list_rules() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error receiving rules list ({})", strerror(&e));
            return Err(());
        }
    };
    for r in rules.iter().filter(|r| matches_key(r, &key)) {
        if let Err(e) = client.delete_rule(r) {
            eprintln!("Error deleting rule ({})", strerror(&e));
            return Err(());
        }
    }
    let left = client.list_rules().unwrap_or_default();
    print_rules(&left, &key);
    Ok(())
}

/// `--check FILE`: problems, then each rule's cost; exit 1 when there are
/// problems.
fn check_file(path: &str) -> ExitCode {
    let text = match std::fs::read(path) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) => {
            eprintln!("auditctl: cannot read {path}: {e}");
            return ExitCode::from(1);
        }
    };
    let findings = raudit_rules::lint::check(&text, &|p| std::path::Path::new(p).exists());
    let mut problems = 0;
    for f in &findings {
        if f.problem {
            problems += 1;
            println!("{path}:{}: {}", f.line, f.text);
        }
    }
    for f in findings.iter().filter(|f| !f.problem) {
        println!("{path}:{}: {}", f.line, f.text);
    }
    println!("{problems} problem(s)");
    if problems > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// `-c` and `-i` inside a rules file.
#[derive(Default)]
struct FileFlags {
    continue_on_error: bool,
    ignore: bool,
}

/// `auditctl -R FILE`.
fn file_mode(client: &mut Client<NetlinkSocket>, path: &str) -> ExitCode {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => {
            eprintln!("audit rules file {path} doesn't exist");
            return ExitCode::from(1);
        }
    };
    if meta.uid() != 0 {
        eprintln!("Error - {path} isn't owned by root");
        return ExitCode::from(1);
    }
    if meta.mode() & 0o002 != 0 {
        eprintln!("Error - {path} is world writable");
        return ExitCode::from(1);
    }
    if !meta.is_file() {
        eprintln!("Error - {path} is not a regular file");
        return ExitCode::from(1);
    }
    let text = match std::fs::read(path) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) => {
            eprintln!("Error opening {path} ({e})");
            return ExitCode::from(1);
        }
    };
    let mut flags = FileFlags::default();
    let mut failed = false;
    for line in rules_file::parse(&text) {
        if line.args.iter().any(|a| a == "-R") {
            eprintln!("Error - nested rule files not supported");
            eprintln!("There was an error in line {} of {path}", line.number);
            failed = true;
        } else if run_line(client, &line.args, Some(&mut flags)).is_err() {
            eprintln!("There was an error in line {} of {path}", line.number);
            failed = true;
        } else {
            continue;
        }
        if !flags.continue_on_error && !flags.ignore {
            return ExitCode::from(1);
        }
    }
    if failed && !flags.ignore { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
