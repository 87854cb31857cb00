//! The dispatcher with external plugins: delivery in both formats, crashes and restarts, hung and
//! non-reading plugins, overflow actions, reloads and shutdown.

mod common;

use std::time::{Duration, Instant};

use common::*;
use raudit_config::OverflowAction;
use raudit_dispatch::format::{DATA_AREA, HEADER_LEN};
use raudit_dispatch::{Dispatcher, Priority, Record};

#[test]
fn string_and_binary_plugins_get_every_record() {
    let t = tempfile::tempdir().unwrap();
    let out_s = t.path().join("s.out");
    let out_b = t.path().join("b.out");
    let ps = script(t.path(), "ps", &format!("exec cat > {}", out_s.display()));
    let pb = script(t.path(), "pb", &format!("exec cat > {}", out_b.display()));
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "s.conf", &plugin_text(&ps, "", "string"));
    plugin_file(&pd, "b.conf", &plugin_text(&pb, "", "binary"));
    let (mut s, msgs) = settings(&pd, 2000, OverflowAction::Syslog, 3);
    s.stop_grace = Duration::from_secs(60);
    let recs = {
        let mut r =
            records_of_log(&std::fs::read_to_string("../../testdata/logs/synthetic.log").unwrap());
        r.extend(storm(1000));
        r
    };
    let d = Dispatcher::load(s);
    assert_eq!(d.stats().active_plugins, 2);
    feed(&d, &recs);
    d.shutdown();
    let want = string_lines(&recs);
    assert_eq!(read(&out_s), want);
    let bin = std::fs::read(&out_b).unwrap();
    assert_eq!(bin.len(), recs.len() * (HEADER_LEN + DATA_AREA));
    for (i, frame) in bin.chunks(HEADER_LEN + DATA_AREA).enumerate() {
        let word = |k: usize| u32::from_ne_bytes(frame[k * 4..k * 4 + 4].try_into().unwrap());
        let (t, p) = &recs[i];
        assert_eq!((word(0), word(1), word(2), word(3)), (0, 16, *t, p.len() as u32));
        assert_eq!(&frame[16..16 + p.len()], p.as_bytes());
    }
    let m = texts(&msgs);
    assert!(
        m.contains(
            &"audit dispatcher initialized with q_depth=2000 and 2 active plugins".to_string()
        ),
        "{m:?}"
    );
    assert!(!m.iter().any(|x| x.contains("full")), "{m:?}");
}

#[test]
fn a_plugin_that_exits_at_once_is_restarted_then_given_up() {
    let t = tempfile::tempdir().unwrap();
    let quitter = script(t.path(), "quitter", "exit 0");
    let out = t.path().join("good.out");
    let good = script(t.path(), "good", &format!("exec cat > {}", out.display()));
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "quitter", &plugin_text(&quitter, "", "string"));
    plugin_file(&pd, "good", &plugin_text(&good, "", "string"));
    let (s, msgs) = settings(&pd, 100, OverflowAction::Syslog, 2);
    let d = Dispatcher::load(s);
    let recs = storm(50);
    // Records spaced out so each start of the quitter has exited before the next write.
    for chunk in recs.chunks(10) {
        feed(&d, chunk);
        std::thread::sleep(Duration::from_millis(300));
    }
    let q = quitter.display().to_string();
    assert!(
        wait_until(Duration::from_secs(5), || texts(&msgs)
            .contains(&format!("plugin {q} has exceeded max_restarts"))),
        "{:?}",
        texts(&msgs)
    );
    let m = texts(&msgs);
    assert_eq!(
        m.iter().filter(|x| **x == format!("plugin {q} terminated unexpectedly")).count(),
        3,
        "{m:?}"
    );
    assert_eq!(m.iter().filter(|x| **x == format!("plugin {q} was restarted")).count(), 2, "{m:?}");
    assert_eq!(d.stats().active_plugins, 1);
    d.shutdown();
    assert_eq!(read(&out), string_lines(&recs));
}

