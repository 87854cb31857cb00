//! Where ausearch and aureport read from: the configured log and its
//! rotations, a directory of logs, one file, or standard input. Both tools
//! choose and locate their input here, so they agree on every rule.

use std::io;
use std::path::{Path, PathBuf};

/// Built-in log file when auditd.conf does not name one.
pub const DEFAULT_LOG_FILE: &str = "/var/log/audit/audit.log";

/// The two auditd.conf keys ausearch uses (read with raudit-config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    pub log_file: PathBuf,
    pub eoe_timeout: u64,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { log_file: PathBuf::from(DEFAULT_LOG_FILE), eoe_timeout: 2 }
    }
}

/// Where the records come from, as the command line chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `-if FILE` or `-if DIR`.
    Path(PathBuf),
    /// The configured log and its rotations.
    ConfiguredLogs,
    Stdin,
}

impl Input {
    /// `-if PATH` wins; then `--input-logs`; then stdin when it is a pipe;
    /// otherwise the configured logs.
    pub fn choose(
        path: Option<PathBuf>,
        input_logs: bool,
        stdin_is_pipe: impl FnOnce() -> bool,
    ) -> Input {
        match path {
            Some(path) => Input::Path(path),
            None if input_logs => Input::ConfiguredLogs,
            None if stdin_is_pipe() => Input::Stdin,
            None => Input::ConfiguredLogs,
        }
    }

    /// What the input names on disk; `log_file` is auditd.conf's. The
    /// error is the failed `stat` of `-if PATH`.
    pub fn locate(&self, log_file: &Path) -> io::Result<Located> {
        Ok(match self {
            Input::Path(path) => {
                if std::fs::metadata(path)?.is_dir() {
                    Located::Set { base: dir_log(path), in_dir: true }
                } else {
                    Located::File(path.clone())
                }
            }
            Input::ConfiguredLogs => Located::Set { base: log_file.to_path_buf(), in_dir: false },
            Input::Stdin => Located::Stdin,
        })
    }
}

/// An [`Input`] once looked at on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    Stdin,
    /// `-if FILE`: that file alone.
    File(PathBuf),
    /// A log and its rotations; `in_dir` for `-if DIR` (the tools say
    /// "NOTE - using logs in ...").
    Set {
        base: PathBuf,
        in_dir: bool,
    },
}

impl Located {
    /// The files to read, oldest first (none for stdin). With a
    /// checkpoint's (dev, inode), only that file of a set and the newer
    /// ones; None when it is not among them.
    pub fn files(&self, resume_at: Option<(u64, u64)>) -> Option<Vec<PathBuf>> {
        match self {
            Located::Stdin => Some(Vec::new()),
            Located::File(path) => Some(vec![path.clone()]),
            Located::Set { base, .. } => log_set(base, resume_at),
        }
    }
}

/// Whether standard input is a pipe (then it is read instead of the
/// configured logs).
pub fn stdin_is_pipe() -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata("/proc/self/fd/0").is_ok_and(|m| m.file_type().is_fifo())
}

/// `-if DIR`: the logs are `DIR/audit.log` and its rotations.
pub fn dir_log(dir: &Path) -> PathBuf {
    let mut s = dir.to_string_lossy().into_owned();
    if !s.ends_with('/') {
        s.push('/');
    }
    PathBuf::from(s + "audit.log")
}

/// A log and its rotations, oldest first. With a checkpoint's (dev, inode),
/// only that file and the newer ones; None when it is not among them.
pub fn log_set(base: &Path, resume_at: Option<(u64, u64)>) -> Option<Vec<PathBuf>> {
    use std::os::unix::fs::MetadataExt;
    let mut files = rotated_logs(base);
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

/// The log files of a set, oldest first: `log.N` ... `log.1`, then `log`.
/// Counting stops at the first file that is not readable, as in the
/// reference.
pub fn rotated_logs(log_file: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut n = 0;
    loop {
        let candidate = if n == 0 {
            log_file.to_path_buf()
        } else {
            PathBuf::from(format!("{}.{n}", log_file.display()))
        };
        if std::fs::File::open(&candidate).is_err() {
            break;
        }
        files.push(candidate);
        n += 1;
    }
    files.reverse();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_rotations_oldest_first() {
        let dir = std::env::temp_dir().join(format!("raudit-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("audit.log");
        for f in ["audit.log", "audit.log.1", "audit.log.2", "audit.log.4"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let names: Vec<_> = rotated_logs(&log)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["audit.log.2", "audit.log.1", "audit.log"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn chooses_input_as_the_reference() {
        let f = Some(PathBuf::from("x.log"));
        assert_eq!(Input::choose(f.clone(), true, || true), Input::Path("x.log".into()));
        assert_eq!(Input::choose(None, true, || true), Input::ConfiguredLogs);
        assert_eq!(Input::choose(None, false, || true), Input::Stdin);
        assert_eq!(Input::choose(None, false, || false), Input::ConfiguredLogs);
    }

    #[test]
    fn locates_a_directory_as_its_audit_log() {
        let dir = std::env::temp_dir().join(format!("raudit-locate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let located = Input::Path(dir.clone()).locate(Path::new("/nonexistent")).unwrap();
        assert_eq!(located, Located::Set { base: dir.join("audit.log"), in_dir: true });
        // No readable log: the base name is still tried.
        assert_eq!(located.files(None), Some(vec![dir.join("audit.log")]));
        assert!(Input::Path(dir.join("missing")).locate(Path::new("/x")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
