//! The list of guest events auvirt builds, one log event at a time: guest
//! starts and stops, resource assignments, machine ids, and the AVCs and
//! anomalies tied to a guest.
//!
//! The reference correlates by walking its whole list backwards for every
//! stop, failed start, resource release, AVC and anomaly (quadratic in the
//! number of guest events). The walks only ever stop at a few kinds of
//! events, so each is answered here from an index kept as the list grows:
//! per guest uuid the session since its last successful stop or machine id
//! (its starts and resources), the last resource per (uuid, type, value),
//! the open resources per value, and the last machine id per security
//! level. Every list entry enters and leaves each index once: linear.

use std::collections::HashMap;

use raudit_parse::record::types::{AVC, VIRT_CONTROL, VIRT_MACHINE_ID, VIRT_RESOURCE};

use crate::cursor::Cursor;

mod related;

/// What a list entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Start,
    Stop,
    MachineId,
    Avc,
    Res,
    Anom,
}

/// An audit event's identity, as `--proof` prints it (only the serial).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stamp {
    /// 0 marks a free slot, as in the reference.
    pub sec: i64,
    pub milli: u32,
    pub serial: u64,
}

/// One entry of the list (the reference's `struct event`).
#[derive(Debug, Clone)]
pub struct GuestEvent {
    pub kind: Kind,
    pub start: i64,
    /// 0: not ended.
    pub end: i64,
    pub user: Option<Vec<u8>>,
    pub uuid: Option<Vec<u8>>,
    pub name: Option<Vec<u8>>,
    pub success: bool,
    pub pid: i32,
    pub reason: Option<Vec<u8>>,
    pub res_type: Option<Vec<u8>>,
    pub res: Option<Vec<u8>>,
    pub cgroup_class: Option<Vec<u8>>,
    pub cgroup_detail: Option<Vec<u8>>,
    pub cgroup_acl: Option<Vec<u8>>,
    pub seclevel: Option<Vec<u8>>,
    pub avc_result: Option<Vec<u8>>,
    pub avc_operation: Option<Vec<u8>>,
    pub target: Option<Vec<u8>>,
    pub comm: Option<Vec<u8>>,
    pub context: Option<Vec<u8>>,
    pub proof: [Stamp; 4],
}

impl GuestEvent {
    fn new(kind: Kind) -> Self {
        GuestEvent {
            kind,
            start: 0,
            end: 0,
            user: None,
            uuid: None,
            name: None,
            success: false,
            pid: -1,
            reason: None,
            res_type: None,
            res: None,
            cgroup_class: None,
            cgroup_detail: None,
            cgroup_acl: None,
            seclevel: None,
            avc_result: None,
            avc_operation: None,
            target: None,
            comm: None,
            context: None,
            proof: [Stamp::default(); 4],
        }
    }
}

/// What selects events (the command line's filters).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub vm: Option<Vec<u8>>,
    pub uuid: Option<Vec<u8>>,
    /// `--start` / `--end` in seconds; 0 when not given.
    pub start: i64,
    pub end: i64,
    /// AVCs and anomalies are only looked at with `--all-events` or `--summary`.
    pub avcs_and_anomalies: bool,
    pub proof: bool,
    pub debug: bool,
}

/// A guest's session since its last successful stop or machine id: what
/// the reference's backward walks over that guest can reach.
#[derive(Default)]
struct Session {
    /// The last successful stop or machine id (where walks end).
    boundary: Option<usize>,
    /// Successful starts after the boundary.
    starts: Vec<usize>,
    /// Successful resource assignments after the boundary not yet passed
    /// by a walk.
    resources: Vec<usize>,
}

/// The common fields of a guest record (`extract_virt_fields`).
struct Common {
    user: Option<Vec<u8>>,
    name: Option<Vec<u8>>,
    uuid: Option<Vec<u8>>,
    success: bool,
}

/// Which of the common fields to read; the order is always uid, vm, uuid, res.
#[derive(Clone, Copy)]
struct Want {
    name: bool,
    uuid: bool,
    success: bool,
}

const GUEST: Want = Want { name: true, uuid: true, success: true };
const USER_ONLY: Want = Want { name: false, uuid: false, success: false };

/// A resource assignment's (uuid, type, value).
type ResourceKey = (Vec<u8>, Vec<u8>, Vec<u8>);

