#!/usr/bin/env python3
"""Audit logs with virtual machine records, as libvirtd and the kernel write them.

libvirtd logs through audit_log_user_message (src/conf/domain_audit.c): user
records whose msg='...' body is `virt=kvm` then the event's own fields, the
guest's name hex-encoded when it holds a space (audit_encode_nv_string), and
auditd's `exe= hostname= addr= terminal= res=` tail. Order of a guest start:
VIRT_MACHINE_ID (one per security model: selinux or apparmor, then dac),
cgroup device ACLs, the devices (disk, net, rng, ...), memory and vcpus, then
VIRT_CONTROL op=start. The kernel adds AVC (+ SYSCALL, PROCTITLE, EOE) records
naming the guest's svirt context or libvirt-UUID AppArmor profile, and
ANOM_ABEND when qemu crashes.

    gen-virt-log.py selinux OUT     # SELinux host: sessions, hotplug, AVCs, crash, reboot
    gen-virt-log.py apparmor OUT    # AppArmor host (Debian/Ubuntu)
    gen-virt-log.py mix STORM OUT   # STORM with guest sessions spread through it (bench)
    gen-virt-log.py random SEED OUT # a random mix of the above for three guests (edge cases)
    gen-virt-log.py seccomp MB OUT  # a SECCOMP record storm (sandboxed processes logging at
                                    # 30k records/s) with guest sessions in it (bench)

Deterministic: the same arguments give the same bytes.
"""

import sys

LIBVIRTD = 'pid=1140 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:virtd_t:s0-s0:c0.c1023'
LIBVIRTD_AA = 'pid=1140 uid=0 auid=4294967295 ses=4294967295 subj=unconfined'
TAIL = 'exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res='


def vm_field(name):
    """audit_encode_nv_string: quoted, or hex when it holds a space or quote."""
    if any(c in name for c in ' "') or any(ord(c) < 0x21 or ord(c) > 0x7e for c in name):
        return 'vm=' + name.encode().hex().upper()
    return 'vm="%s"' % name


class Log:
    def __init__(self, start, serial=100, subj=LIBVIRTD):
        self.t = start
        self.ms = 0
        self.serial = serial
        self.lines = []
        self.subj = subj

    def tick(self, ms):
        self.ms += ms
        self.t += self.ms // 1000
        self.ms %= 1000

    def stamp(self):
        self.serial += 1
        return 'msg=audit(%d.%03d:%d):' % (self.t, self.ms, self.serial)

    def user(self, rtype, body, ok=True):
        self.tick(3)
        self.lines.append("type=%s %s %s msg='%s %s%s'" % (
            rtype, self.stamp(), self.subj, body, TAIL, 'success' if ok else 'failed'))

    def kernel(self, records):
        """One kernel event: records sharing one stamp, then EOE."""
        self.tick(7)
        s = self.stamp()
        for rtype, body in records:
            self.lines.append('type=%s %s %s' % (rtype, s, body))
        self.lines.append('type=EOE %s ' % s)

    def single(self, rtype, body):
        self.tick(5)
        self.lines.append('type=%s %s %s' % (rtype, self.stamp(), body))


