//! LogWriter: flush modes, permissions, rotation, size actions, and the space/full/error policies on a
//! real size-limited tmpfs.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use raudit_config::{DaemonConfig, DiskAction, Flush, SizeAction, SpaceThreshold};
use raudit_daemon::testing::RecordingHooks as Rec;
use raudit_daemon::writer::rotated_name;
use raudit_daemon::{LogWriter, Runlevel};

fn cfg(dir: &Path) -> DaemonConfig {
    DaemonConfig { log_file: dir.join("audit.log"), ..DaemonConfig::code_defaults() }
}

fn line(i: usize, len: usize) -> Vec<u8> {
    let mut l = format!("type=USER msg=audit(1.000:{i}): n={i} ").into_bytes();
    l.resize(len - 1, b'x');
    l.push(b'\n');
    l
}

#[test]
fn writes_lines_with_modes_and_group() {
    let d = tempfile::tempdir().unwrap();
    let mut w = LogWriter::open(cfg(d.path()), Rec::default());
    let out = w.write_batch(&[line(1, 50), line(2, 60)]);
    assert_eq!((out.written, out.dropped), (2, 0));
    assert_eq!(w.log_size(), 110);
    w.shutdown();
    let p = d.path().join("audit.log");
    let md = std::fs::metadata(&p).unwrap();
    assert_eq!(md.mode() & 0o777, 0o600);
    assert_eq!(std::fs::read(&p).unwrap(), [line(1, 50), line(2, 60)].concat());
    assert_eq!(std::fs::metadata(d.path()).unwrap().mode() & 0o777, 0o700);

    // log_group: 0640 file, 0750 directory, group owner; appends to the existing file.
    let c = DaemonConfig { log_group: 4, ..cfg(d.path()) };
    let mut w = LogWriter::open(c, Rec::default());
    assert_eq!(w.log_size(), 110);
    w.write_batch(&[line(3, 40)]);
    w.shutdown();
    let md = std::fs::metadata(&p).unwrap();
    assert_eq!((md.mode() & 0o777, md.gid()), (0o640, 4));
    assert_eq!(std::fs::metadata(d.path()).unwrap().mode() & 0o777, 0o750);
    assert_eq!(md.len(), 150);
}

#[test]
fn flush_modes() {
    let d = tempfile::tempdir().unwrap();
    let batch: Vec<Vec<u8>> = (0..5).map(|i| line(i, 40)).collect();
    // SYNC / DATA: one sync per batch (group commit).
    for flush in [Flush::Sync, Flush::Data] {
        let mut w = LogWriter::open(DaemonConfig { flush, ..cfg(d.path()) }, Rec::default());
        assert_eq!(w.write_batch(&batch).written, 5);
        assert_eq!(w.write_batch(&batch[..1]).written, 1);
        assert_eq!(w.stats().syncs, 2);
        w.shutdown();
    }
    // INCREMENTAL every 3 records (the count runs across batches); a batch written with one
    // write that passes one or more multiples of 3 is followed by one flush.
    for flush in [Flush::Incremental, Flush::IncrementalAsync] {
        let mut w =
            LogWriter::open(DaemonConfig { flush, freq: 3, ..cfg(d.path()) }, Rec::default());
        w.write_batch(&batch); // 5: passes 3
        w.write_batch(&batch); // 10: passes 6 and 9
        assert_eq!(w.stats().syncs, 2, "{flush:?}");
        for _ in 0..8 {
            w.write_batch(&batch[..1]); // 18: passes 12, 15 and 18
        }
        assert_eq!(w.stats().syncs, 5, "{flush:?}");
        w.shutdown();
    }
    // NONE: no sync.
    let mut w = LogWriter::open(cfg(d.path()), Rec::default());
    w.write_batch(&batch);
    assert_eq!(w.stats().syncs, 0);
    w.shutdown();
    assert_eq!(std::fs::read(d.path().join("audit.log")).unwrap().len(), 40 * 53);
}

