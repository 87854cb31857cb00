//! `ausearch` / `raudit search`.

mod args;
mod flags;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use raudit_search::input::{self, LogSettings};
use raudit_search::{Format, search};

use crate::Invocation;

/// Printed on stderr when nothing matched (not in raw format).
const NO_MATCHES: &str = "<no matches>";
const AUDITD_CONF: &str = "/etc/audit/auditd.conf";

/// Where the records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `-if FILE` or `-if DIR`.
    Path(PathBuf),
    /// The configured logs (`--input-logs`, or stdin is not a pipe).
    ConfiguredLogs,
    Stdin,
}

pub fn main(inv: Invocation) -> ExitCode {
    raudit_cli::sys::set_locale_from_env();
    let parsed = match args::parse(&inv) {
        Ok(args::Parsed::Run(p)) => p,
        Ok(args::Parsed::Exit(code)) => return code,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(1);
        }
    };
    match run(parsed) {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", inv.display_name);
            ExitCode::from(1)
        }
    }
}

fn run(mut p: Box<args::Options>) -> io::Result<ExitCode> {
    if matches!(p.settings.format, Format::Interpret | Format::Csv | Format::Text) {
        eprintln!("{}: interpreted, csv and text output are not implemented yet", p.display_name);
        return Ok(ExitCode::from(1));
    }
    // The reference reads auditd.conf even with -if, for end_of_event_timeout.
    let conf = read_conf();
    if !p.eoe_given {
        p.settings.eoe_timeout = conf.eoe_timeout;
    }
    let files: Vec<PathBuf> = match &p.input {
        Input::Path(path) => match std::fs::metadata(path) {
            Err(e) => {
                eprintln!("stat: {}", strerror(&e));
                return Ok(ExitCode::from(1));
            }
            Ok(m) if m.is_dir() => {
                let base = dir_log(path);
                eprintln!("NOTE - using logs in {}", base.display());
                let files = input::rotated_logs(&base);
                if files.is_empty() { vec![base] } else { files }
            }
            Ok(_) => vec![path.clone()],
        },
        Input::ConfiguredLogs => {
            let files = input::rotated_logs(&conf.log_file);
            // With no readable log the reference still tries the base name.
            if files.is_empty() { vec![conf.log_file.clone()] } else { files }
        }
        Input::Stdin => Vec::new(),
    };
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    if p.input == Input::Stdin {
        let mut data = Vec::new();
        io::stdin().lock().read_to_end(&mut data)?;
        buffers.push(data);
    }
    for file in &files {
        match std::fs::read(file) {
            Ok(data) => buffers.push(data),
            Err(e) => {
                eprintln!("Error opening {} ({})", file.display(), strerror(&e));
                return Ok(ExitCode::from(1));
            }
        }
    }
    let inputs: Vec<&[u8]> = buffers.iter().map(Vec::as_slice).collect();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = io::stderr().lock();
    let ctime = |sec: i64| raudit_cli::time::ctime(sec);
    let outcome = search(&inputs, &p.settings, &mut out, &mut err, &ctime)?;
    out.flush()?;
    if !outcome.found {
        if p.settings.format != Format::Raw {
            eprintln!("{NO_MATCHES}");
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn read_conf() -> LogSettings {
    let conf = input::read_log_settings(Path::new(AUDITD_CONF));
    if !conf.clean {
        eprintln!("NOTE - using built-in logs: {}", conf.log_file.display());
    }
    conf
}

/// `-if DIR`: the logs are `DIR/audit.log` and its rotations.
fn dir_log(dir: &Path) -> PathBuf {
    let mut s = dir.to_string_lossy().into_owned();
    if !s.ends_with('/') {
        s.push('/');
    }
    PathBuf::from(s + "audit.log")
}

/// The C library's wording of an I/O error, without Rust's "(os error N)".
fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
