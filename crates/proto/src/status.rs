//! `struct audit_status` (AUDIT_GET reply, AUDIT_SET request),
//! `struct audit_features`, `struct audit_sig_info`, `struct audit_tty_status`.

use crate::DecodeError;
use crate::nl::u32_at;

/// Mask bits of `audit_status.mask`.
pub mod mask {
    pub const ENABLED: u32 = 0x0001;
    pub const FAILURE: u32 = 0x0002;
    pub const PID: u32 = 0x0004;
    pub const RATE_LIMIT: u32 = 0x0008;
    pub const BACKLOG_LIMIT: u32 = 0x0010;
    pub const BACKLOG_WAIT_TIME: u32 = 0x0020;
    pub const LOST: u32 = 0x0040;
    pub const BACKLOG_WAIT_TIME_ACTUAL: u32 = 0x0080;
}

/// Full size of `audit_status` on current kernels.
pub const STATUS_SIZE: usize = 44;
/// Size before `feature_bitmap`/`backlog_wait_time` existed.
pub const STATUS_MIN_SIZE: usize = 32;

/// `struct audit_status`. Fields missing from an older kernel's shorter
/// reply read as `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Status {
    pub mask: u32,
    pub enabled: u32,
    pub failure: u32,
    pub pid: u32,
    pub rate_limit: u32,
    pub backlog_limit: u32,
    pub lost: u32,
    pub backlog: u32,
    /// `version` / `feature_bitmap` (a union in the header).
    pub feature_bitmap: Option<u32>,
    pub backlog_wait_time: Option<u32>,
    pub backlog_wait_time_actual: Option<u32>,
}

impl Status {
    /// Always the full 44 bytes: setting backlog_wait_time needs it.
    pub fn encode(&self) -> Vec<u8> {
        let words = [
            self.mask,
            self.enabled,
            self.failure,
            self.pid,
            self.rate_limit,
            self.backlog_limit,
            self.lost,
            self.backlog,
            self.feature_bitmap.unwrap_or(0),
            self.backlog_wait_time.unwrap_or(0),
            self.backlog_wait_time_actual.unwrap_or(0),
        ];
        words.iter().flat_map(|w| w.to_ne_bytes()).collect()
    }

    pub fn decode(bytes: &[u8]) -> Result<Status, DecodeError> {
        if bytes.len() < STATUS_MIN_SIZE {
            return Err(DecodeError::Truncated { needed: STATUS_MIN_SIZE, got: bytes.len() });
        }
        let opt = |at: usize| (bytes.len() >= at + 4).then(|| u32_at(bytes, at));
        Ok(Status {
            mask: u32_at(bytes, 0),
            enabled: u32_at(bytes, 4),
            failure: u32_at(bytes, 8),
            pid: u32_at(bytes, 12),
            rate_limit: u32_at(bytes, 16),
            backlog_limit: u32_at(bytes, 20),
            lost: u32_at(bytes, 24),
            backlog: u32_at(bytes, 28),
            feature_bitmap: opt(32),
            backlog_wait_time: opt(36),
            backlog_wait_time_actual: opt(40),
        })
    }
}

/// `AUDIT_FEATURE_BITMAP_*` bits reported in `Status::feature_bitmap`.
pub mod feature_bitmap {
    pub const BACKLOG_LIMIT: u32 = 0x01;
    pub const BACKLOG_WAIT_TIME: u32 = 0x02;
    pub const EXECUTABLE_PATH: u32 = 0x04;
    pub const EXCLUDE_EXTEND: u32 = 0x08;
    pub const SESSIONID_FILTER: u32 = 0x10;
    pub const LOST_RESET: u32 = 0x20;
    pub const FILTER_FS: u32 = 0x40;
}

/// Feature numbers of `struct audit_features` (a bit each).
pub const FEATURE_ONLY_UNSET_LOGINUID: u32 = 0;
pub const FEATURE_LOGINUID_IMMUTABLE: u32 = 1;
/// `AUDIT_FEATURE_VERSION`.
pub const FEATURE_VERSION: u32 = 1;
pub const FEATURES_SIZE: usize = 16;

/// `struct audit_features`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    pub vers: u32,
    pub mask: u32,
    pub features: u32,
    pub lock: u32,
}

impl Features {
    /// A SET_FEATURE request changing feature number `n` (value and lock).
    pub fn set_request(n: u32, on: bool, lock: bool) -> Features {
        let bit = 1u32 << n;
        Features {
            vers: FEATURE_VERSION,
            mask: bit,
            features: if on { bit } else { 0 },
            lock: if lock { bit } else { 0 },
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        [self.vers, self.mask, self.features, self.lock]
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect()
    }

    pub fn decode(bytes: &[u8]) -> Result<Features, DecodeError> {
        if bytes.len() < FEATURES_SIZE {
            return Err(DecodeError::Truncated { needed: FEATURES_SIZE, got: bytes.len() });
        }
        Ok(Features {
            vers: u32_at(bytes, 0),
            mask: u32_at(bytes, 4),
            features: u32_at(bytes, 8),
            lock: u32_at(bytes, 12),
        })
    }

    /// Whether feature number `n` is on.
    pub fn is_set(&self, n: u32) -> bool {
        self.features & (1 << n) != 0
    }

    /// Whether feature number `n` is locked.
    pub fn is_locked(&self, n: u32) -> bool {
        self.lock & (1 << n) != 0
    }
}

/// `struct audit_sig_info`: who last signalled the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SigInfo {
    /// The sender's loginuid, or its uid when the loginuid is unset.
    pub uid: u32,
    pub pid: u32,
    /// LSM context of the sender, when an LSM supplied one.
    pub ctx: Option<Vec<u8>>,
}