#[test]
fn rotate_every_record_with_max_zero() {
    let d = tempfile::tempdir().unwrap();
    let c = DaemonConfig {
        max_log_file: 0,
        max_log_file_action: SizeAction::Rotate,
        num_logs: 3,
        ..cfg(d.path())
    };
    let base = c.log_file.clone();
    let mut w = LogWriter::open(c, Rec::default());
    for i in 1..=5 {
        assert_eq!(w.write_batch(&[line(i, 30)]).written, 1);
    }
    assert_eq!(w.stats().rotations, 5);
    let h = w.shutdown();
    assert!(h.has("Audit daemon rotating log files"));
    assert_eq!(std::fs::read(&base).unwrap(), b"");
    assert_eq!(std::fs::read(rotated_name(&base, 1)).unwrap(), line(5, 30));
    assert_eq!(std::fs::read(rotated_name(&base, 2)).unwrap(), line(4, 30));
    assert!(!rotated_name(&base, 3).exists());
    assert_eq!(std::fs::metadata(rotated_name(&base, 1)).unwrap().mode() & 0o777, 0o400);

    // Excess logs beyond num_logs are removed at open.
    std::fs::write(rotated_name(&base, 3), "x").unwrap();
    std::fs::write(rotated_name(&base, 4), "x").unwrap();
    let c = DaemonConfig {
        max_log_file: 8,
        max_log_file_action: SizeAction::Rotate,
        num_logs: 3,
        ..cfg(d.path())
    };
    let h = LogWriter::open(c, Rec::default()).shutdown();
    assert!(!rotated_name(&base, 3).exists() && !rotated_name(&base, 4).exists());
    assert_eq!(
        h.msgs.iter().filter(|m| m.1.ends_with("removed as it exceeds num_logs parameter")).count(),
        2
    );
}

#[test]
fn keep_logs_shifts_without_loss() {
    let d = tempfile::tempdir().unwrap();
    let c = DaemonConfig {
        max_log_file: 0,
        max_log_file_action: SizeAction::KeepLogs,
        num_logs: 2,
        ..cfg(d.path())
    };
    let base = c.log_file.clone();
    let mut w = LogWriter::open(c, Rec::default());
    for i in 1..=4 {
        w.write_batch(&[line(i, 30)]);
    }
    w.shutdown();
    for k in 1..=4 {
        assert_eq!(std::fs::read(rotated_name(&base, k)).unwrap(), line(5 - k as usize, 30));
    }
}

#[test]
fn sigusr1_rotation_and_disabled_rotation() {
    let d = tempfile::tempdir().unwrap();
    let mut w = LogWriter::open(cfg(d.path()), Rec::default());
    w.write_batch(&[line(1, 30)]);
    assert!(!w.rotate_requested());
    let h = w.shutdown();
    assert!(h.has("Log rotation disabled (num_logs < 2), skipping"));
    let c = DaemonConfig { num_logs: 5, ..cfg(d.path()) };
    let base = c.log_file.clone();
    let mut w = LogWriter::open(c, Rec::default());
    assert!(w.rotate_requested());
    w.write_batch(&[line(2, 30)]);
    w.shutdown();
    assert_eq!(std::fs::read(rotated_name(&base, 1)).unwrap(), line(1, 30));
    assert_eq!(std::fs::read(&base).unwrap(), line(2, 30));
}

#[test]
fn size_suspend_and_resume() {
    let d = tempfile::tempdir().unwrap();
    let c =
        DaemonConfig { max_log_file: 1, max_log_file_action: SizeAction::Suspend, ..cfg(d.path()) };
    let mut w = LogWriter::open(c, Rec::default());
    let big: Vec<Vec<u8>> = (0..300).map(|i| line(i, 4096)).collect();
    let out = w.write_batch(&big);
    assert_eq!(out.written, 256); // 1 MiB reached at the 256th record
    assert_eq!(out.dropped, 44);
    assert!(w.state().suspended && !w.is_open());
    // Resume re-checks the size: still too big, so logging suspends again.
    w.resume();
    assert!(w.state().suspended);
    std::fs::rename(d.path().join("audit.log"), d.path().join("moved")).unwrap();
    w.resume();
    assert!(!w.state().suspended);
    assert_eq!(w.write_batch(&[line(1, 10)]).written, 1);
    let h = w.shutdown();
    assert!(h.has("Audit daemon is suspending logging due to logfile size."));
    assert!(h.has("Audit daemon resumed logging."));
}

