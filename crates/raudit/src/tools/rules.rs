//! `augenrules` / `raudit rules`: argv and exit codes around the rules
//! crate's merge and load ([`raudit_rules::augenrules`]).

use std::process::ExitCode;

use raudit_cli::flags::Flag;
use raudit_rules::augenrules;

use crate::Invocation;

/// Every option.
pub const FLAGS: &[Flag] = &[
    Flag::switch(None, Some("--check"), "say whether rules.d is merged into audit.rules"),
    Flag::switch(None, Some("--load"), "merge rules.d into audit.rules and load it"),
];

pub fn main(inv: Invocation) -> ExitCode {
    let name = inv.display_name.clone();
    let (mut check, mut load) = (false, false);
    for a in &inv.args {
        match a.to_str() {
            Some("--check") => check = true,
            Some("--load") => load = true,
            _ => {
                println!("Usage: {name} [--check|--load]");
                return ExitCode::from(1);
            }
        }
    }
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr());
    match augenrules::augenrules(&name, check, load, &augenrules::root(), &mut out, &mut err) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => ExitCode::from(e.exit_code()),
    }
}