impl SigInfo {
    pub fn decode(bytes: &[u8]) -> Result<SigInfo, DecodeError> {
        if bytes.len() < 8 {
            return Err(DecodeError::Truncated { needed: 8, got: bytes.len() });
        }
        let ctx = &bytes[8..];
        let ctx = ctx.split(|&b| b == 0).next().unwrap_or(&[]);
        Ok(SigInfo {
            uid: u32_at(bytes, 0),
            pid: u32_at(bytes, 4),
            ctx: (!ctx.is_empty()).then(|| ctx.to_vec()),
        })
    }
}

/// `struct audit_tty_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TtyStatus {
    pub enabled: u32,
    pub log_passwd: u32,
}

impl TtyStatus {
    pub fn encode(&self) -> Vec<u8> {
        [self.enabled, self.log_passwd].iter().flat_map(|w| w.to_ne_bytes()).collect()
    }

    /// Kernels before 3.15 send only `enabled`.
    pub fn decode(bytes: &[u8]) -> Result<TtyStatus, DecodeError> {
        if bytes.len() < 4 {
            return Err(DecodeError::Truncated { needed: 4, got: bytes.len() });
        }
        Ok(TtyStatus {
            enabled: u32_at(bytes, 0),
            log_passwd: if bytes.len() >= 8 { u32_at(bytes, 4) } else { 0 },
        })
    }
}

/// AUDIT_MAKE_EQUIV payload: two lengths, then both paths with no NULs.
pub fn make_equiv_payload(mount: &[u8], subtree: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + mount.len() + subtree.len());
    out.extend_from_slice(&(mount.len() as u32).to_ne_bytes());
    out.extend_from_slice(&(subtree.len() as u32).to_ne_bytes());
    out.extend_from_slice(mount);
    out.extend_from_slice(subtree);
    out
}

/// Reads an AUDIT_MAKE_EQUIV payload back into (mount, subtree).
pub fn parse_make_equiv(payload: &[u8]) -> Result<(&[u8], &[u8]), DecodeError> {
    if payload.len() < 8 {
        return Err(DecodeError::Truncated { needed: 8, got: payload.len() });
    }
    let (a, b) = (u32_at(payload, 0) as u64, u32_at(payload, 4) as u64);
    let rest = &payload[8..];
    if a + b > rest.len() as u64 {
        return Err(DecodeError::BadInnerLength {
            what: "make_equiv paths",
            len: a + b,
            available: rest.len(),
        });
    }
    let (mount, rest) = rest.split_at(a as usize);
    Ok((mount, &rest[..b as usize]))
}

/// A user message payload: the text and its NUL, as libaudit sends it.
pub fn user_message_payload(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 1);
    out.extend_from_slice(text);
    out.push(0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trip_and_short_replies() {
        let st = Status {
            mask: mask::BACKLOG_LIMIT,
            enabled: 1,
            backlog_limit: 8192,
            feature_bitmap: Some(0x7f),
            backlog_wait_time: Some(60000),
            backlog_wait_time_actual: Some(3),
            ..Status::default()
        };
        let bytes = st.encode();
        assert_eq!(bytes.len(), STATUS_SIZE);
        assert_eq!(Status::decode(&bytes), Ok(st));
        let old = Status::decode(&bytes[..40]).unwrap();
        assert_eq!(old.backlog_wait_time, Some(60000));
        assert_eq!(old.backlog_wait_time_actual, None);
        assert!(Status::decode(&bytes[..31]).is_err());
    }

    #[test]
    fn features_sig_info_tty() {
        let f = Features { vers: 1, mask: 2, features: 2, lock: 0 };
        assert_eq!(Features::decode(&f.encode()), Ok(f));
        assert!(f.is_set(FEATURE_LOGINUID_IMMUTABLE) && !f.is_locked(FEATURE_LOGINUID_IMMUTABLE));
        let mut raw = vec![0u8; 8];
        raw[4] = 9;
        raw.extend_from_slice(b"unconfined\0");
        let si = SigInfo::decode(&raw).unwrap();
        assert_eq!(si.ctx.as_deref(), Some(&b"unconfined"[..]));
        assert_eq!(SigInfo::decode(&raw[..8]).unwrap().ctx, None);
        let t = TtyStatus { enabled: 1, log_passwd: 1 };
        assert_eq!(TtyStatus::decode(&t.encode()), Ok(t));
        assert!(TtyStatus::decode(&[1]).is_err());
        let eq = make_equiv_payload(b"/a", b"/bc");
        assert_eq!(eq.len(), 13);
        assert_eq!(parse_make_equiv(&eq), Ok((&b"/a"[..], &b"/bc"[..])));
        assert!(parse_make_equiv(&eq[..12]).is_err());
        assert!(parse_make_equiv(&eq[..7]).is_err());
    }
}
