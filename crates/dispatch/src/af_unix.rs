//! The builtin af_unix plugin: a listening UNIX stream socket that copies every record to each
//! connected client. Unlike 3.0.9 (one client at a time, blocking writes) it serves any number of
//! clients, and a client that does not keep up is disconnected instead of stalling the others.

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rustix::io::Errno;
use rustix::net::SendFlags;

use crate::format::binary_padding;
use crate::pconfig::{Format, PluginConf};
use crate::queue::{Queue, Take};
use crate::{Priority, Shared};

/// How often new clients are accepted while no record arrives.
const ACCEPT_TICK: Duration = Duration::from_millis(20);
/// Bytes a client may be behind before it is disconnected.
const CLIENT_BACKLOG: usize = 8 << 20;

pub(crate) struct AfUnix {
    pub queue: Arc<Queue>,
    thread: Option<JoinHandle<()>>,
}

struct Client {
    stream: UnixStream,
    /// Bytes accepted for this client but not yet written.
    pending: Vec<u8>,
}

impl AfUnix {
    /// Create the socket from `args` (an all-digit token is the octal mode, a token with '/' the
    /// path, `string`/`binary` the format) and start serving it. `None` after a logged error.
    pub fn start(conf: &PluginConf, queue: Arc<Queue>, shared: Arc<Shared>) -> Option<AfUnix> {
        let mut mode: Option<u32> = None;
        let mut path: Option<PathBuf> = None;
        let mut listener: Option<UnixListener> = None;
        let mut format = conf.format;
        for arg in &conf.args {
            let b = arg.as_bytes();
            if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
                let Ok(m) = u32::from_str_radix(&arg.to_string_lossy(), 8) else {
                    shared
                        .log(Priority::Err, &format!("Error converting {}", arg.to_string_lossy()));
                    return fail(&shared, path.as_ref(), false);
                };
                mode = Some(m);
                if let Some(p) = &path
                    && let Err(e) = std::fs::set_permissions(p, std::fs::Permissions::from_mode(m))
                {
                    shared.log(
                        Priority::Err,
                        &format!(
                            "Couldn't chmod {} to {m:04o} ({})",
                            arg.to_string_lossy(),
                            raudit_tables::errno::io_text(&e)
                        ),
                    );
                    return fail(&shared, path.as_ref(), true);
                }
            } else if b.eq_ignore_ascii_case(b"string") {
                format = Format::String;
            } else if b.eq_ignore_ascii_case(b"binary") {
                format = Format::Binary;
            } else if b.contains(&b'/') {
                let p = PathBuf::from(arg);
                let dir = raudit_config::dirname(b);
                if let Err(e) = std::fs::read_dir(OsStr::from_bytes(&dir)) {
                    shared.log(
                        Priority::Err,
                        &format!(
                            "Couldn't open {} ({})",
                            String::from_utf8_lossy(&dir),
                            raudit_tables::errno::io_text(&e)
                        ),
                    );
                    return fail(&shared, path.as_ref(), listener.is_some());
                }
                let _ = std::fs::remove_file(&p);
                let l = match UnixListener::bind(&p) {
                    Ok(l) => l,
                    Err(e) => {
                        shared.log(
                            Priority::Err,
                            &format!(
                                "Couldn't bind af_unix socket ({})",
                                raudit_tables::errno::io_text(&e)
                            ),
                        );
                        return fail(&shared, path.as_ref(), listener.is_some());
                    }
                };
                if let Some(m) = mode
                    && let Err(e) = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m))
                {
                    shared.log(
                        Priority::Err,
                        &format!(
                            "Couldn't chmod {} to {m:04o} ({})",
                            p.display(),
                            raudit_tables::errno::io_text(&e)
                        ),
                    );
                    let _ = std::fs::remove_file(&p);
                    return fail(&shared, path.as_ref(), true);
                }
                if l.set_nonblocking(true).is_err() {
                    return fail(&shared, Some(&p), true);
                }
                listener = Some(l);
                path = Some(p);
            } else {
                shared.log(Priority::Err, &format!("Malformed path {}", arg.to_string_lossy()));
                return fail(&shared, path.as_ref(), listener.is_some());
            }
        }
        shared.log(Priority::Info, "af_unix plugin initialized");
        let server = Server { listener, path, format, clients: Vec::new(), shared: shared.clone() };
        let q = queue.clone();
        let thread = std::thread::Builder::new()
            .name("raudit-af_unix".into())
            .spawn(move || server.run(&q))
            .ok()?;
        Some(AfUnix { queue, thread: Some(thread) })
    }

    /// Stop serving: deliver what is queued (with `drain`), close the clients, remove the socket.
    pub fn stop(mut self, drain: bool) {
        self.queue.stop(!drain);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn fail(shared: &Shared, path: Option<&PathBuf>, did_something: bool) -> Option<AfUnix> {
    if let Some(p) = path {
        let _ = std::fs::remove_file(p);
    }
    if did_something || path.is_some() {
        shared.log(Priority::Info, "af_unix plugin terminated");
    }
    None
}

struct Server {
    listener: Option<UnixListener>,
    path: Option<PathBuf>,
    format: Format,
    clients: Vec<Client>,
    shared: Arc<Shared>,
}

impl Server {
    fn run(mut self, queue: &Queue) {
        let mut batch: Vec<Vec<u8>> = Vec::with_capacity(crate::queue::BATCH);
        loop {
            let t = queue.take(&mut batch, ACCEPT_TICK);
            self.accept();
            match t {
                Take::Stop => break,
                Take::Timeout => self.flush_pending(),
                Take::Items => {
                    self.send(&batch);
                    queue.recycle(&mut batch);
                }
            }
        }
        // Give slow clients a last chance to read what they were sent.
        for _ in 0..50 {
            self.flush_pending();
            if self.clients.iter().all(|c| c.pending.is_empty()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.clients.clear();
        self.listener = None;
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
        self.shared.log(Priority::Info, "af_unix plugin terminated");
    }

    fn accept(&mut self) {
        let Some(l) = &self.listener else { return };
        loop {
            match l.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(true).is_ok() {
                        self.clients.push(Client { stream, pending: Vec::new() });
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
    }

    fn flush_pending(&mut self) {
        self.clients.retain_mut(|c| c.pending.is_empty() || write_client(c, &[]));
    }

    fn send(&mut self, batch: &[Vec<u8>]) {
        let format = self.format;
        let shared = &self.shared;
        self.clients.retain_mut(|c| {
            for rec in batch {
                let pad = if format == Format::Binary { binary_padding(rec.len()) } else { &[] };
                if !write_client(c, rec) || (!pad.is_empty() && !write_client(c, pad)) {
                    return false;
                }
                if c.pending.len() > CLIENT_BACKLOG {
                    shared.log(
                        Priority::Notice,
                        "af_unix plugin disconnected a client that did not keep up",
                    );
                    return false;
                }
            }
            true
        });
    }
}

/// Write `bytes` to the client after what it already has pending; keep what does not fit.
/// False when the client is gone.
fn write_client(c: &mut Client, bytes: &[u8]) -> bool {
    while !c.pending.is_empty() {
        match rustix::net::send(&c.stream, &c.pending, SendFlags::NOSIGNAL | SendFlags::DONTWAIT) {
            Ok(n) => {
                c.pending.drain(..n);
            }
            Err(Errno::INTR) => {}
            Err(Errno::AGAIN) => {
                c.pending.extend_from_slice(bytes);
                return true;
            }
            Err(_) => return false,
        }
    }
    let mut off = 0;
    while off < bytes.len() {
        match rustix::net::send(&c.stream, &bytes[off..], SendFlags::NOSIGNAL | SendFlags::DONTWAIT)
        {
            Ok(n) => off += n,
            Err(Errno::INTR) => {}
            Err(Errno::AGAIN) => {
                c.pending.extend_from_slice(&bytes[off..]);
                return true;
            }
            Err(_) => return false,
        }
    }
    true
}
