//! The pipeline seam: a record source feeds stages (filters, later enrichment) and then fans out to
//! sinks (the log writer or stdout; plugins and remote logging later). Everything is synchronous:
//! the daemon's one event thread calls [`Pipeline::process`] with each batch it read.

use std::io::Write;

use crate::format::raw_line;
use crate::writer::{BatchOutcome, Hooks, LogWriter};

/// AUDIT_EOE: dispatched to plugins, never written to the log.
pub const AUDIT_EOE: u16 = 1320;

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

/// A step every record passes before the sinks.
pub trait Stage {
    fn apply(&mut self, record: &mut Record) -> Verdict;
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
        msg_type != AUDIT_EOE
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
    /// Set for `log_format = ENRICHED`.
    pub enricher: Option<crate::enrich::Enricher>,
}

impl<H: Hooks> Pipeline<H> {
    pub fn new(node: Option<String>, output: Output<H>) -> Pipeline<H> {
        Pipeline {
            node,
            stages: vec![Box::new(ControlFilter)],
            output,
            sinks: Vec::new(),
            stats: PipelineStats::default(),
            enricher: None,
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
        self.stats.received += batch.len() as u64;
        self.run(batch, true)
    }

    /// The daemon's own records (DAEMON_*): they skip the stages.
    pub fn emit_own(&mut self, record: Record) -> BatchOutcome {
        self.run(vec![record], false)
    }

    fn run(&mut self, batch: Vec<Record>, staged: bool) -> BatchOutcome {
        let mut kept: Vec<(u16, Vec<u8>)> = Vec::with_capacity(batch.len());
        'rec: for mut r in batch {
            for s in self.stages.iter_mut().filter(|_| staged) {
                if s.apply(&mut r) == Verdict::Drop {
                    self.stats.dropped_by_stages += 1;
                    continue 'rec;
                }
            }
            let mut line = raw_line(self.node.as_deref(), r.msg_type, &r.payload);
            if let Some(enricher) = &self.enricher {
                enricher.enrich(&mut line, r.msg_type);
            }
            kept.push((r.msg_type, line));
        }
        let to_disk: Vec<&[u8]> =
            kept.iter().filter(|(t, _)| *t != AUDIT_EOE).map(|(_, l)| l.as_slice()).collect();
        let out = if to_disk.is_empty() {
            BatchOutcome::default()
        } else {
            match &mut self.output {
                Output::Log(w) => w.write_batch(&to_disk),
                Output::Stdout(s) => s.deliver(&to_disk),
            }
        };
        self.stats.written += out.written as u64;
        self.stats.output_dropped += out.dropped as u64;
        for sink in &mut self.sinks {
            let lines: Vec<&[u8]> =
                kept.iter().filter(|(t, _)| sink.accepts(*t)).map(|(_, l)| l.as_slice()).collect();
            if !lines.is_empty() {
                sink.deliver(&lines);
            }
        }
        out
    }
}

/// Drops the control and daemon-range messages that reach a daemon socket but are not events.
// COMPAT: auditd.c netlink_handler / libaudit: NLMSG_NOOP/ERROR/DONE, AUDIT_GET, 1007-1009,
// 1011-1019, 1200-1299 and AUDIT_REPLACE are discarded.
pub struct ControlFilter;

impl Stage for ControlFilter {
    fn apply(&mut self, r: &mut Record) -> Verdict {
        match r.msg_type {
            1..=3 | 1000 | 1007..=1009 | 1011..=1019 | 1200..=1299 | 1329 => Verdict::Drop,
            _ => Verdict::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::writer::{Priority, Runlevel};

    struct Quiet;
    impl Hooks for Quiet {
        fn message(&mut self, _: Priority, _: &str) {}
        fn exec(&mut self, _: &std::path::Path) {}
        fn email(&mut self, _: &str, _: &str, _: &str) {}
        fn runlevel(&mut self, _: Runlevel) {}
    }

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
