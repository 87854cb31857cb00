//! ENRICHED output against the reference auditd: `testdata/enriched/
//! reference.log` is what auditd 3.0.9 wrote with `log_format = ENRICHED`
//! (recorded by `scripts/gen-enriched-fixture` on the real kernel, with
//! ids that resolve the same on any Debian machine). Each line's RAW part
//! is enriched again by raudit and must come out byte for byte the same.

use raudit_daemon::enrich::{Enricher, SEPARATOR};

fn record_type(line: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(line);
    let name = text.strip_prefix("type=").and_then(|t| t.split(' ').next()).unwrap_or("");
    raudit_tables::msg_type::parse(name).and_then(|n| u16::try_from(n).ok()).unwrap_or(0)
}

#[test]
fn enrichment_matches_the_reference() {
    let path = raudit_testkit::workspace_root().join("testdata/logs/enriched-reference.log");
    let log = std::fs::read(path).expect("the fixture is in the repo");
    let enricher = Enricher::new(raudit_sys::SystemHost::new());
    let mut tally = raudit_testkit::Tally::new();
    for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let raw = match line.iter().position(|&b| b == SEPARATOR) {
            Some(i) => &line[..i],
            None => line,
        };
        let mut ours = raw.to_vec();
        ours.push(b'\n');
        enricher.enrich(&mut ours, record_type(raw));
        ours.pop();
        tally.check(ours == line, || {
            format!(
                "reference: {}\nraudit:    {}",
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(&ours)
            )
        });
    }
    assert!(tally.passed > 200, "the fixture holds the recorded records");
    tally.finish("ENRICHED records");
}
