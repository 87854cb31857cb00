//! auditctl's engine: command lines and rules files applied to the kernel
//! through a netlink [`Client`], with the reference's output, so that
//! auditctl, augenrules and the daemon share one implementation.
//!
//! A line is read as the reference's setopt() reads it: GNU getopt with its
//! permutation, each option decoded into a [`Command`] and applied in
//! order until one fails, with the kernel replies read in the order they
//! were asked for. Output goes to the two writers given to the [`Engine`]
//! (the reference's stdout and stderr) as it happens; the typed result says
//! what failed, with the file and line for rules files.

mod command;
mod error;
mod flags;
mod getopt;
mod kernel;
mod status;

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;

use raudit_netlink::proto::{Features, RuleData, Status};
use raudit_netlink::{Client, Transport};
use raudit_tables::REFERENCE_VERSION;

use crate::builder::{RuleBuilder, RuleOp};
use crate::list::Lister;
use crate::rules_file;
use command::{Context, long};
use getopt::{Getopt, Got, HasArg, LongOpt};
use kernel::{Signalled, kernel};

pub use command::Command;
pub use error::{Grammar, Request, RuleError};
pub use flags::{FLAGS, usage};

const SHORTS: &str = "hicslDvtC:e:f:r:b:a:A:d:S:F:m:R:w:W:k:p:q:";
const LONGS: &[LongOpt] = &[
    ("loginuid-immutable", HasArg::No, long::LOGINUID_IMMUTABLE),
    ("backlog_wait_time", HasArg::Required, long::BACKLOG_WAIT_TIME),
    ("reset-lost", HasArg::No, long::RESET_LOST),
    ("reset_backlog_wait_time_actual", HasArg::No, long::RESET_BACKLOG_WAIT_TIME_ACTUAL),
    ("signal", HasArg::Required, long::SIGNAL),
];

/// A kernel reply waiting to be read (the reference asks, then reads
/// later: a status asked for by `-b` is what a later `-l` reads first).
enum Reply {
    Status(Status),
    Features(Features),
    Rules(Vec<RuleData>),
}

/// How a line ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Options read, nothing sent: a reply may wait to be read.
    Read,
    /// A list was chosen: the rule is to be sent.
    Rule,
    /// Done; nothing more to do.
    Done,
    /// `possible`: the reference eats the line.
    Deprecated,
}

/// What applying one command leaves for the line.
enum Effect {
    /// The line goes on as it was.
    Keep,
    /// A list was chosen.
    Rule,
    /// Done, but the options left are still read (and keys checked).
    Done,
    /// Done; the line ends here.
    Finished,
}

/// What a rules file did when it was not refused as a whole.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Lines that failed while `-i` or `-c` said to go on.
    pub ignored: Vec<RuleError>,
    /// `-c` was given and a line failed: the load fails at the end.
    pub failed: bool,
}

/// The reference's globals that live across the lines of a rules file,
/// and where output goes.
pub struct Engine<'a, T: Transport> {
    client: &'a mut Client<T>,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    replies: VecDeque<Reply>,
    interpret: bool,
    list_requested: bool,
    /// The `-l -k`/`-D -k` key the listing is filtered by.
    list_key: Option<Vec<u8>>,
    ignore: bool,
    continue_error: i32,
}

// Writes to the output streams are best effort, as the reference's stdio.
macro_rules! put {
    ($w:expr, $($arg:tt)*) => {{
        let _ = write!($w, $($arg)*);
    }};
}

impl<'a, T: Transport> Engine<'a, T> {
    /// An engine on `client` writing the reference's stdout to `out` and
    /// its stderr to `err`.
    pub fn new(client: &'a mut Client<T>, out: &'a mut dyn Write, err: &'a mut dyn Write) -> Self {
        Engine {
            client,
            out,
            err,
            replies: VecDeque::new(),
            interpret: false,
            list_requested: false,
            list_key: None,
            ignore: false,
            continue_error: 0,
        }
    }

