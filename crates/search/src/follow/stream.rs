//! Assembling events from input that arrives in pieces.
//!
//! The assembler borrows its records from one buffer, and a follower's
//! input never ends. So each round assembles afresh: the lines of the
//! events still open after the previous round, then the new lines. The
//! events that complete are printed; the lines of those still open are
//! copied out and carried into the next round. This groups exactly as one
//! assembler over the whole input would: what completes an event (its
//! EOE, a newer event opening `end_of_event_timeout` seconds later, a
//! single-record type) is always among the lines carried or new, because
//! an event is handed out only after every earlier one.

use std::io::{self, Write};

use raudit_parse::{Assembler, AssemblerConfig, Event, HeaderError, Lines, Record};
use raudit_sys::Host;
use rayon::prelude::*;

use crate::engine::{Consumer, Emitter, Settings, prepare};

/// An event's identity, owned.
type Key = (u64, u32, u64, Option<Vec<u8>>);

fn key_of(event: &Event<'_>) -> Key {
    let k = &event.key;
    (k.sec, k.milli, k.serial, k.node.map(<[u8]>::to_vec))
}

/// The lines of the events still open, between rounds.
#[derive(Debug, Default)]
pub struct Stream {
    carry: Vec<u8>,
    /// Events open after the look-back: begun before following started,
    /// so they are completed but not printed.
    begun_before: std::collections::HashSet<Key>,
}

impl Stream {
    /// Whether an event is still open (waiting for more records).
    pub fn has_open(&self) -> bool {
        !self.carry.is_empty()
    }

