//! auditctl's options as one table: `-h`, the man page and the completions
//! come from it, and a test checks it against the getopt tables the parser
//! runs on, so an option cannot be added without its docs.

use raudit_cli::flags::{Flag, Values};

const fn sw(name: &'static str, help: &'static str) -> Flag {
    if name.len() == 2 {
        Flag::switch(Some(name), None, help)
    } else {
        Flag::switch(None, Some(name), help)
    }
}

const fn val(name: &'static str, value: &'static str, values: Values, help: &'static str) -> Flag {
    if name.len() == 2 {
        Flag::with_value(Some(name), None, value, values, help)
    } else {
        Flag::with_value(None, Some(name), value, values, help)
    }
}

const LISTS: Values = Values::Words(&[
    "always,exit",
    "never,exit",
    "exit,always",
    "exit,never",
    "never,task",
    "task,never",
    "always,user",
    "never,user",
    "always,exclude",
    "never,exclude",
    "never,filesystem",
    "always,io_uring",
    "never,io_uring",
]);

const LEVELS: Values = Values::Words(&["0", "1", "2"]);

/// Every option, in `-h` order. `--check`, `--costs` and `-v` are handled by the
/// binary before the engine runs; the rest by the engine's getopt.
pub const FLAGS: &[Flag] = &[
    val("-a", "l,a", LISTS, "append a rule to list l with action a"),
    val("-A", "l,a", LISTS, "prepend a rule to list l with action a"),
    val("-b", "backlog", Values::Any, "set the kernel's backlog limit"),
    val(
        "--backlog_wait_time",
        "t",
        Values::Any,
        "set how long a producer may wait on a full backlog",
    ),
    sw("-c", "in a rules file: continue after errors"),
    val("-C", "f=f", Values::Any, "compare two fields (uids or gids) of the event"),
    val("--check", "file", Values::File, "lint a rules file: problems first (raudit)"),
    sw("--costs", "with --check: also each rule's cost (raudit)"),
    val("-d", "l,a", LISTS, "delete the rule from list l with action a"),
    sw("-D", "delete all rules (-k: those with the key)"),
    val("-e", "0..2", LEVELS, "disable, enable, or enable and lock audit"),
    val("-f", "0..2", LEVELS, "failure mode: silent, printk, panic"),
    val("-F", "f=v", Values::Any, "add a field comparison to the rule"),
    sw("-h", "print this help"),
    sw("-i", "in a rules file: ignore errors"),
    val("-k", "key", Values::Any, "tag the rule with a key"),
    sw("-l", "list the rules (-k: those with the key)"),
    sw("--loginuid-immutable", "make login uids unchangeable once set"),
    val("-m", "text", Values::Any, "send a user message into the audit log"),
    val(
        "-p",
        "r|w|x|a",
        Values::Words(&["r", "w", "x", "a", "wa", "rwxa"]),
        "permissions for a watch",
    ),
    val("-q", "mount,subtree", Values::Any, "make a mount point equivalent to a subtree"),
    val("-r", "rate", Values::Any, "set the kernel's rate limit (messages/s)"),
    val("-R", "file", Values::File, "read rules from a file"),
    sw("--reset-lost", "reset the lost counter"),
    sw("--reset_backlog_wait_time_actual", "reset the backlog wait time counter"),
    sw("-s", "print the kernel's audit status"),
    val("-S", "syscall", Values::Any, "syscalls of the rule (names, numbers or all)"),
    val(
        "--signal",
        "signal",
        Values::Words(&["TERM", "HUP", "USR1", "USR2", "CONT"]),
        "send a signal to the audit daemon",
    ),
    sw("-t", "trim subtrees after a mount"),
    sw("-v", "print the version"),
    val("-w", "path", Values::File, "watch a file or directory"),
    val("-W", "path", Values::File, "remove a watch"),
];

/// auditctl's usage text (`-h`, and a line that asks for nothing).
pub fn usage() -> String {
    let mut out = String::from("usage: auditctl [options]\n");
    for f in FLAGS {
        let left = match f.value {
            Some(v) if v.contains('=') || v.contains("..") || v.contains('|') => {
                format!(
                    "{} {}",
                    f.display_names(),
                    if v.contains('=') { v.to_string() } else { format!("[{v}]") }
                )
            }
            Some(v) => format!("{} <{v}>", f.display_names()),
            None => f.display_names(),
        };
        out.push_str(&format!("    {left:<26}{}\n", f.help));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{LONGS, SHORTS};
    use super::*;

    /// Every option getopt accepts is in the table, and the other way round
    /// (except the binary's own `--check` and `--costs`).
    #[test]
    fn table_matches_the_parser() {
        assert!(raudit_cli::flags::check_table(FLAGS).is_empty());
        let mut accepted: Vec<String> =
            SHORTS.chars().filter(|c| *c != ':').map(|c| format!("-{c}")).collect();
        accepted.extend(LONGS.iter().map(|(name, _, _)| format!("--{name}")));
        for name in &accepted {
            let flag = raudit_cli::flags::find(FLAGS, name);
            assert!(flag.is_some(), "auditctl accepts {name} but its flag table lacks it");
            // A value in getopt's table is a value in ours.
            let takes = SHORTS.contains(&format!("{}:", &name[1..]))
                || LONGS.iter().any(|(n, has, _)| {
                    format!("--{n}") == *name && *has == super::super::HasArg::Required
                });
            assert_eq!(flag.is_some_and(|f| f.value.is_some()), takes, "{name}");
        }
        for f in FLAGS {
            for n in f.names() {
                assert!(
                    accepted.iter().any(|a| a == n) || n == "--check" || n == "--costs",
                    "{n} is documented but not accepted"
                );
            }
        }
    }

    #[test]
    fn usage_lists_every_option() {
        let u = usage();
        assert!(u.contains("    -a <l,a>"), "{u}");
        assert!(u.contains("    -e [0..2]"), "{u}");
        assert!(u.contains("    -F f=v"), "{u}");
        assert!(u.contains("--reset-lost"), "{u}");
    }
}
