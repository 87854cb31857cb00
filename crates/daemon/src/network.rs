//! The daemon's end of remote logging: the TCP listener (auditd.conf `tcp_*` keys) feeds records
//! from audisp-remote clients into the same pipeline as the kernel's. A received line is written
//! as it came (node= and all, no enrichment), goes to the plugins only under
//! `distribute_network = yes`, and is acknowledged after the write with the reply the log's state
//! calls for (kernel-and-daemon.md §2.11, §5.2).

use raudit_config::DaemonConfig;
use raudit_remote::listener::{self, Event, Handler, ListenError, ListenerConfig, Peer, Reply};

use crate::daemon::{SharedCore, lock, own_record};
use crate::hooks::{Priority, message};
use crate::pipeline::Output;

/// Start the listener when `tcp_listen_port` is set.
pub(crate) fn listen(
    cfg: &DaemonConfig,
    core: &SharedCore,
    syslog: bool,
) -> Result<Option<listener::ListenerHandle>, ListenError> {
    if cfg.tcp_listen_port == 0 {
        return Ok(None);
    }
    let handler = Network { core: core.clone(), distribute: cfg.distribute_network, syslog };
    listener::start(ListenerConfig::from_daemon(cfg), handler).map(Some)
}

struct Network {
    core: SharedCore,
    distribute: bool,
    syslog: bool,
}

impl Handler for Network {
    fn record(&mut self, _peer: &Peer, line: &[u8]) -> Reply {
        let mut core = lock(&self.core);
        let out = core.pipeline.write_network(line, self.distribute);
        let Output::Log(w) = &core.pipeline.output else {
            // Foreground: the line went to stdout.
            return Reply::Ack;
        };
        if !w.config().write_logs {
            return Reply::Ack;
        }
        let state = w.state();
        if out.written > 0 {
            if state.space_warning { Reply::DiskLow } else { Reply::Ack }
        } else if !state.fs_space_left {
            Reply::DiskFull
        } else if state.suspended {
            Reply::Suspended
        } else {
            Reply::DiskError
        }
    }

    fn event(&mut self, event: Event) {
        match event.record() {
            Some((msg_type, body)) => {
                let mut core = lock(&self.core);
                let serial = core.serials.next();
                core.pipeline.emit_own(own_record(msg_type.0, serial, &body));
            }
            None => {
                if let Event::Warning(text) = event {
                    message(self.syslog, Priority::Warning, &text);
                }
            }
        }
    }
}