    fn say(&mut self, e: &RuleError) {
        if !e.is_silent() {
            put!(self.err, "{e}\n");
        }
    }

    /// is_ready: no rule changes while audit is locked (says so when not).
    pub fn is_ready(&mut self) -> bool {
        if let Ok(st) = self.client.get_status()
            && st.enabled == 2
        {
            put!(self.err, "The audit system is in immutable mode, no rule changes allowed\n");
            return false;
        }
        true
    }

    /// One command line (without the program name), as auditctl runs it.
    /// Messages are already written when this returns an error.
    pub fn run_args(&mut self, args: &[String]) -> Result<(), RuleError> {
        let argv: Vec<String> =
            std::iter::once("auditctl".to_string()).chain(args.iter().cloned()).collect();
        let mut rule = RuleBuilder::new();
        let line = self.setopt(&mut rule, argv, 0);
        // COMPAT: auditctl.c main: a locked system ends even a failed line
        // quietly once a list was chosen.
        if matches!(line, Ok(Line::Deprecated)) || (rule.has_rule() && !self.is_ready()) {
            return Ok(());
        }
        self.handle_request(rule, line?)
    }

    /// `-R FILE` (fileopt): every line of a rules file. Err when the file
    /// cannot be used, or a line failed and errors are not ignored (then
    /// [`RuleError::AtLine`] says which). Messages are already written.
    pub fn load_file(&mut self, path: &Path) -> Result<Loaded, RuleError> {
        let text = match read_rules_file(path) {
            Ok(t) => t,
            Err(e) => {
                self.say(&e);
                return Err(e);
            }
        };
        let mut loaded = Loaded::default();
        for line in rules_file::parse(&text) {
            let argv: Vec<String> =
                std::iter::once("auditctl".to_string()).chain(line.args).collect();
            self.list_requested = false;
            let mut rule = RuleBuilder::new();
            let done = match self.setopt(&mut rule, argv, line.number) {
                Ok(Line::Deprecated) => continue,
                Ok(l) => self.handle_request(rule, l),
                Err(e) => Err(e),
            };
            let Err(e) = done else { continue };
            put!(self.err, "There was an error in line {} of {}\n", line.number, path.display());
            let e = RuleError::AtLine {
                file: path.to_path_buf(),
                line: line.number,
                source: Box::new(e),
            };
            if !self.ignore {
                return Err(e);
            }
            if self.continue_error != 0 {
                self.continue_error = -1;
            }
            loaded.ignored.push(e);
        }
        loaded.failed = self.continue_error < 0;
        Ok(loaded)
    }

    fn request_status(&mut self) -> Result<(), RuleError> {
        match self.client.get_status() {
            Ok(st) => {
                self.replies.push_back(Reply::Status(st));
                Ok(())
            }
            Err(e) => Err(kernel(Request::Status, &e)),
        }
    }

    fn request_rules(&mut self) -> Result<(), RuleError> {
        match self.client.list_rules() {
            Ok(r) => {
                self.replies.push_back(Reply::Rules(r));
                self.list_requested = true;
                Ok(())
            }
            Err(e) => Err(kernel(Request::ListRules, &e)),
        }
    }

    /// get_reply: prints the first reply waiting.
    fn get_reply(&mut self) {
        let Some(reply) = self.replies.pop_front() else { return };
        match reply {
            Reply::Status(st) => put!(self.out, "{}", status::block(&st, self.interpret)),
            Reply::Features(f) => {
                if let Some(text) = status::features(&f) {
                    put!(self.out, "{text}");
                }
            }
            Reply::Rules(rules) => {
                self.list_requested = false;
                self.print_rules(&rules);
            }
        }
    }

    fn print_rules(&mut self, rules: &[RuleData]) {
        if rules.is_empty() {
            put!(self.out, "No rules\n");
            return;
        }
        let mut lister = if self.interpret { Lister::interpreting() } else { Lister::new() };
        for r in rules.iter().filter(|r| matches_key(r, &self.list_key)) {
            put!(self.out, "{}\n", lister.line(r));
        }
    }

