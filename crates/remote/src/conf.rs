//! `/etc/audit/audisp-remote.conf`, read as audisp-remote 3.0.9 reads it: 128-byte `fgets` chunks,
//! the auditd.conf tokenizer ([`raudit_config::tokens`]), case-insensitive keywords and values, the
//! reference's defaults, per-key checks and messages, and its two cross-key checks.
//!
//! Messages are returned as [`Diagnostic`]s (the reference sends them to syslog); a fatal one ends
//! the load as a [`ConfigError`].

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use raudit_config::{ConfigError, Diagnostic, Level};

/// Where the reference reads its configuration (fixed path, no option).
pub const DEFAULT_CONFIG_FILE: &str = "/etc/audit/audisp-remote.conf";
/// `queue_file` when the key is absent.
pub const DEFAULT_QUEUE_FILE: &str = "/var/spool/audit/remote.log";

/// `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Immediate,
    /// Store and forward: the queue is also kept in `queue_file`.
    Forward,
}

/// `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Managed,
    Ascii,
}

/// `transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Krb5,
}

/// The `*_action` keys (except `overflow_action`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureAction {
    Ignore,
    Syslog,
    WarnOnceContinue,
    WarnOnce,
    /// Run this program with the message as its argument (root-owned, mode 0750).
    Exec(PathBuf),
    /// Only for `remote_ending_action`.
    Reconnect,
    Suspend,
    Single,
    Halt,
    Stop,
}

/// `overflow_action` (local queue full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverflowAction {
    Ignore,
    Syslog,
    Suspend,
    Single,
    Halt,
}

/// Every audisp-remote.conf setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteConfig {
    pub remote_server: Option<String>,
    pub port: u16,
    /// 0 = any.
    pub local_port: u16,
    pub transport: Transport,
    pub mode: Mode,
    pub queue_file: Option<PathBuf>,
    pub queue_depth: u32,
    pub format: Format,
    /// Seconds.
    pub network_retry_time: u32,
    pub max_tries_per_record: u32,
    /// Seconds; also the reply timeout.
    pub max_time_per_record: u32,
    /// Seconds; 0 = no heartbeat.
    pub heartbeat_timeout: u32,
    pub network_failure_action: FailureAction,
    pub disk_low_action: FailureAction,
    pub disk_full_action: FailureAction,
    pub disk_error_action: FailureAction,
    pub remote_ending_action: FailureAction,
    pub generic_error_action: FailureAction,
    pub generic_warning_action: FailureAction,
    pub queue_error_action: FailureAction,
    pub overflow_action: OverflowAction,
    pub startup_failure_action: FailureAction,
    pub krb5_principal: Option<String>,
    pub krb5_client_name: Option<String>,
    pub krb5_key_file: Option<PathBuf>,
    /// Beyond the reference (feature `tls`): `tls_ca`, `tls_cert`, `tls_key`, `tls_server_name`.
    pub tls_ca: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_server_name: Option<String>,
}

impl Default for RemoteConfig {
    // COMPAT: remote-config.c clear_config (the code defaults; Debian's file differs only in
    // queue_depth = 10240).
    fn default() -> RemoteConfig {
        RemoteConfig {
            remote_server: None,
            port: 60,
            local_port: 0,
            transport: Transport::Tcp,
            mode: Mode::Immediate,
            queue_file: None,
            queue_depth: 2048,
            format: Format::Managed,
            network_retry_time: 1,
            max_tries_per_record: 3,
            max_time_per_record: 5,
            heartbeat_timeout: 0,
            network_failure_action: FailureAction::Stop,
            disk_low_action: FailureAction::Ignore,
            disk_full_action: FailureAction::WarnOnce,
            disk_error_action: FailureAction::WarnOnce,
            remote_ending_action: FailureAction::Reconnect,
            generic_error_action: FailureAction::Syslog,
            generic_warning_action: FailureAction::Syslog,
            queue_error_action: FailureAction::Stop,
            overflow_action: OverflowAction::Syslog,
            startup_failure_action: FailureAction::WarnOnceContinue,
            krb5_principal: None,
            krb5_client_name: None,
            krb5_key_file: None,
            tls_ca: None,
            tls_cert: None,
            tls_key: None,
            tls_server_name: None,
        }
    }
}

