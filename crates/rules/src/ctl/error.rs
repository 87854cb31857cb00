//! Why an auditctl command failed. Each error displays as the reference's
//! message (auditctl prints exactly that); [`RuleError::AtLine`] adds where
//! in a rules file the command came from, for callers that report it
//! themselves (the daemon, `raudit ctl --check`).

use std::path::PathBuf;

use thiserror::Error;

use crate::error::BuildError;

/// A kernel request, worded as the reference's error messages word it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Status,
    ListRules,
    ReceiveRules,
    DeleteRuleOfAll,
    Enable,
    Failure,
    RateLimit,
    /// `-b` and `--backlog_wait_time` (the reference words both alike).
    BacklogLimit,
    MakeEquivalent,
    Trim,
    Feature,
    ResetLost,
    ResetBacklogWaitTimeActual,
    UserMessage,
    GetStatus,
    AddRule,
    DeleteRule,
    /// The legacy retry of a delete that matched no rule.
    DeleteRuleRetry,
}

impl Request {
    fn words(self) -> &'static str {
        match self {
            Request::Status => "sending status request",
            Request::ListRules => "sending rule list data request",
            Request::ReceiveRules => "receiving rules list",
            Request::DeleteRuleOfAll => "deleting rule",
            Request::Enable => "sending enable request",
            Request::Failure => "sending failure mode request",
            Request::RateLimit => "sending rate limit request",
            Request::BacklogLimit => "sending backlog limit request",
            Request::MakeEquivalent => "sending make_equivalent command",
            Request::Trim => "sending trim subtrees command",
            Request::Feature => "setting feature",
            Request::ResetLost => "sending lost reset request",
            Request::ResetBacklogWaitTimeActual => "sending backlog wait time actual reset request",
            Request::UserMessage => "sending user message",
            Request::GetStatus => "getting audit status",
            Request::AddRule => "sending add rule data request",
            Request::DeleteRule => "sending delete rule data request",
            Request::DeleteRuleRetry => "sending delete rule request",
        }
    }
}

/// Option-grammar errors: the arguments do not fit the option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Grammar {
    #[error("Too many options for status command")]
    StatusTooMany,
    #[error("Only -i option is allowed")]
    StatusOnlyI,
    #[error("Wrong number of options for list request")]
    ListCount,
    #[error("Only -k or -i options are allowed")]
    ListOnlyKOrI,
    #[error("The -m option must be only the only option and takes 1 parameter")]
    MessageAlone,
    #[error("Error - nested rule files not supported")]
    NestedFile,
    #[error("Wrong number of options for Delete all request")]
    DeleteAllCount,
    #[error("Only the -k option is allowed")]
    DeleteAllOnlyK,
    #[error("Syscall auditing requested for make equivalent")]
    EquivalentWithSyscall,
    #[error("Error parsing equivalent parts")]
    EquivalentParts,
    #[error("parameter passed without an option given")]
    StrayParameter,
}

