//! `ausearch` / `raudit search`.

mod args;
mod flags;

pub use flags::docs as flag_docs;

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use raudit_search::checkpoint::{CheckpointEvent, CheckpointFile};
use raudit_search::input::Located;
use raudit_search::{Format, index, search};

use raudit_tables::errno::io_text;

use super::logs::{LogData, input_name, input_starts, load, read_conf};
use super::progress::{self, Progress};
use crate::Invocation;

/// Printed on stderr when nothing matched (not in raw format).
const NO_MATCHES: &str = "<no matches>";

pub fn main(inv: Invocation) -> ExitCode {
    if let Some(code) = super::fleet::search_main(&inv) {
        return code;
    }
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
    if p.follow {
        return follow(p, &conf.log_file);
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
    p.settings.indexes = indexes(&p.settings, &located, &files, &inputs);
    let progress = Progress::start(progress::wanted(p.settings.format == Format::Raw));
    let starts = input_starts(&inputs);
    progress.total(starts.last().copied().unwrap_or(0));
    let release = |index: usize, upto: usize| {
        buffers[index].release(upto);
        progress.reached(starts[index] + upto as u64);
    };
    let stdout = io::stdout();
    let tty = stdout.is_terminal();
    let mut out = io::BufWriter::with_capacity(1 << 14, progress.guard(stdout.lock(), tty));
    let mut err = progress.guard(io::stderr().lock(), true);
    let host = raudit_sys::SystemHost::new();
    let outcome = search(&inputs, &p.settings, &mut out, &mut err, &host, &release)?;
    out.flush()?;
    drop(err);
    drop(progress);
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

/// The valid indexes of the log files, when the search can use them (an
/// index only saves work: a missing, stale or damaged one is not used).
fn indexes(
    settings: &raudit_search::Settings,
    located: &Located,
    files: &[std::path::PathBuf],
    inputs: &[&[u8]],
) -> Vec<Option<std::sync::Arc<index::Index>>> {
    let usable = settings.checkpoint.is_none()
        && !settings.debug
        && index::Query::of(&settings.criteria, settings.start, settings.end).is_some();
    if !usable {
        return Vec::new();
    }
    crate::tools::logs::valid_indexes(located, files, inputs)
}

/// `--follow`: the current log (or `-if FILE`, or `-if DIR`'s audit.log),
/// from its end, or from its start with `-ts`, until SIGINT/SIGTERM or a
/// closed output.
fn follow(mut p: Box<args::Options>, log_file: &Path) -> io::Result<ExitCode> {
    use raudit_search::follow::From;
    let path = match p.input.locate(log_file) {
        Ok(Located::Set { base, .. }) => base,
        Ok(Located::File(path)) => path,
        Ok(Located::Stdin) => {
            eprintln!("--follow needs a log file, not standard input");
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            let named = match &p.input {
                raudit_search::input::Input::Path(path) => path.as_path(),
                _ => log_file,
            };
            eprintln!("stat: {}: {}", named.display(), io_text(&e));
            return Ok(ExitCode::from(1));
        }
    };
    // Every event is on its way as soon as it is printed.
    p.settings.line_buffered = true;
    let from = if p.settings.start.is_some() { From::Beginning } else { From::End };
    super::follow::catch_stop_signals();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = io::stderr().lock();
    let host = raudit_sys::SystemHost::new();
    let stop = super::follow::should_stop;
    match raudit_search::follow::follow(&path, from, &p.settings, &mut out, &mut err, &host, &stop)
    {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e)
            if e.kind() == io::ErrorKind::NotFound
                || e.kind() == io::ErrorKind::PermissionDenied =>
        {
            drop(err);
            eprintln!("Error opening {} ({})", path.display(), io_text(&e));
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e),
    }
    out.flush()?;
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