#[test]
fn size_syslog_and_open_error() {
    let d = tempfile::tempdir().unwrap();
    let c =
        DaemonConfig { max_log_file: 0, max_log_file_action: SizeAction::Syslog, ..cfg(d.path()) };
    let mut w = LogWriter::open(c, Rec::default());
    w.write_batch(&[line(1, 10), line(2, 10)]);
    let h = w.shutdown();
    assert_eq!(
        h.msgs.iter().filter(|m| m.1 == "Audit daemon log file is larger than max size").count(),
        2
    );

    // A log that cannot be opened: disk_error_action (SYSLOG by default), records dropped.
    std::fs::write(d.path().join("file"), "").unwrap();
    let c =
        DaemonConfig { log_file: d.path().join("file/audit.log"), ..DaemonConfig::code_defaults() };
    let mut w = LogWriter::open(c, Rec::default());
    assert_eq!(w.write_batch(&[line(1, 10)]).dropped, 1);
    let h = w.shutdown();
    assert!(
        h.has("open: Audit daemon detected an error writing an event to disk (Not a directory)"),
        "{:?}",
        h.msgs
    );
}

/// Mounting needs root: skipped outside CI, required under CI=true (like the kernel tests).
fn cannot_mount(what: &str) {
    let _: Option<()> =
        raudit_testkit::skip(format!("disk action tests cannot mount {what} (needs root)"));
}

/// A size-limited tmpfs mounted on a temp dir, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            cannot_mount("a tmpfs");
            return None;
        }
        Some(Tmpfs { dir })
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    /// Fills the filesystem so that only `blocks` blocks stay free.
    fn fill_leaving(&self, blocks: u64) -> PathBuf {
        let filler = self.path().join("filler");
        let free = rustix::fs::statfs(self.path()).unwrap();
        let fill = free.f_bavail.saturating_sub(blocks) * free.f_bsize as u64;
        std::fs::write(&filler, vec![0u8; fill as usize]).unwrap();
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// A small ext4 filesystem in a loop-mounted image, which can be shut down (EXT4_IOC_SHUTDOWN, as
/// xfstests do) so that every later write fails with EIO: a real disk error.
struct Ext4 {
    dir: tempfile::TempDir,
}

impl Ext4 {
    fn mount() -> Option<Ext4> {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("img");
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).unwrap();
        std::fs::File::create(&img).unwrap().set_len(8 << 20).unwrap();
        let run = |c: &mut Command| c.status().is_ok_and(|s| s.success());
        let ok = run(Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&img))
            && run(Command::new("mount").args(["-o", "loop"]).arg(&img).arg(&mnt));
        if !ok {
            cannot_mount("a loop ext4 image");
            return None;
        }
        Some(Ext4 { dir })
    }
    fn path(&self) -> PathBuf {
        self.dir.path().join("mnt")
    }
    fn shut_down(&self) {
        // EXT4_IOC_SHUTDOWN = _IOR('X', 125, __u32); flag 2 = EXT4_GOING_FLAGS_NOLOGFLUSH.
        const EXT4_IOC_SHUTDOWN: libc::c_ulong = 0x8004_587d;
        let root = std::fs::File::open(self.path()).unwrap();
        let flags: u32 = 2;
        // SAFETY: the ioctl reads one u32 through a valid pointer; the fd is open.
        let r = unsafe {
            libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&root), EXT4_IOC_SHUTDOWN, &flags)
        };
        assert_eq!(r, 0, "EXT4_IOC_SHUTDOWN: {}", std::io::Error::last_os_error());
    }
}

impl Drop for Ext4 {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.path()).status();
    }
}

/// Every action a disk policy key takes, with a hook that records instead of acting.
fn every_action() -> Vec<DiskAction> {
    vec![
        DiskAction::Ignore,
        DiskAction::Syslog,
        DiskAction::Rotate,
        DiskAction::Email,
        DiskAction::Exec(PathBuf::from("/bin/true")),
        DiskAction::Suspend,
        DiskAction::Single,
        DiskAction::Halt,
    ]
}

