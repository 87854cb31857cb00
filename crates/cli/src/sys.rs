//! Safe wrappers over the few C library calls whose exact behaviour the
//! reference's output depends on: locale, local time and `strptime`.
#![deny(unsafe_op_in_unsafe_fn)]

use std::ffi::CString;

/// A broken-down local time (`struct tm`), the fields we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tm {
    pub sec: i32,
    pub min: i32,
    pub hour: i32,
    pub mday: i32,
    pub mon: i32,
    pub year: i32,
    pub wday: i32,
    pub yday: i32,
    pub isdst: i32,
}

impl Tm {
    fn to_c(self) -> libc::tm {
        // SAFETY: libc::tm is plain data; all-zero is a valid value
        // (tm_zone a null pointer, which mktime and strptime accept).
        let mut t: libc::tm = unsafe { std::mem::zeroed() };
        t.tm_sec = self.sec;
        t.tm_min = self.min;
        t.tm_hour = self.hour;
        t.tm_mday = self.mday;
        t.tm_mon = self.mon;
        t.tm_year = self.year;
        t.tm_wday = self.wday;
        t.tm_yday = self.yday;
        t.tm_isdst = self.isdst;
        t
    }

    fn from_c(t: &libc::tm) -> Tm {
        Tm {
            sec: t.tm_sec,
            min: t.tm_min,
            hour: t.tm_hour,
            mday: t.tm_mday,
            mon: t.tm_mon,
            year: t.tm_year,
            wday: t.tm_wday,
            yday: t.tm_yday,
            isdst: t.tm_isdst,
        }
    }
}

/// `setlocale(LC_ALL, "")`: take the locale from the environment, as the
/// reference tools do first thing.
pub fn set_locale_from_env() {
    // SAFETY: the argument is a valid NUL-terminated string; called once at
    // start-up before any other thread exists.
    unsafe {
        libc::setlocale(libc::LC_ALL, c"".as_ptr());
    }
}

/// Seconds since the epoch now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `localtime_r`.
pub fn localtime(t: i64) -> Tm {
    // SAFETY: zeroed tm is valid; localtime_r writes it and only reads `secs`.
    let mut out: libc::tm = unsafe { std::mem::zeroed() };
    let secs = t as libc::time_t;
    // SAFETY: both pointers are valid for the call.
    let ok = unsafe { libc::localtime_r(&secs, &mut out) };
    if ok.is_null() { Tm::default() } else { Tm::from_c(&out) }
}

/// The offset from UTC (seconds east) of local time at `t`.
pub fn gmtoff(t: i64) -> i64 {
    // SAFETY: zeroed tm is valid; localtime_r writes it and only reads `secs`.
    let mut out: libc::tm = unsafe { std::mem::zeroed() };
    let secs = t as libc::time_t;
    // SAFETY: both pointers are valid for the call.
    let ok = unsafe { libc::localtime_r(&secs, &mut out) };
    if ok.is_null() { 0 } else { out.tm_gmtoff as i64 }
}

/// `mktime`: None when it returns -1.
pub fn mktime(tm: Tm) -> Option<i64> {
    let mut t = tm.to_c();
    // SAFETY: t is a valid, initialised tm.
    let r = unsafe { libc::mktime(&mut t) };
    (r != -1).then_some(r as i64)
}

/// What `strptime` made of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// The format did not match.
    NoMatch,
    /// It matched but characters were left over.
    Trailing,
    Full,
}

/// `strptime(text, format, tm)`, updating `tm` in place as C does.
pub fn strptime(text: &str, format: &str, tm: &mut Tm) -> Parsed {
    let (Ok(text), Ok(format)) = (CString::new(text), CString::new(format)) else {
        return Parsed::NoMatch;
    };
    let mut t = tm.to_c();
    // SAFETY: both strings are NUL-terminated and outlive the call; t is valid.
    let end = unsafe { libc::strptime(text.as_ptr(), format.as_ptr(), &mut t) };
    *tm = Tm::from_c(&t);
    if end.is_null() {
        return Parsed::NoMatch;
    }
    // SAFETY: strptime returns a pointer into `text`, which is NUL-terminated.
    if unsafe { *end } == 0 { Parsed::Full } else { Parsed::Trailing }
}

/// `strftime` into a String (formats of at most a few dozen bytes).
pub fn strftime(format: &str, tm: Tm) -> String {
    let Ok(format) = CString::new(format) else { return String::new() };
    let t = tm.to_c();
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its length; format and t are valid.
    let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), buf.len(), format.as_ptr(), &t) };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strptime_reports_leftovers() {
        let mut tm = Tm::default();
        assert_eq!(strptime("22:15:00", "%H:%M:%S", &mut tm), Parsed::Full);
        assert_eq!((tm.hour, tm.min), (22, 15));
        assert_eq!(strptime("22:15:00.5", "%H:%M:%S", &mut tm), Parsed::Trailing);
        assert_eq!(strptime("x", "%H:%M:%S", &mut tm), Parsed::NoMatch);
    }
}

/// `getpwnam_r`: a user name's uid, through NSS as the reference does.
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

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_from_the_c_library() {
        assert_eq!(user_id("root"), Some(0));
        assert_eq!(group_id("root"), Some(0));
        assert_eq!(user_id("no-such-user-xyzzy"), None);
    }
}
