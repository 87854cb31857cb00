//! One description of a tool's options that man pages, shell completions and
//! `--help` are generated from, so none of them can drift from the parser.
//!
//! A tool keeps a `&[Flag]` beside its parser; the parser either looks its
//! words up in that table ([`find`]) or a test checks the two against each
//! other. Names are spelled exactly as typed (`-ts`, `--start`): the
//! reference's tools take whole-word options, not getopt clusters.

/// What the shells offer for an option's value or an operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Free text: nothing to offer.
    Any,
    /// A file name.
    File,
    /// A directory name.
    Dir,
    /// A user name.
    User,
    /// A group name.
    Group,
    /// A command on the PATH.
    Command,
    /// One of these words.
    Words(&'static [&'static str]),
}

/// One option of a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// The short spelling (`-k`, `-ts`), if any.
    pub short: Option<&'static str>,
    /// The long spelling (`--key`), if any.
    pub long: Option<&'static str>,
    /// The value's placeholder in docs (`KEY`); `None` for a switch.
    pub value: Option<&'static str>,
    /// What completes the value.
    pub values: Values,
    /// One line saying what the option does (our words, never the reference's).
    pub help: &'static str,
}

impl Flag {
    /// An option without a value.
    pub const fn switch(
        short: Option<&'static str>,
        long: Option<&'static str>,
        help: &'static str,
    ) -> Flag {
        Flag { short, long, value: None, values: Values::Any, help }
    }

    /// An option that takes a value.
    pub const fn with_value(
        short: Option<&'static str>,
        long: Option<&'static str>,
        value: &'static str,
        values: Values,
        help: &'static str,
    ) -> Flag {
        Flag { short, long, value: Some(value), values, help }
    }

    /// Every spelling, short first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.short.into_iter().chain(self.long)
    }

    /// The spellings as docs show them: `-k, --key`.
    pub fn display_names(&self) -> String {
        self.names().collect::<Vec<_>>().join(", ")
    }
}

/// One line per option, `  NAMES VALUE   help`, for a tool's `--help`.
pub fn option_lines(table: &[Flag]) -> String {
    let mut out = String::new();
    for f in table {
        let left = match f.value {
            Some(v) => format!("{} {v}", f.display_names()),
            None => f.display_names(),
        };
        out.push_str(&format!("  {left:<28} {}\n", f.help));
    }
    out
}

/// The flag spelled `word` exactly (no abbreviations, no `=value`).
pub fn find<'a>(table: &'a [Flag], word: &str) -> Option<&'a Flag> {
    table.iter().find(|f| f.names().any(|n| n == word))
}

/// Problems of a table: a flag without a name or help, a name that does not
/// start with `-`, a name used twice. Empty when the table is sound.
pub fn check_table(table: &[Flag]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for f in table {
        if f.short.is_none() && f.long.is_none() {
            problems.push(format!("a flag has no name ({})", f.help));
        }
        if f.help.trim().is_empty() {
            problems.push(format!("{} has no help", f.display_names()));
        }
        for n in f.names() {
            if !n.starts_with('-') || n.len() < 2 {
                problems.push(format!("{n} is not an option name"));
            }
            if seen.contains(&n) {
                problems.push(format!("{n} is listed twice"));
            }
            seen.push(n);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &[Flag] = &[
        Flag::switch(Some("-i"), Some("--interpret"), "names"),
        Flag::with_value(Some("-ts"), None, "DATE", Values::Any, "from"),
    ];

    #[test]
    fn finds_exact_spellings_only() {
        assert_eq!(find(T, "--interpret").map(|f| f.help), Some("names"));
        assert_eq!(find(T, "-ts").map(|f| f.help), Some("from"));
        assert!(find(T, "-t").is_none() && find(T, "--interp").is_none());
        assert_eq!(T[0].display_names(), "-i, --interpret");
    }

    #[test]
    fn check_table_finds_each_problem() {
        assert!(check_table(T).is_empty());
        let bad = [
            Flag::switch(None, None, "x"),
            Flag::switch(Some("-a"), None, " "),
            Flag::switch(Some("a"), Some("-a"), "y"),
        ];
        let p = check_table(&bad);
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(p.iter().any(|s| s.contains("listed twice")));
    }
}