class Guest:
    def __init__(self, name, uuid, pid, level, virt='kvm'):
        self.name, self.uuid, self.pid, self.level, self.virt = name, uuid, pid, level, virt

    def head(self):
        return 'virt=%s %s uuid=%s' % (self.virt, vm_field(self.name), self.uuid)

    def res(self, log, kind, reason, old, new, ok=True):
        body = 'virt=%s resrc=%s reason=%s %s uuid=%s old-%s=%s new-%s=%s' % (
            self.virt, kind, reason, vm_field(self.name), self.uuid, kind, old, kind, new)
        log.user('VIRT_RESOURCE', body, ok)

    def cgroup(self, log, reason, rest, ok=True):
        body = 'virt=%s resrc=cgroup reason=%s %s uuid=%s cgroup="/sys/fs/cgroup/machine.slice/machine-qemu\\x2d%s.scope/" %s' % (
            self.virt, reason, vm_field(self.name), self.uuid, self.name, rest)
        log.user('VIRT_RESOURCE', body, ok)

    def control(self, log, op, reason, pid, ok=True):
        body = 'virt=%s op=%s reason=%s %s uuid=%s vm-pid=%d' % (
            self.virt, op, reason, vm_field(self.name), self.uuid, pid)
        log.user('VIRT_CONTROL', body, ok)

    def machine_id(self, log, model):
        if model == 'selinux':
            ctx = 'vm-ctx=system_u:system_r:svirt_t:%s img-ctx=system_u:object_r:svirt_image_t:%s' % (
                self.level, self.level)
        elif model == 'apparmor':
            ctx = 'vm-ctx=libvirt-%s img-ctx=libvirt-%s' % (self.uuid, self.uuid)
        else:
            ctx = 'vm-ctx=+107:+107 img-ctx=+107:+107'
        log.user('VIRT_MACHINE_ID', '%s %s model=%s' % (self.head(), ctx, model))

    def start(self, log, model='selinux', disk=None, mem=2097152, vcpus=2, ok=True):
        self.machine_id(log, model)
        self.machine_id(log, 'dac')
        self.cgroup(log, 'deny', 'class=all')
        self.cgroup(log, 'allow', 'class=path path="/dev/null" rdev=01:03 acl=rw')
        self.cgroup(log, 'allow', 'class=major category=pty maj=88 acl=rw')
        self.res(log, 'disk', 'start', '"?"', '"%s"' % (disk or '/var/lib/libvirt/images/%s.qcow2' % self.name))
        self.res(log, 'net', 'start', '"?"', '"52:54:00:%02x:%02x:01"' % (self.pid % 256, self.pid // 256 % 256))
        self.res(log, 'rng', 'start', '"?"', '"/dev/urandom"')
        self.res(log, 'mem', 'start', '0', str(mem))
        self.res(log, 'vcpu', 'start', '0', str(vcpus))
        self.control(log, 'start', 'booted', self.pid, ok)

    def stop(self, log, reason='shutdown', ok=True):
        self.control(log, 'stop', reason, -1 if ok else self.pid, ok)

    def selinux_avc(self, log, perm, name, tclass='file', tcontext='system_u:object_r:etc_t:s0'):
        avc = ('avc:  denied  { %s } for  pid=%d comm="qemu-kvm" name="%s" dev="dm-0" ino=%d '
               'scontext=system_u:system_r:svirt_t:%s tcontext=%s tclass=%s permissive=0') % (
            perm, self.pid, name, 1000 + self.pid, self.level, tcontext, tclass)
        sc = ('arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7f3a2c001230 a2=0 a3=0 items=0 '
              'ppid=1 pid=%d auid=4294967295 uid=107 gid=107 euid=107 suid=107 fsuid=107 egid=107 sgid=107 '
              'fsgid=107 tty=(none) ses=4294967295 comm="qemu-kvm" exe="/usr/libexec/qemu-kvm" '
              'subj=system_u:system_r:svirt_t:%s key=(null)') % (self.pid, self.level)
        log.kernel([('AVC', avc), ('SYSCALL', sc), ('PROCTITLE', 'proctitle=2F7573722F6C6962657865632F71656D752D6B766D')])

    def apparmor_avc(self, log, operation, name, profile=None):
        avc = ('apparmor="DENIED" operation="%s" profile="%s" name="%s" pid=%d comm="qemu-system-x86" '
               'requested_mask="r" denied_mask="r" fsuid=64055 ouid=0') % (
            operation, profile or 'libvirt-' + self.uuid, name, self.pid)
        sc = ('arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=55d0c0a8e2a0 a2=80000 a3=0 items=1 '
              'ppid=1 pid=%d auid=4294967295 uid=64055 gid=108 euid=64055 suid=64055 fsuid=64055 egid=108 '
              'sgid=108 fsgid=108 tty=(none) ses=4294967295 comm="qemu-system-x86" '
              'exe="/usr/bin/qemu-system-x86_64" subj=libvirt-%s (enforce) key=(null)') % (self.pid, self.uuid)
        log.kernel([('AVC', avc), ('SYSCALL', sc), ('PROCTITLE', 'proctitle=71656D752D73797374656D2D783836')])

    def crash(self, log, subj):
        log.single('ANOM_ABEND', 'auid=4294967295 uid=107 gid=107 ses=4294967295 subj=%s pid=%d '
                   'comm="qemu-kvm" exe="/usr/libexec/qemu-kvm" sig=11 res=1' % (subj, self.pid))


def boot(log, kernel='6.1.0-13-amd64'):
    log.single('DAEMON_START', 'op=start ver=3.0.9 format=raw kernel=%s auid=4294967295 pid=610 uid=0 '
               'ses=4294967295 subj=system_u:system_r:auditd_t:s0 res=success' % kernel)
    log.single('SYSTEM_BOOT', "pid=655 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 "
               "msg=' comm=\"systemd-update-utmp\" exe=\"/usr/lib/systemd/systemd-update-utmp\" hostname=? "
               "addr=? terminal=? res=success'")


def shutdown(log):
    log.single('SYSTEM_SHUTDOWN', "pid=2301 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 "
               "msg=' comm=\"systemd-update-utmp\" exe=\"/usr/lib/systemd/systemd-update-utmp\" hostname=? "
               "addr=? terminal=? res=success'")
    log.single('DAEMON_END', 'op=terminate auid=0 uid=0 ses=4294967295 subj=system_u:system_r:init_t:s0 '
               'pid=1 res=success')


def selinux(log):
    web = Guest('web1', '3f2a9c4e-1b7d-4e8a-9c3f-2d1e5b6a7c80', 4242, 's0:c100,c200')
    db = Guest('db1', '8e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b', 5353, 's0:c300,c400')
    win = Guest('win 10', 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', 6464, 's0:c500,c600')
    boot(log)
    log.tick(60000)
    web.start(log)
    log.tick(90000)
    web.selinux_avc(log, 'read', 'passwd')
    web.selinux_avc(log, 'relabelfrom', 'web1.qcow2', tcontext='system_u:object_r:svirt_image_t:' + web.level)
    web.selinux_avc(log, 'relabelto', 'web1.qcow2', tcontext='system_u:object_r:virt_image_t:s0')
    log.tick(30000)
    db.start(log, mem=4194304, vcpus=4)
    # right after its start, qemu of db1 crashes: the anomaly is tied by pid
    db.crash(log, 'system_u:system_r:svirt_t:' + db.level)
    db.stop(log, 'crashed')
    log.tick(5000)
    # restarted; memory ballooned, a data disk hot-plugged then unplugged
    db.start(log, mem=4194304, vcpus=4)
    log.tick(120000)
    db.res(log, 'mem', 'update', '4194304', '8388608')
    db.res(log, 'disk', 'attach', '"?"', '"/var/lib/libvirt/images/data.img"')
    db.res(log, 'vcpu', 'update', '4', '8')
    log.tick(60000)
    db.res(log, 'disk', 'detach', '"/var/lib/libvirt/images/data.img"', '"?"')
    db.res(log, 'net', 'attach', '"?"', '"52:54:00:aa:bb:cc"', ok=False)
    # a later anomaly found by its context only (the newest entry is not db1's start)
    db.crash(log, 'system_u:system_r:svirt_t:' + db.level)
    db.selinux_avc(log, 'write', 'sda', tclass='blk_file', tcontext='system_u:object_r:fixed_disk_device_t:s0')
    log.tick(3000)
    win.start(log, ok=False)
    win.stop(log, 'destroyed')
    log.tick(200000)
    db.stop(log, 'shutdown', ok=False)
    db.stop(log, 'destroyed')
    log.tick(3600 * 1000)
    # the host reboots under web1
    shutdown(log)
    log.tick(95000)
    boot(log)
    log.tick(30000)
    web.start(log)
    log.tick(86400 * 1000 + 7200 * 1000)
    web.stop(log)
    web.stop(log)
    # an unknown op, a record without op, an unknown resource
    log.user('VIRT_CONTROL', 'virt=kvm op=suspend reason=api %s uuid=%s vm-pid=4242' % (vm_field('web1'), web.uuid))
    log.user('VIRT_CONTROL', 'virt=kvm reason=api %s uuid=%s vm-pid=4242' % (vm_field('web1'), web.uuid))
    log.user('VIRT_RESOURCE', 'virt=kvm resrc=fs reason=start %s uuid=%s old-fs="?" new-fs="/srv"' % (vm_field('web1'), web.uuid))


def apparmor(log):
    log.subj = LIBVIRTD_AA
    a = Guest('ubuntu22', '5d3c2b1a-0f9e-4d8c-b7a6-958473625140', 7001, 's0')
    b = Guest('debian12', '6e4d3c2b-1a0f-4e9d-8c7b-a69584736251', 7002, 's0')
    boot(log)
    log.tick(10000)
    a.start(log, model='apparmor', disk='/var/lib/libvirt/images/ubuntu22.qcow2')
    b.start(log, model='apparmor', disk='/srv/vm/debian12.img')
    log.tick(40000)
    # denied by the guest's own profile
    a.apparmor_avc(log, 'open', '/etc/ssl/private/key.pem')
    # another profile denied a guest's disk: tied through the resource
    b.apparmor_avc(log, 'open', '/srv/vm/debian12.img', profile='/usr/sbin/libvirtd')
    b.apparmor_avc(log, 'open', '/srv/vm/other.img', profile='libvirt-00000000-0000-4000-8000-000000000000')
    log.tick(600000)
    b.stop(log)
    a.apparmor_avc(log, 'file_mmap', '/srv/vm/debian12.img', profile='virt-aa-helper')
    log.tick(7000)
    a.stop(log, 'destroyed')


def randomised(log, seed):
    """Random starts, stops, hotplugs, AVCs and crashes, some failing, for
    three guests sharing resource values: the correlations' edge cases."""
    import random
    rnd = random.Random(seed)
    guests = [Guest('g%d' % i, '%08x-1111-4222-8333-%012x' % (i, seed), 3000 + i, 's0:c%d,c9' % i)
              for i in range(3)]
    values = ['"/var/lib/libvirt/images/shared.img"', '"/var/lib/libvirt/images/a.img"', '"?"']
    boot(log)
    for _ in range(300):
        g = rnd.choice(guests)
        ok = rnd.random() > 0.2
        r = rnd.random()
        log.tick(rnd.randint(1, 400000))
        if r < 0.12:
            g.start(log, model=rnd.choice(['selinux', 'dac']), ok=ok)
        elif r < 0.2:
            g.machine_id(log, 'selinux')
        elif r < 0.3:
            g.control(log, 'start', 'booted', g.pid, ok)
        elif r < 0.42:
            g.stop(log, rnd.choice(['shutdown', 'destroyed', 'crashed']), ok)
        elif r < 0.6:
            g.res(log, 'disk', rnd.choice(['attach', 'detach', 'update']),
                  rnd.choice(values), rnd.choice(values), ok)
        elif r < 0.68:
            g.res(log, rnd.choice(['mem', 'vcpu']), 'update', str(rnd.randint(0, 3)), str(rnd.randint(0, 3)), ok)
        elif r < 0.74:
            g.cgroup(log, 'allow', 'class=path path="/dev/kvm" rdev=0A:E8 acl=rw', ok)
        elif r < 0.82:
            g.selinux_avc(log, rnd.choice(['read', 'relabelto', 'open']), 'shared.img')
        elif r < 0.88:
            g.apparmor_avc(log, 'open', rnd.choice(['/var/lib/libvirt/images/shared.img', '/etc/passwd']),
                           profile=rnd.choice(['libvirt-' + g.uuid, 'virt-aa-helper']))
        elif r < 0.95:
            g.crash(log, 'system_u:system_r:svirt_t:' + rnd.choice(guests).level)
        elif r < 0.98:
            shutdown(log)
            log.tick(60000)
            boot(log)
        else:
            g.res(log, 'net', 'attach', '"?"', '"52:54:00:00:00:%02x"' % rnd.randint(0, 3), ok)


def mix(storm, out):
    """Guest sessions spread through STORM: one block every 2000 lines, stamped
    with the second of the line before it."""
    guests = [Guest('bench%d' % i, '%08x-0000-4000-8000-%012x' % (i, i), 20000 + i, 's0:c%d,c%d' % (i, i + 1))
              for i in range(16)]
    n = 0
    with open(storm) as src, open(out, 'w') as dst:
        for i, line in enumerate(src):
            dst.write(line)
            if i % 2000 != 1999 or 'msg=audit(' not in line:
                continue
            sec = int(line.split('msg=audit(', 1)[1].split('.', 1)[0])
            log = Log(sec, serial=90000000 + n * 100)
            g = guests[n % len(guests)]
            step = n // len(guests) % 3
            if step == 0:
                g.start(log)
            elif step == 1:
                g.selinux_avc(log, 'read', 'passwd')
                g.res(log, 'mem', 'update', '2097152', '4194304')
            else:
                g.stop(log)
            dst.write('\n'.join(log.lines) + '\n')
            n += 1


def seccomp_storm(size_mb, out):
    """SECCOMP records as the kernel logs them for a SCMP_ACT_LOG filter: one
    record per call, no syscall context and so no EOE, 30k per second; a
    guest block every 2000 records. Both the reference's assemblies keep such
    records open until the end-of-event timeout."""
    guests = [Guest('storm%d' % i, '%08x-5555-4666-8777-%012x' % (i, i), 30000 + i, 's0:c%d,c%d' % (i, i + 1))
              for i in range(16)]
    limit = int(size_mb * 1024 * 1024)
    written, n, serial, us = 0, 0, 1000, 0
    t0 = 1700000000
    with open(out, 'w') as dst:
        while written < limit:
            serial += 1
            us += 33
            sec, ms = t0 + us // 1000000, us // 1000 % 1000
            line = ('type=SECCOMP msg=audit(%d.%03d:%d): auid=1000 uid=1000 gid=1000 ses=3 '
                    'subj=unconfined pid=%d comm="chrome" exe="/opt/google/chrome/chrome" sig=0 '
                    'arch=c000003e syscall=%d compat=0 ip=0x7f1c2a3b4c5d code=0x7ffc0000\n') % (
                sec, ms, serial, 4000 + serial % 50, (0, 1, 3, 9, 257)[serial % 5])
            dst.write(line)
            written += len(line)
            if serial % 2000 == 0:
                log = Log(sec, serial=90000000 + n * 100)
                log.ms = ms
                g = guests[n % len(guests)]
                step = n // len(guests) % 3
                if step == 0:
                    g.start(log)
                elif step == 1:
                    g.selinux_avc(log, 'read', 'passwd')
                    g.res(log, 'mem', 'update', '2097152', '4194304')
                else:
                    g.stop(log)
                block = '\n'.join(log.lines) + '\n'
                dst.write(block)
                written += len(block)
                n += 1


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'seccomp':
        seccomp_storm(float(sys.argv[2]), sys.argv[3])
        return
    if len(sys.argv) == 4 and sys.argv[1] == 'mix':
        mix(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) == 4 and sys.argv[1] == 'random':
        log = Log(1700000000)
        randomised(log, int(sys.argv[2]))
        with open(sys.argv[3], 'w') as f:
            f.write('\n'.join(log.lines) + '\n')
        return
    if len(sys.argv) != 3 or sys.argv[1] not in ('selinux', 'apparmor'):
        sys.exit(__doc__)
    log = Log(1700000000)
    {'selinux': selinux, 'apparmor': apparmor}[sys.argv[1]](log)
    with open(sys.argv[2], 'w') as f:
        f.write('\n'.join(log.lines) + '\n')


if __name__ == '__main__':
    main()
