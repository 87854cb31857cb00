#!/usr/bin/env python3
"""Write testdata/logs/interpret.log: one event per interpretation case,
so that the differential suite compares `ausearch -i` on every kind of
value, every a0..a3 decoder, the arches, sockaddr families and ENRICHED
records. Deterministic: run it again and the file is the same."""
import os
import re

ROOT = os.path.join(os.path.dirname(__file__), "..")
OUT = os.path.join(ROOT, "testdata", "logs", "interpret.log")


def syscall_table(const, path):
    text = open(os.path.join(ROOT, "crates", "tables", "src", path)).read()
    body = text.split(f"pub const {const}:", 1)[1].split("];", 1)[0]
    return {name: int(nr) for nr, name in re.findall(r'\((\d+), "([^"]+)"\)', body)}


X86_64 = syscall_table("X86_64", "syscalls_gen.rs")
I386 = syscall_table("I386", "syscalls_gen.rs")
AARCH64 = syscall_table("AARCH64", "syscalls_other_gen.rs")
ARCHES = {"x86_64": ("c000003e", X86_64), "i386": ("40000003", I386), "aarch64": ("c00000b7", AARCH64)}

lines = []
serial = [1000]
sec = [1700000000]


def stamp():
    serial[0] += 1
    sec[0] += 1
    return f"msg=audit({sec[0]}.{serial[0] % 1000:03d}:{serial[0]})"


def event(*records):
    s = stamp()
    for rtype, body in records:
        lines.append(f"type={rtype} {s}: {body}")


TASK = ('items=0 ppid=1 pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 '
        'fsgid=0 tty=pts0 ses=3 comm="t" exe="/usr/bin/t" key=(null)')


def syscall(arch, name, a=("0", "0", "0", "0"), exit_="0", success="yes"):
    elf, table = ARCHES[arch]
    nr = table[name]
    return ("SYSCALL", f"arch={elf} syscall={nr} success={success} exit={exit_} "
            f"a0={a[0]} a1={a[1]} a2={a[2]} a3={a[3]} {TASK}")


