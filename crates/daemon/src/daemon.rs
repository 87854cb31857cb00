//! The daemon proper: start-up, the event loop over the audit socket and a signalfd, the signal
//! actions (HUP reload, USR1 rotate, USR2 resume, TERM stop, CONT state report) and DAEMON_*
//! records (kernel-and-daemon.md §2.1, 2.2, 2.9, 2.12).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use raudit_config::{DaemonConfig, Level, LoadOptions, LogFormat, NameFormat};
use raudit_netlink::{Client, EventReader};

use crate::pipeline::{LineBatch, Output, Pipeline, Record, StdoutSink};
use crate::writer::{LogWriter, Priority, SystemHooks};

/// Record types of the daemon's own records.
pub const DAEMON_START: u16 = 1200;
pub const DAEMON_END: u16 = 1201;
pub const DAEMON_ABORT: u16 = 1202;
pub const DAEMON_CONFIG: u16 = 1203;
pub const DAEMON_ROTATE: u16 = 1205;
pub const DAEMON_RESUME: u16 = 1206;

/// `-s`: what to do with the kernel's enabled flag at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Startup {
    Enable,
    Disable,
    NoChange,
}

/// Command-line options.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-f`: foreground, records to stdout, messages to stderr.
    pub foreground: bool,
    /// `-l`: the config file may be a symlink.
    pub allow_links: bool,
    /// `-n`: do not fork.
    pub no_fork: bool,
    pub startup: Startup,
    /// `-c DIR`: config file DIR/auditd.conf.
    pub config_dir: PathBuf,
    /// Where the pid and state files live (`/var/run`; `RAUDIT_RUN_DIR` overrides it).
    pub run_dir: PathBuf,
    /// `--load-rules`: the init flow's rule loading (augenrules --load), run once the daemon is
    /// registered, so that no event of the new rules is missed.
    pub load_rules: bool,
}

impl Options {
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("auditd.conf")
    }
    pub fn pid_file(&self) -> PathBuf {
        self.run_dir.join("auditd.pid")
    }
    pub fn state_file(&self) -> PathBuf {
        self.run_dir.join("auditd.state")
    }
}

/// Exit codes (the reference's).
pub const EXIT_INIT: u8 = 1;
pub const EXIT_PRIVILEGE: u8 = 4;
pub const EXIT_CONFIG: u8 = 6;

struct Msg {
    syslog: bool,
}

impl Msg {
    fn say(&self, p: Priority, text: &str) {
        crate::sys::message(self.syslog, p, text);
    }
}

/// Load the config as the daemon does; messages go out through `msg`. `None` = fatal error.
fn load_config(opts: &Options, say: &dyn Fn(Priority, &str)) -> Option<DaemonConfig> {
    let path = opts.config_file();
    match raudit_config::load(&path, &LoadOptions { allow_links: opts.allow_links }) {
        Ok(l) => {
            for d in &l.diagnostics {
                say(
                    if d.level == Level::Error { Priority::Err } else { Priority::Warning },
                    &d.text,
                );
            }
            if l.file_found {
                Some(l.config)
            } else {
                say(Priority::Notice, "Using Debian's default settings");
                Some(DaemonConfig::debian_defaults())
            }
        }
        Err(e) => {
            for d in &e.diagnostics {
                say(Priority::Err, &d.text);
            }
            say(Priority::Err, &format!("The audit daemon is exiting (config file error: {e})"));
            None
        }
    }
}

fn read_trim(path: &str) -> Option<String> {
    let s = std::fs::read_to_string(path).ok()?;
    let s = s.trim_end_matches(['\n', '\0']).to_string();
    (!s.is_empty()).then_some(s)
}

/// The daemon's own `auid=.. pid=.. uid=.. ses=..[ subj=..]` part.
fn self_fields() -> String {
    let auid = read_trim("/proc/self/loginuid").unwrap_or_else(|| "4294967295".into());
    let ses = read_trim("/proc/self/sessionid").unwrap_or_else(|| "4294967295".into());
    let uid = rustix::process::getuid().as_raw();
    let mut s = format!("auid={auid} pid={} uid={uid} ses={ses}", std::process::id());
    if let Some(ctx) = read_trim("/proc/self/attr/current") {
        s.push_str(&format!(" subj={}", ctx.replace('\n', " ")));
    }
    s
}

