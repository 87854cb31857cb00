//! Whole csv rows and text sentences found again in the memo.
//!
//! An event's output depends on its records' text, but not on all of it:
//! the header's `msg=audit(…)` gives no field, and of a SYSCALL record's
//! fields before `auid=` (pids, pointers, exit codes: what changes in
//! every record) the printers read only a few. So an event is looked up
//! by its skeleton: each record's text without the stamp, and for a
//! SYSCALL record the names of the fields before its tail, then the tail.
//! The values of those fields that the printers read ([`Read`], which
//! [`super::au::Au`] notes) complete the key; the time and serial are written fresh
//! around the kept parts.
//!
//! Two entries per event. The skeleton gives an id for it and the reads
//! of the last event with that skeleton; the id, those reads and their
//! values give the output. A hit is exact: the kept output was made by an
//! event with the same skeleton that read just those values and found the
//! same there, and the printers are deterministic, so this event would
//! make the same output. An event that reads others (another branch) is
//! simply a miss. Ids are never reused, so an entry made for a skeleton
//! that has since left the memo is never found for another. A thread that
//! finds little stops looking for a while ([`crate::memo::Odds`]).

use std::cell::Cell;

use raudit_parse::Record;

use super::au::{Head, Read};
use crate::memo::{self, Memo};

/// An event's output apart from its time and serial.
pub(super) struct Parts<'m> {
    /// What comes before the time.
    pub head: &'m [u8],
    /// What comes after the time (and serial).
    pub tail: &'m [u8],
    /// The diagnostics.
    pub err: &'m [u8],
    /// Whether a record's text was read (its stamp with it).
    pub text_read: bool,
}

/// An event's skeleton, made once for the lookup and the keeping.
pub(super) struct Recall<'h, 'a> {
    key: (u64, u64),
    skeleton: Vec<u8>,
    /// The skeleton's id, when [`Recall::find`] found it.
    id: Cell<Option<[u8; 8]>>,
    records: &'h [Record<'a>],
    heads: &'h [Head<'a>],
}

