//! A record's fields as the JSON writer reads them, and the arguments of
//! EXECVE and PROCTITLE records.

use std::borrow::Cow;

use raudit_interpret::fields::space_from;
use raudit_interpret::value::unhex_into;

use super::text::string;

/// One `name=value` of a record; `value` is as logged. A user record's
/// `msg='…'` holds fields of its own.
pub(super) struct Field<'a> {
    pub(super) name: &'a [u8],
    pub(super) value: Value<'a>,
}

pub(super) enum Value<'a> {
    Text(&'a [u8]),
    Nested(Vec<Field<'a>>),
}

/// Splits a record body into `fields` (emptied first, so that its memory
/// serves every record); words without `=` (an AVC's `denied { read }
/// for`) go to `words`. Returns how many of the body's `"` delimit quoted
/// values.
pub(super) fn split_into<'a>(
    body: &'a [u8],
    words: &mut Vec<&'a [u8]>,
    fields: &mut Vec<Field<'a>>,
) -> usize {
    fields.clear();
    split_until(body, 0, words, fields, None).0
}

/// [`split_into`] from byte `from` of `body` on, adding to `fields`; with
/// `stop`, it stops before the first field of that name (not one inside
/// `msg='…'`) and says where that field starts. The fields after that
/// point are those of `split_into(&body[at..])`: the split keeps no state
/// from one field to the next.
pub(super) fn split_until<'a>(
    body: &'a [u8],
    from: usize,
    words: &mut Vec<&'a [u8]>,
    fields: &mut Vec<Field<'a>>,
    stop: Option<&[u8]>,
) -> (usize, Option<usize>) {
    let mut quotes = 0;
    let mut i = from;
    while i < body.len() {
        if body[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        i = raudit_parse::scan::first_of(&body[i..], b'=', b' ').map_or(body.len(), |e| i + e);
        if i == body.len() || body[i] == b' ' {
            words.push(&body[start..i]);
            continue;
        }
        let name = &body[start..i];
        if stop == Some(name) {
            return (quotes, Some(start));
        }
        i += 1;
        let v = i;
        match body.get(v) {
            // An unterminated msg=' stays text: it cannot be split safely.
            Some(b'\'') if name == b"msg" && memchr::memchr(b'\'', &body[v + 1..]).is_some() => {
                let end = v + 1 + memchr::memchr(b'\'', &body[v + 1..]).unwrap_or(0);
                let mut inner = Vec::new();
                quotes += split_into(&body[v + 1..end], words, &mut inner);
                fields.push(Field { name, value: Value::Nested(inner) });
                i = end + 1;
            }
            Some(b'"') => {
                let end = match memchr::memchr(b'"', &body[v + 1..]) {
                    Some(e) => {
                        quotes += 2;
                        v + 2 + e
                    }
                    None => {
                        quotes += 1;
                        body.len()
                    }
                };
                fields.push(Field { name, value: Value::Text(&body[v..end]) });
                i = end;
            }
            _ => {
                let end = space_from(body, v);
                fields.push(Field { name, value: Value::Text(&body[v..end]) });
                i = end;
            }
        }
    }
    (quotes, None)
}

/// The JSON member names of `fields`: a name that repeats gets `#2`, `#3`,
/// … so that no member is lost (JSON readers keep one of equal names).
pub(super) fn member_names<'a>(fields: &[Field<'a>]) -> Vec<Cow<'a, [u8]>> {
    let mut names = Vec::new();
    member_names_into(fields, &mut names);
    names
}

/// [`member_names`] into `names` (emptied first).
pub(super) fn member_names_into<'a>(fields: &[Field<'a>], names: &mut Vec<Cow<'a, [u8]>>) {
    names.clear();
    // The common case: no name repeats. Checked with a small hash table
    // of field indexes, comparing names only when their slots collide.
    if fields.len() <= 48 {
        const FREE: u8 = u8::MAX;
        let mut slots = [FREE; 64];
        let mut repeats = false;
        'fields: for (i, f) in fields.iter().enumerate() {
            let mut h = slot_hash(f.name);
            loop {
                let slot = &mut slots[h & 63];
                if *slot == FREE {
                    *slot = i as u8;
                    continue 'fields;
                }
                if fields[usize::from(*slot)].name == f.name {
                    repeats = true;
                    break 'fields;
                }
                h = h.wrapping_add(1);
            }
        }
        if !repeats {
            names.extend(fields.iter().map(|f| Cow::Borrowed(f.name)));
            return;
        }
    }
    for (i, f) in fields.iter().enumerate() {
        let seen = fields[..i].iter().filter(|g| g.name == f.name).count();
        names.push(if seen == 0 {
            Cow::Borrowed(f.name)
        } else {
            Cow::Owned([f.name, format!("#{}", seen + 1).as_bytes()].concat())
        });
    }
}

/// A slot for `name` in a table of 64: its length and a few of its bytes
/// (two loads, not a pass over every byte), mixed.
pub(super) fn slot_hash(name: &[u8]) -> usize {
    let n = name.len();
    let word = |at: usize| {
        u64::from(u32::from_le_bytes([name[at], name[at + 1], name[at + 2], name[at + 3]]))
    };
    let bytes = if n >= 4 {
        word(0) | word(n - 4) << 32
    } else if n > 0 {
        u64::from(name[0]) | u64::from(name[n / 2]) << 8 | u64::from(name[n - 1]) << 16
    } else {
        0
    };
    ((bytes ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize
}

pub(super) fn text_of<'a>(fields: &[Field<'a>], name: &[u8]) -> Option<&'a [u8]> {
    fields.iter().find_map(|f| match f.value {
        Value::Text(t) if f.name == name => Some(t),
        _ => None,
    })
}

