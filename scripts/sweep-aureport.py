#!/usr/bin/env python3
"""Random aureport command lines (every report, modifiers, time ranges taken from the logs) through
the reference (/usr/sbin/aureport) and raudit; prints each line whose stdout or exit code differs
(for rejected command lines, whose stdout is the help text, stderr is compared instead).

usage: scripts/sweep-aureport.py [SEED] [COUNT]   (after cargo build --release, or with RAUDIT_BIN;
       run with TZ=UTC LC_ALL=C)
"""
import os, random, re, subprocess, sys, time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
R = os.environ.get('RAUDIT_BIN') or os.path.join(ROOT, 'target/release/raudit')
logs = subprocess.run(f"find {ROOT}/../shared/corpus/logs {ROOT}/testdata/logs -type f -size -2M 2>/dev/null | sort", shell=True, capture_output=True, text=True).stdout.split()
rnd = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 500
REPORTS = ['', '-a', '-au', '-c', '-cr', '-e', '-f', '-h', '-k', '-l', '-m', '-ma', '-n', '-p', '-r', '-s', '-t', '-tm', '-u', '-x', '--comm', '--virt', '--integrity', '--tty', '-au -i', '-e --summary', '-nc', '-x -nc']
MODS = ['', '', '-i', '--summary', '--success', '--failed', '--summary -i', '--success --summary', '--failed -i']
def tstr(sec, style):
    t = time.localtime(sec)
    return [time.strftime('%m/%d/%y %H:%M:%S', t), time.strftime('%m/%d/%y', t), time.strftime('%H:%M:%S', t), time.strftime('%m/%d/%Y %H:%M', t)][style]
fails = runs = 0
for i in range(N):
    log = rnd.choice(logs)
    secs = [int(m) for m in re.findall(rb'audit\((\d+)\.', open(log,'rb').read()[:200000])]
    q = rnd.choice(REPORTS).split() + rnd.choice(MODS).split()
    if secs and rnd.random() < .4:
        q += ['-ts'] + tstr(rnd.choice(secs), rnd.randrange(4)).split()
    if secs and rnd.random() < .3:
        q += ['-te'] + tstr(rnd.choice(secs) + rnd.choice([0, 1, 3600]), rnd.randrange(4)).split()
    if rnd.random() < .1: q += ['--node', 'localhost']
    try:
        a = subprocess.run(['/usr/sbin/aureport'] + q + ['-if', log], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        continue
    b = subprocess.run([R, 'report'] + q + ['-if', log], capture_output=True, timeout=60)
    runs += 1
    if a.returncode == b.returncode != 0 and b'--help' in a.stdout:
        same = a.stderr == b.stderr
    else:
        same = a.stdout == b.stdout and a.returncode == b.returncode
    if not same:
        fails += 1
        print('DIFF rc %d/%d: aureport %s -if %s' % (a.returncode, b.returncode, ' '.join(q), log), flush=True)
print(f'{runs} runs, {fails} differ')
