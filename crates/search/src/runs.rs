//! Selective searches where the records are in key order: each candidate
//! event is read on its own, from the lines around a hit.
//!
//! [`crate::skim`] runs the engine on regions around the hits, each with
//! `end_of_event_timeout` seconds of lead-in and trail, because an event's
//! records and the moment it completes depend on what came before. Far
//! less is needed for an event of a second whose records each have a key
//! (second, milli, serial) at least the one of the record before, and no
//! `node=` ([`crate::skim`] checks this for every second, and that the
//! seconds never go down, as it always does):
//! - the records of one key are consecutive lines (garbage lines aside):
//!   a key that came back after another would be a smaller key later;
//! - so the whole run groups them alone: an event completes (by timeout,
//!   by the cap on open events, or because its first record is of a
//!   single-record type) only when another event opens, and none opens
//!   between its records; the cap never completes it at its own opening,
//!   because every event open then has a smaller key (of an earlier
//!   second, or of its own second and opened before). A fresh
//!   [`Assembler`] fed with just those lines groups them the same way;
//! - two such events leave the whole run in the order they opened, since
//!   the waiting events are kept in key order: file order (an event with
//!   a smaller key that opened later would be of the same second, or of an
//!   earlier second after a later one).
//!
//! When one key's lines make two events (a single-record type followed by
//! more records of its key), their order depends on slot numbers that only
//! the whole run knows: the search then goes to the regions or reads
//! everything. So does a run of an unordered second, a line too long for
//! one read (the reference reads it in pieces) or a run over 1 MiB.

use std::io;

use raudit_parse::lines::READ_BUFFER;
use raudit_parse::{Assembler, AssemblerConfig, Event, HeaderError, Record};
use rayon::prelude::*;

use crate::engine::{Consumer, Prepare, Settings};

/// A line of the log set: its input, and where it starts and ends (without
/// the newline) in that input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Line {
    pub input: usize,
    pub start: usize,
    pub end: usize,
}

/// The lines from `first` to `last` (both included) that hold the records
/// of one key, and maybe garbage lines between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub first: Line,
    pub last: Line,
    /// The key's second.
    pub sec: u64,
}

impl Run {
    /// About how many bytes of the log it spans.
    pub(crate) fn bytes(&self) -> usize {
        if self.first.input == self.last.input {
            self.last.end + 1 - self.first.start
        } else {
            self.last.end + 1
        }
    }
}

/// Something only the whole run gets right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unsure;

/// Lines no longer than this are read whole by the reference's reader.
const WHOLE_LINE: usize = READ_BUFFER - 2;

/// A run longer than this is left to the whole run, which reads huge
/// events in bounded memory (and hands them out in parts).
const RUN_BYTES: usize = 1 << 20;

fn text<'a>(inputs: &[&'a [u8]], line: Line) -> &'a [u8] {
    &inputs[line.input][line.start..line.end]
}

/// The line of input `input` that holds byte `pos`.
pub(crate) fn line_at(inputs: &[&[u8]], input: usize, pos: usize) -> Line {
    let data = inputs[input];
    let start = memchr::memrchr(b'\n', &data[..pos]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i);
    Line { input, start, end }
}

fn next_line(inputs: &[&[u8]], line: Line) -> Option<Line> {
    let mut input = line.input;
    let mut start = line.end + 1;
    while start >= inputs[input].len() {
        input += 1;
        start = 0;
        if input >= inputs.len() {
            return None;
        }
    }
    Some(line_at(inputs, input, start))
}

fn previous_line(inputs: &[&[u8]], line: Line) -> Option<Line> {
    let mut input = line.input;
    let mut end = line.start;
    while end == 0 {
        input = input.checked_sub(1)?;
        end = inputs[input].len();
        // A final newline ends the last line; it does not start another.
        if end > 0 && inputs[input][end - 1] == b'\n' {
            return Some(line_at(inputs, input, end - 1));
        }
    }
    Some(line_at(inputs, input, end - 1))
}

/// The key of the record on `line`, None for a garbage line.
fn key_of(inputs: &[&[u8]], line: Line, t: u64) -> Result<Option<(u64, u32, u64)>, Unsure> {
    let text = text(inputs, line);
    if text.len() > WHOLE_LINE {
        return Err(Unsure);
    }
    match Record::parse(text, t) {
        Ok(r) if r.node.is_none() => Ok(Some((r.sec, r.milli, r.serial))),
        Err(HeaderError::Garbage) => Ok(None),
        // The survey of the whole log vouched for neither.
        Ok(_) | Err(HeaderError::BadTimestamp(_)) => Err(Unsure),
    }
}

