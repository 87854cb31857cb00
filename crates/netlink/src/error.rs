//! The crate's error type.

use std::fmt;
use std::io;

use raudit_proto::DecodeError;

/// Everything that can go wrong talking to the kernel.
#[derive(Debug)]
pub enum Error {
    /// The kernel answered the request `op` with `-errno` in NLMSG_ERROR.
    Kernel { errno: i32, op: &'static str },
    /// A socket call failed (opening, sending, receiving).
    Io { op: &'static str, source: io::Error },
    /// No complete answer arrived within the client's timeout.
    Timeout { op: &'static str },
    /// A reply could not be decoded.
    Decode { op: &'static str, source: DecodeError },
    /// A reply broke the protocol in another way (cut datagram, missing data).
    Protocol { op: &'static str, reason: &'static str },
    /// The caller's request cannot be sent as given.
    InvalidInput { op: &'static str, reason: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The symbolic name of an errno value (EEXIST, ...).
fn errno_name(errno: i32) -> Option<&'static str> {
    raudit_tables::errno::name(u32::try_from(errno).ok()?)
}

impl Error {
    /// The errno behind the error: the kernel's answer, or a socket call's.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Kernel { errno, .. } => Some(*errno),
            Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    fn is(&self, e: i32) -> bool {
        self.errno() == Some(e)
    }

    /// EEXIST: identical rule already loaded, or another daemon registered.
    pub fn is_exists(&self) -> bool {
        self.is(libc::EEXIST)
    }

    /// ENOENT: deleting a rule that is not loaded.
    pub fn is_not_found(&self) -> bool {
        self.is(libc::ENOENT)
    }

    /// EPERM: no CAP_AUDIT_CONTROL/CAP_AUDIT_WRITE, not the initial pid
    /// namespace, audit locked (enabled=2), or a locked feature.
    pub fn is_permission(&self) -> bool {
        self.is(libc::EPERM)
    }

    /// EACCES: unregistering a daemon that is not ours.
    pub fn is_access(&self) -> bool {
        self.is(libc::EACCES)
    }

    /// EINVAL: the kernel rejected a value or a rule.
    pub fn is_invalid(&self) -> bool {
        self.is(libc::EINVAL)
    }

    /// The kernel has no usable audit: no CONFIG_AUDIT (EPROTONOSUPPORT when
    /// opening) or not the initial user namespace (ECONNREFUSED).
    pub fn is_no_audit(&self) -> bool {
        self.is(libc::ECONNREFUSED) || self.is(libc::EPROTONOSUPPORT)
    }

    /// No answer in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// The operation that failed.
    pub fn op(&self) -> &'static str {
        match self {
            Error::Kernel { op, .. }
            | Error::Io { op, .. }
            | Error::Timeout { op }
            | Error::Decode { op, .. }
            | Error::Protocol { op, .. }
            | Error::InvalidInput { op, .. } => op,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Kernel { errno, op } => {
                let text = raudit_tables::errno::text(*errno).to_lowercase();
                match errno_name(*errno) {
                    Some(name) => write!(f, "{op}: kernel answered {name} ({text})"),
                    None => write!(f, "{op}: kernel answered errno {errno} ({text})"),
                }
            }
            Error::Io { op, source } => write!(f, "{op}: {source}"),
            Error::Timeout { op } => write!(f, "{op}: no answer from the kernel in time"),
            Error::Decode { op, source } => write!(f, "{op}: bad reply: {source}"),
            Error::Protocol { op, reason } => write!(f, "{op}: {reason}"),
            Error::InvalidInput { op, reason } => write!(f, "{op}: {reason}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}
