//! One connection of either end: a plain TCP stream, or (feature `tls`) the same stream carrying
//! TLS. Both are non-blocking; `read` and `write` keep the std semantics (`WouldBlock` when
//! nothing can move) so the event loops do not care which one they have.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsFd, BorrowedFd};

pub(crate) enum Link {
    Plain(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<crate::tls::TlsLink>),
}

impl Link {
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Link::Plain(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Link::Tls(t) => t.read(buf),
        }
    }

    pub fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Link::Plain(s) => s.write(buf),
            #[cfg(feature = "tls")]
            Link::Tls(t) => t.write(buf),
        }
    }

    /// Encrypted bytes wait for the socket (poll for POLLOUT).
    pub fn wants_write(&self) -> bool {
        match self {
            Link::Plain(_) => false,
            #[cfg(feature = "tls")]
            Link::Tls(t) => t.wants_write(),
        }
    }

    /// Push buffered encrypted bytes to the socket.
    pub fn flush_pending(&mut self) -> io::Result<()> {
        match self {
            Link::Plain(_) => Ok(()),
            #[cfg(feature = "tls")]
            Link::Tls(t) => t.flush_pending(),
        }
    }

    pub fn tcp(&self) -> &TcpStream {
        match self {
            Link::Plain(s) => s,
            #[cfg(feature = "tls")]
            Link::Tls(t) => t.tcp(),
        }
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.tcp().as_fd()
    }

    pub fn shutdown(&self) {
        let _ = self.tcp().shutdown(std::net::Shutdown::Both);
    }
}
