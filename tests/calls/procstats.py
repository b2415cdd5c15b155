"""Memory and CPU of a process tree from /proc, for the call benchmarks.

tree(pid): pid and its live descendants. pss_kb(pids): sum of Pss from
/proc/PID/smaps_rollup (proportional set size: shared pages divided among
the processes sharing them, so a tree's sum is what it really costs).
cpu_seconds(pids): utime + stime. threads(pids). Sampler(pid) measures a
window: start() ... stop() -> {'cpu_s', 'wall_s', 'cpu_pct' (of one core),
'pss_mb' (max over samples), 'pss_mb_end', 'processes', 'threads'}; CPU
of processes that exit inside the window is lost (they are not reaped by
us), so keep the window on a steady call.
"""

import os
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def tree(pid):
    """[pid] + its live descendants."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = _stat(int(name))
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            kids.setdefault(int(fields[1]), []).append(int(name))
    out, todo = [pid], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def pss_kb(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except (OSError, IndexError):
            continue
        # fields[11], [12]: utime, stime (stat fields 14, 15)
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def threads(pids):
    total = 0
    for pid in pids:
        try:
            total += int(_stat(pid)[17])
        except (OSError, IndexError, ValueError):
            pass
    return total


class Sampler:
    """CPU and PSS of pid's tree over a window (PSS sampled every
    interval seconds in a thread)."""

    def __init__(self, pid, interval=1.0):
        self.pid = pid
        self.interval = interval
        self._halt = threading.Event()
        self._thread = None
        self.pss = []

    def _cpu_by_pid(self):
        out = {}
        for p in tree(self.pid):
            c = cpu_seconds([p])
            out[p] = c
        return out

    def start(self):
        self.t0 = time.monotonic()
        self.cpu0 = self._cpu_by_pid()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._halt.wait(self.interval):
            self.pss.append(pss_kb(tree(self.pid)))

    def stop(self):
        self._halt.set()
        self._thread.join()
        wall = time.monotonic() - self.t0
        cpu1 = self._cpu_by_pid()
        # processes alive at the end: their CPU since the start (or since
        # they were born inside the window)
        cpu = sum(c - self.cpu0.get(p, 0.0) for p, c in cpu1.items())
        pids = tree(self.pid)
        end = pss_kb(pids)
        return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                "cpu_pct": round(100 * cpu / wall, 1) if wall else 0.0,
                "pss_mb": round(max(self.pss + [end]) / 1024, 1),
                "pss_mb_end": round(end / 1024, 1),
                "processes": len(pids), "threads": threads(pids)}