# a0..a3 decoders, x86_64.
cases = [
    ("rt_sigaction", ("2", "0", "0", "8")), ("rt_sigaction", ("1e", "0", "0", "8")),
    ("rt_sigaction", ("40", "0", "0", "8")), ("renameat2", ("ffffff9c", "1", "ffffff9c", "0")),
    ("readlinkat", ("ffffff9c", "1", "3", "0")), ("clock_settime", ("0", "1", "0", "0")),
    ("clock_settime", ("9", "1", "0", "0")), ("personality", ("ffffffff", "0", "0", "0")),
    ("personality", ("40008", "0", "0", "0")), ("personality", ("0", "0", "0", "0")),
    ("ptrace", ("10", "1", "0", "0")), ("ptrace", ("4206", "1", "0", "0")),
    ("ptrace", ("999", "1", "0", "0")), ("prctl", ("f", "0", "0", "0")),
    ("prctl", ("17", "15", "0", "0")), ("prctl", ("1", "9", "0", "0")),
    ("prctl", ("999", "0", "0", "0")), ("mkdirat", ("ffffff9c", "1", "1ed", "0")),
    ("mknodat", ("5", "1", "21a4", "0")), ("fchownat", ("ffffff9c", "1", "3e8", "3e8")),
    ("fchmodat", ("ffffff9c", "1", "9ed", "0")), ("faccessat", ("ffffff9c", "1", "6", "0")),
    ("faccessat2", ("ffffff9c", "1", "0", "0")), ("futimesat", ("ffffff9c", "1", "0", "0")),
    ("utimensat", ("ffffff9c", "1", "0", "0")), ("unshare", ("20000", "0", "0", "0")),
    ("unshare", ("7e020000", "0", "0", "0")), ("unlinkat", ("ffffff9c", "1", "200", "0")),
    ("getrlimit", ("7", "1", "0", "0")), ("setrlimit", ("20", "1", "0", "0")),
    ("prlimit64", ("0", "7", "0", "0")), ("setuid", ("3e8", "0", "0", "0")),
    ("setuid", ("ffffffff", "0", "0", "0")), ("setreuid", ("0", "3e8", "0", "0")),
    ("setresuid", ("0", "3e8", "ffffffff", "0")), ("setfsuid", ("0", "0", "0", "0")),
    ("setgid", ("3e8", "0", "0", "0")), ("setregid", ("0", "3e8", "0", "0")),
    ("setresgid", ("0", "3e8", "ffffffff", "0")), ("setfsgid", ("5", "0", "0", "0")),
    ("socket", ("2", "1", "6", "0")), ("socket", ("a", "80802", "11", "0")),
    ("socket", ("10", "3", "9", "0")), ("socket", ("11", "3", "300", "0")),
    ("socket", ("63", "99", "ff", "0")), ("socket", ("1", "5", "0", "0")),
    ("linkat", ("ffffff9c", "1", "ffffff9c", "400")), ("newfstatat", ("ffffff9c", "1", "2", "100")),
    ("openat", ("ffffff9c", "1", "0", "0")), ("openat", ("ffffff9c", "1", "241", "1b6")),
    ("openat", ("3", "1", "80000", "0")), ("openat", ("ffffff9c", "1", "a0802", "0")),
    ("openat2", ("ffffff9c", "1", "2", "18")), ("name_to_handle_at", ("ffffff9c", "1", "0", "0")),
    ("exit", ("0", "0", "0", "0")), ("exit_group", ("1", "0", "0", "0")),
    ("exit_group", ("2", "0", "0", "0")), ("bpf", ("5", "1", "80", "0")),
    ("bpf", ("99", "1", "80", "0")), ("fchmod", ("3", "1a4", "0", "0")),
    ("chmod", ("1", "fed", "0", "0")), ("creat", ("1", "180", "0", "0")),
    ("mkdir", ("1", "1c0", "0", "0")), ("mknod", ("1", "61b0", "0", "0")),
    ("fcntl", ("3", "4", "800", "0")), ("fcntl", ("3", "2", "1", "0")),
    ("fcntl", ("3", "8", "3e8", "0")), ("fcntl", ("3", "400", "0", "0")),
    ("fcntl", ("3", "999", "0", "0")), ("chown", ("1", "3e8", "3e8", "0")),
    ("lchown", ("1", "3e8", "3e8", "0")), ("fchown", ("3", "3e8", "3e8", "0")),
    ("getsockopt", ("3", "1", "2", "0")), ("setsockopt", ("3", "6", "1", "0")),
    ("setsockopt", ("3", "0", "1", "0")), ("setsockopt", ("3", "29", "1a", "0")),
    ("setsockopt", ("3", "11", "1", "0")), ("setsockopt", ("3", "11", "64", "0")),
    ("setsockopt", ("3", "11", "5", "0")), ("setsockopt", ("3", "107", "1", "0")),
    ("setsockopt", ("3", "10e", "1", "0")), ("setsockopt", ("3", "999", "1", "0")),
    ("setsockopt", ("3", "1", "999", "0")), ("setns", ("3", "40000000", "0", "0")),
    ("sched_setscheduler", ("0", "40000001", "0", "0")), ("sched_setscheduler", ("0", "9", "0", "0")),
    ("mq_open", ("1", "c2", "1a4", "0")), ("mq_open", ("1", "2", "1a4", "0")),
    ("open", ("1", "0", "0", "0")), ("open", ("1", "241", "1a4", "0")),
    ("open", ("1", "2", "1a4", "0")), ("access", ("1", "0", "0", "0")),
    ("access", ("1", "7", "0", "0")), ("access", ("1", "10", "0", "0")),
    ("epoll_ctl", ("3", "1", "4", "0")), ("epoll_ctl", ("3", "19", "4", "0")),
    ("kill", ("1", "9", "0", "0")), ("kill", ("1", "1e", "0", "0")),
    ("kill", ("1", "40", "0", "0")), ("tkill", ("1", "f", "0", "0")),
    ("tgkill", ("1", "2", "13", "0")), ("umount2", ("1", "3", "0", "0")),
    ("umount2", ("1", "0", "0", "0")), ("ioctl", ("1", "5401", "0", "0")),
    ("ioctl", ("1", "c0045877", "0", "0")), ("sendmsg", ("3", "1", "4040", "0")),
    ("recvmsg", ("3", "1", "0", "0")), ("shmget", ("0", "1000", "3b6", "0")),
    ("shmget", ("0", "1000", "0", "0")), ("shmget", ("0", "1000", "41b6", "0")),
    ("mmap", ("0", "1000", "3", "22")), ("mmap", ("0", "1000", "0", "802")),
    ("mmap", ("0", "1000", "7", "100001")), ("mprotect", ("0", "1000", "5", "0")),
    ("mprotect", ("0", "1000", "8", "0")), ("readlinkat", ("5", "1", "ffffff9c", "0")),
    ("renameat", ("ffffff9c", "1", "4", "0")), ("lseek", ("3", "0", "2", "0")),
    ("lseek", ("3", "0", "9", "0")), ("clone", ("1200011", "0", "0", "0")),
    ("mount", ("1", "1", "1", "1000")), ("mount", ("1", "1", "1", "0")),
    ("recvfrom", ("3", "1", "2", "40")), ("sendto", ("3", "1", "2", "4000")),
    ("recvmmsg", ("3", "1", "2", "10000")), ("sendmmsg", ("3", "1", "2", "0")),
    ("write", ("1", "2", "3", "4")), ("execve", ("0", "0", "0", "0")),
]
for name, args in cases:
    event(syscall("x86_64", name, args))

