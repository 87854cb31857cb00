//! The open sessions, kept the way the reference's singly linked list
//! behaves (aulast-llist.c), but with indexes so that every lookup is
//! O(log n) instead of a walk.
//!
//! The list's *cursor* matters to the output: an append links the new
//! node only when the cursor is on a node of the list (or the list is
//! empty); after a walk that ran off the end (a shutdown with no reboot
//! record), new sessions are lost until a lookup puts the cursor back.

use std::collections::{BTreeSet, HashMap};

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The login uid was set (LOGIN); no USER_LOGIN yet.
    LogIn,
    /// USER_LOGIN seen: the user is in.
    SessionStart,
    LogOut,
    /// Open at a reboot: the machine went down.
    Down,
    /// A reboot record open at the next boot.
    Crash,
    /// Its session id was reused by a new login.
    Gone,
}

/// One session (or reboot record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub session: u32,
    pub start: i64,
    pub end: i64,
    pub auid: u32,
    pub pid: i32,
    /// The account name; the reference also uses "has a name" to tell
    /// reboot records, so this quirk is kept for user sessions too.
    pub name: Option<Vec<u8>>,
    pub term: Option<Vec<u8>>,
    pub host: Option<Vec<u8>>,
    /// 0 success, 1 failure, -1 not known yet.
    pub result: i32,
    pub status: Status,
    pub loginuid_proof: u64,
    pub user_login_proof: u64,
    pub user_end_proof: u64,
}

/// Where the list's cursor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    /// Ran off the end, or the list is empty.
    Nowhere,
    At(usize),
    /// On a node that was never linked (see the module doc).
    Lost,
}

struct Node {
    session: Session,
    next: Option<usize>,
    prev: Option<usize>,
}

/// Ids grow with each append, so an id order is the list order.
pub struct List {
    nodes: Vec<Option<Node>>,
    head: Option<usize>,
    tail: Option<usize>,
    cursor: Cursor,
    by_session: HashMap<u32, BTreeSet<usize>>,
    by_login: HashMap<(u32, i32, u32), BTreeSet<usize>>,
    named: BTreeSet<usize>,
}

fn unindex<K: std::hash::Hash + Eq>(map: &mut HashMap<K, BTreeSet<usize>>, key: K, id: usize) {
    if let Some(set) = map.get_mut(&key) {
        set.remove(&id);
        if set.is_empty() {
            map.remove(&key);
        }
    }
}

impl List {
    pub fn new() -> Self {
        List {
            nodes: Vec::new(),
            head: None,
            tail: None,
            cursor: Cursor::Nowhere,
            by_session: HashMap::new(),
            by_login: HashMap::new(),
            named: BTreeSet::new(),
        }
    }

    /// Empties the list (a boot).
    pub fn clear(&mut self) {
        *self = List::new();
    }

    /// Appends at the end, if the cursor allows (see the module doc); the
    /// new node becomes current either way.
    pub fn append(&mut self, session: Session) {
        let linked = self.head.is_none() || matches!(self.cursor, Cursor::At(_));
        if !linked {
            self.cursor = Cursor::Lost;
            return;
        }
        let id = self.nodes.len();
        self.by_session.entry(session.session).or_default().insert(id);
        self.by_login.entry((session.auid, session.pid, session.session)).or_default().insert(id);
        if session.name.is_some() {
            self.named.insert(id);
        }
        self.nodes.push(Some(Node { session, next: None, prev: self.tail }));
        match self.tail {
            Some(t) => {
                if let Some(node) = self.nodes[t].as_mut() {
                    node.next = Some(id);
                }
            }
            None => self.head = Some(id),
        }
        self.tail = Some(id);
        self.cursor = Cursor::At(id);
    }

    /// The current node, if it is one of the list.
    pub fn current(&mut self) -> Option<&mut Session> {
        match self.cursor {
            Cursor::At(id) => self.nodes[id].as_mut().map(|n| &mut n.session),
            _ => None,
        }
    }

