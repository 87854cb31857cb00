//! `raudit ctl --check FILE`: a rules-file linter, beyond the reference.
//!
//! It reads a rules file as `auditctl -R` would and reports what usually
//! goes wrong in real rule sets, and each rule's cost per syscall (printed on request:
//! the problems come first).
//!
//! Costs are this project's measurements on its kernel (6.18, x86_64): the
//! exit list is walked for every audited syscall, each exit rule adds about
//! 5 ns, and a rule whose syscall matches but whose fields do not adds about
//! 26 ns; a `never,task` rule takes its tasks out of syscall auditing (about
//! 130 ns saved per syscall).

use raudit_proto::RuleData;

use crate::builder::RuleBuilder;
use crate::field;
use crate::list::Lister;
use crate::rules_file;

/// Nanoseconds per syscall, see the module docs.
pub const NS_PER_EXIT_RULE: u32 = 5;
pub const NS_FIELD_MISS: u32 = 26;
pub const NS_TASK_NEVER_SAVES: u32 = 130;

/// One finding or cost line, for a rule at `line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub text: String,
    /// Whether it is a problem (as opposed to a cost note).
    pub problem: bool,
}

struct Parsed {
    line: usize,
    rule: RuleData,
    watch_path: Option<String>,
    explicit_arch: bool,
    listed: String,
}

fn all_syscalls(r: &RuleData) -> bool {
    r.mask[..63].iter().all(|&w| w == u32::MAX)
}

/// (field, op, value) triples of a rule's non-key fields, string values
/// included, so that two rules' conditions can be compared.
fn conditions(r: &RuleData) -> Vec<(u32, u32, Vec<u8>)> {
    let strings = r.field_strings();
    r.fields
        .iter()
        .enumerate()
        .filter(|&(_, &id)| id != field::KEY)
        .map(|(i, &id)| {
            let value =
                strings[i].map_or_else(|| r.values[i].to_le_bytes().to_vec(), <[u8]>::to_vec);
            (id, r.fieldflags[i], value)
        })
        .collect()
}

/// Whether every event `later` matches, `earlier` matches too: same list,
/// `earlier`'s syscalls cover `later`'s, and `earlier`'s conditions are a
/// subset of `later`'s.
fn covers(earlier: &RuleData, later: &RuleData) -> bool {
    if earlier.flags & 0x7 != later.flags & 0x7 {
        return false;
    }
    if !earlier.mask.iter().zip(&later.mask).all(|(e, l)| e & l == *l) {
        return false;
    }
    let later_conds = conditions(later);
    conditions(earlier).iter().all(|c| later_conds.contains(c))
}