/// `auid=.. uid=.. ses=.. pid=..[ subj=..]` of a signal's sender, from AUDIT_SIGNAL_INFO.
fn sender_fields(si: &raudit_proto::SigInfo) -> String {
    use std::os::unix::fs::MetadataExt;
    let proc = format!("/proc/{}", si.pid);
    let uid = std::fs::metadata(&proc).map_or(4294967295, |m| m.uid());
    let ses = read_trim(&format!("{proc}/sessionid")).unwrap_or_else(|| "4294967295".into());
    let mut s = format!("auid={} uid={uid} ses={ses} pid={}", si.uid, si.pid);
    if let Some(ctx) = &si.ctx {
        s.push_str(&format!(" subj={}", String::from_utf8_lossy(ctx)));
    }
    s
}

/// Serials of the daemon's own records: random start, then +1.
struct Serials(u32);

fn random_serial() -> u32 {
    let n = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    (n ^ std::process::id().wrapping_mul(2_654_435_761)) % 10000
}

impl Serials {
    fn next(&mut self) -> u32 {
        let s = self.0;
        self.0 = self.0.wrapping_add(1);
        s
    }
}

fn own_record(msg_type: u16, serial: u32, body: &str) -> Record {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let payload = format!("audit({}.{:03}:{serial}): {body}", now.as_secs(), now.subsec_millis())
        .into_bytes();
    Record { msg_type, payload }
}

fn node_name(cfg: &DaemonConfig) -> Result<Option<String>, String> {
    match cfg.name_format {
        NameFormat::None => Ok(None),
        NameFormat::User => cfg.name.clone().map(Some).ok_or("User defined name missing".into()),
        NameFormat::Hostname | NameFormat::Fqd | NameFormat::Numeric => {
            let h = read_trim("/proc/sys/kernel/hostname").ok_or("Unable to get machine name")?;
            if cfg.name_format == NameFormat::Numeric {
                use std::net::ToSocketAddrs;
                let addr = (h.as_str(), 0)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or(format!("Cannot resolve hostname {h}"))?;
                return Ok(Some(addr.ip().to_string()));
            }
            // FQD: the canonical name needs getaddrinfo(AI_CANONNAME); the hostname is used.
            Ok(Some(h.replace(' ', "_")))
        }
    }
}

fn make_output(cfg: &DaemonConfig, foreground: bool, syslog: bool) -> Output<SystemHooks> {
    if foreground {
        Output::Stdout(StdoutSink)
    } else {
        Output::Log(LogWriter::open(cfg.clone(), SystemHooks::new(syslog)))
    }
}

/// The signals the daemon handles, blocked and read through a signalfd.
const SIGNALS: [i32; 6] =
    [libc::SIGHUP, libc::SIGUSR1, libc::SIGUSR2, libc::SIGTERM, libc::SIGINT, libc::SIGCONT];

fn signal_fd() -> std::io::Result<OwnedFd> {
    // SAFETY: `set` is a properly initialised sigset_t on our stack; sigemptyset/sigaddset only
    // write into it; pthread_sigmask and signalfd read it. signalfd returns a new descriptor that we
    // own from here on (or -1, checked).
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in SIGNALS {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        let fd = libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

fn read_signal(fd: &OwnedFd) -> Option<i32> {
    let mut buf = [0u8; std::mem::size_of::<libc::signalfd_siginfo>()];
    let n = rustix::io::read(fd, &mut buf).ok()?;
    if n != buf.len() {
        return None;
    }
    Some(i32::from_ne_bytes(buf[0..4].try_into().ok()?))
}

/// Fork into the background; the parent exits with the child's start-up verdict.
fn daemonize() -> std::io::Result<Option<std::fs::File>> {
    let (mut r, w) = std::io::pipe()?;
    // SAFETY: called before any thread is started, so the child is a full copy of a single-threaded
    // process; it only continues with ordinary Rust code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid > 0 {
        drop(w);
        let mut b = [0u8; 1];
        let ok = matches!(std::io::Read::read(&mut r, &mut b), Ok(1) if b[0] == 0);
        std::process::exit(if ok { 0 } else { 1 });
    }
    drop(r);
    let _ = rustix::process::setsid();
    let _ = std::env::set_current_dir("/");
    if let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors with a valid open descriptor.
            unsafe {
                libc::dup2(null.as_raw_fd(), fd);
            }
        }
    }
    Ok(Some(std::fs::File::from(OwnedFd::from(w))))
}