thread_local! {
    /// The buffer of the last skeleton, kept for the next.
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

impl Drop for Recall<'_, '_> {
    fn drop(&mut self) {
        let mut skeleton = std::mem::take(&mut self.skeleton);
        skeleton.clear();
        SPARE.set(skeleton);
    }
}

fn put(out: &mut Vec<u8>, part: &[u8]) {
    out.extend_from_slice(&(part.len() as u32).to_le_bytes());
    out.extend_from_slice(part);
}

impl<'h, 'a> Recall<'h, 'a> {
    /// `tag` tells the printer and its settings apart (low 32 bits).
    pub(super) fn new(records: &'h [Record<'a>], heads: &'h [Head<'a>], tag: u32) -> Self {
        let mut skeleton = SPARE.take();
        for (r, head) in records.iter().zip(heads) {
            match head.tail {
                Some(tail) => {
                    skeleton.push(1);
                    skeleton.extend_from_slice(&head.rtype.to_le_bytes());
                    skeleton.extend_from_slice(&(head.fields.len() as u32).to_le_bytes());
                    for f in &head.fields {
                        skeleton.push(u8::from(f.val.is_some()));
                        put(&mut skeleton, f.name);
                    }
                    put(&mut skeleton, tail);
                }
                None => {
                    skeleton.push(0);
                    let (before, after) = without_stamp(r);
                    put(&mut skeleton, before);
                    put(&mut skeleton, after);
                }
            }
            match r.enriched {
                Some(enriched) => {
                    skeleton.push(1);
                    put(&mut skeleton, enriched);
                }
                None => skeleton.push(0),
            }
        }
        let tag = memo::tag::EVENT_SKELETON | u64::from(tag);
        let key = (tag, Memo::hash(tag, &skeleton, b""));
        Recall { key, skeleton, id: Cell::new(None), records, heads }
    }

    /// The key of the output when the skeleton's id and reads are `text`.
    fn output_key(text: &[u8], values: &[u8]) -> (u64, u64) {
        (memo::tag::EVENT, Memo::hash(memo::tag::EVENT, text, values))
    }

    /// The output kept for an event like this one.
    pub(super) fn find<'m>(&self, memo: &'m Memo) -> Option<Parts<'m>> {
        let id_and_reads = memo.get(self.key, &self.skeleton, b"")?;
        self.id.set(id_and_reads.first_chunk().copied());
        let mut values = Vec::with_capacity(128);
        let reads = decode(id_and_reads.get(8..)?);
        let text_read = reads.clone().any(|r| matches!(r, Read::Text(_)));
        self.write_values(reads, &mut values)?;
        let kept = memo.get(Self::output_key(id_and_reads, &values), id_and_reads, &values)?;
        let (head_len, rest) = u32_at(kept)?;
        let (tail_len, rest) = u32_at(rest)?;
        let (head, rest) = rest.split_at_checked(head_len)?;
        let (tail, err) = rest.split_at_checked(tail_len)?;
        Some(Parts { head, tail, err, text_read })
    }

    /// Whether the skeleton holds what `read` gives.
    fn in_skeleton(&self, read: Read) -> bool {
        let cut = |i: u32| self.heads.get(i as usize).is_some_and(|h| h.tail.is_some());
        match read {
            // A field before a SYSCALL tail, or the context such fields give.
            Read::Value(i, f) => {
                !cut(i) || f as usize >= self.heads.get(i as usize).map_or(0, |h| h.fields.len())
            }
            Read::Syscall(i) | Read::Args(i) => !cut(i),
            // The stamp is not in it.
            Read::Text(_) => false,
            // ENRICHED parts are, and the CWD record is never cut.
            Read::Enriched(_) | Read::Cwd => true,
        }
    }

    /// Keeps `parts`, made of an event like this one reading `reads`
    /// (after [`Recall::find`] found nothing).
    pub(super) fn keep(&self, memo: &mut Memo, reads: &[Read], parts: Parts<'_>) {
        let mut id_and_reads = Vec::with_capacity(8 + reads.len() * 9);
        let id = self.id.get().unwrap_or_else(|| memo.fresh_id().to_le_bytes());
        id_and_reads.extend_from_slice(&id);
        let reads = reads.iter().copied().filter(|&r| !self.in_skeleton(r));
        encode(reads.clone(), &mut id_and_reads);
        let mut values = Vec::with_capacity(128);
        if self.write_values(reads, &mut values).is_none() {
            return;
        }
        let mut output =
            Vec::with_capacity(8 + parts.head.len() + parts.tail.len() + parts.err.len());
        output.extend_from_slice(&(parts.head.len() as u32).to_le_bytes());
        output.extend_from_slice(&(parts.tail.len() as u32).to_le_bytes());
        for part in [parts.head, parts.tail, parts.err] {
            output.extend_from_slice(part);
        }
        // An output whose skeleton is not kept could never be found.
        if Memo::fits(&self.skeleton, b"", &id_and_reads) {
            let key = Self::output_key(&id_and_reads, &values);
            memo.keep(key, &id_and_reads, &values, &output);
            memo.keep(self.key, &self.skeleton, b"", &id_and_reads);
        }
    }

    /// Writes what each of `reads` gives in this event; None when one is not
    /// in it.
    fn write_values(&self, reads: impl Iterator<Item = Read>, out: &mut Vec<u8>) -> Option<()> {
        for read in reads {
            match read {
                Read::Value(i, f) => {
                    let field = self.heads.get(i as usize)?.fields.get(f as usize)?;
                    match field.val.as_deref() {
                        Some(v) => put(out, v),
                        None => out.push(0xff),
                    }
                }
                Read::Syscall(i) => {
                    let at = &self.heads.get(i as usize)?.at;
                    out.push(at.machine.map_or(u8::MAX, |m| m as u8));
                    out.extend_from_slice(&at.syscall.to_le_bytes());
                }
                Read::Args(i) => {
                    let at = &self.heads.get(i as usize)?.at;
                    out.extend_from_slice(&at.a0.to_le_bytes());
                    out.extend_from_slice(&at.a1.to_le_bytes());
                }
                Read::Text(i) => put(out, self.records.get(i as usize)?.text),
                // Never kept: the skeleton holds them.
                Read::Enriched(_) | Read::Cwd => return None,
            }
        }
        Some(())
    }
}

/// A record's text without its stamp token (`msg=audit(…):`, just before
/// the body), which gives no field: the text before and after it. All of
/// the text when there is no such token.
fn without_stamp<'a>(r: &Record<'a>) -> (&'a [u8], &'a [u8]) {
    let text = r.text;
    let whole = (text, &text[text.len()..]);
    // The body follows the first `): `.
    let Some((body_at, _)) = memo::place_in(text, r.body()) else { return whole };
    let Some(body_at) = body_at.checked_sub(1).filter(|&at| text.get(at) == Some(&b' ')) else {
        return whole;
    };
    let header = &text[..body_at];
    let start = memchr::memrchr(b' ', header).map_or(0, |i| i + 1);
    if header[start..].starts_with(b"msg=audit(") {
        (&text[..start], &text[body_at..])
    } else {
        whole
    }
}

