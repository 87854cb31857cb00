//! audisp-remote / `raudit remote`: the remote logging plugin. Reads
//! `/etc/audit/audisp-remote.conf` (or `--config FILE`, beyond the reference) and runs
//! `raudit_remote::client` on stdin. `--no-pipeline` keeps stop-and-wait even against a raudit
//! listener; `--stderr` also prints messages on stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use raudit_config::Level;
use raudit_remote::client::{self, Options};
use raudit_remote::conf;

use crate::Invocation;

fn usage(name: &str) -> ExitCode {
    eprintln!("Usage: {name} [--config FILE] [--no-pipeline] [--stderr]");
    ExitCode::from(1)
}

pub fn main(inv: Invocation) -> ExitCode {
    let name = &inv.display_name;
    let mut path = PathBuf::from(conf::DEFAULT_CONFIG_FILE);
    let (mut pipelining, mut stderr) = (true, false);
    let mut args = inv.args.iter();
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--config") => match args.next() {
                Some(p) => path = PathBuf::from(p),
                None => return usage(name),
            },
            Some("--no-pipeline") => pipelining = false,
            Some("--stderr") => stderr = true,
            _ => return usage(name),
        }
    }
    let say = |level: Level, text: &str| {
        let prio = if level == Level::Error { libc::LOG_ERR } else { libc::LOG_WARNING };
        raudit_remote::client::log_message(prio, text, stderr);
    };
    let config = match conf::load(&path) {
        Ok(loaded) => {
            for d in &loaded.diagnostics {
                say(d.level, &d.text);
            }
            loaded.config
        }
        Err(e) => {
            for d in &e.diagnostics {
                say(d.level, &d.text);
            }
            // COMPAT: audisp-remote exits 6 when its configuration does not load.
            return ExitCode::from(6);
        }
    };
    let input = match client::stdin_fd() {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("{name}: stdin: {e}");
            return ExitCode::from(1);
        }
    };
    match client::run(Options { config, pipelining, log_stderr: stderr }, input) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            raudit_remote::client::log_message(libc::LOG_ERR, &e.to_string(), stderr);
            ExitCode::from(1)
        }
    }
}
