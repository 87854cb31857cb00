//! The daemon proper: start-up, the event loop over the audit socket and a signalfd, the signal
//! actions (HUP reload, USR1 rotate, USR2 resume, TERM stop, CONT state report) and DAEMON_*
//! records (kernel-and-daemon.md §2.1, 2.2, 2.9, 2.12).

use std::io;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use raudit_config::{ConfigError, DaemonConfig, Level, LoadOptions, LogFormat};
use raudit_netlink::{Client, EventReader};
use raudit_tables::{MsgType, REFERENCE_VERSION};
use rustix::process::Signal;

use crate::hooks::{Priority, SystemHooks};
use crate::own::{
    Serials, delivered_sender_fields, node_name, own_record, random_serial, read_trim, self_fields,
    sender_fields,
};
use crate::pipeline::{LineBatch, Output, Pipeline, StdoutSink};
use crate::sys::{Forked, SignalFd};
use crate::writer::LogWriter;

mod state;
pub use state::request_state;

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
    /// `--multicast`: read the kernel's multicast log group (AUDIT_NLGRP_READLOG) instead of
    /// registering, so raudit runs beside the daemon that owns the audit socket.
    pub multicast: bool,
    /// `--metrics-file PATH`: the counters in Prometheus' text format, for node_exporter's
    /// textfile collector (raudit's own setting: auditd.conf takes no unknown key).
    pub metrics_file: Option<PathBuf>,
    /// `--metrics-interval SECONDS`: how often the metrics file is replaced.
    pub metrics_interval: Duration,
    /// `--bpf connect,exec,open` (raudit only): BPF events as records in the same log.
    pub bpf: Option<crate::bpf_source::BpfSource>,
    /// `--seal KEYFILE`: seal every log file written (raudit's own; see docs/security.md).
    pub seal: Option<SealOptions>,
}

/// `--seal KEYFILE [--seal-records N] [--seal-seconds T]`.
#[derive(Debug, Clone)]
pub struct SealOptions {
    pub key_file: PathBuf,
    pub policy: raudit_seal::Policy,
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

/// How [`run`] ended when nothing went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// SIGTERM or SIGINT: the end record is written and the log closed.
    Terminated,
    /// This is the parent of the fork, and the daemon in the background reported a good start.
    Detached,
}

