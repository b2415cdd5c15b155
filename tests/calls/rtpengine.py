"""rtpengine (Debian rtpengine-daemon, userspace only) inside a NetNS.

RtpEngine(ns, addr) runs

    rtpengine --config-file=none --foreground --log-stderr --table=-1
              --interface=ADDR --listen-ng=127.0.0.1:NG_PORT
              --port-min=.. --port-max=.. --num-threads=2

as `ip netns exec NS setsid ...` (the PID is rtpengine's), its log in
DIR/rtpengine.log. --table=-1: no kernel forwarding, media is relayed in
userspace, so the machine needs no xt_RTPENGINE module. The ng control port
is on the namespace's own 127.0.0.1 (Kamailio's rtpengine module talks to
it); ng(command, **args) speaks the ng protocol (bencode over UDP) from the
harness through a socket made inside the namespace: start() waits for
`ping` -> `pong`, calls() lists the call-ids rtpengine holds, query(call_id)
returns what it knows of one, packets(call_id) the packets it received from
each party (to prove media went through it).

pause()/resume() (SIGSTOP/SIGCONT by PID) cut the media path for
media-failure tests. With dtmf_log_port, rtpengine reports every RFC 4733
event it relays as a JSON datagram to 127.0.0.1:PORT in the namespace
(--dtmf-log-dest), for DTMF tests.

The packaged service (started by the Debian package's init script on some
machines) is stopped by its pid file, never by name.
"""

import os
import shutil
import signal
import socket
import tempfile
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "interop"))
from packaged import stop_packaged_daemon  # noqa: E402  (tests/interop/packaged.py)

RTPENGINE = shutil.which("rtpengine") or "/usr/bin/rtpengine"
PACKAGED_PIDFILES = ("/run/rtpengine/rtpengine-daemon.pid",
                     "/run/rtpengine.pid", "/var/run/rtpengine.pid")


def stop_packaged_service():
    stop_packaged_daemon("rtpengine", PACKAGED_PIDFILES, "rtpengine-daemon")


# ------------------------------------------------------------- bencode
def bencode(value):
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, (list, tuple)):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        out = b"d"
        for k in sorted(value):
            out += bencode(k) + bencode(value[k])
        return out + b"e"
    raise TypeError("cannot bencode %r" % type(value))


def bdecode(data):
    value, rest = _bdecode(data, 0)
    if rest != len(data):
        raise ValueError("trailing bytes in bencode")
    return value


def _bdecode(data, i):
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        i += 1
        out = []
        while data[i:i + 1] != b"e":
            v, i = _bdecode(data, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while data[i:i + 1] != b"e":
            k, i = _bdecode(data, i)
            v, i = _bdecode(data, i)
            out[k.decode() if isinstance(k, bytes) else k] = v
        return out, i + 1
    colon = data.index(b":", i)
    n = int(data[i:colon])
    raw = data[colon + 1:colon + 1 + n]
    try:
        return raw.decode(), colon + 1 + n
    except UnicodeDecodeError:
        return raw, colon + 1 + n


class RtpEngine:
    """One rtpengine inside ns, relaying media on addr; see module doc."""

    def __init__(self, ns, addr, ng_port=2223, port_min=30000,
                 port_max=30199, log_level=6, directory=None,
                 dtmf_log_port=None):
        self.ns = ns
        self.addr = addr
        self.ng_port = ng_port
        self.port_min = port_min
        self.port_max = port_max
        self.log_level = log_level
        self.dtmf_log_port = dtmf_log_port
        self.dir = directory or tempfile.mkdtemp(prefix="arsphone-rtpengine-")
        self.log_path = os.path.join(self.dir, "rtpengine.log")
        self.proc = None

    def argv(self):
        dtmf = (["--dtmf-log-dest=127.0.0.1:%d" % self.dtmf_log_port]
                if self.dtmf_log_port else [])
        return [RTPENGINE, "--config-file=none", "--foreground",
                "--log-stderr", "--table=-1",
                "--interface=%s" % self.addr,
                "--listen-ng=127.0.0.1:%d" % self.ng_port,
                "--port-min=%d" % self.port_min,
                "--port-max=%d" % self.port_max,
                "--num-threads=2", "--delete-delay=0",
                "--log-level=%d" % self.log_level] + dtmf

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, timeout=10):
        stop_packaged_service()
        self.proc = self.ns.popen(self.argv(), label="rtpengine",
                                  log_path=self.log_path)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("rtpengine exited %s at start; log:\n%s"
                                   % (self.proc.returncode,
                                      self.log()[-4000:]))
            try:
                if self.ng("ping", timeout=0.3).get("result") == "pong":
                    return self
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("rtpengine: no pong after %ss; log:\n%s"
                                   % (timeout, self.log()[-4000:]))
            time.sleep(0.1)

    def stop(self):
        if self.proc:
            self.ns.stop(self.proc)
            self.proc = None

    def pause(self):
        """SIGSTOP rtpengine: the media path (and the ng port) goes dead,
        for media-failure tests; resume() undoes it."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    # ------------------------------------------------------------- ng
    def ng(self, command, timeout=3.0, **args):
        """One ng request; returns the decoded reply dict."""
        cookie = os.urandom(6).hex()
        body = dict(args, command=command)
        s = self.ns.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.settimeout(timeout)
            s.sendto(cookie.encode() + b" " + bencode(body),
                     ("127.0.0.1", self.ng_port))
            while True:
                data, _ = s.recvfrom(65536)
                got_cookie, _, payload = data.partition(b" ")
                if got_cookie.decode(errors="replace") == cookie:
                    return bdecode(payload)
        finally:
            s.close()

    def calls(self):
        """Call-ids rtpengine currently holds."""
        reply = self.ng("list", limit=100)
        return list(reply.get("calls", []))

    def query(self, call_id):
        return self.ng("query", **{"call-id": call_id})

    def packets(self, call_id):
        """{tag: packets rtpengine received from that party} (all its
        streams: RTP, and RTCP when not muxed), from query(): proves media
        went through rtpengine, and from whom."""
        out = {}
        reply = self.query(call_id)
        for tag, info in (reply.get("tags") or {}).items():
            total = 0
            for media in info.get("medias", []):
                for stream in media.get("streams", []):
                    total += stream.get("stats", {}).get("packets", 0)
            out[tag] = total
        return out

if __name__ == "__main__":
    # By hand: python3 rtpengine.py -> rtpengine in a fresh namespace, ping.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import netns
    with netns.NetNS() as ns:
        r = RtpEngine(ns, ns.addr_a)
        t0 = time.monotonic()
        r.start()
        print("rtpengine pid %d up in %.0f ms; list: %r"
              % (r.pid, (time.monotonic() - t0) * 1000, r.calls()))
        with open("/proc/%d/comm" % r.pid) as f:
            print("pid is", f.read().strip())
        r.stop()
        print(r.log()[-1500:])
        shutil.rmtree(r.dir, ignore_errors=True)
