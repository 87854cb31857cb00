//! Not built yet.
use std::process::ExitCode;

use crate::Invocation;

pub fn main(inv: Invocation) -> ExitCode {
    super::not_built(&inv)
}
