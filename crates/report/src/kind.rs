//! The reports aureport knows, the event filters every report shares, and
//! what each report needs extracted from an event.

use raudit_search::extract::Needs;

/// Which report (one per run; none means the main summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Time,
    Summary,
    Avc,
    Mac,
    Config,
    Event,
    File,
    Host,
    Login,
    AcctMod,
    Pid,
    Syscall,
    Term,
    User,
    Exe,
    Anomaly,
    Response,
    Crypto,
    Auth,
    Key,
    Tty,
    Comm,
    Virt,
    Integrity,
}

/// `--failed` / `--success`: which events count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Both,
    Failed,
    Success,
}

impl Outcome {
    /// The word titles start with.
    pub(crate) fn title_prefix(self) -> &'static str {
        match self {
            Outcome::Failed => "Failed ",
            Outcome::Success => "Success ",
            Outcome::Both => "",
        }
    }
}

/// `--add` / `--delete` (undocumented): account and MAC map changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfAction {
    Neither,
    Add,
    Delete,
}

/// The items each report extracts (aureport-options.c sets these per
/// report). pid and success are always extracted: the reference's
/// defaults for them mean "wanted". They decide which events the shared
/// parsers drop as malformed, so they must match exactly.
pub fn needs_of(kind: Kind, interpret: bool) -> Needs {
    let mut n = Needs { pid: true, success: true, arch: interpret, ..Needs::default() };
    match kind {
        Kind::Time | Kind::Virt | Kind::Response => {}
        Kind::Avc => {
            n.comm = true;
            n.subject = true;
            n.object = true;
        }
        Kind::Auth => {
            n.exe = true;
            n.hostname = true;
            n.terminal = true;
            n.uid = true;
        }
        Kind::Mac | Kind::Integrity | Kind::Config | Kind::Crypto | Kind::Event => {
            n.loginuid = true;
        }
        Kind::Login | Kind::AcctMod => {
            n.exe = true;
            n.hostname = true;
            n.terminal = true;
            n.loginuid = true;
        }
        Kind::File => {
            n.filename = true;
            n.exe = true;
            n.loginuid = true;
        }
        Kind::Host => {
            n.hostname = true;
            n.loginuid = true;
        }
        Kind::Pid => {
            n.exe = true;
            n.loginuid = true;
        }
        Kind::Syscall => {
            n.comm = true;
            n.loginuid = true;
        }
        Kind::Term | Kind::Exe => {
            n.terminal = true;
            n.hostname = true;
            n.exe = true;
            n.loginuid = true;
        }
        Kind::User => {
            n.terminal = true;
            n.hostname = true;
            n.exe = true;
            n.uid = true;
            n.loginuid = true;
        }
        Kind::Comm => {
            n.terminal = true;
            n.hostname = true;
            n.comm = true;
            n.loginuid = true;
        }
        Kind::Anomaly => {
            n.terminal = true;
            n.hostname = true;
            n.exe = true;
            n.comm = true;
            n.loginuid = true;
        }
        Kind::Key => {
            n.exe = true;
            n.key = true;
            n.loginuid = true;
        }
        Kind::Tty => {
            n.session = true;
            n.loginuid = true;
            n.terminal = true;
            n.comm = true;
        }
        Kind::Summary => {
            n.filename = true;
            n.hostname = true;
            n.terminal = true;
            n.exe = true;
            n.comm = true;
            n.key = true;
            n.loginuid = true;
        }
    }
    n
}

/// What `--html` extracts: one pass for every report, so the union of
/// what they need.
pub fn html_needs(interpret: bool) -> Needs {
    let mut n = needs_of(Kind::Summary, interpret);
    n.uid = true;
    n.subject = true;
    n.object = true;
    n
}
