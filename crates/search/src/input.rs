//! Where ausearch reads from: the configured log and its rotations, a
//! directory of logs, one file, or standard input.

use std::path::{Path, PathBuf};

/// Built-in log file when auditd.conf does not name one.
pub const DEFAULT_LOG_FILE: &str = "/var/log/audit/audit.log";

/// The two auditd.conf keys ausearch uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    pub log_file: PathBuf,
    pub eoe_timeout: u64,
    /// False when the file could not be read cleanly; the reference then
    /// says `NOTE - using built-in logs: ...`.
    pub clean: bool,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { log_file: PathBuf::from(DEFAULT_LOG_FILE), eoe_timeout: 2, clean: true }
    }
}

/// Reads `log_file` and `end_of_event_timeout` from an auditd.conf.
///
/// The reference parses the whole file with auditd's strict tokenizer and
/// keeps what it read before an error; this reads the same two keys with the
/// same tokenizing (single spaces, `=` as its own token) and stops at the
/// first line that tokenizer would reject. A missing file is not an error.
// TODO(config): fold into raudit-config's reader once it exists, so that
// every key is validated and the reference's messages are printed.
pub fn read_log_settings(conf: &Path) -> LogSettings {
    let mut settings = LogSettings::default();
    let Ok(text) = std::fs::read(conf) else { return settings };
    for line in text.split(|&b| b == b'\n') {
        let mut tokens = line.split(|&b| b == b' ').filter(|t| !t.is_empty());
        let Some(name) = tokens.next() else { continue };
        if name.starts_with(b"#") {
            continue;
        }
        let (Some(b"="), Some(value)) = (tokens.next(), tokens.next()) else {
            settings.clean = false;
            return settings;
        };
        let value = String::from_utf8_lossy(value).into_owned();
        if name.eq_ignore_ascii_case(b"log_file") {
            settings.log_file = PathBuf::from(value);
        } else if name.eq_ignore_ascii_case(b"end_of_event_timeout") {
            match value.parse::<u64>() {
                Ok(v) => settings.eoe_timeout = v,
                Err(_) => {
                    settings.clean = false;
                    return settings;
                }
            }
        }
    }
    settings
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
    fn reads_settings_and_orders_rotations() {
        let dir = std::env::temp_dir().join(format!("raudit-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("auditd.conf");
        std::fs::write(&conf, "# c\nlog_file = /x/audit.log\nend_of_event_timeout = 5\n").unwrap();
        let s = read_log_settings(&conf);
        assert_eq!((s.log_file.to_str(), s.eoe_timeout, s.clean), (Some("/x/audit.log"), 5, true));
        std::fs::write(&conf, "log_file=/y\n").unwrap();
        assert!(!read_log_settings(&conf).clean);
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
