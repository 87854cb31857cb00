//! Mandatory-access-control and configuration records: AVC / USER_AVC,
//! MAC_* and CONFIG_CHANGE, and the object context of IPC / OBJ_PID
//! (ausearch-parse.c `parse_avc`, `parse_simple_message`, `parse_obj`).

use raudit_parse::record::types::{CONFIG_CHANGE, USER_AVC};

use super::Bytes;
use super::text::{Step, Text, push_keys, unescape};
use super::{Context, Extractor};

impl<'a> Extractor<'a, '_> {
    /// parse_avc (AVC, USER_AVC).
    pub(super) fn avc(&mut self, t: &Text<'a>, rtype: i32) -> Step {
        let n = self.needs;
        let mut an = Context::default();
        let mut term = 0;
        if let Some(at) = t.find(0, b"avc: ") {
            match t.chr(at + 5, b'{') {
                None => term = 0,
                Some(brace) => {
                    if n.success {
                        let denied = t.find(at + 5, b"denied").is_some_and(|d| d < brace);
                        self.items.success = Some(!denied);
                        an.granted = Some(!denied);
                    }
                    let mut start = brace + 1;
                    while t.at(start) == b' ' {
                        start += 1;
                    }
                    let close = t.chr(start, b'}').ok_or(2)?;
                    let mut end = close;
                    while end > 0 && t.t[end - 1] == b' ' {
                        end -= 1;
                    }
                    // COMPAT: ausearch-parse.c parse_avc: with only spaces
                    // between the braces the C code's cut lands before the
                    // start, and the permission runs to the end of the text.
                    an.perm =
                        Some(if end >= start { &t.t[start..end] } else { &t.t[close..] }.to_vec());
                    term = end;
                }
            }
        }
        if rtype == USER_AVC {
            let rc = self.user(t, rtype, Some(&mut an));
            self.items.contexts.get_or_insert_with(Vec::new).push(an);
            return match rc {
                Err(rc) if rc <= 20 => Err(rc),
                _ => Ok(()),
            };
        }
        if n.pid
            && let Some(at) = t.find(term, b"pid=")
        {
            (self.items.pid, term) = t.id_to_space(at + 4, (3, 4))?;
        }
        if n.comm && self.items.comm.is_none() {
            let at = t.find(term, b"comm=").ok_or(5)?;
            let v = at + 5;
            if t.at(v) == b'"' {
                let (c, close) = t.quoted(v).ok_or(6)?;
                self.items.comm = Some(Bytes::Borrowed(c));
                term = close;
            } else {
                self.items.comm = Some(unescape(&t.t[v..]).ok_or(11)?);
                term = v + 6;
            }
        }
        if n.filename {
            if let Some(at) = t.find(term, b" path=") {
                self.path(t, at + 6)?;
                term += 7;
            } else if let Some(at) = t.find(term, b" name=") {
                self.path(t, at + 6)?;
                term += 7;
            }
        }
        if n.subject
            && let Some(at) = t.find(term, b"scontext=")
        {
            let (c, end) = t.word_to_space(at + 9, 7)?;
            an.subject = Some(c.to_vec());
            term = end;
        }
        if n.object
            && let Some(at) = t.find(term, b"tcontext=")
        {
            let (c, end) = t.word_to_space(at + 9, 8)?;
            an.object = Some(c.to_vec());
            term = end;
        }
        let class = t.find(term, b"tclass=").ok_or(9)? + 7;
        an.class = Some(t.word_to_space_or_end(class).to_vec());
        self.items.contexts.get_or_insert_with(Vec::new).push(an);
        Ok(())
    }

    /// parse_simple_message (CONFIG_CHANGE, MAC_*).
    pub(super) fn simple(&mut self, t: &Text<'a>, rtype: i32) -> Step {
        let n = self.needs;
        let mut term = 0;
        if n.loginuid || n.auid_name {
            match t.find(0, b"auid=") {
                None if rtype != CONFIG_CHANGE => return Err(1),
                None => {}
                Some(at) => {
                    let (v, end) = t.id_to_space_or_end(at + 5, 2)?;
                    self.set_loginuid(v);
                    term = end.unwrap_or(at + 5);
                }
            }
        }
        if n.session
            && let Some(at) = t.find(term, b"ses=")
        {
            let (v, end) = t.id_to_space_or_end(at + 4, 3)?;
            self.items.session = v;
            term = end.unwrap_or(at + 4);
        }
        if n.subject
            && let Some(at) = t.find(term, b"subj=")
        {
            let end = t.chr(at + 5, b' ');
            self.add_context(Some(&t.t[at + 5..end.unwrap_or(t.t.len())]), None);
            term = end.unwrap_or(at + 5);
        }
        if n.key
            && let Some(at) = t.find(term, b"key=")
        {
            let keys = self.items.keys.get_or_insert_with(Vec::new);
            if let Some(close) = push_keys(t, at + 4, keys, (6, 8))? {
                term = close;
            }
        }
        // COMPAT: ausearch-parse.c parse_simple_message: CONFIG_CHANGE is a
        // success unless its res= says otherwise.
        if rtype == CONFIG_CHANGE {
            self.items.success = Some(true);
        }
        if n.success
            && let Some(at) = t.find(term, b"res=")
        {
            self.items.success = t.res_at(at + 4, 7)?;
        }
        Ok(())
    }

    /// parse_obj (IPC, OBJ_PID).
    pub(super) fn obj(&mut self, t: &Text<'a>) -> Step {
        if self.needs.object
            && let Some(at) = t.find(0, b"obj=")
        {
            self.add_context(None, Some(t.word_to_space_or_end(at + 4)));
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
    fn avc_denial() {
        // -p 13944 -c automount -f auto.net -su system_u:system_r:automount_t:s0
        // -o system_u:object_r:automount_lock_t:s0 -sv no
        let s = items(
            "type=AVC msg=audit(1166111074.191:74): avc:  denied  { execute } for  pid=13944 comm=\"automount\" name=\"auto.net\" dev=dm-0 ino=16483485 scontext=system_u:system_r:automount_t:s0 tcontext=system_u:object_r:automount_lock_t:s0 tclass=file",
        );
        assert_eq!(s.pid, 13944);
        assert_eq!(s.comm.as_deref(), Some(&b"automount"[..]));
        assert_eq!(owned(&s.filenames), Some(vec![b"auto.net".to_vec()]));
        assert_eq!(s.success, Some(false));
        let c = &s.contexts.as_ref().map(|c| c[0].clone()).unwrap_or_default();
        assert_eq!(c.subject.as_deref(), Some(&b"system_u:system_r:automount_t:s0"[..]));
        assert_eq!(c.object.as_deref(), Some(&b"system_u:object_r:automount_lock_t:s0"[..]));
        assert_eq!(
            (c.perm.as_deref(), c.class.as_deref()),
            (Some(&b"execute"[..]), Some(&b"file"[..]))
        );
    }

    #[test]
    fn config_change() {
        // -ul 4294967295 --session 4294967295 -sv yes
        // -su system_u:system_r:unconfined_service_t:s0 -k rules
        let s = items(
            "type=CONFIG_CHANGE msg=audit(1594053514.707:5): auid=4294967295 ses=4294967295 subj=system_u:system_r:unconfined_service_t:s0 op=add_rule key=\"rules\" list=4 res=1",
        );
        assert_eq!((s.loginuid, s.session, s.success), (u32::MAX, u32::MAX, Some(true)));
        assert_eq!(owned(&s.keys), Some(vec![b"rules".to_vec()]));
        let subj = s.contexts.as_ref().and_then(|c| c[0].subject.as_deref());
        assert_eq!(subj, Some(&b"system_u:system_r:unconfined_service_t:s0"[..]));
    }
}
