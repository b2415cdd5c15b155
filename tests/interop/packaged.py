"""Stopping a daemon that a Debian package started (kamailio, rtpengine),
so that the tests' own instances get its ports: found by the package's pid
file and checked by /proc/PID/comm, never by name alone, so a test's own
processes (started without those pid files) are left alone."""

import os
import shutil
import signal
import subprocess
import time


def stop_packaged_daemon(comm, pidfiles, unit):
    """SIGTERM the process named `comm` in the first readable pid file of
    `pidfiles` (after `systemctl stop unit` where systemd runs, so it is not
    restarted), waiting up to 5 s for each to go."""
    for pidfile in pidfiles:
        try:
            with open(pidfile) as f:
                pid = int(f.read().strip())
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() != comm:
                    continue
        except (OSError, ValueError):
            continue
        if shutil.which("systemctl") and os.path.isdir("/run/systemd/system"):
            subprocess.run(["systemctl", "stop", unit],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        for _ in range(50):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.1)