impl RemoteConfig {
    /// The queue file in use (the key, or the reference's spool file).
    pub fn queue_path(&self) -> PathBuf {
        self.queue_file.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_QUEUE_FILE))
    }
}

/// A successful load.
pub type Loaded = raudit_config::Loaded<RemoteConfig>;

/// Read `path` as audisp-remote does at start (it opens without O_NOFOLLOW).
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let file = path.to_string_lossy();
    raudit_config::load_file(path, true, &file, RemoteConfig::default, load_str)
}

/// Parse config text as if read from `path` (no checks on the file itself).
pub fn load_str(data: &[u8], path: &Path) -> Result<Loaded, ConfigError> {
    let file = path.to_string_lossy().into_owned();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut config = RemoteConfig::default();
    let fatal = |diags: Vec<Diagnostic>, line: Option<u32>| ConfigError {
        path: path.to_path_buf(),
        line,
        diagnostics: diags,
    };
    let mut lineno: u32 = 1;
    let mut pos = 0;
    while pos < data.len() {
        // COMPAT: remote-config.c get_line: fgets into 128 bytes, so a longer line is read as several
        // chunks, each parsed as a line of its own; the text ends at a NUL (C string).
        let limit = (pos + 127).min(data.len());
        let end = match data[pos..limit].iter().position(|&b| b == b'\n') {
            Some(i) => pos + i + 1,
            None => limit,
        };
        let mut line = &data[pos..end];
        pos = end;
        if let Some(i) = line.iter().position(|&b| b == 0 || b == b'\n') {
            line = &line[..i];
        }
        let toks: Vec<&[u8]> = raudit_config::tokens(line).collect();
        if toks.is_empty() || toks[0][0] == b'#' {
            lineno += 1;
            continue;
        }
        let err = |diags: &mut Vec<Diagnostic>, text: String| {
            diags.push(Diagnostic { level: Level::Error, line: Some(lineno), text })
        };
        let name = String::from_utf8_lossy(toks[0]).into_owned();
        if toks.len() >= 2 && toks[1] != b"=" {
            err(&mut diags, format!("Missing equal sign for line {lineno} in {file}"));
            return Err(fatal(diags, Some(lineno)));
        }
        if toks.len() < 3 {
            err(&mut diags, format!("Wrong number of arguments for line {lineno} in {file}"));
            return Err(fatal(diags, Some(lineno)));
        }
        if toks.len() > 4 {
            // COMPAT: reported, but the line is still used with its fourth token as option.
            err(&mut diags, format!("Wrong number of arguments for line {lineno} in {file}"));
        }
        let value = String::from_utf8_lossy(toks[2]).into_owned();
        let option = toks.get(3).map(|o| String::from_utf8_lossy(o).into_owned());
        let Some(&(kw_name, takes_option)) =
            KEYWORDS.iter().find(|(k, _)| k.eq_ignore_ascii_case(&name))
        else {
            err(&mut diags, format!("Unknown keyword \"{name}\" in line {lineno} of {file}"));
            return Err(fatal(diags, Some(lineno)));
        };
        if !takes_option && let Some(opt) = &option {
            err(
                &mut diags,
                format!(
                    "Keyword \"{name}\" has invalid option \"{opt}\" in line {lineno} of {file}"
                ),
            );
            return Err(fatal(diags, Some(lineno)));
        }
        let nv = Nv { value: &value, option: option.as_deref(), line: lineno };
        if let Err(text) = apply(kw_name, &nv, &mut config, &mut diags) {
            err(&mut diags, text);
            return Err(fatal(diags, Some(lineno)));
        }
        lineno += 1;
    }
    if lineno > 1 {
        if config.mode == Mode::Forward && config.format != Format::Managed {
            diags.push(Diagnostic {
                level: Level::Error,
                line: None,
                text: "\"mode=forward\" is valid only with \"format=managed\"".to_string(),
            });
            return Err(fatal(diags, None));
        }
        // COMPAT: only the actions up to exec make sense before the first connection.
        if matches!(
            config.startup_failure_action,
            FailureAction::Reconnect
                | FailureAction::Suspend
                | FailureAction::Single
                | FailureAction::Halt
                | FailureAction::Stop
        ) {
            diags.push(Diagnostic {
                level: Level::Error,
                line: None,
                text: "startup_failure_action has invalid option".to_string(),
            });
            return Err(fatal(diags, None));
        }
    }
    Ok(Loaded { config, diagnostics: diags, file_found: true })
}

