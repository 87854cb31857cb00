//! One shipped event: its records as the message body, and the two names it travels under, the
//! subject (`audit.<host>.<type of the first record>`) and the message id JetStream de-duplicates
//! on. Events come either from a log (the shared `raudit_parse` assembler, so the order and
//! grouping are ausearch's) or from the plugin string stream ([`StreamAssembler`]).

use std::time::{Duration, Instant};

use raudit_parse::assembler::is_single_record_type;
use raudit_parse::record::types;
use raudit_parse::{Assembler, AssemblerConfig, Lines, Record};

/// An assembled event, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetEvent {
    pub sec: u64,
    pub milli: u32,
    pub serial: u64,
    /// The record type name of the first record (`SYSCALL`, `USER_LOGIN`, `UNKNOWN`).
    pub first_type: String,
    /// The records, one per line, each ending in a newline.
    pub body: Vec<u8>,
}

impl FleetEvent {
    fn from_records<'a>(records: impl IntoIterator<Item = &'a Record<'a>>) -> Option<FleetEvent> {
        let mut body = Vec::new();
        let mut first: Option<&Record<'_>> = None;
        for r in records {
            first.get_or_insert(r);
            body.extend_from_slice(r.text);
            if let Some(enriched) = r.enriched {
                body.push(raudit_parse::record::ENRICHED_SEPARATOR);
                body.extend_from_slice(enriched);
            }
            body.push(b'\n');
        }
        let first = first?;
        Some(FleetEvent {
            sec: first.sec,
            milli: first.milli,
            serial: first.serial,
            first_type: first.type_name().into_owned(),
            body,
        })
    }

    /// `audit.<host>.<first record's type>`.
    pub fn subject(&self, host: &str) -> String {
        format!("audit.{host}.{}", self.first_type)
    }

    /// The JetStream message id: the host and the event's own audit identity (time and serial).
    /// A kernel serial restarts at boot but the time moves on, so the pair is unique per host,
    /// boot and serial, and the same event gets the same id whether it is sent live, replayed
    /// from the spool, or shipped again from the log with `--from-log`.
    pub fn message_id(&self, host: &str) -> String {
        format!("{host}:{}.{:03}:{}", self.sec, self.milli, self.serial)
    }
}

/// Whether `host` can be one token of a subject (no dots, spaces or wildcards).
pub fn valid_host_token(host: &str) -> bool {
    !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// Turns a host name into a subject token: dots and other characters become `_`.
pub fn host_token(name: &str) -> String {
    let t: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    if t.is_empty() { "unknown".to_string() } else { t }
}

/// Every event of a log, in ausearch's order (the shared assembler, default timeout).
pub fn events_of_log(data: &[u8]) -> Vec<FleetEvent> {
    let mut out = Vec::new();
    let mut asm = Assembler::new(AssemblerConfig::default());
    let mut take = |e: raudit_parse::Event<'_>| {
        if let Some(ev) = FleetEvent::from_records(e.records.iter()) {
            out.push(ev);
        }
        true
    };
    for line in Lines::new(data) {
        if let Ok(record) = Record::parse(line, raudit_parse::assembler::DEFAULT_EOE_TIMEOUT) {
            asm.feed(record, &mut take);
        }
    }
    asm.finish();
    asm.drain(&mut take);
    out
}

/// An event being built from the string stream.
struct Open {
    key: (u64, u32, u64, Option<Vec<u8>>),
    first_type: String,
    first_rtype: i32,
    body: Vec<u8>,
    complete: bool,
    opened: Instant,
}

/// Groups the plugin string stream's records into events. The dispatcher sends an event's
/// records together and ends a multi-record event with EOE; an event also completes when a
/// newer event opens and it is a single-record type, when it is `eoe_timeout` older than the
/// newest record, or when no record came for that long (a quiet system).
pub struct StreamAssembler {
    open: Vec<Open>,
    eoe_timeout: u64,
}

impl Default for StreamAssembler {
    fn default() -> Self {
        StreamAssembler {
            open: Vec::new(),
            eoe_timeout: raudit_parse::assembler::DEFAULT_EOE_TIMEOUT,
        }
    }
}

