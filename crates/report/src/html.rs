//! `--html FILE`: every summary report on one self-contained page, as
//! tables, with inline SVG charts (events and failed logins over time,
//! top executables, files and users). No scripts, fonts or other assets.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::kind::Kind;
use crate::lookup::{self, Enriched, Lookup};
use crate::scanner::{HTML_REPORTS, HtmlShare, Prepared};
use crate::tally::{Numbers, Strings, SummaryData};

/// What the page is built from, gathered in event order.
#[derive(Default)]
pub struct Page {
    pub summary: SummaryData,
    strings: Vec<Strings>,
    numbers: Vec<Numbers>,
    per_second: BTreeMap<i64, u64>,
    failed_logins_per_second: BTreeMap<i64, u64>,
}

impl Page {
    pub fn new() -> Self {
        Page {
            strings: HTML_REPORTS.iter().map(|_| Strings::default()).collect(),
            numbers: HTML_REPORTS.iter().map(|_| Numbers::default()).collect(),
            ..Page::default()
        }
    }

    pub fn add(&mut self, sec: u64, share: HtmlShare) {
        let sec = sec as i64;
        *self.per_second.entry(sec).or_insert(0) += 1;
        if share.failed_login {
            *self.failed_logins_per_second.entry(sec).or_insert(0) += 1;
        }
        self.summary.add(&share.totals);
        for (i, keys) in share.keys.into_iter().enumerate() {
            match keys {
                Prepared::Strings(v) => v.iter().for_each(|s| self.strings[i].add(s)),
                Prepared::Key(k) => self.strings[i].add(&k),
                Prepared::Number(n) => self.numbers[i].add(n),
                _ => {}
            }
        }
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn title_of(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Exe => ("Executables", "executable"),
        Kind::File => ("Files", "file"),
        Kind::User => ("Users", "auid"),
        Kind::Login => ("Logins", "user"),
        Kind::Auth => ("Authentications", "account"),
        Kind::Host => ("Hosts", "host"),
        Kind::Term => ("Terminals", "terminal"),
        Kind::Comm => ("Commands", "command"),
        Kind::Syscall => ("Syscalls", "syscall"),
        Kind::Key => ("Rule keys", "key"),
        Kind::Event => ("Event types", "type"),
        Kind::Pid => ("Process IDs", "pid"),
        Kind::Avc => ("AVC objects", "object"),
        Kind::Config => ("Configuration changes", "type"),
        Kind::AcctMod => ("Account modifications", "type"),
        Kind::Anomaly => ("Anomalies", "type"),
        Kind::Response => ("Responses to anomalies", "type"),
        Kind::Mac => ("MAC events", "type"),
        Kind::Crypto => ("Crypto events", "type"),
        Kind::Integrity => ("Integrity events", "type"),
        Kind::Virt => ("Virtualization events", "type"),
        _ => ("", ""),
    }
}

/// Bars over time, `series` per second, folded into at most 60 buckets.
fn time_chart(
    series: &BTreeMap<i64, u64>,
    span: (i64, i64),
    label: &str,
    color: &str,
    lookup: &Lookup<'_>,
) -> String {
    let (first, last) = span;
    if series.is_empty() || last < first {
        return format!(
            "<p class=\"none\" data-chart=\"{}\">No {} in the logs.</p>\n",
            esc(label),
            esc(label)
        );
    }
    let seconds = (last - first + 1).max(1);
    let width = (seconds + 59) / 60;
    let buckets = ((seconds + width - 1) / width) as usize;
    let mut counts = vec![0u64; buckets];
    for (&m, &c) in series {
        let i = ((m - first) / width).clamp(0, buckets as i64 - 1) as usize;
        counts[i] += c;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let (w, h, left, bottom) = (760.0, 180.0, 50.0, 30.0);
    let bar = (w - left) / buckets as f64;
    let mut svg = format!(
        "<svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"{}\">\n",
        esc(label),
        h + bottom,
        esc(label)
    );
    let _ = writeln!(
        svg,
        "<text x=\"0\" y=\"12\" class=\"axis\">{max}</text><text x=\"0\" y=\"{h}\" class=\"axis\">0</text>"
    );
    for (i, &c) in counts.iter().enumerate() {
        let bh = c as f64 / max as f64 * (h - 10.0);
        let start = first + i as i64 * width;
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{} {c}</title></rect>",
            left + i as f64 * bar,
            h - bh,
            (bar - 1.0).max(0.5),
            bh,
            esc(&lookup.date(start))
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{left}\" y=\"{}\" class=\"axis\">{}</text><text x=\"{w}\" y=\"{}\" text-anchor=\"end\" class=\"axis\">{}</text>\n</svg>",
        h + 20.0,
        esc(&lookup.date(first)),
        h + 20.0,
        esc(&lookup.date(last))
    );
    svg
}

/// Horizontal bars for the top entries of a report.
fn top_chart(label: &str, rows: &[(String, u64)]) -> String {
    let rows = &rows[..rows.len().min(10)];
    if rows.is_empty() {
        return format!(
            "<p class=\"none\" data-chart=\"{}\">No {} in the logs.</p>\n",
            esc(label),
            esc(label)
        );
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    let (w, row_h, text_w) = (760.0, 22.0, 320.0);
    let mut svg = format!(
        "<svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"{}\">\n",
        esc(label),
        row_h * rows.len() as f64 + 4.0,
        esc(label)
    );
    for (i, (name, count)) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let bw = *count as f64 / max as f64 * (w - text_w - 60.0);
        let shown: String = if name.chars().count() > 44 {
            format!(
                "…{}",
                name.chars()
                    .rev()
                    .take(43)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<String>()
            )
        } else {
            name.clone()
        };
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"label\">{}</text><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"#3b6ea5\"><title>{} {count}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" class=\"label\">{count}</text>",
            text_w - 6.0,
            y + 15.0,
            esc(&shown),
            text_w,
            y + 3.0,
            row_h - 6.0,
            esc(name),
            text_w + bw + 4.0,
            y + 15.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A report's rows as (value, count), most frequent first.
fn rows_of(page: &Page, i: usize, kind: Kind, lookup: &Lookup<'_>) -> Vec<(String, u64)> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match kind {
        Kind::Pid => {
            page.numbers[i].sorted().into_iter().map(|(n, c)| (n.to_string(), c)).collect()
        }
        Kind::Event
        | Kind::Config
        | Kind::AcctMod
        | Kind::Anomaly
        | Kind::Response
        | Kind::Mac
        | Kind::Crypto
        | Kind::Integrity
        | Kind::Virt => page.numbers[i]
            .sorted()
            .into_iter()
            .map(|(n, c)| (format!("{} ({n})", lookup::type_name(n)), c))
            .collect(),
        Kind::User | Kind::Login | Kind::Auth => page.strings[i]
            .sorted()
            .into_iter()
            .map(|(s, c)| {
                let shown = if s.first().is_some_and(|&b| b == b'-' || b.is_ascii_digit()) {
                    let n = String::from_utf8_lossy(s).parse::<i64>().unwrap_or(0) as u32;
                    text(&lookup.uid(n, Enriched::default()))
                } else {
                    text(s)
                };
                (shown, *c)
            })
            .collect(),
        _ => page.strings[i].sorted().into_iter().map(|(s, c)| (text(s), *c)).collect(),
    }
}

/// The whole page. `range` is the summary's two time lines.
pub fn render(page: &Page, range: &[String], title_prefix: &str, lookup: &Lookup<'_>) -> String {
    let d = &page.summary;
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(h, "<title>{}Audit report</title>", esc(title_prefix));
    h.push_str(
        "<style>\nbody{font-family:sans-serif;margin:2em;color:#222;max-width:70em}\n\
         h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}\n\
         table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}\n\
         td.n{text-align:right;font-variant-numeric:tabular-nums}\n\
         .chart{width:100%;max-width:760px;height:auto;display:block;margin:.5em 0}\n\
         .axis,.label{font-size:11px;fill:#444}.none{color:#777}\n\
         nav a{margin-right:.8em}\n</style>\n</head>\n<body>\n",
    );
    let _ = writeln!(h, "<h1>{}Audit report</h1>", esc(title_prefix));
    for line in range {
        let _ = writeln!(h, "<p class=\"range\">{}</p>", esc(line));
    }
    h.push_str("<nav>");
    h.push_str("<a href=\"#summary\">Summary</a><a href=\"#charts\">Charts</a>");
    for &k in HTML_REPORTS {
        let (t, _) = title_of(k);
        let _ = write!(h, "<a href=\"#r-{}\">{}</a>", t.to_lowercase().replace(' ', "-"), esc(t));
    }
    h.push_str("</nav>\n<h2 id=\"summary\">Summary</h2>\n<table id=\"summary-table\">\n");
    for (label, n) in d.counts() {
        let mut title = label.to_string();
        title[..1].make_ascii_uppercase();
        let _ = writeln!(h, "<tr><th>{}</th><td class=\"n\">{n}</td></tr>", esc(&title));
    }
    h.push_str("</table>\n<h2 id=\"charts\">Charts</h2>\n");
    let span = match (page.per_second.keys().next(), page.per_second.keys().next_back()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => (0, -1),
    };
    h.push_str("<h3>Events over time</h3>\n");
    h.push_str(&time_chart(&page.per_second, span, "events", "#3b6ea5", lookup));
    h.push_str("<h3>Failed logins over time</h3>\n");
    h.push_str(&time_chart(
        &page.failed_logins_per_second,
        span,
        "failed logins",
        "#b03a2e",
        lookup,
    ));
    let all_rows: Vec<Vec<(String, u64)>> =
        HTML_REPORTS.iter().enumerate().map(|(i, &k)| rows_of(page, i, k, lookup)).collect();
    for (kind, label) in [(Kind::Exe, "executables"), (Kind::File, "files"), (Kind::User, "users")]
    {
        let i = HTML_REPORTS.iter().position(|&k| k == kind).unwrap_or(0);
        let _ = writeln!(h, "<h3>Top {label}</h3>");
        h.push_str(&top_chart(label, &all_rows[i]));
    }
    const SHOWN: usize = 100;
    for (i, &kind) in HTML_REPORTS.iter().enumerate() {
        let (t, column) = title_of(kind);
        let rows = &all_rows[i];
        let id = t.to_lowercase().replace(' ', "-");
        let _ = writeln!(h, "<h2 id=\"r-{id}\">{}</h2>", esc(t));
        if rows.is_empty() {
            h.push_str("<p class=\"none\">No events of interest were found.</p>\n");
            continue;
        }
        let _ = writeln!(
            h,
            "<table class=\"report\" data-report=\"{id}\">\n<tr><th>total</th><th>{}</th></tr>",
            esc(column)
        );
        for (name, count) in rows.iter().take(SHOWN) {
            let _ = writeln!(h, "<tr><td class=\"n\">{count}</td><td>{}</td></tr>", esc(name));
        }
        h.push_str("</table>\n");
        if rows.len() > SHOWN {
            let _ = writeln!(h, "<p class=\"none\">{} more not shown.</p>", rows.len() - SHOWN);
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}