/// The list and its indexes.
pub struct Tracker {
    pub filters: Filters,
    pub events: Vec<GuestEvent>,
    sessions: HashMap<Vec<u8>, Session>,
    /// The last successful resource per (uuid, type, value).
    last_resource: HashMap<ResourceKey, usize>,
    /// Successful resources per value, newest last; closed ones are
    /// dropped from the top when met.
    open_by_value: HashMap<Vec<u8>, Vec<usize>>,
    /// The last machine id per security level.
    machine_by_level: HashMap<Vec<u8>, usize>,
    /// `--debug` messages waiting for stderr.
    pub notes: Vec<u8>,
    /// The current audit event's identity.
    stamp: Stamp,
}

/// The level and categories of a security context: what follows its third colon.
fn seclevel(context: Option<&[u8]>) -> Option<Vec<u8>> {
    let context = context?;
    let mut colons = 0;
    for (i, &b) in context.iter().enumerate() {
        if b == b':' {
            colons += 1;
        }
        if colons == 3 {
            return Some(context[i + 1..].to_vec());
        }
    }
    None
}

/// Whether an event whose first record has type `rtype` is of interest
/// (AVCs and anomalies only with `--all-events` or `--summary`).
pub fn wanted(rtype: i32, avcs_and_anomalies: bool) -> bool {
    match rtype {
        VIRT_MACHINE_ID | VIRT_CONTROL | VIRT_RESOURCE => true,
        AVC | 1700..=1799 | 2100..=2199 => avcs_and_anomalies,
        _ => false,
    }
}

/// Whether a resource value names a resource (not empty, `0` or `?`).
fn is_resource(res: Option<&[u8]>) -> bool {
    matches!(res, Some(r) if !r.is_empty() && r != b"0" && r != b"?")
}

fn owned(v: Option<&[u8]>) -> Option<Vec<u8>> {
    v.map(<[u8]>::to_vec)
}

impl Tracker {
    pub fn new(filters: Filters) -> Self {
        Tracker {
            filters,
            events: Vec::new(),
            sessions: HashMap::new(),
            last_resource: HashMap::new(),
            open_by_value: HashMap::new(),
            machine_by_level: HashMap::new(),
            notes: Vec::new(),
            stamp: Stamp::default(),
        }
    }

    /// Takes one audit event (its first record of type `rtype`).
    pub fn event(&mut self, rtype: i32, stamp: Stamp, cursor: &mut Cursor<'_, '_>) {
        self.stamp = stamp;
        match rtype {
            VIRT_MACHINE_ID => self.machine_id(cursor),
            VIRT_CONTROL => self.control(cursor),
            VIRT_RESOURCE => self.resource(cursor),
            AVC if self.filters.avcs_and_anomalies => self.avc(cursor),
            1700..=1799 | 2100..=2199 if self.filters.avcs_and_anomalies => self.anomaly(cursor),
            _ => {}
        }
    }

    fn note(&mut self, text: &str) {
        if self.filters.debug {
            self.notes.extend_from_slice(text.as_bytes());
        }
    }

    fn note_record(&mut self, head: &str, text: &[u8], tail: &str) {
        if self.filters.debug {
            self.notes.extend_from_slice(head.as_bytes());
            self.notes.extend_from_slice(text);
            self.notes.extend_from_slice(tail.as_bytes());
        }
    }

    /// `add_proof`: the current event's identity in the entry's next free slot.
    fn add_proof(&mut self, index: usize) {
        if !self.filters.proof {
            return;
        }
        let stamp = self.stamp;
        match self.events[index].proof.iter_mut().find(|p| p.sec == 0) {
            Some(slot) => *slot = stamp,
            None => self.note("Failed to add proof.\n"),
        }
    }

    fn push(&mut self, event: GuestEvent) -> usize {
        self.events.push(event);
        self.events.len() - 1
    }

    /// `filter_event`: the time window, then `--vm` and `--uuid` against the
    /// fields found from the cursor on (which moves it).
    fn keep(&self, cursor: &mut Cursor<'_, '_>) -> bool {
        let f = &self.filters;
        let sec = self.stamp.sec;
        if (f.start != 0 && sec < f.start) || (f.end != 0 && sec > f.end) {
            return false;
        }
        for (want, name) in [(&f.vm, &b"vm"[..]), (&f.uuid, b"uuid")] {
            if let Some(want) = want
                && cursor.find(name).is_some()
                && cursor.interpret().is_some_and(|v| v != *want)
            {
                return false;
            }
        }
        cursor.first_record();
        true
    }

