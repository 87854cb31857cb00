//! The daemon's counters in the Prometheus text exposition format, written as a textfile for
//! node_exporter's textfile collector (`--metrics-file PATH`), replaced atomically (write a
//! temporary file, rename) every `--metrics-interval` seconds.
//!
//! Why a textfile and not a port: the audit daemon is the trust anchor of the audit trail, and
//! a listening socket would be a new way in (and a new thing for its hardened unit to allow);
//! node_exporter already runs where metrics are collected and reads such files as they are.
//! The figures come from the same sources as the state report (`--state`): the pipeline's
//! counters, the kernel's status, the log writer's state and the dispatcher's queues.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

/// Upper bounds (seconds) of the write-latency histogram's buckets: one batch's write (and its
/// sync with flush DATA/SYNC) takes from microseconds (page cache) to a disk's worst case.
pub const LATENCY_BUCKETS: [f64; 12] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

/// How long the log's batch writes took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latency {
    /// Non-cumulative counts per bucket; the last slot is beyond the largest bound.
    counts: [u64; LATENCY_BUCKETS.len() + 1],
    sum_nanos: u128,
    count: u64,
}

impl Latency {
    pub fn observe(&mut self, d: Duration) {
        let secs = d.as_secs_f64();
        let slot = LATENCY_BUCKETS.iter().position(|&b| secs <= b).unwrap_or(LATENCY_BUCKETS.len());
        self.counts[slot] += 1;
        self.sum_nanos += d.as_nanos();
        self.count += 1;
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}

/// One plugin's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginQueue {
    pub name: String,
    pub depth: usize,
    pub max_depth: usize,
    pub dropped: u64,
    pub running: bool,
}

/// The log writer's disk state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Disk {
    pub suspended: bool,
    pub space_left_reached: bool,
    pub admin_space_left_reached: bool,
    pub disk_error: bool,
    pub log_size_bytes: u64,
    pub free_bytes: Option<u64>,
    pub space_left_bytes: u64,
    pub admin_space_left_bytes: u64,
}

/// Every figure exported, read at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub uptime_seconds: u64,
    pub received: u64,
    pub written: u64,
    /// Lines the log (or stdout) could not write: lost by the daemon.
    pub dropped: u64,
    pub eoe: u64,
    pub control: u64,
    /// ENOBUFS on the audit socket: records the kernel could not hand to the daemon.
    pub socket_overruns: Option<u64>,
    pub kernel_lost: Option<u32>,
    pub kernel_backlog: Option<u32>,
    pub kernel_backlog_limit: Option<u32>,
    pub write_latency: Latency,
    pub plugin_queue_size: usize,
    pub plugins: Vec<PluginQueue>,
    /// None when the records go to stdout (`-f`) or write_logs is off.
    pub disk: Option<Disk>,
}

