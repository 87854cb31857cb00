//! The fleet tools' argument parsing, signals and messages (feature `fleet`).

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use raudit_fleet::event::{host_token, valid_host_token};
use raudit_fleet::nats::collect::{self, CollectOptions};
use raudit_fleet::nats::ship::{self, Input, ShipOptions};
use raudit_fleet::nats::{Connect, StreamSpec, replay};
use raudit_fleet::store::{Rotation, state_of};

use super::take_value;
use crate::Invocation;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// SIGTERM and SIGINT stop the tool at its next check; SIGHUP (a plugin reload) is ignored.
fn catch_signals() {
    // SAFETY: a zeroed sigaction is valid; the handler only stores to an atomic, which is
    // async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_stop as *const () as usize;
        libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
}

fn fail(name: &str, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("{name}: {message}");
    ExitCode::from(1)
}

fn notice(name: &str) -> ship::Notice {
    let name = name.to_string();
    Arc::new(move |text: &str| eprintln!("{name}: {text}"))
}

/// `30d`, `12h`, `90m`, `45s`, or seconds; 0 means no limit.
fn parse_duration(text: &str) -> Option<Duration> {
    let (num, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

fn parse_number(name: &str, value: Option<OsString>) -> Result<Option<u64>, String> {
    value
        .map(|v| {
            v.to_str()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| format!("option {name}: '{}' is not a number", v.to_string_lossy()))
        })
        .transpose()
}

fn connect_options(args: &mut Vec<OsString>, name: &str) -> Result<Connect, String> {
    let server = take_value(args, "--server")?.ok_or("--server URL is required")?;
    Ok(Connect {
        server: server.to_string_lossy().into_owned(),
        creds: take_value(args, "--creds")?.map(PathBuf::from),
        tls_ca: take_value(args, "--tls-ca")?.map(PathBuf::from),
        name: name.to_string(),
    })
}

/// The keys of a `raudit ship --config` file (`key = value` lines, `#` comments), as the
/// options they stand for.
const CONFIG_KEYS: &[(&str, &str)] = &[
    ("server", "--server"),
    ("host", "--host"),
    ("spool", "--spool"),
    ("spool_cap", "--spool-cap"),
    ("window", "--window"),
    ("creds", "--creds"),
    ("tls_ca", "--tls-ca"),
];

fn config_args(path: &std::path::Path) -> Result<Vec<OsString>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut args = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("{}:{}: expected 'key = value'", path.display(), n + 1);
        let (key, value) = line.split_once('=').ok_or_else(bad)?;
        let (key, value) = (key.trim(), value.trim());
        let Some((_, option)) = CONFIG_KEYS.iter().find(|(k, _)| *k == key) else {
            return Err(format!("{}:{}: unknown key '{key}'", path.display(), n + 1));
        };
        if value.is_empty() {
            return Err(bad());
        }
        args.push(OsString::from(option));
        args.push(OsString::from(value));
    }
    Ok(args)
}

fn local_host() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    host_token(name.trim())
}

