//! auvirt's output: one line per guest event (all kinds with
//! `--all-events`, starts only otherwise), `--proof` lines, and the
//! `--summary` counts, in the reference's columns.

use std::io::{self, Write};

use raudit_sys::Host;

use crate::guests::{GuestEvent, Kind};

/// How events are shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Show {
    pub all_events: bool,
    pub uuid: bool,
    pub proof: bool,
}

/// printf's `%-W.Ps`: at most `precision` bytes, padded to `width`.
fn column(out: &mut Vec<u8>, value: &[u8], width: usize, precision: usize) {
    let v = &value[..value.len().min(precision)];
    out.extend_from_slice(v);
    out.resize(out.len() + width.saturating_sub(v.len()), b' ');
}

fn text(v: &Option<Vec<u8>>) -> &[u8] {
    v.as_deref().unwrap_or_default()
}

fn kind_name(kind: Kind) -> &'static [u8] {
    match kind {
        Kind::Start => b"start",
        Kind::Stop => b"stop",
        Kind::Res => b"resrc",
        Kind::Avc => b"avc",
        Kind::Anom => b"anom",
        Kind::MachineId => b"3",
    }
}

/// `get_time_period`: the start, and the end with the duration, or
/// ` - failed` for a failed start, stop or assignment.
fn period(e: &GuestEvent, host: &dyn Host) -> Vec<u8> {
    let mut buf = Vec::new();
    column(&mut buf, host.ctime(e.start).as_bytes(), 16, 16);
    if e.end != 0 {
        let secs = e.end - e.start;
        buf.extend_from_slice(b" - ");
        let end = host.ctime(e.end);
        column(&mut buf, end.as_bytes().get(11..).unwrap_or_default(), 7, 5);
        // C division and remainder (towards zero), as the reference's.
        let (mins, hours, days) = ((secs / 60) % 60, (secs / 3600) % 24, secs / 86400);
        let span = if days != 0 {
            format!("({days}+{hours:02}:{mins:02})")
        } else {
            format!("({hours:02}:{mins:02})")
        };
        buf.extend_from_slice(span.as_bytes());
    } else if !e.success && e.kind != Kind::Avc && e.kind != Kind::Anom {
        buf.extend_from_slice(b" - failed");
    }
    buf
}

/// One event's line (and proof), or nothing when it is not shown.
pub fn write_event(out: &mut Vec<u8>, e: &GuestEvent, show: Show, host: &dyn Host) {
    if e.kind == Kind::MachineId || (!show.all_events && e.kind != Kind::Start) {
        return;
    }
    if show.all_events {
        column(out, kind_name(e.kind), 6, 5);
        out.push(b' ');
    }
    column(out, text(&e.name), 22, 22);
    if show.uuid {
        out.push(b'\t');
        column(out, text(&e.uuid), 36, 36);
    }
    out.push(b'\t');
    column(out, text(&e.user), 11, 11);
    out.push(b'\t');
    column(out, &period(e, host), 32, 32);
    let plain = |out: &mut Vec<u8>, v: &Option<Vec<u8>>| {
        out.push(b'\t');
        out.extend_from_slice(text(v));
    };
    match e.kind {
        Kind::Res => {
            out.push(b'\t');
            column(out, text(&e.res_type), 12, 12);
            out.push(b'\t');
            column(out, text(&e.reason), 10, 10);
            if e.res_type.as_deref() != Some(b"cgroup") {
                plain(out, &e.res);
            } else {
                plain(out, &e.cgroup_class);
                plain(out, &e.cgroup_acl);
                plain(out, &e.cgroup_detail);
            }
        }
        Kind::Avc => {
            out.push(b'\t');
            column(out, text(&e.avc_operation), 12, 12);
            out.push(b'\t');
            column(out, text(&e.avc_result), 10, 10);
            plain(out, &e.comm);
            plain(out, &e.target);
            plain(out, &e.context);
        }
        _ => {}
    }
    out.push(b'\n');
    if show.proof {
        out.extend_from_slice(b"    Proof:");
        let serials: Vec<String> =
            e.proof.iter().filter(|p| p.sec != 0).map(|p| p.serial.to_string()).collect();
        out.extend_from_slice(serials.join(",").as_bytes());
        out.extend_from_slice(b"\n\n");
    }
}

/// Every event, in list order.
pub fn write_events(
    out: &mut impl Write,
    events: &[GuestEvent],
    show: Show,
    host: &dyn Host,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for e in events {
        write_event(&mut buf, e, show, host);
        if buf.len() >= 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

/// `--summary`: the time range and the counts.
pub fn write_summary(
    out: &mut impl Write,
    events: &[GuestEvent],
    host: &dyn Host,
) -> io::Result<()> {
    let (mut first, mut last) = (0i64, 0i64);
    let [mut start, mut stop, mut res, mut avc, mut anom, mut failure] = [0u64; 6];
    for e in events {
        let counted = matches!(e.kind, Kind::Start | Kind::Stop | Kind::Res);
        if !e.success && counted {
            failure += 1;
        } else {
            match e.kind {
                Kind::Start => start += 1,
                Kind::Stop => stop += 1,
                Kind::Res => res += 1,
                Kind::Avc => avc += 1,
                Kind::Anom => anom += 1,
                Kind::MachineId => {}
            }
        }
        for t in [e.start, e.end] {
            if t != 0 {
                if first == 0 || t < first {
                    first = t;
                }
                if last == 0 || t > last {
                    last = t;
                }
            }
        }
    }
    let when = |t: i64| {
        if t == 0 { "undef".to_string() } else { host.ctime(t).chars().take(16).collect() }
    };
    writeln!(out, "Range of time for report:       {} - {}", when(first), when(last))?;
    writeln!(out, "Number of guest starts:         {start}")?;
    writeln!(out, "Number of guest stops:          {stop}")?;
    writeln!(out, "Number of resource assignments: {res}")?;
    writeln!(out, "Number of related AVCs:         {avc}")?;
    writeln!(out, "Number of related anomalies:    {anom}")?;
    writeln!(out, "Number of failed operations:    {failure}")
}
