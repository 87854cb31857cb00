//! A program run with its syslog(3) messages caught: inside a private mount
//! namespace (`unshare -m`, needs root) where `/dev` is a directory holding a UNIX
//! datagram socket `log` that the test reads.

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Runs `program args` with `input` on stdin and `env` added, its `/dev/log` bound to a
/// socket made in `dir` (a fresh directory). Returns every datagram it sent, in order, and
/// how it exited.
///
/// # Panics
/// When the socket cannot be made or the program cannot be started (a set-up failure).
pub fn run_with_dev_log(
    dir: &Path,
    program: &Path,
    args: &[&str],
    input: &[u8],
    env: &[(&str, &str)],
) -> (Vec<Vec<u8>>, ExitStatus) {
    let dev = dir.join("dev");
    std::fs::create_dir_all(&dev).expect("make the fake /dev");
    let log = UnixDatagram::bind(dev.join("log")).expect("bind the fake /dev/log");
    log.set_read_timeout(Some(Duration::from_millis(50))).expect("socket timeout");
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let (mut got, mut buf, mut idle) = (Vec::new(), vec![0u8; 1 << 17], 0);
            // After the program ended, a few empty reads mean the queue is drained.
            while idle < 4 {
                match log.recv(&mut buf) {
                    Ok(n) => got.push(buf[..n].to_vec()),
                    Err(_) if done.load(Ordering::Relaxed) => idle += 1,
                    Err(_) => {}
                }
            }
            got
        })
    };
    let mut cmd = Command::new("/usr/bin/unshare");
    cmd.arg("-m")
        .arg("/bin/sh")
        .arg("-c")
        .arg(r#"/bin/mount --bind "$0" /dev && exec "$@""#)
        .arg(&dev)
        .arg(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("start the program under unshare");
    if let Some(mut stdin) = child.stdin.take() {
        // (a program that exits early closes the pipe: not the test's failure)
        let _ = stdin.write_all(input);
    }
    let status = child.wait().expect("wait for the program");
    done.store(true, Ordering::Relaxed);
    (reader.join().expect("the syslog reader"), status)
}
