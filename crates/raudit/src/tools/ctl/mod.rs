//! `auditctl` / `raudit ctl`: rules and settings of the kernel's audit
//! system, with the reference's options, output and exit codes.
//!
//! The option loop follows the reference's setopt(): GNU getopt with its
//! permutation, processing in order until an option fails, the same
//! checks of the argument count for `-l`, `-s`, `-D` and `-m`, and the
//! kernel replies read in the order they were asked for.

mod getopt;
mod status;

use std::collections::VecDeque;
use std::process::ExitCode;

use raudit_netlink::proto::{Features, RuleData, Status};
use raudit_netlink::{Client, Error as NlError, NetlinkSocket};
use raudit_rules::{Lister, RuleBuilder, RuleOp, rules_file};

use crate::Invocation;
use getopt::{Getopt, Got, HasArg, LongOpt};

/// The reference's version, which scripts test.
const REFERENCE_VERSION: &str = "3.0.9";
/// Exit code of every command-line error (the reference's -1).
const EXIT_ERROR: u8 = 255;
const SHORTS: &str = "hicslDvtC:e:f:r:b:a:A:d:S:F:m:R:w:W:k:p:q:";
const LONGS: &[LongOpt] = &[
    ("loginuid-immutable", HasArg::No, 1),
    ("backlog_wait_time", HasArg::Required, 2),
    ("reset-lost", HasArg::No, 3),
    ("reset_backlog_wait_time_actual", HasArg::No, 4),
    ("signal", HasArg::Required, 5),
];
/// setopt's results: deprecated rule (eaten), done with no reply to
/// read, error, reply to read, rule to send.
const DEPRECATED: i32 = -3;
const DONE: i32 = -2;
const FAILED: i32 = -1;

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
    if args.len() == 2 && args[0] == "--check" {
        return check_file(&args[1]);
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
    let mut ctl = Ctl::new(&mut client);
    if args.len() == 2 && args[0] == "-R" {
        if !ctl.is_ready() {
            return ExitCode::SUCCESS;
        }
        return match ctl.file(&args[1]) {
            Ok(()) if ctl.continue_error < 0 => ExitCode::from(1),
            Ok(()) => ExitCode::SUCCESS,
            Err(()) => ExitCode::from(1),
        };
    }
    let argv: Vec<String> = std::iter::once("auditctl".to_string()).chain(args).collect();
    let mut rule = RuleBuilder::new();
    let retval = ctl.setopt(&mut rule, argv, 0);
    if retval == DEPRECATED {
        return ExitCode::SUCCESS;
    }
    if rule.has_rule() && !ctl.is_ready() {
        return ExitCode::SUCCESS;
    }
    match ctl.handle_request(rule, retval) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Exit::Usage) => ExitCode::from(1),
        Err(Exit::Failed) => ExitCode::from(EXIT_ERROR),
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

enum Exit {
    Failed,
    /// handle_request printed the usage text (exit 1).
    Usage,
}

/// A kernel reply waiting to be read (the reference asks, then reads
/// later: a status asked for by `-b` is what a later `-l` reads first).
enum Reply {
    Status(Status),
    Features(Features),
    Rules(Vec<RuleData>),
}

/// The reference's globals that live across the lines of a rules file.
struct Ctl<'c> {
    client: &'c mut Client<NetlinkSocket>,
    replies: VecDeque<Reply>,
    interpret: bool,
    list_requested: bool,
    /// The `-l -k`/`-D -k` key the listing is filtered by.
    list_key: Option<Vec<u8>>,
    ignore: bool,
    continue_error: i32,
}

fn say(line: usize, m: &str) {
    let _ = line;
    eprintln!("{m}");
}

