//! The user and group databases: NSS through `getpwuid_r`, `getgrgid_r`,
//! `getpwnam_r` and `getgrnam_r` (what the reference asks), and the plain
//! `/etc/passwd` reading ausearch's `-ua NAME` matching uses.

use std::collections::HashMap;
use std::ffi::{CStr, CString};

/// `getpwuid_r`: the name of user `uid`.
pub fn user_name(uid: u32) -> Option<String> {
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

/// `getgrgid_r`: the name of group `gid`.
pub fn group_name(gid: u32) -> Option<String> {
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

/// `getpwnam_r`: a user name's uid.
pub fn user_id(name: &str) -> Option<u32> {
    let cname = CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: zeroed passwd is a valid out-parameter.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and buf's length is passed.
    let rc = unsafe {
        libc::getpwnam_r(cname.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut result)
    };
    (rc == 0 && !result.is_null()).then_some(pw.pw_uid)
}

/// `getgrnam_r`: a group name's gid.
pub fn group_id(name: &str) -> Option<u32> {
    let cname = CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: zeroed group is a valid out-parameter.
    let mut gr: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and buf's length is passed.
    let rc = unsafe {
        libc::getgrnam_r(cname.as_ptr(), &mut gr, buf.as_mut_ptr(), buf.len(), &mut result)
    };
    (rc == 0 && !result.is_null()).then_some(gr.gr_gid)
}

/// Every entry of the user database (`getpwent`), in its order, as
/// (name, uid): what `lastlog`-style listings enumerate.
pub fn all_users() -> Vec<(String, u32)> {
    // getpwent walks one process-wide cursor: one walk at a time.
    static WALK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _walk = WALK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut users = Vec::new();
    // SAFETY: setpwent/getpwent/endpwent take no arguments; the returned
    // entry stays valid until the next call, and is copied before it.
    unsafe { libc::setpwent() };
    loop {
        // SAFETY: see above; the mutex keeps other walks of this process out.
        let entry = unsafe { libc::getpwent() };
        if entry.is_null() {
            break;
        }
        // SAFETY: a non-null entry from getpwent points to a valid passwd
        // whose pw_name, when not null, is a C string.
        let (name, uid) = unsafe {
            let e = &*entry;
            if e.pw_name.is_null() {
                continue;
            }
            (CStr::from_ptr(e.pw_name).to_string_lossy().into_owned(), e.pw_uid)
        };
        users.push((name, uid));
    }
    // SAFETY: closes the walk opened above.
    unsafe { libc::endpwent() };
    users
}

/// Every uid's name in `/etc/passwd` as raw bytes, the first entry of a
/// uid winning (an unreadable file has none).
pub fn passwd_file() -> HashMap<u32, Vec<u8>> {
    let text = std::fs::read("/etc/passwd").unwrap_or_default();
    parse_passwd(&text)
}

/// The `name:password:uid:...` lines of a passwd file.
fn parse_passwd(text: &[u8]) -> HashMap<u32, Vec<u8>> {
    let mut map = HashMap::new();
    for line in text.split(|&b| b == b'\n') {
        let mut parts = line.split(|&b| b == b':');
        let (Some(name), Some(_), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if let Some(id) = std::str::from_utf8(id).ok().and_then(|s| s.parse().ok()) {
            map.entry(id).or_insert_with(|| name.to_vec());
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_c_library() {
        assert_eq!(user_id("root"), Some(0));
        assert_eq!(group_id("root"), Some(0));
        assert_eq!(user_id("no-such-user-xyzzy"), None);
        assert_eq!(user_name(0).as_deref(), Some("root"));
        assert_eq!(group_name(0).as_deref(), Some("root"));
    }

    #[test]
    fn passwd_lines_first_entry_wins() {
        let map = parse_passwd(b"root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\nbad:x:y\nx\n");
        assert_eq!(map.get(&0).map(Vec::as_slice), Some(&b"root"[..]));
        assert_eq!(map.len(), 1);
    }
}
