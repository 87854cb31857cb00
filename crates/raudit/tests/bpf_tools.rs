//! The BPF tools against the real kernel: connects, execs and opens made by this test are
//! seen with the right pid, comm, addresses, ports, path, return value, login uid and
//! session; the options filter; a load that cannot happen fails in one line with exit 1.
//!
//! Other processes trace too, so every check picks this test's own events (its pid, or
//! markers in paths and argv). "Not shown" is checked against ring order: an event that
//! happened before one that is shown would have been read first.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use raudit_testkit::{Signal, poll_until};

const RAUDIT: &str = env!("CARGO_BIN_EXE_raudit");
const WAIT: Duration = Duration::from_secs(30);

/// A child killed and reaped on drop, so a failing test leaves no tracer behind.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running tool and the lines it printed (stdout and stderr, tagged).
struct Tool {
    proc: Reaped,
    lines: Receiver<(bool, String)>,
    out: Vec<String>,
    err: Vec<String>,
}

impl Tool {
    /// Starts `raudit ARGS` and waits until tracing has begun (its first line).
    fn start(args: &[&str]) -> Tool {
        Tool::start_with_env(args, &[])
    }

    /// [`Tool::start`] with extra environment variables.
    fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Tool {
        let mut cmd = Command::new(RAUDIT);
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.envs(env.iter().copied());
        let mut proc = Reaped(cmd.spawn().unwrap());
        let (tx, rx) = channel();
        let stdout = proc.0.stdout.take().expect("stdout piped");
        let stderr = proc.0.stderr.take().expect("stderr piped");
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx.send((true, l))))
        });
        std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx2.send((false, l))))
        });
        let mut tool = Tool { proc, lines: rx, out: Vec::new(), err: Vec::new() };
        let next = |tool: &Tool| {
            tool.lines
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("raudit {args:?} printed nothing"))
        };
        let mut first = next(&tool);
        // The first tracer on a machine without tracefs mounts it and says so.
        if !first.0 && first.1.starts_with("raudit: tracefs was not mounted") {
            first = next(&tool);
        }
        assert!(first.1.starts_with("Tracing ") || first.0, "raudit {args:?} failed: {}", first.1);
        if first.0 {
            tool.out.push(first.1);
        }
        tool
    }

    /// Waits for a stdout line that `pred` accepts and returns it.
    fn wait(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        if let Some(l) = self.out.iter().find(|l| pred(l)) {
            return l.clone();
        }
        let deadline = Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok((true, line)) => {
                    self.out.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Ok((false, line)) => {
                    eprintln!("tool stderr: {line}");
                    self.err.push(line);
                }
                Err(_) => break,
            }
        }
        panic!("timed out waiting for {what}; output:\n{}", self.out.join("\n"));
    }

    fn json(&mut self, what: &str, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let line =
            self.wait(what, |l| serde_json::from_str(l).is_ok_and(|v: serde_json::Value| pred(&v)));
        serde_json::from_str(&line).expect("checked above")
    }

    /// Stops the tool (SIGINT, as Ctrl-C) and checks it ends with 0.
    fn stop(self) -> Vec<String> {
        self.stop_with_stderr().0
    }

    /// [`Tool::stop`], also returning what the tool printed on stderr.
    fn stop_with_stderr(mut self) -> (Vec<String>, Vec<String>) {
        raudit_testkit::signal(self.proc.0.id(), Signal::INT);
        let mut status = None;
        poll_until(WAIT, || {
            status = self.proc.0.try_wait().unwrap();
            status.is_some()
        });
        assert!(status.is_some_and(|s| s.success()), "{status:?}");
        // The readers end when the pipes close; collect what they still hold.
        let mut left = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(WAIT) {
            left.push(line);
        }
        for (is_out, line) in left {
            if is_out { self.out.push(line) } else { self.err.push(line) }
        }
        (self.out, self.err)
    }
}

/// Whether the kernel tests can run; otherwise skip (a failure under CI=true).
fn can_trace() -> bool {
    if !cfg!(feature = "bpf") {
        return raudit_testkit::skip::<()>("raudit is built without the bpf feature").is_some();
    }
    if !rustix::process::geteuid().is_root() {
        return raudit_testkit::skip::<()>("BPF tracing needs root").is_some();
    }
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        return raudit_testkit::skip::<()>("the kernel has no BTF").is_some();
    }
    true
}

