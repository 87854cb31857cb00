//! `ausearch --format json` (raudit only; docs/json.md): every line is one
//! valid JSON object that follows the schema, there is one per event, and
//! every record's raw fields rebuild its text exactly.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{is_log, workspace_root as root};

/// The repo's logs, plus the shared corpus when it is there (required
/// under CI=true).
fn logs() -> Vec<PathBuf> {
    let mut out = raudit_testkit::files_under(&root().join("testdata/logs"), is_log);
    if let Some(corpus) = raudit_testkit::shared_corpus("logs") {
        out.extend(raudit_testkit::files_under(&corpus, is_log));
    }
    out.sort();
    out
}

fn raudit(args: &[&str], log: &Path) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_raudit"))
        .arg("search")
        .args(args)
        .arg("-if")
        .arg(log)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    out.stdout
}

fn is_str_or_null(v: &Value) -> bool {
    v.is_string() || v.is_null()
}

/// The schema of docs/json.md.
fn check_event(e: &Value) -> Result<(), String> {
    let o = e.as_object().ok_or("event is not an object")?;
    for k in ["node", "time", "sec", "milli", "serial", "type", "records", "summary"] {
        if !o.contains_key(k) {
            return Err(format!("event lacks {k}"));
        }
    }
    if !is_str_or_null(&o["node"]) || !o["type"].is_string() {
        return Err("node/type".into());
    }
    let time = o["time"].as_str().ok_or("time")?;
    let sec = o["sec"].as_u64().ok_or("sec")?;
    let milli = o["milli"].as_u64().ok_or("milli")?;
    o["serial"].as_u64().ok_or("serial")?;
    if time.len() != 24 || !time.ends_with('Z') || !time.ends_with(&format!(".{milli:03}Z")) {
        return Err(format!("time {time}"));
    }
    // The seconds agree with the RFC 3339 text.
    let hms = &time[11..19];
    let s = sec % 86_400;
    if hms != format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) {
        return Err(format!("time {time} vs sec {sec}"));
    }
    let records = o["records"].as_array().ok_or("records")?;
    if records.is_empty() {
        return Err("no records".into());
    }
    for r in records {
        let r = r.as_object().ok_or("record")?;
        if !r["type"].is_string() || !r["fields"].is_object() || !r["interp"].is_object() {
            return Err("record type/fields/interp".into());
        }
        // Every interpreted field is a raw field too.
        for (k, v) in r["interp"].as_object().unwrap() {
            let raw = r["fields"].get(k).ok_or(format!("interp {k} without a raw field"))?;
            if v.is_object() != raw.is_object() {
                return Err(format!("interp {k} shape"));
            }
        }
        if let Some(argv) = r.get("argv")
            && !argv.as_array().is_some_and(|a| a.iter().all(Value::is_string))
        {
            return Err("argv".into());
        }
    }
    let s = o["summary"].as_object().ok_or("summary")?;
    for k in ["auid", "uid", "action", "object", "how", "result"] {
        if !s.get(k).is_some_and(is_str_or_null) {
            return Err(format!("summary.{k}"));
        }
    }
    if !s["result"].is_null() && !matches!(s["result"].as_str(), Some("success" | "failed")) {
        return Err("summary.result".into());
    }
    if !s["keys"].as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
        return Err("summary.keys".into());
    }
    Ok(())
}

/// A record's text rebuilt from its raw fields.
fn rebuild(fields: &serde_json::Map<String, Value>) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| (k.split('#').next().unwrap(), v))
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            Value::Object(inner) => format!("{k}='{}'", rebuild(inner)),
            _ => unreachable!("fields are strings or msg objects"),
        })
        .collect();
    parts.join(" ")
}

#[test]
fn json_lines_follow_the_schema_and_round_trip() {
    let (mut events, mut records, mut rebuilt, mut with_words) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for log in logs() {
        let json = raudit(&["--format", "json"], &log);
        let raw = raudit(&["--raw"], &log);
        let default = raudit(&[], &log);
        let lines: Vec<&[u8]> = json.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        let expected = default.split(|&b| b == b'\n').filter(|l| *l == b"----").count();
        if lines.len() != expected {
            failures.push(format!(
                "{}: {} JSON lines, {expected} events",
                log.display(),
                lines.len()
            ));
            continue;
        }
        // The raw texts of the records, in output order.
        let raw_lines: Vec<String> = String::from_utf8_lossy(&raw)
            .lines()
            .map(|l| l.split('\u{1d}').next().unwrap().to_string())
            .collect();
        let mut at = 0;
        for line in lines {
            events += 1;
            let e: Value = match serde_json::from_slice(line) {
                Ok(v) => v,
                Err(err) => {
                    failures.push(format!("{}: not JSON ({err})", log.display()));
                    continue;
                }
            };
            if let Err(why) = check_event(&e) {
                failures.push(format!(
                    "{}: {why}: {}",
                    log.display(),
                    String::from_utf8_lossy(line)
                ));
                continue;
            }
            for r in e["records"].as_array().unwrap() {
                records += 1;
                let text = raw_lines.get(at).cloned().unwrap_or_default();
                at += 1;
                // Records with bare words (AVC, old PAM formats) are not
                // name=value lists; they are checked by the schema only.
                if r.get("words").is_some() {
                    with_words += 1;
                    continue;
                }
                let body = text.split_once("): ").map_or("", |(_, b)| b);
                let again = rebuild(r["fields"].as_object().unwrap());
                // Spacing between fields is not kept; everything else is.
                let squeeze = |s: &str| {
                    let s = s.replace("=' ", "='");
                    s.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
                };
                if squeeze(body) == again {
                    rebuilt += 1;
                } else {
                    failures.push(format!("{}: {body:?} rebuilt as {again:?}", log.display()));
                }
            }
        }
    }
    println!(
        "JSON: {events} events, {records} records: {rebuilt} rebuilt exactly from their fields, \
         {with_words} with bare words"
    );
    let shown: Vec<&String> = failures.iter().take(20).collect();
    assert!(failures.is_empty(), "{} failures, the first:\n{shown:#?}", failures.len());
    assert_eq!(rebuilt + with_words, records);
    assert!(events > 300 && rebuilt > 300, "too little was checked");
}

#[test]
fn interpretations_and_summary_of_a_known_event() {
    let log = root().join("testdata/logs/synthetic.log");
    let json = raudit(&["--format", "json", "-k", "access"], &log);
    let first = json.split(|&b| b == b'\n').next().unwrap();
    let e: Value = serde_json::from_slice(first).unwrap();
    let sys = &e["records"][0];
    assert_eq!(sys["type"], "SYSCALL");
    assert_eq!(sys["fields"]["syscall"], "257");
    assert_eq!(sys["interp"]["syscall"], "openat");
    assert_eq!(sys["interp"]["exit"], "EACCES(Permission denied)");
    assert_eq!(sys["interp"]["a0"], "AT_FDCWD");
    assert_eq!(e["summary"]["action"], "openat");
    assert_eq!(e["summary"]["object"], "/etc/shadow");
    assert_eq!(e["summary"]["result"], "failed");
    assert_eq!(e["summary"]["keys"], serde_json::json!(["access"]));
    let title = e["records"].as_array().unwrap().iter().find(|r| r["type"] == "PROCTITLE").unwrap();
    assert_eq!(title["argv"], serde_json::json!(["cat", "/etc/shadow"]));
}
