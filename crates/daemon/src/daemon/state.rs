//! The daemon's figures: the state report (SIGCONT, `raudit daemon --state`) and the same
//! figures for the metrics file (`--metrics-file`), read from one set of sources.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Daemon, lock};
use crate::hooks::Priority;

impl Daemon {
    fn state_report(&mut self) -> String {
        let mut s = String::new();
        let mut kv = |k: &str, v: String| s.push_str(&format!("{k} = {v}\n"));
        kv("audit version", format!("raudit {}", env!("CARGO_PKG_VERSION")));
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        kv("current time", now.to_string());
        let up = self.started.elapsed().unwrap_or_default().as_secs();
        kv("uptime seconds", up.to_string());
        if let Some((supervisor, restarts)) = self.supervised {
            // Beyond the reference: the worker under its supervisor (docs/crash-safety.md).
            kv("supervisor pid", supervisor.to_string());
            kv("worker pid", std::process::id().to_string());
            kv("worker restarts", restarts.to_string());
        }
        kv("process priority", self.cfg.priority_boost.to_string());
        let core = self.core.clone();
        let mut core = lock(&core);
        let st = core.pipeline.stats;
        kv("records received", st.received.to_string());
        kv("records written", st.written.to_string());
        kv("records dropped", st.output_dropped.to_string());
        // Beyond the reference: what makes up the gap between received and written.
        kv("records not written: EOE (end of event, never logged)", st.eoe.to_string());
        kv("records not written: control messages", st.dropped_by_stages.to_string());
        if let Some(reader) = &self.reader {
            kv("socket overruns (ENOBUFS)", reader.enobufs().to_string());
        }
        if let Some(Ok(status)) = self.kernel_queries().map(|q| q.get_status()) {
            kv("kernel lost", status.lost.to_string());
            kv("kernel backlog", status.backlog.to_string());
        }
        let writing = self.cfg.write_logs && !self.opts.foreground;
        kv("writing to logs", if writing { "yes" } else { "no" }.into());
        if let Some(w) = core.pipeline.log() {
            let state = w.state();
            let (sl, asl) = w.thresholds_mb();
            let size = w.log_size();
            let space = w.fs_space();
            let mut kv = |k: &str, v: String| s.push_str(&format!("{k} = {v}\n"));
            kv("current log size", format!("{} KB", size / 1024));
            kv("max log size", format!("{} KB", w.config().max_log_file * 1024));
            if let Some(sp) = space {
                kv("space left on partition", if sp.available >= 5 { "yes" } else { "no" }.into());
                kv(
                    "Logging partition free space",
                    format!("{} MB", sp.available * sp.block_size / (1024 * 1024)),
                );
            }
            kv("space_left setting", format!("{sl} MB"));
            kv("admin_space_left setting", format!("{asl} MB"));
            kv("logging suspended", yes_no(state.suspended));
            kv("file system space action performed", yes_no(state.space_warning));
            kv("admin space action performed", yes_no(state.admin_space_warning));
            kv("disk error detected", yes_no(state.disk_error_warnings > 0));
            if let Some(n) = w.unsealed() {
                // --seal: records after the last checkpoint (raudit's own line).
                kv("records not yet sealed", n.to_string());
            }
        }
        if let Some(d) = &core.pipeline.dispatcher {
            let mut plugins = Vec::new();
            // Writing to a Vec cannot fail.
            let _ = d.stats().write_report(&mut plugins);
            s.push_str(&String::from_utf8_lossy(&plugins));
        }
        let listening = self.listener.as_ref();
        s.push_str(&format!(
            "listening for network connections = {}\n",
            if listening.is_some() { "yes" } else { "no" }
        ));
        if let Some(l) = listening {
            use std::sync::atomic::Ordering::Relaxed;
            s.push_str(&format!("active connections = {}\n", l.stats().active.load(Relaxed)));
            s.push_str(&format!("total connections = {}\n", l.stats().total.load(Relaxed)));
        }
        s
    }

