//! `aureport --html`: the page holds the same figures as the text reports
//! and renders, offline, in headless Chromium (DOM and screenshot).
//! Chromium is required under CI=true (scripts/install-prereqs installs it)
//! and the rendering part is skipped without it.

use std::path::Path;
use std::process::Command;

use raudit_testkit::workspace_root;

/// `DIR/aureport`, a link to raudit.
fn aureport_link(dir: &Path) -> std::path::PathBuf {
    let tool = dir.join("aureport");
    if !tool.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_raudit"), &tool).unwrap();
    }
    tool
}

fn aureport(dir: &Path, args: &[&str]) -> (String, i32) {
    let out = Command::new(aureport_link(dir))
        .args(args)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1))
}

/// `N  VALUE` lines of a text summary report, in order.
fn summary_rows(text: &str) -> Vec<(u64, String)> {
    text.lines()
        .filter_map(|l| {
            let (n, v) = l.split_once("  ")?;
            Some((n.parse().ok()?, v.to_string()))
        })
        .collect()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
}

#[test]
fn html_page_matches_the_text_reports_and_renders() {
    let root = workspace_root();
    let log = root.join("testdata/logs/synthetic.log");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let log_arg = log.to_str().unwrap();
    // The page is the output: stdout stays empty, stderr names the file,
    // and only its owner may read it.
    let run = Command::new(aureport_link(dir.path()))
        .args(["-if", log_arg, "--html", page.to_str().unwrap()])
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(String::from_utf8_lossy(&run.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        format!("aureport: wrote {}\n", page.display())
    );
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&page).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    // An existing page is rewritten private too.
    std::fs::set_permissions(&page, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let (stdout, code) = aureport(dir.path(), &["-if", log_arg, "--html", page.to_str().unwrap()]);
    assert_eq!((stdout.as_str(), code), ("", 0));
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&page).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no scripts, no external references.
    for banned in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(banned), "the page must not contain {banned}");
    }
    // The main summary: same numbers as the text report.
    let (text, _) = aureport(dir.path(), &["-if", log_arg]);
    let events: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("Number of events: "))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(events > 0);
    assert!(html.contains(&format!("<tr><th>Events</th><td class=\"n\">{events}</td></tr>")));
    // Each table holds the rows of the matching --summary report.
    for (flag, id) in [("-x", "executables"), ("-f", "files"), ("-k", "rule-keys"), ("-h", "hosts")]
    {
        let (text, _) = aureport(dir.path(), &["-if", log_arg, flag, "--summary"]);
        let rows = summary_rows(&text);
        let table_start = html.find(&format!("data-report=\"{id}\"")).map(|at| &html[at..]);
        if rows.is_empty() {
            assert!(table_start.is_none(), "{id}: no table expected");
            continue;
        }
        let table = table_start.unwrap_or_else(|| panic!("{id}: table missing"));
        let table = &table[..table.find("</table>").unwrap()];
        for (n, v) in rows.iter().take(100) {
            let row = format!("<tr><td class=\"n\">{n}</td><td>{}</td></tr>", html_escape(v));
            assert!(table.contains(&row), "{id}: missing {row}");
        }
    }
    // Charts: events over time and the three top charts.
    for chart in ["events", "failed logins", "executables", "files", "users"] {
        assert!(html.contains(&format!("data-chart=\"{chart}\"")), "chart {chart} missing");
    }

    let Some(browser) = chromium().or_else(|| {
        raudit_testkit::skip("report_html rendering: no chromium (scripts/install-prereqs)")
    }) else {
        return;
    };
    let profile = dir.path().join("profile");
    let common = |extra: &[&str]| {
        let mut c = Command::new(browser);
        c.args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", page.display()));
        c
    };
    // Chromium's own complaints (no D-Bus here) stay captured unless it fails.
    let dom = common(&["--dump-dom"]).output().unwrap();
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("Audit report"));
    assert!(dom.contains("<svg"), "the rendered DOM has the charts");
    assert!(dom.matches("<rect").count() >= 3, "the charts have bars");
    assert!(dom.contains(&format!("{events}</td>")));
    let shot = dir.path().join("shot.png");
    let shot_run =
        common(&[&format!("--screenshot={}", shot.display()), "--window-size=1200,2400"])
            .output()
            .unwrap();
    assert!(
        shot_run.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&shot_run.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    // A blank page compresses to almost nothing; a page with tables and
    // bars does not.
    assert!(png.len() > 20_000, "the screenshot looks blank ({} bytes)", png.len());
}

#[test]
fn html_is_refused_with_a_report_option() {
    let dir = tempfile::tempdir().unwrap();
    let log = workspace_root().join("testdata/logs/synthetic.log");
    let page = dir.path().join("r.html");
    let (_, code) = aureport(
        dir.path(),
        &["-if", log.to_str().unwrap(), "-x", "--html", page.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(!page.exists());
}
