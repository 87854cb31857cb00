//! The machine, as the tools see it: user and group names, the local time
//! zone and locale, and numeric socket addresses.
//!
//! The output of the reference tools depends on the C library's answers
//! (NSS for names, `localtime`/`strftime` in the user's locale and zone),
//! so the calls that have no std or rustix equivalent live here, each a
//! thin `unsafe` wrapper ([`clock`], [`accounts`], [`netdb`], [`syslog`], [`process`]). Everything
//! that formats or parses asks through the [`Host`] trait instead of
//! calling them: the tools pass a cached [`SystemHost`], tests a
//! [`FixedHost`] with the names and zone they choose.

pub mod accounts;
pub mod clock;
pub mod host;
pub mod netdb;
pub mod process;
pub mod syslog;

pub use clock::Tm;
pub use host::{FixedHost, Host, SystemHost};
