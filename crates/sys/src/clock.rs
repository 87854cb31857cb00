//! Local time and the locale through the C library: `setlocale`,
//! `localtime_r`, `mktime`, `strptime` and `strftime`, whose exact answers
//! (DST edges, the locale's `%x`) the reference's output depends on.
//! Also the two pure forms built on a broken-down time: `ctime`'s text and
//! a UTC breakdown for fixed zones.

use std::ffi::CString;

/// A broken-down time (`struct tm`), the fields we use.
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
    /// Seconds east of UTC (`tm_gmtoff`).
    pub gmtoff: i64,
}

impl Tm {
    fn to_c(self) -> libc::tm {
        // SAFETY: libc::tm is plain data; all-zero is a valid value
        // (tm_zone a null pointer, which mktime, strptime and strftime
        // accept).
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
        t.tm_gmtoff = libc::c_long::try_from(self.gmtoff).unwrap_or(0);
        t
    }

    // c_long is i64 here but i32 on 32-bit targets.
    #[allow(clippy::useless_conversion)]
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
            gmtoff: i64::from(t.tm_gmtoff),
        }
    }

    /// `sec` broken down in a zone `offset` seconds east of UTC, without
    /// DST (what a fixed test zone needs; no C library involved).
    pub fn fixed_zone(sec: i64, offset: i64) -> Tm {
        // Any bytes may be a log's seconds: never overflow.
        let local = sec.saturating_add(offset);
        let days = local.div_euclid(86_400);
        let in_day = local.rem_euclid(86_400);
        let (year, mon, mday) = civil_from_days(days);
        let jan1 = days_from_civil(year, 1, 1);
        Tm {
            sec: (in_day % 60) as i32,
            min: (in_day / 60 % 60) as i32,
            hour: (in_day / 3600) as i32,
            mday: mday as i32,
            mon: (mon - 1) as i32,
            year: (year - 1900) as i32,
            // 1970-01-01 was a Thursday.
            wday: (days + 4).rem_euclid(7) as i32,
            yday: (days - jan1) as i32,
            isdst: 0,
            gmtoff: offset,
        }
    }
}

/// The proleptic Gregorian (year, month 1-12, day) of a day count since
/// 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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

/// `localtime_r`: `t` in the process's time zone (all zero when the C
/// library cannot represent it).
pub fn localtime(t: i64) -> Tm {
    // SAFETY: zeroed tm is valid; localtime_r writes it and only reads `secs`.
    let mut out: libc::tm = unsafe { std::mem::zeroed() };
    let secs = t as libc::time_t;
    // SAFETY: both pointers are valid for the call.
    let ok = unsafe { libc::localtime_r(&secs, &mut out) };
    if ok.is_null() { Tm::default() } else { Tm::from_c(&out) }
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

/// `strftime` into a String (formats of at most a few dozen bytes), in
/// the locale [`set_locale_from_env`] chose.
pub fn strftime(format: &str, tm: &Tm) -> String {
    let Ok(format) = CString::new(format) else { return String::new() };
    let t = tm.to_c();
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its length; format and t are valid.
    let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), buf.len(), format.as_ptr(), &t) };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// `ctime()` without the newline: `Tue Nov 14 22:13:30 2023` (always
/// English, as in C).
pub fn ctime(t: &Tm) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        DAYS[t.wday.rem_euclid(7) as usize],
        MONTHS[t.mon.rem_euclid(12) as usize],
        t.mday,
        t.hour,
        t.min,
        t.sec,
        i64::from(t.year) + 1900
    )
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

    #[test]
    fn fixed_zones_break_down_as_gmtime() {
        // 2023-11-14 22:13:20 UTC, a Tuesday, day 317 of the year.
        let t = Tm::fixed_zone(1_700_000_000, 0);
        assert_eq!(
            (t.year, t.mon, t.mday, t.hour, t.min, t.sec, t.wday, t.yday),
            (123, 10, 14, 22, 13, 20, 2, 317)
        );
        assert_eq!(ctime(&t), "Tue Nov 14 22:13:20 2023");
        // Two hours east: already the next day there.
        let t = Tm::fixed_zone(1_700_000_000, 3600 * 2);
        assert_eq!(ctime(&t), "Wed Nov 15 00:13:20 2023");
        assert_eq!(ctime(&Tm::fixed_zone(-1, 0)), "Wed Dec 31 23:59:59 1969");
        assert_eq!(strftime("%Y-%m-%d %T", &Tm::fixed_zone(951_782_400, 0)), "2000-02-29 00:00:00");
        let _ = Tm::fixed_zone(i64::MAX, 3600);
        let _ = Tm::fixed_zone(i64::MIN, -3600);
    }
}