/// What each action must have done, whatever key triggered it.
fn check_action(action: &DiskAction, suspended: bool, h: &Rec, log: &Path, what: &str) {
    let suspends = matches!(action, DiskAction::Suspend | DiskAction::Exec(_));
    assert_eq!(suspended, suspends, "{what} {action:?}: suspended");
    let execs: Vec<PathBuf> = match action {
        DiskAction::Exec(p) => vec![p.clone()],
        _ => vec![],
    };
    assert_eq!(h.execs, execs, "{what} {action:?}: exec hook");
    let levels = match action {
        DiskAction::Single => vec![Runlevel::Single],
        DiskAction::Halt => vec![Runlevel::Halt],
        _ => vec![],
    };
    assert_eq!(h.runlevels, levels, "{what} {action:?}: system action hook {:?}", h.msgs);
    let rotated = rotated_name(log, 1).exists();
    assert_eq!(rotated, *action == DiskAction::Rotate, "{what} {action:?}: rotated");
}

#[test]
fn space_left_and_admin_space_left_take_every_action() {
    for admin in [false, true] {
        for action in every_action() {
            let what = if admin { "admin_space_left_action" } else { "space_left_action" };
            let Some(fs) = Tmpfs::mount("4m") else { return };
            let mut c = DaemonConfig { num_logs: 3, ..cfg(fs.path()) };
            if admin {
                c.space_left = SpaceThreshold::Megabytes(1);
                c.space_left_action = DiskAction::Ignore;
                c.admin_space_left = SpaceThreshold::Megabytes(3);
                c.admin_space_left_action = action.clone();
            } else {
                c.space_left = SpaceThreshold::Megabytes(3);
                c.space_left_action = action.clone();
                c.admin_space_left = SpaceThreshold::Megabytes(1);
                c.admin_space_left_action = DiskAction::Ignore;
            }
            let log = c.log_file.clone();
            let mut w = LogWriter::open(c, Rec::default());
            // Write until a little over 1 MiB is used, which crosses the 3 MiB threshold.
            let mut written = 0;
            for i in 0..1200 {
                written += w.write_batch(&[line(i, 1024)]).written;
                if w.state().suspended || rotated_name(&log, 1).exists() {
                    break;
                }
            }
            assert!(written > 900, "{what} {action:?}: only {written} written");
            let st = w.state();
            let warned = if admin { st.admin_space_warning } else { st.space_warning };
            assert_eq!(warned, action != DiskAction::Rotate, "{what} {action:?}: warning state");
            let h = w.shutdown();
            let low = if admin && action == DiskAction::Email {
                "Audit daemon is very low on disk space for logging"
            } else {
                "Audit daemon is low on disk space for logging"
            };
            let says_low = matches!(action, DiskAction::Syslog | DiskAction::Email);
            assert_eq!(h.has(low), says_low, "{what} {action:?}: {:?}", h.msgs);
            let subject = if admin { "Audit Admin Space Alert" } else { "Audit Disk Space Alert" };
            let mails: Vec<String> =
                if action == DiskAction::Email { vec![subject.into()] } else { vec![] };
            assert_eq!(h.emails, mails, "{what} {action:?}: mail");
            check_action(&action, st.suspended, &h, &log, what);
        }
    }
}
#[test]
fn disk_full_takes_every_action() {
    // EMAIL is not a disk_full_action (the config reader refuses it, as the reference does).
    for action in every_action().into_iter().filter(|a| *a != DiskAction::Email) {
        let Some(fs) = Tmpfs::mount("1m") else { return };
        // About 10 blocks free: the start-up check passes and a big record hits ENOSPC.
        let filler = fs.fill_leaving(10);
        let c = DaemonConfig { num_logs: 3, disk_full_action: action.clone(), ..cfg(fs.path()) };
        let log = c.log_file.clone();
        let mut w = LogWriter::open(c, Rec::default());
        assert!(w.is_open());
        let out = w.write_batch(&[line(1, 200_000)]);
        assert_eq!((out.written, out.dropped), (0, 1), "{action:?}");
        assert!(!w.state().fs_space_left, "{action:?}");
        // A second failure does not repeat the action until space comes back.
        w.write_batch(&[line(2, 200_000)]);
        let suspended = w.state().suspended;
        let h = w.shutdown();
        let full = "Audit daemon has no space left on logging partition";
        assert_eq!(h.msgs.iter().filter(|m| m.1 == full).count(), 1, "{action:?}: {:?}", h.msgs);
        check_action(&action, suspended, &h, &log, "disk_full_action");
        std::fs::remove_file(filler).unwrap();
    }
}