impl<'c> Ctl<'c> {
    fn new(client: &'c mut Client<NetlinkSocket>) -> Ctl<'c> {
        Ctl {
            client,
            replies: VecDeque::new(),
            interpret: false,
            list_requested: false,
            list_key: None,
            ignore: false,
            continue_error: 0,
        }
    }

    /// is_ready: no rule changes while audit is locked.
    fn is_ready(&mut self) -> bool {
        if let Ok(st) = self.client.get_status()
            && st.enabled == 2
        {
            eprintln!("The audit system is in immutable mode, no rule changes allowed");
            return false;
        }
        true
    }

    fn request_status(&mut self) -> bool {
        match self.client.get_status() {
            Ok(st) => {
                self.replies.push_back(Reply::Status(st));
                true
            }
            Err(e) => {
                eprintln!("Error sending status request ({})", strerror(&e));
                false
            }
        }
    }

    fn request_rules(&mut self) -> bool {
        match self.client.list_rules() {
            Ok(r) => {
                self.replies.push_back(Reply::Rules(r));
                self.list_requested = true;
                true
            }
            Err(e) => {
                eprintln!("Error sending rule list data request ({})", strerror(&e));
                false
            }
        }
    }

    /// get_reply: prints the first reply waiting.
    fn get_reply(&mut self) {
        let Some(reply) = self.replies.pop_front() else { return };
        match reply {
            Reply::Status(st) => print!("{}", status::block(&st, self.interpret)),
            Reply::Features(f) => status::print_features(&f),
            Reply::Rules(rules) => {
                self.list_requested = false;
                print_rules(&rules, &self.list_key, self.interpret);
            }
        }
    }

    /// One command line (or rules-file line): the reference's setopt().
    fn setopt(&mut self, rule: &mut RuleBuilder, argv: Vec<String>, lineno: usize) -> i32 {
        rule.set_line(lineno);
        let mut count = argv.len();
        let mut g = Getopt::new(argv, SHORTS, LONGS);
        let mut retval = 0;
        let fail = |m: &str| {
            say(lineno, m);
            FAILED
        };
        while retval >= 0 {
            let Some(got) = g.next() else { break };
            let (c, optarg) = match got {
                Got::Opt(c, a) => (c, a),
                Got::Bad => {
                    let bad = if g.optind >= 2 { g.argv[g.optind - 1].clone() } else { " ".into() };
                    retval = if lineno > 0 {
                        fail(&format!("Option {bad} on line {lineno} is invalid"))
                    } else {
                        fail(&format!("Option {bad} is invalid"))
                    };
                    continue;
                }
            };
            let v = optarg.clone().unwrap_or_default();
            let at = |i: usize| g.argv.get(i).map(String::as_str);
            let letter = u8::try_from(c).map_or('\0', char::from);
            match letter {
                'h' => {
                    print!("{}", usage());
                    retval = FAILED;
                }
                'i' => {
                    self.ignore = true;
                    retval = DONE;
                }
                'c' => {
                    self.ignore = true;
                    self.continue_error = 1;
                    retval = DONE;
                }
                's' => {
                    if count > 3 {
                        retval = fail("Too many options for status command");
                        continue;
                    } else if g.optind == 2 && count == 3 {
                        if at(g.optind) == Some("-i") {
                            self.interpret = true;
                            count -= 1;
                        } else {
                            retval = fail("Only -i option is allowed");
                            continue;
                        }
                    }
                    retval = self.report_status();
                }
                'e' | 'f' => {
                    let what = if letter == 'e' { "Enable" } else { "Failure" };
                    let Some(n) = ["0", "1", "2"].iter().position(|&x| x == v) else {
                        retval = fail(&format!("{what} must be 0, 1, or 2 was {v}"));
                        continue;
                    };
                    let sent = if letter == 'e' {
                        self.client.set_enabled(n as u32)
                    } else {
                        self.client.set_failure(n as u32)
                    };
                    match sent {
                        Ok(()) => {
                            self.request_status();
                        }
                        Err(e) => {
                            let req = if letter == 'e' { "enable" } else { "failure mode" };
                            say(lineno, &format!("Error sending {req} request ({})", strerror(&e)));
                            if letter == 'f' {
                                return FAILED;
                            }
                            retval = FAILED;
                        }
                    }
                }
                'r' | 'b' => {
                    let (what, conv, req) = if letter == 'r' {
                        ("Rate", "rate", "rate limit")
                    } else {
                        ("Backlog", "backlog", "backlog limit")
                    };
                    match self.set_number(letter, &v) {
                        Number::Set => {}
                        Number::NotNumeric => {
                            retval = fail(&format!("{what} must be a numeric value was {v}"));
                        }
                        Number::Overflow => {
                            say(lineno, &format!("Error converting {conv}"));
                            return FAILED;
                        }
                        Number::Failed(e) => {
                            say(lineno, &format!("Error sending {req} request ({e})"));
                            return FAILED;
                        }
                    }
                }
                'l' => {
                    if count > 4 {
                        retval = fail("Wrong number of options for list request");
                        continue;
                    }
                    if count == 3 {
                        if at(g.optind) == Some("-i") {
                            self.interpret = true;
                            count -= 1;
                        } else {
                            retval = fail("Only -k or -i options are allowed");
                            continue;
                        }
                    } else if count == 4 {
                        if at(g.optind) == Some("-k") {
                            self.list_key =
                                at(3).map(|k| k.as_bytes()[..k.len().min(256)].to_vec());
                            count -= 2;
                        } else {
                            retval = fail("Only -k or -i options are allowed");
                            continue;
                        }
                    }
                    if self.request_rules() {
                        self.get_reply();
                        self.list_requested = true;
                        retval = DONE;
                    } else {
                        retval = FAILED;
                    }
                }
                'a' | 'A' | 'd' | 'S' | 'C' | 'w' | 'W' | 'p' | 'k' => {
                    match rule.option(letter, &v).unwrap_or(Ok(())) {
                        Ok(()) => {
                            if matches!(letter, 'a' | 'A' | 'd' | 'w' | 'W' | 'p') {
                                retval = 1;
                            }
                        }
                        Err(m) => {
                            for w in rule.take_warnings() {
                                say(lineno, &w);
                            }
                            say(lineno, &m);
                            if rule.deprecated() {
                                return DEPRECATED;
                            }
                            // COMPAT: auditctl.c: -S on a list without
                            // syscalls returns at once (no key, no check of
                            // the arguments left).
                            if letter == 'S' && m.starts_with("Error: syscall auditing") {
                                return FAILED;
                            }
                            retval = FAILED;
                        }
                    }
                    for w in rule.take_warnings() {
                        say(lineno, &w);
                    }
                }
                'F' => {
                    let arch_with_t = !rule.has_rule()
                        && g.optind < count
                        && v.contains("arch=")
                        && at(g.optind) == Some("-t");
                    if let Err(m) = rule.field_opt(&v, arch_with_t) {
                        retval = fail(&m);
                    }
                    for w in rule.take_warnings() {
                        say(lineno, &w);
                    }
                }
                'm' => {
                    if count > 3 {
                        retval = fail(
                            "The -m option must be only the only option and takes 1 parameter",
                        );
                        continue;
                    }
                    return match user_message(self.client, &v) {
                        Ok(()) => DONE,
                        Err(()) => FAILED,
                    };
                }
                'R' => retval = fail("Error - nested rule files not supported"),
                'D' => {
                    if count > 4 || count == 3 {
                        retval = fail("Wrong number of options for Delete all request");
                        continue;
                    }
                    if count == 4 {
                        if at(g.optind) == Some("-k") {
                            self.list_key =
                                at(3).map(|k| k.as_bytes()[..k.len().min(256)].to_vec());
                            count -= 2;
                        } else {
                            retval = fail("Only the -k option is allowed");
                            continue;
                        }
                    }
                    retval = match self.delete_all() {
                        Ok(()) => {
                            if self.request_rules() {
                                self.get_reply();
                            }
                            self.list_key = None;
                            DONE
                        }
                        Err(()) => FAILED,
                    };
                }
                'q' => {
                    if rule.syscall_added() {
                        retval = fail("Syscall auditing requested for make equivalent");
                        continue;
                    }
                    let parts =
                        v.split_once(',').filter(|(_, s)| !s.is_empty() && !s.contains(','));
                    let Some((mount, subtree)) = parts else {
                        retval = fail("Error parsing equivalent parts");
                        continue;
                    };
                    match self.client.make_equiv(mount.as_bytes(), subtree.as_bytes()) {
                        Ok(()) => return DONE,
                        Err(e) => {
                            say(
                                lineno,
                                &format!(
                                    "Error sending make_equivalent command ({})",
                                    strerror(&e)
                                ),
                            );
                            retval = FAILED;
                        }
                    }
                }
                't' => match self.client.trim() {
                    Ok(()) => return DONE,
                    Err(e) => {
                        say(
                            lineno,
                            &format!("Error sending trim subtrees command ({})", strerror(&e)),
                        );
                        retval = FAILED;
                    }
                },
                'v' => {
                    println!(
                        "auditctl version {REFERENCE_VERSION} (raudit {})",
                        env!("CARGO_PKG_VERSION")
                    );
                    retval = DONE;
                }
                _ => match c {
                    1 => {
                        match self.client.set_feature(
                            raudit_netlink::proto::status::FEATURE_LOGINUID_IMMUTABLE,
                            true,
                            true,
                        ) {
                            Ok(()) => return DONE,
                            Err(e) => {
                                say(lineno, &format!("Error setting feature ({})", strerror(&e)));
                                retval = FAILED;
                            }
                        }
                    }
                    2 => match self.set_number('w', &v) {
                        Number::Set => {}
                        Number::NotNumeric => {
                            retval =
                                fail(&format!("Backlog_wait_time must be a numeric value was {v}"));
                        }
                        Number::Overflow => {
                            say(lineno, "Error converting backlog_wait_time");
                            return FAILED;
                        }
                        Number::Failed(e) => {
                            say(lineno, &format!("Error sending backlog limit request ({e})"));
                            return FAILED;
                        }
                    },
                    3 => match self.client.reset_lost() {
                        Ok(old) => {
                            say(lineno, &format!("lost: {old}"));
                            return DONE;
                        }
                        Err(e) => {
                            say(
                                lineno,
                                &format!("Error sending lost reset request ({})", strerror(&e)),
                            );
                            retval = FAILED;
                        }
                    },
                    4 => match self.client.reset_backlog_wait_time_actual() {
                        Ok(old) => {
                            say(lineno, &format!("backlog_wait_time_actual: {old}"));
                            return DONE;
                        }
                        Err(e) => {
                            say(
                                lineno,
                                &format!(
                                    "Error sending backlog wait time actual reset request ({})",
                                    strerror(&e)
                                ),
                            );
                            retval = FAILED;
                        }
                    },
                    _ => {
                        retval = match signal(self.client, &v) {
                            Ok(()) => DONE,
                            Err(()) => FAILED,
                        }
                    }
                },
            }
        }
        // Catch extra arguments, or "- s".
        if g.optind == 1 {
            retval = FAILED;
        } else if g.optind < count && retval != FAILED {
            say(lineno, "parameter passed without an option given");
            retval = FAILED;
        }
        // The keys become one field, after all options.
        if rule.has_key()
            && !self.list_requested
            && let Err(m) = rule.append_key()
        {
            say(lineno, &m);
            retval = FAILED;
        }
        retval
    }

    /// `-r`, `-b`, `--backlog_wait_time`: strtoul (base 0, any tail).
    fn set_number(&mut self, which: char, v: &str) -> Number {
        if !raudit_rules::cnum::starts_with_digit(v) {
            return Number::NotNumeric;
        }
        let p = raudit_rules::cnum::parse(v, 0);
        if p.overflow_unsigned {
            return Number::Overflow;
        }
        let n = p.unsigned as u32;
        let sent = match which {
            'r' => self.client.set_rate_limit(n),
            'b' => self.client.set_backlog_limit(n),
            _ => self.client.set_backlog_wait_time(n),
        };
        match sent {
            Ok(()) => {
                self.request_status();
                Number::Set
            }
            Err(e) => Number::Failed(strerror(&e)),
        }
    }

    /// `-s`: the status, then the features (each read at once).
    fn report_status(&mut self) -> i32 {
        if !self.request_status() {
            return FAILED;
        }
        self.get_reply();
        if let Ok(f) = self.client.get_features() {
            self.replies.push_back(Reply::Features(f));
            self.get_reply();
        }
        DONE
    }

    /// delete_all_rules: the rules matching the key, deleted one by one
    /// (replies still waiting are read and dropped on the way).
    fn delete_all(&mut self) -> Result<(), ()> {
        let rules = match self.client.list_rules() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("Error receiving rules list ({})", strerror(&e));
                return Err(());
            }
        };
        self.replies.clear();
        for r in rules.iter().filter(|r| matches_key(r, &self.list_key)) {
            if let Err(e) = self.client.delete_rule(r) {
                eprintln!("Error deleting rule ({})", strerror(&e));
                return Err(());
            }
        }
        Ok(())
    }

    /// handle_request: read the reply, or send the rule.
    fn handle_request(&mut self, rule: RuleBuilder, status: i32) -> Result<(), Exit> {
        if status == 0 {
            if rule.syscall_added() {
                eprintln!("Error - no list specified");
                return Err(Exit::Failed);
            }
            self.get_reply();
            return Ok(());
        }
        if status == DONE {
            return Ok(());
        }
        if status < 0 {
            return Err(Exit::Failed);
        }
        let Some((op, mut data)) = rule.finish() else {
            print!("{}", usage());
            return Err(Exit::Usage);
        };
        let send = |client: &mut Client<NetlinkSocket>, data: &RuleData| match op {
            RuleOp::Add | RuleOp::Prepend => client.add_rule(data),
            RuleOp::Delete => client.delete_rule(data),
        };
        let verb = if op == RuleOp::Delete { "delete" } else { "add" };
        match send(self.client, &data) {
            Ok(()) => Ok(()),
            Err(e) => {
                // Legacy kernels: a directory watch is retried as a watch.
                if e.errno() == Some(libc::EINVAL)
                    && data.fields.first() == Some(&raudit_rules::field::DIR)
                {
                    data.fields[0] = raudit_rules::field::WATCH;
                    if let Err(e) = send(self.client, &data) {
                        if op == RuleOp::Delete && e.errno() == Some(libc::ENOENT) {
                            eprintln!("Error sending delete rule request (No rule matches)");
                        } else {
                            eprintln!("Error sending {verb} rule data request ({})", strerror(&e));
                        }
                        return Err(Exit::Failed);
                    }
                    return Ok(());
                }
                eprintln!("Error sending {verb} rule data request ({})", strerror(&e));
                Err(Exit::Failed)
            }
        }
    }

    /// `auditctl -R FILE` (fileopt): Err when the file cannot be used or
    /// a line failed and errors are not ignored.
    fn file(&mut self, path: &str) -> Result<(), ()> {
        use std::os::unix::fs::MetadataExt;
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("audit rules file {path} doesn't exist");
                return Err(());
            }
            Err(e) => {
                eprintln!("Error opening {path} ({})", os_error_text(&e));
                return Err(());
            }
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                eprintln!("Error fstat'ing {path} ({})", os_error_text(&e));
                return Err(());
            }
        };
        if meta.uid() != 0 {
            eprintln!("Error - {path} isn't owned by root");
            return Err(());
        }
        if meta.mode() & 0o002 != 0 {
            eprintln!("Error - {path} is world writable");
            return Err(());
        }
        if !meta.is_file() {
            eprintln!("Error - {path} is not a regular file");
            return Err(());
        }
        let mut bytes = Vec::new();
        if let Err(e) = std::io::Read::read_to_end(&mut &file, &mut bytes) {
            eprintln!("Error opening {path} ({})", os_error_text(&e));
            return Err(());
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        for line in rules_file::parse(&text) {
            let argv: Vec<String> =
                std::iter::once("auditctl".to_string()).chain(line.args.clone()).collect();
            self.list_requested = false;
            let mut rule = RuleBuilder::new();
            let rc = self.setopt(&mut rule, argv, line.number);
            if rc == DEPRECATED {
                continue;
            }
            if self.handle_request(rule, rc).is_err() {
                eprintln!("There was an error in line {} of {path}", line.number);
                if !self.ignore {
                    return Err(());
                }
                if self.continue_error != 0 {
                    self.continue_error = -1;
                }
            }
        }
        Ok(())
    }
}

/// What setting a number did.
enum Number {
    Set,
    NotNumeric,
    Overflow,
    Failed(String),
}

fn os_error_text(e: &std::io::Error) -> String {
    e.to_string().split(" (os error").next().unwrap_or_default().to_string()
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
    // COMPAT: auditctl.c: strcasecmp with the bare names (no SIG prefix).
    let sig = match name.to_ascii_uppercase().as_str() {
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

fn matches_key(r: &RuleData, key: &Option<Vec<u8>>) -> bool {
    match key {
        None => true,
        Some(k) if k.is_empty() => true,
        Some(k) => {
            let strings = r.field_strings();
            r.fields.iter().zip(&strings).any(|(&f, s)| {
                f == raudit_rules::field::KEY
                    && s.is_some_and(|have| have.windows(k.len()).any(|w| w == k.as_slice()))
            })
        }
    }
}

fn print_rules(rules: &[RuleData], key: &Option<Vec<u8>>, interpret: bool) {
    if rules.is_empty() {
        println!("No rules");
        return;
    }
    let mut lister = if interpret { Lister::interpreting() } else { Lister::new() };
    for r in rules.iter().filter(|r| matches_key(r, key)) {
        println!("{}", lister.line(r));
    }
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
