//! The daemon proper: start-up, the event loop over the audit socket and a signalfd, the signal
//! actions (HUP reload, USR1 rotate, USR2 resume, TERM stop, CONT state report) and DAEMON_*
//! records (kernel-and-daemon.md §2.1, 2.2, 2.9, 2.12).

use std::io;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use raudit_config::{DaemonConfig, Level, LoadOptions, LogFormat};
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

mod options;
mod register;
pub use options::{DaemonError, Options, SealOptions, Startup, Stopped};
mod state;
use register::{apply_startup, register, socket_owner_note, start_supervised};
pub use state::request_state;

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
    index: bool,
) -> Output<SystemHooks> {
    if foreground {
        Output::Stdout(StdoutSink)
    } else {
        let sealer = seal.as_ref().map(|(key, policy)| {
            raudit_seal::Sealer::new(key.clone(), *policy, u64::from(random_serial()))
        });
        let mut writer = LogWriter::open_sealed(cfg.clone(), SystemHooks::new(syslog), sealer);
        if index {
            writer.index_logs();
        }
        Output::Log(writer)
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
    /// A socket of its own for questions to the kernel (status, who sent a signal), opened at
    /// the first one. Asked on the reader's socket, the answer queues behind every record
    /// already there, all of which would be held in memory until it comes: in a storm, the
    /// whole socket buffer at each SIGCONT, SIGHUP or metrics tick.
    queries: Option<raudit_netlink::Client>,
    listener: Option<raudit_remote::listener::ListenerHandle>,
    started: SystemTime,
    /// Supervised: the supervisor's pid and how many workers ran before this one.
    supervised: Option<(u32, u32)>,
    /// The batch being formatted (its buffers are reused).
    lines: LineBatch,
    seal: Seal,
    /// Serials missing since the previous capture, reported before the first kernel record.
    gap: Option<crate::recovery::PendingGap>,
    /// The BPF source (`--bpf`), stopped and drained before the end record.
    bpf: Option<crate::bpf_source::BpfHandle>,
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
        let si = self.kernel_queries()?.signal_info().ok()?;
        Some(sender_fields(&si))
    }

    /// The client for questions to the kernel, when the daemon reads the kernel at all. If no
    /// socket of its own can be opened, the reader's serves (its records wait in memory).
    fn kernel_queries(&mut self) -> Option<&mut raudit_netlink::Client> {
        let reader = self.reader.as_mut()?;
        if self.queries.is_none() {
            self.queries = raudit_netlink::Client::open().ok();
        }
        match &mut self.queries {
            Some(q) => Some(q),
            None => Some(reader.client()),
        }
    }

    fn reload(&mut self) {
        // The sender is asked for first, as the reference does before reading the file.
        let sender = self.kernel_queries().and_then(|q| q.signal_info().ok());
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
            let out = make_output(
                &new,
                self.opts.foreground,
                self.msg.syslog,
                &self.seal,
                self.opts.index,
            );
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
        // COMPAT: auditd.c user1_handler: when the kernel cannot say who sent the signal, the
        // rotation is refused. A collector (`local_events = no`) has no kernel to ask: it rotates
        // (the reference asks anyway and never reads the answer, so it ignores the signal;
        // docs/compat.md).
        let sender = match self.signal_sender() {
            Some(f) => f,
            None if self.reader.is_none() => "auid=-1 pid=-1 subj=?".to_string(),
            None => {
                let body = "op=rotate-logs auid=-1 pid=-1 subj=? res=failed";
                return self.emit(MsgType::DAEMON_ROTATE.0, body);
            }
        };
        if let Some(w) = lock(&self.core).pipeline.log() {
            w.rotate_requested();
        }
        self.emit(MsgType::DAEMON_ROTATE.0, &format!("op=rotate-logs {sender} res=success"));
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
        let Daemon { reader, core, lines, msg, gap, .. } = self;
        let Some(reader) = reader else { return false };
        let mut core = lock(core);
        let Core { pipeline, serials } = &mut *core;
        let mut got = 0;
        while got < BATCH_RECORDS {
            let r = reader.read_batch(BATCH_RECORDS - got, &mut |t, p| {
                if gap.is_some()
                    && let Some(first) = crate::recovery::serial_of(p)
                    && let Some(g) = gap.take()
                {
                    // Before the first record of this capture, so it reads in order.
                    pipeline.flush(lines);
                    let body = g.body(first);
                    pipeline.emit_own(own_record(
                        crate::recovery::RAUDIT_GAP,
                        serials.next(),
                        &body,
                    ));
                }
                pipeline.push(lines, t, p)
            });
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
            // A status request on the socket (metrics, the state report, signal info) keeps the
            // records that came with its answer in memory, where poll cannot see them.
            if self.reader.as_ref().is_some_and(|r| r.has_kept_records()) {
                self.drain_socket();
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
            if (self.seal.is_some() || self.opts.index)
                && let Some(w) = lock(&self.core).pipeline.log()
            {
                w.seal_tick();
                w.index_tick();
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
                            // Records already queued or traced are written before the end
                            // record.
                            if let Some(b) = self.bpf.take() {
                                b.shutdown();
                            }
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
    let source = if opts.multicast {
        Source::Multicast
    } else if cfg.local_events {
        Source::Registered
    } else {
        Source::NoLocalEvents
    };
    let mut worker = None;
    if opts.supervise && source == Source::Registered {
        use crate::supervise::{Role, WorkerFailed};
        match start_supervised(&opts, &mut control, &sigfd, &say, &tell_parent) {
            Some(Ok(Role::Worker(w))) => worker = Some(w),
            Some(Ok(Role::Supervisor(r))) => {
                return r
                    .map(|()| Stopped::Terminated)
                    .map_err(|WorkerFailed(c)| DaemonError::WorkerFailed(c));
            }
            Some(Err(e)) => {
                let _ = std::fs::remove_file(opts.pid_file());
                return Err(fail(DaemonError::Supervisor(e)));
            }
            // Refused: the unsupervised start below tries again and says why.
            None => {}
        }
    }
    // A supervised worker leaves the pid file (the supervisor's) to the supervisor.
    let owns_pid_file = worker.is_none();
    let remove_pid_file = || {
        if owns_pid_file {
            let _ = std::fs::remove_file(opts.pid_file());
        }
    };
    let gap = if cfg.write_logs && !opts.foreground {
        use crate::recovery::{Cause, PendingGap, inspect};
        let cause = worker.as_ref().and_then(|w| w.cause).unwrap_or(Cause::NoEndRecord);
        match inspect(&cfg.log_file, node.as_deref()) {
            Ok(tail) => PendingGap::after_start(tail, cause),
            Err(e) => {
                say(Priority::Warning, &format!("Cannot read the end of the log ({e})"));
                None
            }
        }
    } else {
        None
    };
    let output = make_output(&cfg, opts.foreground, msg.syslog, &seal, opts.index);
    let mut pipeline = Pipeline::new(node, output);
    if worker.is_some() {
        // The kernel's exemption of the registered daemon, for the worker it does not cover.
        pipeline.stages.push(Box::new(crate::self_events::OwnSyscalls::new(std::process::id())));
    }
    pipeline.enricher = enricher_for(&cfg);
    // COMPAT: auditd.c main: plugins start after the log is open, before DAEMON_START.
    pipeline.protocol = plugin_protocol(&cfg, &pipeline.node);
    pipeline.dispatcher =
        Some(raudit_dispatch::Dispatcher::load(plugin_settings(&cfg, msg.syslog)));
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
    if source == Source::Registered
        && worker.is_none()
        && let Err(e) = apply_startup(&mut control, opts.startup)
    {
        let e = fatal(DaemonError::StartupState(e));
        abort(&mut pipeline, &mut serials, "set-enable");
        remove_pid_file();
        tell_parent(false);
        return Err(e);
    }
    drop(control);
    let adopted = worker.as_mut().and_then(|w| w.reader.take());
    let reader = match source {
        Source::Registered if adopted.is_some() => Ok(adopted),
        Source::Registered => register().map(Some).map_err(|source| {
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
            remove_pid_file();
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
            remove_pid_file();
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
            remove_pid_file();
            tell_parent(false);
            return Err(e);
        }
    };
    match &lock(&core).pipeline.output {
        Output::Log(_) => eprintln!("rauditd: writing records to {}", cfg.log_file.display()),
        Output::Stdout(_) => eprintln!("rauditd: writing records to stdout"),
    }
    tell_parent(true);
    match worker.as_mut() {
        // systemd takes READY=1 from the main pid only: the supervisor sends it.
        Some(w) => w.report_started(),
        None => {
            if let Err(e) = crate::notify::notify("READY=1") {
                say(Priority::Warning, &format!("Cannot tell systemd the daemon is ready ({e})"));
            }
        }
    }
    let state = if opts.startup == Startup::Disable { "disable" } else { "enable" };
    say(
        Priority::Notice,
        &format!(
            "Init complete, rauditd {} listening for events (startup state {state})",
            env!("CARGO_PKG_VERSION")
        ),
    );

    // A restarted worker finds the rules in the kernel already.
    if opts.load_rules && worker.as_ref().is_none_or(|w| w.first()) {
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
        queries: None,
        listener,
        started: SystemTime::now(),
        supervised: worker.as_ref().map(|w| (crate::own::daemon_pid(), w.restarts)),
        lines: LineBatch::default(),
        seal,
        gap,
        bpf,
    };
    d.run(&sigfd);
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
    if owns_pid_file {
        let _ = std::fs::remove_file(opts.pid_file());
    }
    let _ = std::fs::remove_file(opts.state_file());
    // A stopped daemon exports nothing: stale figures would look like a healthy one.
    if let Some(path) = &opts.metrics_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(Stopped::Terminated)
}