struct Daemon {
    opts: Options,
    cfg: DaemonConfig,
    msg: Msg,
    pipeline: Pipeline<SystemHooks>,
    serials: Serials,
    reader: EventReader,
    started: SystemTime,
    /// The batch being formatted (its buffers are reused).
    lines: LineBatch,
}

/// Most records in one batch (one write, one sync).
pub const BATCH_RECORDS: usize = 4096;

impl Daemon {
    fn emit(&mut self, msg_type: u16, body: &str) {
        let serial = self.serials.next();
        self.pipeline.emit_own(own_record(msg_type, serial, body));
    }

    fn signal_sender(&mut self) -> Option<String> {
        self.reader.client().signal_info().ok().map(|si| sender_fields(&si))
    }

    fn reload(&mut self) {
        // The sender is asked for first, as the reference does before reading the file.
        let sender = self.reader.client().signal_info().ok();
        let say = |p: Priority, t: &str| crate::sys::message(self.msg.syslog, p, t);
        let Some(mut new) = load_config(&self.opts, &say) else {
            // COMPAT: auditd.c reconfigure: a config that does not parse leaves no record.
            return;
        };
        if self.opts.foreground {
            new.write_logs = false;
        }
        let reopen = self.pipeline.log().is_some_and(|w| w.config() != &new);
        if reopen {
            let out = make_output(&new, self.opts.foreground, self.msg.syslog);
            if let Output::Log(old) = std::mem::replace(&mut self.pipeline.output, out) {
                old.shutdown();
            }
        }
        if let Ok(node) = node_name(&new) {
            self.pipeline.node = node;
        }
        if new.log_format != self.cfg.log_format {
            self.pipeline.enricher = enricher_for(&new);
        }
        // COMPAT: auditd-event.c reconfigure: a changed boost is applied again, relative to the
        // priority the daemon already has.
        if new.priority_boost != self.cfg.priority_boost
            && let Err(e) = boost_priority(new.priority_boost)
        {
            say(Priority::Warning, &format!("Cannot change priority in reconfigure ({e})"));
        }
        self.cfg = new;
        let (auid, pid, subj) = match sender {
            Some(si) => (
                si.uid.to_string(),
                si.pid.to_string(),
                si.ctx.map_or("?".into(), |c| String::from_utf8_lossy(&c).into_owned()),
            ),
            None => ("-1".into(), "-1".into(), "?".into()),
        };
        // COMPAT: auditd.c reconfigure: the success record takes a fresh random serial.
        self.pipeline.emit_own(own_record(
            DAEMON_CONFIG,
            random_serial(),
            &format!("op=reconfigure state=changed auid={auid} pid={pid} subj={subj} res=success"),
        ));
    }

    fn rotate(&mut self) {
        match self.signal_sender() {
            Some(f) => {
                if let Some(w) = self.pipeline.log() {
                    w.rotate_requested();
                }
                self.emit(DAEMON_ROTATE, &format!("op=rotate-logs {f} res=success"));
            }
            None => self.emit(DAEMON_ROTATE, "op=rotate-logs auid=-1 pid=-1 subj=? res=failed"),
        }
    }

    fn resume(&mut self) {
        let f = self.signal_sender();
        if let Some(w) = self.pipeline.log() {
            w.resume();
        }
        match f {
            Some(f) => self.emit(DAEMON_RESUME, &format!("op=resume-logging {f} res=success")),
            None => self.emit(DAEMON_RESUME, "op=resume-logging auid=-1 pid=-1 subj=? res=success"),
        }
    }

