//! laurel (Debian `laurel`) is the real plugin both the dispatcher's and the
//! daemon's suites run; one configuration keeps their runs comparable.

use std::path::{Path, PathBuf};

/// Writes `dir/laurel.toml` and returns its path: laurel writing
/// `audit.json` into `dir` (created as needed), as root (no `user`), with the
/// /proc enrichment off so that two runs over the same records give the same
/// bytes.
///
/// # Panics
/// When `dir` or the file cannot be written (a test set-up failure).
pub fn laurel_config(dir: &Path) -> PathBuf {
    let cfg = dir.join("laurel.toml");
    let text = format!(
        "directory = \"{}\"\nstatusreport-period = 0\n[auditlog]\nfile = \"audit.json\"\n\
         [enrich]\npid = false\nexecve-env = []\ncontainer = false\nscript = false\n",
        dir.display()
    );
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&cfg, text)) {
        panic!("cannot write {}: {e}", cfg.display());
    }
    cfg
}
