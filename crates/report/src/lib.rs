//! The aureport engine: summary and detailed reports of audit logs, on
//! the same reader, event assembly and extraction as ausearch
//! (raudit-search).
//!
//! A run is two steps, so that a tool can print its own messages between
//! them as the reference does: [`title`] gives the text printed before any
//! log is read, then [`run`] reads the logs and writes the report, with
//! names and dates from a `raudit_sys::Host`.
//!
//! ```no_run
//! use raudit_report::{Kind, Logs, Options, Title};
//! let opts = Options { kind: Kind::Exe, summary: true, ..Options::default() };
//! let log = std::fs::read("audit.log").unwrap();
//! let mut out = Vec::new();
//! if let Title::Report(text) = raudit_report::title(&opts) {
//!     out.extend_from_slice(text.as_bytes());
//!     let (data, names) = ([&log[..]], ["audit.log".to_string()]);
//!     let logs = Logs::new(&data, &names);
//!     let host = raudit_sys::SystemHost::new();
//!     let err = &mut std::io::stderr();
//!     raudit_report::run(&opts, &logs, &host, &mut out, err, &|_, _| {}).unwrap();
//! }
//! ```
#![forbid(unsafe_code)]

mod html;
mod kept;
mod kind;
mod lookup;
mod rows;
mod run;
mod scanner;
mod sent;
mod tally;
mod title;
mod types;
mod window;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use raudit_search::Escape;

pub use kind::{ConfAction, Kind, Outcome, html_needs, needs_of};
pub use run::{Ending, Error, Logs, run};
pub use title::{Title, title};

/// What a report run does (the command line, parsed).
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: Kind,
    /// `--summary`, or no report given.
    pub summary: bool,
    pub outcome: Outcome,
    pub conf_action: ConfAction,
    /// `-nc`: leave out CONFIG_CHANGE events.
    pub no_config: bool,
    /// `-i`: names instead of numbers.
    pub interpret: bool,
    pub escape: Escape,
    /// `--debug`: malformed events on stderr.
    pub debug: bool,
    /// `-ts` / `-te` as seconds; 0 when not given, as in the reference.
    pub start: i64,
    pub end: i64,
    /// `--node`: events of these nodes only.
    pub nodes: Vec<Vec<u8>>,
    /// `--html FILE`: every summary report as one page (raudit only).
    pub html: Option<PathBuf>,
}

impl Default for Options {
    /// The main summary report, as with no option at all.
    fn default() -> Self {
        Options {
            kind: Kind::Summary,
            summary: true,
            outcome: Outcome::Both,
            conf_action: ConfAction::Neither,
            no_config: false,
            interpret: false,
            escape: Escape::Tty,
            debug: false,
            start: 0,
            end: 0,
            nodes: Vec::new(),
            html: None,
        }
    }
}
