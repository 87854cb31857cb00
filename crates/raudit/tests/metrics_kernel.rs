//! rauditd `--metrics-file`: with metrics on and events flowing, the file is Prometheus' text
//! format (HELP and TYPE before each family, the counter names), and its figures agree with
//! the state report (`raudit daemon --state`). Holds the kernel test lock (KernelGuard).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use raudit_testkit::{DaemonProcess, KernelGuard, poll_until};

const SHORT: Duration = Duration::from_secs(30);

/// Samples of an exposition by `name{labels}`, after checking that each sample's family has
/// HELP and TYPE lines before it.
fn parse(text: &str) -> HashMap<String, f64> {
    let (mut helped, mut typed) = (HashSet::new(), HashMap::new());
    let mut samples = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped.insert(rest.split(' ').next().unwrap().to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut w = rest.split(' ');
            typed.insert(w.next().unwrap().to_string(), w.next().unwrap().to_string());
        } else {
            let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {line}"));
            let name = key.split('{').next().unwrap();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s).filter(|f| typed.get(*f).is_some_and(|t| t == "histogram"))
                })
                .unwrap_or(name);
            assert!(helped.contains(family) && typed.contains_key(family), "{line}: no HELP/TYPE");
            let kind = &typed[family];
            if kind == "counter" {
                assert!(family.ends_with("_total"), "{family}");
            }
            samples.insert(key.to_string(), value.parse().unwrap());
        }
    }
    samples
}

fn state(dir: &Path) -> HashMap<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_raudit"))
        .args(["daemon", "--state"])
        .env("RAUDIT_RUN_DIR", dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn metrics_file_matches_the_state_report() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("plugins.d")).unwrap();
    let cat = std::fs::canonicalize("/bin/cat").unwrap();
    std::fs::write(
        d.join("plugins.d/reader.conf"),
        format!(
            "active = yes\ndirection = out\npath = {}\ntype = always\nformat = string\n",
            cat.display()
        ),
    )
    .unwrap();
    let log = d.join("audit.log");
    std::fs::write(
        d.join("auditd.conf"),
        format!(
            "log_file = {}\nlog_format = RAW\nflush = DATA\nspace_left = 2\nadmin_space_left = 1\nplugin_dir = {}\n",
            log.display(),
            d.join("plugins.d").display()
        ),
    )
    .unwrap();
    let metrics = d.join("raudit.prom");
    let mut daemon = DaemonProcess::spawn(
        common::rauditd(&["-n", "--metrics-interval", "1", "--metrics-file"])
            .arg(&metrics)
            .arg("-c")
            .arg(d)
            .env("RAUDIT_RUN_DIR", d)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    daemon.wait_registered(&mut kernel, SHORT);

    let watched = d.join("watched");
    std::fs::write(&watched, "").unwrap();
    let mut b = raudit_rules::RuleBuilder::new();
    b.watch(watched.to_str().unwrap(), false).unwrap();
    b.perm("wa").unwrap();
    b.key("metrics-test").unwrap();
    let (_, rule) = b.finish().unwrap();
    kernel.client().add_rule(&rule).unwrap();
    const N: usize = 5;
    for i in 0..N {
        let mut f = std::fs::OpenOptions::new().append(true).open(&watched).unwrap();
        writeln!(f, "{i}").unwrap();
    }
    let hits = || {
        std::fs::read_to_string(&log).unwrap_or_default().matches("key=\"metrics-test\"").count()
    };
    if !poll_until(SHORT, || hits() >= N) {
        let status = kernel.client().get_status();
        let rules = kernel.client().list_rules().map(|r| r.len());
        panic!(
            "{} of {N} watch events in the log; status {status:?}; {rules:?} rules; log:\n{}",
            hits(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    // Once the records stop, the next metrics file carries the state report's figures.
    let pairs = [
        ("raudit_records_received_total", "records received"),
        ("raudit_records_written_total", "records written"),
        ("raudit_records_dropped_total", "records dropped"),
        ("raudit_records_eoe_total", "records not written: EOE (end of event, never logged)"),
        ("raudit_records_control_total", "records not written: control messages"),
        ("raudit_socket_overruns_total", "socket overruns (ENOBUFS)"),
    ];
    let mut last = (String::new(), HashMap::new());
    let agree = poll_until(SHORT, || {
        let text = std::fs::read_to_string(&metrics).unwrap_or_default();
        let st = state(d);
        let samples = parse(&text);
        let same = pairs.iter().all(|(m, s)| {
            samples
                .get(*m)
                .map(|v| *v as u64)
                .zip(st.get(*s).and_then(|v| v.parse::<u64>().ok()))
                .is_some_and(|(a, b)| a == b)
        });
        last = (text, st);
        same
    });
    let (text, st) = last;
    assert!(agree, "metrics and state disagree:\n{text}\n{st:#?}");
    let samples = parse(&text);
    assert!(samples["raudit_records_eoe_total"] >= N as f64, "{text}");
    assert!(samples["raudit_records_written_total"] >= (N * 4) as f64, "{text}");
    assert!(samples["raudit_write_latency_seconds_count"] > 0.0, "{text}");
    assert_eq!(
        samples["raudit_write_latency_seconds_bucket{le=\"+Inf\"}"],
        samples["raudit_write_latency_seconds_count"]
    );
    for name in ["raudit_kernel_lost_total", "raudit_kernel_backlog", "raudit_kernel_backlog_limit"]
    {
        assert!(samples.contains_key(name), "{name}: {text}");
    }
    assert_eq!(samples["raudit_plugin_running{plugin=\"reader.conf\"}"], 1.0, "{text}");
    assert_eq!(samples["raudit_plugin_dropped_total{plugin=\"reader.conf\"}"], 0.0, "{text}");
    assert!(samples.contains_key("raudit_plugin_queue_depth{plugin=\"reader.conf\"}"), "{text}");
    assert_eq!(samples["raudit_log_suspended"], 0.0, "{text}");
    assert!(samples["raudit_log_fs_free_bytes"] > 0.0, "{text}");
    assert_eq!(samples["raudit_space_left_bytes"], (2 * 1024 * 1024) as f64, "{text}");

    assert!(daemon.stop(SHORT).success());
    assert!(!metrics.exists(), "a stopped daemon leaves no metrics behind");
}
