//! rauditd's DAEMON_END names the sender of the signal that stopped it:
//! for SIGINT (which the kernel does not record) the signal's own sender,
//! not the sender of an earlier SIGHUP. Holds the kernel test lock.

use std::process::Command;
use std::time::Duration;

mod common;

use raudit_testkit::{DaemonProcess, KernelGuard, Signal, wait_for};

const SHORT: Duration = Duration::from_secs(30);

#[test]
fn daemon_end_names_the_sender_of_sigint_not_of_an_earlier_hup() {
    let Some(mut kernel) = KernelGuard::acquire() else { return };
    let (dir, log) = common::config_dir("audit.log", "log_format = RAW\nflush = SYNC\n");
    let d = dir.path();
    let mut cmd = common::rauditd_in(d, &["-n"]);
    let mut daemon = DaemonProcess::spawn(&mut cmd);
    daemon.wait_registered(&mut kernel, SHORT);
    let read = || std::fs::read_to_string(&log).unwrap_or_default();

    // SIGHUP from another process: the kernel records it as the sender.
    let hup =
        Command::new("sh").arg("-c").arg(format!("kill -HUP {}", daemon.pid())).spawn().unwrap();
    let hup_pid = hup.id();
    assert!(hup.wait_with_output().unwrap().status.success());
    wait_for("the reconfigure record", SHORT, || read().contains("op=reconfigure"));
    assert!(read().contains(&format!(" pid={hup_pid} ")), "{}", read());

    // SIGINT from this process.
    daemon.signal(Signal::INT);
    assert!(daemon.wait(SHORT).success());
    assert_eq!(kernel.client().get_status().unwrap().pid, 0, "daemon left registered");
    let text = read();
    let end = text.lines().last().unwrap();
    assert!(end.starts_with("type=DAEMON_END "), "{text}");
    let me = std::process::id();
    assert!(end.contains(" uid=0 "), "{end}");
    assert!(end.contains(&format!(" pid={me} ")), "{end}");
    assert!(!end.contains(&format!("pid={hup_pid} ")), "{end}");
}
