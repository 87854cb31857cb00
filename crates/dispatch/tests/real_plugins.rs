//! The dispatcher with the real programs: laurel (Debian `laurel`), audisp-syslog (Debian
//! `audispd-plugins`) and two af_unix clients at once. `scripts/install-prereqs` installs them.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::Path;
use std::time::Duration;

use common::*;
use raudit_config::OverflowAction;
use raudit_dispatch::Dispatcher;
use raudit_testkit::laurel_config;

fn need(path: &str) {
    assert!(Path::new(path).exists(), "{path} is missing: run scripts/install-prereqs");
}

/// A real log and a getppid storm, with EOE after every multi-record event.
fn corpus() -> Vec<(u32, String)> {
    let mut r =
        records_of_log(&std::fs::read_to_string("../../testdata/logs/synthetic.log").unwrap());
    r.extend(storm(5000));
    r
}

fn serial(payload: &str) -> Option<u64> {
    let a = payload.find("audit(")?;
    let rest = &payload[a..];
    let colon = rest.find(':')?;
    let close = rest.find(')')?;
    rest[colon + 1..close].parse().ok()
}

#[test]
fn laurel_gets_every_event_and_writes_what_it_writes_when_fed_directly() {
    need("/usr/sbin/laurel");
    let t = tempfile::tempdir().unwrap();
    let recs = corpus();
    let want: BTreeSet<u64> = recs.iter().filter_map(|(_, p)| serial(p)).collect();

    // laurel as a plugin of the dispatcher.
    let via = t.path().join("via-dispatcher");
    let cfg = laurel_config(&via);
    let pd = t.path().join("plugins.d");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(
        &pd,
        "laurel.conf",
        &plugin_text(Path::new("/usr/sbin/laurel"), &format!("-c {}", cfg.display()), "string"),
    );
    let (mut s, msgs) = settings(&pd, 20000, OverflowAction::Syslog, 3);
    s.stop_grace = Duration::from_secs(60);
    let d = Dispatcher::load(s);
    assert_eq!(d.stats().active_plugins, 1, "{:?}", texts(&msgs));
    feed(&d, &recs);
    d.shutdown();
    assert!(!d.stats().overflowed);
    let got = read(&via.join("audit.json"));

    // The same records straight into laurel's stdin.
    let direct = t.path().join("direct");
    let cfg2 = laurel_config(&direct);
    let input = t.path().join("input.txt");
    std::fs::write(&input, string_lines(&recs)).unwrap();
    let st = std::process::Command::new("/usr/sbin/laurel")
        .arg("-c")
        .arg(&cfg2)
        .stdin(std::fs::File::open(&input).unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let direct_out = read(&direct.join("audit.json"));

    let ids: BTreeSet<u64> = got
        .lines()
        .filter_map(|l| {
            let i = l.find("\"ID\":\"")? + 6;
            let rest = &l[i..];
            rest[rest.find(':')? + 1..rest.find('"')?].parse().ok()
        })
        .collect();
    assert_eq!(ids, want, "events missing from laurel's log");
    assert_eq!(got.lines().count(), direct_out.lines().count());
    assert!(got == direct_out, "laurel's output differs between the dispatcher and direct input");
}

#[test]
fn audisp_syslog_and_two_af_unix_clients_get_every_record() {
    need("/sbin/audisp-syslog");
    let t = tempfile::tempdir().unwrap();
    let recs = corpus();

    // audisp-syslog in a private mount namespace where /dev is a directory holding our socket.
    let fake_dev = t.path().join("dev");
    std::fs::create_dir(&fake_dev).unwrap();
    let log = UnixDatagram::bind(fake_dev.join("log")).unwrap();
    log.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let wrapper = script(
        t.path(),
        "syslog-wrapper",
        &format!(
            "exec /usr/bin/unshare -m /bin/sh -c '/bin/mount --bind {} /dev && exec /sbin/audisp-syslog LOG_INFO'",
            fake_dev.display()
        ),
    );
    let pd = t.path().join("plugins.d");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "syslog.conf", &plugin_text(&wrapper, "", "string"));
    let sock = t.path().join("events");
    plugin_file(
        &pd,
        "af_unix.conf",
        &format!(
            "active = yes\ndirection = out\npath = builtin_af_unix\ntype = builtin\nargs = 0640 {}\nformat = string\n",
            sock.display()
        ),
    );
    let (mut s, msgs) = settings(&pd, 20000, OverflowAction::Syslog, 3);
    s.stop_grace = Duration::from_secs(30);
    let d = Dispatcher::load(s);
    assert_eq!(d.stats().active_plugins, 2, "{:?}", texts(&msgs));
    let mode =
        std::fs::metadata(&sock).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()));
    assert_eq!(mode.unwrap() & 0o777, 0o640);
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let mut c = UnixStream::connect(&sock).unwrap();
            std::thread::spawn(move || {
                let mut v = Vec::new();
                c.read_to_end(&mut v).unwrap();
                v
            })
        })
        .collect();
    // (the server accepts every 20 ms)
    std::thread::sleep(Duration::from_millis(300));
    let syslog_reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 16384];
        let mut idle = 0;
        while idle < 20 {
            match log.recv(&mut buf) {
                Ok(n) => {
                    idle = 0;
                    got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                }
                Err(_) => idle += 1,
            }
        }
        got
    });
    feed(&d, &recs);
    d.shutdown();
    assert!(!sock.exists(), "the af_unix socket is removed at shutdown");
    let want = string_lines(&recs);
    for r in readers {
        let got = r.join().unwrap();
        assert!(
            got == want.as_bytes(),
            "an af_unix client missed records ({} of {} bytes)",
            got.len(),
            want.len()
        );
    }
    let all = syslog_reader.join().unwrap();
    // (audisp-syslog also logs its own start and end)
    let got: Vec<&String> = all.iter().filter(|m| m.contains(" msg=audit(")).collect();
    assert!(
        all.len() - got.len() <= 2,
        "{:?}",
        all.iter().filter(|m| !m.contains(" msg=audit(")).collect::<Vec<_>>()
    );
    assert_eq!(got.len(), recs.len(), "syslog messages");
    for (m, line) in got.iter().zip(want.lines()) {
        assert!(
            m.contains("audisp-syslog: ") && m.trim_end().ends_with(line.trim_end()),
            "{m:?} vs {line:?}"
        );
    }
    let m = texts(&msgs);
    assert!(m.contains(&"af_unix plugin initialized".to_string()), "{m:?}");
    assert!(m.contains(&"af_unix plugin terminated".to_string()), "{m:?}");
}
