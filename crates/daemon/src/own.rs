//! The daemon's own records (DAEMON_*): their serials, their `audit(...)` stamps, the
//! `auid= pid= uid= ses= subj=` parts naming the daemon or a signal's sender, and the node name.

use std::time::{SystemTime, UNIX_EPOCH};

use raudit_config::{DaemonConfig, NameFormat};

use crate::pipeline::Record;

pub(crate) fn read_trim(path: &str) -> Option<String> {
    let s = std::fs::read_to_string(path).ok()?;
    let s = s.trim_end_matches(['\n', '\0']).to_string();
    (!s.is_empty()).then_some(s)
}

/// The pid the daemon's records name when it is not this process's own: a supervised worker
/// names the supervisor, the registered process that the pid file and `auditctl -s` show.
static DAEMON_PID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

pub(crate) fn set_daemon_pid(pid: u32) {
    DAEMON_PID.store(pid, std::sync::atomic::Ordering::Relaxed);
}

/// The daemon's pid as the tools know it (see [`set_daemon_pid`]).
pub(crate) fn daemon_pid() -> u32 {
    match DAEMON_PID.load(std::sync::atomic::Ordering::Relaxed) {
        0 => std::process::id(),
        pid => pid,
    }
}

/// The daemon's own `auid=.. pid=.. uid=.. ses=..[ subj=..]` part.
pub(crate) fn self_fields() -> String {
    let auid = read_trim("/proc/self/loginuid").unwrap_or_else(|| "4294967295".into());
    let ses = read_trim("/proc/self/sessionid").unwrap_or_else(|| "4294967295".into());
    let uid = rustix::process::getuid().as_raw();
    let mut s = format!("auid={auid} pid={} uid={uid} ses={ses}", daemon_pid());
    if let Some(ctx) = read_trim("/proc/self/attr/current") {
        s.push_str(&format!(" subj={}", ctx.replace('\n', " ")));
    }
    s
}

/// `auid=.. uid=.. ses=.. pid=..[ subj=..]` of a signal's sender, from AUDIT_SIGNAL_INFO.
pub(crate) fn sender_fields(si: &raudit_proto::SigInfo) -> String {
    use std::os::unix::fs::MetadataExt;
    let proc = format!("/proc/{}", si.pid);
    let uid = std::fs::metadata(&proc).map_or(4294967295, |m| m.uid());
    let ses = read_trim(&format!("{proc}/sessionid")).unwrap_or_else(|| "4294967295".into());
    let mut s = format!("auid={} uid={uid} ses={ses} pid={}", si.uid, si.pid);
    if let Some(ctx) = &si.ctx {
        s.push_str(&format!(" subj={}", String::from_utf8_lossy(ctx)));
    }
    s
}

/// `auid=.. uid=.. ses=.. pid=..[ subj=..]` of a signal's sender as the
/// signal itself tells it (`pid` 0: the kernel, e.g. a terminal's Ctrl-C,
/// whose session is the daemon's own). The kernel's AUDIT_SIGNAL_INFO is
/// kept only for SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2; for SIGINT it still
/// names the sender of an earlier one.
pub(crate) fn delivered_sender_fields(pid: u32, uid: u32) -> String {
    let proc = if pid == 0 { "/proc/self".to_string() } else { format!("/proc/{pid}") };
    let unset = || "4294967295".to_string();
    let auid = read_trim(&format!("{proc}/loginuid")).unwrap_or_else(unset);
    let ses = read_trim(&format!("{proc}/sessionid")).unwrap_or_else(unset);
    let mut s = format!("auid={auid} uid={uid} ses={ses} pid={pid}");
    if let Some(ctx) = read_trim(&format!("{proc}/attr/current")) {
        s.push_str(&format!(" subj={}", ctx.replace('\n', " ")));
    }
    s
}

/// Serials of the daemon's own records: random start, then +1.
pub(crate) struct Serials(pub(crate) u32);

pub(crate) fn random_serial() -> u32 {
    let n = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    (n ^ std::process::id().wrapping_mul(2_654_435_761)) % 10000
}

impl Serials {
    pub(crate) fn next(&mut self) -> u32 {
        let s = self.0;
        self.0 = self.0.wrapping_add(1);
        s
    }
}

pub(crate) fn own_record(msg_type: u16, serial: u32, body: &str) -> Record {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let payload = format!("audit({}.{:03}:{serial}): {body}", now.as_secs(), now.subsec_millis())
        .into_bytes();
    Record { msg_type, payload }
}

pub(crate) fn node_name(cfg: &DaemonConfig) -> Result<Option<String>, String> {
    match cfg.name_format {
        NameFormat::None => Ok(None),
        NameFormat::User => cfg.name.clone().map(Some).ok_or("User defined name missing".into()),
        NameFormat::Hostname | NameFormat::Fqd | NameFormat::Numeric => {
            let h = read_trim("/proc/sys/kernel/hostname").ok_or("Unable to get machine name")?;
            if cfg.name_format == NameFormat::Numeric {
                use std::net::ToSocketAddrs;
                let addr = (h.as_str(), 0)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or(format!("Cannot resolve hostname {h}"))?;
                return Ok(Some(addr.ip().to_string()));
            }
            // FQD: the canonical name needs getaddrinfo(AI_CANONNAME); the hostname is used.
            Ok(Some(h.replace(' ', "_")))
        }
    }
}
