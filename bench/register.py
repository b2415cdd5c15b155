#!/usr/bin/env python3
"""Time from daemon start to `registered` over WSS, and PSS while registered.

Starts our own Kamailio on 127.0.0.1 (the interop tests' harness, with a
generated CA and certificate), creates one account trusting that CA, then
`--runs` times starts arsphone on that data dir and polls GET
/api/v1/status (~2 ms) until the account reads `registered`. Prints the
median and p90 against the target (< 300 ms), then the PSS and threads of
a daemon that has been registered for 2 s (target < 10 MB). Asserts no
timing; exits 1 only when registration does not happen at all.

    python3 bench/register.py [--binary build/arsphone] [--runs 10]
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "interop"))
sys.path.insert(0, str(REPO / "tests" / "api"))
import certs as certs_mod  # noqa: E402
from kamailio import Kamailio, stop_packaged_service  # noqa: E402
from daemon import free_port  # noqa: E402
import memstats  # noqa: E402  (bench/memstats.py: PSS, USS)

TARGET_MS = 300
PSS_TARGET_MB = 10


def request(port, token, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Host": "127.0.0.1:%d" % port, "Authorization": "Bearer " + token}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, data, headers)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, json.loads(payload) if payload else None


def state(port, token):
    try:
        _, st = request(port, token, "GET", "/api/v1/status")
    except OSError:
        return None
    accounts = st["accounts"]
    return accounts[0]["registration"]["state"] if accounts else None


def start(binary, data_dir, port):
    return subprocess.Popen([binary, "--data-dir", data_dir, "--listen",
                             "127.0.0.1:%d" % port, "--no-open"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=str(REPO / "build" / "arsphone"))
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()

    stop_packaged_service()
    work = tempfile.mkdtemp(prefix="arsphone-bench-")
    certs = certs_mod.generate(os.path.join(work, "certs"))
    data_dir = os.path.join(work, "data")
    kam = Kamailio(certs)
    kam.start()
    try:
        port = free_port()
        proc = start(args.binary, data_dir, port)
        time.sleep(0.3)
        token = open(os.path.join(data_dir, "token")).read().strip()
        ca_pem = certs.ca_pem
        status, _ = request(port, token, "POST", "/api/v1/accounts", {
            "name": "bench", "username": "505", "password": "secret505",
            "domain": "pbx.arsphone.test",
            "server": kam.url(secure=True, host="pbx.arsphone.test"),
            "host_map": [{"host": "pbx.arsphone.test", "address": "127.0.0.1"}],
            "tls": {"mode": "verify", "ca_pem": ca_pem}})
        assert status == 201, status
        deadline = time.monotonic() + 10
        while state(port, token) != "registered":
            if time.monotonic() > deadline:
                print("the account did not register; see the Kamailio log", kam.log_path)
                return 1
            time.sleep(0.01)
        stop(proc)

        times = []
        for _ in range(args.runs):
            port = free_port()
            t0 = time.monotonic()
            proc = start(args.binary, data_dir, port)
            token = open(os.path.join(data_dir, "token")).read().strip()
            while state(port, token) != "registered":
                if time.monotonic() - t0 > 10:
                    print("no registration within 10 s")
                    stop(proc)
                    return 1
                time.sleep(0.002)
            times.append((time.monotonic() - t0) * 1000)
            stop(proc)

        port = free_port()
        proc = start(args.binary, data_dir, port)
        while state(port, token) != "registered":
            time.sleep(0.01)
        time.sleep(2)
        mem = memstats.footprint(proc.pid)
        stop(proc)
    finally:
        kam.close()
        shutil.rmtree(work, ignore_errors=True)

    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    print("arsphone register bench: %s against Kamailio over WSS (loopback)" % args.binary)
    print("exec -> registered, %d runs (TLS verify with the test CA, digest MD5):" % len(times))
    print("  median %7.1f ms   target < %d ms" % (statistics.median(times), TARGET_MS))
    print("  p90    %7.1f ms   target < %d ms" % (p90, TARGET_MS))
    print("registered, idle 2 s:")
    memstats.print_footprint(mem, PSS_TARGET_MB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