fn u32_at(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let (n, rest) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*n) as usize, rest))
}

/// Reads as kept: per read a byte (which), then two u32.
fn encode(reads: impl Iterator<Item = Read>, out: &mut Vec<u8>) {
    for read in reads {
        let (what, a, b) = match read {
            Read::Value(r, f) => (0, r, f),
            Read::Syscall(r) => (1, r, 0),
            Read::Args(r) => (2, r, 0),
            Read::Enriched(r) => (3, r, 0),
            Read::Text(r) => (4, r, 0),
            Read::Cwd => (5, 0, 0),
        };
        out.push(what);
        out.extend_from_slice(&a.to_le_bytes());
        out.extend_from_slice(&b.to_le_bytes());
    }
}

/// The reads [`encode`] wrote.
fn decode(mut bytes: &[u8]) -> impl Iterator<Item = Read> + Clone {
    std::iter::from_fn(move || {
        let (&what, rest) = bytes.split_first()?;
        let (a, rest) = u32_at(rest)?;
        let (b, rest) = u32_at(rest)?;
        bytes = rest;
        let (a, b) = (a as u32, b as u32);
        Some(match what {
            0 => Read::Value(a, b),
            1 => Read::Syscall(a),
            2 => Read::Args(a),
            3 => Read::Enriched(a),
            4 => Read::Text(a),
            5 => Read::Cwd,
            _ => return None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Extra, Writer};
    use crate::memo::events_repeated;
    use raudit_interpret::Escape;
    use raudit_sys::FixedHost;

    /// Events that share skeletons but differ in what the printers read
    /// (the syscall, its success, a socketcall's a0, the node, ENRICHED
    /// names, a result in a body), or only in what they do not (stamps,
    /// pids, pointers); SYSCALL records the fast reading of the fields
    /// before `auid=` passes by (two spaces, a trimmed value); an event
    /// that cannot be normalised; events that differ in their stamps only.
    const LOG: &str = "\
type=SYSCALL msg=audit(1700000000.001:1): arch=c000003e syscall=2 success=no exit=-13 a0=1 a1=0 a2=0 a3=0 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)
type=CWD msg=audit(1700000000.001:1): cwd=\"/tmp\"
type=PATH msg=audit(1700000000.001:1): item=0 name=\"x/../y\" inode=5 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL
type=PROCTITLE msg=audit(1700000000.001:1): proctitle=636174
type=SYSCALL msg=audit(1700000001.002:2): arch=c000003e syscall=2 success=yes exit=3 a0=7 a1=8 a2=9 a3=0 items=1 ppid=4 pid=5 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)
type=CWD msg=audit(1700000001.002:2): cwd=\"/tmp\"
type=PATH msg=audit(1700000001.002:2): item=0 name=\"x/../y\" inode=5 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL
type=PROCTITLE msg=audit(1700000001.002:2): proctitle=636174
type=SYSCALL msg=audit(1700000002.003:3): arch=c000003e syscall=87 success=yes exit=0 a0=7 a1=8 a2=9 a3=0 items=1 ppid=4 pid=6 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)
type=CWD msg=audit(1700000002.003:3): cwd=\"/tmp\"
type=PATH msg=audit(1700000002.003:3): item=0 name=\"x/../y\" inode=5 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL
type=PROCTITLE msg=audit(1700000002.003:3): proctitle=636174
type=SYSCALL msg=audit(1700000003.004:4): arch=40000003 syscall=102 success=yes exit=0 a0=1 a1=bf00 a2=0 a3=0 items=0 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"nc\" exe=\"/usr/bin/nc\"
type=SYSCALL msg=audit(1700000004.005:5): arch=40000003 syscall=102 success=yes exit=0 a0=3 a1=bf00 a2=0 a3=0 items=0 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"nc\" exe=\"/usr/bin/nc\"
node=web1 type=SYSCALL msg=audit(1700000005.006:6): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"ls\" exe=\"/usr/bin/ls\" key=(null)
node=web1 type=PROCTITLE msg=audit(1700000005.006:6): proctitle=6C73
node=web2 type=SYSCALL msg=audit(1700000006.007:7): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"ls\" exe=\"/usr/bin/ls\" key=(null)
node=web2 type=PROCTITLE msg=audit(1700000006.007:7): proctitle=6C73
type=SYSCALL msg=audit(1700000007.008:8): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"ls\" exe=\"/usr/bin/ls\" key=(null)\x1dARCH=x86_64 SYSCALL=execve AUID=\"alice\" UID=\"root\"
type=SYSCALL msg=audit(1700000008.009:9): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"ls\" exe=\"/usr/bin/ls\" key=(null)\x1dARCH=x86_64 SYSCALL=execve AUID=\"bob\" UID=\"root\"
type=SYSCALL msg=audit(1700000009.010:10): arch=c000003e syscall=2  success=yes exit=3 a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=1000 uid=0 gid=0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)
type=SYSCALL msg=audit(1700000010.011:11): arch=c000003e syscall=2 success=yes exit=3: a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=1000 uid=0 gid=0 ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)
type=USER_LOGIN msg=audit(1700000011.012:12): pid=1 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=h addr=10.0.0.1 terminal=ssh res=success'
type=USER_LOGIN msg=audit(1700000012.013:13): pid=1 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=h addr=10.0.0.1 terminal=ssh res=failed'
type=PATH msg=audit(1700000013.014:14): item=0 name=\"/etc\" nametype=NORMAL
type=PATH msg=audit(1700000013.014:14): item=0 name=\"/etc\" nametype=NORMAL
type=SYSCALL msg=audit(1700000020.100:20): arch=c000003e syscall=110 success=yes exit=7 a0=0 a1=0 a2=0 a3=0 items=0 ppid=7 pid=8 auid=1000 uid=0 gid=0 ses=3 comm=\"storm\" exe=\"/usr/bin/storm\" key=\"s\"
type=PROCTITLE msg=audit(1700000020.100:20): proctitle=73746F726D
type=EOE msg=audit(1700000020.100:20): 
type=SYSCALL msg=audit(1700000021.200:21): arch=c000003e syscall=110 success=yes exit=7 a0=0 a1=0 a2=0 a3=0 items=0 ppid=7 pid=8 auid=1000 uid=0 gid=0 ses=3 comm=\"storm\" exe=\"/usr/bin/storm\" key=\"s\"
type=PROCTITLE msg=audit(1700000021.200:21): proctitle=73746F726D
type=EOE msg=audit(1700000021.200:21): 
type=SYSCALL msg=audit(1700000022.300:22): arch=c000003e syscall=110 success=yes exit=7 a0=0 a1=0 a2=0 a3=0 items=0 ppid=7 pid=8 auid=1000 uid=0 gid=0 ses=3 comm=\"storm\" exe=\"/usr/bin/storm\" key=\"s\"
type=PROCTITLE msg=audit(1700000022.300:22): proctitle=73746F726D
type=EOE msg=audit(1700000022.300:22): 
";

    fn output(host: &dyn raudit_sys::Host, extra: Extra, escape: Escape) -> (String, String) {
        let w = Writer { escape, host, extra };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        // Four times over: whole events are kept the second time they are
        // seen, and found after.
        for event in &events_repeated(&[LOG], 4) {
            w.write_csv(&mut out, &mut err, event);
            w.write_text(&mut out, event);
        }
        (String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    #[test]
    fn rows_and_sentences_found_in_the_memo_are_those_made_anew() {
        let fixed = FixedHost::new().with_user(1000, "alice").with_user(0, "root");
        let memoized = fixed.clone().keeping_names();
        let all = Extra { keys: true, labels: true, obj2: true, time: true };
        for (extra, escape) in
            [(Extra::default(), Escape::Tty), (all, Escape::Raw), (all, Escape::ShellQuote)]
        {
            let made = output(&fixed, extra, escape);
            assert_eq!(output(&memoized, extra, escape), made);
            // The cases differ where they should.
            let (out, err) = made;
            assert!(out.contains(",opened-file,failed,") && out.contains(",opened-file,success,"));
            assert!(out.contains(",deleted,") && out.contains(",logged-in,failed,"), "{out}");
            assert!(out.contains("web1,SYSCALL") && out.contains("web2,SYSCALL"), "{out}");
            assert!(out.contains("alice") && out.contains("bob"), "{out}");
            assert!(err.contains("error normalizing PATH"), "{err}");
            // Events that differ only in their stamps get their own times.
            for time in ["22:13:40", "22:13:41", "22:13:42"] {
                assert_eq!(out.matches(time).count(), 8, "{time} {out}");
            }
            for serial in [",21,audit-rule,", ",22,audit-rule,"] {
                assert_eq!(out.matches(serial).count(), 4, "{serial} {out}");
            }
        }
    }
}