/// The run of lines whose key is the one of the record on `line`; None
/// when `line` is garbage.
pub(crate) fn run_around(inputs: &[&[u8]], line: Line, t: u64) -> Result<Option<Run>, Unsure> {
    let Some(key) = key_of(inputs, line, t)? else { return Ok(None) };
    let mut run = Run { first: line, last: line, sec: key.0 };
    // Garbage lines are passed over: the engine skips them too.
    let mut bytes = line.end - line.start;
    let mut walk = |step: fn(&[&[u8]], Line) -> Option<Line>, end: &mut Line| {
        let mut at = line;
        while let Some(next) = step(inputs, at) {
            match key_of(inputs, next, t)? {
                Some(k) if k != key => break,
                Some(_) => *end = next,
                None => {}
            }
            bytes += next.end - next.start + 1;
            if bytes > RUN_BYTES {
                return Err(Unsure);
            }
            at = next;
        }
        Ok(())
    };
    walk(previous_line, &mut run.first)?;
    walk(next_line, &mut run.last)?;
    Ok(Some(run))
}

/// The event the records of `run` make (none when the time window drops
/// them, or they are a lone EOE); Unsure when they make more than one.
fn event_of<'a>(
    inputs: &[&'a [u8]],
    run: Run,
    settings: &Settings,
) -> Result<Option<Event<'a>>, Unsure> {
    let t = settings.eoe_timeout;
    let mut assembler = Assembler::new(AssemblerConfig { eoe_timeout: t });
    let mut line = run.first;
    loop {
        let text = text(inputs, line);
        if let Ok(record) = Record::parse(text, t) {
            let sec = record.sec as i64;
            let outside = settings.start.is_some_and(|s| s != 0 && sec < s)
                || settings.end.is_some_and(|e| e != 0 && sec > e);
            if !outside {
                assembler.push(record);
            }
        }
        if line == run.last {
            break;
        }
        line = next_line(inputs, line).ok_or(Unsure)?;
    }
    assembler.finish();
    let event = assembler.pop_ready();
    if assembler.pop_ready().is_some() {
        return Err(Unsure);
    }
    Ok(event)
}

/// Checks that every run makes one event at most.
pub(crate) fn check(inputs: &[&[u8]], runs: &[Run], settings: &Settings) -> Result<(), Unsure> {
    runs.iter().try_for_each(|&run| event_of(inputs, run, settings).map(drop))
}

/// Tells `done` that the inputs are read up to byte `offset` of input
/// `input`, so that the pages behind are released.
pub(crate) fn release_before(
    inputs: &[&[u8]],
    input: usize,
    offset: usize,
    done: &dyn Fn(usize, usize),
) {
    for (i, data) in inputs.iter().enumerate().take(input) {
        done(i, data.len());
    }
    done(input, offset);
}

/// Runs handled per round: prepared in parallel, then printed in order,
/// then their pages are released (each page fault maps up to 64 KiB
/// around the runs it reads, so scattered runs hold much memory).
const ROUND: usize = 256;

