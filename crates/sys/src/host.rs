//! [`Host`]: everything printers and parsers ask the machine, in one
//! seam. The tools pass a [`SystemHost`] (NSS and the process's zone and
//! locale, cached for speed); tests pass a [`FixedHost`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use crate::accounts;
use crate::clock::{self, Tm};
use raudit_tables::hash::FxHasher as Fnv;

/// Names of users and groups, and the local time. Called from several
/// threads at once.
pub trait Host: Sync {
    /// The name of user `uid` (`getpwuid`).
    fn user_name(&self, uid: u32) -> Option<Arc<str>>;
    /// The name of group `gid` (`getgrgid`).
    fn group_name(&self, gid: u32) -> Option<Arc<str>>;
    /// The uid of user `name` (`getpwnam`).
    fn user_id(&self, name: &str) -> Option<u32>;
    /// The gid of group `name` (`getgrnam`).
    fn group_id(&self, name: &str) -> Option<u32>;

    /// Appends the name of `id` (a user, or a group) to `out`; false when
    /// it has none. The hot path of interpretation: implementations may
    /// answer without touching shared state.
    fn write_name(&self, id: u32, user: bool, out: &mut Vec<u8>) -> bool {
        match if user { self.user_name(id) } else { self.group_name(id) } {
            Some(name) => {
                out.extend_from_slice(name.as_bytes());
                true
            }
            None => false,
        }
    }

    /// The name ausearch's `-ua/-ui/-ue NAME` compares uid `uid` with when
    /// the log has no ENRICHED name. The system host reads `/etc/passwd`
    /// for it (docs/compat.md); others answer [`Host::user_name`].
    fn passwd_name(&self, uid: u32) -> Option<Vec<u8>> {
        self.user_name(uid).map(|n| n.as_bytes().to_vec())
    }

    /// Forgets cached names: accounts changed (the daemon's enricher).
    fn forget_names(&self) {}

    /// A number no other host shares, and that changes when this one forgets its names: text
    /// made from names may be kept under it and reused. None: do not keep such text.
    fn names_generation(&self) -> Option<u64> {
        None
    }

    /// Every user account as (name, uid), in the user database's order
    /// (`getpwent`): aulastlog lists them all.
    fn users(&self) -> Vec<(String, u32)>;

    /// `sec` broken down in local time.
    fn local_time(&self, sec: i64) -> Tm;

    /// `ctime()` of `sec` without the newline: the `time->` header.
    fn ctime(&self, sec: i64) -> String {
        clock::ctime(&self.local_time(sec))
    }

    /// `strftime(format)` of `sec` in local time and the user's locale.
    fn strftime(&self, format: &str, sec: i64) -> String {
        clock::strftime(format, &self.local_time(sec))
    }

    /// [`Host::strftime`] appended to `out` (a row built per event need
    /// not make a string of its own).
    fn strftime_into(&self, out: &mut Vec<u8>, format: &str, sec: i64) {
        out.extend_from_slice(self.strftime(format, sec).as_bytes());
    }

    /// The offset of local time from UTC at `sec`, in seconds east.
    fn utc_offset(&self, sec: i64) -> i64 {
        self.local_time(sec).gmtoff
    }
}

/// The machine itself: NSS for names, the C library's zone and locale for
/// times. Names are cached, as ausearch -i asks for the same few ids
/// millions of times; so are the last few formatted seconds of each
/// thread, as consecutive events mostly share their second.
pub struct SystemHost {
    users: RwLock<IdMap>,
    groups: RwLock<IdMap>,
    /// Tells each thread's copy of the names which host and which flush
    /// it belongs to.
    generation: AtomicU64,
    /// `/etc/passwd`, read on first use.
    passwd: OnceLock<HashMap<u32, Vec<u8>>>,
}

impl Default for SystemHost {
    fn default() -> Self {
        SystemHost {
            users: RwLock::default(),
            groups: RwLock::default(),
            generation: AtomicU64::new(NEXT_GENERATION.fetch_add(1 << 32, Ordering::Relaxed)),
            passwd: OnceLock::new(),
        }
    }
}

/// Generations are unique across hosts (high half) and flushes (low).
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1 << 32);

/// A thread's copy of the names it asked for: (generation, user?, id) ->
/// name. Lookups on the hot path touch no shared cache line.
type LocalNames = (u64, HashMap<(bool, u32), Option<Box<str>>, BuildHasherDefault<Fnv>>);

/// A thread's last few `strftime` answers: (second, format, text).
type LocalTimes = [Option<(i64, String, String)>; 4];

