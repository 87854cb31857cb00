//! The raudit binary's code: name dispatch and one thin module per tool.
//!
//! Each tool module parses its arguments, calls the engine crate that does
//! the work, and maps the result to an exit code. Nothing here is meant for
//! reuse by other programs: the engines are the libraries.

pub mod dispatch;
pub mod manual;
pub mod tools;

pub use dispatch::{Invocation, TOOLS, Tool};
