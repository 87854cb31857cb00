#!/usr/bin/env python3
"""Random ausearch command lines, built from values found in the logs (pids, uids, keys, exes, hosts,
terminals, syscalls, types, sessions, serials, times in several date forms...) and every output
format, through the reference (/usr/sbin/ausearch) and raudit; prints each line whose stdout or
exit code differs.

usage: scripts/sweep-ausearch.py [SEED] [COUNT]   (after cargo build --release, or with RAUDIT_BIN;
       TZ/LC_ALL as for the tests)
"""
import os, random, re, subprocess, sys, time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
R = os.environ.get('RAUDIT_BIN') or os.path.join(ROOT, 'target/release/raudit')
logs = subprocess.run(f"find {ROOT}/../shared/corpus/logs {ROOT}/testdata/logs -type f -size -2M 2>/dev/null | sort",
                      shell=True, capture_output=True, text=True).stdout.split()
rnd = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 500
FIELD = re.compile(rb'(\w+)=("[^"]*"|\S+)')
def values(path):
    data = open(path, 'rb').read().splitlines()
    lines = [l for l in data if l.startswith(b'type=') or l.startswith(b'node=')]
    return lines
def pick(lines):
    l = rnd.choice(lines)
    f = {k.decode(): v.decode('latin1') for k, v in FIELD.findall(l)}
    m = re.search(rb'audit\((\d+)\.(\d+):(\d+)\)', l)
    return f, m
def time_str(sec, style):
    t = time.localtime(sec)
    if style == 0: return time.strftime('%m/%d/%Y %H:%M:%S', t)
    if style == 1: return time.strftime('%m/%d/%y %H:%M:%S', t)
    if style == 2: return time.strftime('%m/%d/%Y', t)
    if style == 3: return time.strftime('%H:%M:%S', t) + ' ' + time.strftime('%m/%d/%Y', t)
    return time.strftime('%m/%d/%Y %H:%M', t)
FORMATS = ['', '', '--raw', '-i', '--format csv', '--format text', '-i --just-one', '--raw -c', '-r', '--format interpret --escape shell_quote', '-i -l', '--format csv --extra-labels --extra-keys']
def query(lines):
    f, m = pick(lines)
    opts = []
    for _ in range(rnd.choice([1, 1, 2, 2, 3])):
        c = rnd.randrange(22)
        if c == 0 and 'pid' in f: opts += ['-p', f['pid']]
        elif c == 1 and 'ppid' in f: opts += ['-pp', f['ppid']]
        elif c == 2 and 'uid' in f: opts += [rnd.choice(['-ui', '-ua']), f['uid']]
        elif c == 3 and 'auid' in f: opts += [rnd.choice(['-ul', '-ua']), f['auid']]
        elif c == 4 and 'key' in f and f['key'] != '(null)': opts += ['-k', f['key'].strip('"')]
        elif c == 5 and 'exe' in f: opts += ['-x', f['exe'].strip('"')]
        elif c == 6 and 'comm' in f: opts += ['-c', f['comm'].strip('"')]
        elif c == 7 and ('hostname' in f or 'addr' in f): opts += ['-hn', f.get('hostname', f.get('addr'))]
        elif c == 8 and 'terminal' in f: opts += ['-tm', f['terminal']]
        elif c == 9 and 'syscall' in f: opts += ['-sc', f['syscall']]
        elif c == 10 and 'type' in f: opts += ['-m', f['type'] if rnd.random() < .8 else f['type'] + ',SYSCALL']
        elif c == 11: opts += ['-sv', rnd.choice(['yes', 'no'])]
        elif c == 12 and 'exit' in f: opts += ['-e', f['exit']]
        elif c == 13 and 'ses' in f: opts += ['--session', f['ses']]
        elif c == 14 and m: opts += ['-a', m.group(3).decode()]
        elif c == 15 and m: opts += ['-ts'] + time_str(int(m.group(1)), rnd.randrange(5)).split()
        elif c == 16 and m: opts += ['-te'] + time_str(int(m.group(1)) + rnd.choice([0, 1, 60]), rnd.randrange(5)).split()
        elif c == 17 and 'name' in f: opts += ['-f', f['name'].strip('"')]
        elif c == 18 and 'gid' in f: opts += [rnd.choice(['-gi', '-ga']), f['gid']]
        elif c == 19 and 'node' in f: opts += ['-n', f['node']]
        elif c == 20 and 'subj' in f: opts += [rnd.choice(['-su', '-se']), f['subj'].split(':')[min(2, len(f['subj'].split(':'))-1)]]
        elif c == 21 and 'euid' in f: opts += ['-ue', f['euid']]
    fmt = rnd.choice(FORMATS).split()
    return opts + fmt
fails = 0; runs = 0; skipped = 0
for i in range(N):
    log = rnd.choice(logs)
    lines = values(log)
    if not lines: continue
    q = query(lines)
    if not q: continue
    try:
        a = subprocess.run(['/usr/sbin/ausearch'] + q + ['-if', log], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        skipped += 1; continue
    b = subprocess.run([R, 'search'] + q + ['-if', log], capture_output=True, timeout=60)
    runs += 1
    if a.stdout != b.stdout or a.returncode != b.returncode:
        fails += 1
        print('DIFF rc %d/%d: ausearch %s -if %s' % (a.returncode, b.returncode, ' '.join(repr(x) if ' ' in x or not x else x for x in q), log), flush=True)
print(f'{runs} runs, {fails} differ, {skipped} reference timeouts')
