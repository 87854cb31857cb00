//! `raudit index` (raudit's own; no reference tool has it): builds the sidecar index of existing
//! logs, which ausearch then uses to skip the blocks that cannot match (docs/index.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use raudit_cli::flags::Flag;
use raudit_search::index;

use super::logs::LogData;
use crate::Invocation;

/// Every option: the man page and completions come from this table.
pub const FLAGS: &[Flag] =
    &[Flag::switch(Some("-q"), Some("--quiet"), "print nothing for logs indexed without trouble")];

fn usage(name: &str) -> ExitCode {
    eprintln!("usage: {name} [--quiet] LOG...");
    ExitCode::from(2)
}

pub fn main(inv: Invocation) -> ExitCode {
    let name = &inv.display_name;
    let mut quiet = false;
    let mut logs: Vec<PathBuf> = Vec::new();
    let mut options = true;
    for a in &inv.args {
        match a.to_str() {
            Some("--") if options => options = false,
            Some("--quiet" | "-q") if options => quiet = true,
            Some(s) if options && s.starts_with('-') && s.len() > 1 => return usage(name),
            _ => logs.push(PathBuf::from(a)),
        }
    }
    if logs.is_empty() {
        return usage(name);
    }
    let mut code = ExitCode::SUCCESS;
    for log in &logs {
        match index_one(log) {
            Ok(message) if !quiet => println!("{message}"),
            Ok(_) => {}
            Err(e) => {
                eprintln!("{name}: {}: {e}", log.display());
                code = ExitCode::from(1);
            }
        }
    }
    code
}

/// Indexes `log`; what was written, or why not.
fn index_one(log: &Path) -> Result<String, String> {
    use std::os::unix::fs::MetadataExt;
    let io =
        |e: std::io::Error| raudit_tables::errno::io_text(&e).trim_start_matches(' ').to_string();
    let meta = std::fs::metadata(log).map_err(io)?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let data = LogData::map(log).map_err(io)?;
    let bytes = data.bytes();
    let looks_like_a_log =
        bytes.is_empty() || bytes.starts_with(b"type=") || bytes.starts_with(b"node=");
    if !looks_like_a_log {
        return Err("not an audit log (it does not start with type= or node=)".into());
    }
    let built = index::build(meta.dev(), meta.ino(), bytes);
    let path = index::store(log, &built).map_err(io)?;
    // Indexes of files that are gone (rotated away, removed) go with them.
    let dir = log.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let live: Vec<u64> = std::fs::read_dir(dir)
        .map(|d| d.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.ino()).collect())
        .unwrap_or_default();
    index::prune(log, &live);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let share = if built.covered > 0 { size as f64 * 100.0 / built.covered as f64 } else { 0.0 };
    Ok(format!(
        "{}: {} blocks, {} bytes covered, index {} ({size} bytes, {share:.2}% of the log)",
        log.display(),
        built.blocks.len(),
        built.covered,
        path.display()
    ))
}
