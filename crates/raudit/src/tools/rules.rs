//! `augenrules` / `raudit rules`: argv and exit codes around the rules
//! crate's merge and load ([`raudit_rules::augenrules`]).

use std::process::ExitCode;

use raudit_rules::augenrules;

use crate::Invocation;

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