#[test]
fn disk_error_takes_every_action() {
    // EMAIL and ROTATE are not disk_error_actions (refused by the config reader, as by the reference).
    let actions =
        every_action().into_iter().filter(|a| *a != DiskAction::Email && *a != DiskAction::Rotate);
    for action in actions {
        let Some(fs) = Ext4::mount() else { return };
        let c = DaemonConfig { disk_error_action: action.clone(), ..cfg(&fs.path()) };
        let log = c.log_file.clone();
        let mut w = LogWriter::open(c, Rec::default());
        assert_eq!(w.write_batch(&[line(1, 100)]).written, 1, "{action:?}");
        fs.shut_down();
        let out = w.write_batch(&[line(2, 100)]);
        assert_eq!((out.written, out.dropped), (0, 1), "{action:?}");
        assert!(w.stats().write_errors >= 1, "{action:?}");
        let suspended = w.state().suspended;
        let h = w.shutdown();
        let error =
            "write: Audit daemon detected an error writing an event to disk (Input/output error)";
        assert_eq!(h.has(error), action == DiskAction::Syslog, "{action:?}: {:?}", h.msgs);
        let suspending =
            "Audit daemon is suspending logging due to previously mentioned write error";
        assert_eq!(h.has(suspending), action == DiskAction::Suspend, "{action:?}: {:?}", h.msgs);
        check_action(&action, suspended, &h, &log, "disk_error_action");
    }
}

#[test]
fn tmpfs_space_left_then_admin_suspend() {
    let Some(fs) = Tmpfs::mount("4m") else { return };
    let c = DaemonConfig {
        space_left: SpaceThreshold::Megabytes(3),
        space_left_action: DiskAction::Syslog,
        admin_space_left: SpaceThreshold::Megabytes(2),
        admin_space_left_action: DiskAction::Suspend,
        ..cfg(fs.path())
    };
    let mut w = LogWriter::open(c, Rec::default());
    let mut written = 0;
    for i in 0..5000 {
        let o = w.write_batch(&[line(i, 1024)]);
        written += o.written;
        if w.state().suspended {
            break;
        }
    }
    let st = w.state();
    let size = w.log_size();
    let h = w.shutdown();
    assert!(st.suspended && st.space_warning && st.admin_space_warning);
    let low =
        h.msgs.iter().position(|m| m.1 == "Audit daemon is low on disk space for logging").unwrap();
    let susp = h
        .msgs
        .iter()
        .position(|m| m.1 == "Audit daemon is suspending logging due to low disk space.")
        .unwrap();
    assert!(low < susp);
    // Suspended with a bit over 2 MiB free of 4: about 2 MiB written.
    assert!((1900..=2100).contains(&written), "{written}");
    assert_eq!(size, written as u64 * 1024);
}