pub fn ship(inv: Invocation) -> ExitCode {
    let name = inv.display_name.clone();
    let usage = "usage: raudit ship --server URL [--host NAME] [--spool DIR] [--spool-cap BYTES] \
                 [--window N] [--creds FILE] [--tls-ca FILE] [--config FILE] [--from-log FILE...]";
    let parsed = (|| -> Result<ShipOptions, String> {
        let mut args = inv.args.clone();
        // plugins.d passes at most two arguments: the options can come from a file instead.
        if let Some(path) = take_value(&mut args, "--config")? {
            let mut from_file = config_args(&PathBuf::from(path))?;
            from_file.append(&mut args);
            args = from_file;
        }
        let input = match args.iter().position(|a| a == "--from-log") {
            Some(at) => {
                let files: Vec<PathBuf> = args.drain(at..).skip(1).map(PathBuf::from).collect();
                if files.is_empty() {
                    return Err("--from-log needs at least one FILE".into());
                }
                Input::Logs(files)
            }
            None => Input::Stdin,
        };
        let connect = connect_options(&mut args, "raudit-ship")?;
        let host = match take_value(&mut args, "--host")? {
            Some(h) => h.to_string_lossy().into_owned(),
            None => local_host(),
        };
        if !valid_host_token(&host) {
            return Err(format!(
                "--host '{host}': letters, digits, '-' and '_' only (it is a subject token)"
            ));
        }
        let spool_dir = take_value(&mut args, "--spool")?
            .map_or_else(|| PathBuf::from("/var/spool/raudit/ship"), PathBuf::from);
        let spool_cap = parse_number("--spool-cap", take_value(&mut args, "--spool-cap")?)?
            .unwrap_or(ship::DEFAULT_SPOOL_CAP);
        let window = parse_number("--window", take_value(&mut args, "--window")?)?
            .map_or(ship::DEFAULT_WINDOW, |w| w.clamp(1, 65536) as usize);
        if let Some(extra) = args.first() {
            return Err(format!("unknown argument '{}'\n{usage}", extra.to_string_lossy()));
        }
        Ok(ShipOptions { connect, host, spool_dir, spool_cap, window, input })
    })();
    let opts = match parsed {
        Ok(o) => o,
        Err(e) => return fail(&name, e),
    };
    catch_signals();
    match ship::run(opts, &STOP, notice(&name)) {
        Ok(stats) => {
            if stats.left > 0 {
                eprintln!("{name}: {} events left in the spool for the next start", stats.left);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&name, e),
    }
}

pub fn collect(inv: Invocation) -> ExitCode {
    let name = inv.display_name.clone();
    let mut args = inv.args.clone();
    if let Some(at) = args.iter().position(|a| a == "--state") {
        args.remove(at);
        return print_state(&name, args);
    }
    let parsed = (|| -> Result<CollectOptions, String> {
        let init = match args.iter().position(|a| a == "--init") {
            Some(at) => {
                args.remove(at);
                true
            }
            None => false,
        };
        let connect = connect_options(&mut args, "raudit-collect")?;
        let out = take_value(&mut args, "--out")?.ok_or("--out DIR is required")?;
        let duration = |args: &mut Vec<OsString>, opt: &str, default: Duration| {
            take_value(args, opt)?.map_or(Ok(default), |v| {
                parse_duration(&v.to_string_lossy()).ok_or_else(|| {
                    format!(
                        "option {opt}: '{}' is not a duration (30d, 12h, 90m, 45s)",
                        v.to_string_lossy()
                    )
                })
            })
        };
        let replicas =
            parse_number("--replicas", take_value(&mut args, "--replicas")?)?.unwrap_or(1);
        let max_age = duration(&mut args, "--max-age", Duration::ZERO)?;
        let duplicate_window = duration(&mut args, "--duplicate-window", Duration::from_secs(600))?;
        let idle_exit = take_value(&mut args, "--idle-exit")?
            .map(|v| {
                parse_duration(&v.to_string_lossy()).ok_or("option --idle-exit: not a duration")
            })
            .transpose()?;
        let max_mb =
            parse_number("--max-log-file", take_value(&mut args, "--max-log-file")?)?.unwrap_or(8);
        let num_logs =
            parse_number("--num-logs", take_value(&mut args, "--num-logs")?)?.unwrap_or(5);
        let durable = take_value(&mut args, "--durable")?.map_or_else(
            || collect::DEFAULT_DURABLE.to_string(),
            |d| d.to_string_lossy().into_owned(),
        );
        if let Some(extra) = args.first() {
            return Err(format!("unknown argument '{}'", extra.to_string_lossy()));
        }
        if !(1..=5).contains(&replicas) {
            return Err("--replicas must be 1 to 5".into());
        }
        Ok(CollectOptions {
            connect,
            out: PathBuf::from(out),
            durable,
            rotation: Rotation {
                max_bytes: max_mb.max(1) << 20,
                num_logs: num_logs.clamp(1, 999) as u32,
            },
            init: init.then_some(StreamSpec {
                replicas: replicas as usize,
                max_age,
                duplicate_window,
            }),
            idle_exit,
        })
    })();
    let opts = match parsed {
        Ok(o) => o,
        Err(e) => return fail(&name, e),
    };
    catch_signals();
    match collect::run(opts, &STOP, notice(&name)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&name, e),
    }
}

/// `raudit collect --state --out DIR`: per host, events received, serial gaps, last event.
fn print_state(name: &str, mut args: Vec<OsString>) -> ExitCode {
    let out = match take_value(&mut args, "--out") {
        Ok(Some(out)) => PathBuf::from(out),
        Ok(None) => return fail(name, "--state needs --out DIR"),
        Err(e) => return fail(name, e),
    };
    let state = match state_of(&out) {
        Ok(s) => s,
        Err(e) => return fail(name, e),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{:<24} {:>10} {:>8}  last event", "host", "events", "gaps");
    for (host, st) in &state.hosts {
        let _ = writeln!(
            stdout,
            "{host:<24} {:>10} {:>8}  {}.{:03}:{}",
            st.events, st.gaps, st.last_sec, st.last_milli, st.last_serial
        );
    }
    ExitCode::SUCCESS
}

pub fn search(inv: &Invocation) -> ExitCode {
    let name = &inv.display_name;
    let mut args = inv.args.clone();
    let connect = match connect_options(&mut args, "raudit-search") {
        Ok(c) => c,
        Err(e) => return fail(name, e),
    };
    if args.iter().any(|a| a == "-if" || a == "--input" || a == "--input-logs") {
        return fail(name, "--server is its own input: no -if or --input-logs with it");
    }
    let bytes = match replay::replay(&connect) {
        Ok(b) => b,
        Err(e) => return fail(name, e),
    };
    let path = std::env::temp_dir().join(format!("raudit-fleet-search.{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| f.write_all(&bytes));
    if let Err(e) = written {
        return fail(name, format!("{}: {e}", path.display()));
    }
    args.push("-if".into());
    args.push(path.clone().into_os_string());
    let code = super::super::search::main(Invocation { display_name: name.clone(), args });
    let _ = std::fs::remove_file(&path);
    code
}
