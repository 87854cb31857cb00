//! What one auditctl option asks for, decoded from the reference's option
//! grammar (the letter, its argument, and for `-s`, `-l`, `-D`, `-m` the
//! arguments around it) before anything is sent to the kernel.

use super::error::{Grammar, RuleError};
use crate::cnum;

/// One auditctl option, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `-h`: the usage text.
    Help,
    /// `-i`: in a rules file, go on after a failed line.
    IgnoreErrors,
    /// `-c`: like `-i`, but the file still fails at the end.
    ContinueOnErrors,
    /// `-s [-i]`: the status block and the features.
    Status { interpret: bool },
    /// `-e N`.
    SetEnabled(u32),
    /// `-f N`.
    SetFailure(u32),
    /// `-r N`.
    SetRateLimit(u32),
    /// `-b N`.
    SetBacklogLimit(u32),
    /// `--backlog_wait_time N`.
    SetBacklogWaitTime(u32),
    /// `-l [-i | -k KEY]`.
    List { interpret: bool, key: Option<Vec<u8>> },
    /// `-D [-k KEY]`.
    DeleteAll { key: Option<Vec<u8>> },
    /// A rule option: `-a -A -d -S -C -w -W -p -k` and its argument.
    Rule { letter: char, value: String },
    /// `-F name<op>value`; `arch_with_t`: `-F arch=... -t` with no list,
    /// which the reference lets through.
    Field { text: String, arch_with_t: bool },
    /// `-m TEXT`: a user message into the log.
    Message(String),
    /// `-q MOUNT,SUBTREE`.
    MakeEquivalent { mount: String, subtree: String },
    /// `-t`: trim subtrees.
    Trim,
    /// `-v`.
    Version,
    /// `--loginuid-immutable`.
    LoginuidImmutable,
    /// `--reset-lost`.
    ResetLost,
    /// `--reset_backlog_wait_time_actual`.
    ResetBacklogWaitTimeActual,
    /// `--signal SIG` (bare names: TERM, HUP, USR1, USR2, CONT).
    Signal(String),
}

/// The getopt value of each long option.
pub(crate) mod long {
    pub const LOGINUID_IMMUTABLE: i32 = 1;
    pub const BACKLOG_WAIT_TIME: i32 = 2;
    pub const RESET_LOST: i32 = 3;
    pub const RESET_BACKLOG_WAIT_TIME_ACTUAL: i32 = 4;
    pub const SIGNAL: i32 = 5;
}

/// Where an option stands on its line: what the reference's setopt looks
/// at besides the option itself.
pub(crate) struct Context<'a> {
    /// The arguments after permutation (argv[0] is the program name).
    pub argv: &'a [String],
    /// getopt's optind after this option.
    pub optind: usize,
    /// The argument count the reference checks (lowered as `-i`/`-k` of
    /// `-s`, `-l`, `-D` are used up).
    pub count: usize,
    /// Whether a list was chosen already (`-a`, `-A`, `-d`, `-w`, `-W`).
    pub has_rule: bool,
    /// Whether `-S` or a watch came already.
    pub syscall_added: bool,
}

impl Context<'_> {
    fn at(&self, i: usize) -> Option<&str> {
        self.argv.get(i).map(String::as_str)
    }

    /// `-k KEY` after `-l`/`-D`: the key, cut to the reference's buffer.
    fn key(&self) -> Option<Vec<u8>> {
        self.at(3).map(|k| k.as_bytes()[..k.len().min(256)].to_vec())
    }
}

/// strtoul (base 0, any tail) as `-r`, `-b` and `--backlog_wait_time` read it.
fn number(what: &'static str, conv: &'static str, v: &str) -> Result<u32, RuleError> {
    if !cnum::starts_with_digit(v) {
        return Err(RuleError::NotNumeric { what, value: v.to_string() });
    }
    let p = cnum::parse(v, 0);
    if p.overflow_unsigned {
        return Err(RuleError::Overflow(conv));
    }
    Ok(p.unsigned as u32)
}

fn zero_to_two(what: &'static str, v: &str) -> Result<u32, RuleError> {
    match v {
        "0" => Ok(0),
        "1" => Ok(1),
        "2" => Ok(2),
        _ => Err(RuleError::NotZeroToTwo { what, value: v.to_string() }),
    }
}

