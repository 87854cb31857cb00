//! The checks as text (one line each, the fix indented below a problem) or as JSON (an array
//! of `{"id","status","finding","fix"}` objects, for monitoring scripts).

use std::fmt::Write;

use crate::checks::{Check, Status};

/// `STATUS  ID: finding` lines, `      fix: ...` under each warn and fail, then a summary.
pub fn text(checks: &[Check]) -> String {
    let mut s = String::new();
    for c in checks {
        let _ = writeln!(s, "{:<5} {}: {}", c.status.as_str(), c.id, c.finding);
        if c.status != Status::Ok && !c.fix.is_empty() {
            let _ = writeln!(s, "      fix: {}", c.fix);
        }
    }
    let count = |st: Status| checks.iter().filter(|c| c.status == st).count();
    let _ = writeln!(
        s,
        "{} ok, {} warn, {} fail",
        count(Status::Ok),
        count(Status::Warn),
        count(Status::Fail)
    );
    s
}

/// A JSON array, one object per check, one object per line.
pub fn json(checks: &[Check]) -> String {
    let mut s = String::from("[");
    for (i, c) in checks.iter().enumerate() {
        s.push_str(if i == 0 { "\n" } else { ",\n" });
        let _ = write!(
            s,
            "{{\"id\":{},\"status\":{},\"finding\":{},\"fix\":{}}}",
            quote(&c.id),
            quote(c.status.as_str()),
            quote(&c.finding),
            quote(&c.fix)
        );
    }
    s.push_str("\n]\n");
    s
}

/// A JSON string literal.
fn quote(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for ch in text.chars() {
        match ch {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", u32::from(c));
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(status: Status, finding: &str) -> Check {
        Check { id: "x.y".into(), status, finding: finding.into(), fix: "do \"it\"".into() }
    }

    #[test]
    fn text_shows_fixes_of_problems_only() {
        let t = text(&[c(Status::Ok, "fine"), c(Status::Fail, "bad")]);
        assert_eq!(
            t,
            "ok    x.y: fine\nfail  x.y: bad\n      fix: do \"it\"\n1 ok, 0 warn, 1 fail\n"
        );
    }

    #[test]
    fn json_escapes() {
        let j = json(&[c(Status::Warn, "a\\b\n\u{1}")]);
        assert_eq!(
            j,
            "[\n{\"id\":\"x.y\",\"status\":\"warn\",\"finding\":\"a\\\\b\\n\\u0001\",\"fix\":\"do \\\"it\\\"\"}\n]\n"
        );
        assert_eq!(json(&[]), "[\n]\n");
    }
}