/// Every audisp-remote.conf keyword (docs are generated from this).
pub fn keyword_names() -> impl Iterator<Item = &'static str> {
    KEYWORDS.iter().map(|(name, _)| *name)
}

/// Keywords and whether they take an option token.
const KEYWORDS: &[(&str, bool)] = &[
    ("remote_server", false),
    ("port", false),
    ("local_port", false),
    ("transport", false),
    ("mode", false),
    ("queue_file", false),
    ("queue_depth", false),
    ("format", false),
    ("network_retry_time", false),
    ("max_tries_per_record", false),
    ("max_time_per_record", false),
    ("heartbeat_timeout", false),
    ("enable_krb5", false),
    ("krb5_principal", false),
    ("krb5_client_name", false),
    ("krb5_key_file", false),
    ("network_failure_action", true),
    ("disk_low_action", true),
    ("disk_full_action", true),
    ("disk_error_action", true),
    ("remote_ending_action", true),
    ("generic_error_action", true),
    ("generic_warning_action", true),
    ("queue_error_action", true),
    ("overflow_action", true),
    ("startup_failure_action", true),
    // Beyond the reference: TLS (raudit built with the `tls` feature).
    ("tls_ca", false),
    ("tls_cert", false),
    ("tls_key", false),
    ("tls_server_name", false),
];

struct Nv<'a> {
    value: &'a str,
    option: Option<&'a str>,
    line: u32,
}

const INT_MAX: u32 = i32::MAX as u32;

/// Apply one key; `Err` carries the fatal message.
fn apply(
    kw: &str,
    nv: &Nv<'_>,
    c: &mut RemoteConfig,
    _diags: &mut Vec<Diagnostic>,
) -> Result<(), String> {
    let line = nv.line;
    let v = nv.value;
    let not_found = || format!("Option {v} not found - line {line}");
    match kw {
        "remote_server" => c.remote_server = Some(v.to_string()),
        "port" => c.port = parse_uint(nv, 0, 65535)? as u16,
        "local_port" => {
            // COMPAT: "any" keeps the current value rather than resetting it to 0.
            if !v.eq_ignore_ascii_case("any") {
                c.local_port = parse_uint(nv, 0, 65535)? as u16;
            }
        }
        "transport" => {
            c.transport = match v.to_ascii_lowercase().as_str() {
                "tcp" => Transport::Tcp,
                "krb5" => Transport::Krb5,
                _ => return Err(not_found()),
            }
        }
        "mode" => {
            c.mode = match v.to_ascii_lowercase().as_str() {
                "immediate" => Mode::Immediate,
                "forward" => Mode::Forward,
                _ => return Err(not_found()),
            }
        }
        "queue_file" => {
            if !v.starts_with('/') {
                return Err(format!("Absolute path needed for {v} - line {line}"));
            }
            c.queue_file = Some(PathBuf::from(v));
        }
        "queue_depth" => c.queue_depth = parse_uint(nv, 1, INT_MAX)?,
        "format" => {
            c.format = match v.to_ascii_lowercase().as_str() {
                "ascii" => Format::Ascii,
                "managed" => Format::Managed,
                _ => return Err(not_found()),
            }
        }
        "network_retry_time" => c.network_retry_time = parse_uint(nv, 1, INT_MAX)?,
        "max_tries_per_record" => c.max_tries_per_record = parse_uint(nv, 1, INT_MAX)?,
        "max_time_per_record" => c.max_time_per_record = parse_uint(nv, 1, INT_MAX)?,
        "heartbeat_timeout" => c.heartbeat_timeout = parse_uint(nv, 0, INT_MAX)?,
        "enable_krb5" => match v.to_ascii_lowercase().as_str() {
            "yes" => c.transport = Transport::Krb5,
            "no" => {}
            _ => return Err(not_found()),
        },
        "krb5_principal" => c.krb5_principal = Some(v.to_string()),
        "krb5_client_name" => c.krb5_client_name = Some(v.to_string()),
        "krb5_key_file" => c.krb5_key_file = Some(PathBuf::from(v)),
        "tls_ca" => c.tls_ca = Some(PathBuf::from(v)),
        "tls_cert" => c.tls_cert = Some(PathBuf::from(v)),
        "tls_key" => c.tls_key = Some(PathBuf::from(v)),
        "tls_server_name" => c.tls_server_name = Some(v.to_string()),
        "overflow_action" => {
            c.overflow_action = match v.to_ascii_lowercase().as_str() {
                "ignore" => OverflowAction::Ignore,
                "syslog" => OverflowAction::Syslog,
                "suspend" => OverflowAction::Suspend,
                "single" => OverflowAction::Single,
                "halt" => OverflowAction::Halt,
                _ => return Err(not_found()),
            }
        }
        "remote_ending_action" if v.eq_ignore_ascii_case("reconnect") => {
            c.remote_ending_action = FailureAction::Reconnect
        }
        action => {
            let a = parse_action(nv)?;
            let slot = match action {
                "network_failure_action" => &mut c.network_failure_action,
                "disk_low_action" => &mut c.disk_low_action,
                "disk_full_action" => &mut c.disk_full_action,
                "disk_error_action" => &mut c.disk_error_action,
                "remote_ending_action" => &mut c.remote_ending_action,
                "generic_error_action" => &mut c.generic_error_action,
                "generic_warning_action" => &mut c.generic_warning_action,
                "queue_error_action" => &mut c.queue_error_action,
                _ => &mut c.startup_failure_action,
            };
            *slot = a;
        }
    }
    Ok(())
}

