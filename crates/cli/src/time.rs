//! `-ts`/`-te` arguments and the reference's time formats.
//!
//! The steps mirror the reference (ausearch-time.c) call for call on one
//! broken-down time, because `mktime` normalises the structure it is given
//! and later steps see that: doing the same calls in the same order is what
//! makes DST edges and odd dates agree.

use raudit_sys::clock::{self, Parsed, Tm};

/// Which end of the window an argument sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Start,
    End,
}

impl Bound {
    fn word(self) -> &'static str {
        match self {
            Bound::Start => "start",
            Bound::End => "end",
        }
    }
}

/// The reference's time keywords (3.0.9 has no `this-hour`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Now,
    Recent,
    Boot,
    Today,
    Yesterday,
    ThisWeek,
    WeekAgo,
    ThisMonth,
    ThisYear,
}

impl Keyword {
    pub fn lookup(word: &str) -> Option<Keyword> {
        Some(match word {
            "now" => Keyword::Now,
            "recent" => Keyword::Recent,
            "boot" => Keyword::Boot,
            "today" => Keyword::Today,
            "yesterday" => Keyword::Yesterday,
            "this-week" => Keyword::ThisWeek,
            "week-ago" => Keyword::WeekAgo,
            "this-month" => Keyword::ThisMonth,
            "this-year" => Keyword::ThisYear,
            _ => return None,
        })
    }

    /// Keywords that keep their clock time instead of midnight.
    fn keeps_clock(self) -> bool {
        matches!(self, Keyword::Now | Keyword::Recent | Keyword::Boot)
    }
}

const SECONDS_IN_DAY: i64 = 24 * 60 * 60;

fn replace_time(d: &mut Tm, from: &Tm) {
    d.sec = from.sec;
    d.min = from.min;
    d.hour = from.hour;
}

fn replace_date(d: &mut Tm, from: &Tm) {
    d.mday = from.mday;
    d.mon = from.mon;
    d.year = from.year;
    d.isdst = from.isdst;
    d.wday = from.wday;
    d.yday = from.yday;
}

fn midnight(d: &mut Tm) {
    d.sec = 0;
    d.min = 0;
    d.hour = 0;
}

/// Seconds since boot, rounded, from /proc/uptime.
fn uptime() -> Result<i64, String> {
    let text =
        std::fs::read_to_string("/proc/uptime").map_err(|e| format!("Can't read uptime ({e})"))?;
    let first = text.split(' ').next().unwrap_or("");
    let secs: f32 =
        first.trim().parse().map_err(|_| "Can't read uptime (Invalid argument)".to_string())?;
    Ok((secs + 0.5) as i64)
}

fn set_keyword(k: Keyword, d: &mut Tm, now: i64) -> Result<(), String> {
    match k {
        Keyword::Now => {
            let tv = clock::localtime(now);
            replace_time(d, &tv);
            replace_date(d, &tv);
        }
        Keyword::Recent => {
            let tv = clock::localtime(now - 600);
            replace_time(d, &tv);
            replace_date(d, &tv);
        }
        Keyword::Boot => {
            let tv = clock::localtime(now - uptime()?);
            replace_time(d, &tv);
            replace_date(d, &tv);
        }
        Keyword::Today => {
            midnight(d);
            replace_date(d, &clock::localtime(now));
        }
        Keyword::Yesterday => {
            midnight(d);
            replace_date(d, &clock::localtime(now - SECONDS_IN_DAY));
        }
        Keyword::ThisWeek => {
            midnight(d);
            let tv = clock::localtime(now);
            replace_date(d, &clock::localtime(now - i64::from(tv.wday) * SECONDS_IN_DAY));
        }
        Keyword::WeekAgo => {
            midnight(d);
            replace_date(d, &clock::localtime(now - 7 * SECONDS_IN_DAY));
        }
        Keyword::ThisMonth => {
            midnight(d);
            replace_date(d, &clock::localtime(now));
            d.mday = 1;
        }
        Keyword::ThisYear => {
            midnight(d);
            replace_date(d, &clock::localtime(now));
            d.mday = 1;
            d.mon = 0;
            d.isdst = 0;
        }
    }
    Ok(())
}