fn syscall_names(r: &RuleData, lister_arch: u32) -> String {
    let table = crate::names::table(lister_arch);
    (0..2048u32)
        .filter(|&n| r.has_syscall(n))
        .take(6)
        .map(|n| {
            table
                .and_then(|t| raudit_tables::syscalls::name(t, n))
                .map_or_else(|| n.to_string(), str::to_string)
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn arch_of(r: &RuleData) -> Option<u32> {
    r.fields.iter().position(|&f| f == field::ARCH).map(|i| r.values[i])
}

/// Lints the text of a rules file. `exists` says whether a path exists.
pub fn check(text: &str, exists: &dyn Fn(&str) -> bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut rules: Vec<Parsed> = Vec::new();
    let mut lister = Lister::new();
    for line in rules_file::parse(text) {
        let mut b = RuleBuilder::new();
        let mut watch_path = None;
        let mut explicit_arch = false;
        let mut error = None;
        let mut i = 0;
        while i < line.args.len() {
            let arg = &line.args[i];
            let letter = arg.strip_prefix('-').and_then(|l| l.chars().next());
            let value = line.args.get(i + 1).map(String::as_str).unwrap_or("");
            match letter {
                Some(c @ ('a' | 'A' | 'd' | 'S' | 'F' | 'C' | 'w' | 'W' | 'p' | 'k'))
                    if arg.len() == 2 =>
                {
                    if c == 'w' {
                        watch_path = Some(value.to_string());
                    }
                    if c == 'F' && value.starts_with("arch") {
                        explicit_arch = true;
                    }
                    if let Some(Err(e)) = b.option(c, value) {
                        error = Some(e);
                        break;
                    }
                    i += 2;
                }
                _ => break,
            }
        }
        let _ = b.take_warnings();
        if let Some(e) = error {
            findings.push(Finding {
                line: line.number,
                text: format!("auditctl would refuse this rule: {e}"),
                problem: true,
            });
            continue;
        }
        if let Some((_, rule)) = b.finish() {
            let listed = lister.line(&rule);
            rules.push(Parsed { line: line.number, rule, watch_path, explicit_arch, listed });
        }
    }
    let host = crate::names::host_arch();
    for (i, r) in rules.iter().enumerate() {
        let list = r.rule.flags & 0x7;
        let exit = list == field::LIST_EXIT;
        if exit && !r.explicit_arch && r.watch_path.is_none() && !all_syscalls(&r.rule) {
            findings.push(Finding {
                line: r.line,
                text: "syscall rule without an arch: its numbers are this machine's, and 32-bit programs use \
                       others; add -F arch=b64 (and a -F arch=b32 twin)"
                    .into(),
                problem: true,
            });
        }
        if let Some(path) = &r.watch_path
            && !exists(path)
        {
            findings.push(Finding {
                line: r.line,
                text: format!("watch on a missing path {path}: it only fires once the path exists"),
                problem: true,
            });
        }
        // An identical earlier rule is named as such, even when another earlier rule also
        // covers this one: the fix for a duplicate is to delete it.
        if let Some(twin) = rules[..i].iter().find(|e| e.rule == r.rule) {
            findings.push(Finding {
                line: r.line,
                text: format!("duplicate of line {}", twin.line),
                problem: true,
            });
        } else if let Some(earlier) = rules[..i].iter().find(|e| exit && covers(&e.rule, &r.rule)) {
            let text = if earlier.rule.action == 0 {
                format!("never fires: the never rule on line {} matches first", earlier.line)
            } else if earlier.rule.key() != r.rule.key() {
                format!(
                    "the rule on line {} matches first, so its key wins over this rule's",
                    earlier.line
                )
            } else {
                format!("never fires: the rule on line {} matches first", earlier.line)
            };
            findings.push(Finding { line: r.line, text, problem: true });
        }
        let cost = if list == field::LIST_TASK && r.rule.action == 0 {
            format!(
                "cost: saves ~{NS_TASK_NEVER_SAVES} ns on every syscall of the tasks it matches ({})",
                r.listed
            )
        } else if exit && all_syscalls(&r.rule) {
            format!(
                "cost: ~{} ns on every syscall ({})",
                NS_PER_EXIT_RULE + NS_FIELD_MISS,
                r.listed
            )
        } else if exit {
            format!(
                "cost: ~{NS_PER_EXIT_RULE} ns on every syscall, ~{} ns on {} ({})",
                NS_PER_EXIT_RULE + NS_FIELD_MISS,
                syscall_names(&r.rule, arch_of(&r.rule).unwrap_or(host)),
                r.listed
            )
        } else {
            continue;
        };
        findings.push(Finding { line: r.line, text: cost, problem: false });
    }
    findings.sort_by_key(|f| (f.line, !f.problem));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_usual_mistakes() {
        let text = "\
-a always,exit -S chmod -k noarch
-a never,exit -F arch=b64 -S all -F auid=1000
-a always,exit -F arch=b64 -S openat -F auid=1000 -k shadowed
-a always,exit -F arch=b64 -S execve -k first
-a always,exit -F arch=b64 -S execve -F uid=0 -k second
-a always,exit -F arch=b64 -S execve -k first
-w /no/such/path -p wa -k missing
-a never,task
-a never,exit -F arch=b64 -S unlink
-a always,exit -F arch=b64 -S unlink -k twin
-a always,exit -F arch=b64 -S unlink -k twin
";
        let f = check(text, &|p| p != "/no/such/path");
        let problems: Vec<(usize, &str)> =
            f.iter().filter(|f| f.problem).map(|f| (f.line, f.text.as_str())).collect();
        assert!(
            problems.iter().any(|(l, t)| *l == 1 && t.contains("without an arch")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|(l, t)| *l == 3 && t.contains("never rule on line 2")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|(l, t)| *l == 5 && t.contains("key wins")), "{problems:?}");
        assert!(
            problems.iter().any(|(l, t)| *l == 6 && t.contains("duplicate of line 4")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|(l, t)| *l == 7 && t.contains("missing path")),
            "{problems:?}"
        );
        assert!(f.iter().any(|f| f.line == 8 && f.text.contains("saves")));
        assert!(!problems.iter().any(|(l, _)| *l == 4), "{problems:?}");
        // A duplicate is named as one even when an earlier never rule shadows both.
        assert!(problems.contains(&(11, "duplicate of line 10")), "{problems:?}");
        assert!(problems.iter().any(|(l, t)| *l == 10 && t.contains("never rule on line 9")));
    }
}
