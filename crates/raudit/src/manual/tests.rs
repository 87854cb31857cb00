//! The generated docs cover every tool, every option each parser accepts and
//! every config key; the parsers' sources are checked against their tables.

use super::*;
use crate::TOOLS;

#[test]
fn every_tool_has_a_page_and_every_page_a_tool() {
    for t in TOOLS {
        assert!(
            page(t.subcommand).is_some(),
            "tool {} has no man page: add a Page (and a flag table) in manual/pages.rs",
            t.subcommand
        );
    }
    for p in PAGES {
        assert!(p.tool().is_some(), "page {} names no tool", p.subcommand);
    }
}

#[test]
fn every_flag_table_is_sound() {
    for p in PAGES {
        let problems = raudit_cli::flags::check_table(&(p.flags)());
        assert!(problems.is_empty(), "{}: {problems:?}", p.subcommand);
    }
}

/// Option-like string literals (`"-x"`, `"--word"`) in a parser's source,
/// before its tests.
fn option_literals(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or(source);
    let mut out = Vec::new();
    for piece in code.split('"').skip(1).step_by(2) {
        let body = piece.trim_start_matches('-');
        let dashes = piece.len() - body.len();
        if (1..=2).contains(&dashes)
            && body.starts_with(|c: char| c.is_ascii_alphabetic())
            && body.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            out.push(piece.to_string());
        }
    }
    out
}

/// fleet/imp.rs parses ship, collect and search: each tool's check leaves out
/// the words of the others (and ausearch's, which fleet search passes on).
const FLEET_NOT_SHIP: [&str; 16] = [
    "--out",
    "--init",
    "--replicas",
    "--max-age",
    "--duplicate-window",
    "--idle-exit",
    "--max-log-file",
    "--num-logs",
    "--durable",
    "--state",
    "-if",
    "--input",
    "--input-logs",
    "--format",
    "--help",
    "-h",
];
const FLEET_NOT_COLLECT: [&str; 12] = [
    "--host",
    "--spool",
    "--spool-cap",
    "--window",
    "--config",
    "--from-log",
    "-if",
    "--input",
    "--input-logs",
    "--format",
    "--help",
    "-h",
];

/// Each hand-written parser: the words it compares arguments with are in its
/// flag table, so an option added without docs fails here. ausearch's parser
/// looks every word up in its table; auditctl's getopt tables are checked in
/// raudit-rules.
#[test]
fn every_option_a_parser_accepts_is_in_its_table() {
    let parsers: &[(&str, &str, &[&str])] = &[
        ("daemon", include_str!("../tools/daemon.rs"), &[]),
        // `--help` only skips the root check; the engine then refuses it, as the reference does.
        ("ctl", include_str!("../tools/ctl.rs"), &["--help"]),
        ("report", include_str!("../tools/report/args.rs"), &[]),
        ("trace", include_str!("../tools/trace.rs"), &[]),
        ("rules", include_str!("../tools/rules.rs"), &[]),
        ("syscall", include_str!("../tools/syscall.rs"), &[]),
        ("remote", include_str!("../tools/remote.rs"), &[]),
        ("syslog", include_str!("../tools/syslog.rs"), &[]),
        ("last", include_str!("../tools/last.rs"), &[]),
        ("lastlog", include_str!("../tools/lastlog.rs"), &[]),
        ("virt", include_str!("../tools/virt.rs"), &["--sdtin"]),
        ("verify", include_str!("../tools/verify.rs"), &[]),
        ("index", include_str!("../tools/index.rs"), &["--"]),
        ("doctor", include_str!("../tools/doctor.rs"), &[]),
        ("bpf", include_str!("../tools/bpf/args.rs"), &[]),
        ("ship", include_str!("../tools/fleet/imp.rs"), &FLEET_NOT_SHIP),
        ("collect", include_str!("../tools/fleet/imp.rs"), &FLEET_NOT_COLLECT),
    ];
    for (sub, source, not_options) in parsers {
        let flags = (page(sub).expect("page").flags)();
        let literals = option_literals(source);
        for word in literals.iter().filter(|w| !not_options.contains(&w.as_str())) {
            assert!(
                raudit_cli::flags::find(&flags, word).is_some(),
                "{sub}'s parser accepts {word}, but its flag table does not document it"
            );
        }
    }
    assert!(option_literals(include_str!("../tools/daemon.rs")).contains(&"--state".to_string()));
}

#[test]
fn option_literals_are_found() {
    let src =
        r#"match a { "-f" => 1, "--load-rules" => 2, "x-y" => 3, "-" => 4, "Usage: -f" => 5 }"#;
    assert_eq!(option_literals(src), ["-f", "--load-rules"]);
}

#[test]
fn syslog_words_are_the_plugins() {
    assert_eq!(pages::SYSLOG_WORDS.to_vec(), crate::tools::syslog::operand_words());
}

#[test]
fn every_config_key_is_documented_and_no_more() {
    for c in CONF_PAGES {
        let mut documented: Vec<&str> = c.keys.iter().map(|(k, _, _)| *k).collect();
        let mut parsed = (c.parser_keys)();
        documented.sort_unstable();
        parsed.sort_unstable();
        assert_eq!(documented, parsed, "{}: documented keys differ from the parser's", c.name);
    }
}

#[test]
fn every_option_is_in_its_page_and_completions() {
    let man = roff::all_pages();
    let comp = complete::all_files();
    let text_of = |files: &[(String, String)], name: &str| {
        files.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone()).unwrap_or_default()
    };
    let (bash, zsh) = (text_of(&comp, "bash/raudit"), text_of(&comp, "zsh/_raudit"));
    for p in PAGES {
        let page = text_of(&man, &format!("man8/{}.8", p.man_name()));
        for f in (p.flags)() {
            for n in f.names() {
                assert!(
                    page.contains(&format!("\\fB{}\\fR", n.replace('-', "\\-"))),
                    "{n} not in {}",
                    p.man_name()
                );
                assert!(zsh.contains(&format!("'*{n}[")), "{n} not in the zsh completion");
                assert!(bash.contains(n), "{n} not in the bash completion");
            }
        }
        for cmd in p.command_names() {
            let fish = text_of(&comp, &format!("fish/{cmd}.fish"));
            for f in (p.flags)() {
                for n in f.names() {
                    let spelled = match n.strip_prefix("--") {
                        Some(l) => format!("-l {l}"),
                        None => format!("-o {}", &n[1..]),
                    };
                    assert!(fish.contains(&spelled), "{n} not in {cmd}.fish");
                }
            }
        }
    }
    for c in CONF_PAGES {
        let page = text_of(&man, &format!("man5/{}.5", c.name));
        for k in (c.parser_keys)() {
            assert!(page.contains(&format!("\\fB{k}\\fR")), "{k} not in {}", c.name);
        }
    }
}

#[test]
fn roff_escapes_control_characters() {
    assert_eq!(roff::esc(".x \\ y"), "\\&.x \\e y");
    assert_eq!(roff::esc("'quoted"), "\\&'quoted");
}
