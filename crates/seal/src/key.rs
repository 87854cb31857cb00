//! The HMAC key: read from a file that only root may read, since whoever reads it can forge
//! checkpoints.

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Fewer key bytes than this would make the HMAC guessable.
pub const MIN_KEY_BYTES: usize = 16;
/// A key file larger than this is not a key (the whole file is the key).
const MAX_KEY_BYTES: u64 = 4096;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the seal key {} ({source})", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the seal key {} must be owned by root (it is owned by uid {uid})", path.display())]
    NotRootOwned { path: PathBuf, uid: u32 },
    #[error(
        "the seal key {} must be readable by its owner only (mode 0600; it is {mode:04o})",
        path.display()
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("the seal key {} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error(
        "the seal key {} holds {len} bytes; it needs {MIN_KEY_BYTES} to {MAX_KEY_BYTES} \
         (e.g. head -c 32 /dev/urandom)",
        path.display()
    )]
    BadLength { path: PathBuf, len: u64 },
}

/// The key's bytes (the whole file, as it is).
#[derive(Clone)]
pub struct SealKey(Vec<u8>);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({} bytes)", self.0.len())
    }
}

impl SealKey {
    /// The daemon's key: the file must be a root-owned regular file with no group or other
    /// permission bits (0600 or stricter); it is never followed through a symlink.
    pub fn load_private(path: &Path) -> Result<SealKey, KeyError> {
        Self::load(path, true)
    }

    /// The verifier's key: a copy an auditor keeps, so the owner is not checked.
    pub fn load_for_verify(path: &Path) -> Result<SealKey, KeyError> {
        Self::load(path, false)
    }

    /// A key from bytes (tests, or keys kept elsewhere).
    pub fn from_bytes(bytes: &[u8]) -> SealKey {
        SealKey(bytes.to_vec())
    }

    fn load(path: &Path, private: bool) -> Result<SealKey, KeyError> {
        let read_err = |source| KeyError::Read { path: path.to_owned(), source };
        let mut f = OpenOptions::new()
            .read(true)
            .custom_flags(libc_nofollow())
            .open(path)
            .map_err(read_err)?;
        let meta = f.metadata().map_err(read_err)?;
        if !meta.is_file() {
            return Err(KeyError::NotAFile { path: path.to_owned() });
        }
        if private && meta.uid() != 0 {
            return Err(KeyError::NotRootOwned { path: path.to_owned(), uid: meta.uid() });
        }
        if private && meta.mode() & 0o077 != 0 {
            return Err(KeyError::TooOpen { path: path.to_owned(), mode: meta.mode() & 0o7777 });
        }
        let len = meta.len();
        if !(MIN_KEY_BYTES as u64..=MAX_KEY_BYTES).contains(&len) {
            return Err(KeyError::BadLength { path: path.to_owned(), len });
        }
        let mut bytes = Vec::with_capacity(len as usize);
        f.read_to_end(&mut bytes).map_err(read_err)?;
        Ok(SealKey(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// O_NOFOLLOW: a key planted as a symlink is refused.
fn libc_nofollow() -> i32 {
    libc::O_NOFOLLOW
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn key_file(dir: &Path, mode: u32, len: usize) -> PathBuf {
        let p = dir.join("seal.key");
        std::fs::write(&p, vec![7u8; len]).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn group_readable_key_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = key_file(d.path(), 0o640, 32);
        let e = SealKey::load_private(&p).unwrap_err();
        assert!(matches!(e, KeyError::TooOpen { mode: 0o640, .. }), "{e}");
        assert!(e.to_string().contains("mode 0600"));
        // The verifier's copy need not be private.
        assert!(SealKey::load_for_verify(&p).is_ok());
    }

    #[test]
    fn short_key_and_symlink_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = key_file(d.path(), 0o600, 8);
        assert!(matches!(SealKey::load_for_verify(&p), Err(KeyError::BadLength { len: 8, .. })));
        let p = key_file(d.path(), 0o600, 32);
        let link = d.path().join("link.key");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        assert!(matches!(SealKey::load_for_verify(&link), Err(KeyError::Read { .. })));
    }

    #[test]
    fn private_key_needs_root_owner() {
        let d = tempfile::tempdir().unwrap();
        let p = key_file(d.path(), 0o600, 32);
        let r = SealKey::load_private(&p);
        if running_as_root() {
            assert!(r.is_ok());
        } else {
            assert!(matches!(r, Err(KeyError::NotRootOwned { .. })));
        }
    }

    fn running_as_root() -> bool {
        std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
    }
}