# Exit codes, success and odd numbers.
for exit_, succ in [("-1", "no"), ("-13", "no"), ("-115", "no"), ("-4095", "no"),
                    ("-99999", "no"), ("12", "yes"), ("-9999999999999999999999", "no")]:
    event(syscall("x86_64", "write", ("1", "2", "3", "4"), exit_, succ))

# Other arches: the multiplexers, and arches the reference does not know.
event(syscall("i386", "socketcall", ("3", "bfa1b2c0", "0", "0")))
event(syscall("i386", "socketcall", ("99", "bfa1b2c0", "0", "0")))
event(syscall("i386", "ipc", ("1", "0", "0", "0")))
event(syscall("i386", "ipc", ("17", "0", "0", "0")))
event(syscall("i386", "open", ("1", "8241", "1a4", "0")))
event(syscall("aarch64", "openat", ("ffffff9c", "1", "0", "0")))
event(syscall("aarch64", "clone", ("1200011", "0", "0", "0")))
for elf, nr in [("40000028", 5), ("c0000015", 5), ("80000015", 5), ("80000016", 5),
                ("c00000f3", 56), ("14", 5), ("16", 5), ("12345678", 1), ("zz", 1)]:
    event(("SYSCALL", f"arch={elf} syscall={nr} success=yes exit=0 a0=1 a1=2 a2=3 a3=4 {TASK}"))

# sockaddr families.
saddrs = [
    "01002F746D702F736F636B", "0100002F6162737472616374", "0100", "02000050C0A80001" + "00" * 8,
    "0200005", "0A000050000000002001" + "0DB8" + "00" * 10 + "01" + "00000000",
    "0A000016" + "00" * 4 + "FE80" + "00" * 6 + "0211223344556677" + "02000000",
    "0A000016" + "00" * 4 + "00" * 10 + "FFFF7F000001" + "00000000", "0A00", "1000000039050000" + "00" * 4,
    "100000", "0300414243444546470000", "080000000000000005000600" + "00" * 4,
    "0900313233343536000000000000000000", "04000000", "05000000", "6300", "2C00", "ZZZZ",
    "0200", "1100000003000000", "1E00", "2600",
]
for s in saddrs:
    event(syscall("x86_64", "connect", ("3", "1", "10", "0")), ("SOCKADDR", f"saddr={s}"))

# Field kinds outside SYSCALL records.
event(("PATH", 'item=0 name="/etc/passwd" inode=1 dev=fe:01 mode=0100644 ouid=1000 ogid=1000 '
       'rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0'))
