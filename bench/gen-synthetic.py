#!/usr/bin/env python3
"""Writes a synthetic RAW audit log of a given size, fast and without a kernel.

The shapes of its records follow what the reference auditd writes on Debian 12 (see
../shared/bench/gen-corpus for the real generator, which needs the kernel and takes minutes).
A log mixes execve events (SYSCALL, EXECVE, CWD, PATH x2, PROCTITLE, EOE), failed opens, logins
(USER_AUTH, USER_ACCT, CRED_ACQ, LOGIN, USER_START, USER_END), config changes, and storm bursts of
getppid events at tens of thousands per second: the case where the reference's event assembly
is quadratic, because every multi-record event stays open until end_of_event_timeout.

usage: gen-synthetic.py OUT SIZE_MB [--seed N] [--storm-rate EVENTS_PER_S] [--start EPOCH] [--burst N]
"""
import argparse
import random


def hexs(s):
    return s.encode().hex().upper()


def path_record(s, item, name, inode, mode, ogid=0):
    """A PATH record of a root-owned regular file, as the reference writes it."""
    return (f"type=PATH msg={s}: item={item} name=\"{name}\" inode={inode} dev=fe:01 mode={mode} ouid=0 "
            f"ogid={ogid} rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("size_mb", type=float)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--storm-rate", type=int, default=30000)
    ap.add_argument("--start", type=int, default=1700000000)
    ap.add_argument("--burst", type=int, default=40000, help="largest storm burst, in events")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    target = int(a.size_mb * 1024 * 1024)
    sec, milli, serial = a.start, 0, 1000
    out = open(a.out, "w", buffering=1 << 20)
    written = 0
    users = [(0, "root"), (1000, "alice"), (1001, "auditgen1"), (1002, "auditgen2")]
    progs = [("/usr/bin/ls", "ls", ["ls", "-l", "/tmp"]), ("/usr/bin/cat", "cat", ["cat", "/etc/hosts"]),
             ("/usr/bin/id", "id", ["id"]), ("/usr/bin/python3.11", "python3", ["python3", "-c", "pass"])]

    def stamp():
        return f"audit({sec}.{milli:03d}:{serial})"

    def emit(lines):
        nonlocal written
        text = "".join(line + "\n" for line in lines)
        out.write(text)
        written += len(text)

    def tick(ms):
        nonlocal sec, milli, serial
        milli += ms
        sec += milli // 1000
        milli %= 1000
        serial += 1

    while written < target:
        kind = rnd.random()
        uid, uname = rnd.choice(users)
        auid = rnd.choice([uid, 4294967295, 1000])
        pid = rnd.randint(1000, 60000)
        ses = rnd.choice([1, 2, 3, 4294967295])
        if kind < 0.002:  # storm burst: getppid at storm-rate events/s
            n = rnd.randint(a.burst // 4, a.burst)
            step_us = 1_000_000 // a.storm_rate
            acc = 0
            for _ in range(n):
                acc += step_us
                if acc >= 1000:
                    tick(acc // 1000)
                    acc %= 1000
                else:
                    serial += 1
                s = stamp()
                emit([
                    f"type=SYSCALL msg={s}: arch=c000003e syscall=110 success=yes exit={pid} a0=0 a1=0 a2=0 a3=0 "
                    f"items=0 ppid={pid} pid={pid + 1} auid={auid} uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 "
                    f"sgid=0 fsgid=0 tty=pts0 ses={ses} comm=\"storm\" exe=\"/usr/local/bin/storm\" "
                    f"subj=unconfined key=\"storm\"",
                    f"type=PROCTITLE msg={s}: proctitle={hexs('storm')}0067657470706964",
                    f"type=EOE msg={s}: ",
                ])
            continue
        tick(rnd.randint(1, 400))
        s = stamp()
        if kind < 0.55:
            exe, comm, argv = rnd.choice(progs)
            execve = " ".join(f'a{i}="{arg}"' for i, arg in enumerate(argv))
            emit([
                f"type=SYSCALL msg={s}: arch=c000003e syscall=59 success=yes exit=0 a0=55d1c2a3e2a0 "
                f"a1=55d1c2a3e300 a2=55d1c2a3e320 a3=8 items=2 ppid={pid - 1} pid={pid} auid={auid} uid={uid} "
                f"gid={uid} euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} fsgid={uid} tty=pts1 "
                f"ses={ses} comm=\"{comm}\" exe=\"{exe}\" subj=unconfined key=\"exec\"",
                f"type=EXECVE msg={s}: argc={len(argv)} {execve}",
                f"type=CWD msg={s}: cwd=\"/home/{uname}\"",
                path_record(s, 0, exe, rnd.randint(1000, 999999), "0100755"),
                path_record(s, 1, "/lib64/ld-linux-x86-64.so.2", 4711, "0100755"),
                f"type=PROCTITLE msg={s}: proctitle={'00'.join(hexs(x) for x in argv)}",
                f"type=EOE msg={s}: ",
            ])
        elif kind < 0.80:
            path = rnd.choice(["/etc/shadow", "/var/tmp/auditgen-secret/secret", "/etc/sudoers"])
            emit([
                f"type=SYSCALL msg={s}: arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c "
                f"a1=7ffc1d2e3f40 a2=0 a3=0 items=1 ppid={pid - 1} pid={pid} auid={auid} uid={uid} gid={uid} "
                f"euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} fsgid={uid} tty=pts1 ses={ses} "
                f"comm=\"cat\" exe=\"/usr/bin/cat\" subj=unconfined key=\"access\"",
                f"type=CWD msg={s}: cwd=\"/home/{uname}\"",
                path_record(s, 0, path, 1234, "0100640", ogid=42),
                f"type=PROCTITLE msg={s}: proctitle={hexs('cat')}00{hexs(path)}",
                f"type=EOE msg={s}: ",
            ])
        elif kind < 0.97:
            res = rnd.choice(["success", "success", "failed"])
            host = rnd.choice(["127.0.0.1", "::1", "192.0.2.7"])
            base = f"pid={pid} uid=0 auid={auid} ses={ses} subj=unconfined msg='op=PAM:"
            tail = f" acct=\"{uname}\" exe=\"/usr/sbin/sshd\" hostname={host} addr={host} terminal=ssh res={res}'"
            for rtype, op in (("USER_AUTH", "authentication grantors=pam_unix"),
                              ("USER_ACCT", "accounting grantors=pam_unix"),
                              ("CRED_ACQ", "setcred grantors=pam_unix")):
                emit([f"type={rtype} msg={s}: {base}{op}{tail}"])
                tick(1)
                s = stamp()
            emit([f"type=LOGIN msg={s}: pid={pid} uid=0 subj=unconfined old-auid=4294967295 auid={uid} "
                  f"tty=(none) old-ses=4294967295 ses={ses} res=1"])
        else:
            emit([
                f"type=CONFIG_CHANGE msg={s}: auid={auid} ses={ses} subj=unconfined op=add_rule "
                f"key=\"gen-watch\" list=4 res=1",
            ])
    out.close()


if __name__ == "__main__":
    main()
