#!/usr/bin/env python3
"""Profiling aid (not part of the suite): CPU-seconds per second of every process group, read from
/proc over consecutive windows — Postgres backends, nats-server, each platform service
(apps/<name>/ in its command line), anything else by its command line.

    python3 scripts/bench/cpu-by-process.py <window seconds> <windows>

Start it beside a load, e.g. `node dist/scripts/bench/profile-triggers.js` (docs/benchmarks.md).
"""
import os, sys, time
def snap():
    d = {}
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            s = open(f'/proc/{p}/stat').read()
            f = s[s.rindex(')') + 2:].split()
            cmd = open(f'/proc/{p}/cmdline').read().replace('\0', ' ')
        except Exception: continue
        d[p] = (int(f[11]) + int(f[12]), cmd)
    return d
def group(cmd):
    if 'postgres' in cmd[:40]: return 'postgres'
    if 'nats-server' in cmd: return 'nats-server'
    for k in ('orchestrator', 'triggers', 'gateway', 'interventions'):
        if f'apps/{k}/' in cmd: return k
    return cmd[:60] or '?'
w = float(sys.argv[1]); n = int(sys.argv[2])
a = snap()
for i in range(n):
    time.sleep(w); b = snap(); g = {}
    for p, (t, cmd) in b.items():
        d = (t - a.get(p, (0,))[0]) / 100.0
        if d > 0: g[group(cmd)] = g.get(group(cmd), 0) + d
    a = b
    tot = sum(g.values()) / w
    print(time.strftime('%T'), f'total {tot:.2f}', ' '.join(f'{k.split("/")[-1][:22]}={v/w:.2f}' for k, v in sorted(g.items(), key=lambda x: -x[1])[:6]), flush=True)
