//! Man pages and shell completions, generated from the tools' flag tables
//! (`raudit --generate man|completions DIR`), so they cannot drift from the
//! parsers. The package build runs the generator into target/ before
//! `cargo deb` (scripts/build-deb); docs/packaging.md describes the flow.

mod complete;
mod conf;
mod pages;
mod roff;
#[cfg(test)]
mod tests;

use std::io;
use std::path::Path;

use raudit_cli::flags::{Flag, Values};

pub use conf::CONF_PAGES;
pub use pages::PAGES;

/// The man page and completions of one tool of [`crate::TOOLS`].
pub struct Page {
    /// The tool's subcommand (its key in `TOOLS`).
    pub subcommand: &'static str,
    /// Other names the tool is run by, beside `raudit SUB` and the legacy name.
    pub extra_names: &'static [&'static str],
    /// What follows the name in the synopsis (`[options]`, `[-r] program [args...]`).
    pub synopsis: &'static str,
    /// Paragraphs of the DESCRIPTION section.
    pub description: &'static [&'static str],
    /// The tool's flag table.
    pub flags: fn() -> Vec<Flag>,
    /// What completes a word that is not an option.
    pub operands: Option<fn() -> Values>,
    /// EXIT STATUS entries: code, meaning.
    pub exit_status: &'static [(&'static str, &'static str)],
    /// FILES entries: path, meaning.
    pub files: &'static [(&'static str, &'static str)],
}

impl Page {
    /// The tool's entry in the dispatch table.
    pub fn tool(&self) -> Option<&'static crate::Tool> {
        crate::dispatch::find_tool(self.subcommand)
    }

    /// The man page's file name: `raudit-search.8`.
    pub fn man_name(&self) -> String {
        format!("raudit-{}", self.subcommand)
    }

    /// Every command name that runs this tool directly (legacy name first).
    pub fn command_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&str> = self.tool().map(|t| t.legacy_name).into_iter().collect();
        names.extend(self.extra_names);
        names
    }
}

/// The page of `subcommand`.
pub fn page(subcommand: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.subcommand == subcommand)
}

/// What `--generate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Man,
    Completions,
}

/// Writes every man page (`DIR/man8`, `DIR/man5`) or every completion file
/// (`DIR/bash`, `DIR/zsh`, `DIR/fish`) under `dir`; returns the files written.
pub fn generate(kind: Kind, dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let files: Vec<(String, String)> = match kind {
        Kind::Man => roff::all_pages(),
        Kind::Completions => complete::all_files(),
    };
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// `raudit --generate man|completions DIR`.
pub fn main(args: &[std::ffi::OsString]) -> std::process::ExitCode {
    use std::process::ExitCode;
    let kind = match args.first().and_then(|a| a.to_str()) {
        Some("man") => Kind::Man,
        Some("completions") => Kind::Completions,
        _ => {
            eprintln!("usage: raudit --generate man|completions DIR");
            return ExitCode::from(2);
        }
    };
    let Some(dir) = args.get(1).filter(|_| args.len() == 2) else {
        eprintln!("usage: raudit --generate man|completions DIR");
        return ExitCode::from(2);
    };
    match generate(kind, Path::new(dir)) {
        Ok(files) => {
            println!("raudit: wrote {} files under {}", files.len(), Path::new(dir).display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("raudit: --generate: {}: {e}", Path::new(dir).display());
            ExitCode::from(1)
        }
    }
}
