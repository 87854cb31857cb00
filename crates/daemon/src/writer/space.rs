//! The space checks: the log filesystem's free space against space_left and
//! admin_space_left (percentages resolved at open) and the last blocks the daemon never uses.

use std::time::{Duration, Instant};

use raudit_config::DiskAction;

use super::actions::DiskEvent;
use super::{LogWriter, MEGABYTE};
use crate::hooks::{Hooks, Priority};

/// Free space of the log's filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FsSpace {
    pub block_size: u64,
    pub blocks: u64,
    pub available: u64,
}

/// Blocks the daemon never consumes: below this the disk counts as full.
const RESERVED_BLOCKS: u64 = 5;

/// A write checks free space when the last check is this old, whatever the reference's
/// `log_size % 8` sampling says: records of one length can keep that test false for good.
pub(super) const SPACE_CHECK_EVERY: Duration = Duration::from_secs(1);

impl<H: Hooks> LogWriter<H> {
    /// Free space of the log's filesystem (None when no log is open).
    pub fn fs_space(&self) -> Option<FsSpace> {
        let f = self.file.as_ref()?;
        let s = rustix::fs::fstatfs(f).ok()?;
        Some(FsSpace { block_size: s.f_bsize as u64, blocks: s.f_blocks, available: s.f_bavail })
    }

    /// Resolves the thresholds (a percentage needs the filesystem's size) and says when they are
    /// in the wrong order.
    pub(super) fn setup_thresholds(&mut self) {
        let (blocks, bsize) = self.fs_space().map_or((0, 0), |s| (s.blocks, s.block_size));
        self.space_left_mb = self.cfg.space_left.megabytes(blocks, bsize);
        self.admin_space_left_mb = self.cfg.admin_space_left.megabytes(blocks, bsize);
        if self.file.is_some() && self.space_left_mb <= self.admin_space_left_mb {
            let t = format!(
                "Error - space_left({}) must be larger than admin_space_left({})",
                self.space_left_mb, self.admin_space_left_mb
            );
            self.hooks.message(Priority::Err, &t);
        }
    }

    /// Run the space checks now (the daemon does this at start, after reconfigure and after
    /// some writes). A threshold's action runs once per crossing; SYSLOG is re-armed when space
    /// comes back, ROTATE runs at every check below the threshold.
    pub fn check_space(&mut self) {
        self.space_checked_at = Instant::now();
        let Some(s) = self.fs_space() else { return };
        if s.available < RESERVED_BLOCKS {
            self.state.fs_space_left = false;
            self.disk_action(DiskEvent::Full);
            return;
        }
        let per_mb = MEGABYTE / s.block_size.max(1);
        for event in [DiskEvent::SpaceLow, DiskEvent::AdminSpaceLow] {
            let admin = matches!(event, DiskEvent::AdminSpaceLow);
            let mb = if admin { self.admin_space_left_mb } else { self.space_left_mb };
            let action = event.action(&self.cfg).clone();
            let warned =
                if admin { self.state.admin_space_warning } else { self.state.space_warning };
            if s.available < mb.saturating_mul(per_mb) {
                if !warned {
                    self.disk_action(event);
                    if action != DiskAction::Rotate {
                        self.set_warning(admin, true);
                    }
                }
            } else if warned && action == DiskAction::Syslog {
                self.set_warning(admin, false);
            }
            if self.file.is_none() {
                return;
            }
        }
    }

    /// The last space check is older than [`SPACE_CHECK_EVERY`].
    pub(super) fn space_check_due(&self) -> bool {
        self.space_checked_at.elapsed() >= SPACE_CHECK_EVERY
    }

    fn set_warning(&mut self, admin: bool, on: bool) {
        if admin {
            self.state.admin_space_warning = on;
        } else {
            self.state.space_warning = on;
        }
    }
}
