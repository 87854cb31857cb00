//! Log input shared by ausearch and aureport: auditd.conf, the rotated
//! log set, and the log bytes (mapped files or a pipe).

use std::io;
use std::path::{Path, PathBuf};

use raudit_search::input::{self, LogSettings};

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

/// A log and its rotations, oldest first. With a checkpoint's (dev, inode),
/// only that file and the newer ones; None when it is not among them.
pub fn log_set(base: &Path, resume_at: Option<(u64, u64)>) -> Option<Vec<PathBuf>> {
    use std::os::unix::fs::MetadataExt;
    let mut files = input::rotated_logs(base);
    if let Some((dev, inode)) = resume_at {
        let newest_first: Vec<PathBuf> = files.iter().rev().cloned().collect();
        let at = newest_first.iter().position(|f| {
            std::fs::metadata(f)
                .is_ok_and(|m| m.dev() as u32 as u64 == dev && m.ino() as u32 as u64 == inode)
        })?;
        files = newest_first[..=at].iter().rev().cloned().collect();
    }
    // With no readable log the reference still tries the base name.
    if files.is_empty() {
        files.push(base.to_path_buf());
    }
    Some(files)
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
            eprintln!("NOTE - using built-in logs: {}", fallback.log_file.display());
            fallback
        }
    }
}

/// `-if DIR`: the logs are `DIR/audit.log` and its rotations.
pub fn dir_log(dir: &Path) -> PathBuf {
    let mut s = dir.to_string_lossy().into_owned();
    if !s.ends_with('/') {
        s.push('/');
    }
    PathBuf::from(s + "audit.log")
}

/// The C library's wording of an I/O error, without Rust's "(os error N)".
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
