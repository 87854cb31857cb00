//! The audisp plugin dispatcher (auditd 3.0.9's libdisp, rebuilt): it reads plugins.d, starts the
//! plugins, and copies every record handed to [`Dispatcher::enqueue`] to each of them in its
//! format. Unlike the reference, every plugin has its own queue and writer thread, so a slow or
//! stuck plugin fills only its own queue while the others keep receiving; the caller (the kernel
//! reader) never waits longer than the reference's bounded retry.

mod af_unix;
pub mod format;
pub mod pconfig;
mod plugin;
mod queue;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use raudit_config::{DaemonConfig, Level, OverflowAction};

pub use format::{Protocol, Record};
pub use pconfig::{
    Format, PluginConf, PluginDir, PluginType, SkippedPlugin, load_plugin_dir, load_plugin_file,
};

use af_unix::AfUnix;
use plugin::External;
use queue::{Push, Queue};

/// COMPAT: queue.c enqueue: a full queue is retried 3 times 2 ms apart before the record is dropped.
const ENQUEUE_WAIT: Duration = Duration::from_millis(6);
/// COMPAT: QUEUE_FULL_LIMIT: at most this many "queue full" messages per start or reload.
const QUEUE_FULL_LIMIT: u32 = 5;

/// Syslog priority of a dispatcher message (the daemon's, too).
pub use raudit_sys::syslog::Priority;

/// Where the dispatcher's messages go (the daemon's syslog).
pub type Logger = Arc<dyn Fn(Priority, &str) + Send + Sync>;

/// The run level `overflow_action = single|halt` switches to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runlevel {
    Single,
    Halt,
}

/// What runs on SINGLE/HALT; the default executes `/sbin/init 1` or `/sbin/init 0`.
pub type RunlevelHook = Arc<dyn Fn(Runlevel) + Send + Sync>;

/// Messages through syslog(3).
pub fn syslog_logger() -> Logger {
    Arc::new(raudit_sys::syslog::syslog)
}

/// COMPAT: change_runlevel: `/sbin/init 1|0` with an empty environment, not waited for.
pub fn init_runlevel_hook() -> RunlevelHook {
    Arc::new(|level: Runlevel| {
        let arg = match level {
            Runlevel::Single => "1",
            Runlevel::Halt => "0",
        };
        let mut init = std::process::Command::new("/sbin/init");
        init.arg(arg).env_clear();
        // SAFETY: runs in the forked child before exec; one raw, async-signal-safe syscall.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut init, || {
                raudit_sys::process::cloexec_above_stdio();
                Ok(())
            });
        }
        match init.spawn() {
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
            }
            Err(_) => {
                syslog_logger()(Priority::Alert, "Audispd failed to exec /sbin/init");
            }
        }
    })
}

/// The dispatcher's settings (the auditd.conf keys it uses) and its hooks.
#[derive(Clone)]
pub struct Settings {
    pub q_depth: u32,
    pub overflow_action: OverflowAction,
    pub max_restarts: u32,
    pub plugin_dir: PathBuf,
    /// How long shutdown waits at each step (queue drained, plugin gone after EOF, after SIGTERM).
    pub stop_grace: Duration,
    pub log: Logger,
    pub runlevel: RunlevelHook,
}

impl Settings {
    /// From the daemon's configuration, with syslog messages and the real `/sbin/init`.
    pub fn from_config(c: &DaemonConfig) -> Settings {
        Settings {
            q_depth: c.q_depth,
            overflow_action: c.overflow_action,
            max_restarts: c.max_restarts,
            plugin_dir: c.plugin_dir.clone(),
            stop_grace: Duration::from_secs(2),
            log: syslog_logger(),
            runlevel: init_runlevel_hook(),
        }
    }
}

/// What the plugin threads share with the dispatcher.
pub(crate) struct Shared {
    log: Logger,
    max_restarts: AtomicU32,
    stop_grace: Duration,
}

impl Shared {
    pub(crate) fn log(&self, prio: Priority, text: &str) {
        (self.log)(prio, text);
    }
    pub(crate) fn max_restarts(&self) -> u32 {
        self.max_restarts.load(Ordering::Relaxed)
    }
}

/// The plugin-queue figures of the state report (SIGCONT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Plugins running (started and not given up).
    pub active_plugins: usize,
    /// Records waiting in the fullest plugin queue.
    pub current_depth: usize,
    /// Most records any plugin queue held.
    pub max_depth: usize,
    /// `q_depth`: the size of each plugin queue.
    pub queue_size: usize,
    pub overflowed: bool,
    pub suspended: bool,
}