/// Prepares the events of `runs` (checked by [`check`]) with `prepare`,
/// in parallel, and hands them to `consumer` in order, as
/// [`crate::engine::drive`] would; Ok(false) when the consumer stopped.
pub(crate) fn drive<'a, T: Send, C: Consumer<'a, T>>(
    inputs: &[&'a [u8]],
    runs: &[Run],
    settings: &Settings,
    prepare: &impl Prepare<'a, Out = T>,
    consumer: &mut C,
    done: &dyn Fn(usize, usize),
) -> io::Result<bool> {
    crate::worker::catch(|| {
        for round in runs.chunks(ROUND) {
            let prepared: Vec<_> = round
                .par_iter()
                .filter_map(|&run| Some((run.first.input, event_of(inputs, run, settings).ok()??)))
                .map(|(input, event)| {
                    let p = prepare.one(&event);
                    (input, event, p)
                })
                .collect();
            for (input, event, p) in prepared {
                if !consumer.consume(&event, p, input)? {
                    return Ok(false);
                }
            }
            if let Some(last) = round.last() {
                release_before(inputs, last.last.input, last.last.end, done);
            }
        }
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criteria::{Criteria, IdCriterion, Success};
    use crate::output::Format;
    use crate::skim::Skimmed;
    use raudit_sys::FixedHost;
    use raudit_testkit::Rng;

    /// About `size` bytes of log in key order: syscall events (some with
    /// PATH and CWD records, some without EOE, some with a garbage line
    /// among their records), rare keys, executables, pids and login uids,
    /// user events (single-record types), lone EOEs, and with
    /// `twins` now and then two user records with a stamp of their own.
    fn ordered_log(size: usize, seed: u64, twins: bool) -> Vec<u8> {
        let mut rng = Rng(seed);
        let mut out = Vec::new();
        let (mut sec, mut milli, mut serial) = (1_700_000_000u64, 0u64, 10u64);
        while out.len() < size {
            milli += if rng.below(40) == 0 { 700 + rng.below(2500) } else { rng.below(3) };
            sec += milli / 1000;
            milli %= 1000;
            serial += 1 + rng.below(2);
            let stamp = format!("audit({sec}.{milli:03}:{serial})");
            let mut line = |text: String| out.extend_from_slice(format!("{text}\n").as_bytes());
            match rng.below(40) {
                0 => line(format!(
                    "type=USER_LOGIN msg={stamp}: pid=1 uid=0 auid={} ses=1 msg='op=login \
                     exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=success'",
                    if rng.below(4) == 0 { "4321" } else { "1000" }
                )),
                1 => line(format!("type=EOE msg={stamp}: ")),
                _ => {
                    let key = match rng.below(60) {
                        0 => "key=\"rare\"",
                        1 => "key=72617265016F74686572",
                        2 => "key=(null)",
                        _ => "key=\"storm\"",
                    };
                    let exe = if rng.below(50) == 0 { "/bin/x" } else { "/usr/bin/storm" };
                    let pid = if rng.below(80) == 0 { 1234 } else { 2000 + rng.below(5000) };
                    let success = if rng.below(30) == 0 { "no" } else { "yes" };
                    let ses = if rng.below(90) == 0 { 77 } else { 1 };
                    let tty = if rng.below(70) == 0 { "pts9" } else { "pts0" };
                    let comm = match rng.below(100) {
                        0 => "\"rarecomm\"",
                        1 => "72617265636F6D6D",
                        _ => "\"storm\"",
                    };
                    line(format!(
                        "type=SYSCALL msg={stamp}: arch=c000003e syscall=2 success={success} exit=3 \
                         a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid={pid} auid=1000 uid=0 gid=0 \
                         euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty={tty} ses={ses} \
                         comm={comm} exe=\"{exe}\" {key}"
                    ));
                    if rng.below(5) == 0 {
                        line(format!("type=CWD msg={stamp}: cwd=\"/tmp\""));
                        line("garbage between records".to_string());
                        line(format!("type=PATH msg={stamp}: item=0 name=\"/etc/x\" inode=1"));
                    }
                    line(format!("type=PROCTITLE msg={stamp}: proctitle=73746F726D"));
                    if rng.below(3) != 0 {
                        line(format!("type=EOE msg={stamp}: "));
                    }
                }
            }
            if twins && rng.below(300) == 0 {
                serial += 1;
                let stamp = format!("audit({sec}.{milli:03}:{serial})");
                let twin = format!("type=USER_AUTH msg={stamp}: pid=1 uid=0 auid=1000 res=1");
                line(twin.clone());
                line(twin.replace("USER_AUTH", "USER_ACCT"));
            }
        }
        out
    }

    fn criteria() -> Vec<Criteria> {
        vec![
            Criteria { key: Some(b"rare".to_vec()), ..Criteria::default() },
            Criteria { key: Some(b"other".to_vec()), ..Criteria::default() },
            Criteria { exe: Some(b"/bin/x".to_vec()), ..Criteria::default() },
            Criteria { pid: Some(1234), ..Criteria::default() },
            Criteria { uid_all: Some(IdCriterion::Number(4321)), ..Criteria::default() },
            Criteria { msg_types: Some(vec![1112, 1307]), ..Criteria::default() },
            Criteria { msg_types: Some(vec![1101]), ..Criteria::default() },
            Criteria { success: Some(Success::No), ..Criteria::default() },
            Criteria { session: Some(77), ..Criteria::default() },
            Criteria { comm: Some(b"rarecomm".to_vec()), ..Criteria::default() },
            Criteria { terminal: Some(b"ts9".to_vec()), ..Criteria::default() },
        ]
    }

    /// What the search prints, and whether it took the runs.
    fn outputs(inputs: &[&[u8]], settings: &Settings) -> (Vec<u8>, Vec<u8>, bool) {
        let host = FixedHost::new();
        let took_runs = matches!(
            crate::skim::search(inputs, settings, &host, &|_, _| {}).unwrap(),
            Some(Skimmed::Runs(_))
        );
        let (mut fast, mut slow, mut err) = (Vec::new(), Vec::new(), Vec::new());
        crate::search(inputs, settings, &mut fast, &mut err, &host, &|_, _| {}).unwrap();
        crate::search_exhaustive(inputs, settings, &mut slow, &mut err, &host, &|_, _| {}).unwrap();
        (fast, slow, took_runs)
    }

    #[test]
    fn runs_print_what_the_whole_run_prints() {
        let log = ordered_log(3 << 20, 5, false);
        // The same log as one file and cut into three, between records of
        // one event too.
        let cuts = [log.len() / 3, log.len() / 2 + 7];
        let cuts = cuts.map(|at| at + memchr::memchr(b'\n', &log[at..]).unwrap() + 1);
        let three = [&log[..cuts[0]], &log[cuts[0]..cuts[1]], &log[cuts[1]..]];
        for inputs in [&[&log[..]][..], &three[..]] {
            for c in criteria() {
                for (format, start, just_one) in [
                    (Format::Raw, None, false),
                    (Format::Default, Some(1_700_000_200), false),
                    (Format::Csv, None, true),
                ] {
                    let settings = Settings {
                        criteria: c.clone(),
                        format,
                        start,
                        just_one,
                        ..Settings::default()
                    };
                    let (fast, slow, took_runs) = outputs(inputs, &settings);
                    assert!(took_runs, "{c:?}");
                    assert!(
                        fast == slow,
                        "{c:?} {format:?}: {} against {} bytes",
                        fast.len(),
                        slow.len()
                    );
                    // USER_ACCT (1101) only comes as a twin.
                    let found_some = !slow.is_empty() || just_one;
                    assert!(found_some || c.msg_types == Some(vec![1101]), "{c:?}");
                }
            }
        }
    }

    #[test]
    fn records_out_of_key_order_or_with_a_node_send_the_search_elsewhere() {
        let log = String::from_utf8(ordered_log(1 << 20, 3, false)).unwrap();
        let lines: Vec<&str> = log.lines().collect();
        let rare = lines.iter().position(|l| l.contains("key=\"rare\"")).unwrap();
        let stamp =
            &lines[rare][lines[rare].find("audit(").unwrap()..lines[rare].find("):").unwrap() + 1];
        // A late record of the rare event, after the next event's first line.
        let next = (rare..lines.len())
            .find(|&i| lines[i].starts_with("type=") && !lines[i].contains(stamp))
            .unwrap();
        let late = format!("type=CWD msg={stamp}: cwd=\"/late\"");
        // A record of the rare event's second with a node.
        let node = format!("node=n {}", lines[rare + 1]);
        for (at, extra) in [(next + 1, late.as_str()), (rare + 1, node.as_str())] {
            let mut changed = lines.clone();
            changed.insert(at, extra);
            let changed = changed.join("\n") + "\n";
            let settings = Settings { criteria: criteria()[0].clone(), ..Settings::default() };
            let (fast, slow, took_runs) = outputs(&[changed.as_bytes()], &settings);
            assert!(fast == slow, "{extra}: output");
            assert!(!took_runs, "{extra}: runs");
            assert!(String::from_utf8(slow).unwrap().contains("/late") == extra.contains("late"));
        }
        // Out of order where no candidate is: the runs are still read.
        let rare_secs: Vec<&str> = lines
            .iter()
            .filter(|l| l.contains("key=\"rare\""))
            .map(|l| &l[l.find("audit(").unwrap()..l.find('.').unwrap()])
            .collect();
        let quiet = lines
            .iter()
            .position(|l| l.contains("key=\"storm\"") && !rare_secs.iter().any(|s| l.contains(s)))
            .unwrap();
        let stamp = &lines[quiet]
            [lines[quiet].find("audit(").unwrap()..lines[quiet].find("):").unwrap() + 1];
        let next = (quiet..lines.len())
            .find(|&i| lines[i].starts_with("type=") && !lines[i].contains(stamp))
            .unwrap();
        let late = format!("type=CWD msg={stamp}: cwd=\"/late\"");
        let mut changed = lines.clone();
        changed.insert(next + 1, &late);
        let changed = changed.join("\n") + "\n";
        let settings = Settings { criteria: criteria()[0].clone(), ..Settings::default() };
        let (fast, slow, took_runs) = outputs(&[changed.as_bytes()], &settings);
        assert!(fast == slow && took_runs && !slow.is_empty());
    }

    #[test]
    fn two_events_of_one_stamp_send_the_search_to_the_whole_run() {
        let log = ordered_log(1 << 20, 9, true);
        for c in criteria() {
            let settings = Settings { criteria: c.clone(), ..Settings::default() };
            let (fast, slow, took_runs) = outputs(&[&log], &settings);
            assert!(fast == slow, "{c:?}");
            // USER_ACCT (1101) only comes as a twin.
            assert_eq!(took_runs, c.msg_types != Some(vec![1101]), "{c:?}");
        }
    }

    fn lines_of(inputs: &[&[u8]]) -> Vec<Line> {
        let mut out = Vec::new();
        let mut at =
            (0..inputs.len()).find(|&i| !inputs[i].is_empty()).map(|i| line_at(inputs, i, 0));
        while let Some(line) = at {
            out.push(line);
            at = next_line(inputs, line);
        }
        out
    }

    #[test]
    fn lines_are_walked_both_ways_across_inputs() {
        let inputs: [&[u8]; 5] = [b"a\nbb\n", b"", b"c\n\nd", b"e\n", b"\n"];
        let lines = lines_of(&inputs);
        let texts: Vec<&[u8]> = lines.iter().map(|&l| text(&inputs, l)).collect();
        assert_eq!(texts, [&b"a"[..], b"bb", b"c", b"", b"d", b"e", b""]);
        for pair in lines.windows(2) {
            assert_eq!(previous_line(&inputs, pair[1]), Some(pair[0]));
        }
        assert_eq!(previous_line(&inputs, lines[0]), None);
        // Every byte of a line finds that line.
        for &l in &lines {
            for pos in l.start..l.end {
                assert_eq!(line_at(&inputs, l.input, pos), l);
            }
        }
    }

    #[test]
    fn a_run_holds_the_lines_of_one_key_and_the_garbage_between() {
        let log = b"type=EOE msg=audit(1700000000.000:1): \n\
type=SYSCALL msg=audit(1700000000.000:2): a\n\
garbage\n\
type=PATH msg=audit(1700000000.000:2): b\n\
type=EOE msg=audit(1700000000.000:2): \n\
type=SYSCALL msg=audit(1700000000.000:3): c\n";
        let inputs: [&[u8]; 1] = [log];
        let lines = lines_of(&inputs);
        let settings = Settings::default();
        for hit in [1, 3, 4] {
            let run = run_around(&inputs, lines[hit], 2).unwrap().unwrap();
            assert_eq!(run, Run { first: lines[1], last: lines[4], sec: 1_700_000_000 });
            let event = event_of(&inputs, run, &settings).unwrap().unwrap();
            assert_eq!(event.records.len(), 3);
        }
        assert_eq!(run_around(&inputs, lines[2], 2), Ok(None));
        // A lone EOE makes no event.
        let eoe = run_around(&inputs, lines[0], 2).unwrap().unwrap();
        assert_eq!(event_of(&inputs, eoe, &settings), Ok(None));
    }

    #[test]
    fn two_events_of_one_key_are_left_to_the_whole_run() {
        // A user record is complete at once: the next record of its key
        // opens another event.
        let log = b"type=USER_LOGIN msg=audit(1700000000.000:5): a\n\
type=USER_LOGIN msg=audit(1700000000.000:5): b\n";
        let inputs: [&[u8]; 1] = [log];
        let line = line_at(&inputs, 0, 0);
        let run = run_around(&inputs, line, 2).unwrap().unwrap();
        assert_eq!(event_of(&inputs, run, &Settings::default()), Err(Unsure));
        // So is a line the reference reads in pieces.
        let mut long = b"type=SYSCALL msg=audit(1700000000.000:5): ".to_vec();
        long.resize(9000, b'x');
        let inputs: [&[u8]; 1] = [&long];
        assert_eq!(run_around(&inputs, line_at(&inputs, 0, 0), 2), Err(Unsure));
    }
}
