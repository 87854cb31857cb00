//! `ausearch` / `raudit search`.

mod args;
mod flags;

pub use flags::docs as flag_docs;

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use raudit_search::checkpoint::{CheckpointEvent, CheckpointFile};
use raudit_search::input::Located;
use raudit_search::{Format, search};

use raudit_tables::errno::io_text;

use super::logs::{LogData, input_name, load, read_conf};
use crate::Invocation;

/// Printed on stderr when nothing matched (not in raw format).
const NO_MATCHES: &str = "<no matches>";

pub fn main(inv: Invocation) -> ExitCode {
    raudit_sys::clock::set_locale_from_env();
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

/// Exit codes of checkpointing (ausearch(8)).
const EXIT_CHECKPOINT_BAD: u8 = 10;
const EXIT_CHECKPOINT_WRITE: u8 = 11;
const EXIT_CHECKPOINT_CORRUPT: u8 = 12;

fn run(mut p: Box<args::Options>) -> io::Result<ExitCode> {
    // The reference reads auditd.conf even with -if, for end_of_event_timeout.
    let conf = read_conf();
    if !p.eoe_given {
        p.settings.eoe_timeout = conf.eoe_timeout;
    }
    let previous = match &p.checkpoint {
        None => None,
        Some(path) => match load_checkpoint(path) {
            Ok(cp) => Some(cp),
            Err(message) => {
                eprintln!("{message}");
                return Ok(ExitCode::from(EXIT_CHECKPOINT_BAD));
            }
        },
    };
    if p.checkpoint.is_some() {
        let last = previous.as_ref().and_then(|cp| cp.as_ref().map(|c| c.last.clone()));
        p.settings.checkpoint = Some((last, p.checkpoint_time_only));
    }
    // A checkpoint from a configured log set says where to resume.
    let resume_at =
        previous.flatten().filter(|_| !p.checkpoint_time_only).map(|cp| (cp.dev, cp.inode));
    let located = match p.input.locate(&conf.log_file) {
        Ok(located) => located,
        Err(e) => {
            // Beyond the reference: the file's name, which its `stat: ERROR` leaves out.
            eprintln!("stat: {}{}", input_name(&p.input), io_text(&e));
            return Ok(ExitCode::from(1));
        }
    };
    if let Located::Set { base, in_dir: true } = &located {
        eprintln!("NOTE - using logs in {}", base.display());
    }
    let Some(files) = located.files(resume_at) else {
        return Ok(ExitCode::from(EXIT_CHECKPOINT_BAD));
    };
    let loaded = load(&located, &files)?;
    if let Some(message) = &loaded.open_error {
        eprintln!("{message}");
        return Ok(ExitCode::from(1));
    }
    let buffers = loaded.buffers;
    let inputs: Vec<&[u8]> = buffers.iter().map(LogData::bytes).collect();
    let release = |index: usize, upto: usize| buffers[index].release(upto);
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = io::stderr().lock();
    let host = raudit_sys::SystemHost::new();
    let outcome = search(&inputs, &p.settings, &mut out, &mut err, &host, &release)?;
    out.flush()?;
    drop(err);
    if let Some(path) = &p.checkpoint {
        if located == Located::Stdin {
            eprint!("Warning - checkpointing stdin is not supported");
        } else if outcome.corrupted {
            return Ok(ExitCode::from(EXIT_CHECKPOINT_CORRUPT));
        } else if let Some(last_file) = files.last()
            && let Err(message) = save_checkpoint(path, last_file, outcome.last_event.clone())
        {
            eprintln!("{message}");
            return Ok(ExitCode::from(EXIT_CHECKPOINT_WRITE));
        }
    }
    if !outcome.found {
        if p.settings.format != Format::Raw {
            eprintln!("{NO_MATCHES}");
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The checkpoint file's contents, None when there is none yet.
fn load_checkpoint(path: &str) -> Result<Option<CheckpointFile>, String> {
    match std::fs::read(path) {
        Ok(bytes) => CheckpointFile::parse(&String::from_utf8_lossy(&bytes), path).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("Cannot open checkpoint file - {path}: {}", io_text(&e))),
    }
}

fn save_checkpoint(path: &str, log: &Path, last: Option<CheckpointEvent>) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(log).map_err(|e| {
        format!(
            "Cannot stat audit file for checkpoint details - {}: {}",
            log.display(),
            io_text(&e)
        )
    })?;
    let cp = CheckpointFile { dev: meta.dev(), inode: meta.ino(), last: last.unwrap_or_default() };
    std::fs::write(path, cp.render())
        .map_err(|e| format!("Cannot open checkpoint file - {path}: {}", io_text(&e)))
}
