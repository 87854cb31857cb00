//! What the tools print: bcc's header and columns (widths as bcc 0.26 prints them), or
//! one JSON object per event with everything the event carries.

use std::io::Write;
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use raudit_bpf::cgroup::CgroupNames;
use raudit_bpf::{Clock, Event, Payload};
use raudit_search::json::string as json_string;

use super::args::{Args, Format, Tool};

pub struct Printer {
    args: Args,
    clock: Clock,
    start_mono: u64,
    first_mono: Option<u64>,
    cgroups: CgroupNames,
    host: raudit_sys::SystemHost,
}

/// 4294967295 (unset) reads as -1, as `/proc/PID/loginuid` users know it from auditctl.
fn id_text(id: u32) -> String {
    if id == u32::MAX { "-1".to_string() } else { id.to_string() }
}

fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Printer {
    pub fn new(args: Args) -> Printer {
        Printer {
            args,
            clock: Clock::now(),
            start_mono: raudit_bpf::monotonic_ns(),
            first_mono: None,
            cgroups: CgroupNames::new(),
            host: raudit_sys::SystemHost::new(),
        }
    }

    pub fn header(&self, out: &mut impl Write) -> std::io::Result<()> {
        if self.args.format == Format::Json {
            // stdout is JSON only; a reader still learns that tracing has begun.
            eprintln!("Tracing {} ... Hit Ctrl-C to end", self.args.tool.kind().name());
            return Ok(());
        }
        let a = &self.args;
        let mut h = String::new();
        match a.tool {
            Tool::TcpConnect => {
                writeln!(out, "Tracing connect ... Hit Ctrl-C to end")?;
                if a.timestamp {
                    h += &format!("{:<9}", "TIME(s)");
                }
            }
            Tool::ExecSnoop => {
                if a.clock {
                    h += &format!("{:<9}", "TIME");
                }
                if a.timestamp {
                    h += &format!("{:<8}", "TIME(s)");
                }
            }
            Tool::OpenSnoop => {
                if a.timestamp {
                    h += &format!("{:<14}", "TIME(s)");
                }
            }
        }
        if a.print_uid {
            h += &format!("{:<6}", "UID");
        }
        if a.print_audit {
            h += &format!("{:<11}{:<11}", "AUID", "SES");
        }
        h += &match a.tool {
            Tool::TcpConnect if a.lport => {
                format!(
                    "{:<7} {:<12} {:<2} {:<16} {:<6} {:<16} {:<6}",
                    "PID", "COMM", "IP", "SADDR", "LPORT", "DADDR", "DPORT"
                )
            }
            Tool::TcpConnect => format!(
                "{:<7} {:<12} {:<2} {:<16} {:<16} {:<6}",
                "PID", "COMM", "IP", "SADDR", "DADDR", "DPORT"
            ),
            Tool::ExecSnoop => {
                format!("{:<16} {:<7} {:<7} {:>3} {}", "PCOMM", "PID", "PPID", "RET", "ARGS")
            }
            Tool::OpenSnoop => {
                let id = if a.tid.is_some() { "TID" } else { "PID" };
                format!("{id:<6} {:<16} {:>4} {:>3} PATH", "COMM", "FD", "ERR")
            }
        };
        writeln!(out, "{h}")
    }

    /// Whether the event passes the selections the kernel does not apply.
    pub fn selects(&self, ev: &Event) -> bool {
        let a = &self.args;
        if a.tid.is_some_and(|t| t != ev.tid) {
            return false;
        }
        if a.name.as_deref().is_some_and(|n| !printable(&ev.comm).contains(n)) {
            return false;
        }
        match &ev.payload {
            Payload::Connect { daddr, dport, .. } => {
                (a.ports.is_empty() || a.ports.contains(dport))
                    && !(a.ipv4_only && daddr.is_ipv6())
                    && !(a.ipv6_only && daddr.is_ipv4())
            }
            Payload::Exec { .. } => a.failed || !ev.failed(),
            Payload::Open { .. } => !a.failed || ev.failed(),
        }
    }

    pub fn event(&mut self, out: &mut impl Write, ev: &Event) -> std::io::Result<()> {
        if self.args.format == Format::Json {
            return self.json(out, ev);
        }
        let first = *self.first_mono.get_or_insert(ev.mono_ns);
        let a = &self.args;
        let mut line = String::new();
        let secs = |from: u64| ev.mono_ns.saturating_sub(from) as f64 / 1e9;
        match a.tool {
            Tool::TcpConnect if a.timestamp => line += &format!("{:<9.3}", secs(first)),
            Tool::ExecSnoop => {
                if a.clock {
                    let t = self
                        .clock
                        .wall(ev.mono_ns)
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_secs();
                    line += &format!(
                        "{:<9}",
                        raudit_sys::Host::strftime(&self.host, "%H:%M:%S", t as i64)
                    );
                }
                if a.timestamp {
                    line += &format!("{:<8.3}", secs(self.start_mono));
                }
            }
            Tool::OpenSnoop if a.timestamp => line += &format!("{:<14.9}", secs(first)),
            _ => {}
        }
        if a.print_uid {
            line += &format!("{:<6}", ev.uid);
        }
        if a.print_audit {
            line += &format!("{:<11}{:<11}", id_text(ev.auid), id_text(ev.ses));
        }
        let comm = printable(&ev.comm);
        match &ev.payload {
            Payload::Connect { saddr, sport, daddr, dport } => {
                let ip = if daddr.is_ipv4() { 4 } else { 6 };
                let comm: String = comm.chars().take(12).collect();
                if a.lport {
                    line += &format!(
                        "{:<7} {comm:<12} {ip:<2} {:<16} {sport:<6} {:<16} {dport:<6} ",
                        ev.pid, saddr, daddr
                    );
                } else {
                    line += &format!(
                        "{:<7} {comm:<12} {ip:<2} {:<16} {:<16} {dport:<6} ",
                        ev.pid, saddr, daddr
                    );
                }
            }
            Payload::Exec { argv, .. } => {
                let ppid = if ev.ppid > 0 { ev.ppid.to_string() } else { "?".into() };
                let args: Vec<String> = argv.iter().map(|s| printable(s)).collect();
                let args = args.join(" ").replace('\n', "\\n");
                line += &format!("{comm:<16} {:<7} {ppid:<7} {:>3} {args}", ev.pid, ev.ret);
            }
            Payload::Open { path, .. } => {
                let (fd, err) = if ev.ret >= 0 { (ev.ret, 0) } else { (-1, -ev.ret) };
                let id = if a.tid.is_some() { ev.tid } else { ev.pid };
                line += &format!("{id:<6} {comm:<16} {fd:>4} {err:>3} {}", printable(path));
            }
        }
        writeln!(out, "{line}")
    }

    fn json(&mut self, out: &mut impl Write, ev: &Event) -> std::io::Result<()> {
        let mut o = Vec::with_capacity(256);
        let wall =
            self.clock.wall(ev.mono_ns).duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        o.extend_from_slice(b"{\"type\":");
        json_string(&mut o, ev.kind().name().as_bytes());
        let cgroup = self.cgroups.path(ev.cgroup_id).map(str::to_string);
        write!(
            o,
            ",\"time\":{}.{:03},\"pid\":{},\"tid\":{},\"ppid\":{},\"uid\":{},\"gid\":{},\"auid\":{},\"ses\":{},\"syscall\":{},\"ret\":{},\"cgroup_id\":{}",
            wall.as_secs(),
            wall.subsec_millis(),
            ev.pid,
            ev.tid,
            ev.ppid,
            ev.uid,
            ev.gid,
            ev.auid,
            ev.ses,
            ev.syscall,
            ev.ret,
            ev.cgroup_id
        )?;
        o.extend_from_slice(b",\"cgroup\":");
        match cgroup {
            Some(path) => json_string(&mut o, path.as_bytes()),
            None => o.extend_from_slice(b"null"),
        }
        o.extend_from_slice(b",\"comm\":");
        json_string(&mut o, &ev.comm);
        match &ev.payload {
            Payload::Connect { saddr, sport, daddr, dport } => {
                let ip = if matches!(daddr, IpAddr::V4(_)) { 4 } else { 6 };
                write!(
                    o,
                    ",\"ip\":{ip},\"saddr\":\"{saddr}\",\"sport\":{sport},\"daddr\":\"{daddr}\",\"dport\":{dport}"
                )?;
            }
            Payload::Exec { filename, argv } => {
                o.extend_from_slice(b",\"filename\":");
                json_string(&mut o, filename);
                o.extend_from_slice(b",\"argv\":[");
                for (i, arg) in argv.iter().enumerate() {
                    if i > 0 {
                        o.push(b',');
                    }
                    json_string(&mut o, arg);
                }
                o.push(b']');
            }
            Payload::Open { path, flags } => {
                o.extend_from_slice(b",\"path\":");
                json_string(&mut o, path);
                write!(o, ",\"flags\":{flags}")?;
            }
        }
        o.extend_from_slice(b"}\n");
        out.write_all(&o)
    }
}
