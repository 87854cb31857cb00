//! Command-line plumbing shared by the tools: the reference's option grammar
//! and dates (ausearch, aureport), and the flag tables every tool's docs and
//! completions are generated from ([`flags`]).
//!
//! The reference tools do not use getopt: every argument must equal an
//! option name exactly, and the next argument is its value only if it does
//! not start with `-` ([`args::ArgCursor`]). Their dates and times go
//! through the C library's `strptime`, `mktime` and `localtime` in the
//! user's locale and time zone; [`time`] calls the same functions, so
//! `-ts 11/14/23` and the `time->` headers mean what they mean to the
//! reference (the thin `unsafe` wrappers live in raudit-sys).

pub mod args;
pub mod flags;
pub mod time;
