//! The collector's side on disk: each host's events appended to `OUT/<host>/audit.log`, rotated
//! like the daemon's logs (`audit.log.1` the newest old one), and `OUT/.fleet-state`, which
//! remembers per host the last stream sequence written and the log's size after it.
//!
//! Exactly once: a batch is appended and fsynced, then the state is saved (temporary file, fsync,
//! rename), and only then are the messages acknowledged. A crash before the state save leaves
//! bytes the state does not know: at the next start the log is cut back to the recorded size,
//! and the redelivered messages are written again. A crash after the save but before the
//! acknowledgement redelivers messages whose sequence is not above the recorded one: skipped.
//! Rotation happens only right after a state save, so a log shorter than recorded means it was
//! rotated, never that bytes were lost.
//!
//! Events that carry an [`Order`] are written in their shipper's order ([`crate::order`]): one
//! that arrives ahead of its turn is held in memory, and the saved position stays before it, so
//! after a crash it is fetched again. Per host and shipper epoch the state keeps the last number
//! written, which tells a redelivery from a new event.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::order::{Order, Released, Reorder};

const STATE_FILE: &str = ".fleet-state";
/// The state file's line that holds the position (no host token starts with `#`).
const POSITION: &str = "#position";

/// A collected tree's state file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub hosts: BTreeMap<String, HostState>,
    pub position: u64,
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}:{line}: malformed state line")]
    BadState { path: String, line: usize },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.display().to_string(), source }
}

/// What the collector knows about one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostState {
    /// The stream sequence of the last event written.
    pub last_seq: u64,
    /// The size of `audit.log` after that write.
    pub log_size: u64,
    pub events: u64,
    /// Serial numbers skipped between consecutive events (counted, not listed).
    pub gaps: u64,
    pub last_serial: u64,
    pub last_sec: u64,
    pub last_milli: u32,
    /// Per shipper epoch, the last event number written (the most recently used last).
    pub epochs: Vec<(u64, u64)>,
}

/// Epochs remembered per host: a host has one spool, a second only while one replaces another.
const EPOCHS_KEPT: usize = 8;

impl HostState {
    /// The last number written under `epoch` (0: none), now the most recently used.
    fn last_n(&mut self, epoch: u64) -> &mut u64 {
        let at = match self.epochs.iter().position(|(e, _)| *e == epoch) {
            Some(i) => {
                let entry = self.epochs.remove(i);
                self.epochs.push(entry);
                self.epochs.len() - 1
            }
            None => {
                if self.epochs.len() >= EPOCHS_KEPT {
                    self.epochs.remove(0);
                }
                self.epochs.push((epoch, 0));
                self.epochs.len() - 1
            }
        };
        &mut self.epochs[at].1
    }
}

/// An event waiting for its turn.
#[derive(Debug)]
struct Held {
    seq: u64,
    body: Vec<u8>,
}

/// Where a log rotates and how many files it keeps (audit.log included), as auditd.conf's
/// max_log_file and num_logs.
#[derive(Debug, Clone, Copy)]
pub struct Rotation {
    pub max_bytes: u64,
    pub num_logs: u32,
}

pub struct Store {
    out: PathBuf,
    rotation: Rotation,
    hosts: BTreeMap<String, HostState>,
    /// The last stream sequence looked at.
    processed: u64,
    saved_position: u64,
    batch: BTreeMap<String, Vec<u8>>,
    held: Reorder<Held>,
    notes: Vec<String>,
}

/// The path of a host's log.
pub fn host_log(out: &Path, host: &str) -> PathBuf {
    out.join(host).join("audit.log")
}