thread_local! {
    static LOCAL_NAMES: RefCell<LocalNames> = RefCell::new((0, HashMap::default()));
    static LOCAL_TIMES: RefCell<LocalTimes> = const { RefCell::new([None, None, None, None]) };
    /// The thread's last `ctime` answer: (second, text).
    static LOCAL_CTIME: RefCell<Option<(i64, String)>> = const { RefCell::new(None) };
}

type IdMap = HashMap<u32, Option<Arc<str>>, BuildHasherDefault<Fnv>>;

impl SystemHost {
    pub fn new() -> Self {
        Self::default()
    }
}

fn cached(cache: &RwLock<IdMap>, id: u32, look_up: fn(u32) -> Option<String>) -> Option<Arc<str>> {
    if let Some(hit) = cache.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
        return hit.clone();
    }
    let name: Option<Arc<str>> = look_up(id).map(Arc::from);
    cache.write().unwrap_or_else(|e| e.into_inner()).insert(id, name.clone());
    name
}

impl Host for SystemHost {
    fn user_name(&self, uid: u32) -> Option<Arc<str>> {
        cached(&self.users, uid, accounts::user_name)
    }

    fn group_name(&self, gid: u32) -> Option<Arc<str>> {
        cached(&self.groups, gid, accounts::group_name)
    }

    fn user_id(&self, name: &str) -> Option<u32> {
        accounts::user_id(name)
    }

    fn group_id(&self, name: &str) -> Option<u32> {
        accounts::group_id(name)
    }

    fn write_name(&self, id: u32, user: bool, out: &mut Vec<u8>) -> bool {
        let generation = self.generation.load(Ordering::Relaxed);
        LOCAL_NAMES.with(|local| {
            let mut local = local.borrow_mut();
            if local.0 != generation {
                *local = (generation, HashMap::default());
            }
            let name = local.1.entry((user, id)).or_insert_with(|| {
                let shared = if user { self.user_name(id) } else { self.group_name(id) };
                shared.map(|n| Box::from(&*n))
            });
            match name {
                Some(n) => {
                    out.extend_from_slice(n.as_bytes());
                    true
                }
                None => false,
            }
        })
    }

    fn passwd_name(&self, uid: u32) -> Option<Vec<u8>> {
        self.passwd.get_or_init(accounts::passwd_file).get(&uid).cloned()
    }

    fn forget_names(&self) {
        self.users.write().unwrap_or_else(|e| e.into_inner()).clear();
        self.groups.write().unwrap_or_else(|e| e.into_inner()).clear();
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    fn names_generation(&self) -> Option<u64> {
        Some(self.generation.load(Ordering::Relaxed))
    }

    fn users(&self) -> Vec<(String, u32)> {
        accounts::all_users()
    }

    fn local_time(&self, sec: i64) -> Tm {
        clock::localtime(sec)
    }

    fn ctime(&self, sec: i64) -> String {
        // Every event printed raw asks for its second's text; converting
        // the zone each time cost more than the rest of the header.
        LOCAL_CTIME.with(|last| {
            let mut last = last.borrow_mut();
            match &*last {
                Some((s, text)) if *s == sec => text.clone(),
                _ => {
                    let text = clock::ctime(&clock::localtime(sec));
                    *last = Some((sec, text.clone()));
                    text
                }
            }
        })
    }

    fn strftime(&self, format: &str, sec: i64) -> String {
        let mut out = Vec::new();
        self.strftime_into(&mut out, format, sec);
        String::from_utf8(out).unwrap_or_default()
    }

    fn strftime_into(&self, out: &mut Vec<u8>, format: &str, sec: i64) {
        LOCAL_TIMES.with(|last| {
            let mut last = last.borrow_mut();
            if let Some((_, _, text)) =
                last.iter().flatten().find(|(s, f, _)| *s == sec && f == format)
            {
                out.extend_from_slice(text.as_bytes());
                return;
            }
            let text = clock::strftime(format, &clock::localtime(sec));
            out.extend_from_slice(text.as_bytes());
            last.rotate_right(1);
            last[0] = Some((sec, format.to_string(), text));
        })
    }
}

/// Names and a zone chosen by a test: no NSS, no TZ, no locale beyond C's.
#[derive(Debug, Default, Clone)]
pub struct FixedHost {
    pub users: HashMap<u32, String>,
    pub groups: HashMap<u32, String>,
    /// Seconds east of UTC, all year round.
    pub utc_offset: i64,
    /// [`Host::names_generation`]: None unless a test lets text made from
    /// names be kept ([`FixedHost::keeping_names`]).
    pub generation: Option<u64>,
}

impl FixedHost {
    /// No names, UTC.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_user(mut self, uid: u32, name: &str) -> Self {
        self.users.insert(uid, name.to_string());
        self
    }

