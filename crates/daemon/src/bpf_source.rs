//! rauditd's BPF source (`--bpf connect,exec,open`, raudit only): connects, execs and opens
//! traced by raudit-bpf become records of raudit's own user-range types in the same log,
//! shaped like user records so the reference's ausearch reads them and raudit's finds them
//! by pid, uid, login uid, session, exe and key. The format is in docs/bpf.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::thread::JoinHandle;
use std::time::UNIX_EPOCH;

use raudit_bpf::cgroup::CgroupNames;
use raudit_bpf::{BpfError, Clock, Event, Filter, Kind, Payload, Traced};
use raudit_interpret::fields::encode_nv_value;

use crate::daemon::{SharedCore, lock};
use crate::pipeline::Record;

/// The record types (raudit_tables::RAUDIT_TYPES).
pub const BPF_CONNECT: u16 = 2980;
pub const BPF_EXEC: u16 = 2981;
pub const BPF_OPEN: u16 = 2982;
pub const BPF_LOST: u16 = 2983;

/// AUDIT_ARCH_X86_64: `sysno=` numbers are x86_64's. (Not `syscall=`: interpreters name that
/// one only in SYSCALL records and would print a wrong name here.)
const ARCH_X86_64: &str = "c000003e";

/// What `--bpf` and `--bpf-key` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpfSource {
    pub kinds: Vec<Kind>,
    /// The `key=` of every record (what `ausearch -k` finds).
    pub key: String,
}

