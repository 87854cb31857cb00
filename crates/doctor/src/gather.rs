//! Reads the machine into [`Facts`]: the kernel (two status samples), /proc, systemd,
//! auditd.conf, the log's filesystem and tail, plugins.d. Every read that fails leaves its
//! fact empty or as an error text; nothing here judges.

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use raudit_netlink::Client;

use crate::facts::{Config, Disk, Facts, FileMeta, Journald, KernelSample, Plugin, Rules, Tail};

/// What to look at.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-c DIR`: DIR/auditd.conf, as the daemon's `-c`.
    pub config_dir: PathBuf,
    /// Time between the two kernel samples (the `lost` trend).
    pub interval: Duration,
}

/// How much of the log's end is read for the last event and the rate.
const TAIL_BYTES: u64 = 256 * 1024;

/// Reads every fact.
pub fn gather(opts: &Options) -> Facts {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let mut facts = Facts { now, ..Facts::default() };
    let kernel = kernel(opts.interval);
    let daemon_pid = kernel.as_ref().ok().map(|k| k.second.pid).filter(|&p| p != 0);
    facts.owner_program = daemon_pid.and_then(raudit_sys::process::program_name);
    facts.kernel = Some(kernel);
    facts.journald = journald();
    facts.rules = Some(rules());
    let config = config(&opts.config_dir);
    if let Ok(c) = &config {
        let dir = c.log_file.parent().unwrap_or(Path::new("/"));
        facts.disk = disk(dir);
        facts.log_file = meta(&c.log_file);
        facts.log_dir = meta(dir);
        facts.tail = tail(&c.log_file);
    }
    if let Ok(c) = &config {
        (facts.plugins, facts.plugin_errors) = plugins(&c.plugin_dir, daemon_pid);
    }
    facts.config = Some(config);
    facts
}

fn kernel(interval: Duration) -> Result<KernelSample, String> {
    let mut c = Client::open().map_err(|e| e.to_string())?;
    let first = c.get_status().map_err(|e| e.to_string())?;
    // A measurement window, not a synchronisation: lost is compared across it.
    std::thread::sleep(interval);
    let second = c.get_status().map_err(|e| e.to_string())?;
    Ok(KernelSample { first, second, interval_ms: interval.as_millis() as u64 })
}

/// systemd-journald-audit.socket's state, when systemd is the init system.
fn journald() -> Option<Journald> {
    if !Path::new("/run/systemd/system").is_dir() {
        return None;
    }
    let ask = |verb: &str| {
        Command::new("systemctl")
            .args([verb, "systemd-journald-audit.socket"])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let enabled = ask("is-enabled")?;
    let active = ask("is-active")?;
    Some(Journald {
        enabled: enabled == "enabled" || enabled == "enabled-runtime",
        active: active == "active",
    })
}

/// The loaded rules, listed as `auditctl -l` prints them and run through the linter.
fn rules() -> Result<Rules, String> {
    use raudit_rules::field::LIST_EXIT;
    let mut c = Client::open().map_err(|e| e.to_string())?;
    let loaded = c.list_rules().map_err(|e| e.to_string())?;
    let mut lister = raudit_rules::Lister::new();
    let lines: Vec<String> = loaded.iter().map(|r| lister.line(r)).collect();
    let text = lines.join("\n");
    let findings = raudit_rules::lint::check(&text, &|p| Path::new(p).exists());
    let problems = findings
        .into_iter()
        .filter(|f| f.problem)
        .map(|f| (lines.get(f.line.wrapping_sub(1)).cloned().unwrap_or_default(), f.text))
        .collect();
    let exit: Vec<_> = loaded.iter().filter(|r| r.flags & 0x7 == LIST_EXIT).collect();
    let all = exit.iter().filter(|r| r.mask[..63].iter().all(|&w| w == u32::MAX)).count();
    Ok(Rules { count: loaded.len(), exit_rules: exit.len(), all_syscall_rules: all, problems })
}

fn config(dir: &Path) -> Result<Config, String> {
    let path = dir.join("auditd.conf");
    let loaded = raudit_config::load(&path, &raudit_config::LoadOptions { allow_links: true })
        .map_err(|e| e.to_string())?;
    if !loaded.file_found {
        return Err(format!(
            "{}: no such file (the daemon would use its defaults)",
            path.display()
        ));
    }
    let c = loaded.config;
    Ok(Config {
        path,
        log_file: c.log_file,
        log_group: c.log_group,
        flush: c.flush,
        freq: c.freq,
        space_left: c.space_left,
        admin_space_left: c.admin_space_left,
        write_logs: c.write_logs,
        plugin_dir: c.plugin_dir,
    })
}

fn disk(dir: &Path) -> Option<Disk> {
    let s = rustix::fs::statfs(dir).ok()?;
    Some(Disk { block_size: s.f_bsize as u64, blocks: s.f_blocks, available: s.f_bavail })
}

fn meta(path: &Path) -> Option<FileMeta> {
    let m = std::fs::metadata(path).ok()?;
    Some(FileMeta { mode: m.mode() & 0o7777, uid: m.uid(), gid: m.gid() })
}

/// The last event's time and the record rate over the log's last [`TAIL_BYTES`].
fn tail(log: &Path) -> Option<Tail> {
    let mut f = std::fs::File::open(log).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(TAIL_BYTES))).ok()?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).ok()?;
    Some(tail_of(&buf))
}

