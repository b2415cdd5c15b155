#!/usr/bin/env python3
"""Startup time and idle footprint of the arsphone daemon.

Prints figures beside their targets; asserts nothing about timings (exit 1
only if the daemon cannot be started at all). Builds nothing: point
--binary at an existing build. Python 3 standard library only; all traffic
goes to 127.0.0.1.

    python3 bench/startup.py [--binary build/arsphone] [--runs 20]
"""

import argparse
import http.client
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "api"))
from daemon import WebSocket  # noqa: E402  (shared minimal RFC 6455 client)
import memstats  # noqa: E402  (bench/memstats.py: PSS, USS)

READY_RE = re.compile(rb"http://127\.0\.0\.1:(\d+)/#token=([0-9a-fA-F]+)")
STARTUP_TARGET_MS = 50
PSS_TARGET_MB = 8


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(binary, data_dir, port):
    return subprocess.Popen(
        [binary, "--data-dir", data_dir, "--listen", "127.0.0.1:%d" % port,
         "--no-open"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def read_ready(proc, timeout=10):
    """(port, token) from the ready line."""
    buf, deadline = b"", time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            raise RuntimeError("arsphone did not print its ready line")
        if select.select([proc.stdout], [], [], left)[0]:
            buf += os.read(proc.stdout.fileno(), 4096)
    m = READY_RE.search(buf)
    if not m:
        raise RuntimeError("unexpected ready line %r" % buf)
    return int(m.group(1)), m.group(2).decode()


def status_ok(port, token):
    """One connect + GET /api/v1/status; True on 200."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/api/v1/status", headers={
            "Host": "127.0.0.1:%d" % port, "Authorization": "Bearer " + token})
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def time_to_status(binary, data_dir, token, timeout=10):
    """Seconds from exec to the first successful GET /api/v1/status."""
    port = free_port()
    t0 = time.perf_counter()
    proc = spawn(binary, data_dir, port)
    try:
        while not status_ok(port, token):
            if proc.poll() is not None:
                raise RuntimeError("arsphone exited %s" % proc.returncode)
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError("no answer within %ss" % timeout)
            time.sleep(0.001)
        return time.perf_counter() - t0
    finally:
        stop(proc)


def pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def idle_footprint(binary, data_dir):
    """(memstats.footprint, accounts) after 2 s idle with one event client."""
    proc = spawn(binary, data_dir, 0)
    try:
        port, token = read_ready(proc)
        ws = WebSocket(port, token=token)
        try:
            hello = ws.recv_json()
            assert hello["type"] == "hello", hello
            time.sleep(2)
            mem = memstats.footprint(proc.pid)
            return mem, hello["status"]["accounts"]
        finally:
            ws.close()
    finally:
        stop(proc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(REPO / "build" / "arsphone"))
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit("no executable at %s (build it first)" % args.binary)
    tmp = tempfile.mkdtemp(prefix="arsphone-bench-")
    data_dir = os.path.join(tmp, "data")
    try:
        # first start on a new data dir: makes the DB and token
        t0 = time.perf_counter()
        proc = spawn(args.binary, data_dir, 0)
        try:
            port, token = read_ready(proc)
            first_ms = (time.perf_counter() - t0) * 1000
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            # enabled, but its server is a closed loopback port: whatever
            # registration does, it stays on this machine
            conn.request("POST", "/api/v1/accounts", body=(
                '{"name": "Bench", "username": "505", "password": "bench-pw",'
                ' "domain": "example.com", "server": "wss://127.0.0.1:%d/ws"}'
                % free_port()),
                headers={"Host": "127.0.0.1:%d" % port,
                         "Authorization": "Bearer " + token,
                         "Content-Type": "application/json"})
            created = conn.getresponse().status
            conn.close()
            if created != 201:
                sys.exit("could not create the bench account (%s)" % created)
        finally:
            stop(proc)

        times = [time_to_status(args.binary, data_dir, token) * 1000
                 for _ in range(args.runs)]
        mem, accounts = idle_footprint(args.binary, data_dir)
        states = ", ".join(a["registration"]["state"] for a in accounts)
    except RuntimeError as exc:
        sys.exit("bench failed: %s" % exc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("arsphone startup bench: %s" % args.binary)
    print("first start, new data dir, exec -> ready line: %7.1f ms" % first_ms)
    print("exec -> first 200 GET /api/v1/status, %d runs (existing data dir, "
          "1 account):" % args.runs)
    print("  median %7.1f ms   target < %d ms" % (statistics.median(times),
                                                  STARTUP_TARGET_MS))
    print("  p90    %7.1f ms   target < %d ms" % (pct(times, 90),
                                                  STARTUP_TARGET_MS))
    print("  min %.1f ms, max %.1f ms" % (min(times), max(times)))
    print("idle 2 s, %d account (registration: %s; its server is a closed "
          "loopback port), 1 event WebSocket client:" % (len(accounts), states))
    memstats.print_footprint(mem, PSS_TARGET_MB)


if __name__ == "__main__":
    main()
