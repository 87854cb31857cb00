//! The pipeline seam: a record source feeds stages (filters, later enrichment) and then fans out to
//! sinks (the log writer or stdout; plugins and remote logging later). Everything is synchronous:
//! the daemon's one event thread calls [`Pipeline::process`] with each batch it read.

use std::io::Write;

use raudit_tables::MsgType;

use crate::format::raw_line_into;
use crate::hooks::Hooks;
use crate::writer::{BatchOutcome, LogWriter};

/// One record from a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub msg_type: u16,
    /// `audit(...): body` as received.
    pub payload: Vec<u8>,
}

/// What a stage decides about a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    Drop,
}

/// A step every record passes before the sinks. It sees the record as received (type and
/// `audit(...): body`), borrowed from the receive buffer.
pub trait Stage {
    fn apply(&mut self, msg_type: u16, payload: &[u8]) -> Verdict;
}

/// A destination of formatted lines.
pub trait Sink {
    /// Whether lines of this record type go to this sink.
    fn accepts(&self, msg_type: u16) -> bool;
    /// Lines (each ending in a newline) of one batch.
    fn deliver(&mut self, lines: &[&[u8]]) -> BatchOutcome;
}

/// Foreground mode (`-f`): records go to stdout instead of the log.
pub struct StdoutSink;

impl Sink for StdoutSink {
    fn accepts(&self, msg_type: u16) -> bool {
        msg_type != MsgType::EOE.0
    }
    fn deliver(&mut self, lines: &[&[u8]]) -> BatchOutcome {
        let mut out = std::io::stdout().lock();
        let mut o = BatchOutcome::default();
        for l in lines {
            if out.write_all(l).is_ok() {
                o.written += 1;
            } else {
                o.dropped += 1;
            }
        }
        let _ = out.flush();
        o
    }
}

/// Counters over the pipeline's life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipelineStats {
    pub received: u64,
    pub dropped_by_stages: u64,
    /// EOE records received: they end an event and are never written to the log, so they are
    /// the usual gap between `received` and `written`.
    pub eoe: u64,
    /// Lines the primary output (log or stdout) wrote.
    pub written: u64,
    /// Lines the primary output could not write (suspended, errors).
    pub output_dropped: u64,
}

/// Where records primarily go: the log file, or stdout in foreground mode.
#[allow(clippy::large_enum_variant)] // one value per daemon
pub enum Output<H: Hooks> {
    Log(LogWriter<H>),
    Stdout(StdoutSink),
}

/// Source -> stages -> primary output + further sinks.
pub struct Pipeline<H: Hooks> {
    pub node: Option<String>,
    pub stages: Vec<Box<dyn Stage + Send>>,
    pub output: Output<H>,
    pub sinks: Vec<Box<dyn Sink + Send>>,
    pub stats: PipelineStats,
    /// How long the log's batch writes take (the metrics' histogram).
    pub write_latency: crate::metrics::Latency,
    /// Set for `log_format = ENRICHED`.
    pub enricher: Option<crate::enrich::Enricher>,
    /// The plugins (audisp): every record, EOE included, in `protocol`.
    pub dispatcher: Option<raudit_dispatch::Dispatcher>,
    /// What plugins get: the kernel text (RAW log, no node name) or the disk line.
    pub protocol: raudit_dispatch::Protocol,
    /// The reused batch of [`Pipeline::write_network`].
    network_lines: LineBatch,
}

impl<H: Hooks> Pipeline<H> {
    pub fn new(node: Option<String>, output: Output<H>) -> Pipeline<H> {
        Pipeline {
            node,
            stages: vec![Box::new(ControlFilter)],
            output,
            sinks: Vec::new(),
            stats: PipelineStats::default(),
            write_latency: crate::metrics::Latency::default(),
            enricher: None,
            dispatcher: None,
            protocol: raudit_dispatch::Protocol::Raw,
            network_lines: LineBatch::default(),
        }
    }

    /// The log writer, when the output is the log.
    pub fn log(&mut self) -> Option<&mut LogWriter<H>> {
        match &mut self.output {
            Output::Log(w) => Some(w),
            Output::Stdout(_) => None,
        }
    }

    /// Run one batch through the stages, format each record once and hand the output and every
    /// sink the lines they accept, in order. Returns the output's outcome.
    pub fn process(&mut self, batch: Vec<Record>) -> BatchOutcome {
        let mut lines = LineBatch::default();
        for r in &batch {
            self.push(&mut lines, r.msg_type, &r.payload);
        }
        self.flush(&mut lines)
    }

    /// The daemon's own records (DAEMON_*): they skip the stages, and go to the plugins too.
    pub fn emit_own(&mut self, record: Record) -> BatchOutcome {
        let mut lines = LineBatch::default();
        self.format_into(&mut lines, record.msg_type, &record.payload);
        self.flush(&mut lines)
    }

