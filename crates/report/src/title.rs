//! The title block each report starts with (aureport-output.c
//! print_title), including the runs the reference refuses after printing
//! part of it.

use crate::Options;
use crate::kind::Kind;

/// What a run prints before reading any log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Title {
    /// The report's title block.
    Report(String),
    /// The reference prints this much, then stops with "Unimplemented
    /// option" and exit 1.
    Unimplemented(String),
}

/// The title block of the report `o` asks for.
pub fn title(o: &Options) -> Title {
    let rule = |n: usize| "=".repeat(n);
    let mut s = String::from("\n");
    if o.summary {
        s.push_str(o.outcome.title_prefix());
        let (name, width, column) = match o.kind {
            Kind::Summary => {
                s.push_str(&format!("Summary Report\n{}\n", rule(22)));
                return Title::Report(s);
            }
            // COMPAT: aureport-output.c: -t and --tty have no summary;
            // the reference exits after the newline and prefix.
            Kind::Time | Kind::Tty => return Title::Unimplemented(s),
            Kind::Avc => ("Avc Object Summary Report", 33, "obj"),
            Kind::Mac => ("MAC Summary Report", 18, "type"),
            Kind::Integrity => ("Integrity Summary Report", 24, "type"),
            Kind::Virt => ("Virtualization Summary Report", 29, "type"),
            Kind::Config => ("Config Change Summary Report", 28, "type"),
            Kind::Auth => ("Authentication Summary Report", 29, "acct"),
            Kind::Login => ("Login Summary Report", 28, "auid"),
            Kind::AcctMod => ("Acct Modification Summary Report", 32, "type"),
            Kind::Event => ("Event Summary Report", 22, "type"),
            Kind::File => ("File Summary Report", 27, "file"),
            Kind::Host => ("Host Summary Report", 27, "host"),
            Kind::Pid => ("Pid Summary Report", 26, "pid"),
            Kind::Syscall => ("Syscall Summary Report", 26, "syscall"),
            Kind::Term => ("Terminal Summary Report", 31, "terminal"),
            Kind::User => ("User Summary Report", 27, "auid"),
            Kind::Exe => ("Executable Summary Report", 33, "file"),
            Kind::Comm => ("Command Summary Report", 33, "command"),
            Kind::Anomaly => ("Anomaly Summary Report", 22, "type"),
            Kind::Response => ("Anomaly Response Summary Report", 31, "type"),
            Kind::Crypto => ("Crypto Summary Report", 21, "type"),
            Kind::Key => ("Key Summary Report", 27, "key"),
        };
        s.push_str(&format!("{name}\n{r}\ntotal  {column}\n{r}\n", r = rule(width)));
        return Title::Report(s);
    }
    let (name, width, columns) = match o.kind {
        Kind::Time => {
            s.push_str(&format!("Log Time Range Report\n{}\n", rule(21)));
            return Title::Report(s);
        }
        Kind::Avc => ("AVC Report", 63, "comm subj syscall class permission obj result event"),
        Kind::Config => ("Config Change Report", 35, "type auid success event"),
        Kind::Auth => ("Authentication Report", 44, "acct host term exe success event"),
        Kind::Login => ("Login Report", 44, "auid host term exe success event"),
        Kind::AcctMod => {
            ("Account Modifications Report", 49, "auid addr term exe acct success event")
        }
        Kind::Event => ("Event Report", 35, "event type auid success"),
        Kind::File => ("File Report", 47, "file syscall success exe auid event"),
        Kind::Host => ("Host Report", 35, "host syscall auid event"),
        Kind::Pid => ("Process ID Report", 38, "pid exe syscall auid event"),
        Kind::Syscall => ("Syscall Report", 39, "syscall pid comm auid event"),
        Kind::Term => ("Terminal Report", 36, "term host exe auid event"),
        Kind::User => ("User ID Report", 36, "auid term host exe event"),
        Kind::Exe => ("Executable Report", 36, "exe term host auid event"),
        Kind::Comm => ("Command Report", 36, "comm term host auid event"),
        Kind::Anomaly => ("Anomaly Report", 41, "type exe term host auid event"),
        Kind::Response => ("Response to Anomaly Report", 30, "type success event"),
        Kind::Mac => ("MAC Report", 35, "auid type success event"),
        Kind::Integrity => ("Integrity Report", 30, "type success event"),
        Kind::Virt => ("Virtualization Report", 30, "type success event"),
        Kind::Crypto => ("Crypto Report", 35, "auid type success event"),
        Kind::Key => ("Key Report", 47, "key success exe auid event"),
        Kind::Tty => ("TTY Report", 47, "event auid term sess comm data"),
        Kind::Summary => return Title::Report(s),
    };
    // COMPAT: aureport-output.c: the command report's lower rule is one
    // longer than its upper one.
    let lower = if o.kind == Kind::Comm { width + 1 } else { width };
    s.push_str(&format!("{name}\n{}\n# date time {columns}\n{}\n", rule(width), rule(lower)));
    Title::Report(s)
}
