//! File names and addresses: CWD, PATH, AVC_PATH and SOCKADDR records,
//! and the name reader the other parsers share (ausearch-parse.c
//! `common_path_parser`, `parse_dir`, `parse_path`, `avc_parse_path`,
//! `parse_sockaddr`).

use memchr::memchr;

use super::Bytes;
use super::text::{Step, Text, unescape, unescape_raw};
use super::{Extractor, NAME_OFFSET};

impl<'a> Extractor<'a, '_> {
    /// common_path_parser: a file name, quoted, hex, or `(null)`.
    pub(super) fn path(&mut self, t: &Text<'a>, start: usize) -> Step {
        let v = &t.t[start..];
        let name = if v.first() == Some(&b'"') {
            let (name, _) = t.quoted(start).ok_or(2)?;
            Bytes::Borrowed(name)
        } else if v.starts_with(b"(null)") {
            Bytes::Borrowed(&b"(null)"[..])
        } else {
            if !v.first().is_some_and(u8::is_ascii_hexdigit) {
                return Err(4);
            }
            if v.starts_with(b"00") {
                // An abstract socket name.
                unescape(&v[2..]).ok_or(7)?
            } else {
                let end = memchr(b' ', v).ok_or(5)?;
                unescape(&v[..end]).ok_or(7)?
            }
        };
        let name = match (&self.items.cwd, &*name) {
            // COMPAT: ausearch-parse.c: ./ and ../ names are prefixed
            // with the cwd, without normalising.
            (Some(cwd), [b'.', b'.' | b'/', ..]) => {
                let mut full = Vec::with_capacity(cwd.len() + 1 + name.len());
                full.extend_from_slice(cwd);
                full.push(b'/');
                full.extend_from_slice(&name);
                Bytes::Owned(full)
            }
            _ => name,
        };
        self.items.filenames.get_or_insert_with(Vec::new).push(name);
        Ok(())
    }

    /// parse_dir (CWD).
    pub(super) fn cwd(&mut self, t: &Text<'a>) -> Step {
        if !self.needs.filename {
            return Ok(());
        }
        if let Some(at) = t.find(NAME_OFFSET.min(t.t.len()), b" cwd=") {
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, _) = t.quoted(v).ok_or(1)?;
                if self.items.cwd.is_none() {
                    self.items.cwd = Some(Bytes::Borrowed(c));
                }
            } else if self.items.cwd.is_none() {
                self.items.cwd = unescape(&t.t[v..]);
            }
        }
        Ok(())
    }

    /// parse_path (PATH).
    pub(super) fn path_record(&mut self, t: &Text<'a>) -> Step {
        let mut term = NAME_OFFSET.min(t.t.len());
        if self.needs.filename
            && let Some(at) = t.find(term, b" name=")
        {
            self.path(t, at + 6)?;
            term = at + 6;
            // COMPAT: ausearch-parse.c parse_path: the name's "key" is all
            // the text after the next `type=`, so it equals PARENT only
            // when nametype= ends the record.
            if let Some(k) = t.find(term, b"type=")
                && &t.t[k + 5..] == b"PARENT"
            {
                let last = self.items.filenames.as_ref().map_or(0, Vec::len);
                self.items.parent_names.push(last.saturating_sub(1));
            }
        }
        if self.needs.object
            && let Some(at) = t.find(term, b"obj=")
        {
            self.add_context(None, Some(t.word_to_space_or_end(at + 4)));
        }
        Ok(())
    }

    /// avc_parse_path (AVC_PATH, and path= of CONFIG_CHANGE).
    pub(super) fn avc_path(&mut self, t: &Text<'a>) -> Step {
        if !self.needs.filename {
            return Ok(());
        }
        match t.find(0, b" path=") {
            Some(at) => self.path(t, at + 6),
            None => Err(1),
        }
    }

    /// parse_sockaddr: unix socket paths as file names, inet addresses as
    /// the host.
    pub(super) fn sockaddr(&mut self, t: &Text<'a>) -> Step {
        let n = self.needs;
        if !(n.hostname || n.filename) {
            return Ok(());
        }
        let Some(at) = t.find(0, b"saddr=") else { return Ok(()) };
        let raw = &t.t[at + 6..];
        let len = if raw.first() == Some(&b'(') {
            memchr(b')', raw).map_or(0, |c| c + 1)
        } else {
            raw.iter().take_while(|b| b.is_ascii_hexdigit()).count() / 2
        };
        let bytes = unescape_raw(raw).ok_or(4)?;
        if bytes.len() < 2 {
            return Ok(());
        }
        let family = u16::from_ne_bytes([bytes[0], bytes[1]]);
        match family {
            2 => {
                if len < 16 {
                    return Err(1);
                }
                if n.hostname {
                    self.items.hostname = raudit_interpret::sockaddr::numeric_host(&bytes)
                        .map(|h| Bytes::Owned(h.into_bytes()));
                }
            }
            10 => {
                if len < 28 {
                    return Err(2);
                }
                if n.hostname {
                    // getnameinfo, as the reference: scope ids included.
                    self.items.hostname = raudit_interpret::sockaddr::numeric_host(&bytes)
                        .map(|h| Bytes::Owned(h.into_bytes()));
                }
            }
            1 => {
                if len < 4 {
                    return Err(3);
                }
                if n.filename {
                    let path = &bytes[2..];
                    let path = if path.first() == Some(&0) { &path[1..] } else { path };
                    let path = &path[..memchr(0, path).unwrap_or(path.len())];
                    self.items
                        .filenames
                        .get_or_insert_with(Vec::new)
                        .push(Bytes::Owned(path.to_vec()));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{items, owned};

    // Expected values: the reference ausearch 3.0.9 (`ausearch -if LOG`)
    // selects the line with all the options of the test's comment given
    // together (which, like `items`, extract every item), and not with a
    // neighbouring value.

    #[test]
    fn relative_names_take_the_cwd() {
        // -f /home/a/./x selects it (-f /home/a/x does not).
        let s = items(
            "type=SYSCALL msg=audit(1700000001.100:10): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=2 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 egid=0 ses=1 comm=\"x\" exe=\"/x\"\n\
             type=CWD msg=audit(1700000001.100:10): cwd=\"/home/a\"\n\
             type=PATH msg=audit(1700000001.100:10): item=0 name=\"./x\" inode=1\n\
             type=PATH msg=audit(1700000001.100:10): item=1 name=2F746D70 inode=2 nametype=PARENT",
        );
        assert_eq!(owned(&s.filenames), Some(vec![b"/home/a/./x".to_vec(), b"/tmp".to_vec()]));
        assert_eq!(s.parent_names, vec![1]);
    }

    #[test]
    fn names_and_cwd_after_a_short_stamp() {
        // -f /home/./f selects it: the reference looks for `cwd=` and
        // `name=` from 28 bytes into the record on, which a stamp of
        // 1973 with a small serial leaves before them.
        let s = items(
            "type=SYSCALL msg=audit(99999998.001:1): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=5 auid=1000 uid=0 gid=0 euid=0 egid=0 ses=1 comm=\"c\" exe=\"/bin/c\"\n\
             type=CWD msg=audit(99999998.001:1): cwd=\"/home\"\n\
             type=PATH msg=audit(99999998.001:1): name=\"./f\" inode=1",
        );
        assert_eq!(owned(&s.filenames), Some(vec![b"/home/./f".to_vec()]));
    }

    #[test]
    fn socket_addresses() {
        // -hn 192.0.2.7 selects the inet one, -f /run/sock the unix one.
        let inet = "type=SOCKADDR msg=audit(1700000001.100:11): saddr=02000050C000020700000000000000000000000000000000";
        assert_eq!(items(inet).hostname.as_deref(), Some(&b"192.0.2.7"[..]));
        let unix = "type=SOCKADDR msg=audit(1700000001.100:12): saddr=01002F72756E2F736F636B00";
        assert_eq!(owned(&items(unix).filenames), Some(vec![b"/run/sock".to_vec()]));
    }
}