impl BpfSource {
    /// Parses `connect,exec,open` (any subset).
    pub fn parse(list: &str, key: &str) -> Result<BpfSource, String> {
        let mut kinds = Vec::new();
        for word in list.split(',') {
            let kind = Kind::from_name(word.trim())
                .ok_or_else(|| format!("unknown BPF source '{word}' (connect, exec, open)"))?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(BpfSource { kinds, key: key.to_string() })
    }
}

/// The running source: stopped and joined by [`BpfHandle::shutdown`].
pub(crate) struct BpfHandle {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl BpfHandle {
    pub(crate) fn shutdown(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

/// Loads the programs on their own thread and returns once they are attached (or failed).
pub(crate) fn start(source: &BpfSource, core: &SharedCore) -> Result<BpfHandle, BpfError> {
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = channel::<Result<(), BpfError>>();
    let (thread_stop, core, source) = (Arc::clone(&stop), Arc::clone(core), source.clone());
    let thread = std::thread::Builder::new()
        .name("rauditd-bpf".into())
        .spawn(move || {
            let filter = Filter {
                kinds: source.kinds.clone(),
                exclude_pid: Some(std::process::id()),
                ..Filter::default()
            };
            let mut writer = RecordWriter::new(&source.key);
            let ready = ready_tx.clone();
            let result = raudit_bpf::trace(&filter, &thread_stop, |t| {
                match t {
                    Traced::Ready => drop(ready.send(Ok(()))),
                    Traced::Event(ev) => writer.event(&core, &ev),
                    Traced::Lost { ring_full, table_full } => {
                        writer.lost(&core, ring_full, table_full)
                    }
                }
                std::ops::ControlFlow::Continue(())
            });
            if let Err(e) = result {
                let _ = ready_tx.send(Err(e));
            }
        })
        .map_err(|e| BpfError::Kernel { stage: "start", detail: e.to_string() })?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(BpfHandle { stop, thread }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(BpfError::Kernel { stage: "start", detail: "the BPF thread ended".into() }),
    }
}

/// A value inside `msg='...'`: the audit encoding, and hex also for a `'` (it would end msg).
fn value(out: &mut Vec<u8>, v: &[u8]) {
    if v.contains(&b'\'') {
        for b in v {
            out.extend_from_slice(format!("{b:02X}").as_bytes());
        }
    } else {
        encode_nv_value(out, v);
    }
}

fn field(out: &mut Vec<u8>, name: &str, v: &[u8]) {
    out.push(b' ');
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    value(out, v);
}

/// Formats events as records and emits them through the daemon's pipeline.
struct RecordWriter {
    key: String,
    clock: Clock,
    cgroups: CgroupNames,
}

impl RecordWriter {
    fn new(key: &str) -> RecordWriter {
        RecordWriter { key: key.to_string(), clock: Clock::now(), cgroups: CgroupNames::new() }
    }

    /// The record body: user-record shape, `pid= uid= auid= ses= msg='op=KIND ... res='`.
    fn body(&mut self, ev: &Event) -> Vec<u8> {
        let mut b = format!(
            "pid={} uid={} auid={} ses={} msg='op={}",
            ev.pid,
            ev.uid,
            ev.auid,
            ev.ses,
            ev.kind().name()
        )
        .into_bytes();
        b.extend_from_slice(
            format!(
                " ppid={} tid={} gid={} arch={ARCH_X86_64} sysno={} exit={}",
                ev.ppid, ev.tid, ev.gid, ev.syscall, ev.ret
            )
            .as_bytes(),
        );
        field(&mut b, "comm", &ev.comm);
        let exe = match &ev.payload {
            Payload::Exec { filename, .. } => Some(filename.clone()),
            _ => std::fs::read_link(format!("/proc/{}/exe", ev.pid))
                .ok()
                .map(|p| std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()).to_vec()),
        };
        if let Some(exe) = exe {
            field(&mut b, "exe", &exe);
        }
        if let Some(path) = self.cgroups.path(ev.cgroup_id) {
            field(&mut b, "cgroup", path.as_bytes());
        }
        match &ev.payload {
            Payload::Connect { saddr, sport, daddr, dport } => b.extend_from_slice(
                format!(" laddr={saddr} lport={sport} raddr={daddr} rport={dport}").as_bytes(),
            ),
            Payload::Exec { argv, .. } => {
                b.extend_from_slice(format!(" argc={}", argv.len()).as_bytes());
                for (i, arg) in argv.iter().enumerate() {
                    // `argN`, not EXECVE's `aN`: in other records interpreters read `aN` as a number.
                    field(&mut b, &format!("arg{i}"), arg);
                }
            }
            Payload::Open { path, flags } => {
                field(&mut b, "path", path);
                // `oflag`: the name the interpreters know as open flags (hex).
                b.extend_from_slice(format!(" oflag={flags:x}").as_bytes());
            }
        }
        field(&mut b, "key", self.key.as_bytes());
        b.extend_from_slice(if ev.failed() { b" res=failed'" } else { b" res=success'" });
        b
    }

    fn emit(&self, core: &SharedCore, msg_type: u16, mono_ns: Option<u64>, body: &[u8]) {
        let when = mono_ns.map_or_else(std::time::SystemTime::now, |ns| self.clock.wall(ns));
        let when = when.duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut core = lock(core);
        let serial = core.serials.next();
        let mut payload =
            format!("audit({}.{:03}:{serial}): ", when.as_secs(), when.subsec_millis())
                .into_bytes();
        payload.extend_from_slice(body);
        core.pipeline.emit_own(Record { msg_type, payload });
    }

    fn event(&mut self, core: &SharedCore, ev: &Event) {
        let msg_type = match ev.kind() {
            Kind::Connect => BPF_CONNECT,
            Kind::Exec => BPF_EXEC,
            Kind::Open => BPF_OPEN,
        };
        let body = self.body(ev);
        self.emit(core, msg_type, Some(ev.mono_ns), &body);
    }

    /// Losses are records too: the log says how many events it lacks.
    fn lost(&self, core: &SharedCore, ring_full: u64, table_full: u64) {
        let body = format!(
            "{} msg='op=lost ring_full={ring_full} table_full={table_full} key=\"{}\" res=failed'",
            crate::own::self_fields(),
            self.key
        );
        self.emit(core, BPF_LOST, None, body.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(payload: Payload, ret: i64) -> Event {
        Event {
            mono_ns: 0,
            pid: 10,
            tid: 11,
            ppid: 1,
            uid: 0,
            gid: 0,
            auid: 1000,
            ses: 3,
            cgroup_id: 0,
            syscall: 42,
            ret,
            comm: b"cu'rl x".to_vec(),
            payload,
        }
    }

    #[test]
    fn records_have_the_user_shape_and_escape_inside_msg() {
        let mut w = RecordWriter::new("bpf");
        let ev = event(
            Payload::Connect {
                saddr: "127.0.0.1".parse().unwrap(),
                sport: 5000,
                daddr: "127.0.0.1".parse().unwrap(),
                dport: 80,
            },
            -111,
        );
        let body = String::from_utf8(w.body(&ev)).unwrap();
        assert!(body.starts_with("pid=10 uid=0 auid=1000 ses=3 msg='op=connect ppid=1 tid=11 gid=0 arch=c000003e sysno=42 exit=-111 comm=637527726C2078"), "{body}");
        assert!(
            body.ends_with(
                " laddr=127.0.0.1 lport=5000 raddr=127.0.0.1 rport=80 key=\"bpf\" res=failed'"
            ),
            "{body}"
        );
        let ev = event(
            Payload::Exec {
                filename: b"/bin/ls".to_vec(),
                argv: vec![b"ls".to_vec(), b"a b".to_vec()],
            },
            0,
        );
        let body = String::from_utf8(w.body(&ev)).unwrap();
        assert!(body.contains(" exe=\"/bin/ls\""), "{body}");
        assert!(
            body.ends_with(" argc=2 arg0=\"ls\" arg1=612062 key=\"bpf\" res=success'"),
            "{body}"
        );
    }

    #[test]
    fn the_switch_takes_a_list_of_kinds() {
        let s = BpfSource::parse("exec,open,exec", "k").unwrap();
        assert_eq!(s.kinds, vec![Kind::Exec, Kind::Open]);
        assert!(BpfSource::parse("connect,fork", "k").unwrap_err().contains("'fork'"));
    }
}