/// Resolves one bound from an optional date word and an optional time word,
/// as `ausearch_time_start`/`ausearch_time_end` do. The error is the
/// reference's message.
pub fn resolve(
    bound: Bound,
    date: Option<&str>,
    time: Option<&str>,
    now: i64,
) -> Result<i64, String> {
    let w = bound.word();
    let mut d = Tm::default();
    match date {
        None => set_keyword(Keyword::Now, &mut d, now)?,
        Some(da) => match Keyword::lookup(da) {
            None => {
                match clock::strptime(da, "%x", &mut d) {
                    Parsed::NoMatch => {
                        return Err(format!(
                            "Invalid {w} date ({da}). Month, Day, and Year are required."
                        ));
                    }
                    Parsed::Trailing => return Err(format!("Error parsing {w} date ({da})")),
                    Parsed::Full => {}
                }
                // COMPAT: ausearch-time.c: the reference calls mktime here
                // and uses the normalised structure from then on.
                mktime_normalise(&mut d);
            }
            Some(k) => {
                set_keyword(k, &mut d, now)?;
                let midnight_time = time.is_none() || time == Some("00:00:00");
                if k.keeps_clock() && midnight_time {
                    return convert(bound, d);
                }
                // COMPAT: ausearch-time.c ausearch_time_end: `-te today`
                // means now, not midnight.
                if bound == Bound::End && k == Keyword::Today {
                    set_keyword(Keyword::Now, &mut d, now)?;
                    if midnight_time {
                        return convert(bound, d);
                    }
                }
            }
        },
    }
    match time {
        Some(ti) => {
            // COMPAT: ausearch-time.c: up to 5 characters (`22:15`) get `:00`.
            let full =
                if ti.len() <= 5 { format!("{ti}:00") } else { ti.chars().take(63).collect() };
            match clock::strptime(&full, "%X", &mut d) {
                Parsed::NoMatch => {
                    return Err(format!(
                        "Invalid {w} time ({ti}). Hour, Minute, and Second are required."
                    ));
                }
                Parsed::Trailing => return Err(format!("Error parsing {w} time ({ti})")),
                Parsed::Full => {}
            }
        }
        None => match bound {
            Bound::Start => d = Tm::default(),
            // COMPAT: ausearch-time.c: `-te DATE` takes the current clock time.
            Bound::End => {
                let tv = clock::localtime(now);
                d.hour = tv.hour;
                d.min = tv.min;
                d.sec = tv.sec;
                d.isdst = tv.isdst;
            }
        },
    }
    if d.year < 104 {
        return Err(format!("Error - year is {}", d.year + 1900));
    }
    convert(bound, d)
}

/// What `mktime` does to its argument besides returning the time.
fn mktime_normalise(tm: &mut Tm) {
    if let Some(t) = clock::mktime(*tm) {
        *tm = clock::localtime(t);
    }
}

fn convert(bound: Bound, d: Tm) -> Result<i64, String> {
    clock::mktime(d).ok_or_else(|| format!("Error converting {} time", bound.word()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // These run in whatever TZ the test process has; they compare against
    // the C library itself, so they hold in any zone.
    #[test]
    fn dates_times_and_messages() {
        let now = 1_700_000_000;
        let start = resolve(Bound::Start, Some("11/14/23"), Some("22:15"), now).unwrap();
        assert_eq!(clock::ctime(&clock::localtime(start))[11..19].to_string(), "22:15:00");
        assert_eq!(
            resolve(Bound::Start, Some("2023-11-14"), Some("00:00:00"), now).unwrap_err(),
            "Invalid start date (2023-11-14). Month, Day, and Year are required."
        );
        assert_eq!(
            resolve(Bound::End, None, Some("22:13:30.123"), now).unwrap_err(),
            "Error parsing end time (22:13:30.123)"
        );
        assert_eq!(resolve(Bound::Start, Some("now"), Some("00:00:00"), now), Ok(now));
        let today = resolve(Bound::Start, Some("today"), Some("00:00:00"), now).unwrap();
        assert!(today <= now && now - today < SECONDS_IN_DAY + 3600);
        assert_eq!(resolve(Bound::End, Some("today"), None, now), Ok(now));
        assert_eq!(
            resolve(Bound::Start, Some("01/01/99"), Some("00:00:00"), now).unwrap_err(),
            "Error - year is 1999"
        );
    }
}