    /// `extract_virt_fields`: uid (interpreted), vm (interpreted), uuid and
    /// res, searched in that order from the first record on.
    fn common(&mut self, cursor: &mut Cursor<'_, '_>, want: Want) -> Option<Common> {
        cursor.first_record();
        let mut common = Common { user: None, name: None, uuid: None, success: false };
        let missing = 'found: {
            if cursor.find(b"uid").is_none() {
                break 'found "uid";
            }
            common.user = cursor.interpret();
            if want.name {
                if cursor.find(b"vm").is_none() {
                    break 'found "vm";
                }
                common.name = cursor.interpret();
            }
            if want.uuid {
                match cursor.find(b"uuid") {
                    Some(u) => common.uuid = Some(u.to_vec()),
                    None => break 'found "uuid",
                }
            }
            if want.success {
                match cursor.find(b"res") {
                    Some(r) => common.success = r == b"success",
                    None => break 'found "res",
                }
            }
            return Some(common);
        };
        if self.filters.debug {
            let s = self.stamp;
            let text = format!(
                "Failed to get field \"{missing}\" for record {}.{:03}:{}\n",
                s.sec, s.milli, s.serial
            );
            self.notes.extend_from_slice(text.as_bytes());
        }
        None
    }

    fn session(&mut self, uuid: &[u8]) -> &mut Session {
        self.sessions.entry(uuid.to_vec()).or_default()
    }

    /// A successful stop or machine id of `uuid`: walks end here from now on.
    fn new_session(&mut self, uuid: &[u8], index: usize) {
        let s = self.session(uuid);
        s.boundary = Some(index);
        s.starts.clear();
        s.resources.clear();
    }

    /// Ends, at the current time, the open resources of `uuid`'s session
    /// assigned after event `after` (all of them with None).
    fn close_resources(&mut self, uuid: &[u8], after: Option<usize>, time: i64) {
        let mut closing = Vec::new();
        if let Some(s) = self.sessions.get_mut(uuid) {
            while let Some(&r) = s.resources.last() {
                if after.is_some_and(|a| r < a) {
                    break;
                }
                s.resources.pop();
                closing.push(r);
            }
        }
        for r in closing {
            if self.events[r].end == 0 {
                self.events[r].end = time;
                self.add_proof(r);
            }
        }
    }

    fn machine_id(&mut self, cursor: &mut Cursor<'_, '_>) {
        if !self.keep(cursor) {
            return;
        }
        let level = seclevel(cursor.find(b"vm-ctx"));
        if level.is_none() {
            self.note("Security context not found for MACHINE_ID event.\n");
        }
        // Only the SELinux model names a level that AVCs can be tied to.
        if cursor.find(b"model") == Some(b"dac") {
            return;
        }
        let Some(c) = self.common(cursor, GUEST) else { return };
        let mut e = GuestEvent::new(Kind::MachineId);
        e.start = self.stamp.sec;
        (e.uuid, e.name, e.user, e.success, e.seclevel) =
            (c.uuid, c.name, c.user, c.success, level.clone());
        let uuid = e.uuid.clone().unwrap_or_default();
        let index = self.push(e);
        self.add_proof(index);
        if let Some(level) = level {
            self.machine_by_level.insert(level, index);
        }
        if c.success {
            self.new_session(&uuid, index);
        }
    }

    fn control(&mut self, cursor: &mut Cursor<'_, '_>) {
        if !self.keep(cursor) {
            return;
        }
        match cursor.find(b"op") {
            None => self.note("Invalid op field.\n"),
            Some(b"start") => self.start(cursor),
            Some(b"stop") => self.stop(cursor),
            Some(op) => {
                let text = format!("Unknown op: {}\n", String::from_utf8_lossy(op));
                self.note(&text);
            }
        }
    }

    fn start(&mut self, cursor: &mut Cursor<'_, '_>) {
        let Some(c) = self.common(cursor, GUEST) else { return };
        let time = self.stamp.sec;
        let uuid = c.uuid.clone().unwrap_or_default();
        // A failed start ends every resource still open in the guest's session.
        if !c.success {
            self.close_resources(&uuid, None, time);
        }
        let mut e = GuestEvent::new(Kind::Start);
        (e.uuid, e.name, e.user, e.success, e.start) = (c.uuid, c.name, c.user, c.success, time);
        cursor.first_record();
        if cursor.find(b"vm-pid").is_some() {
            e.pid = cursor.int();
        }
        let index = self.push(e);
        self.add_proof(index);
        if c.success {
            self.session(&uuid).starts.push(index);
        }
    }

    fn stop(&mut self, cursor: &mut Cursor<'_, '_>) {
        let Some(c) = self.common(cursor, GUEST) else { return };
        let time = self.stamp.sec;
        let uuid = c.uuid.clone().unwrap_or_default();
        // The walk back passes the resources after the previous start, takes
        // the session's last start, and ends at the start before it.
        let (start, before) = match self.sessions.get(&uuid) {
            Some(s) => {
                let n = s.starts.len();
                (s.starts.last().copied(), n.checked_sub(2).map(|i| s.starts[i]))
            }
            None => (None, None),
        };
        self.close_resources(&uuid, before, time);
        let Some(start) = start else {
            self.note("Couldn't find the correlated start record to the stop event.\n");
            return;
        };
        let mut e = GuestEvent::new(Kind::Stop);
        (e.uuid, e.name, e.user, e.success, e.start) = (c.uuid, c.name, c.user, c.success, time);
        cursor.first_record();
        if cursor.find(b"vm-pid").is_some() {
            e.pid = cursor.int();
        }
        let index = self.push(e);
        self.add_proof(index);
        if c.success {
            self.events[start].end = time;
            self.add_proof(start);
            self.new_session(&uuid, index);
        }
    }

    fn resource(&mut self, cursor: &mut Cursor<'_, '_>) {
        if !self.keep(cursor) {
            return;
        }
        let Some(c) = self.common(cursor, GUEST) else { return };
        cursor.first_record();
        let res_type = owned(cursor.find(b"resrc"));
        let reason = owned(cursor.find(b"reason"));
        let Some(res_type) = res_type else {
            self.note("Invalid resrc field.\n");
            return;
        };
        match &res_type[..] {
            b"disk" | b"vcpu" | b"mem" | b"rng" | b"net" => {
                let t = String::from_utf8_lossy(&res_type).into_owned();
                let old = format!("old-{t}");
                let old_res = cursor.find(old.as_bytes()).and_then(|_| cursor.interpret());
                if old_res.is_none() && self.filters.debug {
                    self.note(&format!("Failed to get {old} field.\n"));
                } else {
                    self.release(&c, &res_type, old_res.as_deref());
                }
                let new = format!("new-{t}");
                let new_res = cursor.find(new.as_bytes()).and_then(|_| cursor.interpret());
                if new_res.is_none() && self.filters.debug {
                    self.note(&format!("Failed to get {new} field.\n"));
                } else {
                    self.assign(cursor, c, reason, res_type, new_res);
                }
            }
            b"cgroup" => {
                cursor.first_record();
                let cgroup = cursor.find(b"cgroup").and_then(|_| cursor.interpret());
                self.assign(cursor, c, reason, res_type, cgroup);
            }
            other => {
                let text =
                    format!("Found an unknown resource: {}.\n", String::from_utf8_lossy(other));
                self.note(&text);
            }
        }
    }

    /// `update_resource`: an old value ends the last assignment of it.
    fn release(&mut self, c: &Common, res_type: &[u8], res: Option<&[u8]>) {
        if !is_resource(res) || !c.success {
            return;
        }
        let key = (
            c.uuid.clone().unwrap_or_default(),
            res_type.to_vec(),
            res.unwrap_or_default().to_vec(),
        );
        match self.last_resource.get(&key) {
            Some(&index) => {
                self.events[index].end = self.stamp.sec;
                self.add_proof(index);
            }
            None => {
                let text = format!(
                    "Couldn't find the correlated resource record to update for {}.\n",
                    String::from_utf8_lossy(res_type)
                );
                self.note(&text);
            }
        }
    }

    /// `add_resource`: a new value is an assignment.
    fn assign(
        &mut self,
        cursor: &mut Cursor<'_, '_>,
        c: Common,
        reason: Option<Vec<u8>>,
        res_type: Vec<u8>,
        res: Option<Vec<u8>>,
    ) {
        if !is_resource(res.as_deref()) {
            return;
        }
        let mut e = GuestEvent::new(Kind::Res);
        (e.uuid, e.name, e.user, e.success, e.start) =
            (c.uuid, c.name, c.user, c.success, self.stamp.sec);
        (e.reason, e.res) = (reason, res);
        if res_type == b"cgroup" {
            e.cgroup_class = owned(cursor.find(b"class"));
            if let Some(class) = &e.cgroup_class {
                e.cgroup_detail = match &class[..] {
                    b"path" => cursor.find(b"path").and_then(|_| cursor.interpret()),
                    b"major" => owned(cursor.find(b"category")),
                    _ => None,
                };
            }
            e.cgroup_acl = owned(cursor.find(b"acl"));
        }
        e.res_type = Some(res_type);
        let index = self.push(e);
        self.add_proof(index);
        if c.success {
            let e = &self.events[index];
            let uuid = e.uuid.clone().unwrap_or_default();
            let value = e.res.clone().unwrap_or_default();
            let key = (uuid.clone(), e.res_type.clone().unwrap_or_default(), value.clone());
            self.last_resource.insert(key, index);
            self.open_by_value.entry(value).or_default().push(index);
            self.session(&uuid).resources.push(index);
        }
    }
}