    fn state_report(&mut self) -> String {
        let mut s = String::new();
        let mut kv = |k: &str, v: String| s.push_str(&format!("{k} = {v}\n"));
        kv("audit version", format!("raudit {}", env!("CARGO_PKG_VERSION")));
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        kv("current time", now.to_string());
        let up = self.started.elapsed().unwrap_or_default().as_secs();
        kv("uptime seconds", up.to_string());
        kv("process priority", self.cfg.priority_boost.to_string());
        let st = self.pipeline.stats;
        kv("records received", st.received.to_string());
        kv("records written", st.written.to_string());
        kv("records dropped", st.output_dropped.to_string());
        kv("socket overruns (ENOBUFS)", self.reader.enobufs().to_string());
        if let Ok(status) = self.reader.client().get_status() {
            kv("kernel lost", status.lost.to_string());
            kv("kernel backlog", status.backlog.to_string());
        }
        let writing = self.cfg.write_logs && !self.opts.foreground;
        kv("writing to logs", if writing { "yes" } else { "no" }.into());
        if let Some(w) = self.pipeline.log() {
            let state = w.state();
            let (sl, asl) = w.thresholds_mb();
            let size = w.log_size();
            let space = w.fs_space();
            let mut kv = |k: &str, v: String| s.push_str(&format!("{k} = {v}\n"));
            kv("current log size", format!("{} KB", size / 1024));
            kv("max log size", format!("{} KB", w.config().max_log_file * 1024));
            if let Some(sp) = space {
                kv("space left on partition", if sp.available >= 5 { "yes" } else { "no" }.into());
                kv(
                    "Logging partition free space",
                    format!("{} MB", sp.available * sp.block_size / (1024 * 1024)),
                );
            }
            kv("space_left setting", format!("{sl} MB"));
            kv("admin_space_left setting", format!("{asl} MB"));
            kv("logging suspended", yes_no(state.suspended));
            kv("file system space action performed", yes_no(state.space_warning));
            kv("admin space action performed", yes_no(state.admin_space_warning));
            kv("disk error detected", yes_no(state.disk_error_warnings > 0));
        }
        s
    }

