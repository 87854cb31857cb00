//! uid and gid names. The interpreter asks a [`Resolver`], so that tests
//! can inject fixed names and the tools can use the system's databases.

use std::collections::HashMap;
use std::ffi::CStr;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Names for ids. Called from several threads.
pub trait Resolver: Sync {
    fn user(&self, uid: u32) -> Option<Arc<str>>;
    fn group(&self, gid: u32) -> Option<Arc<str>>;

    /// Appends the name of `id` (a user, or a group) to `out`; false when
    /// it has none. The hot path of interpretation: implementations may
    /// answer without touching shared state.
    fn write_name(&self, id: u32, user: bool, out: &mut Vec<u8>) -> bool {
        match if user { self.user(id) } else { self.group(id) } {
            Some(name) => {
                out.extend_from_slice(name.as_bytes());
                true
            }
            None => false,
        }
    }
}

/// The passwd and group databases (NSS), cached: ausearch -i asks for the
/// same few ids millions of times.
pub struct SystemResolver {
    users: RwLock<IdMap>,
    groups: RwLock<IdMap>,
    /// Tells each thread's copy of the names which resolver and which
    /// flush it belongs to.
    generation: AtomicU64,
}

impl Default for SystemResolver {
    fn default() -> Self {
        SystemResolver {
            users: RwLock::default(),
            groups: RwLock::default(),
            generation: AtomicU64::new(NEXT_GENERATION.fetch_add(1 << 32, Ordering::Relaxed)),
        }
    }
}

/// Generations are unique across resolvers (high half) and flushes (low).
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1 << 32);

/// A thread's copy of the names it asked for: (generation, user?, id) ->
/// name. Lookups on the hot path touch no shared cache line.
type LocalNames =
    (u64, HashMap<(bool, u32), Option<Box<str>>, BuildHasherDefault<crate::fnv::Fnv>>);

thread_local! {
    static LOCAL: std::cell::RefCell<LocalNames> = std::cell::RefCell::new((0, HashMap::default()));
}

type IdMap = HashMap<u32, Option<Arc<str>>, BuildHasherDefault<crate::fnv::Fnv>>;

impl SystemResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets cached names (the daemon does this around account changes).
    pub fn flush(&self) {
        self.users.write().unwrap_or_else(|e| e.into_inner()).clear();
        self.groups.write().unwrap_or_else(|e| e.into_inner()).clear();
        self.generation.fetch_add(1, Ordering::Relaxed);
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

impl Resolver for SystemResolver {
    fn user(&self, uid: u32) -> Option<Arc<str>> {
        cached(&self.users, uid, user_name)
    }
    fn group(&self, gid: u32) -> Option<Arc<str>> {
        cached(&self.groups, gid, group_name)
    }

    fn write_name(&self, id: u32, user: bool, out: &mut Vec<u8>) -> bool {
        let generation = self.generation.load(Ordering::Relaxed);
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            if local.0 != generation {
                *local = (generation, HashMap::default());
            }
            let name = local.1.entry((user, id)).or_insert_with(|| {
                let shared = if user { self.user(id) } else { self.group(id) };
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
}

/// Fixed names, for tests and for reproducible output.
#[derive(Debug, Default, Clone)]
pub struct FixedResolver {
    pub users: HashMap<u32, String>,
    pub groups: HashMap<u32, String>,
}

impl Resolver for FixedResolver {
    fn user(&self, uid: u32) -> Option<Arc<str>> {
        self.users.get(&uid).map(|s| Arc::from(s.as_str()))
    }
    fn group(&self, gid: u32) -> Option<Arc<str>> {
        self.groups.get(&gid).map(|s| Arc::from(s.as_str()))
    }
}

fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: a zeroed passwd is a valid out-parameter.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; buf outlives its use.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, pw_name points into buf.
    Some(unsafe { CStr::from_ptr(pwd.pw_name) }.to_string_lossy().into_owned())
}

fn group_name(gid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: a zeroed group is a valid out-parameter.
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; buf outlives its use.
    let rc = unsafe { libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || grp.gr_name.is_null() {
        return None;
    }
    // SAFETY: getgrgid_r succeeded, gr_name points into buf.
    Some(unsafe { CStr::from_ptr(grp.gr_name) }.to_string_lossy().into_owned())
}