impl Store {
    /// Opens the tree, reads the state and cuts every log back to what the state recorded.
    pub fn open(out: &Path, rotation: Rotation) -> Result<Store, StoreError> {
        fs::create_dir_all(out).map_err(io_err(out))?;
        let State { hosts, position } = read_state(&out.join(STATE_FILE))?;
        for (host, st) in &hosts {
            let log = host_log(out, host);
            let size = match fs::metadata(&log) {
                Ok(m) => m.len(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
                Err(e) => return Err(io_err(&log)(e)),
            };
            if size > st.log_size {
                // Written but never recorded (a crash before the state save): redelivered later.
                let f = OpenOptions::new().write(true).open(&log).map_err(io_err(&log))?;
                f.set_len(st.log_size).map_err(io_err(&log))?;
                f.sync_all().map_err(io_err(&log))?;
            }
        }
        let mut store = Store {
            out: out.to_path_buf(),
            rotation,
            hosts,
            processed: position,
            saved_position: position,
            batch: BTreeMap::new(),
            held: Reorder::default(),
            notes: Vec::new(),
        };
        for (host, st) in store.hosts.iter_mut() {
            let size = fs::metadata(host_log(out, host)).map(|m| m.len()).unwrap_or(0);
            st.log_size = st.log_size.min(size);
        }
        store.save_state()?;
        Ok(store)
    }

    pub fn hosts(&self) -> &BTreeMap<String, HostState> {
        &self.hosts
    }

    /// Where a restart resumes: every stream sequence up to it was written or stepped over
    /// (0: none yet). Held events keep it before them.
    pub fn position(&self) -> u64 {
        let first_held = self.held.held().map(|h| h.seq).min();
        first_held.map_or(self.processed, |seq| self.processed.min(seq - 1))
    }

    /// Events held for their turn.
    pub fn held(&self) -> usize {
        self.held.held().count()
    }

    /// The last stream sequence looked at (0: none yet): where fetching goes on.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// What happened that the user should hear of (events given up), taken once.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Moves past a sequence that carries no event (a message that is not an
    /// `audit.<host>.<type>` one), so it is not fetched again.
    pub fn skip(&mut self, seq: u64) {
        self.processed = self.processed.max(seq);
    }

    /// Adds one event of `host` with stream sequence `seq` to the batch, or holds it until its
    /// turn when its `order` says events before it are still to come. False when it was already
    /// written (a redelivery).
    pub fn accept(&mut self, host: &str, seq: u64, order: Option<Order>, body: &[u8]) -> bool {
        if seq <= self.processed {
            return false;
        }
        self.processed = seq;
        let st = self.hosts.entry(host.to_string()).or_default();
        let Some(order) = order else {
            if seq <= st.last_seq {
                return false;
            }
            self.write(host, seq, body);
            return true;
        };
        let mut last_n = *st.last_n(order.epoch);
        let held = Held { seq, body: body.to_vec() };
        let released = self.held.offer(host, order, held, &mut last_n);
        self.settle(host, order.epoch, last_n, released)
    }

    /// A floor marker of `host` (stream sequence `seq`): its spool `epoch` has every number up
    /// to `floor` acknowledged, so what waited for a missing one of those goes out.
    pub fn floor_marker(&mut self, host: &str, seq: u64, epoch: u64, floor: u64) {
        if seq <= self.processed {
            return;
        }
        self.processed = seq;
        let st = self.hosts.entry(host.to_string()).or_default();
        let mut last_n = *st.last_n(epoch);
        let released = self.held.floor(host, epoch, floor, &mut last_n);
        self.settle(host, epoch, last_n, released);
    }

    /// Records where `host`'s `epoch` stands and writes what was released; false when the
    /// offered event was a redelivery.
    fn settle(&mut self, host: &str, epoch: u64, last_n: u64, released: Released<Held>) -> bool {
        if let Some(st) = self.hosts.get_mut(host) {
            *st.last_n(epoch) = last_n;
        }
        if released.skipped > 0 {
            self.notes.push(format!(
                "{} event(s) of {host} (shipper epoch {epoch:016x}) were acknowledged but are not \
                 in the stream (dropped as resends of ids it had, or aged out): stepped over",
                released.skipped
            ));
        }
        for h in &released.items {
            self.write(host, h.seq, &h.body);
        }
        !released.duplicate
    }

    fn write(&mut self, host: &str, seq: u64, body: &[u8]) {
        let st = self.hosts.entry(host.to_string()).or_default();
        let buf = self.batch.entry(host.to_string()).or_default();
        let before = buf.len();
        append_with_node(buf, host, body);
        st.last_seq = st.last_seq.max(seq);
        st.log_size += (buf.len() - before) as u64;
        st.events += 1;
        if let Some((sec, milli, serial)) = stamp_of(body) {
            if st.events > 1 && serial > st.last_serial + 1 {
                st.gaps += serial - st.last_serial - 1;
            }
            st.last_serial = serial;
            st.last_sec = sec;
            st.last_milli = milli;
        }
    }

    /// Writes the batch (append, fsync), saves the state, then rotates full logs. After this
    /// returns the batch's messages may be acknowledged.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        if self.batch.is_empty() {
            if self.position() != self.saved_position {
                self.save_state()?;
            }
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        for (host, bytes) in &batch {
            let log = host_log(&self.out, host);
            if let Some(dir) = log.parent() {
                fs::create_dir_all(dir).map_err(io_err(dir))?;
            }
            let mut f =
                OpenOptions::new().create(true).append(true).open(&log).map_err(io_err(&log))?;
            f.write_all(bytes).map_err(io_err(&log))?;
            f.sync_data().map_err(io_err(&log))?;
        }
        self.save_state()?;
        let full: Vec<String> = self
            .hosts
            .iter()
            .filter(|(_, st)| st.log_size >= self.rotation.max_bytes)
            .map(|(h, _)| h.clone())
            .collect();
        if !full.is_empty() {
            for host in &full {
                rotate(&host_log(&self.out, host), self.rotation.num_logs)?;
                if let Some(st) = self.hosts.get_mut(host) {
                    st.log_size = 0;
                }
            }
            self.save_state()?;
        }
        Ok(())
    }