#[test]
fn a_crashed_plugin_gets_the_record_again() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    // Each start reads one line, keeps it, and dies.
    let p = script(t.path(), "one", &format!("read -r line; echo \"$line\" >> {}", out.display()));
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "one", &plugin_text(&p, "", "string"));
    let (s, msgs) = settings(&pd, 100, OverflowAction::Syslog, 10);
    let d = Dispatcher::load(s);
    let recs = storm(1);
    for r in &recs {
        feed(&d, std::slice::from_ref(r));
        std::thread::sleep(Duration::from_millis(400));
    }
    d.shutdown();
    // Lines are never lost: each one was read by some start of the plugin (a line written while
    // a start was exiting is sent again to the next one).
    let got = read(&out);
    for line in string_lines(&recs).lines() {
        // (the shell's read drops the trailing space of EOE lines)
        assert!(
            got.lines().any(|l| l == line.trim_end()),
            "{line} not in {got} / {:?}",
            texts(&msgs)
        );
    }
}

#[test]
fn a_plugin_that_never_reads_fills_only_its_own_queue() {
    let t = tempfile::tempdir().unwrap();
    let deaf = script(t.path(), "deaf", "exec sleep 600");
    let out = t.path().join("good.out");
    let good = script(t.path(), "good", &format!("exec cat > {}", out.display()));
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "deaf", &plugin_text(&deaf, "", "binary"));
    plugin_file(&pd, "good", &plugin_text(&good, "", "string"));
    let (mut s, msgs) = settings(&pd, 64, OverflowAction::Syslog, 3);
    s.stop_grace = Duration::from_millis(300);
    let d = Dispatcher::load(s);
    let recs = storm(4000);
    let start = Instant::now();
    let mut worst = Duration::ZERO;
    for (ty, p) in &recs {
        let t0 = Instant::now();
        d.enqueue(&Record::raw(*ty, p.as_bytes()));
        worst = worst.max(t0.elapsed());
    }
    let total = start.elapsed();
    let st = d.stats();
    assert!(st.overflowed);
    assert_eq!(st.queue_size, 64);
    assert_eq!(st.current_depth, 64);
    assert!(worst < Duration::from_millis(100), "enqueue blocked {worst:?}");
    // Once the deaf plugin overflowed, records for it are dropped without waiting.
    assert!(total < Duration::from_secs(3), "{total:?}");
    let m = texts(&msgs);
    assert_eq!(m.iter().filter(|x| *x == "queue to plugins is full - dropping event").count(), 5);
    assert_eq!(
        m.iter()
            .filter(|x| *x
                == "auditd queue full reporting limit reached - ending dropped event notifications")
            .count(),
        1
    );
    let mut report = Vec::new();
    st.write_report(&mut report).unwrap();
    let report = String::from_utf8(report).unwrap();
    assert!(report.contains("plugin queue overflow detected = yes\n"), "{report}");
    assert!(report.starts_with("Number of active plugins = 2\n"), "{report}");
    let t0 = Instant::now();
    d.shutdown();
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(read(&out), string_lines(&recs), "the reading plugin lost records");
}

#[test]
fn a_hung_plugin_that_ignores_term_is_killed_at_shutdown() {
    let t = tempfile::tempdir().unwrap();
    let hung = script(t.path(), "hung", "trap '' TERM; while :; do sleep 1; done");
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "hung", &plugin_text(&hung, "", "string"));
    let (mut s, _msgs) = settings(&pd, 10, OverflowAction::Ignore, 3);
    s.stop_grace = Duration::from_millis(200);
    let d = Dispatcher::load(s);
    feed(&d, &storm(2000));
    let t0 = Instant::now();
    d.shutdown();
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    let ps =
        std::process::Command::new("pgrep").arg("-f").arg(hung.to_str().unwrap()).output().unwrap();
    assert!(ps.stdout.is_empty(), "left running: {}", String::from_utf8_lossy(&ps.stdout));
}

