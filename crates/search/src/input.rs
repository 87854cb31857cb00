//! Where ausearch reads from: the configured log and its rotations, a
//! directory of logs, one file, or standard input.

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
}
