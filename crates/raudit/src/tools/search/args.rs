//! From ausearch's arguments to search settings, with the reference's
//! grammar, checks and messages (ausearch-options.c behaviour).

use std::process::ExitCode;

use raudit_cli::args::ArgCursor;
use raudit_cli::time::{self, Bound, Keyword};
use raudit_search::{Escape, Format, IdCriterion, Settings, Success};
use raudit_tables::syscalls::{self, Arch};

use super::flags::{self, Flag, Opt, Takes};
use crate::Invocation;
use raudit_parse::cnum;
use raudit_search::input::{Input, stdin_is_pipe};
use raudit_tables::REFERENCE_VERSION;

pub struct Options {
    pub settings: Settings,
    pub input: Input,
    /// `--eoe-timeout` was given; otherwise auditd.conf's value is used.
    pub eoe_given: bool,
    /// `--checkpoint FILE`.
    pub checkpoint: Option<String>,
    /// `-ts checkpoint`: only the checkpoint's time counts.
    pub checkpoint_time_only: bool,
    /// `--follow`: keep reading the log as it grows.
    pub follow: bool,
}

pub enum Parsed {
    Run(Box<Options>),
    /// `--help`, `--version` or no arguments: already printed.
    Exit(ExitCode),
}

/// Parses the command line; an error is the message to print (exit 1).
pub fn parse(inv: &Invocation) -> Result<Parsed, String> {
    let mut c = ArgCursor::new(&inv.args);
    if c.is_empty() {
        print!("{}", flags::help(&inv.display_name));
        return Ok(Parsed::Exit(ExitCode::from(1)));
    }
    let mut st = State::default();
    while let Some(word) = c.next_option() {
        let Some(flag) = flags::lookup(&word) else {
            return Err(format!("{word} is an unsupported option"));
        };
        match flag.opt {
            Opt::Help => {
                print!("{}", flags::help(&inv.display_name));
                return Ok(Parsed::Exit(ExitCode::SUCCESS));
            }
            Opt::Version => {
                println!(
                    "{} version {REFERENCE_VERSION} (raudit {})",
                    inv.display_name,
                    env!("CARGO_PKG_VERSION")
                );
                return Ok(Parsed::Exit(ExitCode::SUCCESS));
            }
            _ => st.apply(flag, &word, &mut c)?,
        }
    }
    let s = &st.settings;
    if st.extra_columns && s.format != Format::Csv {
        return Err("--extra options requires format to be csv".into());
    }
    if st.follow && st.checkpoint.is_some() {
        return Err("--follow cannot be used with --checkpoint".into());
    }
    // A follower reads the log, never its standard input (a service or a
    // test harness may leave a pipe there).
    let input_logs = st.input_logs || st.follow;
    let input = Input::choose(st.input.map(Into::into), input_logs, stdin_is_pipe);
    let mut settings = st.settings;
    settings.criteria.interpreting = !matches!(settings.format, Format::Raw | Format::Default);
    settings.criteria.forget_unset_values();
    Ok(Parsed::Run(Box::new(Options {
        settings,
        input,
        eoe_given: st.eoe_given,
        checkpoint: st.checkpoint,
        checkpoint_time_only: st.checkpoint_time_only,
        follow: st.follow,
    })))
}

#[derive(Default)]
struct State {
    settings: Settings,
    format_set: bool,
    input: Option<String>,
    input_logs: bool,
    extra_columns: bool,
    eoe_given: bool,
    checkpoint: Option<String>,
    checkpoint_time_only: bool,
    now: Option<i64>,
    follow: bool,
}

fn required(word: &str) -> String {
    format!("Argument is required for {word}")
}

