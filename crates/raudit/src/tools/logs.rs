//! Log input shared by ausearch and aureport: auditd.conf and the log
//! bytes (mapped files or a pipe). Which logs to read is decided in
//! `raudit_search::input`.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use raudit_tables::errno::io_text;

use raudit_search::input::{Located, LogSettings};

const AUDITD_CONF: &str = "/etc/audit/auditd.conf";

/// A log's bytes: mapped from its file, or read from a pipe.
pub enum LogData {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl LogData {
    pub fn map(path: &Path) -> io::Result<LogData> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() == 0 {
            return Ok(LogData::Read(Vec::new()));
        }
        // SAFETY: the map is read-only. A log that another process
        // truncates while we read it can fault (SIGBUS); auditd only
        // appends, and rotation renames rather than truncates.
        let map = unsafe { memmap2::MmapOptions::new().map(&file) }?;
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(LogData::Mapped(map))
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            LogData::Mapped(m) => m,
            LogData::Read(v) => v,
        }
    }

    /// Drops the pages before `upto` from memory, so memory stays flat
    /// however large the log. Events still open may point into them; the
    /// kernel reads those pages back from the file if they are touched.
    pub fn release(&self, upto: usize) {
        if let LogData::Mapped(m) = self {
            let page = 4096;
            let len = upto / page * page;
            if len > 0 {
                // SAFETY: the mapping is read-only and file-backed, so
                // MADV_DONTNEED only discards clean pages that are re-read
                // from the file on the next access; no data changes.
                let _ =
                    unsafe { m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, 0, len) };
            }
        }
    }
}

/// The valid index of each of `files` (whose bytes are `inputs`), or none at all for standard
/// input: an index only saves work, so a missing, stale or damaged one is simply not used.
pub fn valid_indexes(
    located: &Located,
    files: &[PathBuf],
    inputs: &[&[u8]],
) -> Vec<Option<std::sync::Arc<raudit_search::index::Index>>> {
    if *located == Located::Stdin {
        return Vec::new();
    }
    files
        .iter()
        .zip(inputs)
        .map(|(f, data)| raudit_search::index::load(f, data).map(std::sync::Arc::new))
        .collect()
}

/// Where each input starts when they are read one after another, and (last) their total.
pub fn input_starts(inputs: &[&[u8]]) -> Vec<u64> {
    let mut starts = vec![0];
    for input in inputs {
        starts.push(starts[starts.len() - 1] + input.len() as u64);
    }
    starts
}

/// Standard input up to this size is kept in memory; past it, it is spooled to a file.
const SPOOL_AT: u64 = 32 << 20;

/// Reads standard input whole. Beyond the reference, which reads a pipe with `fgets`: a large
/// input is spooled to an unlinked file in the temporary directory and mapped, so that memory
/// stays flat as it does for files (the blocks behind are released); without a temporary
/// directory it is read into memory.
fn read_stdin() -> io::Result<LogData> {
    let mut stdin = io::stdin().lock();
    let mut head = Vec::new();
    (&mut stdin).take(SPOOL_AT).read_to_end(&mut head)?;
    if (head.len() as u64) < SPOOL_AT {
        return Ok(LogData::Read(head));
    }
    let Some(mut spool) = unnamed_file() else {
        stdin.read_to_end(&mut head)?;
        return Ok(LogData::Read(head));
    };
    io::Write::write_all(&mut spool, &head)?;
    drop(head);
    io::copy(&mut stdin, &mut spool)?;
    // SAFETY: read-only map of a file nobody else can open (it has no name).
    let map = unsafe { memmap2::MmapOptions::new().map(&spool) }?;
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(LogData::Mapped(map))
}

/// A file without a name in `$TMPDIR` (or /tmp): gone when closed.
fn unnamed_file() -> Option<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC;
    rustix::fs::open(std::env::temp_dir(), flags, Mode::RUSR | Mode::WUSR)
        .ok()
        .map(std::fs::File::from)
}

/// The logs' bytes, in order, as far as they could be opened.
pub struct Loaded {
    pub buffers: Vec<LogData>,
    /// The first file that could not be opened, with the reference's
    /// message; the files after it were not tried.
    pub open_error: Option<String>,
}

/// Reads stdin whole, or maps `files` in order up to the first that cannot
/// be opened.
pub fn load(located: &Located, files: &[PathBuf]) -> io::Result<Loaded> {
    let mut buffers = Vec::new();
    if *located == Located::Stdin {
        buffers.push(read_stdin()?);
    }
    for file in files {
        match LogData::map(file) {
            Ok(data) => buffers.push(data),
            Err(e) => {
                let message = format!("Error opening {} ({})", file.display(), io_text(&e));
                return Ok(Loaded { buffers, open_error: Some(message) });
            }
        }
    }
    Ok(Loaded { buffers, open_error: None })
}

/// `PATH: ` of an `-if PATH` input, for messages about it (empty for the other inputs).
pub fn input_name(input: &raudit_search::input::Input) -> String {
    match input {
        raudit_search::input::Input::Path(path) => format!("{}: ", path.display()),
        _ => String::new(),
    }
}

/// auditd.conf's log_file and end_of_event_timeout, with the messages the
/// reference prints while reading it.
pub fn read_conf() -> LogSettings {
    let opts = raudit_config::LoadOptions { allow_links: true };
    match raudit_config::load(Path::new(AUDITD_CONF), &opts) {
        Ok(loaded) => {
            for d in &loaded.diagnostics {
                eprintln!("{}", d.text);
            }
            LogSettings {
                log_file: loaded.config.log_file,
                eoe_timeout: loaded.config.end_of_event_timeout,
            }
        }
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{}", d.text);
            }
            let fallback = LogSettings::default();
            // Beyond the reference ("NOTE - using built-in logs: LOG"): say why the file was not
            // used, so that an unreadable config is not mistaken for a missing one.
            let why = match std::fs::File::open(AUDITD_CONF) {
                Err(e) => format!("{AUDITD_CONF} is unreadable ({})", io_text(&e)),
                Ok(_) => format!("{AUDITD_CONF} has errors ({})", e.message()),
            };
            eprintln!("NOTE - {why}: using built-in logs: {}", fallback.log_file.display());
            fallback
        }
    }
}
