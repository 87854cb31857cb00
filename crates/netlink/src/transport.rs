//! The seam between the protocol logic and the socket, so framing and error
//! paths can be tested against an in-memory fake kernel.

use std::io;
use std::time::Duration;

/// What one receive produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes written into the buffer.
    pub len: usize,
    /// The sender's netlink port id; the kernel is 0, anything else is a
    /// spoofed datagram from a user process.
    pub sender: u32,
    /// The datagram was larger than the buffer and was cut (`MSG_TRUNC`).
    pub truncated: bool,
}

/// A datagram channel to the kernel's audit netlink endpoint.
pub trait Transport {
    /// Sends one datagram to the kernel (port id 0).
    fn send(&mut self, datagram: &[u8]) -> io::Result<()>;

    /// Receives one datagram into `buf`, waiting at most `timeout`
    /// (`None`: no limit; `Some(ZERO)`: do not wait).
    ///
    /// Errors the caller handles: `WouldBlock` (nothing arrived in time),
    /// `Interrupted` (retried), `ENOBUFS` (the socket overran: counted,
    /// reading continues). Anything else is reported.
    fn recv(&mut self, buf: &mut [u8], timeout: Option<Duration>) -> io::Result<Received>;

    /// Receives up to `max` datagrams without waiting: datagram `i`
    /// goes to `buf[i * slot..(i + 1) * slot]` and its [`Received`] is pushed on `out`. Returns
    /// how many arrived (at least one), or the errors of [`Transport::recv`] (`WouldBlock` when
    /// nothing is there). The default receives one; the real socket uses `recvmmsg(2)`.
    fn recv_many(
        &mut self,
        buf: &mut [u8],
        slot: usize,
        max: usize,
        out: &mut Vec<Received>,
    ) -> io::Result<usize> {
        let _ = max;
        let end = slot.min(buf.len());
        let got = self.recv(&mut buf[..end], Some(Duration::ZERO))?;
        out.push(got);
        Ok(1)
    }
}
