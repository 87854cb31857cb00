//! Helpers shared by the dispatcher tests: plugin directories, scripts, a capturing logger and
//! records made from real logs.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use raudit_config::OverflowAction;
use raudit_dispatch::{Logger, Priority, Record, Runlevel, Settings};

pub type Messages = Arc<Mutex<Vec<(Priority, String)>>>;

pub fn capture() -> (Logger, Messages) {
    let msgs: Messages = Arc::default();
    let m = msgs.clone();
    let log: Logger = Arc::new(move |p, t: &str| m.lock().unwrap().push((p, t.to_string())));
    (log, msgs)
}

pub fn texts(m: &Messages) -> Vec<String> {
    m.lock().unwrap().iter().map(|(_, t)| t.clone()).collect()
}

pub fn settings(
    dir: &Path,
    q_depth: u32,
    action: OverflowAction,
    max_restarts: u32,
) -> (Settings, Messages) {
    let (log, msgs) = capture();
    let s = Settings {
        q_depth,
        overflow_action: action,
        max_restarts,
        plugin_dir: dir.to_path_buf(),
        stop_grace: Duration::from_secs(5),
        log,
        runlevel: Arc::new(|_: Runlevel| panic!("runlevel hook called")),
    };
    (s, msgs)
}

/// An executable script (root-owned, 0755: what the plugin checks want).
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// A plugins.d file (0640).
pub fn plugin_file(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
}

pub fn plugin_text(path: &Path, args: &str, format: &str) -> String {
    let args = if args.is_empty() { String::new() } else { format!("args = {args}\n") };
    format!(
        "active = yes\ndirection = out\npath = {}\ntype = always\n{args}format = {format}\n",
        path.display()
    )
}

/// (type, payload) of each line of a RAW disk log (`type=NAME msg=PAYLOAD`).
pub fn records_of_log(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("type=")?;
            let (name, payload) = rest.split_once(" msg=")?;
            Some((raudit_tables::msg_type::parse(name)?, payload.to_string()))
        })
        .collect()
}

/// A getppid storm as the kernel sends it: SYSCALL, PROCTITLE and EOE per event.
pub fn storm(events: u32) -> Vec<(u32, String)> {
    let mut v = Vec::with_capacity(events as usize * 3);
    for i in 0..events {
        let stamp = format!("audit(1700000100.{:03}:{}): ", i % 1000, 5000 + i);
        v.push((1300, format!("{stamp}arch=c000003e syscall=110 success=yes exit=4242 a0=0 a1=0 a2=0 a3=0 items=0 ppid=4242 pid=4243 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"storm\" exe=\"/tmp/storm\" subj=unconfined key=\"storm\"")));
        v.push((1327, format!("{stamp}proctitle=73746F726D")));
        v.push((1320, stamp));
    }
    v
}

/// The string-format text the records give (what a plugin should read).
pub fn string_lines(recs: &[(u32, String)]) -> String {
    let mut s = String::new();
    let mut b = Vec::new();
    for (t, p) in recs {
        raudit_dispatch::format::write_string(&Record::raw(*t, p.as_bytes()), &mut b);
        s.push_str(std::str::from_utf8(&b).unwrap());
    }
    s
}

pub fn feed(d: &raudit_dispatch::Dispatcher, recs: &[(u32, String)]) {
    for (t, p) in recs {
        d.enqueue(&Record::raw(*t, p.as_bytes()));
    }
}

/// Wait until `f` holds (or the time is up); true when it held.
pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}