    /// An own record the plugins do not get (COMPAT: auditd.c reconfigure: the successful
    /// reload's DAEMON_CONFIG is written but not dispatched).
    pub fn emit_own_undispatched(&mut self, record: Record) -> BatchOutcome {
        let dispatcher = self.dispatcher.take();
        let out = self.emit_own(record);
        self.dispatcher = dispatcher;
        out
    }

    /// A record from a remote client (audisp-remote): written as it came, to the plugins only
    /// when `distribute` (distribute_network) says so.
    pub fn write_network(&mut self, line: &[u8], distribute: bool) -> BatchOutcome {
        let mut lines = std::mem::take(&mut self.network_lines);
        self.stats.received += 1;
        lines.disk.extend_from_slice(line);
        lines.disk.push(b'\n');
        lines.disk_ends.push(lines.disk.len());
        let msg_type = raudit_dispatch::format::type_of_line(line);
        if !self.sinks.is_empty() {
            let msg_type = u16::try_from(msg_type).unwrap_or(u16::MAX);
            lines.order.push((msg_type, Where::Disk(0)));
        }
        if distribute && let Some(d) = &self.dispatcher {
            d.enqueue(&raudit_dispatch::Record::formatted(line));
        }
        let out = self.flush(&mut lines);
        self.network_lines = lines;
        out
    }

    /// Adds one received record to `lines`: the stages decide, then its line is formatted
    /// straight into the batch (no allocation per record).
    pub fn push(&mut self, lines: &mut LineBatch, msg_type: u16, payload: &[u8]) {
        self.stats.received += 1;
        for s in &mut self.stages {
            if s.apply(msg_type, payload) == Verdict::Drop {
                self.stats.dropped_by_stages += 1;
                return;
            }
        }
        if msg_type == MsgType::EOE.0 {
            self.stats.eoe += 1;
        }
        self.format_into(lines, msg_type, payload);
    }

    fn format_into(&mut self, lines: &mut LineBatch, msg_type: u16, payload: &[u8]) {
        use raudit_dispatch::{Protocol, Record as PluginRecord};
        let eoe = msg_type == MsgType::EOE.0;
        let plugins = self.dispatcher.as_ref().filter(|d| d.is_active());
        let plugins_want_line = plugins.is_some() && self.protocol == Protocol::Formatted;
        if let Some(d) = plugins
            && self.protocol == Protocol::Raw
        {
            d.enqueue(&PluginRecord::raw(u32::from(msg_type), payload));
        }
        if eoe && self.sinks.is_empty() && !plugins_want_line {
            // EOE never goes to the log; with nobody else to read it, it is not even formatted.
            return;
        }
        let buf = if eoe { &mut lines.side } else { &mut lines.disk };
        let start = buf.len();
        raw_line_into(buf, self.node.as_deref(), msg_type, payload);
        if let Some(enricher) = &self.enricher {
            let mut line = buf.split_off(start);
            enricher.enrich(&mut line, msg_type);
            buf.extend_from_slice(&line);
        }
        if let Some(d) = plugins
            && plugins_want_line
        {
            let line = &buf[start..];
            d.enqueue(&PluginRecord::formatted(line.strip_suffix(b"\n").unwrap_or(line)));
        }
        if eoe {
            lines.order.push((msg_type, Where::Side(lines.side.len())));
        } else {
            lines.disk_ends.push(lines.disk.len());
            if !self.sinks.is_empty() {
                lines.order.push((msg_type, Where::Disk(lines.disk_ends.len() - 1)));
            }
        }
    }

    /// Writes the batch (one write per run of lines; one sync for DATA/SYNC), hands the sinks
    /// their lines in order, and empties `lines` for reuse.
    pub fn flush(&mut self, lines: &mut LineBatch) -> BatchOutcome {
        let out = if lines.disk_ends.is_empty() {
            BatchOutcome::default()
        } else {
            match &mut self.output {
                Output::Log(w) => {
                    let started = std::time::Instant::now();
                    let out = w.write_lines(&lines.disk, &lines.disk_ends);
                    self.write_latency.observe(started.elapsed());
                    out
                }
                Output::Stdout(s) => {
                    let v: Vec<&[u8]> = lines.disk_lines().collect();
                    s.deliver(&v)
                }
            }
        };
        self.stats.written += out.written as u64;
        self.stats.output_dropped += out.dropped as u64;
        if !self.sinks.is_empty() {
            let all: Vec<(u16, &[u8])> = lines.in_order().collect();
            for sink in &mut self.sinks {
                let l: Vec<&[u8]> =
                    all.iter().filter(|(t, _)| sink.accepts(*t)).map(|(_, l)| *l).collect();
                if !l.is_empty() {
                    sink.deliver(&l);
                }
            }
        }
        lines.clear();
        out
    }
}

/// Where a line of a [`LineBatch`] is: the `n`th disk line, or the side buffer up to an end.
#[derive(Debug, Clone, Copy)]
enum Where {
    Disk(usize),
    Side(usize),
}

