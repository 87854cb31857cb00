//! Cgroup ids ↔ paths. The kernel hands out a cgroup v2 id (`bpf_get_current_cgroup_id`),
//! which is the inode number of the cgroup's directory in the cgroup2 mount: walking that
//! tree maps ids to paths, and a path's inode gives the id to filter on.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{BpfError, CgroupTarget};

/// A rescan on an unknown id happens at most this often (new cgroups appear all the time).
const RESCAN_EVERY: Duration = Duration::from_millis(200);

/// Where cgroup2 is mounted: `/sys/fs/cgroup` on a unified host, `/sys/fs/cgroup/unified`
/// on a hybrid one.
pub fn cgroup2_root() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts.lines().find_map(|line| {
        let mut f = line.split(' ');
        let (_dev, dir, fstype) = (f.next()?, f.next()?, f.next()?);
        (fstype == "cgroup2").then(|| PathBuf::from(dir.replace("\\040", " ")))
    })
}

/// Resolves the cgroup named on a command line: a path below the cgroup2 root
/// (`/system.slice/ssh.service`) or a full path inside the mount.
pub fn target(name: &str) -> Result<CgroupTarget, BpfError> {
    let err = |reason: String| BpfError::Cgroup { path: name.to_string(), reason };
    let root = cgroup2_root().ok_or_else(|| err("no cgroup2 file system is mounted".into()))?;
    let full = if Path::new(name).starts_with(&root) {
        PathBuf::from(name)
    } else {
        root.join(name.trim_start_matches('/'))
    };
    let meta = std::fs::metadata(&full).map_err(|e| err(format!("{}: {e}", full.display())))?;
    if !meta.is_dir() {
        return Err(err(format!("{} is not a cgroup directory", full.display())));
    }
    let rel = full.strip_prefix(&root).map_err(|_| err("outside the cgroup2 mount".into()))?;
    let level = rel.components().count() as u32;
    Ok(CgroupTarget { id: meta.ino(), level })
}

/// Caches the id → path map of the cgroup2 tree.
#[derive(Debug)]
pub struct CgroupNames {
    root: Option<PathBuf>,
    by_id: HashMap<u64, String>,
    scanned: Option<Instant>,
}

impl Default for CgroupNames {
    fn default() -> Self {
        CgroupNames::new()
    }
}

impl CgroupNames {
    pub fn new() -> CgroupNames {
        CgroupNames { root: cgroup2_root(), by_id: HashMap::new(), scanned: None }
    }

    /// The path of cgroup `id` below the root (`/` for the root), if it still exists.
    pub fn path(&mut self, id: u64) -> Option<&str> {
        if !self.by_id.contains_key(&id) && self.scanned.is_none_or(|t| t.elapsed() >= RESCAN_EVERY)
        {
            self.rescan();
        }
        self.by_id.get(&id).map(String::as_str)
    }

    fn rescan(&mut self) {
        self.scanned = Some(Instant::now());
        let Some(root) = self.root.clone() else { return };
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(meta) = std::fs::metadata(&dir) else { continue };
            let rel =
                dir.strip_prefix(&root).map(|r| format!("/{}", r.display())).unwrap_or_default();
            self.by_id.insert(meta.ino(), rel);
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(entry.path());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_cgroup_resolves_both_ways() {
        let Some(root) = cgroup2_root() else {
            eprintln!("skipped: no cgroup2 mount");
            return;
        };
        let t = target("/").unwrap();
        assert_eq!(t.level, 0);
        assert_eq!(t.id, std::fs::metadata(&root).unwrap().ino());
        assert_eq!(CgroupNames::new().path(t.id), Some("/"));
        let full = target(root.to_str().unwrap()).unwrap();
        assert_eq!(full, t);
    }

    #[test]
    fn a_missing_cgroup_is_a_clear_error() {
        if cgroup2_root().is_none() {
            return;
        }
        let e = target("/no-such-cgroup-raudit").unwrap_err().to_string();
        assert!(e.starts_with("cgroup /no-such-cgroup-raudit: "), "{e}");
    }
}
