//! Deciding whether an event matches, from its search items: the
//! reference's match() (ausearch-match.c), criterion by criterion.

use raudit_parse::Event;

use crate::criteria::{Criteria, IdCriterion, Success};
use crate::extract::{Bytes, SearchItems, UNSET_ID, UNSET_LOGINUID, UNSET_SESSION};

/// `-w` exact, else substring.
fn string_match(criteria: &Criteria, needle: &[u8], haystack: &[u8]) -> bool {
    if criteria.whole_word {
        needle == haystack
    } else {
        needle.is_empty() || memchr::memmem::find(haystack, needle).is_some()
    }
}

fn opt_match(criteria: &Criteria, wanted: &Option<Vec<u8>>, have: &Option<Bytes<'_>>) -> bool {
    match wanted {
        None => true,
        Some(w) => have.as_ref().is_some_and(|h| string_match(criteria, w, h)),
    }
}

fn name_of(c: &Option<IdCriterion>) -> Option<&[u8]> {
    match c {
        Some(IdCriterion::Name { name, .. }) => Some(name),
        _ => None,
    }
}

fn user_match(c: &Criteria, s: &SearchItems) -> bool {
    let eq = |want: &[u8], have: &Option<Vec<u8>>| have.as_deref() == Some(want);
    if let Some(ua) = &c.uid_all {
        // COMPAT: ausearch-match.c user_match: -ua compares each variable
        // (-ua's value, or a later -ui, -ue or -ul's), names when -ua gave
        // one (a later numeric option leaves the names as they are).
        let users = [
            (&c.uid, s.uid, &s.uid_name),
            (&c.euid, s.euid, &s.euid_name),
            (&c.loginuid, s.loginuid, &s.auid_name),
        ];
        return match ua {
            IdCriterion::Name { .. } => users.into_iter().any(|(own, _, have)| {
                let name = name_of(own).or(name_of(&c.uid_all)).unwrap_or_default();
                eq(name, have)
            }),
            IdCriterion::Number(_) => {
                users.into_iter().any(|(own, have, _)| c.user(own).is_some_and(|u| u.id() == have))
            }
        };
    }
    let names = [
        (name_of(&c.uid), &s.uid_name),
        (name_of(&c.euid), &s.euid_name),
        (name_of(&c.loginuid), &s.auid_name),
    ];
    if names.iter().any(|(want, _)| want.is_some()) {
        // COMPAT: ausearch-match.c user_match: once any user criterion is
        // a name, only the names are compared.
        return names.iter().all(|(want, have)| want.is_none_or(|w| eq(w, have)));
    }
    c.uid.as_ref().is_none_or(|u| u.id() == s.uid)
        && c.euid.as_ref().is_none_or(|u| u.id() == s.euid)
        && c.loginuid.as_ref().is_none_or(|u| u.id() == s.loginuid)
}

fn group_match(c: &Criteria, s: &SearchItems) -> bool {
    match c.gid_all {
        Some(_) => c.group(c.gid) == Some(s.gid) || c.group(c.egid) == Some(s.egid),
        None => c.gid.is_none_or(|g| g == s.gid) && c.egid.is_none_or(|g| g == s.egid),
    }
}

fn context_match(c: &Criteria, s: &SearchItems) -> bool {
    let subject = c.subject.as_ref().or(c.context.as_ref());
    let object = c.object.as_ref().or(c.context.as_ref());
    let contexts = s.contexts.as_deref().unwrap_or(&[]);
    let any_subject = |w: &[u8]| {
        contexts.iter().filter_map(|x| x.subject.as_deref()).any(|h| string_match(c, w, h))
    };
    let any_object = |w: &[u8]| {
        contexts.iter().filter_map(|x| x.object.as_deref()).any(|h| string_match(c, w, h))
    };
    if c.context.is_some() {
        return subject.is_some_and(|w| any_subject(w)) || object.is_some_and(|w| any_object(w));
    }
    if let Some(w) = subject {
        return s.contexts.is_some() && any_subject(w);
    }
    if let Some(w) = object {
        return s.contexts.is_some() && any_object(w);
    }
    true
}

/// Whether `event`, whose items are `s`, matches `c` (the time window and
/// `-a` are checked by the caller, before extraction).
pub fn matches(event: &Event<'_>, s: &SearchItems, c: &Criteria) -> bool {
    if !c.nodes.is_empty() {
        let Some(node) = event.key.node else { return false };
        if !c.nodes.iter().any(|n| n.as_slice() == node) {
            return false;
        }
    }
    if !user_match(c, s) || !group_match(c, s) {
        return false;
    }
    if c.ppid.is_some_and(|p| p != s.ppid) || c.pid.is_some_and(|p| p != s.pid) {
        return false;
    }
    if let Some(arch) = c.arch
        && arch != s.arch
    {
        return false;
    }
    if c.syscall.is_some_and(|sc| sc != s.syscall) {
        return false;
    }
    if c.session.is_some_and(|ses| ses != s.session) {
        return false;
    }
    if let Some(exit) = c.exit
        && s.exit != Some(exit)
    {
        return false;
    }
    if let Some(want) = c.success {
        let want = want == Success::Yes;
        if s.success != Some(want) {
            return false;
        }
    }
    if let Some(types) = &c.msg_types
        && !event.records.iter().any(|r| types.contains(&r.rtype))
    {
        return false;
    }
    if let Some(f) = &c.filename {
        if s.filenames.is_none() && s.cwd.is_none() {
            return false;
        }
        let mut found = false;
        if let Some(names) = &s.filenames {
            found = names.iter().any(|n| string_match(c, f, n));
            if !found && s.cwd.is_none() {
                return false;
            }
        }
        if !found && !s.cwd.as_ref().is_some_and(|cwd| string_match(c, f, cwd)) {
            return false;
        }
    }
    if !opt_match(c, &c.hostname, &s.hostname)
        || !opt_match(c, &c.terminal, &s.terminal)
        || !opt_match(c, &c.exe, &s.exe)
        || !opt_match(c, &c.comm, &s.comm)
    {
        return false;
    }
    if let Some(k) = &c.key {
        match &s.keys {
            Some(keys) if keys.iter().any(|key| string_match(c, k, key)) => {}
            _ => return false,
        }
    }
    if !opt_match(c, &c.vm, &s.vmname) || !opt_match(c, &c.uuid, &s.uuid) {
        return false;
    }
    context_match(c, s)
}

// The unset values are part of the comparisons above: an event without a
// pid has UNSET_ID, which no `-p N` equals (N is at most 2^31 - 1 there).
const _: (u32, u32, u32) = (UNSET_ID, UNSET_LOGINUID, UNSET_SESSION);
