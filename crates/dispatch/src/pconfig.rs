//! The plugins.d reader: which files of `plugin_dir` are plugin configurations, their ownership and
//! mode checks, the six keys and the checks on an active plugin's program, with the reference's
//! messages (audispd-pconfig.c and load_plugin_conf in 3.0.9).

use std::ffi::OsString;
use std::ops::ControlFlow;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use raudit_config::{Diagnostic, Level, RawLine, dirname, read_lines};

/// `type`: how the plugin runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginType {
    /// An external program, started at once and restarted when it dies.
    Always,
    /// Built into the dispatcher (`builtin_af_unix`).
    Builtin,
}

/// `format`: what the plugin reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One text line per record.
    String,
    /// 16-byte header plus the 8970-byte data area.
    Binary,
}

/// One plugins.d file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginConf {
    /// The file's name: the plugin's identity across reloads.
    pub name: String,
    pub active: bool,
    /// `direction = out` was given (`in` is refused, as in 3.0.9).
    pub direction_out: bool,
    /// Program path, or `builtin_*`.
    pub path: Option<PathBuf>,
    pub kind: PluginType,
    /// argv[1..]: at most two tokens as the reference keeps them, plus a third `string`/`binary`
    /// token on `args` (the af_unix syntax of later releases).
    pub args: Vec<OsString>,
    pub format: Format,
    /// Inode of an active external plugin's program, to restart it when the binary changes.
    pub inode: u64,
}

impl PluginConf {
    fn defaults(name: String) -> PluginConf {
        PluginConf {
            name,
            active: false,
            direction_out: false,
            path: None,
            kind: PluginType::Always,
            args: Vec::new(),
            format: Format::String,
            inode: 0,
        }
    }

    /// True for `path = builtin_af_unix` (any case, as the reference compares it).
    pub fn is_af_unix(&self) -> bool {
        self.path
            .as_ref()
            .is_some_and(|p| p.as_os_str().as_bytes().eq_ignore_ascii_case(b"builtin_af_unix"))
    }

    fn is_builtin_path(&self) -> bool {
        self.path.as_ref().is_some_and(|p| is_builtin(p.as_os_str().as_bytes()))
    }
}

fn is_builtin(path: &[u8]) -> bool {
    path.len() >= 8 && path[..8].eq_ignore_ascii_case(b"builtin_")
}

/// The result of reading a plugin directory.
#[derive(Debug, Clone, Default)]
pub struct PluginDir {
    /// The active plugins, in directory order.
    pub active: Vec<PluginConf>,
    /// Every message, in order (each rejected file ends with "Skipping NAME plugin due to errors").
    pub diagnostics: Vec<Diagnostic>,
}

/// COMPAT: load_plugin_conf: hidden files and names with more than one dot (backups such as
/// `x.conf.save` or `x.conf~.1`) are not plugin files.
pub fn is_plugin_file_name(name: &[u8]) -> bool {
    !name.is_empty() && name[0] != b'.' && name.iter().filter(|&&b| b == b'.').count() <= 1
}

/// Read every plugin file of `dir`, as the reference does at start and on SIGHUP. A missing or
/// unreadable directory gives no plugins and no message, as in 3.0.9.
pub fn load_plugin_dir(dir: &Path) -> PluginDir {
    let mut out = PluginDir::default();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in rd.flatten() {
        let name = entry.file_name();
        if !is_plugin_file_name(name.as_bytes()) {
            continue;
        }
        let file = dir.join(&name);
        match load_plugin_file(&file, &mut out.diagnostics) {
            Ok(conf) if conf.active => out.active.push(conf),
            Ok(_) => {}
            Err(skipped) => out.diagnostics.push(err(skipped.to_string())),
        }
    }
    out
}

fn err(text: String) -> Diagnostic {
    Diagnostic { level: Level::Error, line: None, text }
}

fn err_at(line: u32, text: String) -> Diagnostic {
    Diagnostic { level: Level::Error, line: Some(line), text }
}

/// A plugin file the reference would skip; its messages are in the diagnostics. Its text is the
/// reference's closing message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Skipping {name} plugin due to errors")]
pub struct SkippedPlugin {
    /// The file's name.
    pub name: String,
}