/// C's `isdigit` on the first byte.
fn digit_first(v: &str) -> bool {
    v.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// `strtoul(v, NULL, 10)` as a u32: the leading digits; None on overflow.
fn leading_u32(v: &str) -> Option<u32> {
    cnum::strtoul(v.as_bytes(), 10).ok().map(|n| n as u32)
}

/// `strtoll(v, NULL, 0)`; None on overflow.
fn strtoll_base0(v: &str) -> Option<i64> {
    cnum::strtol(v.as_bytes(), 0).ok()
}

impl State {
    fn now(&mut self) -> i64 {
        *self.now.get_or_insert_with(raudit_sys::clock::now)
    }

    fn set_format(&mut self, format: Format, word: &str) -> Result<(), String> {
        if self.settings.format != Format::Default || self.format_set {
            return Err(match format {
                Format::Raw => "Conflicting output format --raw".into(),
                _ => format!("Conflicting output format {word}"),
            });
        }
        self.settings.format = format;
        Ok(())
    }

    fn apply(&mut self, flag: &Flag, word: &str, c: &mut ArgCursor) -> Result<(), String> {
        let opt = flag.opt;
        match flag.takes {
            Takes::Nothing => self.switch(opt, word, c),
            Takes::DateTime => self.time(opt, word, c),
            Takes::AnyValue => {
                let v = c.peek_any().ok_or_else(|| required(word))?.to_string();
                c.skip(1);
                self.signed_option(opt, &v)
            }
            Takes::Value => {
                let v = c.value().ok_or_else(|| required(word))?;
                self.valued_option(opt, v)
            }
        }
    }

    fn switch(&mut self, opt: Opt, word: &str, c: &ArgCursor) -> Result<(), String> {
        match opt {
            Opt::Raw | Opt::Interpret => {
                let format = if opt == Opt::Raw { Format::Raw } else { Format::Interpret };
                self.set_format(format, word)?;
                if c.peek_value().is_some() {
                    return Err(if opt == Opt::Raw {
                        "Argument is NOT required for --raw".into()
                    } else {
                        format!("Argument is NOT required for {word}")
                    });
                }
            }
            Opt::ExtraKeys | Opt::ExtraLabels | Opt::ExtraObj2 | Opt::ExtraTime => {
                if opt != Opt::ExtraObj2 {
                    self.extra_columns = true;
                }
                let extra = &mut self.settings.extra;
                match opt {
                    Opt::ExtraKeys => extra.keys = true,
                    Opt::ExtraLabels => extra.labels = true,
                    Opt::ExtraObj2 => extra.obj2 = true,
                    _ => extra.time = true,
                }
                if c.peek_value().is_some() {
                    return Err(format!("Argument is NOT required for {word}"));
                }
            }
            Opt::Word => self.settings.criteria.whole_word = true,
            Opt::InputLogs => self.input_logs = true,
            Opt::JustOne => self.settings.just_one = true,
            Opt::LineBuffered => self.settings.line_buffered = true,
            Opt::Debug => self.settings.debug = true,
            Opt::Follow => self.follow = true,
            _ => unreachable!("{opt:?} takes a value"),
        }
        Ok(())
    }

    fn signed_option(&mut self, opt: Opt, v: &str) -> Result<(), String> {
        let cr = &mut self.settings.criteria;
        let dash_number = v.len() >= 2 && v.starts_with('-') && v.as_bytes()[1].is_ascii_digit();
        match opt {
            Opt::Exit => {
                cr.exit = Some(if digit_first(v) || dash_number {
                    strtoll_base0(v).ok_or_else(|| format!("Error converting {v}"))?
                } else {
                    match errno_number(v) {
                        0 => return Err(format!("Unknown errno, was {v}")),
                        n => n,
                    }
                });
            }
            Opt::Session => {
                cr.session = Some(if digit_first(v) {
                    leading_u32(v)
                        .ok_or_else(|| format!("Session id must be a numeric value, was {v}"))?
                } else if dash_number {
                    strtoll_base0(v).ok_or_else(|| format!("Error converting {v}"))? as u32
                } else {
                    return Err(format!("Session id must be a numeric value, was {v}"));
                });
            }
            _ => {
                cr.loginuid = Some(if digit_first(v) {
                    IdCriterion::Number(leading_u32(v).ok_or_else(|| {
                        format!("Numeric user ID conversion error (Numerical result out of range) for {v}")
                    })?)
                } else if dash_number {
                    IdCriterion::Number(
                        strtoll_base0(v).ok_or_else(|| format!("Error converting {v}"))? as u32,
                    )
                } else {
                    let id = user_id(v)
                        .ok_or_else(|| format!("Login user ID is non-numeric and unknown ({v})"))?;
                    IdCriterion::Name { name: v.as_bytes().to_vec(), id }
                });
            }
        }
        Ok(())
    }

    fn valued_option(&mut self, opt: Opt, v: String) -> Result<(), String> {
        let cr = &mut self.settings.criteria;
        let bytes = || v.as_bytes().to_vec();
        match opt {
            Opt::Event => {
                if !digit_first(&v) {
                    return Err(format!("Audit event id must be a numeric value, was {v}"));
                }
                // COMPAT: ausearch-options.c: strtoul into an unsigned int, so the id
                // wraps at 2^32, and an overflow of strtoul itself is an error.
                let id = cnum::strtoul(v.as_bytes(), 10)
                    .map_err(|_| "Illegal value for audit event ID")?;
                cr.event_id = Some(u64::from(id as u32));
            }
            Opt::EoeTimeout => {
                if !digit_first(&v) {
                    return Err(format!("End of Event Timeout must be a numeric value, was {v}"));
                }
                match leading_u32(&v) {
                    Some(n) if n > 0 => {
                        self.settings.eoe_timeout = u64::from(n);
                        self.eoe_given = true;
                    }
                    _ => return Err(format!("Illegal value for End of Event Timeout, was {v}")),
                }
            }
            Opt::Comm => cr.comm = Some(bytes()),
            Opt::File => {
                if v.len() >= 4096 {
                    return Err(format!("File name is too long {v}"));
                }
                cr.filename = Some(bytes());
            }
            Opt::Key => cr.key = Some(bytes()),
            Opt::Host => cr.hostname = Some(bytes()),
            Opt::Object => cr.object = Some(bytes()),
            Opt::Subject => cr.subject = Some(bytes()),
            Opt::Context => {
                cr.context = Some(bytes());
            }
            Opt::Terminal => cr.terminal = Some(bytes()),
            Opt::Uuid => cr.uuid = Some(bytes()),
            Opt::VmName => cr.vm = Some(bytes()),
            Opt::Executable => cr.exe = Some(bytes()),
            Opt::Checkpoint => self.checkpoint = Some(v),
            Opt::Node => cr.nodes.push(bytes()),
            Opt::Input => {
                if v.len() >= 4096 - 32 {
                    return Err(format!("File name is too longs {v}"));
                }
                self.input = Some(v);
            }
            Opt::Pid | Opt::Ppid => {
                if !digit_first(&v) {
                    let what = if opt == Opt::Pid { "Process id" } else { "Parent process id" };
                    return Err(format!("{what} must be a numeric value, was {v}"));
                }
                let n = leading_u32(&v).ok_or_else(String::new)?;
                if opt == Opt::Pid { cr.pid = Some(n) } else { cr.ppid = Some(n) }
            }
            Opt::Gid | Opt::GidEffective | Opt::GidAll => {
                let id = if digit_first(&v) {
                    leading_u32(&v).ok_or_else(|| {
                        format!("Numeric group ID conversion error (Numerical result out of range) for {v}")
                    })?
                } else {
                    group_id(&v).ok_or_else(|| {
                        let what = if opt == Opt::GidEffective {
                            "Effective group ID"
                        } else {
                            "Group ID"
                        };
                        format!("{what} is non-numeric and unknown ({v})")
                    })?
                };
                match opt {
                    Opt::Gid => cr.gid = Some(id),
                    Opt::GidEffective => cr.egid = Some(id),
                    // COMPAT: ausearch-options.c: -ga sets the gid and egid
                    // too; a later -gi or -ge changes its own one again.
                    _ => (cr.gid_all, cr.gid, cr.egid) = (Some(id), None, None),
                }
            }
            Opt::Uid | Opt::UidEffective | Opt::UidAll => {
                let id = if digit_first(&v) {
                    IdCriterion::Number(leading_u32(&v).ok_or_else(|| {
                        format!("Numeric user ID conversion error (Numerical result out of range) for {v}")
                    })?)
                } else {
                    // COMPAT: ausearch-options.c: the messages of -ui and -ue are swapped.
                    let what = if opt == Opt::Uid { "Effective user ID" } else { "User ID" };
                    let id = user_id(&v)
                        .ok_or_else(|| format!("{what} is non-numeric and unknown ({v})"))?;
                    IdCriterion::Name { name: bytes(), id }
                };
                match opt {
                    Opt::Uid => cr.uid = Some(id),
                    Opt::UidEffective => cr.euid = Some(id),
                    // COMPAT: ausearch-options.c: -ua sets the uid, euid and
                    // login uid too; a later -ui, -ue or -ul changes its own
                    // one again (Criteria::user).
                    _ => (cr.uid_all, cr.uid, cr.euid, cr.loginuid) = (Some(id), None, None, None),
                }
            }
            Opt::Message => {
                if !v.eq_ignore_ascii_case("ALL") {
                    let mut types = cr.msg_types.take().unwrap_or_default();
                    for part in v.split(',').filter(|p| !p.is_empty()) {
                        // raudit's own types (BPF_EXEC, ...) by name too; logs spell them UNKNOWN[n].
                        let own = raudit_tables::msg_type::RAUDIT_TYPES
                            .iter()
                            .find(|(_, n)| n.eq_ignore_ascii_case(part));
                        match raudit_parse::record::type_number(part.as_bytes()) {
                            t if t >= 0 => types.push(t),
                            _ if own.is_some() => types.extend(own.map(|&(n, _)| n as i32)),
                            _ => return Err(valid_message_types()),
                        }
                    }
                    cr.msg_types = Some(types);
                }
            }
            Opt::Success => {
                if !(v.contains("yes") || v.contains("no")) {
                    return Err("Success must be 'yes' or 'no'.".into());
                }
                cr.success = Some(if v == "yes" { Success::Yes } else { Success::No });
            }
            Opt::Escape => {
                self.settings.escape = match v.as_str() {
                    "raw" => Escape::Raw,
                    "tty" => Escape::Tty,
                    "shell" => Escape::Shell,
                    "shell_quote" => Escape::ShellQuote,
                    _ => return Err(format!("Unknown option ({v})")),
                };
            }
            Opt::Format => {
                if self.settings.format != Format::Default || self.format_set {
                    return Err("Multiple output formats, use only 1".into());
                }
                self.settings.format = match v.as_str() {
                    "raw" => Format::Raw,
                    "default" => Format::Default,
                    f if f.starts_with("interp") => Format::Interpret,
                    "csv" => Format::Csv,
                    "text" => Format::Text,
                    "json" => Format::Json,
                    _ => return Err(format!("Unknown option ({v})")),
                };
                self.format_set = true;
            }
            Opt::Syscall => {
                if digit_first(&v) {
                    cr.syscall = Some(leading_u32(&v).ok_or_else(|| {
                        format!("Syscall numeric conversion error (Numerical result out of range) for {v}")
                    })? as i32);
                } else {
                    // COMPAT: ausearch-options.c: a syscall name is looked up
                    // for --arch or this machine, and pins that arch.
                    let arch = match cr.arch {
                        Some(a) => a,
                        None => Arch::host().ok_or("Error detecting machine type")?.audit_arch(),
                    };
                    let nr = Arch::from_audit_arch(arch)
                        .and_then(|a| syscalls::number(a, &v))
                        .ok_or_else(|| format!("Syscall {v} not found"))?;
                    cr.syscall = Some(nr as i32);
                    cr.arch = Some(arch);
                }
            }
            Opt::Arch => {
                if cr.arch.is_some() {
                    return Err(if cr.syscall.is_some() {
                        "Arch needs to be defined before the syscall".into()
                    } else {
                        "Arch is already defined".into()
                    });
                }
                cr.arch = Some(arch_value(&v).ok_or_else(|| format!("Unknown arch {v}"))?);
            }
            _ => unreachable!("option {opt:?} is handled in apply"),
        }
        Ok(())
    }

    /// `-ts`/`-te`: one or two words, date and time in either order, or a keyword.
    fn time(&mut self, opt: Opt, word: &str, c: &mut ArgCursor) -> Result<(), String> {
        let bound = if opt == Opt::Start { Bound::Start } else { Bound::End };
        let Some(first) = c.peek_value().map(str::to_string) else {
            return Err(format!("{word} requires either date and/or time"));
        };
        let second = c.peek_second_value().map(str::to_string);
        let now = self.now();
        let value = if let Some(second) = second {
            c.skip(2);
            if first.contains(':') {
                time::resolve(bound, Some(&second), Some(&first), now)?
            } else {
                time::resolve(bound, Some(&first), Some(&second), now)?
            }
        } else {
            c.skip(1);
            if Keyword::lookup(&first).is_some() {
                time::resolve(bound, Some(&first), Some("00:00:00"), now)?
            } else if bound == Bound::Start && first == "checkpoint" {
                self.checkpoint_time_only = true;
                return Ok(());
            } else if !first.contains(':') {
                let t = if bound == Bound::Start { Some("00:00:00") } else { None };
                time::resolve(bound, Some(&first), t, now)?
            } else {
                time::resolve(bound, None, Some(&first), now)?
            }
        };
        if bound == Bound::Start {
            self.settings.start = Some(value);
        } else {
            self.settings.end = Some(value);
        }
        Ok(())
    }
}

/// The message for an unknown `-m` type: every type the reference lists.
fn valid_message_types() -> String {
    let mut s = String::from("Valid message types are: ALL ");
    for &(n, name) in raudit_tables::msg_type::MSG_TYPES {
        // COMPAT: ausearch-options.c: types from USER (1005) to the last
        // VIRT type (2599), skipping 1007..1099.
        if (1005..=2599).contains(&n) && !(1007..1100).contains(&n) {
            s.push_str(name);
            s.push(' ');
        }
    }
    s
}

/// An errno name (`EPERM`, or `-EPERM` for the negative value); 0 if unknown.
fn errno_number(name: &str) -> i64 {
    let (neg, bare) = match name.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, name),
    };
    let n = raudit_tables::errno::number(bare).map(i64::from).unwrap_or(0);
    if neg { -n } else { n }
}

