//! The NATS side (feature `fleet`): connecting with the user's credentials and CA, the stream's
//! definition, and the three programs on top of them, each run on a tokio runtime of its own
//! thread so the callers stay synchronous: [`ship`], [`collect`] and [`replay`].

pub mod collect;
pub mod replay;
pub mod ship;

use std::path::PathBuf;
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::{self, stream};
use thiserror::Error;

use crate::spool::SpoolError;
use crate::store::StoreError;

/// The stream every host publishes into.
pub const STREAM: &str = "AUDIT";
/// Its subjects: `audit.<host>.<record type>`.
pub const SUBJECTS: &str = "audit.>";
/// How long a connection attempt may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Error)]
pub enum FleetError {
    #[error("bad server URL '{url}': {why}")]
    BadUrl { url: String, why: String },
    #[error("cannot connect to {url}: {why}")]
    Connect { url: String, why: String },
    #[error("TLS with {url} failed: {why}")]
    Tls { url: String, why: String },
    #[error("{url} refused the credentials: {why}")]
    Auth { url: String, why: String },
    #[error("cannot read {path}: {why}")]
    Credentials { path: String, why: String },
    #[error(
        "no JetStream stream takes subject {subject} on {url} (create it: raudit collect --init)"
    )]
    NoStream { url: String, subject: String },
    #[error("stream {STREAM} not found on {url} (create it: raudit collect --init)")]
    StreamMissing { url: String },
    #[error("{what}: {why}")]
    JetStream { what: &'static str, why: String },
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// How to reach the servers.
#[derive(Debug, Clone, Default)]
pub struct Connect {
    /// One URL or several, comma-separated (`nats://host:4222`, `tls://...`, user:pass@ allowed).
    pub server: String,
    pub creds: Option<PathBuf>,
    pub tls_ca: Option<PathBuf>,
    /// The client name the server shows.
    pub name: String,
}

impl Connect {
    fn urls(&self) -> Result<Vec<async_nats::ServerAddr>, FleetError> {
        let bad = |why: String| FleetError::BadUrl { url: self.server.clone(), why };
        if self.server.trim().is_empty() {
            return Err(bad("empty".into()));
        }
        self.server
            .split(',')
            .map(|u| u.trim().parse::<async_nats::ServerAddr>().map_err(|e| bad(format!("{e}"))))
            .collect()
    }

    /// Connects once (an error says why: URL, credentials, unreachable). With `keep_trying`,
    /// the client then reconnects by itself forever after a lost connection.
    pub async fn connect(&self) -> Result<async_nats::Client, FleetError> {
        let urls = self.urls()?;
        let mut opts = async_nats::ConnectOptions::new()
            .name(&self.name)
            .connection_timeout(CONNECT_TIMEOUT)
            .max_reconnects(None)
            .reconnect_delay_callback(|attempt| {
                Duration::from_millis((50u64 << attempt.min(5)).min(1000))
            });
        if let Some(path) = &self.creds {
            opts = opts.credentials_file(path).await.map_err(|e| FleetError::Credentials {
                path: path.display().to_string(),
                why: e.to_string(),
            })?;
        }
        if let Some(ca) = &self.tls_ca {
            if !ca.is_file() {
                return Err(FleetError::Credentials {
                    path: ca.display().to_string(),
                    why: "no such file".into(),
                });
            }
            opts = opts.add_root_certificates(ca.clone()).require_tls(true);
        }
        opts.connect(urls).await.map_err(|e| {
            use async_nats::ConnectErrorKind as K;
            let why = e.to_string();
            let url = self.server.clone();
            match e.kind() {
                K::ServerParse => FleetError::BadUrl { url, why },
                K::Authentication | K::AuthorizationViolation => FleetError::Auth { url, why },
                K::Tls => FleetError::Tls { url, why },
                _ if tls_refused(&e) => FleetError::Tls { url, why },
                _ => FleetError::Connect { url, why },
            }
        })
    }
}

/// Whether a connection failed in the TLS handshake (a certificate that does not check out):
/// async-nats reports those as I/O errors, but retrying cannot help.
fn tls_refused(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && io.get_ref().is_some_and(|inner| inner.is::<async_nats::rustls::Error>())
        {
            return true;
        }
        if c.is::<async_nats::rustls::Error>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Whether the client holds a live connection now.
pub fn connected(client: &async_nats::Client) -> bool {
    client.connection_state() == State::Connected
}

/// The stream's retention and placement, from `raudit collect --init`.
#[derive(Debug, Clone, Copy)]
pub struct StreamSpec {
    pub replicas: usize,
    pub max_age: Duration,
    /// How long JetStream remembers message ids to drop resends.
    pub duplicate_window: Duration,
}

/// Creates the stream, or updates its limits when it exists.
pub async fn init_stream(js: &jetstream::Context, spec: StreamSpec) -> Result<(), FleetError> {
    let config = stream::Config {
        name: STREAM.to_string(),
        subjects: vec![SUBJECTS.to_string()],
        retention: stream::RetentionPolicy::Limits,
        storage: stream::StorageType::File,
        num_replicas: spec.replicas,
        max_age: spec.max_age,
        duplicate_window: spec.duplicate_window,
        ..Default::default()
    };
    let why = |e: &dyn std::fmt::Display| e.to_string();
    match js.get_stream(STREAM).await {
        Ok(_) => js.update_stream(config).await.map(|_| ()).map_err(|e| FleetError::JetStream {
            what: "cannot update stream AUDIT",
            why: why(&e),
        }),
        Err(_) => js.create_stream(config).await.map(|_| ()).map_err(|e| FleetError::JetStream {
            what: "cannot create stream AUDIT",
            why: why(&e),
        }),
    }
}

/// The stream, or a clear error when it does not exist.
pub async fn get_stream(
    js: &jetstream::Context,
    url: &str,
) -> Result<jetstream::stream::Stream, FleetError> {
    use async_nats::jetstream::context::GetStreamErrorKind as K;
    match js.get_stream(STREAM).await {
        Ok(s) => Ok(s),
        Err(e) if matches!(e.kind(), K::JetStream(ref j) if j.code() == 404) => {
            Err(FleetError::StreamMissing { url: url.to_string() })
        }
        Err(e) => {
            Err(FleetError::JetStream { what: "cannot look up stream AUDIT", why: e.to_string() })
        }
    }
}

/// A runtime for one program: one thread, its own.
pub fn runtime() -> Result<tokio::runtime::Runtime, FleetError> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// The host token of a subject `audit.<host>.<type>`.
pub fn host_of_subject(subject: &str) -> Option<&str> {
    let mut parts = subject.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("audit"), Some(host), Some(_)) if !host.is_empty() => Some(host),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_the_second_token() {
        assert_eq!(host_of_subject("audit.web1.SYSCALL"), Some("web1"));
        assert_eq!(host_of_subject("audit.web1"), None);
        assert_eq!(host_of_subject("other.web1.SYSCALL"), None);
        assert_eq!(host_of_subject("audit..SYSCALL"), None);
    }

    #[test]
    fn urls_are_checked_before_connecting() {
        let c = |server: &str| Connect { server: server.into(), ..Default::default() };
        assert!(c("nats://127.0.0.1:4222,tls://h:4443").urls().is_ok());
        assert!(matches!(c("http://x").urls(), Err(FleetError::BadUrl { .. })));
        assert!(matches!(c(" ").urls(), Err(FleetError::BadUrl { .. })));
    }
}