fn proc_self(name: &str) -> i64 {
    let text = std::fs::read_to_string(format!("/proc/self/{name}")).unwrap();
    text.trim().parse().unwrap()
}

/// The comm the kernel reports for the calling thread (the test's thread name).
fn my_comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm").unwrap().trim_end().to_string()
}

fn pid_s() -> String {
    std::process::id().to_string()
}

fn check_attribution(ev: &serde_json::Value) {
    assert_eq!(ev["pid"], std::process::id(), "{ev}");
    assert_eq!(ev["ppid"], std::os::unix::process::parent_id(), "{ev}");
    assert_eq!(ev["auid"], proc_self("loginuid"), "{ev}");
    assert_eq!(ev["ses"], proc_self("sessionid"), "{ev}");
    assert_eq!(ev["comm"], my_comm(), "{ev}");
    assert_eq!(ev["uid"], rustix::process::getuid().as_raw(), "{ev}");
}

#[test]
fn tcpconnect_sees_ipv4_ipv6_and_refused_connects() {
    if !can_trace() {
        return;
    }
    let mut tool = Tool::start(&["bpf", "tcpconnect", "--format", "json", "-p", &pid_s()]);
    let l4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let c4 = std::net::TcpStream::connect(l4.local_addr().unwrap()).unwrap();
    let l6 = std::net::TcpListener::bind("[::1]:0").unwrap();
    let c6 = std::net::TcpStream::connect(l6.local_addr().unwrap()).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let refused = std::net::TcpStream::connect(closed).unwrap_err();
    assert_eq!(refused.raw_os_error(), Some(libc::ECONNREFUSED));

    for (conn, ip, addr) in [(&c4, 4, "127.0.0.1"), (&c6, 6, "::1")] {
        let peer = conn.peer_addr().unwrap().port();
        let ev = tool.json("the connect", |v| v["dport"] == peer && v["ip"] == ip);
        check_attribution(&ev);
        assert_eq!(ev["type"], "connect");
        assert_eq!((ev["daddr"].as_str(), ev["saddr"].as_str()), (Some(addr), Some(addr)), "{ev}");
        assert_eq!(ev["sport"], conn.local_addr().unwrap().port(), "{ev}");
        assert_eq!(ev["ret"], 0, "{ev}");
        assert_eq!(ev["syscall"], 42, "{ev}");
    }
    let ev = tool.json("the refused connect", |v| v["dport"] == closed.port());
    check_attribution(&ev);
    assert_eq!(ev["ret"], -libc::ECONNREFUSED, "{ev}");
    assert_eq!(ev["daddr"], "127.0.0.1");
    tool.stop();
}

#[test]
fn tcpconnect_prints_bcc_columns_and_filters_ports() {
    if !can_trace() {
        return;
    }
    let la = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let lb = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (pa, pb) = (la.local_addr().unwrap().port(), lb.local_addr().unwrap().port());
    let mut tool = Tool::start(&["tcpconnect", "-p", &pid_s(), "-P", &pb.to_string()]);
    let _a = std::net::TcpStream::connect(la.local_addr().unwrap()).unwrap();
    let b = std::net::TcpStream::connect(lb.local_addr().unwrap()).unwrap();
    let line = tool
        .wait("the connect to port B", |l| l.split_whitespace().nth(5) == Some(&*pb.to_string()));
    let comm: String = my_comm().chars().take(12).collect();
    let want = format!(
        "{:<7} {comm:<12} 4  {:<16} {:<16} {pb:<6} ",
        std::process::id(),
        "127.0.0.1",
        "127.0.0.1"
    );
    assert_eq!(line, want);
    let out = tool.stop();
    assert_eq!(out[0], "Tracing connect ... Hit Ctrl-C to end");
    assert_eq!(out[1], "PID     COMM         IP SADDR            DADDR            DPORT ");
    assert!(
        !out.iter().any(|l| l.split_whitespace().nth(5) == Some(&*pa.to_string())),
        "-P let port A through:\n{out:?}"
    );
    drop(b);
}