/// A per-plugin family: name, type, help, and the figure of one plugin.
type PerPlugin = (&'static str, &'static str, &'static str, fn(&PluginQueue) -> u64);

fn family(s: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(s, "# HELP {name} {help}");
    let _ = writeln!(s, "# TYPE {name} {kind}");
}

fn one(s: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    family(s, name, kind, help);
    let _ = writeln!(s, "{name} {value}");
}

/// A label value, escaped as the format asks (backslash, quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The text exposition of `snap`.
pub fn exposition(snap: &Snapshot) -> String {
    let mut s = String::new();
    let b = |v: bool| u8::from(v);
    one(
        &mut s,
        "raudit_uptime_seconds",
        "gauge",
        "Seconds since the daemon started.",
        snap.uptime_seconds,
    );
    one(
        &mut s,
        "raudit_records_received_total",
        "counter",
        "Records received from the kernel and remote clients.",
        snap.received,
    );
    one(
        &mut s,
        "raudit_records_written_total",
        "counter",
        "Lines written to the log (the daemon's own records included).",
        snap.written,
    );
    one(
        &mut s,
        "raudit_records_eoe_total",
        "counter",
        "EOE records received: they end an event and are never written to the log.",
        snap.eoe,
    );
    one(
        &mut s,
        "raudit_records_control_total",
        "counter",
        "Control messages received on the audit socket and not written.",
        snap.control,
    );
    one(
        &mut s,
        "raudit_records_dropped_total",
        "counter",
        "Records the daemon lost: the log could not take them (suspended, disk errors).",
        snap.dropped,
    );
    if let Some(v) = snap.socket_overruns {
        one(
            &mut s,
            "raudit_socket_overruns_total",
            "counter",
            "ENOBUFS on the audit socket: records the kernel could not hand to the daemon.",
            v,
        );
    }
    if let Some(v) = snap.kernel_lost {
        one(
            &mut s,
            "raudit_kernel_lost_total",
            "counter",
            "The kernel's lost counter (auditctl -s); reset by auditctl --reset-lost.",
            v,
        );
    }
    if let Some(v) = snap.kernel_backlog {
        one(
            &mut s,
            "raudit_kernel_backlog",
            "gauge",
            "Records waiting in the kernel's backlog.",
            v,
        );
    }
    if let Some(v) = snap.kernel_backlog_limit {
        one(&mut s, "raudit_kernel_backlog_limit", "gauge", "The kernel's backlog_limit.", v);
    }
    let lat = &snap.write_latency;
    family(
        &mut s,
        "raudit_write_latency_seconds",
        "histogram",
        "Time of each batch's write to the log, sync included.",
    );
    let mut cumulative = 0;
    for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
        cumulative += lat.counts[i];
        let _ = writeln!(s, "raudit_write_latency_seconds_bucket{{le=\"{bound}\"}} {cumulative}");
    }
    let _ = writeln!(s, "raudit_write_latency_seconds_bucket{{le=\"+Inf\"}} {}", lat.count);
    let _ = writeln!(s, "raudit_write_latency_seconds_sum {}", lat.sum_nanos as f64 / 1e9);
    let _ = writeln!(s, "raudit_write_latency_seconds_count {}", lat.count);
    one(
        &mut s,
        "raudit_plugin_queue_size",
        "gauge",
        "q_depth: the size of each plugin queue.",
        snap.plugin_queue_size,
    );
    let per_plugin: [PerPlugin; 4] = [
        ("raudit_plugin_queue_depth", "gauge", "Records waiting in the plugin's queue.", |p| {
            p.depth as u64
        }),
        ("raudit_plugin_queue_max_depth", "gauge", "Most records the plugin's queue held.", |p| {
            p.max_depth as u64
        }),
        (
            "raudit_plugin_dropped_total",
            "counter",
            "Records dropped because the plugin's queue was full.",
            |p| p.dropped,
        ),
        (
            "raudit_plugin_running",
            "gauge",
            "1 while the plugin runs, 0 once given up (max_restarts).",
            |p| u64::from(p.running),
        ),
    ];
    for (name, kind, help, value) in per_plugin {
        if snap.plugins.is_empty() {
            continue;
        }
        family(&mut s, name, kind, help);
        for p in &snap.plugins {
            let _ = writeln!(s, "{name}{{plugin=\"{}\"}} {}", label(&p.name), value(p));
        }
    }
    if let Some(d) = &snap.disk {
        one(
            &mut s,
            "raudit_log_suspended",
            "gauge",
            "1 while logging is suspended (a disk action).",
            b(d.suspended),
        );
        one(
            &mut s,
            "raudit_disk_space_left_reached",
            "gauge",
            "1 once free space fell to space_left (its action ran).",
            b(d.space_left_reached),
        );
        one(
            &mut s,
            "raudit_disk_admin_space_left_reached",
            "gauge",
            "1 once free space fell to admin_space_left (its action ran).",
            b(d.admin_space_left_reached),
        );
        one(
            &mut s,
            "raudit_disk_error",
            "gauge",
            "1 once a disk error was detected.",
            b(d.disk_error),
        );
        one(
            &mut s,
            "raudit_log_size_bytes",
            "gauge",
            "Size of the current log file.",
            d.log_size_bytes,
        );
        if let Some(free) = d.free_bytes {
            one(
                &mut s,
                "raudit_log_fs_free_bytes",
                "gauge",
                "Free space of the log's filesystem available to the daemon.",
                free,
            );
        }
        one(
            &mut s,
            "raudit_space_left_bytes",
            "gauge",
            "The space_left threshold (percentages resolved).",
            d.space_left_bytes,
        );
        one(
            &mut s,
            "raudit_admin_space_left_bytes",
            "gauge",
            "The admin_space_left threshold (percentages resolved).",
            d.admin_space_left_bytes,
        );
    }
    s
}

/// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half
/// a file (node_exporter's textfile collector asks for this).
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        // Never through a link planted as the temporary name (the file may live in /tmp).
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::CLOEXEC).bits() as i32)
        .open(&tmp)?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    drop(f);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_planted_as_the_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("m.prom.tmp")).unwrap();
        assert!(write_atomically(&dir.path().join("m.prom"), "x 1\n").is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn latency_buckets_are_cumulative() {
        let mut l = Latency::default();
        l.observe(Duration::from_micros(50));
        l.observe(Duration::from_micros(700));
        l.observe(Duration::from_secs(2));
        let snap = Snapshot { write_latency: l, ..Snapshot::default() };
        let text = exposition(&snap);
        assert!(text.contains("raudit_write_latency_seconds_bucket{le=\"0.0001\"} 1\n"), "{text}");
        assert!(text.contains("raudit_write_latency_seconds_bucket{le=\"0.001\"} 2\n"), "{text}");
        assert!(text.contains("raudit_write_latency_seconds_bucket{le=\"1\"} 2\n"), "{text}");
        assert!(text.contains("raudit_write_latency_seconds_bucket{le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("raudit_write_latency_seconds_count 3\n"), "{text}");
        assert!(text.contains("raudit_write_latency_seconds_sum 2.00075\n"), "{text}");
    }

    #[test]
    fn every_sample_has_help_and_type() {
        let snap = Snapshot {
            received: 10,
            kernel_lost: Some(2),
            plugins: vec![PluginQueue {
                name: "a\"b.conf".into(),
                depth: 1,
                max_depth: 3,
                dropped: 4,
                running: true,
            }],
            disk: Some(Disk { free_bytes: Some(5), ..Disk::default() }),
            ..Snapshot::default()
        };
        let text = exposition(&snap);
        assert!(text.contains("raudit_plugin_dropped_total{plugin=\"a\\\"b.conf\"} 4\n"), "{text}");
        let mut typed = std::collections::HashSet::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                typed.insert(rest.split(' ').next().unwrap().to_string());
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                let base = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| name.strip_suffix(s).filter(|b| typed.contains(*b)))
                    .unwrap_or(name);
                assert!(typed.contains(base), "{line} has no TYPE before it");
            }
        }
    }

    #[test]
    fn written_atomically() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("raudit.prom");
        write_atomically(&p, "a 1\n").unwrap();
        write_atomically(&p, "a 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a 2\n");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
