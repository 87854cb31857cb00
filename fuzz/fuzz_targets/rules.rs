//! Any text as an audit.rules file: the splitter, the linter, and for each
//! line the rule builder auditctl uses (no kernel calls), then the `-l`
//! listing of every rule built, whose listing, built again, must settle:
//! nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raudit_rules::{Lister, RuleBuilder, lint, rules_file};

/// The rule options of one line, split as auditctl's getopt does (`-kKEY`
/// or `-k KEY`); None when the line holds something else (or a bad option).
fn rule_options(args: &[String]) -> Option<Vec<(char, String)>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let letters = args[i].strip_prefix('-').filter(|l| !l.is_empty())?;
        i += 1;
        let c = letters.chars().next()?;
        if !"aAdSFCwWpk".contains(c) {
            return None;
        }
        let rest = &letters[c.len_utf8()..];
        let v = if rest.is_empty() {
            i += 1;
            args.get(i - 1)?.clone()
        } else {
            rest.to_string()
        };
        out.push((c, v));
    }
    Some(out)
}

/// The listing of the rule a line builds, or None when it is refused.
fn build_and_list(args: &[String]) -> Option<String> {
    let mut b = RuleBuilder::new();
    for (c, v) in rule_options(args)? {
        b.option(c, &v)?.ok()?;
        let _ = b.take_warnings();
    }
    let (_, rule) = b.finish()?;
    let _ = rule.encode();
    Some(Lister::new().line(&rule))
}

/// A listing split back into arguments.
fn split(listed: &str) -> Vec<String> {
    listed.split(' ').filter(|a| !a.is_empty()).map(String::from).collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = lint::check(&text, &|_| true);
    for line in rules_file::parse(&text) {
        let Some(listed) = build_and_list(&line.args) else { continue };
        // Values with spaces or backslashes are printed raw by `-l`, so
        // their listing does not split back into the same arguments.
        if line.args.iter().any(|a| a.contains(|c: char| c == '\\' || c.is_whitespace())) {
            continue;
        }
        // `-l` prints what was stored and building normalises (a watch
        // loses its trailing slashes), so the listing may change once;
        // from then on it must be a fixed point.
        let Some(second) = build_and_list(&split(&listed)) else { continue };
        if let Some(third) = build_and_list(&split(&second)) {
            assert_eq!(third, second, "line {:?}, first listing {listed:?}", line.args);
        }
    }
});
