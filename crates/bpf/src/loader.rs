//! Opens, loads and attaches the BPF programs (libbpf-rs skeleton) and turns the ring
//! buffer's records into [`Event`]s. Everything lives on this function's stack, so the
//! skeleton's borrows never escape and the programs detach when tracing ends.

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use libbpf_rs::skel::{OpenSkel, Skel, SkelBuilder};
use libbpf_rs::{ErrorKind, MapCore, MapFlags, OpenObject, RingBufferBuilder};

use crate::event::{c_bytes, split_args};
use crate::tracefs::Attach;
use crate::{BpfError, Event, Filter, Kind, Payload, Traced};

#[allow(clippy::all, unsafe_op_in_unsafe_fn, non_camel_case_types, dead_code)]
mod skel {
    include!(concat!(env!("OUT_DIR"), "/trace.skel.rs"));
}

use skel::types::event as RawEvent;
use skel::{TraceSkelBuilder, types};

// SAFETY: `event` is a repr(C) struct of integers and byte arrays generated from event.h;
// every bit pattern is a valid value.
unsafe impl plain::Plain for RawEvent {}

/// How long one poll of the ring buffer waits before reading it anyway (the programs wake
/// the reader only once [`wakeup_bytes`] are waiting) and checking `stop` and the losses.
const POLL: Duration = Duration::from_millis(100);

/// The default ring buffer size (trace.bpf.c's `max_entries`).
const RING_BYTES: u32 = 4 * 1024 * 1024;

/// When the programs wake the reader: a quarter of the ring buffer waiting, so bursts are
/// read in batches long before the buffer fills, and single events within [`POLL`].
fn wakeup_bytes(ring_bytes: u32) -> u64 {
    u64::from(ring_bytes / 4)
}

const AF_INET: u16 = 2;

/// Where the kernel's BTF is looked for; `RAUDIT_BPF_BTF` points the check elsewhere, so a
/// machine without BTF can be imitated (tests) or a custom location checked.
fn btf_path() -> String {
    std::env::var("RAUDIT_BPF_BTF").unwrap_or_else(|_| "/sys/kernel/btf/vmlinux".to_string())
}

fn check_btf() -> Result<(), BpfError> {
    let path = btf_path();
    match std::fs::metadata(&path) {
        Ok(m) if m.len() > 0 => Ok(()),
        Ok(_) => Err(BpfError::NoBtf { path, reason: "empty".into() }),
        Err(e) => Err(BpfError::NoBtf { path, reason: e.to_string() }),
    }
}

/// libbpf's own messages go to stderr only with `RAUDIT_BPF_DEBUG=1`: the tools promise
/// one line per failure, and libbpf's EPERM hint about ulimits is misleading here.
fn quiet_libbpf() {
    fn print(_level: libbpf_rs::PrintLevel, msg: String) {
        eprint!("libbpf: {msg}");
    }
    if std::env::var_os("RAUDIT_BPF_DEBUG").is_some_and(|v| v == "1") {
        libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Debug, print)));
    } else {
        libbpf_rs::set_print(None);
    }
}

fn kernel_error(stage: &'static str, err: libbpf_rs::Error) -> BpfError {
    if err.kind() == ErrorKind::PermissionDenied {
        return BpfError::Permission { detail: format!("{stage}: {err}") };
    }
    BpfError::Kernel { stage, detail: err.to_string().replace('\n', " ") }
}

/// `RAUDIT_BPF_RING_BYTES` sizes the ring buffer (a power of two, at least a page): tests
/// shrink it to force losses; the default (4 MiB) is in trace.bpf.c.
fn set_ring_size(map: &mut libbpf_rs::OpenMapMut) -> Result<u32, BpfError> {
    let Some(value) = std::env::var_os("RAUDIT_BPF_RING_BYTES") else {
        return Ok(RING_BYTES);
    };
    let bad = || BpfError::Kernel {
        stage: "open",
        detail: format!(
            "RAUDIT_BPF_RING_BYTES={}: not a power of two of at least 4096",
            value.to_string_lossy()
        ),
    };
    let bytes: u32 = value.to_str().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
    if bytes < 4096 || !bytes.is_power_of_two() {
        return Err(bad());
    }
    map.set_max_entries(bytes).map_err(|e| kernel_error("open", e))?;
    Ok(bytes)
}