    /// Assembles the carried lines and `new` (complete lines). Events
    /// that complete go to `emitter`; with `finish`, every open event
    /// completes. Without an emitter this is the look-back before
    /// following starts: nothing is printed, and the events still open
    /// after it will not be either. Ok(false) when the emitter asked to
    /// stop.
    pub fn round<W: Write, E: Write>(
        &mut self,
        new: &[u8],
        finish: bool,
        settings: &Settings,
        host: &dyn Host,
        mut emitter: Option<&mut Emitter<'_, W, E>>,
    ) -> io::Result<bool> {
        let carried = self.carry.len();
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(new);
        let eoe = settings.eoe_timeout;
        let in_window = |sec: i64| {
            !(settings.start.is_some_and(|s| s != 0 && sec < s)
                || settings.end.is_some_and(|e| e != 0 && sec > e))
        };
        let mut assembler = Assembler::new(AssemblerConfig { eoe_timeout: eoe });
        let mut ready: Vec<Event<'_>> = Vec::new();
        // Every record line of this round, by its offset: the pieces the
        // open events are carried as.
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let base = input.as_ptr() as usize;
        for line in Lines::new(&input) {
            let offset = line.as_ptr() as usize - base;
            let record = match Record::parse(line, eoe) {
                Ok(r) => r,
                Err(HeaderError::Garbage) => continue,
                Err(HeaderError::BadTimestamp(stamp)) => {
                    // Carried lines were read before: say it once.
                    if offset >= carried
                        && let Some(e) = emitter.as_deref_mut()
                    {
                        e.bad_timestamp(&stamp)?;
                    }
                    continue;
                }
            };
            if !in_window(record.sec as i64) {
                continue;
            }
            pieces.push((offset, line.len()));
            if assembler.push(record) {
                while let Some(event) = assembler.pop_ready() {
                    ready.push(event);
                }
            }
        }
        if finish {
            assembler.finish();
            while let Some(event) = assembler.pop_ready() {
                ready.push(event);
            }
        }
        let mut open: Vec<usize> =
            assembler.open_records().map(|r| r.text.as_ptr() as usize - base).collect();
        open.sort_unstable();
        let mut carry = Vec::new();
        for start in open {
            if let Ok(at) = pieces.binary_search_by_key(&start, |&(offset, _)| offset) {
                let (offset, len) = pieces[at];
                carry.extend_from_slice(&input[offset..offset + len]);
                carry.push(b'\n');
            }
        }
        let go_on = match emitter {
            None => {
                let open = assembler.open_records().map(|r| (r.sec, r.milli, r.serial, r.node));
                self.begun_before =
                    open.map(|(s, m, n, node)| (s, m, n, node.map(<[u8]>::to_vec))).collect();
                true
            }
            Some(emitter) => {
                if !self.begun_before.is_empty() {
                    ready.retain(|e| !self.begun_before.contains(&key_of(e)));
                }
                let prepared: Vec<_> =
                    ready.par_iter().map(|e| prepare(e, settings, host)).collect();
                let mut go_on = true;
                for (event, p) in ready.iter().zip(prepared) {
                    if !emitter.emit(event, p)? {
                        go_on = false;
                        break;
                    }
                }
                go_on
            }
        };
        self.carry = carry;
        Ok(go_on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// Output the test can mark between rounds while the emitter holds it.
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Feeds `pieces` round by round (a `|` after each), then finishes;
    /// the raw output.
    fn run(pieces: &[&str], eoe: u64) -> String {
        let settings = Settings { format: Format::Raw, eoe_timeout: eoe, ..Settings::default() };
        let host = raudit_sys::FixedHost::default();
        let shared = Shared::default();
        let (mut out, mut err) = (shared.clone(), Vec::new());
        let mut emitter = Emitter::new(&settings, &mut out, &mut err);
        let mut stream = Stream::default();
        for piece in pieces {
            stream.round(piece.as_bytes(), false, &settings, &host, Some(&mut emitter)).unwrap();
            shared.0.borrow_mut().push(b'|');
        }
        stream.round(b"", true, &settings, &host, Some(&mut emitter)).unwrap();
        assert!(!stream.has_open());
        String::from_utf8(shared.0.take()).unwrap()
    }

    const SYSCALL: &str = "arch=c000003e syscall=13 success=yes exit=0 a0=2 a1=0 a2=0 a3=8 \
        items=0 ppid=1 pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 \
        fsgid=0 tty=pts0 ses=3 comm=\"t\" exe=\"/usr/bin/t\" key=(null)";
    const LOGIN: &str = "pid=1 uid=0 auid=1000 ses=3 msg='op=login id=1000 \
        exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=success'";

    fn log() -> String {
        [
            format!("type=SYSCALL msg=audit(100.000:1): {SYSCALL}"),
            format!("type=USER_LOGIN msg=audit(100.500:2): {LOGIN}"),
            "type=CWD msg=audit(100.000:1): cwd=\"/\"".to_string(),
            "type=EOE msg=audit(100.000:1): ".to_string(),
            format!("type=SYSCALL msg=audit(101.000:3): {SYSCALL}"),
            "type=CWD msg=audit(101.000:3): cwd=\"/a\"".to_string(),
            format!("type=USER_LOGIN msg=audit(104.000:4): {LOGIN}"),
            "type=CWD msg=audit(101.000:3): cwd=\"/late\"".to_string(),
            format!("type=SYSCALL msg=audit(104.500:5): {SYSCALL}"),
        ]
        .iter()
        .map(|l| l.clone() + "\n")
        .collect()
    }

    /// What one pass of the engine over the whole log prints.
    fn one_pass(log: &str) -> String {
        let settings = Settings { format: Format::Raw, ..Settings::default() };
        let host = raudit_sys::FixedHost::default();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        crate::search(&[log.as_bytes()], &settings, &mut out, &mut err, &host, &|_, _| {}).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn any_cut_gives_what_one_pass_gives() {
        let log = log();
        let whole = one_pass(&log);
        assert_eq!(whole.lines().count(), 9, "{whole}");
        assert_eq!(run(&[&log], 2).replace('|', ""), whole);
        let lines: Vec<&str> = log.split_inclusive('\n').collect();
        for cut in 1..lines.len() {
            let (a, b) = (lines[..cut].concat(), lines[cut..].concat());
            assert_eq!(run(&[&a, &b], 2).replace('|', ""), whole, "cut after line {cut}");
        }
        let one_by_one = run(&lines, 2);
        assert_eq!(one_by_one.replace('|', ""), whole);
        // Events come out as soon as they are complete: events 1 to 4 when
        // event 4 opens two seconds after them (7th line), the late record
        // with event 5, and event 5 only at the end.
        assert!(one_by_one.starts_with("||||||type=SYSCALL msg=audit(100.000:1)"), "{one_by_one}");
        assert!(
            one_by_one.contains("||type=CWD msg=audit(101.000:3): cwd=\"/late\"\n|type=SYSCALL")
        );
    }

    #[test]
    fn events_begun_before_the_start_are_not_printed() {
        let log = log();
        let lines: Vec<&str> = log.split_inclusive('\n').collect();
        let settings = Settings { format: Format::Raw, ..Settings::default() };
        let host = raudit_sys::FixedHost::default();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut emitter = Emitter::new(&settings, &mut out, &mut err);
        let mut stream = Stream::default();
        // The look-back ends inside event 3 (after its SYSCALL).
        let before = lines[..5].concat();
        stream.round::<Vec<u8>, Vec<u8>>(before.as_bytes(), false, &settings, &host, None).unwrap();
        let after = lines[5..].concat();
        stream.round(after.as_bytes(), true, &settings, &host, Some(&mut emitter)).unwrap();
        drop(emitter);
        let text = String::from_utf8(out).unwrap();
        let serials: Vec<&str> =
            text.lines().map(|l| &l[l.find(':').unwrap() + 1..l.find(')').unwrap()]).collect();
        // Events 1 and 2 ended before, event 3 began before (its late
        // record too): only 4 and 5 are new.
        assert_eq!(serials, ["4", "5"], "{text}");
    }
}