#[test]
fn execsnoop_sees_execs_and_failed_execs_with_their_args() {
    if !can_trace() {
        return;
    }
    let marker = format!("raudit-exec-{}", std::process::id());
    let mut tool = Tool::start(&["bpf", "execsnoop", "-x", "--format", "json"]);
    let missing = format!("/nonexistent/{marker}");
    assert!(Command::new(&missing).arg(&marker).status().is_err());
    let mut child = Command::new("/bin/true").args([&marker, "two words"]).spawn().unwrap();
    let child_pid = child.id();
    assert!(child.wait().unwrap().success());

    let ev = tool.json("the exec", |v| v["pid"] == child_pid && v["ret"] == 0);
    assert_eq!(ev["ppid"], std::process::id(), "{ev}");
    assert_eq!(ev["comm"], "true", "{ev}");
    assert_eq!(ev["filename"], "/bin/true", "{ev}");
    assert_eq!(ev["argv"], serde_json::json!(["/bin/true", marker, "two words"]), "{ev}");
    assert_eq!(ev["auid"], proc_self("loginuid"), "{ev}");
    assert_eq!(ev["ses"], proc_self("sessionid"), "{ev}");
    let ev = tool.json("the failed exec", |v| v["filename"] == missing.as_str());
    assert_eq!(ev["ret"], -libc::ENOENT, "{ev}");
    assert_eq!(ev["ppid"], std::process::id(), "{ev}");
    assert_eq!(ev["argv"], serde_json::json!([missing, marker]), "{ev}");
    tool.stop();
}

#[test]
fn execsnoop_text_hides_failed_execs_without_x() {
    if !can_trace() {
        return;
    }
    let marker = format!("raudit-exec-text-{}", std::process::id());
    let mut tool = Tool::start(&["execsnoop", "-U", "-A"]);
    let missing = format!("/nonexistent/{marker}-failed");
    assert!(Command::new(&missing).status().is_err());
    let mut child = Command::new("/bin/true").arg(&marker).spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let line = tool.wait("the exec", |l| l.ends_with(&format!("/bin/true {marker}")));
    let (auid, ses) = (proc_self("loginuid") as u32, proc_self("sessionid") as u32);
    let id = |v: u32| if v == u32::MAX { "-1".to_string() } else { v.to_string() };
    let want = format!(
        "{:<6}{:<11}{:<11}{:<16} {pid:<7} {:<7} {:>3} /bin/true {marker}",
        rustix::process::getuid().as_raw(),
        id(auid),
        id(ses),
        "true",
        std::process::id(),
        0
    );
    assert_eq!(line, want);
    let out = tool.stop();
    assert_eq!(out[0], "UID   AUID       SES        PCOMM            PID     PPID    RET ARGS");
    assert!(!out.iter().any(|l| l.contains(&missing)), "a failed exec shown without -x:\n{out:?}");
}

#[test]
fn opensnoop_sees_opens_with_fd_flags_and_errors() {
    if !can_trace() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let there = dir.path().join("there");
    std::fs::write(&there, "x").unwrap();
    let missing = dir.path().join("missing");
    let mut tool = Tool::start(&["bpf", "opensnoop", "--format", "json", "-p", &pid_s()]);
    let file = std::fs::File::open(&there).unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
    assert!(std::fs::File::open(&missing).is_err());

    let ev = tool.json("the open", |v| v["path"] == there.to_str().unwrap());
    check_attribution(&ev);
    assert_eq!(ev["ret"], fd, "{ev}");
    let flags = ev["flags"].as_i64().unwrap() as i32;
    assert_eq!(flags & libc::O_ACCMODE, libc::O_RDONLY, "{ev}");
    assert_ne!(flags & libc::O_CLOEXEC, 0, "{ev}");
    assert_eq!(ev["syscall"], 257, "{ev}");
    let ev = tool.json("the failed open", |v| v["path"] == missing.to_str().unwrap());
    assert_eq!(ev["ret"], -libc::ENOENT, "{ev}");
    tool.stop();
}

#[test]
fn opensnoop_x_shows_only_failures_in_bcc_columns() {
    if !can_trace() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let there = dir.path().join("there");
    std::fs::write(&there, "x").unwrap();
    let missing = dir.path().join("missing");
    let mut tool = Tool::start(&["opensnoop", "-x", "-p", &pid_s()]);
    let _f = std::fs::File::open(&there).unwrap();
    assert!(std::fs::File::open(&missing).is_err());
    let line = tool.wait("the failed open", |l| l.ends_with(missing.to_str().unwrap()));
    let want = format!(
        "{:<6} {:<16} {:>4} {:>3} {}",
        std::process::id(),
        my_comm(),
        -1,
        2,
        missing.display()
    );
    assert_eq!(line, want);
    let out = tool.stop();
    assert_eq!(out[0], "PID    COMM               FD ERR PATH");
    assert!(
        !out.iter().any(|l| l.ends_with(there.to_str().unwrap())),
        "-x showed a success:\n{out:?}"
    );
}

