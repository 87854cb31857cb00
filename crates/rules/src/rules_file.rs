//! Reading audit.rules files as the reference does (auditctl -R).

/// The reference reads lines into a buffer of this size.
pub const LINE_BUFFER: usize = 6144;

/// One rule line: its number (from 1) and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLine {
    pub number: usize,
    pub args: Vec<String>,
}

/// Splits a rules file into argument lists: tokens are separated by
/// spaces only (a tab is part of a token), `\ ` is a space inside a token
/// and `\\` a backslash; blank lines and lines whose first token starts with
/// `#` are skipped.
pub fn parse(text: &str) -> Vec<RuleLine> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let mut args = Vec::new();
        let mut token = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ' ' => {
                    if !token.is_empty() {
                        args.push(std::mem::take(&mut token));
                    }
                }
                '\\' if matches!(chars.peek(), Some(' ' | '\\')) => {
                    token.push(chars.next().unwrap_or(' '))
                }
                _ => token.push(c),
            }
        }
        if !token.is_empty() {
            args.push(token);
        }
        if args.is_empty() || args[0].starts_with('#') {
            continue;
        }
        out.push(RuleLine { number: i + 1, args });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_comments_and_escapes() {
        let got = parse("# c\n\n  -w /a\\ b -p wa\n\t-D\n   # x\n-k a\\\\b\n");
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            RuleLine {
                number: 3,
                args: vec!["-w".into(), "/a b".into(), "-p".into(), "wa".into()]
            }
        );
        assert_eq!(got[1].args, vec!["\t-D".to_string()]);
        assert_eq!(got[2].args, vec!["-k".to_string(), "a\\b".to_string()]);
    }
}