/// Records of one length after a log size of 3 (mod 8) never pass the reference's sampling test
/// (`log_size % 8 < 3`): the check a second after the last one still sees the disk filling.
#[test]
fn tmpfs_space_is_checked_when_the_sampling_never_fires() {
    let Some(fs) = Tmpfs::mount("4m") else { return };
    let c = DaemonConfig {
        space_left: SpaceThreshold::Megabytes(3),
        space_left_action: DiskAction::Ignore,
        admin_space_left: SpaceThreshold::Megabytes(2),
        admin_space_left_action: DiskAction::Suspend,
        ..cfg(fs.path())
    };
    let mut w = LogWriter::open(c, Rec::default());
    assert_eq!(w.write_batch(&[line(0, 11)]).written, 1);
    let _filler = fs.fill_leaving(200); // 800 KiB free: under admin_space_left
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for i in 1..=4 {
        w.write_batch(&[line(i, 1024)]);
        assert_eq!(w.log_size() % 8, 3);
    }
    assert!(w.state().suspended && w.state().admin_space_warning, "{:?}", w.state());
    let h = w.shutdown();
    assert!(h.has("Audit daemon is suspending logging due to low disk space."), "{:?}", h.msgs);
}

#[test]
fn tmpfs_percent_thresholds_and_exec_hook() {
    let Some(fs) = Tmpfs::mount("4m") else { return };
    let c = DaemonConfig {
        space_left: SpaceThreshold::Percent(50),
        space_left_action: DiskAction::Exec(PathBuf::from("/bin/true")),
        admin_space_left: SpaceThreshold::Percent(25),
        ..cfg(fs.path())
    };
    let mut w = LogWriter::open(c, Rec::default());
    assert_eq!(w.thresholds_mb(), (2, 1));
    for i in 0..5000 {
        w.write_batch(&[line(i, 1024)]);
        if w.state().suspended {
            break;
        }
    }
    assert!(w.state().suspended && !w.is_open());
    let h = w.shutdown();
    assert_eq!(h.execs, vec![PathBuf::from("/bin/true")]);
}

#[test]
fn tmpfs_disk_full_on_write_is_a_policy() {
    let Some(fs) = Tmpfs::mount("1m") else { return };
    // Leave about 10 blocks free, so the start-up check passes and a big record hits ENOSPC.
    let filler = fs.path().join("filler");
    let free = rustix::fs::statfs(fs.path()).unwrap();
    let fill = (free.f_bavail.saturating_sub(10)) * free.f_bsize as u64;
    std::fs::write(&filler, vec![0u8; fill as usize]).unwrap();
    let c = DaemonConfig { disk_full_action: DiskAction::Syslog, ..cfg(fs.path()) };
    let mut w = LogWriter::open(c, Rec::default());
    assert!(w.is_open());
    let big = line(1, 200_000);
    let out = w.write_batch(&[big.clone(), big.clone()]);
    assert_eq!(out.written, 0);
    assert_eq!(out.dropped, 2);
    assert!(w.stats().write_errors >= 2);
    assert!(!w.state().fs_space_left);
    let h = w.shutdown();
    // disk_full handling ran once until resume.
    assert_eq!(
        h.msgs
            .iter()
            .filter(|m| m.1 == "Audit daemon has no space left on logging partition")
            .count(),
        1
    );

    // SUSPEND on disk full: logging stops; after freeing space and resume it goes on.
    let c = DaemonConfig { disk_full_action: DiskAction::Suspend, ..cfg(fs.path()) };
    let mut w = LogWriter::open(c, Rec::default());
    let _ = w.write_batch(std::slice::from_ref(&big));
    assert!(w.state().suspended);
    assert_eq!(w.write_batch(&[line(2, 20)]).dropped, 1);
    std::fs::remove_file(&filler).unwrap();
    w.resume();
    assert_eq!(w.write_batch(&[line(3, 20)]).written, 1);
    let h = w.shutdown();
    assert!(h.has("Audit daemon is suspending logging due to no space left on logging partition."));
}

#[test]
fn a_torn_last_record_is_removed_at_open() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("audit.log");
    // A daemon killed during a write left half a record.
    let mut torn = line(1, 40);
    torn.extend_from_slice(&line(2, 40)[..17]);
    std::fs::write(&log, &torn).unwrap();
    let mut w = LogWriter::open(cfg(d.path()), Rec::default());
    assert!(w.hooks().msgs.iter().any(|(_, t)| t.contains("ended in a partial record (17 bytes)")));
    w.write_batch(&[line(3, 40)]);
    w.shutdown();
    let text = std::fs::read(&log).unwrap();
    assert_eq!(text, [line(1, 40), line(3, 40)].concat());
    // A complete log is left alone.
    let w = LogWriter::open(cfg(d.path()), Rec::default());
    assert!(w.hooks().msgs.iter().all(|(_, t)| !t.contains("partial")));
    w.shutdown();
    assert_eq!(std::fs::read(&log).unwrap().len(), 80);
}