/// Why one command (or one line of a rules file) failed.
#[derive(Debug, Error)]
pub enum RuleError {
    /// A rule option the rule builder refused.
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Grammar(#[from] Grammar),
    /// An unknown option or a missing argument; `line` is 0 on the
    /// command line.
    #[error("Option {option}{} is invalid", on_line(*.line))]
    InvalidOption { option: String, line: usize },
    /// `-e`/`-f` outside 0..2 (`what`: Enable, Failure).
    #[error("{what} must be 0, 1, or 2 was {value}")]
    NotZeroToTwo { what: &'static str, value: String },
    /// `-r`, `-b`, `--backlog_wait_time` with no number.
    #[error("{what} must be a numeric value was {value}")]
    NotNumeric { what: &'static str, value: String },
    /// The number does not fit (`what`: rate, backlog, backlog_wait_time).
    #[error("Error converting {0}")]
    Overflow(&'static str),
    /// The kernel refused or did not answer; `reason` is strerror's text.
    #[error("Error {} ({reason})", .request.words())]
    Kernel { request: Request, reason: String },
    #[error("Error - no list specified")]
    NoListSpecified,
    /// Neither a rule nor a setting: the usage text was printed.
    #[error("no list given (-a, -A, -d, -w or -W)")]
    NoRule,
    /// `-h`: the usage text was printed.
    #[error("help requested")]
    Help,
    /// No option at all on the line.
    #[error("no option given")]
    NoOption,
    #[error("Illegal character in audit event")]
    IllegalMessageCharacter,
    #[error("{0} is an unsupported signal")]
    UnsupportedSignal(String),
    #[error("Failed sending signal to auditd ({0})")]
    Signal(std::io::Error),
    #[error("audit rules file {} doesn't exist", .0.display())]
    FileMissing(PathBuf),
    #[error("Error opening {} ({reason})", .path.display())]
    FileOpen { path: PathBuf, reason: String },
    #[error("Error fstat'ing {} ({reason})", .path.display())]
    FileStat { path: PathBuf, reason: String },
    #[error("Error - {} isn't owned by root", .0.display())]
    FileNotRootOwned(PathBuf),
    #[error("Error - {} is world writable", .0.display())]
    FileWorldWritable(PathBuf),
    #[error("Error - {} is not a regular file", .0.display())]
    FileNotRegular(PathBuf),
    /// A line of a rules file failed (its messages are already printed).
    #[error("{}:{line}: {source}", .file.display())]
    AtLine { file: PathBuf, line: usize, source: Box<RuleError> },
}

fn on_line(line: usize) -> String {
    if line > 0 { format!(" on line {line}") } else { String::new() }
}

impl RuleError {
    /// Errors the engine does not print: their output (the usage text) or
    /// their silence is the reference's.
    pub fn is_silent(&self) -> bool {
        matches!(self, RuleError::Help | RuleError::NoRule | RuleError::NoOption)
    }

    /// The file and line a rules-file error came from.
    pub fn location(&self) -> Option<(&std::path::Path, usize)> {
        match self {
            RuleError::AtLine { file, line, .. } => Some((file, *line)),
            _ => None,
        }
    }

    /// COMPAT: auditctl.c setopt: these end the line at once (`return -1`),
    /// so the keys gathered so far are not added (and not checked).
    pub(crate) fn ends_line_at_once(&self) -> bool {
        match self {
            RuleError::Build(b) => {
                matches!(b, BuildError::SyscallsOnList(_) | BuildError::SyscallsOnExclude)
            }
            RuleError::Overflow(_) | RuleError::IllegalMessageCharacter => true,
            RuleError::Kernel { request, .. } => matches!(
                request,
                Request::Failure
                    | Request::RateLimit
                    | Request::BacklogLimit
                    | Request::UserMessage
            ),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_references() {
        let e = RuleError::InvalidOption { option: "-z".into(), line: 3 };
        assert_eq!(e.to_string(), "Option -z on line 3 is invalid");
        let e = RuleError::InvalidOption { option: "-z".into(), line: 0 };
        assert_eq!(e.to_string(), "Option -z is invalid");
        let e = RuleError::Kernel { request: Request::MakeEquivalent, reason: "X".into() };
        assert_eq!(e.to_string(), "Error sending make_equivalent command (X)");
        let e = RuleError::Kernel { request: Request::Feature, reason: "X".into() };
        assert_eq!(e.to_string(), "Error setting feature (X)");
    }

    #[test]
    fn a_file_error_carries_its_line() {
        let e = RuleError::AtLine {
            file: "/etc/audit/audit.rules".into(),
            line: 7,
            source: Box::new(BuildError::UnknownSyscall("opne".into()).into()),
        };
        assert_eq!(e.to_string(), "/etc/audit/audit.rules:7: Syscall name unknown: opne");
        assert_eq!(e.location(), Some((std::path::Path::new("/etc/audit/audit.rules"), 7)));
    }
}
