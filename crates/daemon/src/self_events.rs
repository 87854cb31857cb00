//! The kernel never audits the registered daemon's own system calls (its syscall filter skips
//! the registered tgid), so a rule that matches the daemon's writes cannot feed on itself. A
//! supervised worker is not the registered tgid: its syscalls are audited like any process's,
//! and a rule matching its log writes (`-S write`, say) would make every write an event that
//! it writes, an endless loop (measured: 102 000 such events in 5 idle seconds). This stage
//! gives the worker the exemption the kernel gives the registered daemon: the events whose
//! subject is the worker itself are dropped, from their SYSCALL record on (docs/crash-safety.md).

use raudit_tables::MsgType;

use crate::pipeline::{Stage, Verdict};

/// How many of the worker's own events may be open at once (their records interleave with
/// other events' only within a few serials).
const OPEN: usize = 16;

pub struct OwnSyscalls {
    /// ` pid=N ` as the SYSCALL record spells the worker's tgid.
    pid_field: Vec<u8>,
    /// Serials of the worker's own events seen lately (a ring).
    muted: [u32; OPEN],
    next: usize,
}

impl OwnSyscalls {
    pub fn new(pid: u32) -> OwnSyscalls {
        OwnSyscalls { pid_field: format!(" pid={pid} ").into_bytes(), muted: [0; OPEN], next: 0 }
    }
}

impl Stage for OwnSyscalls {
    fn apply(&mut self, msg_type: u16, payload: &[u8]) -> Verdict {
        let Some(serial) = crate::recovery::serial_of(payload) else { return Verdict::Keep };
        if msg_type == MsgType::SYSCALL.0 {
            if payload.windows(self.pid_field.len()).any(|w| w == self.pid_field) {
                self.muted[self.next] = serial;
                self.next = (self.next + 1) % OPEN;
                return Verdict::Drop;
            }
            return Verdict::Keep;
        }
        if serial != 0 && self.muted.contains(&serial) { Verdict::Drop } else { Verdict::Keep }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workers_own_events_are_dropped_whole() {
        let mut s = OwnSyscalls::new(42);
        let own = b"audit(1.0:10): arch=c000003e syscall=1 success=yes ppid=1 pid=42 auid=0";
        let other = b"audit(1.0:11): arch=c000003e syscall=1 success=yes ppid=42 pid=43 auid=0";
        assert_eq!(s.apply(MsgType::SYSCALL.0, own), Verdict::Drop);
        assert_eq!(s.apply(MsgType::PROCTITLE.0, b"audit(1.0:10): proctitle=72"), Verdict::Drop);
        assert_eq!(s.apply(MsgType::EOE.0, b"audit(1.0:10): "), Verdict::Drop);
        assert_eq!(s.apply(MsgType::SYSCALL.0, other), Verdict::Keep);
        assert_eq!(s.apply(MsgType::PROCTITLE.0, b"audit(1.0:11): proctitle=72"), Verdict::Keep);
        // A user message naming pid 42 is not a syscall event of the worker.
        let user = b"audit(1.0:12): pid=42 uid=0 msg='op=x'";
        assert_eq!(s.apply(MsgType::USER_LOGIN.0, user), Verdict::Keep);
    }
}
