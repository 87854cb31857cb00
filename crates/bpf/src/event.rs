//! One traced syscall as the tools and the daemon see it: the task's attribution (pid,
//! ppid, uid, login uid, session, cgroup) plus what the syscall was about.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

/// What was traced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Connect,
    Exec,
    Open,
}

impl Kind {
    /// The value the BPF programs use (`enum event_kind` in event.h).
    pub fn code(self) -> u32 {
        match self {
            Kind::Connect => 1,
            Kind::Exec => 2,
            Kind::Open => 3,
        }
    }

    pub fn from_code(code: u32) -> Option<Kind> {
        [Kind::Connect, Kind::Exec, Kind::Open].into_iter().find(|k| k.code() == code)
    }

    /// The name in `--bpf connect,exec,open` lists and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Connect => "connect",
            Kind::Exec => "exec",
            Kind::Open => "open",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        [Kind::Connect, Kind::Exec, Kind::Open].into_iter().find(|k| k.name() == name)
    }
}

/// What each kind carries beyond the common attribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A TCP connect: the local address the kernel chose and the destination asked for.
    Connect { saddr: IpAddr, sport: u16, daddr: IpAddr, dport: u16 },
    /// An exec: the path executed and its argv (the first 20 arguments of a failed one).
    Exec { filename: Vec<u8>, argv: Vec<Vec<u8>> },
    /// An open: the path as passed and the open flags.
    Open { path: Vec<u8>, flags: u32 },
}

/// One traced syscall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// CLOCK_MONOTONIC nanoseconds when the record was made.
    pub mono_ns: u64,
    pub pid: u32,
    pub tid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub gid: u32,
    /// The login uid (`task->loginuid`); 4294967295 when unset.
    pub auid: u32,
    /// The audit session (`task->sessionid`); 4294967295 when unset.
    pub ses: u32,
    /// The cgroup v2 id: the inode number of the cgroup's directory.
    pub cgroup_id: u64,
    /// The syscall number (x86_64), 0 when unknown.
    pub syscall: u32,
    /// The syscall's return value: an fd, 0, or a negative errno.
    pub ret: i64,
    pub comm: Vec<u8>,
    pub payload: Payload,
}

impl Event {
    pub fn kind(&self) -> Kind {
        match self.payload {
            Payload::Connect { .. } => Kind::Connect,
            Payload::Exec { .. } => Kind::Exec,
            Payload::Open { .. } => Kind::Open,
        }
    }

    /// Whether the syscall failed (a negative return value).
    pub fn failed(&self) -> bool {
        self.ret < 0
    }
}

/// Turns the monotonic stamps of events into wall-clock time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Wall-clock time at monotonic zero.
    boot: SystemTime,
}

impl Clock {
    /// Measures the offset between the two clocks now.
    pub fn now() -> Clock {
        let mono = Duration::from_nanos(monotonic_ns());
        let wall = SystemTime::now();
        Clock { boot: wall.checked_sub(mono).unwrap_or(SystemTime::UNIX_EPOCH) }
    }

    pub fn wall(&self, mono_ns: u64) -> SystemTime {
        self.boot + Duration::from_nanos(mono_ns)
    }
}

/// CLOCK_MONOTONIC in nanoseconds, the clock of `bpf_ktime_get_ns`.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Splits the NUL-separated argv area into arguments (a trailing NUL ends the last one).
pub fn split_args(area: &[u8]) -> Vec<Vec<u8>> {
    let area = area.strip_suffix(&[0]).unwrap_or(area);
    if area.is_empty() {
        return Vec::new();
    }
    area.split(|&b| b == 0).map(<[u8]>::to_vec).collect()
}

/// The bytes before the first NUL.
pub fn c_bytes(raw: &[u8]) -> Vec<u8> {
    raw.split(|&b| b == 0).next().unwrap_or_default().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_split_on_nul_and_keep_empty_middle_arguments() {
        assert_eq!(
            split_args(b"ls\0-l\0\0x\0"),
            vec![b"ls".to_vec(), b"-l".to_vec(), vec![], b"x".to_vec()]
        );
        assert!(split_args(b"").is_empty());
        assert_eq!(split_args(b"cut"), vec![b"cut".to_vec()]);
    }

    #[test]
    fn kinds_round_trip_codes_and_names() {
        for k in [Kind::Connect, Kind::Exec, Kind::Open] {
            assert_eq!(Kind::from_code(k.code()), Some(k));
            assert_eq!(Kind::from_name(k.name()), Some(k));
        }
        assert_eq!(Kind::from_code(9), None);
    }

    #[test]
    fn clock_maps_now_to_about_now() {
        let clock = Clock::now();
        let t = clock.wall(monotonic_ns());
        let diff = SystemTime::now().duration_since(t).unwrap_or_default();
        assert!(diff < Duration::from_secs(5), "{diff:?}");
    }
}