/// Why the daemon did not start. Each is said when it happens, in the reference's words, on
/// the daemon's message channel (stderr; syslog once it goes to the background) and the
/// Display is those words, so the caller only picks the exit status.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("You must be root to run this program.")]
    NotRoot,
    /// The config file's messages were said as they came.
    #[error("The audit daemon is exiting (config file error: {0})")]
    Config(#[source] ConfigError),
    #[error("Cannot change priority ({0})")]
    Priority(#[source] io::Error),
    #[error("Cannot set up signal handling ({0})")]
    Signals(#[source] io::Error),
    #[error("Cannot daemonize ({0})")]
    Daemonize(#[source] io::Error),
    /// This is the parent of the fork, and the daemon in the background reported a failed
    /// start (it said why itself).
    #[error("The audit daemon failed to start")]
    BackgroundStartFailed,
    /// name_format asks for a name that cannot be had.
    #[error("{0}")]
    NodeName(String),
    #[error("Unable to open the audit netlink socket ({0})")]
    Netlink(#[source] raudit_netlink::Error),
    /// log_file is a symbolic link: the daemon does not start (see docs/security.md).
    #[error("Refusing to start: log file {} is a symbolic link", .0.display())]
    LogFileSymlink(PathBuf),
    #[error("Unable to write pid file {} ({source})", path.display())]
    PidFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("Unable to set initial audit startup state ({0})")]
    StartupState(#[source] raudit_netlink::Error),
    /// `owner` names who holds the audit socket when the kernel said EEXIST (beyond the
    /// reference's words, which leave the user to find out).
    #[error("Unable to set audit pid, exiting ({source}){owner}")]
    Register {
        #[source]
        source: raudit_netlink::Error,
        owner: String,
    },
    #[error(
        "Unable to join the audit multicast group ({0}); reading it needs CAP_AUDIT_READ and \
         a kernel with AUDIT_NLGRP_READLOG"
    )]
    Multicast(#[source] raudit_netlink::Error),
    #[error("{0}")]
    Listener(#[source] raudit_remote::listener::ListenError),
    #[error("Unable to seal the logs: {0}")]
    Seal(#[source] raudit_seal::KeyError),
    #[error("Unable to start the BPF source: {0}")]
    Bpf(#[source] raudit_bpf::BpfError),
}

struct Msg {
    syslog: bool,
}

impl Msg {
    fn say(&self, p: Priority, text: &str) {
        crate::hooks::message(self.syslog, p, text);
    }
}

/// Load the config as the daemon does; every message, the fatal one included, goes out
/// through `say`.
fn load_config(opts: &Options, say: &dyn Fn(Priority, &str)) -> Result<DaemonConfig, DaemonError> {
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
                Ok(l.config)
            } else {
                say(Priority::Notice, "Using Debian's default settings");
                Ok(DaemonConfig::debian_defaults())
            }
        }
        Err(e) => {
            for d in &e.diagnostics {
                say(Priority::Err, &d.text);
            }
            let e = DaemonError::Config(e);
            say(Priority::Err, &e.to_string());
            Err(e)
        }
    }
}

/// The key and policy of `--seal`, loaded once at start.
type Seal = Option<(raudit_seal::SealKey, raudit_seal::Policy)>;

fn make_output(
    cfg: &DaemonConfig,
    foreground: bool,
    syslog: bool,
    seal: &Seal,
) -> Output<SystemHooks> {
    if foreground {
        Output::Stdout(StdoutSink)
    } else {
        let sealer = seal.as_ref().map(|(key, policy)| {
            raudit_seal::Sealer::new(key.clone(), *policy, u64::from(random_serial()))
        });
        Output::Log(LogWriter::open_sealed(cfg.clone(), SystemHooks::new(syslog), sealer))
    }
}

/// The signals the daemon handles, blocked and read through a signalfd.
const SIGNALS: [Signal; 6] =
    [Signal::HUP, Signal::USR1, Signal::USR2, Signal::TERM, Signal::INT, Signal::CONT];

/// Which process goes on after [`daemonize`].
enum Daemonized {
    /// The parent: the daemon's start-up verdict.
    Parent { started: bool },
    /// The daemon, with the pipe that tells the parent the verdict.
    Child(std::fs::File),
}

/// Fork into the background; the parent waits for the child's start-up verdict.
fn daemonize() -> io::Result<Daemonized> {
    let (mut r, w) = io::pipe()?;
    // SAFETY: called before any thread is started (run() starts none before this point).
    match unsafe { crate::sys::fork() }? {
        Forked::Parent => {
            drop(w);
            let mut b = [0u8; 1];
            let started = matches!(io::Read::read(&mut r, &mut b), Ok(1) if b[0] == 0);
            Ok(Daemonized::Parent { started })
        }
        Forked::Child => {
            drop(r);
            let _ = rustix::process::setsid();
            let _ = std::env::set_current_dir("/");
            crate::sys::stdio_to_null();
            Ok(Daemonized::Child(std::fs::File::from(OwnedFd::from(w))))
        }
    }
}

/// What the event loop and the network listener's thread share: records from both go through
/// one pipeline, with one serial counter for the daemon's own records.
pub(crate) struct Core {
    pub(crate) pipeline: Pipeline<SystemHooks>,
    pub(crate) serials: Serials,
}

pub(crate) type SharedCore = Arc<Mutex<Core>>;

/// The lock, also after a panic elsewhere: the pipeline's state stays usable.
pub(crate) fn lock(core: &SharedCore) -> MutexGuard<'_, Core> {
    core.lock().unwrap_or_else(|e| e.into_inner())
}

struct Daemon {
    opts: Options,
    cfg: DaemonConfig,
    msg: Msg,
    core: SharedCore,
    /// The kernel's records: registered (unicast), the multicast group, or none
    /// (`local_events = no`: a network aggregator only).
    reader: Option<EventReader>,
    listener: Option<raudit_remote::listener::ListenerHandle>,
    started: SystemTime,
    /// The batch being formatted (its buffers are reused).
    lines: LineBatch,
    seal: Seal,
}

/// Most records in one batch (one write, one sync).
pub const BATCH_RECORDS: usize = 4096;

impl Daemon {
    fn emit(&mut self, msg_type: u16, body: &str) {
        let mut core = lock(&self.core);
        let serial = core.serials.next();
        core.pipeline.emit_own(own_record(msg_type, serial, body));
    }

    fn signal_sender(&mut self) -> Option<String> {
        let si = self.reader.as_mut()?.client().signal_info().ok()?;
        Some(sender_fields(&si))
    }

    fn reload(&mut self) {
        // The sender is asked for first, as the reference does before reading the file.
        let sender = self.reader.as_mut().and_then(|r| r.client().signal_info().ok());
        let say = |p: Priority, t: &str| crate::hooks::message(self.msg.syslog, p, t);
        let Ok(mut new) = load_config(&self.opts, &say) else {
            // COMPAT: auditd.c reconfigure: a config that does not parse leaves no record.
            return;
        };
        if self.opts.foreground {
            new.write_logs = false;
        }
        let core = self.core.clone();
        let mut core = lock(&core);
        let pipeline = &mut core.pipeline;
        let reopen = pipeline.log().is_some_and(|w| w.config() != &new);
        if reopen {
            let out = make_output(&new, self.opts.foreground, self.msg.syslog, &self.seal);
            if let Output::Log(old) = std::mem::replace(&mut pipeline.output, out) {
                old.shutdown();
            }
        }
        if let Ok(node) = node_name(&new) {
            pipeline.node = node;
        }
        if new.log_format != self.cfg.log_format {
            pipeline.enricher = enricher_for(&new);
        }
        pipeline.protocol = plugin_protocol(&new, &pipeline.node);
        if let Some(d) = &pipeline.dispatcher {
            d.reconfigure(plugin_settings(&new, self.msg.syslog));
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
        pipeline.emit_own_undispatched(own_record(
            MsgType::DAEMON_CONFIG.0,
            random_serial(),
            &format!("op=reconfigure state=changed auid={auid} pid={pid} subj={subj} res=success"),
        ));
    }

    fn rotate(&mut self) {
        match self.signal_sender() {
            Some(f) => {
                if let Some(w) = lock(&self.core).pipeline.log() {
                    w.rotate_requested();
                }
                self.emit(MsgType::DAEMON_ROTATE.0, &format!("op=rotate-logs {f} res=success"));
            }
            None => self
                .emit(MsgType::DAEMON_ROTATE.0, "op=rotate-logs auid=-1 pid=-1 subj=? res=failed"),
        }
    }

    fn resume(&mut self) {
        let f = self.signal_sender();
        {
            let mut core = lock(&self.core);
            if let Some(w) = core.pipeline.log() {
                w.resume();
            }
            if let Some(d) = &core.pipeline.dispatcher {
                d.resume();
            }
        }
        match f {
            Some(f) => {
                self.emit(MsgType::DAEMON_RESUME.0, &format!("op=resume-logging {f} res=success"))
            }
            None => self.emit(
                MsgType::DAEMON_RESUME.0,
                "op=resume-logging auid=-1 pid=-1 subj=? res=success",
            ),
        }
    }

    /// Read what the socket has (up to [`BATCH_RECORDS`]) and push it through the pipeline as
    /// one batch: records are received `recvmmsg`-many at a time, formatted straight into one
    /// buffer, written with one write and, for DATA/SYNC, made durable with one sync. Returns
    /// whether the batch was full (more may be waiting).
    fn drain_socket(&mut self) -> bool {
        let Daemon { reader, core, lines, msg, .. } = self;
        let Some(reader) = reader else { return false };
        let mut core = lock(core);
        let pipeline = &mut core.pipeline;
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

    fn run(&mut self, sigfd: &SignalFd) {
        let mut next_metrics = std::time::Instant::now();
        loop {
            if self.opts.metrics_file.is_some() && std::time::Instant::now() >= next_metrics {
                self.write_metrics();
                next_metrics = std::time::Instant::now() + self.opts.metrics_interval;
            }
            use rustix::event::{PollFd, PollFlags};
            let mut fds = vec![PollFd::new(sigfd, PollFlags::IN)];
            if let Some(reader) = &self.reader {
                fds.push(PollFd::new(reader, PollFlags::IN));
            }
            let timeout = rustix::event::Timespec { tv_sec: 1, tv_nsec: 0 };
            if rustix::event::poll(&mut fds, Some(&timeout)).is_err() {
                continue;
            }
            if self.seal.is_some()
                && let Some(w) = lock(&self.core).pipeline.log()
            {
                w.seal_tick();
            }
            let sig_ready = !fds[0].revents().is_empty();
            let nl_ready = fds.get(1).is_some_and(|f| !f.revents().is_empty());
            if nl_ready {
                // One batch, then poll again: signals are seen between batches even when the
                // socket never empties.
                self.drain_socket();
            }
            if sig_ready {
                while let Some(received) = sigfd.read() {
                    match Signal::from_named_raw(received.signo) {
                        Some(Signal::HUP) => self.reload(),
                        Some(Signal::USR1) => self.rotate(),
                        Some(Signal::USR2) => self.resume(),
                        Some(Signal::CONT) => self.write_state(),
                        Some(Signal::TERM | Signal::INT) => {
                            // Records already queued are written before the end record.
                            while self.drain_socket() {}
                            // The kernel keeps the sender of SIGTERM, not of SIGINT:
                            // that one names itself (docs/compat.md).
                            let sender = if received.signo == libc::SIGINT {
                                Some(delivered_sender_fields(received.pid, received.uid))
                            } else {
                                self.signal_sender()
                            };
                            let body = match sender {
                                Some(f) => format!("op=terminate {f} res=success"),
                                None => {
                                    "op=terminate auid=-1 uid=-1 ses=-1 pid=-1 subj=? res=success"
                                        .to_string()
                                }
                            };
                            self.emit(MsgType::DAEMON_END.0, &body);
                            return;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Where the kernel's records come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Registered,
    Multicast,
    NoLocalEvents,
}

/// `nice(-boost)`: a higher scheduling priority for the daemon (priority_boost).
fn boost_priority(boost: u32) -> io::Result<()> {
    if boost == 0 {
        return Ok(());
    }
    crate::sys::nice(-(i32::try_from(boost).unwrap_or(i32::MAX)))
}

/// The dispatcher's settings from the config; its messages go where the daemon's go.
fn plugin_settings(cfg: &DaemonConfig, syslog: bool) -> raudit_dispatch::Settings {
    let mut s = raudit_dispatch::Settings::from_config(cfg);
    s.log = Arc::new(move |p, text: &str| crate::hooks::message(syslog, p, text));
    s
}

/// COMPAT: auditd-event.c: plugins get the kernel text (protocol 0) unless the log lines carry
/// more: ENRICHED fields or a node name (protocol 1, the disk line).
fn plugin_protocol(cfg: &DaemonConfig, node: &Option<String>) -> raudit_dispatch::Protocol {
    if cfg.log_format == LogFormat::Enriched || node.is_some() {
        raudit_dispatch::Protocol::Formatted
    } else {
        raudit_dispatch::Protocol::Raw
    }
}

/// The enricher `log_format` asks for.
fn enricher_for(cfg: &DaemonConfig) -> Option<crate::enrich::Enricher> {
    (cfg.log_format == LogFormat::Enriched)
        .then(|| crate::enrich::Enricher::new(raudit_sys::SystemHost::new()))
}

/// Run the daemon until SIGTERM or SIGINT. In the background (no `-f`, no `-n`) this forks:
/// the parent returns once the daemon reports its start ([`Stopped::Detached`] or
/// [`DaemonError::BackgroundStartFailed`]). An error has been said already when it returns.
pub fn run(opts: Options) -> Result<Stopped, DaemonError> {
    let msg = Msg { syslog: !opts.foreground && !opts.no_fork };
    if rustix::process::geteuid().as_raw() != 0 {
        let e = DaemonError::NotRoot;
        eprintln!("{e}");
        return Err(e);
    }
    let say = |p: Priority, t: &str| crate::hooks::message(msg.syslog, p, t);
    let fatal = |e: DaemonError| {
        say(Priority::Err, &e.to_string());
        e
    };
    let mut cfg = load_config(&opts, &say)?;
    if opts.foreground {
        cfg.write_logs = false;
    }
    let seal: Seal = match &opts.seal {
        Some(s) => Some((
            raudit_seal::SealKey::load_private(&s.key_file)
                .map_err(|e| fatal(DaemonError::Seal(e)))?,
            s.policy,
        )),
        None => None,
    };
    // COMPAT: auditd.c main: the boost is applied before forking, so plugins inherit it.
    boost_priority(cfg.priority_boost).map_err(|e| fatal(DaemonError::Priority(e)))?;
    // Signals are blocked before any thread starts (the async flush thread inherits the mask).
    let sigfd = SignalFd::block(&SIGNALS).map_err(|e| fatal(DaemonError::Signals(e)))?;
    let parent_pipe = if msg.syslog {
        crate::sys::open_syslog();
        match daemonize().map_err(|e| fatal(DaemonError::Daemonize(e)))? {
            Daemonized::Parent { started: true } => return Ok(Stopped::Detached),
            Daemonized::Parent { started: false } => {
                return Err(DaemonError::BackgroundStartFailed);
            }
            Daemonized::Child(pipe) => Some(pipe),
        }
    } else {
        None
    };
    let tell_parent = |ok: bool| {
        if let Some(mut p) = parent_pipe.as_ref() {
            let _ = io::Write::write_all(&mut p, &[if ok { 0 } else { 1 }]);
        }
    };
    // A failure after the fork: said, and the parent told.
    let fail = |e: DaemonError| {
        let e = fatal(e);
        tell_parent(false);
        e
    };

    let node = node_name(&cfg).map_err(|e| fail(DaemonError::NodeName(e)))?;
    let mut control = Client::open().map_err(|e| fail(DaemonError::Netlink(e)))?;
    if cfg.write_logs && crate::harden::is_symlink(&cfg.log_file) {
        return Err(fail(DaemonError::LogFileSymlink(cfg.log_file.clone())));
    }
    if let Err(source) = crate::harden::write_pid_file(&opts.pid_file()) {
        return Err(fail(DaemonError::PidFile { path: opts.pid_file(), source }));
    }
    let output = make_output(&cfg, opts.foreground, msg.syslog, &seal);
    let mut pipeline = Pipeline::new(node, output);
    pipeline.enricher = enricher_for(&cfg);
    // COMPAT: auditd.c main: plugins start after the log is open, before DAEMON_START.
    pipeline.protocol = plugin_protocol(&cfg, &pipeline.node);
    pipeline.dispatcher =
        Some(raudit_dispatch::Dispatcher::load(plugin_settings(&cfg, msg.syslog)));
    let mut serials = Serials(random_serial());
    let source = if opts.multicast {
        Source::Multicast
    } else if cfg.local_events {
        Source::Registered
    } else {
        Source::NoLocalEvents
    };
    let format = match cfg.log_format {
        LogFormat::Nolog => "nolog",
        LogFormat::Enriched => "enriched",
        LogFormat::Raw => "raw",
    };
    let kernel = read_trim("/proc/sys/kernel/osrelease").unwrap_or_default();
    let kernel: String = kernel.chars().take(56).collect();
    // COMPAT: auditd.c: DAEMON_START names the reference version so tools reading it see the
    // same shape; raudit's own version is in the state report.
    let start = format!(
        "op=start ver={REFERENCE_VERSION} format={format} kernel={kernel} {} res=success",
        self_fields()
    );
    pipeline.emit_own(own_record(MsgType::DAEMON_START.0, serials.next(), &start));
    let _ = std::fs::write("/proc/self/oom_score_adj", "-1000");

    let abort = |pipeline: &mut Pipeline<SystemHooks>, serials: &mut Serials, op: &str| {
        let body = format!("op={op} {} res=failed", self_fields());
        pipeline.emit_own(own_record(MsgType::DAEMON_ABORT.0, serials.next(), &body));
    };
    if source == Source::Registered && opts.startup != Startup::NoChange {
        let locked = control.get_status().is_ok_and(|s| s.enabled == 2);
        if !locked {
            let want = u32::from(opts.startup == Startup::Enable);
            if let Err(e) = control.set_enabled(want) {
                let e = fatal(DaemonError::StartupState(e));
                abort(&mut pipeline, &mut serials, "set-enable");
                let _ = std::fs::remove_file(opts.pid_file());
                tell_parent(false);
                return Err(e);
            }
        }
    }
    drop(control);
    let reader = match source {
        Source::Registered => EventReader::register().map(Some).map_err(|source| {
            let owner = if source.is_exists() { socket_owner_note() } else { String::new() };
            DaemonError::Register { source, owner }
        }),
        Source::Multicast => EventReader::multicast().map(Some).map_err(DaemonError::Multicast),
        Source::NoLocalEvents => Ok(None),
    };
    let reader = match reader {
        Ok(r) => r,
        Err(e) => {
            let e = fatal(e);
            abort(&mut pipeline, &mut serials, "set-pid");
            let _ = std::fs::remove_file(opts.pid_file());
            tell_parent(false);
            return Err(e);
        }
    };
    let core = Arc::new(Mutex::new(Core { pipeline, serials }));
    let listener = match crate::network::listen(&cfg, &core, msg.syslog) {
        Ok(l) => l,
        Err(e) => {
            let e = fatal(DaemonError::Listener(e));
            let mut c = lock(&core);
            let serial = c.serials.next();
            let body = format!("op=listen {} res=failed", self_fields());
            c.pipeline.emit_own(own_record(MsgType::DAEMON_ABORT.0, serial, &body));
            drop(c);
            drop(reader);
            let _ = std::fs::remove_file(opts.pid_file());
            tell_parent(false);
            return Err(e);
        }
    };
    let bpf = match opts.bpf.as_ref().map(|b| crate::bpf_source::start(b, &core)) {
        Some(Ok(h)) => Some(h),
        None => None,
        Some(Err(e)) => {
            let e = fatal(DaemonError::Bpf(e));
            let mut c = lock(&core);
            let serial = c.serials.next();
            let body = format!("op=bpf {} res=failed", self_fields());
            c.pipeline.emit_own(own_record(MsgType::DAEMON_ABORT.0, serial, &body));
            drop(c);
            if let Some(l) = listener {
                l.shutdown();
            }
            drop(reader);
            let _ = std::fs::remove_file(opts.pid_file());
            tell_parent(false);
            return Err(e);
        }
    };
    match &lock(&core).pipeline.output {
        Output::Log(_) => eprintln!("rauditd: writing records to {}", cfg.log_file.display()),
        Output::Stdout(_) => eprintln!("rauditd: writing records to stdout"),
    }
    tell_parent(true);
    if let Err(e) = crate::notify::notify("READY=1") {
        say(Priority::Warning, &format!("Cannot tell systemd the daemon is ready ({e})"));
    }
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
                    crate::hooks::message(syslog, Priority::Notice, &text)
                }
                Err((dest, _)) => {
                    let text = format!("Loading the audit rules from {} failed", dest.display());
                    crate::hooks::message(syslog, Priority::Err, &text)
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
        core,
        reader,
        listener,
        started: SystemTime::now(),
        lines: LineBatch::default(),
        seal,
    };
    d.run(&sigfd);
    if let Some(b) = bpf {
        b.shutdown();
    }
    // Unregister (dropping the reader sends pid 0 and waits for the ACK), then close the log.
    let Daemon { opts, core, reader, listener, .. } = d;
    drop(reader);
    // COMPAT: auditd-listen.c: every client gets ENDING before its socket closes.
    if let Some(l) = listener {
        l.shutdown();
    }
    let mut pipeline = match Arc::try_unwrap(core) {
        Ok(m) => m.into_inner().unwrap_or_else(|e| e.into_inner()).pipeline,
        // The listener thread has ended, so nothing else holds the core.
        Err(_) => return Ok(Stopped::Terminated),
    };
    // COMPAT: auditd.c: plugins get SIGTERM at shutdown, after the end record.
    if let Some(d) = pipeline.dispatcher.take() {
        d.shutdown();
    }
    std::thread::sleep(Duration::from_millis(10));
    if let Output::Log(w) = pipeline.output {
        w.shutdown();
    }
    let _ = std::fs::remove_file(opts.pid_file());
    let _ = std::fs::remove_file(opts.state_file());
    // A stopped daemon exports nothing: stale figures would look like a healthy one.
    if let Some(path) = &opts.metrics_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(Stopped::Terminated)
}

/// `: the audit socket belongs to pid N (PROGRAM)`: who holds the socket, from the kernel's
/// status (its pid) and /proc (its name); empty when it cannot be found out.
fn socket_owner_note() -> String {
    let pid = Client::open().and_then(|mut c| c.get_status()).map(|s| s.pid);
    match pid {
        Ok(pid) if pid != 0 => {
            format!(": the audit socket belongs to {}", raudit_sys::process::describe(pid))
        }
        _ => String::new(),
    }
}