    fn save_state(&mut self) -> Result<(), StoreError> {
        self.saved_position = self.position();
        let path = self.out.join(STATE_FILE);
        let tmp = self.out.join(".fleet-state.tmp");
        let mut text = format!("{POSITION} {}\n", self.saved_position);
        for (h, s) in &self.hosts {
            let epochs: Vec<String> =
                s.epochs.iter().map(|(e, n)| format!("{e:016x}:{n}")).collect();
            let epochs = if epochs.is_empty() { "-".to_string() } else { epochs.join(",") };
            text.push_str(&format!(
                "{h} {} {} {} {} {} {} {} {epochs}\n",
                s.last_seq, s.log_size, s.events, s.gaps, s.last_serial, s.last_sec, s.last_milli
            ));
        }
        let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(text.as_bytes()).map_err(io_err(&tmp))?;
        f.sync_data().map_err(io_err(&tmp))?;
        fs::rename(&tmp, &path).map_err(io_err(&path))
    }
}

/// Reads the state file of a collected tree (empty when there is none).
pub fn read_state(path: &Path) -> Result<State, StoreError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut hosts = BTreeMap::new();
    let mut position = 0;
    for (i, line) in text.lines().enumerate() {
        let bad = || StoreError::BadState { path: path.display().to_string(), line: i + 1 };
        if let Some(p) = line.strip_prefix(POSITION) {
            position = p.trim().parse().map_err(|_| bad())?;
            continue;
        }
        let mut t = line.split(' ');
        let host = t.next().filter(|h| !h.is_empty()).ok_or_else(bad)?;
        let mut n = || t.next().and_then(|v| v.parse::<u64>().ok()).ok_or_else(bad);
        let st = HostState {
            last_seq: n()?,
            log_size: n()?,
            events: n()?,
            gaps: n()?,
            last_serial: n()?,
            last_sec: n()?,
            last_milli: u32::try_from(n()?).map_err(|_| bad())?,
            epochs: match t.next() {
                None | Some("-") => Vec::new(),
                Some(list) => list
                    .split(',')
                    .map(|pair| {
                        let (e, n) = pair.split_once(':')?;
                        Some((u64::from_str_radix(e, 16).ok()?, n.parse().ok()?))
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(bad)?,
            },
        };
        hosts.insert(host.to_string(), st);
    }
    Ok(State { hosts, position })
}

/// Reads the state of the tree `out`.
pub fn state_of(out: &Path) -> Result<State, StoreError> {
    read_state(&out.join(STATE_FILE))
}

/// audit.log → audit.log.1 → ... → audit.log.(num_logs-1); the oldest falls off.
fn rotate(log: &Path, num_logs: u32) -> Result<(), StoreError> {
    let name = |n: u32| {
        let mut s = log.as_os_str().to_owned();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    };
    let keep = num_logs.max(2) - 1;
    for n in (1..keep).rev() {
        match fs::rename(name(n), name(n + 1)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&name(n))(e)),
        }
    }
    fs::rename(log, name(1)).map_err(io_err(log))?;
    // As the daemon does: a fresh, empty audit.log at once.
    File::create(log).map(drop).map_err(io_err(log))
}

/// Appends the event's records; a record without `node=` gets `node=<host> ` in front, so the
/// collected logs (and a search over several of them) still tell the hosts apart.
pub fn append_with_node(buf: &mut Vec<u8>, host: &str, body: &[u8]) {
    for line in body.split_inclusive(|&b| b == b'\n') {
        if !line.starts_with(b"node=") {
            buf.extend_from_slice(b"node=");
            buf.extend_from_slice(host.as_bytes());
            buf.push(b' ');
        }
        buf.extend_from_slice(line);
        if !line.ends_with(b"\n") {
            buf.push(b'\n');
        }
    }
}

