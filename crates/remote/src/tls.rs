//! TLS for the remote protocol (feature `tls`, beyond audit 3.0.9): rustls with the ring provider,
//! certificates from PEM files, mutual authentication, and an allow-list of client names checked
//! against the client certificate's subject alternative names. The framing inside TLS is the plain
//! protocol, pipelining negotiation included.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, Connection, RootCertStore, ServerConfig};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TlsError {
    #[error("{path}: {reason}")]
    Pem { path: String, reason: String },
    #[error("TLS setup: {0}")]
    Setup(String),
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let err = |reason: String| TlsError::Pem { path: path.display().to_string(), reason };
    let list = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    if list.is_empty() {
        return Err(err("no certificate".to_string()));
    }
    Ok(list)
}

fn key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| TlsError::Pem { path: path.display().to_string(), reason: e.to_string() })
}

fn roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();
    for c in certs(path)? {
        store.add(c).map_err(|e| TlsError::Setup(e.to_string()))?;
    }
    Ok(store)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The listener's TLS settings.
pub struct ServerTls {
    config: Arc<ServerConfig>,
    allowed: Arc<Vec<String>>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("allowed", &self.allowed).finish()
    }
}

impl ServerTls {
    /// Server certificate chain and key, the CA that signs client certificates, and the client
    /// names allowed (empty: any certificate from that CA).
    pub fn from_pem_files(
        cert: &Path,
        key_file: &Path,
        client_ca: &Path,
        allowed: Vec<String>,
    ) -> Result<ServerTls, TlsError> {
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots(client_ca)?), provider())
                .build()
                .map_err(|e| TlsError::Setup(e.to_string()))?;
        let config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs(cert)?, key(key_file)?)
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        Ok(ServerTls { config: Arc::new(config), allowed: Arc::new(allowed) })
    }

    pub(crate) fn accept(&self, sock: TcpStream) -> io::Result<TlsLink> {
        let conn =
            rustls::ServerConnection::new(Arc::clone(&self.config)).map_err(io::Error::other)?;
        Ok(TlsLink::new(sock, Connection::Server(conn), Some(Arc::clone(&self.allowed))))
    }
}

/// The client's TLS settings.
pub struct ClientTls {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls").field("server_name", &self.server_name).finish()
    }
}

impl ClientTls {
    /// The CA that signs the server's certificate, this client's certificate chain and key, and
    /// the name the server's certificate must carry (a DNS name or an IP address).
    pub fn from_pem_files(
        ca: &Path,
        cert: &Path,
        key_file: &Path,
        server_name: &str,
    ) -> Result<ClientTls, TlsError> {
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .with_root_certificates(roots(ca)?)
            .with_client_auth_cert(certs(cert)?, key(key_file)?)
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        let server_name = ServerName::try_from(server_name.to_string())
            .map_err(|e| TlsError::Setup(format!("server name {server_name}: {e}")))?;
        Ok(ClientTls { config: Arc::new(config), server_name })
    }

    pub(crate) fn connect(&self, sock: TcpStream) -> io::Result<TlsLink> {
        let conn =
            rustls::ClientConnection::new(Arc::clone(&self.config), self.server_name.clone())
                .map_err(io::Error::other)?;
        Ok(TlsLink::new(sock, Connection::Client(conn), None))
    }
}

/// A non-blocking TLS connection.
pub(crate) struct TlsLink {
    sock: TcpStream,
    conn: Connection,
    /// Server side: client names to check once the handshake is done.
    allowed: Option<Arc<Vec<String>>>,
}

impl TlsLink {
    fn new(sock: TcpStream, mut conn: Connection, allowed: Option<Arc<Vec<String>>>) -> TlsLink {
        conn.set_buffer_limit(None);
        TlsLink { sock, conn, allowed }
    }

    pub fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    pub fn flush_pending(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut self.sock) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.conn.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            match self.conn.read_tls(&mut self.sock) {
                Ok(0) => return Ok(0),
                Ok(_) => {
                    self.conn
                        .process_new_packets()
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                    self.check_peer()?;
                    self.flush_pending()?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.conn.writer().write(buf)?;
        self.flush_pending()?;
        Ok(n)
    }

    /// Server side, once: the client certificate must name one of the allowed clients.
    fn check_peer(&mut self) -> io::Result<()> {
        if self.conn.is_handshaking() {
            return Ok(());
        }
        let Some(allowed) = self.allowed.take() else { return Ok(()) };
        if allowed.is_empty() {
            return Ok(());
        }
        let ok = self.conn.peer_certificates().and_then(|c| c.first()).is_some_and(|der| {
            webpki::EndEntityCert::try_from(der).is_ok_and(|cert| {
                allowed.iter().any(|name| {
                    ServerName::try_from(name.as_str())
                        .is_ok_and(|n| cert.verify_is_valid_for_subject_name(&n).is_ok())
                })
            })
        });
        if ok {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "client certificate names no allowed client",
            ))
        }
    }
}
