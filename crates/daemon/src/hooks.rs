//! The daemon's side effects on the system: messages (stderr or syslog), and the programs the
//! disk policies run (EXEC, the EMAIL action's mailer, `/sbin/init` for SINGLE and HALT).
//!
//! They go through the [`Hooks`] trait so the log writer's tests can observe them without
//! touching the machine; [`SystemHooks`] does them for real. The raw OS calls are in
//! [`crate::sys`].

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Syslog priority of a daemon message (the dispatcher's, too).
pub use raudit_sys::syslog::Priority;

/// `/sbin/init` argument for the SINGLE and HALT actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runlevel {
    Single,
    Halt,
}

/// Side effects on the system. [`SystemHooks`] does them for real.
pub trait Hooks: Send {
    fn message(&mut self, priority: Priority, text: &str);
    /// Run `path` with no arguments, an empty environment and only stdio open; a program that is
    /// not root's alone (see [`crate::harden::helper_refusal`]) is refused with a message.
    fn exec(&mut self, path: &Path);
    /// Mail `body` to `acct`.
    fn email(&mut self, subject: &str, body: &str, acct: &str);
    fn runlevel(&mut self, level: Runlevel);
}

/// A daemon message: to syslog (facility daemon, ident "rauditd") or to stderr.
pub fn message(to_syslog: bool, priority: Priority, text: &str) {
    if to_syslog {
        raudit_sys::syslog::syslog_daemon(priority, text);
    } else {
        eprintln!("{text}");
    }
}

/// The real hooks: messages to stderr (foreground) or syslog, programs really run. Every child
/// is reaped (the reference's SIGCHLD handler), so none is left a zombie.
pub struct SystemHooks {
    pub to_syslog: bool,
    /// The mailer run for EMAIL actions (`/usr/lib/sendmail`, as the reference's).
    pub sendmail: PathBuf,
    /// `/sbin/init`, told the runlevel for SINGLE and HALT.
    pub init: PathBuf,
}

impl SystemHooks {
    pub fn new(to_syslog: bool) -> Self {
        SystemHooks {
            to_syslog,
            sendmail: PathBuf::from(raudit_config::EMAIL_COMMAND),
            init: PathBuf::from("/sbin/init"),
        }
    }

    /// A helper that fails [`crate::harden::helper_refusal`] is not run, and says why.
    fn refused(&mut self, path: &Path) -> bool {
        let Some(why) = crate::harden::helper_refusal(path) else { return false };
        let text = format!("Audit daemon refused to run {}: {why}", path.display());
        self.message(Priority::Alert, &text);
        true
    }

    fn exec_failed(&mut self, path: &Path) {
        self.message(Priority::Alert, &format!("Audit daemon failed to exec {}", path.display()));
    }
}

/// Waits for `child` on a thread of its own.
fn reap(mut child: std::process::Child) {
    let spawned = std::thread::Builder::new().name("rauditd-reap".into()).spawn(move || {
        let _ = child.wait();
    });
    // Without a thread the child is reaped when the daemon exits.
    drop(spawned);
}

/// Runs `program` with `args`, no environment, stdin from /dev/null (or a pipe) and no
/// descriptor of the daemon's beyond stdout and stderr (std clears the signal mask the daemon
/// set for its signalfd).
fn spawn_clean(program: &Path, args: &[&str], stdin: bool) -> io::Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    let mut c = std::process::Command::new(program);
    c.args(args).env_clear();
    c.stdin(if stdin { std::process::Stdio::piped() } else { std::process::Stdio::null() });
    // SAFETY: the closure runs in the forked child before exec and makes one raw syscall
    // (close_range), which is async-signal-safe; it touches no memory of the parent.
    unsafe {
        c.pre_exec(|| {
            raudit_sys::process::cloexec_above_stdio();
            Ok(())
        });
    }
    c.spawn()
}

impl Hooks for SystemHooks {
    fn message(&mut self, priority: Priority, text: &str) {
        message(self.to_syslog, priority, text);
    }
    fn exec(&mut self, path: &Path) {
        if self.refused(path) {
            return;
        }
        match spawn_clean(path, &[], false) {
            Ok(child) => reap(child),
            Err(_) => self.exec_failed(path),
        }
    }
    fn email(&mut self, subject: &str, body: &str, acct: &str) {
        // COMPAT: auditd-sendmail.c: `-t -f<acct>`, no environment, and this exact message.
        let path = self.sendmail.clone();
        if rustix::fs::access(&path, rustix::fs::Access::EXEC_OK).is_err() {
            let t = format!("Error - {} isn't executable", path.display());
            return self.message(Priority::Err, &t);
        }
        if self.refused(&path) {
            return;
        }
        match spawn_clean(&path, &["-t", &format!("-f{acct}")], true) {
            Ok(mut child) => {
                if let Some(mut stdin) = child.stdin.take() {
                    let mail =
                        format!("To: {acct}\nFrom: root\nSubject: {subject}\n\n{body}\n.\n\n");
                    let _ = stdin.write_all(mail.as_bytes());
                }
                reap(child);
            }
            Err(_) => self.exec_failed(&path),
        }
    }
    fn runlevel(&mut self, level: Runlevel) {
        let arg = match level {
            Runlevel::Single => "1",
            Runlevel::Halt => "0",
        };
        let init = self.init.clone();
        match spawn_clean(&init, &[arg], false) {
            Ok(child) => reap(child),
            Err(_) => self.exec_failed(&init),
        }
    }
}
