//! Rules compiled to the exact bytes the reference auditctl sent to the
//! kernel, as recorded by go-libaudit (`../shared/corpus/rules/go-libaudit/
//! *.golden.yml`: each rule's auditctl flags and the `audit_rule_data`
//! bytes). Only goldens recorded on x86_64 apply here (`b64` and syscall
//! numbers depend on the machine).
//!
//! The recordings hold the rules as the kernel lists them back, and the
//! kernel clears the syscall-class bits (the top 16 bits of mask word 63)
//! that `-S all` sets; those bits are left out of the comparison.

use raudit_rules::RuleBuilder;

fn base64(text: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(val).collect();
    digits
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().fold(0u32, |acc, &d| acc << 6 | u32::from(d)) << (6 * (4 - c.len()));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(c.len().saturating_sub(1))
        })
        .collect()
}

/// Shell-like split: single and double quotes group words.
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, ' ') => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn compile(flags: &str) -> Result<Vec<u8>, String> {
    let args = words(flags);
    // The recordings were made with the watched tree in place: a watch on
    // `dir/` named a directory there.
    for pair in args.windows(2) {
        if pair[0] == "-w" && pair[1].ends_with('/') && pair[1].starts_with("/tmp/audit-test/") {
            std::fs::create_dir_all(&pair[1]).map_err(|e| e.to_string())?;
        }
    }
    let mut b = RuleBuilder::new();
    let mut i = 0;
    while i < args.len() {
        let letter =
            args[i].strip_prefix('-').and_then(|l| l.chars().next()).ok_or("not an option")?;
        let value = args.get(i + 1).ok_or("missing value")?;
        b.option(letter, value)
            .ok_or_else(|| format!("unexpected option {}", args[i]))?
            .map_err(|e| e.to_string())?;
        i += 2;
    }
    // The recorded bytes include the netlink padding to 4 bytes.
    let mut bytes = b.finish().ok_or("no rule")?.1.encode();
    bytes.resize(bytes.len().div_ceil(4) * 4, 0);
    Ok(bytes)
}

#[test]
fn compiled_bytes_match_auditctl() {
    let Some(dir) = raudit_testkit::shared_corpus("rules/go-libaudit") else { return };
    let entries = std::fs::read_dir(&dir).unwrap();
    let (mut passed, mut failed) = (0, 0);
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.to_string_lossy().ends_with(".golden.yml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if !text.lines().next().is_some_and(|l| l.contains("x86_64")) {
            continue;
        }
        let mut rules: Vec<(String, String)> = Vec::new();
        let mut in_bytes = false;
        for line in text.lines() {
            if let Some(flags) = line.strip_prefix("- flags: ") {
                rules.push((flags.to_string(), String::new()));
                in_bytes = false;
            } else if line.starts_with("  bytes:") {
                in_bytes = true;
            } else if let (Some(last), Some(more)) = (rules.last_mut(), line.strip_prefix("    ")) {
                // Long flags continue on indented lines before `bytes:`.
                if in_bytes {
                    last.1.push_str(more.trim());
                } else {
                    last.0.push(' ');
                    last.0.push_str(more.trim());
                }
            }
        }
        for (flags, b64) in rules {
            let want = base64(&b64);
            let class_bits = |mut b: Vec<u8>| {
                // Mask word 63 is at offset 12 + 63 * 4; its top half (host
                // endian, little here) holds the class bits.
                if b.len() >= 268 {
                    b[266] = 0;
                    b[267] = 0;
                }
                b
            };
            match compile(&flags) {
                Ok(got) if class_bits(got.clone()) == class_bits(want.clone()) => passed += 1,
                Ok(_) => {
                    failed += 1;
                    eprintln!("FAIL {}: {flags}: bytes differ", path.display());
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("FAIL {}: {flags}: {e}", path.display());
                }
            }
        }
    }
    eprintln!("golden rules: {passed} passed, {failed} failed");
    assert!(passed > 0);
    assert_eq!(failed, 0);
}
