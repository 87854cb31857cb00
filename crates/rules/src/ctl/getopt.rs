//! GNU getopt_long as auditctl calls it (opterr = 0, permuting): the same
//! option order, the same `optind` and the same argument vector after
//! permutation, because auditctl's checks look at both.

/// Whether a long option takes a value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum HasArg {
    No,
    Required,
}

/// One long option: name, argument, the value getopt returns.
pub(crate) type LongOpt = (&'static str, HasArg, i32);

/// What one call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Got {
    /// A short option letter or a long option's value, with its argument.
    Opt(i32, Option<String>),
    /// An unknown option or a missing argument (`?`).
    Bad,
}

pub(crate) struct Getopt<'a> {
    pub argv: Vec<String>,
    pub optind: usize,
    first_nonopt: usize,
    last_nonopt: usize,
    /// Index into argv[optind] of the next short option letter.
    nextchar: Option<usize>,
    shorts: &'a str,
    longs: &'a [LongOpt],
}

impl<'a> Getopt<'a> {
    pub fn new(argv: Vec<String>, shorts: &'a str, longs: &'a [LongOpt]) -> Getopt<'a> {
        Getopt { argv, optind: 1, first_nonopt: 1, last_nonopt: 1, nextchar: None, shorts, longs }
    }

    /// Moves the skipped non-options after the options scanned since.
    fn exchange(&mut self) {
        let (bottom, middle, top) = (self.first_nonopt, self.last_nonopt, self.optind);
        self.argv[bottom..top].rotate_left(middle - bottom);
        self.first_nonopt += top - middle;
        self.last_nonopt = top;
    }

    fn is_nonoption(&self, i: usize) -> bool {
        let a = self.argv[i].as_bytes();
        a.first() != Some(&b'-') || a.len() == 1
    }

    /// The next option, or None at the end (optind then points at the
    /// first operand).
    pub fn next(&mut self) -> Option<Got> {
        let argc = self.argv.len();
        if self.nextchar.is_none() {
            if self.last_nonopt > self.optind {
                self.last_nonopt = self.optind;
            }
            if self.first_nonopt > self.optind {
                self.first_nonopt = self.optind;
            }
            if self.first_nonopt != self.last_nonopt && self.last_nonopt != self.optind {
                self.exchange();
            } else if self.last_nonopt != self.optind {
                self.first_nonopt = self.optind;
            }
            while self.optind < argc && self.is_nonoption(self.optind) {
                self.optind += 1;
            }
            self.last_nonopt = self.optind;
            if self.optind != argc && self.argv[self.optind] == "--" {
                self.optind += 1;
                if self.first_nonopt != self.last_nonopt && self.last_nonopt != self.optind {
                    self.exchange();
                } else if self.first_nonopt == self.last_nonopt {
                    self.first_nonopt = self.optind;
                }
                self.last_nonopt = argc;
                self.optind = argc;
            }
            if self.optind == argc {
                if self.first_nonopt != self.last_nonopt {
                    self.optind = self.first_nonopt;
                }
                return None;
            }
            if self.argv[self.optind].starts_with("--") {
                return Some(self.long());
            }
            self.nextchar = Some(1);
        }
        let word = self.argv[self.optind].clone();
        let at = self.nextchar.unwrap_or(1);
        let c = word[at..].chars().next().unwrap_or('\0');
        let after = at + c.len_utf8();
        let rest_empty = after >= word.len();
        if rest_empty {
            self.optind += 1;
            self.nextchar = None;
        } else {
            self.nextchar = Some(after);
        }
        let Some(pos) = self.shorts.find(c).filter(|_| c != ':') else {
            return Some(Got::Bad);
        };
        let takes = self.shorts[pos + c.len_utf8()..].starts_with(':');
        if !takes {
            return Some(Got::Opt(c as i32, None));
        }
        let arg = if !rest_empty {
            self.optind += 1;
            Some(word[after..].to_string())
        } else if self.optind == argc {
            self.nextchar = None;
            return Some(Got::Bad);
        } else {
            self.optind += 1;
            Some(self.argv[self.optind - 1].clone())
        };
        self.nextchar = None;
        Some(Got::Opt(c as i32, arg))
    }

    fn long(&mut self) -> Got {
        let word = self.argv[self.optind][2..].to_string();
        let (name, inline) = match word.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (word.clone(), None),
        };
        self.optind += 1;
        let exact = self.longs.iter().find(|(n, _, _)| *n == name);
        let found = match exact {
            Some(o) => Some(*o),
            None => {
                let prefixed: Vec<&LongOpt> =
                    self.longs.iter().filter(|(n, _, _)| n.starts_with(name.as_str())).collect();
                match prefixed.as_slice() {
                    [] => None,
                    [one] => Some(**one),
                    [first, more @ ..] => {
                        if more.iter().all(|o| o.1 == first.1 && o.2 == first.2) {
                            Some(**first)
                        } else {
                            return Got::Bad;
                        }
                    }
                }
            }
        };
        let Some((_, has_arg, val)) = found else { return Got::Bad };
        match (has_arg, inline) {
            (HasArg::No, Some(_)) => Got::Bad,
            (HasArg::No, None) => Got::Opt(val, None),
            (HasArg::Required, Some(v)) => Got::Opt(val, Some(v)),
            (HasArg::Required, None) => {
                if self.optind < self.argv.len() {
                    self.optind += 1;
                    Got::Opt(val, Some(self.argv[self.optind - 1].clone()))
                } else {
                    Got::Bad
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHORTS: &str = "hicslDvtC:e:f:r:b:a:A:d:S:F:m:R:w:W:k:p:q:";
    const LONGS: &[LongOpt] = &[
        ("reset-lost", HasArg::No, 3),
        ("reset_backlog_wait_time_actual", HasArg::No, 4),
        ("signal", HasArg::Required, 5),
    ];

    fn all(args: &[&str]) -> (Vec<Got>, usize, Vec<String>) {
        let argv: Vec<String> =
            std::iter::once("auditctl").chain(args.iter().copied()).map(String::from).collect();
        let mut g = Getopt::new(argv, SHORTS, LONGS);
        let mut out = Vec::new();
        while let Some(x) = g.next() {
            out.push(x);
        }
        (out, g.optind, g.argv)
    }

    #[test]
    fn permutes_and_clusters() {
        let (got, optind, argv) = all(&["x", "-l", "y"]);
        assert_eq!(got, vec![Got::Opt('l' as i32, None)]);
        assert_eq!(optind, 2);
        assert_eq!(argv, vec!["auditctl", "-l", "x", "y"]);
        let (got, _, _) = all(&["-lk", "key"]);
        assert_eq!(got, vec![Got::Opt('l' as i32, None), Got::Opt('k' as i32, Some("key".into()))]);
        let (got, _, _) = all(&["-b"]);
        assert_eq!(got, vec![Got::Bad]);
        let (got, _, _) = all(&["--reset"]);
        assert_eq!(got, vec![Got::Bad]);
        let (got, _, _) = all(&["--sig", "TERM"]);
        assert_eq!(got, vec![Got::Opt(5, Some("TERM".into()))]);
    }
}