/// Fills the read-only configuration the programs filter with.
fn configure(rodata: &mut types::rodata, filter: &Filter) {
    rodata.want_kinds = filter.kind_mask();
    rodata.self_tgid = filter.exclude_pid.unwrap_or(0);
    rodata.targ_tgid = filter.pid.unwrap_or(0);
    if let Some(uid) = filter.uid {
        rodata.filter_uid = true;
        rodata.targ_uid = uid;
    }
    if let Some(auid) = filter.auid {
        rodata.filter_auid = true;
        rodata.targ_auid = auid;
    }
    if let Some(id) = filter.uid_or_auid {
        rodata.filter_uid_or_auid = true;
        rodata.targ_uid_or_auid = id;
    }
    if let Some(ses) = filter.ses {
        rodata.filter_ses = true;
        rodata.targ_ses = ses;
    }
    if let Some(cg) = filter.cgroup {
        rodata.targ_cgroup_id = cg.id;
        rodata.targ_cgroup_level = cg.level as i32;
    }
    rodata.failed_only = filter.failed_only;
}

/// Loads the programs for `filter`, reports [`Traced::Ready`], then every event and every
/// loss until `stop` is set or `sink` breaks. Losses are also reported once at the end.
pub fn trace(
    filter: &Filter,
    stop: &AtomicBool,
    mut sink: impl FnMut(Traced) -> ControlFlow<()>,
) -> Result<(), BpfError> {
    check_btf()?;
    quiet_libbpf();
    let mut object = MaybeUninit::<OpenObject>::uninit();
    let mut open =
        TraceSkelBuilder::default().open(&mut object).map_err(|e| kernel_error("open", e))?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .ok_or_else(|| BpfError::Kernel { stage: "open", detail: "no .rodata section".into() })?;
    configure(rodata, filter);
    let attach = crate::tracefs::choose();
    let wants = |kind: Kind| filter.kinds.contains(&kind);
    let per_syscall = attach == Attach::PerSyscall;
    let progs = &mut open.progs;
    progs.on_exec.set_autoload(wants(Kind::Exec));
    progs.on_sys_enter.set_autoload(!per_syscall);
    progs.on_sys_exit.set_autoload(!per_syscall);
    for (kind, enter, exit) in [
        (Kind::Connect, &mut progs.on_enter_connect, &mut progs.on_exit_connect),
        (Kind::Open, &mut progs.on_enter_open, &mut progs.on_exit_open),
        (Kind::Open, &mut progs.on_enter_openat, &mut progs.on_exit_openat),
        (Kind::Open, &mut progs.on_enter_openat2, &mut progs.on_exit_openat2),
        (Kind::Exec, &mut progs.on_enter_execve, &mut progs.on_exit_execve),
        (Kind::Exec, &mut progs.on_enter_execveat, &mut progs.on_exit_execveat),
    ] {
        enter.set_autoload(per_syscall && wants(kind));
        exit.set_autoload(per_syscall && wants(kind));
    }
    let ring_bytes = set_ring_size(&mut open.maps.events)?;
    if let Some(rodata) = open.maps.rodata_data.as_deref_mut() {
        rodata.wakeup_bytes = wakeup_bytes(ring_bytes);
    }
    let mut loaded = open.load().map_err(|e| kernel_error("load", e))?;
    loaded.attach().map_err(|e| kernel_error("attach", e))?;

    let queue: Rc<RefCell<Vec<Event>>> = Rc::default();
    let pushed = Rc::clone(&queue);
    let mut builder = RingBufferBuilder::new();
    builder
        .add(&loaded.maps.events, move |data: &[u8]| {
            if let Some(ev) = decode(data) {
                pushed.borrow_mut().push(ev);
            }
            0
        })
        .map_err(|e| kernel_error("attach", e))?;
    let ring = builder.build().map_err(|e| kernel_error("attach", e))?;

    let mut reported = Lost::default();
    if sink(Traced::Ready).is_break() {
        return Ok(());
    }
    loop {
        // Seen before this round's read: everything in the ring when the stop was asked is
        // read and handed over before the end.
        let stopping = stop.load(Ordering::Relaxed);
        // A timed-out or interrupted poll reads nothing: consume what waits below the
        // wake-up mark too.
        let poll = if stopping { Duration::ZERO } else { POLL };
        for result in [ring.poll(poll), ring.consume()] {
            if let Err(e) = result
                && e.kind() != ErrorKind::Interrupted
            {
                return Err(BpfError::Poll(e.to_string()));
            }
        }
        let events = std::mem::take(&mut *queue.borrow_mut());
        for ev in events {
            if sink(Traced::Event(ev)).is_break() {
                return finish(&loaded.maps.lost, &mut reported, &mut sink);
            }
        }
        let now = read_lost(&loaded.maps.lost);
        if now != reported {
            let delta = Traced::Lost {
                ring_full: now.ring - reported.ring,
                table_full: now.table - reported.table,
            };
            reported = now;
            if sink(delta).is_break() {
                return Ok(());
            }
        }
        if stopping {
            return finish(&loaded.maps.lost, &mut reported, &mut sink);
        }
    }
}

