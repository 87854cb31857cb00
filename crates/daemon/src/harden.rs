//! The daemon's defences against files planted by someone else: the pid file and the log files
//! are never written through a symbolic link, their modes and owners are set on the open
//! descriptor (so a link swapped in between a check and a chmod changes nothing), and a helper
//! program (a disk action's EXEC script, the mailer) is checked again right before it runs.
//!
//! Why: the daemon runs as root, so a chmod or a write that follows a link planted by a less
//! trusted user is a way to change any file on the system, and a helper anyone can rewrite runs
//! that anyone's code as root.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rustix::fs::OFlags;

/// Whether `path` itself (not what it points to) is a symbolic link.
pub fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The error a refused link gives: ELOOP, what O_NOFOLLOW gives, so callers word it one way.
fn symlink_refused() -> io::Error {
    io::Error::from_raw_os_error(rustix::io::Errno::LOOP.raw_os_error())
}

/// Writes the pid file: created or truncated without following a link, mode 0644 whatever the
/// umask, owned by root:root (as the reference's, plus the owner it leaves to chance).
pub fn write_pid_file(path: &Path) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .custom_flags((OFlags::NOFOLLOW | OFlags::CLOEXEC).bits() as i32)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                io::Error::new(e.kind(), "it is a symbolic link; refusing to follow it")
            } else {
                e
            }
        })?;
    if !f.metadata()?.file_type().is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    // Only root can give a file away; an unprivileged test daemon keeps its own.
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::fchown(&f, Some(0), Some(0))?;
    }
    writeln!(f, "{}", std::process::id())
}

/// Sets `path`'s mode and owner (root:`group`) through a descriptor opened without following a
/// link. A link is refused (ELOOP) and left alone; `dir` says a directory is expected.
pub fn set_mode_nofollow(path: &Path, mode: u32, group: u32, dir: bool) -> io::Result<()> {
    let mut flags = OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    if dir {
        flags |= OFlags::DIRECTORY;
    }
    let f = match OpenOptions::new().read(true).custom_flags(flags.bits() as i32).open(path) {
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err(symlink_refused());
        }
        // O_DIRECTORY|O_NOFOLLOW on a link to a directory gives ENOTDIR.
        Err(e) if dir && is_symlink(path) => {
            let _ = e;
            return Err(symlink_refused());
        }
        r => r?,
    };
    let md = f.metadata()?;
    if !dir && !md.file_type().is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    fix_open_file(&f, mode, group)
}

/// Mode and root:`group` ownership on an open file. A failed chown is not an error here (the
/// reference ignores it in its permission repair too; only root may chown).
fn fix_open_file(f: &File, mode: u32, group: u32) -> io::Result<()> {
    f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    let _ = std::os::unix::fs::fchown(f, Some(0), Some(group));
    Ok(())
}

/// Why a helper program may not run as root, or None when it may: it must be a regular file
/// given by an absolute path, owned by root and writable by no one else. The config parser
/// checked this once; the file may have changed since, so it is checked again before each run.
pub fn helper_refusal(path: &Path) -> Option<String> {
    if !path.is_absolute() {
        return Some("it is not an absolute path".into());
    }
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) => return Some(raudit_tables::errno::io_text(&e).to_string()),
    };
    if !md.file_type().is_file() {
        Some("it is not a regular file".into())
    } else if md.uid() != 0 {
        Some("it is not owned by root".into())
    } else if md.mode() & 0o002 != 0 {
        Some("it is world writable".into())
    } else if md.mode() & 0o020 != 0 {
        Some("it is group writable".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_file_is_not_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let pid = dir.path().join("auditd.pid");
        std::os::unix::fs::symlink(&victim, &pid).unwrap();
        let e = write_pid_file(&pid).unwrap_err();
        assert_eq!(e.to_string(), "it is a symbolic link; refusing to follow it");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }

    #[test]
    fn pid_file_mode_ignores_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let pid = dir.path().join("auditd.pid");
        std::fs::write(&pid, "old and longer\n").unwrap();
        std::fs::set_permissions(&pid, std::fs::Permissions::from_mode(0o666)).unwrap();
        write_pid_file(&pid).unwrap();
        let md = std::fs::metadata(&pid).unwrap();
        assert_eq!(md.mode() & 0o7777, 0o644);
        assert_eq!(std::fs::read_to_string(&pid).unwrap(), format!("{}\n", std::process::id()));
    }

    #[test]
    fn mode_is_not_set_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("audit.log.1");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(set_mode_nofollow(&link, 0o400, 0, false).is_err());
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let dlink = dir.path().join("dlink");
        std::os::unix::fs::symlink(&sub, &dlink).unwrap();
        let e = set_mode_nofollow(&dlink, 0o700, 0, true).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(rustix::io::Errno::LOOP.raw_os_error()), "{e}");
        assert_eq!(std::fs::metadata(&victim).unwrap().mode() & 0o777, 0o644);
    }

    #[test]
    fn helpers_others_can_change_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("helper");
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o757)).unwrap();
        let root = rustix::process::geteuid().is_root();
        let why = helper_refusal(&p).unwrap();
        assert!(why == "it is world writable" || !root, "{why}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o775)).unwrap();
        let why = helper_refusal(&p).unwrap();
        assert!(why == "it is group writable" || !root, "{why}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(helper_refusal(&p).is_none(), root);
        assert_eq!(helper_refusal(Path::new("helper")).unwrap(), "it is not an absolute path");
        assert_eq!(helper_refusal(dir.path()).unwrap(), "it is not a regular file");
        if root {
            std::os::unix::fs::chown(&p, Some(1), None).unwrap();
            assert_eq!(helper_refusal(&p).unwrap(), "it is not owned by root");
        }
    }
}