    pub fn with_group(mut self, gid: u32, name: &str) -> Self {
        self.groups.insert(gid, name.to_string());
        self
    }

    /// Local time `offset` seconds east of UTC.
    pub fn with_utc_offset(mut self, offset: i64) -> Self {
        self.utc_offset = offset;
        self
    }

    /// The same host, with a names generation (1: no system host has one
    /// below 1 << 32), so that text made from its names may be kept, as
    /// the system host's is.
    pub fn keeping_names(mut self) -> Self {
        self.generation = Some(1);
        self
    }
}

/// The smallest id named `name` (so the answer does not depend on the
/// map's order).
fn id_named(map: &HashMap<u32, String>, name: &str) -> Option<u32> {
    map.iter().filter(|(_, n)| *n == name).map(|(&id, _)| id).min()
}

impl Host for FixedHost {
    fn user_name(&self, uid: u32) -> Option<Arc<str>> {
        self.users.get(&uid).map(|s| Arc::from(s.as_str()))
    }

    fn group_name(&self, gid: u32) -> Option<Arc<str>> {
        self.groups.get(&gid).map(|s| Arc::from(s.as_str()))
    }

    fn user_id(&self, name: &str) -> Option<u32> {
        id_named(&self.users, name)
    }

    fn group_id(&self, name: &str) -> Option<u32> {
        id_named(&self.groups, name)
    }

    /// By uid, then name: a fixed host has no database order.
    fn users(&self) -> Vec<(String, u32)> {
        let mut users: Vec<(String, u32)> =
            self.users.iter().map(|(&uid, name)| (name.clone(), uid)).collect();
        users.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        users
    }

    fn local_time(&self, sec: i64) -> Tm {
        Tm::fixed_zone(sec, self.utc_offset)
    }

    fn names_generation(&self) -> Option<u64> {
        self.generation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_host_answers_what_it_was_given() {
        let host = FixedHost::new().with_user(1000, "alice").with_group(50, "staff");
        assert_eq!(host.user_name(1000).as_deref(), Some("alice"));
        assert_eq!(host.user_id("alice"), Some(1000));
        assert_eq!(host.group_id("staff"), Some(50));
        assert_eq!(host.user_name(0), None);
        let mut out = Vec::new();
        assert!(host.write_name(50, false, &mut out));
        assert!(!host.write_name(51, false, &mut out));
        assert_eq!(out, b"staff");
        assert_eq!(host.passwd_name(1000), Some(b"alice".to_vec()));
        assert_eq!(host.clone().with_user(0, "root").users()[0], ("root".to_string(), 0));
        let west = host.with_utc_offset(-5 * 3600);
        assert_eq!(west.ctime(1_700_000_000), "Tue Nov 14 17:13:20 2023");
        assert_eq!(west.strftime("%T", 1_700_000_000), "17:13:20");
        assert_eq!(west.utc_offset(0), -18_000);
    }

    #[test]
    fn the_system_host_remembers_times_as_it_would_make_them() {
        let host = SystemHost::new();
        for sec in [1_700_000_000, 1_700_000_000, 1_700_000_001, 1_700_000_000, 0, 0] {
            assert_eq!(host.ctime(sec), clock::ctime(&clock::localtime(sec)));
            let fresh = clock::strftime("%x %T", &clock::localtime(sec));
            assert_eq!(host.strftime("%x %T", sec), fresh);
            let mut out = b"x".to_vec();
            host.strftime_into(&mut out, "%x %T", sec);
            assert_eq!(out, [&b"x"[..], fresh.as_bytes()].concat());
        }
    }

    #[test]
    fn the_system_host_caches_per_thread_and_forgets() {
        let host = SystemHost::new();
        let mut out = Vec::new();
        assert!(host.write_name(0, true, &mut out));
        assert!(host.write_name(0, true, &mut out));
        assert_eq!(out, b"rootroot");
        host.forget_names();
        out.clear();
        assert!(host.write_name(0, false, &mut out));
        assert_eq!(out, b"root");
        assert_eq!(host.passwd_name(0), Some(b"root".to_vec()));
        assert!(host.users().iter().any(|(name, uid)| name == "root" && *uid == 0));
        // Cached and uncached answers agree.
        let sec = 1_700_000_000;
        let plain = clock::strftime("%x %T", &clock::localtime(sec));
        assert_eq!(host.strftime("%x %T", sec), plain);
        assert_eq!(host.strftime("%x %T", sec), plain);
        assert_eq!(host.ctime(sec), clock::ctime(&clock::localtime(sec)));
    }
}