/// Read one plugin file; messages go to `diags`.
pub fn load_plugin_file(
    file: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Result<PluginConf, SkippedPlugin> {
    let shown = file.to_string_lossy().into_owned();
    let name = file.file_name().map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let skipped = SkippedPlugin { name: name.clone() };
    let conf = PluginConf::defaults(name);
    // COMPAT: load_pconfig opens without O_NOFOLLOW: a link to a good file is accepted.
    let f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            diags.push(Diagnostic {
                level: Level::Warning,
                line: None,
                text: format!("Config file {shown} doesn't exist, skipping"),
            });
            return Ok(conf);
        }
        Err(e) => {
            diags.push(err(format!(
                "Error opening {shown} ({})",
                raudit_tables::errno::io_text(&e)
            )));
            return Err(skipped);
        }
    };
    let md = match f.metadata() {
        Ok(md) => md,
        Err(e) => {
            diags.push(err(format!(
                "Error fstat'ing config file ({})",
                raudit_tables::errno::io_text(&e)
            )));
            return Err(skipped);
        }
    };
    if md.uid() != 0 {
        diags.push(err(format!("Error - {shown} isn't owned by root")));
        return Err(skipped);
    }
    if md.mode() & 0o002 != 0 {
        diags.push(err(format!("Error - {shown} is world writable")));
        return Err(skipped);
    }
    if !md.file_type().is_file() {
        diags.push(err(format!("Error - {shown} is not a regular file")));
        return Err(skipped);
    }
    let mut data = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut &f, &mut data) {
        diags.push(err(format!("Error opening {shown} ({})", raudit_tables::errno::io_text(&e))));
        return Err(skipped);
    }
    parse_plugin_text(file, &data, diags)
}