/// A user name's uid, from the system's user database.
fn user_id(name: &str) -> Option<u32> {
    raudit_sys::accounts::user_id(name)
}

/// A group name's gid, from the system's group database.
fn group_id(name: &str) -> Option<u32> {
    raudit_sys::accounts::group_id(name)
}

/// AUDIT_ARCH_* value for `--arch` (names as the reference accepts them).
fn arch_value(name: &str) -> Option<u32> {
    const X86_64: u32 = 0xc000_003e;
    const I386: u32 = 0x4000_0003;
    let host_is_64 = cfg!(target_pointer_width = "64");
    Some(match name {
        "b64" if host_is_64 => X86_64,
        "b32" => I386,
        "x86_64" => X86_64,
        "i386" | "i486" | "i586" | "i686" => I386,
        "aarch64" => 0xc000_00b7,
        "arm" | "armv5tejl" | "armv7l" | "armeb" => 0x4000_0028,
        "ppc64" => 0x8000_0015,
        "ppc64le" => 0xc000_0015,
        "ppc" => 0x0000_0014,
        "s390x" => 0x8000_0016,
        "s390" => 0x0000_0016,
        "riscv64" => 0xc000_00f3,
        hex => u32::from_str_radix(hex.trim_start_matches("0x"), 16).ok()?,
    })
}
