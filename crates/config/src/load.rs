//! The file reader: open checks, the line reader, the tokenizer and the sanity checks.

use std::ffi::OsStr;
use std::ops::ControlFlow;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use raudit_tables::errno::io_text;

use rustix::fs::{Mode, OFlags};

use crate::keys::{self, KEYWORDS};
use crate::{ConfigError, DaemonConfig, Diagnostic, Flush, Level, SpaceThreshold};

/// How to open the file.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// auditd `-l`: the config file may be a symbolic link (otherwise it is opened with O_NOFOLLOW).
    pub allow_links: bool,
}

/// A successful load (of auditd.conf, or of another file read the same way, such as
/// audisp-remote.conf).
#[derive(Debug, Clone)]
pub struct Loaded<C = DaemonConfig> {
    pub config: C,
    /// Warnings and non-fatal errors, in order.
    pub diagnostics: Vec<Diagnostic>,
    /// False when the file does not exist (the config is then the code defaults and a warning says so).
    pub file_found: bool,
}

/// Collects messages while a file is read.
pub(crate) struct Ctx {
    pub diags: Vec<Diagnostic>,
}

impl Ctx {
    pub fn error(&mut self, line: Option<u32>, text: String) {
        self.diags.push(Diagnostic { level: Level::Error, line, text });
    }
    pub fn warn(&mut self, line: Option<u32>, text: String) {
        self.diags.push(Diagnostic { level: Level::Warning, line, text });
    }
}

/// Load `path` as the daemon does at start and on SIGHUP.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    load_file(path, opts.allow_links, "config file", DaemonConfig::code_defaults, load_str)
}

/// Opens and checks a config file the way the reference's programs do, then `parse`s its bytes:
/// a missing file gives `defaults()` and a warning; one that cannot be opened or read, is not
/// owned by root, is world writable or is not a regular file is fatal. `follow_links` false opens
/// with O_NOFOLLOW; `opening` names the file in an open or read failure (`Error opening OPENING
/// (...)`), as each program words it.
pub fn load_file<C>(
    path: &Path,
    follow_links: bool,
    opening: &str,
    defaults: impl FnOnce() -> C,
    parse: impl FnOnce(&[u8], &Path) -> Result<Loaded<C>, ConfigError>,
) -> Result<Loaded<C>, ConfigError> {
    let file = path.to_string_lossy().into_owned();
    let mut flags = OFlags::RDONLY | OFlags::CLOEXEC;
    if !follow_links {
        flags |= OFlags::NOFOLLOW;
    }
    let fail = |text: String| ConfigError {
        path: path.to_path_buf(),
        line: None,
        diagnostics: vec![Diagnostic { level: Level::Error, line: None, text }],
    };
    let fd = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => {
            return Ok(Loaded {
                config: defaults(),
                diagnostics: vec![Diagnostic {
                    level: Level::Warning,
                    line: None,
                    text: format!("Config file {file} doesn't exist, skipping"),
                }],
                file_found: false,
            });
        }
        Err(e) => {
            let e = std::io::Error::from(e);
            return Err(fail(format!("Error opening {opening} ({})", io_text(&e))));
        }
    };
    let f = std::fs::File::from(fd);
    let md =
        f.metadata().map_err(|e| fail(format!("Error fstat'ing config file ({})", io_text(&e))))?;
    if md.uid() != 0 {
        return Err(fail(format!("Error - {file} isn't owned by root")));
    }
    if md.mode() & 0o002 != 0 {
        return Err(fail(format!("Error - {file} is world writable")));
    }
    if !md.file_type().is_file() {
        return Err(fail(format!("Error - {file} is not a regular file")));
    }
    let mut data = Vec::new();
    use std::io::Read;
    (&f).read_to_end(&mut data)
        .map_err(|e| fail(format!("Error opening {opening} ({})", io_text(&e))))?;
    parse(&data, path)
}