event(("PATH", 'item=0 name=2F746D702F612062 inode=1 dev=fe:01 mode=040755 ouid=0 ogid=0 '
       'rdev=00:00 nametype=CREATE cap_fp=1fffffffff cap_fi=3 cap_fe=1 cap_fver=2'))
event(("PATH", 'item=0 name=(null) inode=1 dev=fe:01 mode=0170777 ouid=4294967295 ogid=65534 '
       'rdev=00:00 nametype=PARENT flags=3'))
event(("PATH", 'item=0 name="./rel/../x" mode=0147000 flags=0 nametype=DELETE'))
for mode in ["0140755", "0120777", "060660", "020620", "010644", "0106755", "0"]:
    event(("PATH", f'item=0 name="/x" mode={mode} nametype=NORMAL'))
event(("CWD", 'cwd="/home/a b"'))
event(("CWD", "cwd=2F686F6D652F610962"))
event(("EXECVE", 'argc=4 a0="ls" a1=2D6C00 a2=612062 a3_len=4 a3[0]="ab" a3[1]="cd"'))
event(("PROCTITLE", "proctitle=6C73002D6C002F746D70"))
event(("PROCTITLE", 'proctitle="bash"'))
event(("PROCTITLE", "proctitle=6C73002D6C00"))
event(("PROCTITLE", "proctitle=6C73002D6C0"))
event(("CAPSET", "pid=1 cap_pi=0 cap_pp=20000000 cap_pe=1ffffffffff cap_pa=0"))
event(("BPRM_FCAPS", "fver=2 fp=1 fi=0 fe=1 old_pp=0 old_pi=0 old_pe=0 old_pa=0 pp=3 pi=0 pe=3 pa=0 frootid=0"))
event(("CONFIG_CHANGE", 'auid=1000 ses=3 op=add_rule key=6B31016B32 list=4 res=1'))
event(("CONFIG_CHANGE", 'auid=4294967295 ses=4294967295 op=remove_rule key="a" list=2 res=0'))
event(("CONFIG_CHANGE", 'auid=0 ses=1 op=set audit_enabled=1 old=1 res=2'))
event(("ANOM_PROMISCUOUS", "dev=eth0 prom=256 old_prom=0 auid=1000 uid=0 gid=0 ses=1"))
event(("ANOM_ABEND", 'auid=1000 uid=1000 gid=1000 ses=3 pid=77 comm="x" exe="/x" sig=11 res=1'))
event(("ANOM_ABEND", 'auid=1000 uid=1000 gid=1000 ses=3 pid=77 comm="x" exe="/x" sig=30 res=1'))
event(("ANOM_ABEND", 'auid=1000 uid=1000 gid=1000 ses=3 pid=77 comm="x" exe="/x" sig=64 res=1'))
event(("OBJ_PID", 'opid=1 oauid=0 ouid=0 oses=1 obj=unconfined ocomm="systemd"'))
event(("SECCOMP", 'auid=1000 uid=1000 gid=1000 ses=1 pid=1 comm="x" exe="/x" sig=31 arch=c000003e syscall=41 compat=0 ip=0x7f code=0x80000000'))
event(("SECCOMP", 'auid=1000 uid=1000 gid=1000 ses=1 pid=1 comm="x" exe="/x" sig=0 arch=40000003 syscall=5 compat=1 ip=0x7f code=0x50000'))
event(("SECCOMP", 'auid=1000 uid=1000 gid=1000 ses=1 pid=1 comm="x" exe="/x" sig=0 arch=c000003e syscall=1 compat=0 ip=0x7f code=0x7ffc0000'))
event(("NETFILTER_CFG", "table=filter family=2 entries=10 op=xt_replace pid=1 comm=\"iptables\""))
event(("NETFILTER_CFG", "table=filter family=99 entries=10 op=xt_register"))
event(("NETFILTER_PKT", "mark=0x0 saddr=10.0.0.1 daddr=10.0.0.2 proto=6 hook=1 action=2 macproto=0x0800"))
event(("NETFILTER_PKT", "mark=0x0 saddr=10.0.0.1 daddr=10.0.0.2 proto=250 hook=9 action=9 macproto=0x86dd"))
event(("NETFILTER_PKT", "mark=0x0 saddr=10.0.0.1 daddr=10.0.0.2 proto=1 icmptype=8 icmpcode=0 macproto=0x0806"))
event(("NETFILTER_PKT", "mark=0x0 proto=1 icmptype=99"))
event(("USER_TTY", "pid=1 uid=0 auid=1000 ses=1 msg=6C730D"))
event(("TTY", "tty pid=1 uid=0 auid=1000 ses=1 major=136 minor=0 comm=\"bash\" data=6C73202D6C0D1B5B410903"))
event(("TTY", "tty pid=1 uid=0 auid=1000 ses=1 major=136 minor=0 comm=\"bash\" data=22415C427F"))
event(("TTY", "tty pid=1 uid=0 auid=1000 ses=1 major=136 minor=0 comm=\"bash\" data=notHex"))
event(("ADD_GROUP", "pid=1 uid=0 auid=1000 ses=1 msg='op=add-group id=1000 exe=\"/usr/sbin/groupadd\" hostname=? addr=? terminal=pts/0 res=success'"))
event(("ADD_USER", "pid=1 uid=0 auid=1000 ses=1 msg='op=add-user id=1000 exe=\"/usr/sbin/useradd\" acct=\"bob\" res=success'"))
event(("USER_AUTH", "pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct=626F62 exe=\"/usr/sbin/sshd\" hostname=1.2.3.4 addr=1.2.3.4 terminal=ssh res=failed'"))
event(("USER_AUTH", "pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication acct=bob: exe=\"/usr/sbin/sshd\" res=failed'"))
event(("TRUSTED_APP", "pid=1 uid=0 auid=1000 ses=1 msg='op=x acct=\"a\" cmd=6C73 val=123 other=zz res=success'"))
event(("KERN_MODULE", 'name="nf_tables"'))
event(("KERN_MODULE", "name=6E66"))
event(("MQ_OPEN", "oflag=0xc2 mode=0644 mq_flags=0x0 mq_maxmsg=10 mq_msgsize=8192 mq_curmsgs=0"))
event(("MQ_SENDRECV", "mqdes=3 msg_len=10 msg_prio=0 abs_timeout_sec=0 abs_timeout_nsec=0"))
event(("MMAP", "fd=3 flags=0x2"))
event(("IPC", "ouid=0 ogid=0 mode=0666"))
event(("LABEL_LEVEL_CHANGE", "pid=1 uid=0 auid=0 ses=1 msg='banners=none,none default-context=s0 res=success'"))
event(("ROLE_ASSIGN", "pid=1 uid=0 auid=0 ses=1 msg='op=add new-role=r,r res=success'"))
event(("USER_AVC", "pid=1 uid=0 auid=4294967295 ses=4294967295 msg='avc:  denied  { status } for auid=-1 uid=0 gid=0 cmdline=\"x\" scontext=system_u:system_r:init_t:s0 tcontext=system_u:object_r:a_t:s0:c1,c2 tclass=service exe=\"/x\" sauid=0 hostname=? addr=? terminal=?'"))
event(("AVC", 'avc:  denied  { read } for  pid=1 comm="x" saddr=10.0.0.1 src=22 name="f" dev="sda1" ino=2 scontext=u:r:t:s0 tcontext=u:r:t:s0:c0,c5 tclass=file permissive=0'))
event(("FANOTIFY", "resp=1 fan_type=0 fan_info=0 subj_trust=2 obj_trust=2"))
event(("FANOTIFY", "resp=2"))
event(("FANOTIFY", "resp=7"))
event(("FANOTIFY", "resp=x"))
event(("PROCTITLE", "proctitle=(null)"))
event(("SOCKADDR", "saddr=0100"))
event(("DAEMON_START", "op=start ver=3.0.9 format=raw kernel=6.1.0 auid=4294967295 pid=1 uid=0 ses=4294967295 subj=unconfined  res=success"))
event(("CONFIG_CHANGE", "op=set audit_backlog_limit=8192 old=64 auid=1000 ses=1 res=yes"))
event(("NETFILTER_CFG", "table=nat family=10 entries=0 op=register pid=1 subj=unconfined comm=\"x\""))
event(("BPF", "prog-id=7 op=LOAD"))
event(("URINGOP", "uring_op=18 success=yes exit=0 items=0 ppid=1 pid=2 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 subj=unconfined key=(null)"))
event(("OPENAT2", "oflag=0101 mode=0644 resolve=0x1a"))
event(("OPENAT2", "oflag=0 mode=0 resolve=0x0"))
event(("EVENT_LISTENER", "pid=1 uid=0 auid=0 tty=none ses=1 subj=unconfined comm=\"x\" exe=\"/x\" nl-mcgrp=1 op=connect res=1"))
event(("EVENT_LISTENER", "pid=1 uid=0 auid=0 nl-mcgrp=0 op=disconnect res=0"))
event(("ANOM_LINK", "op=linkat ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"ln\" exe=\"/bin/ln\" res=0"))
event(("SYSCALL", "arch=c000003e syscall=999 success=no exit=-38 a0=0 a1=0 a2=0 a3=0 " + TASK))
event(("SYSCALL", "arch=c000003e syscall=62 per=400008 success=yes exit=0 a0=1 a1=9 a2=0 a3=0 " + TASK))
event(("SYSCALL", "arch=c000003e syscall=21 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 " + TASK.replace("key=(null)", 'key="a key"')))
event(("SYSCALL", "arch=c000003e syscall=21 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 " + TASK.replace("key=(null)", "key=6B31016B3209")))
event(("SYSCALL", "arch=c000003e syscall=21 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 " + TASK.replace("uid=0 gid=0", "uid=4000000000 gid=4000000000")))
event(("SYSCALL", "arch=c000003e syscall=21 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 " + TASK.replace("auid=1000", "auid=foo")))
event(("SYSCALL", "arch=c000003e syscall=21 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 " + TASK.replace("auid=1000", "auid=99999999999999999999999")))

