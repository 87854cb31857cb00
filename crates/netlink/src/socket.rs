//! The real transport: an `AF_NETLINK`/`NETLINK_AUDIT` socket, driven with
//! libc (every `unsafe` block says why it is sound).

use std::io;
use std::mem;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use raudit_proto::msg::NETLINK_AUDIT;

use crate::transport::{Received, Transport};

/// `SOL_NETLINK` socket option level and `NETLINK_ADD_MEMBERSHIP`
/// (`linux/netlink.h`).
const SOL_NETLINK: libc::c_int = 270;
const NETLINK_ADD_MEMBERSHIP: libc::c_int = 1;

/// Most datagrams one `recvmmsg(2)` call takes.
pub const MAX_BATCH: usize = 64;

/// A NETLINK_AUDIT socket, close-on-exec, bound to a kernel-chosen port id.
#[derive(Debug)]
pub struct NetlinkSocket {
    fd: OwnedFd,
}

fn kernel_addr() -> libc::sockaddr_nl {
    // SAFETY: sockaddr_nl is plain old data; all-zero is a valid value.
    let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 { Err(io::Error::last_os_error()) } else { Ok(ret) }
}

impl NetlinkSocket {
    /// Opens the socket and binds it (port id chosen by the kernel).
    /// Fails with `EPROTONOSUPPORT` when the kernel has no audit support.
    pub fn open() -> io::Result<NetlinkSocket> {
        // SAFETY: plain syscall with constant arguments; the result is checked.
        let raw = check(unsafe {
            libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, NETLINK_AUDIT)
        })?;
        // SAFETY: `raw` is a freshly created descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let addr = kernel_addr();
        // SAFETY: `addr` is a valid sockaddr_nl and the length matches it.
        check(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_nl).cast(),
                mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        })?;
        Ok(NetlinkSocket { fd })
    }

    fn setsockopt_int(
        &self,
        level: libc::c_int,
        name: libc::c_int,
        value: libc::c_int,
    ) -> io::Result<()> {
        // SAFETY: the option value points at a live c_int of the stated size.
        check(unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&value as *const libc::c_int).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        })
        .map(drop)
    }

    fn getsockopt_int(&self, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
        let mut value: libc::c_int = 0;
        let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: value and len point at live locals of the sizes passed.
        check(unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        })?;
        Ok(value)
    }

    /// Joins multicast group `group` (AUDIT_NLGRP_READLOG = 1 for read-only
    /// listeners; needs `CAP_AUDIT_READ`).
    pub fn join_group(&self, group: u32) -> io::Result<()> {
        self.setsockopt_int(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group as libc::c_int)
    }

    /// Asks for a receive buffer of `bytes`: `SO_RCVBUFFORCE` (ignores
    /// `rmem_max`, needs `CAP_NET_ADMIN`), else `SO_RCVBUF`. Returns the size
    /// the kernel reports afterwards (it doubles the request for bookkeeping).
    pub fn set_receive_buffer(&self, bytes: usize) -> io::Result<usize> {
        let want = bytes.min(libc::c_int::MAX as usize) as libc::c_int;
        if self.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, want).is_err() {
            self.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, want)?;
        }
        Ok(self.getsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF)?.max(0) as usize)
    }

    /// The receive buffer size the kernel reports.
    pub fn receive_buffer(&self) -> io::Result<usize> {
        Ok(self.getsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF)?.max(0) as usize)
    }

    /// The socket's netlink port id (what the kernel records as the daemon).
    pub fn port_id(&self) -> io::Result<u32> {
        let mut addr = kernel_addr();
        let mut len = mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        // SAFETY: addr/len describe a live sockaddr_nl buffer.
        check(unsafe {
            libc::getsockname(
                self.fd.as_raw_fd(),
                (&mut addr as *mut libc::sockaddr_nl).cast(),
                &mut len,
            )
        })?;
        Ok(addr.nl_pid)
    }

    /// Waits until the socket is readable; `Ok(false)` on timeout.
    fn wait_readable(&self, timeout: Option<Duration>) -> io::Result<bool> {
        let ms: libc::c_int = match timeout {
            None => -1,
            Some(t) => {
                // Round up so a 0.5 ms wait does not become a busy poll.
                let ms = t.as_micros().div_ceil(1000);
                ms.min(libc::c_int::MAX as u128) as libc::c_int
            }
        };
        let mut pfd = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one live pollfd, count 1.
        let n = check(unsafe { libc::poll(&mut pfd, 1, ms) })?;
        Ok(n > 0)
    }
}

impl Transport for NetlinkSocket {
    fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        let addr = kernel_addr();
        loop {
            // SAFETY: buffer and address are live for the call, lengths match.
            let n = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    datagram.as_ptr().cast(),
                    datagram.len(),
                    0,
                    (&addr as *const libc::sockaddr_nl).cast(),
                    mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
                )
            };
            if n >= 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    fn recv(&mut self, buf: &mut [u8], timeout: Option<Duration>) -> io::Result<Received> {
        if timeout != Some(Duration::ZERO) && !self.wait_readable(timeout)? {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let mut addr = kernel_addr();
        let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
        // SAFETY: msghdr is plain old data; all-zero is valid before we fill it.
        let mut msg: libc::msghdr = unsafe { mem::zeroed() };
        msg.msg_name = (&mut addr as *mut libc::sockaddr_nl).cast();
        msg.msg_namelen = mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        // SAFETY: msg points at live name and iovec buffers that outlive the
        // call; the iovec covers exactly `buf`.
        let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Received {
            len: n as usize,
            sender: addr.nl_pid,
            truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        })
    }
    fn recv_many(
        &mut self,
        buf: &mut [u8],
        slot: usize,
        max: usize,
        out: &mut Vec<Received>,
    ) -> io::Result<usize> {
        let n = max.min(buf.len() / slot.max(1)).min(MAX_BATCH);
        if n == 0 {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        let mut addrs = [kernel_addr(); MAX_BATCH];
        let mut iovs = [libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; MAX_BATCH];
        // SAFETY: mmsghdr is plain old data; all-zero is valid before we fill it.
        let mut msgs: [libc::mmsghdr; MAX_BATCH] = unsafe { mem::zeroed() };
        for (i, chunk) in buf.chunks_exact_mut(slot).take(n).enumerate() {
            iovs[i] = libc::iovec { iov_base: chunk.as_mut_ptr().cast(), iov_len: slot };
        }
        for i in 0..n {
            let h = &mut msgs[i].msg_hdr;
            h.msg_name = (&mut addrs[i] as *mut libc::sockaddr_nl).cast();
            h.msg_namelen = mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
            h.msg_iov = &mut iovs[i];
            h.msg_iovlen = 1;
        }
        // SAFETY: `msgs[..n]` point at live addresses and iovecs, each iovec covers its own
        // disjoint `slot` bytes of `buf`; all outlive the call. No timeout is passed.
        let got = unsafe {
            libc::recvmmsg(
                self.fd.as_raw_fd(),
                msgs.as_mut_ptr(),
                n as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if got < 0 {
            return Err(io::Error::last_os_error());
        }
        let got = got as usize;
        for i in 0..got {
            out.push(Received {
                len: msgs[i].msg_len as usize,
                sender: addrs[i].nl_pid,
                truncated: msgs[i].msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
            });
        }
        Ok(got)
    }
}

impl AsFd for NetlinkSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for NetlinkSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