/// The first line a child prints, waited for with a bound (a stuck child fails the test).
fn first_line(child: &mut std::process::Child) -> String {
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    rx.recv_timeout(WAIT).expect("the child printed no line")
}

/// Starts `sh -c SCRIPT` with its stdin and stdout piped.
fn shell(script: &str) -> Reaped {
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped());
    Reaped(cmd.spawn().unwrap())
}

/// Lets a child blocked in `read x` go on, and waits for it to succeed.
fn release(child: &mut Reaped) {
    std::io::Write::write_all(child.0.stdin.as_mut().expect("stdin piped"), b"go\n").unwrap();
    let mut status = None;
    poll_until(WAIT, || {
        status = child.0.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}

/// A shell that takes login uid 4242 (a new audit session), prints its session, waits
/// for a line on stdin, then opens `path`.
fn login_child(path: &std::path::Path) -> (Reaped, u32) {
    let script = format!(
        "echo 4242 > /proc/self/loginuid && cat /proc/self/sessionid && echo && read x && exec cat {} > /dev/null",
        path.display()
    );
    let mut child = shell(&script);
    let line = first_line(&mut child.0);
    let ses = line.trim().parse().unwrap_or_else(|_| panic!("child printed {line:?}"));
    (child, ses)
}

/// A cgroup made for a test, removed on drop (after its processes are gone).
struct CgroupDir(std::path::PathBuf);

impl Drop for CgroupDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn audit_attribution_selects_a_login_session() {
    if !can_trace() {
        return;
    }
    // Setting a login uid writes an audit record: take the kernel lock like every test that
    // makes the kernel audit something.
    let Some(_kernel) = raudit_testkit::KernelGuard::acquire() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (mine, theirs) = (dir.path().join("mine"), dir.path().join("theirs"));
    std::fs::write(&mine, "m").unwrap();
    std::fs::write(&theirs, "t").unwrap();
    let (mut child, ses) = login_child(&theirs);
    let mut by_user = Tool::start(&["opensnoop", "--format", "json", "-ua", "4242"]);
    let mut by_ses = Tool::start(&["opensnoop", "--format", "json", "--session", &ses.to_string()]);
    std::fs::read(&mine).unwrap();
    release(&mut child);
    for tool in [&mut by_user, &mut by_ses] {
        let ev = tool.json("the session's open", |v| v["path"] == theirs.to_str().unwrap());
        assert_eq!(
            (ev["auid"].as_u64(), ev["ses"].as_u64()),
            (Some(4242), Some(u64::from(ses))),
            "{ev}"
        );
        assert_eq!(ev["comm"], "cat");
    }
    for tool in [by_user, by_ses] {
        let out = tool.stop();
        assert!(
            !out.iter().any(|l| l.contains(mine.to_str().unwrap())),
            "another session's open shown:\n{out:?}"
        );
    }
}

#[test]
fn cgroup_option_selects_a_cgroup() {
    if !can_trace() {
        return;
    }
    let Some(root) = raudit_bpf::cgroup::cgroup2_root() else {
        raudit_testkit::skip::<()>("no cgroup2 mount");
        return;
    };
    let name = format!("raudit-bpf-test-{}", std::process::id());
    let cg = root.join(&name);
    std::fs::create_dir(&cg).unwrap();
    let _cleanup = CgroupDir(cg.clone());
    let dir = tempfile::tempdir().unwrap();
    let (mine, theirs) = (dir.path().join("mine"), dir.path().join("theirs"));
    std::fs::write(&mine, "m").unwrap();
    std::fs::write(&theirs, "t").unwrap();
    let script = format!(
        "echo $$ > {}/cgroup.procs && echo in && read x && exec cat {} > /dev/null",
        cg.display(),
        theirs.display()
    );
    let mut child = shell(&script);
    assert_eq!(first_line(&mut child.0), "in\n");
    let mut tool = Tool::start(&["opensnoop", "--format", "json", "--cgroup", &format!("/{name}")]);
    std::fs::read(&mine).unwrap();
    release(&mut child);
    let ev = tool.json("the cgroup's open", |v| v["path"] == theirs.to_str().unwrap());
    let out = tool.stop();
    assert_eq!(ev["cgroup"], format!("/{name}"), "{ev}");
    assert!(
        !out.iter().any(|l| l.contains(mine.to_str().unwrap())),
        "an open outside the cgroup:\n{out:?}"
    );
}

fn run_failing(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "not one line: {err:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    err
}

#[test]
fn a_load_that_cannot_happen_fails_in_one_line() {
    if !cfg!(feature = "bpf") {
        let err = run_failing(Command::new(RAUDIT).args(["bpf", "execsnoop"]));
        assert!(err.starts_with("raudit bpf execsnoop: BPF support is not compiled in"), "{err}");
        return;
    }
    let err = run_failing(
        Command::new(RAUDIT)
            .args(["bpf", "execsnoop"])
            .env("RAUDIT_BPF_BTF", "/nonexistent/vmlinux"),
    );
    assert!(
        err.starts_with(
            "raudit bpf execsnoop: the kernel's BTF is missing (/nonexistent/vmlinux: "
        ),
        "{err}"
    );
    let err =
        run_failing(Command::new(RAUDIT).args(["opensnoop", "--cgroup", "/no-such-cgroup-raudit"]));
    assert!(err.starts_with("raudit opensnoop: cgroup /no-such-cgroup-raudit: "), "{err}");
    if rustix::process::geteuid().is_root() {
        // A real refusal: the same program as an unprivileged user.
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            RAUDIT,
            "bpf",
            "tcpconnect",
        ]);
        let err = run_failing(&mut cmd);
        assert!(
            err.starts_with("raudit bpf tcpconnect: permission denied loading BPF programs"),
            "{err}"
        );
    }
}