#[test]
fn suspend_until_resume_and_single_through_the_hook() {
    let t = tempfile::tempdir().unwrap();
    let deaf = script(t.path(), "deaf", "exec sleep 600");
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "deaf", &plugin_text(&deaf, "", "binary"));
    let (mut s, msgs) = settings(&pd, 8, OverflowAction::Suspend, 3);
    s.stop_grace = Duration::from_millis(200);
    let d = Dispatcher::load(s.clone());
    // Records until the plugin socket's buffer and the queue of 8 are full (bounded).
    for _ in 0..50 {
        feed(&d, &storm(100));
        if d.stats().suspended {
            break;
        }
    }
    assert!(d.stats().suspended);
    assert!(texts(&msgs).contains(
        &"Auditd is suspending event passing to plugins due to overflowing its queue.".to_string()
    ));
    d.resume();
    assert!(!d.stats().suspended);

    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let c = calls.clone();
    s.overflow_action = OverflowAction::Single;
    s.runlevel = std::sync::Arc::new(move |l| c.lock().unwrap().push(l));
    d.reconfigure(s);
    feed(&d, &storm(100));
    assert!(calls.lock().unwrap().contains(&raudit_dispatch::Runlevel::Single));
    assert!(
        texts(&msgs).contains(
            &"Auditd is now changing the system to single user mode due to overflowing its queue"
                .to_string()
        )
    );
    d.shutdown();
}

#[test]
fn reload_adds_removes_restarts_and_grows_the_queue() {
    let t = tempfile::tempdir().unwrap();
    let out_a = t.path().join("a.out");
    let out_b = t.path().join("b.out");
    // A reload sends SIGHUP to running plugins: these ignore it, as real plugins handle it.
    let pa = script(t.path(), "pa", &format!("trap '' HUP; exec cat >> {}", out_a.display()));
    let pb = script(t.path(), "pb", &format!("trap '' HUP; exec cat >> {}", out_b.display()));
    let pd = t.path().join("pd");
    std::fs::create_dir(&pd).unwrap();
    plugin_file(&pd, "a", &plugin_text(&pa, "", "string"));
    let (mut s, msgs) = settings(&pd, 10, OverflowAction::Syslog, 3);
    let d = Dispatcher::load(s.clone());
    let r1 = storm(5);
    feed(&d, &r1);
    assert!(wait_until(Duration::from_secs(5), || read(&out_a).lines().count() == 15));
    // Add b, grow the queue.
    plugin_file(&pd, "b", &plugin_text(&pb, "", "string"));
    s.q_depth = 50;
    d.reconfigure(s.clone());
    assert_eq!(d.stats().queue_size, 50);
    assert_eq!(d.stats().active_plugins, 2);
    let r2: Vec<_> = storm(12).split_off(15);
    feed(&d, &r2);
    // q_depth never shrinks; a's binary changes (new inode): restarted; b removed.
    let new = script(t.path(), "pa.new", &format!("trap '' HUP; exec cat >> {}", out_a.display()));
    std::fs::rename(&new, &pa).unwrap();
    std::fs::remove_file(pd.join("b")).unwrap();
    assert!(wait_until(Duration::from_secs(5), || read(&out_b).lines().count() == 21));
    s.q_depth = 20;
    d.reconfigure(s.clone());
    assert_eq!(d.stats().queue_size, 50);
    assert_eq!(d.stats().active_plugins, 1);
    let r3: Vec<_> = storm(20).split_off(36);
    feed(&d, &r3);
    d.shutdown();
    let m = texts(&msgs);
    assert!(!m.iter().any(|x| x.contains("unexpectedly")), "{m:?}");
    assert!(m.contains(&format!("Terminating {} because its now inactive", pb.display())), "{m:?}");
    assert!(m.contains(&format!("Restarting {} since binary changed", pa.display())), "{m:?}");
    assert_eq!(read(&out_b), string_lines(&r2));
    let mut all = r1.clone();
    all.extend(r2);
    all.extend(r3);
    assert_eq!(read(&out_a), string_lines(&all));

    // Nothing left: the dispatcher says so.
    let (s2, msgs2) = settings(&t.path().join("empty"), 10, OverflowAction::Syslog, 3);
    let d2 = Dispatcher::load(s2);
    assert!(!d2.is_active());
    assert_eq!(texts(&msgs2), ["No plugins found, not dispatching events"]);
    d2.enqueue(&Record::raw(1300, b"x"));
    let _ = Priority::Info;
}