    /// After a setting: the status is asked for (and read later). A
    /// failure to ask is said, and does not fail the setting.
    fn then_status(&mut self) -> Result<Effect, RuleError> {
        if let Err(e) = self.request_status() {
            self.say(&e);
        }
        Ok(Effect::Keep)
    }

    /// One command line (or rules-file line): the reference's setopt().
    fn setopt(
        &mut self,
        rule: &mut RuleBuilder,
        argv: Vec<String>,
        lineno: usize,
    ) -> Result<Line, RuleError> {
        rule.set_line(lineno);
        let mut count = argv.len();
        let mut g = Getopt::new(argv, SHORTS, LONGS);
        let mut line = Line::Read;
        let mut failed: Option<RuleError> = None;
        while failed.is_none() && line != Line::Done {
            let Some(got) = g.next() else { break };
            let decoded = match got {
                Got::Opt(c, value) => {
                    let cx = Context {
                        argv: &g.argv,
                        optind: g.optind,
                        count,
                        has_rule: rule.has_rule(),
                        syscall_added: rule.syscall_added(),
                    };
                    Command::decode(c, value.as_deref().unwrap_or(""), &cx)
                }
                Got::Bad => {
                    let bad = if g.optind >= 2 { g.argv[g.optind - 1].clone() } else { " ".into() };
                    Err(RuleError::InvalidOption { option: bad, line: lineno })
                }
            };
            let applied = match decoded {
                Ok(Some((cmd, used))) => {
                    count -= used;
                    self.apply(cmd, rule)
                }
                Ok(None) => Ok(Effect::Keep),
                Err(e) => Err(e),
            };
            // A rule option's warnings come before its error, after its success.
            for w in rule.take_warnings() {
                put!(self.err, "{w}\n");
            }
            match applied {
                Ok(Effect::Keep) => {}
                Ok(Effect::Rule) => line = Line::Rule,
                Ok(Effect::Done) => line = Line::Done,
                Ok(Effect::Finished) => return Ok(Line::Done),
                Err(RuleError::Build(b)) if b.is_deprecated() => {
                    self.say(&b.into());
                    return Ok(Line::Deprecated);
                }
                Err(e) => {
                    self.say(&e);
                    if e.ends_line_at_once() {
                        return Err(e);
                    }
                    failed = Some(e);
                }
            }
        }
        // Catch extra arguments, or "- s".
        if g.optind == 1 {
            failed.get_or_insert(RuleError::NoOption);
        } else if g.optind < count && failed.is_none() {
            let e = RuleError::from(Grammar::StrayParameter);
            self.say(&e);
            failed = Some(e);
        }
        // The keys become one field, after all options.
        if rule.has_key()
            && !self.list_requested
            && let Err(e) = rule.append_key()
        {
            let e = RuleError::from(e);
            self.say(&e);
            failed.get_or_insert(e);
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(line),
        }
    }