impl Stats {
    /// The report lines, in the reference's words and order.
    pub fn write_report(&self, w: &mut impl Write) -> std::io::Result<()> {
        let yn = |b: bool| if b { "yes" } else { "no" };
        writeln!(w, "Number of active plugins = {}", self.active_plugins)?;
        writeln!(w, "current plugin queue depth = {}", self.current_depth)?;
        writeln!(w, "max plugin queue depth used = {}", self.max_depth)?;
        writeln!(w, "plugin queue size = {}", self.queue_size)?;
        writeln!(w, "plugin queue overflow detected = {}", yn(self.overflowed))?;
        writeln!(w, "plugin queueing suspended = {}", yn(self.suspended))
    }
}

/// One plugin's queue, for the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStats {
    /// The plugins.d file's name.
    pub name: String,
    pub depth: usize,
    pub max_depth: usize,
    /// Records dropped because its queue was full.
    pub dropped: u64,
    /// Whether it still runs (not given up after max_restarts).
    pub running: bool,
}

enum Runner {
    External(External),
    AfUnix(AfUnix),
}

struct Running {
    conf: PluginConf,
    format: Format,
    runner: Runner,
}

impl Running {
    fn queue(&self) -> &Arc<Queue> {
        match &self.runner {
            Runner::External(e) => &e.queue,
            Runner::AfUnix(a) => &a.queue,
        }
    }

    fn stop(self, drain: bool, grace: Duration) {
        match self.runner {
            Runner::External(e) => e.stop(drain, grace),
            Runner::AfUnix(a) => a.stop(drain),
        }
    }
}

struct Core {
    q_depth: u32,
    overflow_action: OverflowAction,
    runlevel: RunlevelHook,
    plugin_dir: PathBuf,
    plugins: Vec<Running>,
    string_buf: Vec<u8>,
    binary_buf: Vec<u8>,
    suspended: bool,
    overflowed: bool,
    full_warnings: u32,
}

/// The dispatcher. All methods take `&self`: records may come from several threads.
pub struct Dispatcher {
    core: Mutex<Core>,
    shared: Arc<Shared>,
    /// Whether any plugin runs, readable without the lock: the daemon asks for every record, and
    /// most machines run no plugin at all.
    active: AtomicBool,
}

impl Dispatcher {
    /// Read `settings.plugin_dir` (its messages go to the logger) and start the active plugins.
    pub fn load(settings: Settings) -> Dispatcher {
        let dir = load_plugin_dir(&settings.plugin_dir);
        log_diagnostics(&settings.log, &dir);
        Dispatcher::start(settings, dir.active)
    }