# ENRICHED records: the stored names win, `unknown-` ones are looked up.
GS = "\x1d"
lines.append(f"type=SYSCALL {stamp()}: arch=c000003e syscall=90 success=yes exit=0 a0=1 a1=1ed a2=0 a3=0 {TASK}"
             f"{GS}ARCH=x86_64 SYSCALL=chmod AUID=\"someone\" UID=\"root\" GID=\"root\" EUID=\"root\" SUID=\"root\" FSUID=\"root\" EGID=\"root\" SGID=\"root\" FSGID=\"root\"")
s = stamp()
lines.append(f"type=SYSCALL {s}: arch=c000003e syscall=42 success=yes exit=0 a0=3 a1=1 a2=10 a3=0 {TASK}"
             f"{GS}ARCH=x86_64 SYSCALL=connect AUID=unknown(1000) UID=\"root\" GID=\"root\" EUID=\"root\" SUID=\"root\" FSUID=\"root\" EGID=\"root\" SGID=\"root\" FSGID=\"root\"")
lines.append(f"type=SOCKADDR {s}: saddr=02000050C0A800010000000000000000{GS}SADDR={{ saddr_fam=inet laddr=192.168.0.1 lport=80 }}")
lines.append(f"type=PROCTITLE {s}: proctitle=636F6E6E656374")
lines.append(f"type=EOE {s}: ")
lines.append(f"type=USER_LOGIN {stamp()}: pid=1 uid=0 auid=1000 ses=1 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=/dev/pts/0 res=success'"
             f"{GS}UID=\"root\" AUID=\"stored-user\" ID=\"stored-id\"")
lines.append(f"type=SYSCALL {stamp()}: arch=c000003e syscall=2 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 {TASK}"
             f"{GS}ARCH=x86_64 SYSCALL=unknown-syscall(2) AUID=6E616D65207769746820737061636573 UID=\"root\"")

with open(OUT, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"{len(lines)} records -> {OUT}")