/// [`Tail`] of a log's text: times from `msg=audit(SECS.MS:SERIAL)`.
pub fn tail_of(text: &[u8]) -> Tail {
    let times: Vec<f64> = text.split(|&b| b == b'\n').filter_map(record_time).collect();
    let (Some(first), Some(last)) = (times.first(), times.last()) else {
        return Tail::default();
    };
    let span = last - first;
    let rate = (span > 0.0).then(|| times.len() as f64 / span);
    Tail { last_event: Some(*last as u64), rate }
}

fn record_time(line: &[u8]) -> Option<f64> {
    const MARK: &[u8] = b"audit(";
    let at = line.windows(MARK.len()).position(|w| w == MARK)? + MARK.len();
    let rest = &line[at..];
    let end = rest.iter().position(|&b| b == b':')?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Active plugins: their program, and whether a child of the daemon (`daemon_pid`) runs it;
/// and the directory's error messages.
fn plugins(dir: &Path, daemon_pid: Option<u32>) -> (Vec<Plugin>, Vec<String>) {
    let loaded = raudit_dispatch::pconfig::load_plugin_dir(dir);
    let errors = loaded
        .diagnostics
        .iter()
        .filter(|d| d.level == raudit_config::Level::Error)
        .map(|d| d.text.clone())
        .collect();
    let children = daemon_pid.map(children_exes);
    let active = loaded
        .active
        .into_iter()
        .map(|p| {
            let builtin = p.kind == raudit_dispatch::pconfig::PluginType::Builtin || p.is_af_unix();
            let path = p.path.filter(|_| !builtin);
            let meta = path.as_deref().and_then(|p| std::fs::metadata(p).ok());
            let exists = meta.is_some();
            let executable = meta.is_some_and(|m| m.is_file() && m.mode() & 0o111 != 0);
            let running = match (&path, &children) {
                (Some(path), Some(kids)) => {
                    let want = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                    Some(kids.contains(&want))
                }
                _ => None,
            };
            Plugin { name: p.name, path, exists, executable, running }
        })
        .collect();
    (active, errors)
}

/// The executables of `pid`'s children and grandchildren: a supervised rauditd's plugins are
/// children of its worker, the supervisor's child (docs/crash-safety.md).
fn children_exes(pid: u32) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir("/proc") else { return Vec::new() };
    let procs: Vec<(u32, Option<u32>)> = rd
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .map(|p| (p, parent_of(p)))
        .collect();
    let children: Vec<u32> =
        procs.iter().filter(|(_, parent)| *parent == Some(pid)).map(|(p, _)| *p).collect();
    procs
        .iter()
        .filter(|(_, parent)| parent.is_some_and(|q| q == pid || children.contains(&q)))
        .filter_map(|(p, _)| raudit_sys::process::executable(*p))
        .collect()
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After "pid (comm) ": state, then ppid; comm may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_reads_last_time_and_rate() {
        let log = b"type=SYSCALL msg=audit(100.000:1): a\ntype=PATH msg=audit(100.000:1): b\n\
                    node=h type=SYSCALL msg=audit(110.500:2): c\npartial line";
        let t = tail_of(log);
        assert_eq!(t.last_event, Some(110));
        let rate = t.rate.unwrap();
        assert!((rate - 3.0 / 10.5).abs() < 1e-9, "{rate}");
        assert_eq!(tail_of(b"no records\n"), Tail::default());
    }

    #[test]
    fn parent_of_self_is_our_parent() {
        let me = std::process::id();
        assert_eq!(parent_of(me), Some(std::os::unix::process::parent_id()));
    }
}