    /// The metrics' figures, from the state report's sources.
    fn snapshot(&mut self) -> crate::metrics::Snapshot {
        use crate::metrics::{Disk, PluginQueue, Snapshot};
        let mut snap = Snapshot {
            uptime_seconds: self.started.elapsed().unwrap_or_default().as_secs(),
            ..Snapshot::default()
        };
        if let Some(reader) = &self.reader {
            snap.socket_overruns = Some(reader.enobufs());
        }
        if let Some(Ok(status)) = self.kernel_queries().map(|q| q.get_status()) {
            snap.kernel_lost = Some(status.lost);
            snap.kernel_backlog = Some(status.backlog);
            snap.kernel_backlog_limit = Some(status.backlog_limit);
        }
        let core = self.core.clone();
        let mut core = lock(&core);
        let st = core.pipeline.stats;
        (snap.received, snap.written, snap.dropped) = (st.received, st.written, st.output_dropped);
        (snap.eoe, snap.control) = (st.eoe, st.dropped_by_stages);
        snap.write_latency = core.pipeline.write_latency;
        if let Some(w) = core.pipeline.log() {
            let state = w.state();
            let (sl, asl) = w.thresholds_mb();
            snap.disk = Some(Disk {
                suspended: state.suspended,
                space_left_reached: state.space_warning,
                admin_space_left_reached: state.admin_space_warning,
                disk_error: state.disk_error_warnings > 0,
                log_size_bytes: w.log_size(),
                free_bytes: w.fs_space().map(|sp| sp.available * sp.block_size),
                space_left_bytes: sl * 1024 * 1024,
                admin_space_left_bytes: asl * 1024 * 1024,
            });
        }
        if let Some(d) = &core.pipeline.dispatcher {
            snap.plugin_queue_size = d.stats().queue_size;
            snap.plugins = d
                .queue_stats()
                .into_iter()
                .map(|q| PluginQueue {
                    name: q.name,
                    depth: q.depth,
                    max_depth: q.max_depth,
                    dropped: q.dropped,
                    running: q.running,
                })
                .collect();
        }
        snap
    }

    /// Replaces the metrics file (when `--metrics-file` asks for one).
    pub(super) fn write_metrics(&mut self) {
        let Some(path) = self.opts.metrics_file.clone() else { return };
        let text = crate::metrics::exposition(&self.snapshot());
        if let Err(e) = crate::metrics::write_atomically(&path, &text) {
            self.msg.say(Priority::Err, &format!("Could not write {} ({e})", path.display()));
        }
    }

    pub(super) fn write_state(&mut self) {
        let text = self.state_report();
        let path = self.opts.state_file();
        let tmp = path.with_extension("state.tmp");
        use std::os::unix::fs::OpenOptionsExt;
        let r =
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o640)
                // Never through a link planted as the temporary name.
                .custom_flags(
                    (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::CLOEXEC).bits() as i32
                )
                .open(&tmp)
                .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
                .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = r {
            self.msg.say(Priority::Err, &format!("Could not write {} ({e})", path.display()));
        }
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// `raudit daemon --state`: ask the running daemon (pid file) for its state report and return it.
pub fn request_state(run_dir: &Path) -> Result<String, String> {
    let pid_file = run_dir.join("auditd.pid");
    let state_file = run_dir.join("auditd.state");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .map_err(|e| format!("cannot read {} ({e})", pid_file.display()))?
        .trim()
        .parse()
        .map_err(|_| format!("bad pid in {}", pid_file.display()))?;
    let before = std::fs::metadata(&state_file).and_then(|m| m.modified()).ok();
    // A negative pid would signal a process group.
    let pid = if pid > 0 { rustix::process::Pid::from_raw(pid) } else { None };
    let pid = pid.ok_or("bad pid")?;
    rustix::process::kill_process(pid, rustix::process::Signal::CONT)
        .map_err(|e| format!("cannot signal the daemon ({e})"))?;
    for _ in 0..200 {
        std::thread::sleep(Duration::from_millis(10));
        let now = std::fs::metadata(&state_file).and_then(|m| m.modified()).ok();
        if now.is_some() && now != before {
            return std::fs::read_to_string(&state_file).map_err(|e| e.to_string());
        }
    }
    Err(format!("no state report in {}", state_file.display()))
}
