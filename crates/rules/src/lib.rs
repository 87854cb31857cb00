//! The auditctl rule language.
//!
//! [`RuleBuilder`] takes auditctl's rule options in command-line order
//! (`-a`, `-S`, `-F`, `-C`, `-w`, `-p`, `-k`) and builds the kernel's
//! `audit_rule_data`, with the reference's checks and messages.
//! [`Lister`] turns kernel rules back into the canonical `auditctl -l` text,
//! quirks included. [`rules_file`] splits a rules file into argument lists
//! the way the reference reads audit.rules. [`ctl`] is auditctl's engine
//! (options and rules files applied through a netlink client), and
//! [`augenrules`] merges rules.d and loads the result.
//!
//! Tables of field numbers, operators and names come from the uapi header
//! `linux/audit.h` and `shared/docs/reference/kernel-and-daemon.md` §1.6.
#![forbid(unsafe_code)]

pub mod arch;
pub mod augenrules;
pub mod builder;
pub mod cnum;
pub mod ctl;
pub mod error;
pub mod field;
pub mod fieldpair;
pub mod lint;
pub mod list;
pub mod names;
pub mod rules_file;
pub mod watch;

pub use builder::{RuleBuilder, RuleOp};
pub use error::{BuildError, FieldError};
pub use list::Lister;