impl StreamAssembler {
    /// Adds one line (without its newline); complete events go to `out` in the order they opened.
    pub fn push_line(&mut self, line: &[u8], out: &mut Vec<FleetEvent>) {
        let Ok(record) = Record::parse(line, self.eoe_timeout) else { return };
        let key = (record.sec, record.milli, record.serial, record.node.map(<[u8]>::to_vec));
        if let Some(open) = self.open.iter_mut().find(|o| !o.complete && o.key == key) {
            open.body.extend_from_slice(line);
            open.body.push(b'\n');
            if record.rtype == types::EOE {
                open.complete = true;
            }
        } else if record.rtype != types::EOE {
            let newest = record.sec;
            for o in &mut self.open {
                if is_single_record_type(o.first_rtype) || o.key.0 + self.eoe_timeout <= newest {
                    o.complete = true;
                }
            }
            let mut body = line.to_vec();
            body.push(b'\n');
            self.open.push(Open {
                key,
                first_type: record.type_name().into_owned(),
                first_rtype: record.rtype,
                body,
                complete: false,
                opened: Instant::now(),
            });
        }
        self.drain(out);
    }

    /// Completes events that have waited `eoe_timeout` of wall time (no more records came).
    pub fn tick(&mut self, now: Instant, out: &mut Vec<FleetEvent>) {
        let limit = Duration::from_secs(self.eoe_timeout);
        for o in &mut self.open {
            if now.duration_since(o.opened) >= limit {
                o.complete = true;
            }
        }
        self.drain(out);
    }

    /// End of input: everything open is complete.
    pub fn finish(&mut self, out: &mut Vec<FleetEvent>) {
        for o in &mut self.open {
            o.complete = true;
        }
        self.drain(out);
    }

    /// Whether events are still open.
    pub fn has_open(&self) -> bool {
        !self.open.is_empty()
    }

    fn drain(&mut self, out: &mut Vec<FleetEvent>) {
        let ready = self.open.iter().take_while(|o| o.complete).count();
        for o in self.open.drain(..ready) {
            out.push(FleetEvent {
                sec: o.key.0,
                milli: o.key.1,
                serial: o.key.2,
                first_type: o.first_type,
                body: o.body,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_end_at_eoe_and_keep_their_order() {
        let mut asm = StreamAssembler::default();
        let mut out = Vec::new();
        asm.push_line(b"type=SYSCALL msg=audit(1700000000.001:7): a=1", &mut out);
        asm.push_line(b"type=CWD msg=audit(1700000000.001:7): cwd=\"/\"", &mut out);
        assert!(out.is_empty());
        asm.push_line(b"type=EOE msg=audit(1700000000.001:7): ", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].first_type, "SYSCALL");
        assert_eq!(out[0].body.iter().filter(|&&b| b == b'\n').count(), 3);
        assert_eq!(out[0].subject("h1"), "audit.h1.SYSCALL");
        assert_eq!(out[0].message_id("h1"), "h1:1700000000.001:7");
        asm.push_line(b"type=USER_LOGIN msg=audit(1700000001.002:8): x", &mut out);
        asm.push_line(b"type=LOGIN msg=audit(1700000001.003:9): y", &mut out);
        assert_eq!(out.len(), 2, "a single-record event completes when the next opens");
        asm.finish(&mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(out[2].serial, 9);
    }

    #[test]
    fn log_events_match_the_assembler() {
        let log = b"type=SYSCALL msg=audit(1.000:1): a\ntype=PATH msg=audit(1.000:1): b\n\
                    type=USER_AUTH msg=audit(2.000:2): c\n";
        let events = events_of_log(log);
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0].body,
            b"type=SYSCALL msg=audit(1.000:1): a\ntype=PATH msg=audit(1.000:1): b\n"
        );
        assert_eq!(events[1].first_type, "USER_AUTH");
    }

    #[test]
    fn host_tokens() {
        assert_eq!(host_token("web1.example.com"), "web1_example_com");
        assert!(valid_host_token("web-1"));
        assert!(!valid_host_token("a.b"));
        assert!(!valid_host_token("a*"));
    }
}