/// `aN` is argument N whole (true), `aN[i]` a part of it (false).
pub(super) fn arg_number(name: &[u8]) -> Option<(usize, bool)> {
    let digits = name.strip_prefix(b"a")?;
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 || (len > 1 && digits[0] == b'0') {
        return None;
    }
    let n = std::str::from_utf8(&digits[..len]).ok()?.parse().ok()?;
    match digits[len..].first() {
        None => Some((n, true)),
        Some(b'[') => Some((n, false)),
        Some(_) => None,
    }
}

/// Calls `each` with EXECVE's arguments a0.. in order, decoded (long ones
/// are logged as aN[0], aN[1], …, and joined), `arg` holding each one.
pub(super) fn execve_args(
    fields: &[Field<'_>],
    arg: &mut Vec<u8>,
    mut each: impl FnMut(usize, &[u8]),
) {
    let argc = text_of(fields, b"argc")
        .and_then(|v| std::str::from_utf8(v).ok()?.parse::<usize>().ok())
        .unwrap_or(0);
    let count = argc.min(fields.len());
    // Where each argument is, found in one pass: a record can hold
    // hundreds of thousands.
    let mut whole = vec![None; count];
    let mut parts = Vec::new();
    for f in fields {
        let Value::Text(t) = f.value else { continue };
        match arg_number(f.name) {
            Some((n, true)) if n < count => {
                whole[n].get_or_insert(t);
            }
            Some((n, false)) if n < count => parts.push((n, t)),
            _ => {}
        }
    }
    parts.sort_by_key(|&(n, _)| n);
    let mut parts = parts.iter().peekable();
    for (n, whole) in whole.iter().enumerate() {
        arg.clear();
        while let Some((_, part)) = parts.next_if(|&&(m, _)| m == n) {
            if whole.is_none() {
                raudit_interpret::value::escaped(arg, part);
            }
        }
        if let Some(v) = whole {
            raudit_interpret::value::escaped(arg, v);
        }
        each(n, arg);
    }
}

/// Writes PROCTITLE's arguments (hex with NUL separators, or one quoted
/// string) as a JSON array; `decoded` holds them.
pub(super) fn proctitle_argv(out: &mut Vec<u8>, value: &[u8], decoded: &mut Vec<u8>) {
    decoded.clear();
    if value.first() == Some(&b'"') {
        raudit_interpret::value::escaped(decoded, value);
        out.push(b'[');
        string(out, decoded);
        out.push(b']');
        return;
    }
    if !unhex_into(decoded, value) {
        decoded.extend_from_slice(value);
    }
    // Trailing NULs end the last argument; they start none.
    let args = &decoded[..decoded.len() - decoded.iter().rev().take_while(|&&b| b == 0).count()];
    out.push(b'[');
    if !args.is_empty() {
        for (i, a) in args.split(|&b| b == 0).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, a);
        }
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_numbered_and_only_they() {
        let names_of = |body: &[u8]| -> Vec<String> {
            let (mut words, mut fields) = (Vec::new(), Vec::new());
            split_into(body, &mut words, &mut fields);
            member_names(&fields).iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect()
        };
        // abcdXefgh and abcdYefgh differ only where the slot hash does not look.
        let names = names_of(b"a=1 b=2 a=3 abcdXefgh=4 abcdYefgh=5 a=6 b=7");
        assert_eq!(names, ["a", "b", "a#2", "abcdXefgh", "abcdYefgh", "a#3", "b#2"]);
        assert_eq!(names_of(b"abcdXefgh=4 abcdYefgh=5 x=1"), ["abcdXefgh", "abcdYefgh", "x"]);
    }

    #[test]
    fn splits_like_a_reader_expects() {
        let mut words = Vec::new();
        let mut f = Vec::new();
        let body = b"pid=1 msg='op=login acct=\"a b\" res=success' x";
        assert_eq!(split_into(body, &mut words, &mut f), 2);
        assert_eq!(f.len(), 2);
        assert_eq!(words, vec![&b"x"[..]]);
        let Value::Nested(inner) = &f[1].value else { panic!("msg is nested") };
        assert_eq!(inner.len(), 3);
        let Value::Text(acct) = inner[1].value else { panic!() };
        assert_eq!(acct, b"\"a b\"");
    }

    #[test]
    fn execve_arguments_are_joined_from_their_parts() {
        let body = b"argc=4 a0=\"x\" a1_len=4 a1[0]=\"ab\" a1[1]=\"cd\" a2=6869 a01=\"no\" a3=\"y\" a3[0]=\"no\"";
        let (mut words, mut fields) = (Vec::new(), Vec::new());
        split_into(body, &mut words, &mut fields);
        let mut args = Vec::new();
        execve_args(&fields, &mut Vec::new(), |n, arg| args.push((n, arg.to_vec())));
        let want: Vec<(usize, Vec<u8>)> = vec![
            (0, b"x".to_vec()),
            (1, b"abcd".to_vec()),
            (2, b"hi".to_vec()),
            (3, b"y".to_vec()),
        ];
        assert_eq!(args, want);
        let mut out = Vec::new();
        proctitle_argv(&mut out, b"6100620000", &mut Vec::new());
        assert_eq!(out, b"[\"a\",\"b\"]");
    }
}