#[test]
fn lines_laid_end_to_end_are_written_in_runs_and_rotate_at_the_limit() {
    let d = tempfile::tempdir().unwrap();
    // max_log_file 1 MiB, ROTATE: the run stops at the line that reaches 1 MiB, rotation
    // follows it, and the rest of the batch goes to the new file.
    let c = DaemonConfig {
        max_log_file: 1,
        max_log_file_action: SizeAction::Rotate,
        num_logs: 3,
        ..cfg(d.path())
    };
    let mut w = LogWriter::open(c, Rec::default());
    let lines: Vec<Vec<u8>> = (0..3000).map(|i| line(i, 500)).collect();
    let out = w.write_batch(&lines);
    assert_eq!(out.written, 3000);
    w.shutdown();
    let old = std::fs::read(rotated_name(&d.path().join("audit.log"), 1)).unwrap();
    let cur = std::fs::read(d.path().join("audit.log")).unwrap();
    // 2098 lines of 500 bytes reach 1 MiB (1 049 000 >= 1 048 576).
    assert_eq!(old.len(), 2098 * 500);
    assert_eq!(cur.len(), (3000 - 2098) * 500);
    assert!(cur.starts_with(b"type=USER msg=audit(1.000:2098): "));
}

#[test]
fn a_sealed_log_survives_write_errors() {
    // A checkpoint after every record: the stop checkpoint that SUSPEND's close writes fails
    // too, and must neither recurse nor leave the chain ahead of the file.
    use raudit_seal::{Policy, SealKey, Sealer};
    let Some(fs) = Ext4::mount() else { return };
    let c = DaemonConfig { disk_error_action: DiskAction::Suspend, ..cfg(&fs.path()) };
    let key = SealKey::from_bytes(b"a test key of thirty-two bytes!!");
    let sealer = Sealer::new(key, Policy { records: 1, ..Policy::default() }, 1);
    let mut w = LogWriter::open_sealed(c, Rec::default(), Some(sealer));
    assert_eq!(w.write_batch(&[line(1, 100)]).written, 1);
    assert_eq!(w.unsealed(), Some(0));
    fs.shut_down();
    let out = w.write_batch(&[line(2, 100)]);
    assert_eq!((out.written, out.dropped), (0, 1));
    assert!(w.state().suspended);
    assert_eq!(w.unsealed(), Some(0));
    w.shutdown();
}

/// The reference never opens the log with write_logs = no, so it does not create it either.
#[test]
fn write_logs_off_creates_no_log() {
    let d = tempfile::tempdir().unwrap();
    let c = DaemonConfig { write_logs: false, num_logs: 3, ..cfg(d.path()) };
    let mut w = LogWriter::open(c, Rec::default());
    assert_eq!(w.write_batch(&[line(1, 100)]).dropped, 1);
    assert!(w.rotate_requested());
    w.resume();
    w.shutdown();
    let names: Vec<_> =
        std::fs::read_dir(d.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_sealed_writer_with_write_logs_off_writes_nothing() {
    use raudit_seal::{Policy, SealKey, Sealer};
    let d = tempfile::tempdir().unwrap();
    let c = DaemonConfig { write_logs: false, ..cfg(d.path()) };
    let key = SealKey::from_bytes(b"a test key of thirty-two bytes!!");
    let sealer = Sealer::new(key, Policy { records: 1, ..Policy::default() }, 1);
    let mut w = LogWriter::open_sealed(c, Rec::default(), Some(sealer));
    assert_eq!(w.write_batch(&[line(1, 100)]).dropped, 1);
    w.shutdown();
    let log = std::fs::read(d.path().join("audit.log")).unwrap_or_default();
    assert!(log.is_empty(), "{}", String::from_utf8_lossy(&log));
}