impl Command {
    /// Decodes getopt's result `opt` (a letter, or a long option's value)
    /// with its argument. Returns the command and how many of the
    /// arguments counted by the reference it used up (`-i`, `-k KEY`).
    /// `Ok(None)`: not an auditctl option.
    pub(crate) fn decode(
        opt: i32,
        value: &str,
        cx: &Context<'_>,
    ) -> Result<Option<(Command, usize)>, RuleError> {
        let letter = u8::try_from(opt).map_or('\0', char::from);
        let v = || value.to_string();
        let cmd = match letter {
            'h' => Command::Help,
            'i' => Command::IgnoreErrors,
            'c' => Command::ContinueOnErrors,
            's' => {
                if cx.count > 3 {
                    return Err(Grammar::StatusTooMany.into());
                } else if cx.optind == 2 && cx.count == 3 {
                    if cx.at(cx.optind) != Some("-i") {
                        return Err(Grammar::StatusOnlyI.into());
                    }
                    return Ok(Some((Command::Status { interpret: true }, 1)));
                }
                Command::Status { interpret: false }
            }
            'e' => Command::SetEnabled(zero_to_two("Enable", value)?),
            'f' => Command::SetFailure(zero_to_two("Failure", value)?),
            'r' => Command::SetRateLimit(number("Rate", "rate", value)?),
            'b' => Command::SetBacklogLimit(number("Backlog", "backlog", value)?),
            'l' => {
                if cx.count > 4 {
                    return Err(Grammar::ListCount.into());
                }
                if cx.count == 3 {
                    if cx.at(cx.optind) != Some("-i") {
                        return Err(Grammar::ListOnlyKOrI.into());
                    }
                    return Ok(Some((Command::List { interpret: true, key: None }, 1)));
                } else if cx.count == 4 {
                    if cx.at(cx.optind) != Some("-k") {
                        return Err(Grammar::ListOnlyKOrI.into());
                    }
                    return Ok(Some((Command::List { interpret: false, key: cx.key() }, 2)));
                }
                Command::List { interpret: false, key: None }
            }
            'D' => {
                if cx.count > 4 || cx.count == 3 {
                    return Err(Grammar::DeleteAllCount.into());
                }
                if cx.count == 4 {
                    if cx.at(cx.optind) != Some("-k") {
                        return Err(Grammar::DeleteAllOnlyK.into());
                    }
                    return Ok(Some((Command::DeleteAll { key: cx.key() }, 2)));
                }
                Command::DeleteAll { key: None }
            }
            'a' | 'A' | 'd' | 'S' | 'C' | 'w' | 'W' | 'p' | 'k' => {
                Command::Rule { letter, value: v() }
            }
            'F' => {
                let arch_with_t = !cx.has_rule
                    && cx.optind < cx.count
                    && value.contains("arch=")
                    && cx.at(cx.optind) == Some("-t");
                Command::Field { text: v(), arch_with_t }
            }
            'm' => {
                if cx.count > 3 {
                    return Err(Grammar::MessageAlone.into());
                }
                Command::Message(v())
            }
            'R' => return Err(Grammar::NestedFile.into()),
            'q' => {
                if cx.syscall_added {
                    return Err(Grammar::EquivalentWithSyscall.into());
                }
                let parts =
                    value.split_once(',').filter(|(_, s)| !s.is_empty() && !s.contains(','));
                let Some((mount, subtree)) = parts else {
                    return Err(Grammar::EquivalentParts.into());
                };
                Command::MakeEquivalent { mount: mount.into(), subtree: subtree.into() }
            }
            't' => Command::Trim,
            'v' => Command::Version,
            _ => match opt {
                long::LOGINUID_IMMUTABLE => Command::LoginuidImmutable,
                long::BACKLOG_WAIT_TIME => Command::SetBacklogWaitTime(number(
                    "Backlog_wait_time",
                    "backlog_wait_time",
                    value,
                )?),
                long::RESET_LOST => Command::ResetLost,
                long::RESET_BACKLOG_WAIT_TIME_ACTUAL => Command::ResetBacklogWaitTimeActual,
                long::SIGNAL => Command::Signal(v()),
                _ => return Ok(None),
            },
        };
        Ok(Some((cmd, 0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(args: &[&str], optind: usize) -> Result<Option<(Command, usize)>, RuleError> {
        let argv: Vec<String> =
            std::iter::once("auditctl").chain(args.iter().copied()).map(String::from).collect();
        let opt = i32::from(args[0].as_bytes()[1]);
        let value = args.get(1).copied().unwrap_or("");
        let cx = Context {
            argv: &argv,
            optind,
            count: argv.len(),
            has_rule: false,
            syscall_added: false,
        };
        Command::decode(opt, value, &cx)
    }

    #[test]
    fn list_status_and_delete_grammar() {
        assert_eq!(
            decode(&["-l", "-k", "ssh"], 2).unwrap(),
            Some((Command::List { interpret: false, key: Some(b"ssh".to_vec()) }, 2))
        );
        assert_eq!(
            decode(&["-l", "-i"], 2).unwrap(),
            Some((Command::List { interpret: true, key: None }, 1))
        );
        assert_eq!(decode(&["-s", "-x"], 2).unwrap_err().to_string(), "Only -i option is allowed");
        assert_eq!(
            decode(&["-D", "-i"], 2).unwrap_err().to_string(),
            "Wrong number of options for Delete all request"
        );
    }

    #[test]
    fn settings_are_checked_before_sending() {
        assert_eq!(decode(&["-e", "1"], 3).unwrap(), Some((Command::SetEnabled(1), 0)));
        assert_eq!(
            decode(&["-f", "3"], 3).unwrap_err().to_string(),
            "Failure must be 0, 1, or 2 was 3"
        );
        assert_eq!(
            decode(&["-r", "x"], 3).unwrap_err().to_string(),
            "Rate must be a numeric value was x"
        );
        assert_eq!(
            decode(&["-b", "99999999999999999999999"], 3).unwrap_err().to_string(),
            "Error converting backlog"
        );
        assert_eq!(
            decode(&["-q", "/a,/b,/c"], 3).unwrap_err().to_string(),
            "Error parsing equivalent parts"
        );
        assert_eq!(
            decode(&["-R", "/x"], 3).unwrap_err().to_string(),
            "Error - nested rule files not supported"
        );
    }
}