/// Formatted lines of one batch, laid end to end: the log's lines in `disk` (written with one
/// write per run), EOE lines (for sinks only) in `side`. Reused from batch to batch.
#[derive(Debug, Default)]
pub struct LineBatch {
    disk: Vec<u8>,
    disk_ends: Vec<usize>,
    side: Vec<u8>,
    /// Every line in arrival order, kept only when there are sinks.
    order: Vec<(u16, Where)>,
}

impl LineBatch {
    /// Lines for the log so far.
    pub fn len(&self) -> usize {
        self.disk_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.disk_ends.is_empty() && self.side.is_empty()
    }

    /// Bytes for the log so far.
    pub fn bytes(&self) -> usize {
        self.disk.len()
    }

    fn clear(&mut self) {
        self.disk.clear();
        self.disk_ends.clear();
        self.side.clear();
        self.order.clear();
    }

    fn disk_lines(&self) -> impl Iterator<Item = &[u8]> {
        self.disk_ends
            .iter()
            .enumerate()
            .map(|(i, &e)| &self.disk[if i == 0 { 0 } else { self.disk_ends[i - 1] }..e])
    }

    fn in_order(&self) -> impl Iterator<Item = (u16, &[u8])> {
        let mut side_start = 0;
        self.order.iter().map(move |&(t, w)| match w {
            Where::Disk(i) => {
                let s = if i == 0 { 0 } else { self.disk_ends[i - 1] };
                (t, &self.disk[s..self.disk_ends[i]])
            }
            Where::Side(end) => {
                let s = side_start;
                side_start = end;
                (t, &self.side[s..end])
            }
        })
    }
}

/// Drops the control and daemon-range messages that reach a daemon socket but are not events.
// COMPAT: auditd.c netlink_handler / libaudit: NLMSG_NOOP/ERROR/DONE, AUDIT_GET, 1007-1009,
// 1011-1019, 1200-1299 and AUDIT_REPLACE are discarded.
pub struct ControlFilter;

impl Stage for ControlFilter {
    fn apply(&mut self, msg_type: u16, _payload: &[u8]) -> Verdict {
        let t = MsgType(msg_type);
        let control = (1..=3).contains(&msg_type) // NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE
            || t == MsgType::GET
            || (MsgType::WATCH_INS..=MsgType::WATCH_LIST).contains(&t)
            || (MsgType::ADD_RULE..=MsgType::GET_FEATURE).contains(&t)
            || (MsgType::FIRST_DAEMON..=MsgType::LAST_DAEMON).contains(&t)
            || t == MsgType::REPLACE;
        if control { Verdict::Drop } else { Verdict::Keep }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::testing::QuietHooks as Quiet;

    struct Collect(Arc<Mutex<Vec<Vec<u8>>>>);
    impl Sink for Collect {
        fn accepts(&self, _: u16) -> bool {
            true
        }
        fn deliver(&mut self, lines: &[&[u8]]) -> BatchOutcome {
            self.0.lock().unwrap().extend(lines.iter().map(|l| l.to_vec()));
            BatchOutcome { written: lines.len(), dropped: 0 }
        }
    }

    fn rec(t: u16, p: &str) -> Record {
        Record { msg_type: t, payload: p.as_bytes().to_vec() }
    }

    #[test]
    fn stages_output_and_sinks() {
        let d = tempfile::tempdir().unwrap();
        let cfg = raudit_config::DaemonConfig {
            log_file: d.path().join("audit.log"),
            ..raudit_config::DaemonConfig::code_defaults()
        };
        let mut p = Pipeline::new(Some("h1".into()), Output::Log(LogWriter::open(cfg, Quiet)));
        let seen = Arc::new(Mutex::new(Vec::new()));
        p.sinks.push(Box::new(Collect(seen.clone())));
        let out = p.process(vec![
            rec(1300, "audit(1.000:1): a=1"),
            rec(1320, "audit(1.000:1): "),
            rec(1203, "audit(1.000:2): op=x"), // daemon range from the socket: dropped
            rec(1329, "\u{1}\u{0}\u{0}\u{0}"), // AUDIT_REPLACE: dropped
        ]);
        assert_eq!(out.written, 1);
        p.emit_own(rec(1200, "audit(2.000:3): op=start"));
        assert_eq!(p.stats.received, 4);
        assert_eq!(p.stats.dropped_by_stages, 2);
        assert_eq!(p.stats.eoe, 1);
        assert_eq!(p.write_latency.count(), 2);
        assert_eq!(p.stats.written, 2);
        // The log has no EOE; the other sink gets it.
        let log = std::fs::read_to_string(d.path().join("audit.log")).unwrap();
        assert_eq!(
            log,
            "node=h1 type=SYSCALL msg=audit(1.000:1): a=1\nnode=h1 type=DAEMON_START msg=audit(2.000:3): op=start\n"
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1], b"node=h1 type=EOE msg=audit(1.000:1): \n");
    }
}