    /// Start `plugins` (the active ones of a plugin directory).
    pub fn start(settings: Settings, plugins: Vec<PluginConf>) -> Dispatcher {
        let shared = Arc::new(Shared {
            log: settings.log.clone(),
            max_restarts: AtomicU32::new(settings.max_restarts),
            stop_grace: settings.stop_grace,
        });
        let d = Dispatcher {
            core: Mutex::new(Core {
                q_depth: settings.q_depth.max(1),
                overflow_action: settings.overflow_action,
                runlevel: settings.runlevel.clone(),
                plugin_dir: settings.plugin_dir.clone(),
                plugins: Vec::new(),
                string_buf: Vec::new(),
                binary_buf: Vec::new(),
                suspended: false,
                overflowed: false,
                full_warnings: 0,
            }),
            shared,
            active: AtomicBool::new(false),
        };
        d.init(plugins);
        d
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// libdisp_init: start the plugins, or say there are none.
    fn init(&self, plugins: Vec<PluginConf>) {
        if plugins.is_empty() {
            self.shared.log(Priority::Notice, "No plugins found, not dispatching events");
            return;
        }
        let mut core = self.lock();
        for conf in plugins {
            if let Some(r) = self.start_one(conf, core.q_depth) {
                core.plugins.push(r);
            }
        }
        self.set_active(&core);
        let n = core.plugins.len();
        self.shared.log(
            Priority::Info,
            &format!(
                "audit dispatcher initialized with q_depth={} and {n} active plugins",
                core.q_depth
            ),
        );
    }

    fn start_one(&self, conf: PluginConf, q_depth: u32) -> Option<Running> {
        let queue = Arc::new(Queue::new(q_depth as usize));
        match conf.kind {
            PluginType::Builtin if conf.is_af_unix() => {
                let a = AfUnix::start(&conf, queue, self.shared.clone())?;
                let format = effective_af_unix_format(&conf);
                Some(Running { conf, format, runner: Runner::AfUnix(a) })
            }
            PluginType::Builtin => {
                let path =
                    conf.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
                self.shared.log(Priority::Err, &format!("Unknown builtin {path}"));
                None
            }
            PluginType::Always => {
                let e = External::start(conf.clone(), queue, self.shared.clone())?;
                Some(Running { format: conf.format, conf, runner: Runner::External(e) })
            }
        }
    }

    /// True when at least one plugin is running (records are worth formatting).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Publish whether plugins run (called wherever the plugin list changes, under the lock).
    fn set_active(&self, core: &Core) {
        self.active.store(!core.plugins.is_empty(), Ordering::Relaxed);
    }

    /// Hand one record to every plugin. Never blocks longer than the reference's bounded retry
    /// (6 ms) and, once a plugin's queue has overflowed, not at all for that plugin until it reads
    /// again.
    pub fn enqueue(&self, rec: &Record<'_>) {
        if !self.is_active() {
            return;
        }
        let mut guard = self.lock();
        let core = &mut *guard;
        if core.plugins.is_empty() || core.suspended {
            return;
        }
        let (mut string_done, mut binary_done) = (false, false);
        let mut deadline = None;
        let mut dropped = false;
        for p in &core.plugins {
            let bytes = match p.format {
                Format::String => {
                    if !string_done {
                        format::write_string(rec, &mut core.string_buf);
                        string_done = true;
                    }
                    &core.string_buf
                }
                Format::Binary => {
                    if !binary_done {
                        format::write_binary(rec, &mut core.binary_buf);
                        binary_done = true;
                    }
                    &core.binary_buf
                }
            };
            if let Push::Full = p.queue().push(bytes, &mut deadline, ENQUEUE_WAIT) {
                dropped = true;
            }
        }
        if dropped {
            core.overflow(&self.shared);
        }
    }

    /// SIGUSR2: resume queueing after `overflow_action = suspend`.
    pub fn resume(&self) {
        self.lock().suspended = false;
    }

    /// The state-report figures.
    pub fn stats(&self) -> Stats {
        let core = self.lock();
        let mut s = Stats {
            active_plugins: 0,
            current_depth: 0,
            max_depth: 0,
            queue_size: if core.plugins.is_empty() { 0 } else { core.q_depth as usize },
            overflowed: core.overflowed,
            suspended: core.suspended,
        };
        for p in &core.plugins {
            let q = p.queue();
            if !q.is_closed() {
                s.active_plugins += 1;
            }
            let (cur, max) = q.depth();
            s.current_depth = s.current_depth.max(cur);
            s.max_depth = s.max_depth.max(max);
        }
        s
    }

    /// Each plugin's queue figures, in plugins.d order.
    pub fn queue_stats(&self) -> Vec<QueueStats> {
        let core = self.lock();
        core.plugins
            .iter()
            .map(|p| {
                let q = p.queue();
                let (depth, max_depth) = q.depth();
                QueueStats {
                    name: p.conf.name.clone(),
                    depth,
                    max_depth,
                    dropped: q.dropped(),
                    running: !q.is_closed(),
                }
            })
            .collect()
    }

    /// SIGHUP: apply new settings and re-read the plugin directory (messages go to the logger).
    pub fn reconfigure(&self, settings: Settings) {
        let dir = load_plugin_dir(&settings.plugin_dir);
        log_diagnostics(&settings.log, &dir);
        self.reconfigure_with(settings, dir.active);
    }

    /// SIGHUP with an already read plugin list: q_depth only grows, overflow_action and
    /// max_restarts change, suspension ends; new plugins start, removed ones stop, unchanged running
    /// ones get SIGHUP, and ones whose program (inode) or settings changed are restarted.
    pub fn reconfigure_with(&self, settings: Settings, plugins: Vec<PluginConf>) {
        let grace = self.shared.stop_grace;
        let mut to_stop = Vec::new();
        {
            let mut core = self.lock();
            let was_empty = core.plugins.is_empty();
            if settings.q_depth > core.q_depth {
                core.q_depth = settings.q_depth;
                core.overflowed = false;
                for p in &core.plugins {
                    p.queue().grow(settings.q_depth as usize);
                }
            }
            core.overflow_action = settings.overflow_action;
            core.runlevel = settings.runlevel.clone();
            core.plugin_dir = settings.plugin_dir.clone();
            self.shared.max_restarts.store(settings.max_restarts, Ordering::Relaxed);
            core.suspended = false;
            core.full_warnings = 0;
            if was_empty {
                drop(core);
                self.init(plugins);
                return;
            }

            let mut old: Vec<Running> = std::mem::take(&mut core.plugins);
            for conf in plugins {
                let Some(i) = old.iter().position(|r| r.conf.name == conf.name) else {
                    if let Some(r) = self.start_one(conf, core.q_depth) {
                        core.plugins.push(r);
                    }
                    continue;
                };
                let r = old.remove(i);
                let same = PluginConf { inode: r.conf.inode, ..conf.clone() } == r.conf;
                if same && r.conf.inode == conf.inode {
                    if let Runner::External(e) = &r.runner {
                        e.signal(rustix::process::Signal::HUP);
                    }
                    core.plugins.push(r);
                    continue;
                }
                if same {
                    let path =
                        conf.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
                    self.shared
                        .log(Priority::Info, &format!("Restarting {path} since binary changed"));
                }
                to_stop.push(r);
                if let Some(r) = self.start_one(conf, core.q_depth) {
                    core.plugins.push(r);
                }
            }
            for r in old {
                let path =
                    r.conf.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
                self.shared
                    .log(Priority::Info, &format!("Terminating {path} because its now inactive"));
                r.queue().stop(true);
                to_stop.push(r);
            }
            self.set_active(&core);
            if core.plugins.is_empty() {
                self.shared
                    .log(Priority::Info, "After reconfigure, there are no active plugins, exiting");
            }
        }
        for r in to_stop {
            r.stop(false, grace);
        }
    }

    /// SIGTERM: stop every plugin (what is queued is delivered first, for at most the grace
    /// period), reap them and remove the af_unix socket. Later records are ignored.
    pub fn shutdown(&self) {
        let plugins = {
            let mut core = self.lock();
            let plugins = std::mem::take(&mut core.plugins);
            self.set_active(&core);
            plugins
        };
        let grace = self.shared.stop_grace;
        for p in &plugins {
            p.queue().stop(false);
        }
        for p in plugins {
            p.stop(true, grace);
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Core {
    /// do_overflow_action: a record was dropped for at least one plugin.
    fn overflow(&mut self, shared: &Shared) {
        self.overflowed = true;
        match self.overflow_action {
            OverflowAction::Ignore => {}
            OverflowAction::Syslog => {
                if self.full_warnings < QUEUE_FULL_LIMIT {
                    shared.log(Priority::Err, "queue to plugins is full - dropping event");
                    self.full_warnings += 1;
                    if self.full_warnings == QUEUE_FULL_LIMIT {
                        shared.log(
                            Priority::Err,
                            "auditd queue full reporting limit reached - ending dropped event notifications",
                        );
                    }
                }
            }
            OverflowAction::Suspend => {
                shared.log(
                    Priority::Alert,
                    "Auditd is suspending event passing to plugins due to overflowing its queue.",
                );
                self.suspended = true;
            }
            OverflowAction::Single => {
                shared.log(
                    Priority::Alert,
                    "Auditd is now changing the system to single user mode due to overflowing its queue",
                );
                (self.runlevel)(Runlevel::Single);
            }
            OverflowAction::Halt => {
                shared.log(
                    Priority::Alert,
                    "Auditd is now halting the system due to overflowing its queue",
                );
                (self.runlevel)(Runlevel::Halt);
            }
        }
    }
}

/// The format the af_unix socket sends: a `string`/`binary` args token wins over `format`.
fn effective_af_unix_format(conf: &PluginConf) -> Format {
    let mut f = conf.format;
    for a in &conf.args {
        if a.eq_ignore_ascii_case("string") {
            f = Format::String;
        } else if a.eq_ignore_ascii_case("binary") {
            f = Format::Binary;
        }
    }
    f
}

fn log_diagnostics(log: &Logger, dir: &PluginDir) {
    for d in &dir.diagnostics {
        let prio = match d.level {
            Level::Error => Priority::Err,
            Level::Warning => Priority::Warning,
        };
        log(prio, &d.text);
    }
}
