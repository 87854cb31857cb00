//! `raudit ship`, `raudit collect` and `raudit search --server`: the fleet's command lines over
//! `raudit_fleet` (docs/fleet.md). Without the cargo feature `fleet` they say how to get them.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::Invocation;

#[cfg(feature = "fleet")]
mod imp;

/// `raudit ship`.
pub fn ship_main(inv: Invocation) -> ExitCode {
    #[cfg(feature = "fleet")]
    return imp::ship(inv);
    #[cfg(not(feature = "fleet"))]
    not_built(&inv)
}

/// `raudit collect`.
pub fn collect_main(inv: Invocation) -> ExitCode {
    #[cfg(feature = "fleet")]
    return imp::collect(inv);
    #[cfg(not(feature = "fleet"))]
    not_built(&inv)
}

/// `raudit search --server URL ...`: None when the arguments name no server (a local search).
pub fn search_main(inv: &Invocation) -> Option<ExitCode> {
    if !inv.args.iter().any(|a| a == "--server") {
        return None;
    }
    #[cfg(feature = "fleet")]
    return Some(imp::search(inv));
    #[cfg(not(feature = "fleet"))]
    Some(not_built(inv))
}

#[cfg(not(feature = "fleet"))]
fn not_built(inv: &Invocation) -> ExitCode {
    eprintln!("{}: built without the fleet (cargo feature fleet)", inv.display_name);
    ExitCode::from(1)
}

/// Takes every `--NAME VALUE` out of `args` and returns the last value (a later option wins);
/// Err when a value is missing.
pub fn take_value(args: &mut Vec<OsString>, name: &str) -> Result<Option<OsString>, String> {
    let mut last = None;
    while let Some(at) = args.iter().position(|a| a == name) {
        if at + 1 >= args.len() {
            return Err(format!("option {name} needs a value"));
        }
        last = Some(args.remove(at + 1));
        args.remove(at);
    }
    Ok(last)
}