/// Parse config text as if read from `path` (no ownership checks on the config file itself; key
/// checks such as `log_file`'s directory still look at the filesystem).
pub fn load_str(data: &[u8], path: &Path) -> Result<Loaded, ConfigError> {
    let file = path.to_string_lossy().into_owned();
    let mut ctx = Ctx { diags: Vec::new() };
    let mut config = DaemonConfig::code_defaults();
    let fatal = |ctx: Ctx, line: Option<u32>| ConfigError {
        path: path.to_path_buf(),
        line,
        diagnostics: ctx.diags,
    };

    let mut fatal_line = None;
    let lineno = read_lines(data, |line| {
        let (lineno, tokens) = match line {
            RawLine::TooLong(lineno) => {
                ctx.error(Some(lineno), format!("Skipping line {lineno} in {file}: too long"));
                return ControlFlow::Continue(());
            }
            RawLine::Tokens(lineno, tokens) => (lineno, tokens),
        };
        let name = String::from_utf8_lossy(tokens[0]).into_owned();
        if tokens.len() < 3 || tokens[1] != b"=" {
            let text = if tokens.len() >= 2 && tokens[1] != b"=" {
                format!("Missing equal sign for line {lineno} in {file}")
            } else {
                format!("Wrong number of arguments for line {lineno} in {file}")
            };
            ctx.error(Some(lineno), text);
            ctx.error(Some(lineno), format!("Not processing any more lines in {file}"));
            fatal_line = Some(lineno);
            return ControlFlow::Break(());
        }
        if tokens.len() > 4 {
            // COMPAT: nv_split reports too many tokens but the line is still used (with the
            // fourth token as option).
            ctx.error(
                Some(lineno),
                format!("Wrong number of arguments for line {lineno} in {file}"),
            );
        }
        let value = tokens[2];
        let option = tokens.get(3).copied();

        let Some(kw) = KEYWORDS.iter().find(|k| k.name.eq_ignore_ascii_case(&name)) else {
            ctx.error(
                Some(lineno),
                format!("Unknown keyword \"{name}\" in line {lineno} of {file}"),
            );
            fatal_line = Some(lineno);
            return ControlFlow::Break(());
        };
        if !kw.takes_option
            && let Some(opt) = option
        {
            ctx.error(
                Some(lineno),
                format!(
                    "Keyword \"{name}\" has invalid option \"{}\" in line {lineno} of {file}",
                    String::from_utf8_lossy(opt)
                ),
            );
            fatal_line = Some(lineno);
            return ControlFlow::Break(());
        }
        let nv = keys::Nv { value, option, line: lineno };
        if (kw.parse)(&nv, &mut config, &mut ctx).is_err() {
            fatal_line = Some(lineno);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    if let Some(line) = fatal_line {
        return Err(fatal(ctx, Some(line)));
    }

    if lineno > 1 && sanity_check(&config, &mut ctx).is_err() {
        return Err(fatal(ctx, None));
    }
    Ok(Loaded { config, diagnostics: ctx.diags, file_found: true })
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// One line as [`read_lines`] hands it over.
#[derive(Debug)]
pub enum RawLine<'a> {
    /// A line longer than the reference's 160-byte buffer (reported once, then skipped).
    TooLong(u32),
    /// A line with at least one token that is not a comment: its number and its tokens.
    Tokens(u32, &'a [&'a [u8]]),
}

/// The reference's config line reader and tokenizer, shared by auditd.conf and the plugins.d
/// files (both read 160-byte lines the same way). Calls `on_line` for each long line and each
/// non-empty, non-comment line until it breaks; returns the line counter as the reference leaves
/// it (the reference runs its cross-key checks only when it is above 1).
pub fn read_lines(data: &[u8], mut on_line: impl FnMut(RawLine<'_>) -> ControlFlow<()>) -> u32 {
    let mut lineno: u32 = 1;
    let mut too_long = false;
    let mut pos = 0;
    while pos < data.len() {
        // COMPAT: auditd-config.c get_line: fgets into a 160-byte buffer, so a chunk is at most 159
        // bytes or ends at a newline; the newline is looked for in the chunk as a C string (up to a
        // NUL). A chunk without one (a long line, a NUL byte, or a last line without newline) is
        // skipped with one message, and so is the rest of that physical line.
        let limit = (pos + 159).min(data.len());
        let end = match memchr_nl(&data[pos..limit]) {
            Some(i) => pos + i + 1,
            None => limit,
        };
        let chunk = &data[pos..end];
        pos = end;
        let cstr = match chunk.iter().position(|&b| b == 0) {
            Some(i) => &chunk[..i],
            None => chunk,
        };
        let Some(nl) = memchr_nl(cstr) else {
            if !too_long && on_line(RawLine::TooLong(lineno)).is_break() {
                return lineno;
            }
            too_long = true;
            continue;
        };
        if too_long {
            too_long = false;
            lineno += 1;
            continue;
        }
        let line = &cstr[..nl];

        // COMPAT: common/strsplit.c audit_strsplit: tokens are separated by runs of ' ' only.
        let tokens: Vec<&[u8]> = tokens(line).collect();
        if tokens.is_empty() || tokens[0][0] == b'#' {
            lineno += 1;
            continue;
        }
        if on_line(RawLine::Tokens(lineno, &tokens)).is_break() {
            return lineno;
        }
        lineno += 1;
    }
    lineno
}

/// The reference's tokenizer for its `key = value [option]` config files (auditd.conf, plugin
/// files, audisp-remote.conf). COMPAT: common/strsplit.c audit_strsplit: tokens are separated by
/// runs of ' ' only (a tab is part of a token).
pub fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b' ').filter(|t| !t.is_empty())
}

/// POSIX dirname(3).
pub fn dirname(path: &[u8]) -> Vec<u8> {
    let mut p = path;
    while p.len() > 1 && p.ends_with(b"/") {
        p = &p[..p.len() - 1];
    }
    match p.iter().rposition(|&b| b == b'/') {
        None => b".".to_vec(),
        Some(i) => {
            let mut d = &p[..i];
            while d.len() > 1 && d.ends_with(b"/") {
                d = &d[..d.len() - 1];
            }
            if d.is_empty() { b"/".to_vec() } else { d.to_vec() }
        }
    }
}

/// The cross-key checks, run only when the file had at least one line.
fn sanity_check(c: &DaemonConfig, ctx: &mut Ctx) -> Result<(), ()> {
    if let (SpaceThreshold::Megabytes(sl), SpaceThreshold::Megabytes(asl)) =
        (c.space_left, c.admin_space_left)
        && sl <= asl
    {
        ctx.error(
            None,
            format!("Error - space_left({sl}) must be larger than admin_space_left({asl})"),
        );
        return Err(());
    }
    if matches!(c.flush, Flush::Incremental | Flush::IncrementalAsync) && c.freq == 0 {
        ctx.error(None, "Error - incremental flushing chosen, but 0 selected for freq".to_string());
        return Err(());
    }
    if c.log_group != 0 {
        let dir = dirname(c.log_file.as_os_str().as_bytes());
        if dir == b"/var/log" {
            ctx.error(
                None,
                "Error - log_file is directly in /var/log and chgrp will alter a system \
                 directory's permissions. Use another directory."
                    .to_string(),
            );
            return Err(());
        }
    }
    if c.flush > Flush::IncrementalAsync && c.freq != 0 {
        ctx.warn(
            None,
            "Warning - freq is non-zero and incremental flushing not selected.".to_string(),
        );
    }
    Ok(())
}

pub(crate) fn os_path(b: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(b))
}