/// A plugin file's text, read as if it came from `file` (its name is the plugin's; the path shows
/// in messages): the keys, then the checks on an active plugin's program, which only `stat` it.
/// [`load_plugin_file`] calls this after its ownership and mode checks; the fuzz target calls it
/// directly.
pub fn parse_plugin_text(
    file: &Path,
    data: &[u8],
    diags: &mut Vec<Diagnostic>,
) -> Result<PluginConf, SkippedPlugin> {
    let shown = file.to_string_lossy().into_owned();
    let name = file.file_name().map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let skipped = SkippedPlugin { name: name.clone() };
    let mut conf = PluginConf::defaults(name);
    let mut failed = false;
    let lineno = read_lines(data, |line| match line {
        RawLine::TooLong(n) => {
            diags.push(err_at(n, format!("Skipping line {n} in {shown}: too long")));
            ControlFlow::Continue(())
        }
        RawLine::Tokens(n, tokens) => {
            if parse_line(n, tokens, &shown, &mut conf, diags).is_err() {
                failed = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    });
    if failed {
        return Err(skipped);
    }
    if lineno > 1 {
        sanity_check(&mut conf, &shown, diags).map_err(|()| skipped)?;
    }
    Ok(conf)
}

/// Every plugin file keyword (docs are generated from this).
pub const KEYWORDS: [&str; 6] = ["active", "direction", "path", "type", "args", "format"];

/// One `name = value [option]` line (nv_split, the keyword lookup and the keyword's parser).
fn parse_line(
    n: u32,
    tokens: &[&[u8]],
    file: &str,
    conf: &mut PluginConf,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), ()> {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let name = lossy(tokens[0]);
    if tokens.len() >= 2 && tokens[1] != b"=" {
        diags.push(err_at(n, format!("Missing equal sign for line {n} in {file}")));
        return Err(());
    }
    if tokens.len() < 3 {
        diags.push(err_at(n, format!("Wrong number of arguments for line {n} in {file}")));
        return Err(());
    }
    let value = tokens[2];
    let option = tokens.get(3).copied();
    let is_args = name.eq_ignore_ascii_case("args");
    // The third args token of the later af_unix syntax (`args = mode path format`) is kept
    // without the reference's complaint; any other extra token is reported, and the line still used.
    let format_arg = is_args
        && tokens.len() == 5
        && (tokens[4].eq_ignore_ascii_case(b"string") || tokens[4].eq_ignore_ascii_case(b"binary"));
    if tokens.len() > 4 && !format_arg {
        diags.push(err_at(n, format!("Wrong number of arguments for line {n} in {file}")));
    }
    let Some(key) = KEYWORDS.iter().find(|k| k.eq_ignore_ascii_case(&name)) else {
        diags.push(err_at(n, format!("Unknown keyword \"{name}\" in line {n} of {file}")));
        return Err(());
    };
    if !is_args && let Some(opt) = option {
        diags.push(err_at(
            n,
            format!(
                "Keyword \"{name}\" has invalid option \"{}\" in line {n} of {file}",
                lossy(opt)
            ),
        ));
        return Err(());
    }
    let not_found = |diags: &mut Vec<Diagnostic>| {
        diags.push(err_at(n, format!("Option {} not found - line {n}", lossy(value))));
        Err(())
    };
    let is = |word: &str| value.eq_ignore_ascii_case(word.as_bytes());
    match *key {
        "active" if is("yes") => conf.active = true,
        "active" if is("no") => conf.active = false,
        // COMPAT: `in` is not supported by 3.0.9.
        "direction" if is("out") => conf.direction_out = true,
        "type" if is("builtin") => conf.kind = PluginType::Builtin,
        "type" if is("always") => conf.kind = PluginType::Always,
        "format" if is("binary") => conf.format = Format::Binary,
        "format" if is("string") => conf.format = Format::String,
        "active" | "direction" | "type" | "format" => return not_found(diags),
        "path" => {
            if !is_builtin(value) {
                let dir = dirname(value);
                // '/var' is the shortest directory the reference accepts.
                if dir.len() < 4 {
                    diags.push(err_at(
                        n,
                        format!("The directory name: {} is too short - line {n}", lossy(&dir)),
                    ));
                    return Err(());
                }
            }
            conf.path = Some(PathBuf::from(OsString::from_vec(value.to_vec())));
        }
        _ => {
            // args
            conf.args = tokens[2..tokens.len().min(if format_arg { 5 } else { 4 })]
                .iter()
                .map(|t| OsString::from_vec(t.to_vec()))
                .collect();
        }
    }
    Ok(())
}

/// The checks on an active plugin once the whole file is read.
fn sanity_check(conf: &mut PluginConf, file: &str, diags: &mut Vec<Diagnostic>) -> Result<(), ()> {
    if !conf.active {
        return Ok(());
    }
    let Some(path) = conf.path.clone() else {
        diags.push(err(format!("Error - plugin ({file}) is active but no path given")));
        return Err(());
    };
    if conf.is_builtin_path() {
        return Ok(());
    }
    let shown = path.to_string_lossy();
    // Beyond the reference: a relative path would name a program wherever the daemon's working
    // directory happens to be.
    if !path.is_absolute() {
        diags.push(err(format!("Error - plugin ({file}) path {shown} is not absolute")));
        return Err(());
    }
    let md = match std::fs::metadata(&path) {
        Ok(md) => md,
        Err(e) => {
            diags.push(err(format!(
                "Unable to stat {shown} ({})",
                raudit_tables::errno::io_text(&e)
            )));
            return Err(());
        }
    };
    if !md.file_type().is_file() {
        diags.push(err(format!("{shown} is not a regular file")));
        return Err(());
    }
    if md.uid() != 0 {
        diags.push(err(format!("{shown} is not owned by root")));
        return Err(());
    }
    // Beyond the reference (which tests only that 0750 is set): a program anyone may rewrite
    // would run anyone's code as root.
    if md.mode() & 0o002 != 0 {
        diags.push(err(format!("{shown} is world writable")));
        return Err(());
    }
    if md.mode() & 0o750 != 0o750 {
        diags.push(err(format!("{shown} permissions should be 0750")));
        return Err(());
    }
    conf.inode = md.ino();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert!(is_plugin_file_name(b"af_unix.conf"));
        assert!(is_plugin_file_name(b"syslog"));
        assert!(!is_plugin_file_name(b".hidden"));
        assert!(!is_plugin_file_name(b"x.conf.save"));
        assert!(!is_plugin_file_name(b""));
    }

    #[test]
    fn text_without_a_file() {
        let mut diags = Vec::new();
        let text =
            b"active = yes\npath = builtin_af_unix\ntype = builtin\nargs = 0640 /run/x string\n";
        let conf = parse_plugin_text(Path::new("/p/af.conf"), text, &mut diags).unwrap();
        assert!(conf.active && conf.is_af_unix() && diags.is_empty());
        assert_eq!(conf.args.len(), 3);
        let bad = parse_plugin_text(
            Path::new("/p/x.conf"),
            b"active = yes\npath = /sbin/\x1b[31m\n",
            &mut diags,
        );
        assert_eq!(bad.unwrap_err().name, "x.conf");
        assert!(!diags.is_empty());
    }
}