    /// Applies one decoded command to the kernel or the rule being built.
    fn apply(&mut self, cmd: Command, rule: &mut RuleBuilder) -> Result<Effect, RuleError> {
        let c = &mut *self.client;
        match cmd {
            Command::Help => {
                put!(self.out, "{}", usage());
                Err(RuleError::Help)
            }
            Command::IgnoreErrors => {
                self.ignore = true;
                Ok(Effect::Done)
            }
            Command::ContinueOnErrors => {
                self.ignore = true;
                self.continue_error = 1;
                Ok(Effect::Done)
            }
            Command::Status { interpret } => {
                self.interpret |= interpret;
                self.request_status()?;
                self.get_reply();
                if let Ok(f) = self.client.get_features() {
                    self.replies.push_back(Reply::Features(f));
                    self.get_reply();
                }
                Ok(Effect::Done)
            }
            Command::SetEnabled(n) => match c.set_enabled(n) {
                Ok(()) => self.then_status(),
                Err(e) => Err(kernel(Request::Enable, &e)),
            },
            Command::SetFailure(n) => match c.set_failure(n) {
                Ok(()) => self.then_status(),
                Err(e) => Err(kernel(Request::Failure, &e)),
            },
            Command::SetRateLimit(n) => match c.set_rate_limit(n) {
                Ok(()) => self.then_status(),
                Err(e) => Err(kernel(Request::RateLimit, &e)),
            },
            Command::SetBacklogLimit(n) => match c.set_backlog_limit(n) {
                Ok(()) => self.then_status(),
                Err(e) => Err(kernel(Request::BacklogLimit, &e)),
            },
            Command::SetBacklogWaitTime(n) => match c.set_backlog_wait_time(n) {
                Ok(()) => self.then_status(),
                Err(e) => Err(kernel(Request::BacklogLimit, &e)),
            },
            Command::List { interpret, key } => {
                self.interpret |= interpret;
                if key.is_some() {
                    self.list_key = key;
                }
                self.request_rules()?;
                self.get_reply();
                self.list_requested = true;
                Ok(Effect::Done)
            }
            Command::DeleteAll { key } => {
                if key.is_some() {
                    self.list_key = key;
                }
                self.delete_all()?;
                match self.request_rules() {
                    Ok(()) => self.get_reply(),
                    Err(e) => self.say(&e),
                }
                self.list_key = None;
                Ok(Effect::Done)
            }
            Command::Rule { letter, value } => match rule.option(letter, &value) {
                Some(Ok(())) if matches!(letter, 'a' | 'A' | 'd' | 'w' | 'W' | 'p') => {
                    Ok(Effect::Rule)
                }
                Some(Err(e)) => Err(e.into()),
                _ => Ok(Effect::Keep),
            },
            Command::Field { text, arch_with_t } => {
                rule.field_opt(&text, arch_with_t)?;
                Ok(Effect::Keep)
            }
            Command::Message(text) => match kernel::user_message(c, &text) {
                Ok(()) => Ok(Effect::Finished),
                Err(e) => Err(e),
            },
            Command::MakeEquivalent { mount, subtree } => {
                match c.make_equiv(mount.as_bytes(), subtree.as_bytes()) {
                    Ok(()) => Ok(Effect::Finished),
                    Err(e) => Err(kernel(Request::MakeEquivalent, &e)),
                }
            }
            Command::Trim => match c.trim() {
                Ok(()) => Ok(Effect::Finished),
                Err(e) => Err(kernel(Request::Trim, &e)),
            },
            Command::Version => {
                put!(
                    self.out,
                    "auditctl version {REFERENCE_VERSION} (raudit {})\n",
                    env!("CARGO_PKG_VERSION")
                );
                Ok(Effect::Done)
            }
            Command::LoginuidImmutable => {
                let feature = raudit_netlink::proto::status::FEATURE_LOGINUID_IMMUTABLE;
                match c.set_feature(feature, true, true) {
                    Ok(()) => Ok(Effect::Finished),
                    Err(e) => Err(kernel(Request::Feature, &e)),
                }
            }
            Command::ResetLost => match c.reset_lost() {
                Ok(old) => {
                    put!(self.err, "lost: {old}\n");
                    Ok(Effect::Finished)
                }
                Err(e) => Err(kernel(Request::ResetLost, &e)),
            },
            Command::ResetBacklogWaitTimeActual => match c.reset_backlog_wait_time_actual() {
                Ok(old) => {
                    put!(self.err, "backlog_wait_time_actual: {old}\n");
                    Ok(Effect::Finished)
                }
                Err(e) => Err(kernel(Request::ResetBacklogWaitTimeActual, &e)),
            },
            Command::Signal(name) => match kernel::signal(c, &name)? {
                Signalled::Sent => Ok(Effect::Done),
                Signalled::NoDaemon => {
                    put!(self.err, "Auditd is not running\n");
                    Ok(Effect::Done)
                }
            },
        }
    }