/// The loss counters, summed over the CPUs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Lost {
    ring: u64,
    table: u64,
}

fn read_lost(map: &impl MapCore) -> Lost {
    let slot = |key: u32| -> u64 {
        match map.lookup_percpu(&key.to_ne_bytes(), MapFlags::ANY) {
            Ok(Some(cpus)) => cpus
                .iter()
                .filter_map(|v| v.get(..8).and_then(|b| b.try_into().ok()))
                .map(u64::from_ne_bytes)
                .sum(),
            _ => 0,
        }
    };
    Lost { ring: slot(0), table: slot(1) }
}

fn finish(
    map: &impl MapCore,
    reported: &mut Lost,
    sink: &mut impl FnMut(Traced) -> ControlFlow<()>,
) -> Result<(), BpfError> {
    let now = read_lost(map);
    if now != *reported {
        let _ = sink(Traced::Lost {
            ring_full: now.ring - reported.ring,
            table_full: now.table - reported.table,
        });
        *reported = now;
    }
    Ok(())
}

/// One ring-buffer record (connects and opens leave out the argv tail) → an [`Event`].
fn decode(data: &[u8]) -> Option<Event> {
    let mut raw = RawEvent::default();
    let n = data.len().min(std::mem::size_of::<RawEvent>());
    // SAFETY: RawEvent is Plain (see above), so any bytes make a valid value.
    let bytes = unsafe { plain::as_mut_bytes(&mut raw) };
    bytes[..n].copy_from_slice(&data[..n]);
    let kind = Kind::from_code(raw.kind)?;
    let as_u8 = |s: &[i8]| -> Vec<u8> { c_bytes(&s.iter().map(|&c| c as u8).collect::<Vec<u8>>()) };
    let payload = match kind {
        Kind::Connect => {
            let (saddr, daddr) = if raw.family == AF_INET {
                let v4 = |a: &[u8; 16]| IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]));
                (v4(&raw.saddr), v4(&raw.daddr))
            } else {
                (IpAddr::V6(Ipv6Addr::from(raw.saddr)), IpAddr::V6(Ipv6Addr::from(raw.daddr)))
            };
            Payload::Connect { saddr, sport: raw.sport, daddr, dport: raw.dport }
        }
        Kind::Exec => {
            let len = usize::from(raw.args_len).min(raw.args.len());
            let area: Vec<u8> = raw.args[..len].iter().map(|&c| c as u8).collect();
            Payload::Exec { filename: as_u8(&raw.path), argv: split_args(&area) }
        }
        Kind::Open => Payload::Open { path: as_u8(&raw.path), flags: raw.flags },
    };
    Some(Event {
        mono_ns: raw.ts_ns,
        pid: raw.pid,
        tid: raw.tid,
        ppid: raw.ppid,
        uid: raw.uid,
        gid: raw.gid,
        auid: raw.auid,
        ses: raw.ses,
        cgroup_id: raw.cgroup_id,
        syscall: raw.syscall,
        ret: raw.ret,
        comm: as_u8(&raw.comm),
        payload,
    })
}