    /// The ids of the list, in order (the cursor does not move).
    pub fn ids(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = self.head;
        while let Some(id) = at {
            out.push(id);
            at = self.nodes[id].as_ref().and_then(|n| n.next);
        }
        out
    }

    pub fn get_mut(&mut self, id: usize) -> Option<&mut Session> {
        self.nodes.get_mut(id).and_then(Option::as_mut).map(|n| &mut n.session)
    }

    fn select(&mut self, found: Option<usize>) -> Option<&mut Session> {
        let id = found?;
        self.cursor = Cursor::At(id);
        self.get_mut(id)
    }

    /// The first session with this id; it becomes current.
    pub fn find_session(&mut self, session: u32) -> Option<&mut Session> {
        let found = self.by_session.get(&session).and_then(|s| s.first().copied());
        self.select(found)
    }

    /// The first session of this (auid, pid, session); it becomes current.
    pub fn find_login(&mut self, auid: u32, pid: i32, session: u32) -> Option<&mut Session> {
        let found = self.by_login.get(&(auid, pid, session)).and_then(|s| s.first().copied());
        self.select(found)
    }

    /// The first session with a name, as a walk from the head finds it:
    /// it becomes current; without one the walk runs off the end.
    pub fn find_named(&mut self) -> Option<&mut Session> {
        let found = self.named.first().copied();
        if found.is_none() {
            self.cursor = Cursor::Nowhere;
        }
        self.select(found)
    }

    /// Unlinks the current node: the cursor goes to the one before it, or
    /// to the new head when it was the head.
    pub fn delete_current(&mut self) {
        let Cursor::At(id) = self.cursor else { return };
        let Some(node) = self.nodes[id].take() else { return };
        let s = &node.session;
        unindex(&mut self.by_session, s.session, id);
        unindex(&mut self.by_login, (s.auid, s.pid, s.session), id);
        self.named.remove(&id);
        match node.prev {
            Some(p) => {
                if let Some(prev) = self.nodes[p].as_mut() {
                    prev.next = node.next;
                }
            }
            None => self.head = node.next,
        }
        match node.next {
            Some(n) => {
                if let Some(next) = self.nodes[n].as_mut() {
                    next.prev = node.prev;
                }
            }
            None => self.tail = node.prev,
        }
        let to = if node.prev.is_some() { node.prev } else { node.next };
        self.cursor = to.map_or(Cursor::Nowhere, Cursor::At);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: u32, named: bool) -> Session {
        Session {
            session: id,
            start: 1,
            end: 0,
            auid: 1000,
            pid: 7,
            name: named.then(|| b"u".to_vec()),
            term: None,
            host: None,
            result: -1,
            status: Status::LogIn,
            loginuid_proof: 0,
            user_login_proof: 0,
            user_end_proof: 0,
        }
    }

    fn sessions(list: &List) -> Vec<u32> {
        list.ids().iter().map(|&id| list.nodes[id].as_ref().unwrap().session.session).collect()
    }

    #[test]
    fn deletes_keep_order_and_move_the_cursor_back() {
        let mut list = List::new();
        for id in 1..=3 {
            list.append(session(id, false));
        }
        assert!(list.find_session(2).is_some());
        list.delete_current();
        assert_eq!(list.current().map(|s| s.session), Some(1));
        list.append(session(4, false));
        assert_eq!(sessions(&list), vec![1, 3, 4]);
        assert!(list.find_login(1000, 7, 1).is_some());
        list.delete_current();
        // The head went: the cursor is on the new head.
        assert_eq!(list.current().map(|s| s.session), Some(3));
    }

    #[test]
    fn after_a_walk_off_the_end_appends_are_lost() {
        let mut list = List::new();
        list.append(session(1, false));
        assert!(list.find_named().is_none());
        list.append(session(2, false));
        list.append(session(3, false));
        assert_eq!(sessions(&list), vec![1]);
        // A lookup that finds a node puts the cursor back on the list.
        assert!(list.find_session(1).is_some());
        list.append(session(5, true));
        assert_eq!(sessions(&list), vec![1, 5]);
        assert_eq!(list.find_named().map(|s| s.session), Some(5));
    }
}