    /// delete_all_rules: the rules matching the key, deleted one by one
    /// (replies still waiting are read and dropped on the way).
    fn delete_all(&mut self) -> Result<(), RuleError> {
        let rules = self.client.list_rules().map_err(|e| kernel(Request::ReceiveRules, &e))?;
        self.replies.clear();
        for r in rules.iter().filter(|r| matches_key(r, &self.list_key)) {
            self.client.delete_rule(r).map_err(|e| kernel(Request::DeleteRuleOfAll, &e))?;
        }
        Ok(())
    }

    /// handle_request: read the reply, or send the rule.
    fn handle_request(&mut self, rule: RuleBuilder, line: Line) -> Result<(), RuleError> {
        match line {
            Line::Read => {
                if rule.syscall_added() {
                    let e = RuleError::NoListSpecified;
                    self.say(&e);
                    return Err(e);
                }
                self.get_reply();
                return Ok(());
            }
            Line::Done | Line::Deprecated => return Ok(()),
            Line::Rule => {}
        }
        let Some((op, mut data)) = rule.finish() else {
            put!(self.out, "{}", usage());
            return Err(RuleError::NoRule);
        };
        let request = if op == RuleOp::Delete { Request::DeleteRule } else { Request::AddRule };
        let e = match send(self.client, op, &data) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        // Legacy kernels: a directory watch is retried as a watch.
        let e =
            if e.errno() == Some(libc::EINVAL) && data.fields.first() == Some(&crate::field::DIR) {
                data.fields[0] = crate::field::WATCH;
                match send(self.client, op, &data) {
                    Ok(()) => return Ok(()),
                    Err(e) if op == RuleOp::Delete && e.errno() == Some(libc::ENOENT) => {
                        RuleError::Kernel {
                            request: Request::DeleteRuleRetry,
                            reason: "No rule matches".into(),
                        }
                    }
                    Err(e) => kernel(request, &e),
                }
            } else {
                kernel(request, &e)
            };
        self.say(&e);
        Err(e)
    }
}

fn send<T: Transport>(
    client: &mut Client<T>,
    op: RuleOp,
    data: &RuleData,
) -> Result<(), raudit_netlink::Error> {
    match op {
        RuleOp::Add | RuleOp::Prepend => client.add_rule(data),
        RuleOp::Delete => client.delete_rule(data),
    }
}

/// Reads a rules file with the reference's checks (it exists, root owns it,
/// nobody else may write it, it is a regular file).
fn read_rules_file(path: &Path) -> Result<String, RuleError> {
    use std::os::unix::fs::MetadataExt;
    let open_error = |e: &std::io::Error| RuleError::FileOpen {
        path: path.to_path_buf(),
        reason: raudit_tables::errno::io_text(e),
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(RuleError::FileMissing(path.to_path_buf()));
        }
        Err(e) => return Err(open_error(&e)),
    };
    let meta = file.metadata().map_err(|e| RuleError::FileStat {
        path: path.to_path_buf(),
        reason: raudit_tables::errno::io_text(&e),
    })?;
    if meta.uid() != 0 {
        return Err(RuleError::FileNotRootOwned(path.to_path_buf()));
    }
    if meta.mode() & 0o002 != 0 {
        return Err(RuleError::FileWorldWritable(path.to_path_buf()));
    }
    if !meta.is_file() {
        return Err(RuleError::FileNotRegular(path.to_path_buf()));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(|e| open_error(&e))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn matches_key(r: &RuleData, key: &Option<Vec<u8>>) -> bool {
    match key {
        None => true,
        Some(k) if k.is_empty() => true,
        Some(k) => {
            let strings = r.field_strings();
            r.fields.iter().zip(&strings).any(|(&f, s)| {
                f == crate::field::KEY
                    && s.is_some_and(|have| have.windows(k.len()).any(|w| w == k.as_slice()))
            })
        }
    }
}