fn parse_action(nv: &Nv<'_>) -> Result<FailureAction, String> {
    let (v, line) = (nv.value, nv.line);
    Ok(match v.to_ascii_lowercase().as_str() {
        "ignore" => FailureAction::Ignore,
        "syslog" => FailureAction::Syslog,
        "exec" => FailureAction::Exec(check_exe(nv.option, line)?),
        "warn_once_continue" => FailureAction::WarnOnceContinue,
        "warn_once" => FailureAction::WarnOnce,
        "suspend" => FailureAction::Suspend,
        "single" => FailureAction::Single,
        "halt" => FailureAction::Halt,
        "stop" => FailureAction::Stop,
        _ => return Err(format!("Option {v} not found - line {line}")),
    })
}

fn check_exe(path: Option<&str>, line: u32) -> Result<PathBuf, String> {
    let Some(p) = path else {
        return Err(format!("Executable path needed for line {line}"));
    };
    if !p.starts_with('/') {
        return Err(format!("Absolute path needed for {p} - line {line}"));
    }
    let md = std::fs::metadata(p).map_err(|e| {
        format!("Unable to stat {p} ({}) - line {line}", raudit_tables::errno::io_text(&e))
    })?;
    if !md.file_type().is_file() {
        return Err(format!("{p} is not a regular file - line {line}"));
    }
    if md.uid() != 0 {
        return Err(format!("{p} is not owned by root - line {line}"));
    }
    if md.mode() & 0o772 != 0o750 {
        return Err(format!("{p} permissions should be 0750 - line {line}"));
    }
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(p.as_bytes())))
}