/// A burst of opens while the tool is stopped overflows a one-page ring buffer: every open of
/// the burst is either printed or counted in the loss the tool reports on stderr.
#[test]
fn ring_buffer_drops_are_counted_and_reported() {
    if !can_trace() {
        return;
    }
    const BURST: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let burst = dir.path().join("burst");
    std::fs::write(&burst, "b").unwrap();
    let env = [("RAUDIT_BPF_RING_BYTES", "4096")];
    let mut tool =
        Tool::start_with_env(&["bpf", "opensnoop", "--format", "json", "-p", &pid_s()], &env);
    raudit_testkit::stop_all_threads(tool.proc.0.id(), WAIT);
    for _ in 0..BURST {
        drop(std::fs::File::open(&burst).unwrap());
    }
    raudit_testkit::signal(tool.proc.0.id(), Signal::CONT);
    // The first of the burst fit in the ring buffer.
    tool.wait("an open of the burst", |l| l.contains(burst.to_str().unwrap()));
    let (out, err) = tool.stop_with_stderr();
    let seen = out.iter().filter(|l| l.contains(burst.to_str().unwrap())).count();
    let total = err
        .iter()
        .find_map(|l| {
            l.strip_prefix("raudit bpf opensnoop: ")?.strip_suffix(" events lost in total")
        })
        .unwrap_or_else(|| panic!("no loss reported; stderr: {err:?}"));
    let lost: usize = total.parse().unwrap();
    assert!(seen < BURST, "{seen} of {BURST} seen: nothing overflowed");
    assert!(seen + lost >= BURST, "{seen} seen + {lost} lost < {BURST}: dropped silently");
    assert!(
        err.iter()
            .any(|l| l.starts_with("raudit bpf opensnoop: lost ")
                && l.contains("(ring buffer full)")),
        "{err:?}"
    );
}

/// Without tracefs's per-syscall tracepoints the raw ones (tp_btf) still see opens.
#[test]
fn the_raw_tracepoint_fallback_sees_opens() {
    if !can_trace() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let there = dir.path().join("raw");
    std::fs::write(&there, "x").unwrap();
    let mut tool = Tool::start_with_env(
        &["bpf", "opensnoop", "--format", "json", "-p", &pid_s()],
        &[("RAUDIT_BPF_ATTACH", "raw")],
    );
    let file = std::fs::File::open(&there).unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
    let ev = tool.json("the open", |v| v["path"] == there.to_str().unwrap());
    check_attribution(&ev);
    assert_eq!(ev["ret"], fd, "{ev}");
    tool.stop();
}