/// The first record's time and serial.
pub fn stamp_of(body: &[u8]) -> Option<(u64, u32, u64)> {
    let first = body.split(|&b| b == b'\n').next()?;
    let r =
        raudit_parse::Record::parse(first, raudit_parse::assembler::DEFAULT_EOE_TIMEOUT).ok()?;
    Some((r.sec, r.milli, r.serial))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROT: Rotation = Rotation { max_bytes: 1 << 20, num_logs: 3 };

    #[test]
    fn redeliveries_are_skipped_and_unrecorded_bytes_cut() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), ROT).unwrap();
        assert!(s.accept("h1", 1, None, b"type=USER msg=audit(1.000:5): a\n"));
        assert!(s.accept("h1", 2, None, b"type=USER msg=audit(1.000:8): b\n"));
        s.commit().unwrap();
        assert!(!s.accept("h1", 2, None, b"type=USER msg=audit(1.000:8): b\n"));
        let st = &s.hosts()["h1"];
        assert_eq!((st.events, st.gaps, st.last_serial), (2, 2, 8));
        drop(s);
        // A crash after the write and before the state save.
        let log = host_log(dir.path(), "h1");
        let mut f = OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"node=h1 type=USER msg=audit(1.000:9): c\n").unwrap();
        drop(f);
        let s = Store::open(dir.path(), ROT).unwrap();
        assert_eq!(
            fs::read_to_string(&log).unwrap(),
            "node=h1 type=USER msg=audit(1.000:5): a\nnode=h1 type=USER msg=audit(1.000:8): b\n"
        );
        assert_eq!(s.hosts()["h1"].last_seq, 2);
    }

    #[test]
    fn events_ahead_of_their_turn_wait_and_a_restart_fetches_them_again() {
        let dir = tempfile::tempdir().unwrap();
        let ev = |serial: u64| format!("type=USER msg=audit(1.000:{serial}): x\n").into_bytes();
        let order = |n, floor| Some(Order { epoch: 9, n, floor });
        let mut s = Store::open(dir.path(), ROT).unwrap();
        // Host h's 1 is in; its 2 failed and comes after 3; host g goes on meanwhile.
        assert!(s.accept("h", 1, order(1, 0), &ev(101)));
        assert!(s.accept("h", 2, order(3, 0), &ev(103)));
        assert!(s.accept("g", 3, None, &ev(7)));
        s.commit().unwrap();
        assert_eq!((s.processed(), s.position()), (3, 1));
        assert_eq!(s.hosts()["h"].events, 1);
        drop(s);
        // A crash: 3 was never written, so it is fetched again from position 2; g's is skipped.
        let mut s = Store::open(dir.path(), ROT).unwrap();
        assert!(!s.accept("h", 1, order(1, 0), &ev(101)));
        assert!(s.accept("h", 2, order(3, 0), &ev(103)));
        assert!(!s.accept("g", 3, None, &ev(7)));
        assert!(s.accept("h", 4, order(2, 1), &ev(102)));
        s.commit().unwrap();
        assert_eq!(s.position(), 4);
        let log = fs::read_to_string(host_log(dir.path(), "h")).unwrap();
        let serials: Vec<&str> =
            log.lines().filter_map(|l| l.split(":").nth(1)?.get(..3)).collect();
        assert_eq!(serials, ["101", "102", "103"]);
        assert_eq!(s.hosts()["h"].gaps, 0);
        drop(s);
        let state = state_of(dir.path()).unwrap();
        assert_eq!(state.hosts["h"].epochs, [(9, 3)]);
        assert!(Store::open(dir.path(), ROT).unwrap().take_notes().is_empty());
    }

    #[test]
    fn logs_rotate_with_the_daemons_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path(), Rotation { max_bytes: 40, num_logs: 3 }).unwrap();
        for seq in 1..=4 {
            let body = format!("node=h type=USER msg=audit(1.000:{seq}): x\n");
            s.accept("h", seq, None, body.as_bytes());
            s.commit().unwrap();
        }
        let log = host_log(dir.path(), "h");
        assert!(log.with_file_name("audit.log.1").exists());
        assert!(log.with_file_name("audit.log.2").exists());
        assert!(!log.with_file_name("audit.log.3").exists());
        assert!(fs::read_to_string(log.with_file_name("audit.log.1")).unwrap().contains(":4)"));
        let reopened = Store::open(dir.path(), Rotation { max_bytes: 40, num_logs: 3 }).unwrap();
        assert_eq!(reopened.hosts()["h"].last_seq, 4);
    }
}