/// COMPAT: remote-config.c parse_uint: digits only, strtoul, the result kept as a 32-bit unsigned
/// (larger values wrap), and a bound is only checked when it is non-zero.
fn parse_uint(nv: &Nv<'_>, min: u32, max: u32) -> Result<u32, String> {
    let (v, line) = (nv.value, nv.line);
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("Value {v} should only be numbers - line {line}"));
    }
    let Ok(wide) = v.parse::<u64>() else {
        return Err(format!(
            "Error converting string to a number (Numerical result out of range) - line {line}"
        ));
    };
    let i = wide as u32;
    if min != 0 && i < min {
        return Err(format!("Error - converted number ({v}) is too small - line {line}"));
    }
    if max != 0 && i > max {
        return Err(format!("Error - converted number ({v}) is too large - line {line}"));
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Loaded, ConfigError> {
        load_str(text.as_bytes(), Path::new("/etc/audit/audisp-remote.conf"))
    }

    #[test]
    fn debian_file() {
        let text = "remote_server = \nport = 60\ntransport = tcp\nqueue_file = /var/spool/audit/remote.log\nmode = immediate\nqueue_depth = 10240\nformat = managed\nnetwork_retry_time = 1\nmax_tries_per_record = 3\nmax_time_per_record = 5\nheartbeat_timeout = 0 \n\nnetwork_failure_action = stop\ndisk_low_action = ignore\ndisk_full_action = warn_once\ndisk_error_action = warn_once\nremote_ending_action = reconnect\ngeneric_error_action = syslog\ngeneric_warning_action = syslog\nqueue_error_action = stop\noverflow_action = syslog\nstartup_failure_action = warn_once_continue\n\n##krb5_principal = \n##krb5_client_name = auditd\n##krb5_key_file = /etc/audit/audisp-remote.key\n";
        // "remote_server = " has no value token: the reference fails there too.
        let e = parse(text).unwrap_err();
        assert_eq!(
            e.message(),
            "Wrong number of arguments for line 1 in /etc/audit/audisp-remote.conf"
        );
        let ok =
            parse(&text.replacen("remote_server = \n", "remote_server = 127.0.0.1\n", 1)).unwrap();
        let c = ok.config;
        assert_eq!(c.queue_depth, 10240);
        assert_eq!(c.remote_server.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            RemoteConfig { queue_depth: 2048, remote_server: None, queue_file: None, ..c },
            RemoteConfig::default()
        );
    }

    #[test]
    fn checks_and_messages() {
        let m = |t: &str| parse(t).unwrap_err().message().to_string();
        assert_eq!(m("port = 70000\n"), "Error - converted number (70000) is too large - line 1");
        assert_eq!(m("port = -1\n"), "Value -1 should only be numbers - line 1");
        assert_eq!(m("queue_depth = 0\n"), "Error - converted number (0) is too small - line 1");
        assert_eq!(m("mode = later\n"), "Option later not found - line 1");
        assert_eq!(m("queue_file = rel\n"), "Absolute path needed for rel - line 1");
        assert_eq!(
            m("bogus = 1\n"),
            "Unknown keyword \"bogus\" in line 1 of /etc/audit/audisp-remote.conf"
        );
        assert_eq!(
            m("port = 1 2\n"),
            "Keyword \"port\" has invalid option \"2\" in line 1 of /etc/audit/audisp-remote.conf"
        );
        assert_eq!(m("port 1\n"), "Missing equal sign for line 1 in /etc/audit/audisp-remote.conf");
        assert_eq!(m("disk_low_action = exec\n"), "Executable path needed for line 1");
        assert_eq!(
            m("mode = forward\nformat = ascii\n"),
            "\"mode=forward\" is valid only with \"format=managed\""
        );
        assert_eq!(
            m("startup_failure_action = stop\n"),
            "startup_failure_action has invalid option"
        );
        let c = parse("# c\nPORT = 61\nlocal_port = any\nremote_ending_action = RECONNECT\nmode = Forward\nheartbeat_timeout = 0\n")
            .unwrap()
            .config;
        assert_eq!((c.port, c.local_port, c.mode), (61, 0, Mode::Forward));
        // Five tokens: reported, then the line is used (/bin/true is 0755: within the 0750 check).
        let ok = parse("disk_full_action = exec /bin/true extra more\n").unwrap();
        assert_eq!(ok.diagnostics.len(), 1);
        assert_eq!(ok.config.disk_full_action, FailureAction::Exec(PathBuf::from("/bin/true")));
    }

    #[test]
    fn long_lines_are_chunks() {
        let long = format!("# {}\nport = 5\n", "x".repeat(200));
        // The chunk after the first 127 bytes is a lone token, a fatal line 2 as in the reference.
        let e = parse(&long).unwrap_err();
        assert_eq!(
            e.message(),
            "Wrong number of arguments for line 2 in /etc/audit/audisp-remote.conf"
        );
    }
}
