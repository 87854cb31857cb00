//! Tamper-evident audit logs (raudit's own feature; the reference has none).
//!
//! Every line the daemon writes to a sealed log goes into a hash chain: the chain value after a
//! line is `SHA-256(previous value || SHA-256(line bytes))`. Every so often the daemon writes a
//! checkpoint record (type 2990, `RAUDIT_SEAL`, spelled `UNKNOWN[2990]` in the log as the
//! reference spells every type it has no name for) that states the chain value, how many lines
//! precede it, a short tag of each line since the previous checkpoint, and the previous
//! checkpoint's MAC, all under an HMAC-SHA256 with a key only the daemon holds. The checkpoint
//! line is itself the next line of the chain. A file's first checkpoint names the previous
//! file's last one, so a rotated set forms one chain.
//!
//! [`Sealer`] is the writer's side, [`verify`] the checker's; [`line`] holds the checkpoint
//! record's text, [`key`] the key file's rules.

pub mod chain;
pub mod key;
pub mod line;
mod resume;
pub mod verify;

pub use chain::{Policy, Sealer};
pub use key::{KeyError, SealKey};
pub use line::{Checkpoint, Reason, SEAL_TYPE};
pub use resume::Resumed;
pub use verify::{Finding, Options, Report, verify_set};
