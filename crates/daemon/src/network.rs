//! The daemon's end of remote logging: the TCP listener (auditd.conf `tcp_*` keys) feeds records
//! from audisp-remote clients into the same pipeline as the kernel's. A received line is written
//! as it came (node= and all, no enrichment), goes to the plugins only under
//! `distribute_network = yes`, and is acknowledged after the write with the reply the log's state
//! calls for (kernel-and-daemon.md §2.11, §5.2).

use raudit_config::DaemonConfig;
use raudit_remote::listener::{self, Event, Handler, ListenError, ListenerConfig, Peer, Reply};

use crate::daemon::{SharedCore, lock};
use crate::hooks::{Priority, message};
use crate::own::own_record;
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
    #[allow(unused_mut)] // (only the tls feature sets a field)
    let mut settings = ListenerConfig::from_daemon(cfg);
    if cfg.tls.wanted() {
        #[cfg(feature = "tls")]
        {
            settings.tls = Some(std::sync::Arc::new(server_tls(&cfg.tls)?));
        }
        #[cfg(not(feature = "tls"))]
        return Err(ListenError::Tls(
            "tcp_tls_* is set but this rauditd was built without the tls feature".into(),
        ));
    }
    let handler = Network { core: core.clone(), distribute: cfg.distribute_network, syslog };
    listener::start(settings, handler).map(Some)
}

/// The listener's TLS from `tcp_tls_cert`, `tcp_tls_key`, `tcp_tls_client_ca`, `tcp_tls_allow`.
#[cfg(feature = "tls")]
fn server_tls(
    t: &raudit_config::ListenerTls,
) -> Result<raudit_remote::tls::ServerTls, ListenError> {
    let need = |p: &Option<std::path::PathBuf>, key: &str| {
        p.clone().ok_or_else(|| ListenError::Tls(format!("{key} is not set")))
    };
    let (cert, key, ca) = (
        need(&t.cert, "tcp_tls_cert")?,
        need(&t.key, "tcp_tls_key")?,
        need(&t.client_ca, "tcp_tls_client_ca")?,
    );
    raudit_remote::tls::ServerTls::from_pem_files(&cert, &key, &ca, t.allow.clone())
        .map_err(|e| ListenError::Tls(e.to_string()))
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