    fn write_state(&mut self) {
        let text = self.state_report();
        let path = self.opts.state_file();
        let tmp = path.with_extension("state.tmp");
        use std::os::unix::fs::OpenOptionsExt;
        let r = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o640)
            .open(&tmp)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = r {
            self.msg.say(Priority::Err, &format!("Could not write {} ({e})", path.display()));
        }
    }

    /// Read what the socket has (up to [`BATCH_RECORDS`]) and push it through the pipeline as
    /// one batch: records are received `recvmmsg`-many at a time, formatted straight into one
    /// buffer, written with one write and, for DATA/SYNC, made durable with one sync. Returns
    /// whether the batch was full (more may be waiting).
    fn drain_socket(&mut self) -> bool {
        let Daemon { reader, pipeline, lines, msg, .. } = self;
        let mut got = 0;
        while got < BATCH_RECORDS {
            let r = reader.read_batch(BATCH_RECORDS - got, &mut |t, p| pipeline.push(lines, t, p));
            match r {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) => {
                    msg.say(Priority::Err, &format!("Error receiving audit netlink packet ({e})"));
                    break;
                }
            }
        }
        if !lines.is_empty() {
            pipeline.flush(lines);
        }
        got >= BATCH_RECORDS
    }

    fn run(&mut self, sigfd: &OwnedFd) {
        loop {
            let mut fds = [
                rustix::event::PollFd::new(&self.reader, rustix::event::PollFlags::IN),
                rustix::event::PollFd::new(sigfd, rustix::event::PollFlags::IN),
            ];
            let timeout = rustix::event::Timespec { tv_sec: 1, tv_nsec: 0 };
            if rustix::event::poll(&mut fds, Some(&timeout)).is_err() {
                continue;
            }
            let nl_ready = !fds[0].revents().is_empty();
            let sig_ready = !fds[1].revents().is_empty();
            if nl_ready {
                // One batch, then poll again: signals are seen between batches even when the
                // socket never empties.
                self.drain_socket();
            }
            if sig_ready {
                while let Some(sig) = read_signal(sigfd) {
                    match sig {
                        libc::SIGHUP => self.reload(),
                        libc::SIGUSR1 => self.rotate(),
                        libc::SIGUSR2 => self.resume(),
                        libc::SIGCONT => self.write_state(),
                        libc::SIGTERM | libc::SIGINT => {
                            // Records already queued are written before the end record.
                            while self.drain_socket() {}
                            let body = match self.signal_sender() {
                                Some(f) => format!("op=terminate {f} res=success"),
                                None => {
                                    "op=terminate auid=-1 uid=-1 ses=-1 pid=-1 subj=? res=success"
                                        .to_string()
                                }
                            };
                            self.emit(DAEMON_END, &body);
                            return;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// `nice(-boost)`: a higher scheduling priority for the daemon (priority_boost).
fn boost_priority(boost: u32) -> Result<(), std::io::Error> {
    if boost == 0 {
        return Ok(());
    }
    let delta = -(i32::try_from(boost).unwrap_or(i32::MAX));
    // nice() may legitimately return -1: errno tells an error from a priority.
    // SAFETY: __errno_location points at this thread's errno.
    unsafe { *libc::__errno_location() = 0 };
    // SAFETY: nice takes no pointers; it only changes this process's priority.
    let rc = unsafe { libc::nice(delta) };
    let err = std::io::Error::last_os_error();
    if rc == -1 && err.raw_os_error().is_some_and(|e| e != 0) { Err(err) } else { Ok(()) }
}

/// The enricher `log_format` asks for.
fn enricher_for(cfg: &DaemonConfig) -> Option<crate::enrich::Enricher> {
    (cfg.log_format == LogFormat::Enriched)
        .then(|| crate::enrich::Enricher::new(raudit_sys::SystemHost::new()))
}

/// Run the daemon; returns the process exit code.
pub fn run(opts: Options) -> u8 {
    let msg = Msg { syslog: !opts.foreground && !opts.no_fork };
    if rustix::process::geteuid().as_raw() != 0 {
        eprintln!("You must be root to run this program.");
        return EXIT_PRIVILEGE;
    }
    let say = |p: Priority, t: &str| crate::sys::message(!opts.foreground && !opts.no_fork, p, t);
    let Some(mut cfg) = load_config(&opts, &say) else { return EXIT_CONFIG };
    if opts.foreground {
        cfg.write_logs = false;
    }
    // COMPAT: auditd.c main: the boost is applied before forking, so plugins inherit it.
    if let Err(e) = boost_priority(cfg.priority_boost) {
        say(Priority::Err, &format!("Cannot change priority ({e})"));
        return EXIT_INIT;
    }
    // Signals are blocked before any thread starts (the async flush thread inherits the mask).
    let sigfd = match signal_fd() {
        Ok(fd) => fd,
        Err(e) => {
            say(Priority::Err, &format!("Cannot set up signal handling ({e})"));
            return EXIT_INIT;
        }
    };
    let parent_pipe = if !opts.foreground && !opts.no_fork {
        crate::sys::open_syslog();
        match daemonize() {
            Ok(p) => p,
            Err(e) => {
                say(Priority::Err, &format!("Cannot daemonize ({e})"));
                return EXIT_INIT;
            }
        }
    } else {
        None
    };
    let tell_parent = |ok: bool| {
        if let Some(mut p) = parent_pipe.as_ref() {
            let _ = std::io::Write::write_all(&mut p, &[if ok { 0 } else { 1 }]);
        }
    };
    let fail = |code: u8| {
        tell_parent(false);
        code
    };

    let node = match node_name(&cfg) {
        Ok(n) => n,
        Err(e) => {
            say(Priority::Err, &e);
            return fail(EXIT_INIT);
        }
    };
    let mut control = match Client::open() {
        Ok(c) => c,
        Err(e) => {
            say(Priority::Err, &format!("Unable to open the audit netlink socket ({e})"));
            return fail(EXIT_INIT);
        }
    };
    if let Err(e) = std::fs::write(opts.pid_file(), format!("{}\n", std::process::id())) {
        say(
            Priority::Err,
            &format!("Unable to write pid file {} ({e})", opts.pid_file().display()),
        );
        return fail(EXIT_INIT);
    }
    let output = make_output(&cfg, opts.foreground, msg.syslog);
    let mut pipeline = Pipeline::new(node, output);
    pipeline.enricher = enricher_for(&cfg);
    let mut serials = Serials(random_serial());
    let format = match cfg.log_format {
        LogFormat::Nolog => "nolog",
        LogFormat::Enriched => "enriched",
        LogFormat::Raw => "raw",
    };
    let kernel = read_trim("/proc/sys/kernel/osrelease").unwrap_or_default();
    let kernel: String = kernel.chars().take(56).collect();
    // COMPAT: auditd.c: DAEMON_START names the reference version so tools reading it see the
    // same shape; raudit's own version is in the state report.
    let start =
        format!("op=start ver=3.0.9 format={format} kernel={kernel} {} res=success", self_fields());
    pipeline.emit_own(own_record(DAEMON_START, serials.next(), &start));
    let _ = std::fs::write("/proc/self/oom_score_adj", "-1000");

    let abort = |pipeline: &mut Pipeline<SystemHooks>, serials: &mut Serials, op: &str| {
        let body = format!("op={op} {} res=failed", self_fields());
        pipeline.emit_own(own_record(DAEMON_ABORT, serials.next(), &body));
    };
    if cfg.local_events && opts.startup != Startup::NoChange {
        let locked = control.get_status().is_ok_and(|s| s.enabled == 2);
        if !locked {
            let want = u32::from(opts.startup == Startup::Enable);
            if let Err(e) = control.set_enabled(want) {
                say(Priority::Err, &format!("Unable to set initial audit startup state ({e})"));
                abort(&mut pipeline, &mut serials, "set-enable");
                let _ = std::fs::remove_file(opts.pid_file());
                return fail(EXIT_INIT);
            }
        }
    }
    drop(control);
    let reader = match EventReader::register() {
        Ok(r) => r,
        Err(e) => {
            say(Priority::Err, &format!("Unable to set audit pid, exiting ({e})"));
            abort(&mut pipeline, &mut serials, "set-pid");
            let _ = std::fs::remove_file(opts.pid_file());
            return fail(EXIT_INIT);
        }
    };
    match &pipeline.output {
        Output::Log(_) => eprintln!("rauditd: writing records to {}", cfg.log_file.display()),
        Output::Stdout(_) => eprintln!("rauditd: writing records to stdout"),
    }
    tell_parent(true);
    let state = if opts.startup == Startup::Disable { "disable" } else { "enable" };
    say(
        Priority::Notice,
        &format!(
            "Init complete, rauditd {} listening for events (startup state {state})",
            env!("CARGO_PKG_VERSION")
        ),
    );

    if opts.load_rules {
        // On its own thread: the event loop must already be reading while the rules go in.
        let syslog = msg.syslog;
        let spawned = std::thread::Builder::new().name("rauditd-rules".into()).spawn(move || {
            use raudit_rules::augenrules::{load_at_start, root};
            match load_at_start(&root()) {
                Ok(dest) => {
                    let text = format!("Audit rules loaded from {}", dest.display());
                    crate::sys::message(syslog, Priority::Notice, &text)
                }
                Err((dest, _)) => {
                    let text = format!("Loading the audit rules from {} failed", dest.display());
                    crate::sys::message(syslog, Priority::Err, &text)
                }
            }
        });
        if let Err(e) = spawned {
            say(Priority::Err, &format!("Cannot load the audit rules ({e})"));
        }
    }

    let mut d = Daemon {
        opts,
        cfg,
        msg,
        pipeline,
        serials,
        reader,
        started: SystemTime::now(),
        lines: LineBatch::default(),
    };
    d.run(&sigfd);
    // Unregister (dropping the reader sends pid 0 and waits for the ACK), then close the log.
    let Daemon { opts, pipeline, reader, .. } = d;
    drop(reader);
    std::thread::sleep(Duration::from_millis(10));
    if let Output::Log(w) = pipeline.output {
        w.shutdown();
    }
    let _ = std::fs::remove_file(opts.pid_file());
    let _ = std::fs::remove_file(opts.state_file());
    0
}

/// `raudit daemon --state`: ask the running daemon (pid file) for its state report and return it.
pub fn request_state(run_dir: &Path) -> Result<String, String> {
    let pid_file = run_dir.join("auditd.pid");
    let state_file = run_dir.join("auditd.state");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .map_err(|e| format!("cannot read {} ({e})", pid_file.display()))?
        .trim()
        .parse()
        .map_err(|_| format!("bad pid in {}", pid_file.display()))?;
    let before = std::fs::metadata(&state_file).and_then(|m| m.modified()).ok();
    let pid = rustix::process::Pid::from_raw(pid).ok_or("bad pid")?;
    rustix::process::kill_process(pid, rustix::process::Signal::CONT)
        .map_err(|e| format!("cannot signal the daemon ({e})"))?;
    for _ in 0..200 {
        std::thread::sleep(Duration::from_millis(10));
        let now = std::fs::metadata(&state_file).and_then(|m| m.modified()).ok();
        if now.is_some() && now != before {
            return std::fs::read_to_string(&state_file).map_err(|e| e.to_string());
        }
    }
    Err(format!("no state report in {}", state_file.display()))
}
