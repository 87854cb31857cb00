//! audisp-remote / `raudit remote`: the remote logging plugin. Reads
//! `/etc/audit/audisp-remote.conf` (or `--config FILE`, beyond the reference) and runs
//! `raudit_remote::client` on stdin. `--no-pipeline` keeps stop-and-wait even against a raudit
//! listener; `--stderr` also prints messages on stderr. Built with the `tls` feature,
//! `--tls-ca FILE --tls-cert FILE --tls-key FILE [--tls-server-name NAME]` speak TLS to the server
//! (the name defaults to remote_server).

use std::path::PathBuf;
use std::process::ExitCode;

use raudit_cli::flags::{Flag, Values};
use raudit_config::Level;
use raudit_remote::client::{self, Options};
use raudit_remote::conf;

use crate::Invocation;

/// Every option.
pub const FLAGS: &[Flag] = &[
    Flag::with_value(
        None,
        Some("--config"),
        "FILE",
        Values::File,
        "read this file instead of audisp-remote.conf",
    ),
    Flag::switch(None, Some("--no-pipeline"), "one record in flight even with a raudit server"),
    Flag::switch(None, Some("--stderr"), "also print messages on stderr"),
    Flag::with_value(
        None,
        Some("--tls-ca"),
        "FILE",
        Values::File,
        "TLS: the server's CA (feature tls)",
    ),
    Flag::with_value(
        None,
        Some("--tls-cert"),
        "FILE",
        Values::File,
        "TLS: this client's certificate",
    ),
    Flag::with_value(None, Some("--tls-key"), "FILE", Values::File, "TLS: this client's key"),
    Flag::with_value(
        None,
        Some("--tls-server-name"),
        "NAME",
        Values::Any,
        "TLS: the name to check in the server's certificate (default remote_server)",
    ),
];

fn usage(name: &str) -> ExitCode {
    eprintln!("Usage: {name} [--config FILE] [--no-pipeline] [--stderr]");
    ExitCode::from(1)
}

pub fn main(inv: Invocation) -> ExitCode {
    let name = &inv.display_name;
    let mut path = PathBuf::from(conf::DEFAULT_CONFIG_FILE);
    let (mut pipelining, mut stderr) = (true, false);
    let mut tls_files: [Option<PathBuf>; 4] = [None, None, None, None];
    let mut args = inv.args.iter();
    while let Some(a) = args.next() {
        let slot = match a.to_str() {
            Some("--tls-ca") => Some(0),
            Some("--tls-cert") => Some(1),
            Some("--tls-key") => Some(2),
            Some("--tls-server-name") => Some(3),
            _ => None,
        };
        if let Some(i) = slot {
            if !cfg!(feature = "tls") {
                eprintln!("{name}: built without TLS support (cargo feature tls)");
                return ExitCode::from(1);
            }
            match args.next() {
                Some(v) => tls_files[i] = Some(PathBuf::from(v)),
                None => return usage(name),
            }
            continue;
        }
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
    // The options win over the config file's tls_* keys (beyond the reference).
    let from_conf = [
        config.tls_ca.clone(),
        config.tls_cert.clone(),
        config.tls_key.clone(),
        config.tls_server_name.clone().map(PathBuf::from),
    ];
    for (slot, conf) in tls_files.iter_mut().zip(from_conf) {
        if slot.is_none() {
            *slot = conf;
        }
    }
    if !cfg!(feature = "tls") && tls_files.iter().any(Option::is_some) {
        eprintln!("{name}: built without TLS support (cargo feature tls)");
        return ExitCode::from(1);
    }
    let mut opts = Options::new(config);
    opts.pipelining = pipelining;
    opts.log_stderr = stderr;
    #[cfg(feature = "tls")]
    if let [Some(ca), Some(cert), Some(key), server] = &tls_files {
        let server = match server {
            Some(s) => s.to_string_lossy().into_owned(),
            None => opts.config.remote_server.clone().unwrap_or_default(),
        };
        match raudit_remote::tls::ClientTls::from_pem_files(ca, cert, key, &server) {
            Ok(t) => opts.tls = Some(std::sync::Arc::new(t)),
            Err(e) => {
                raudit_remote::client::log_message(libc::LOG_ERR, &e.to_string(), stderr);
                return ExitCode::from(1);
            }
        }
    }
    if tls_files[..3].iter().any(Option::is_some) && tls_files[..3].iter().any(Option::is_none) {
        eprintln!("{name}: --tls-ca, --tls-cert and --tls-key go together");
        return ExitCode::from(1);
    }
    match client::run(opts, input) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            raudit_remote::client::log_message(libc::LOG_ERR, &e.to_string(), stderr);
            ExitCode::from(1)
        }
    }
}
