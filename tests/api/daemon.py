"""Shared helpers for the arsphone black-box API tests.

Starts the real daemon (env ARSPHONE_BIN) on a temporary data dir and a free
loopback port, talks HTTP to it with http.client and WebSocket (RFC 6455)
over a raw socket. Python 3 standard library only. Every connection made
here goes to 127.0.0.1.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

READY_RE = re.compile(
    r"^arsphone: control page http://(127\.\d+\.\d+\.\d+):(\d+)/#token=(\S+)$")
TOKEN_RE = re.compile(r"^[0-9a-fA-F]{64}$")
REPO = Path(__file__).resolve().parents[2]
JSON_TYPE = "application/json; charset=utf-8"
_DEFAULT = object()

# A real self-signed CA certificate (EC P-256, valid until 2126), so that a
# daemon that parses ca_pem with a TLS library accepts it too.
TEST_CA_PEM = """-----BEGIN CERTIFICATE-----
MIIBjjCCATOgAwIBAgIULr1aWYYFe//7x2jVNI3f18Q3ErswCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQYXJzcGhvbmUgdGVzdCBDQTAgFw0yNjExMjUxNTU1MDBaGA8y
MTI2MTEwMTE1NTUwMFowGzEZMBcGA1UEAwwQYXJzcGhvbmUgdGVzdCBDQTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABP7w8jqZ2Ve7ruQeA/Punn2ta2tGCboH3cqu
QHjgwzTYAJtNr/mfT6eh2StQPZGfXM3HLjRzb3viY32RcYD+Ux2jUzBRMB0GA1Ud
DgQWBBT74gIwxOxqEVlJD08wKRBxWS+/2jAfBgNVHSMEGDAWgBT74gIwxOxqEVlJ
D08wKRBxWS+/2jAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDA
myr/gHUDYZqe3UUyzL9PrIlJAQEh3kgQmkI71q4F/wIhAJN83B0y+MgZELGULHxs
cUp/qZuRsZawWptrf7YqhEyZ
-----END CERTIFICATE-----
"""


def binary():
    path = os.environ.get("ARSPHONE_BIN")
    if not path:
        raise RuntimeError("set ARSPHONE_BIN to the arsphone binary")
    return path


def big_pem(min_chars=50000):
    """Several copies of TEST_CA_PEM, at least min_chars long, < 60000."""
    count = -(-min_chars // len(TEST_CA_PEM))
    text = TEST_CA_PEM * count
    assert len(text) <= 60000, len(text)
    return text


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dead_loopback_server():
    """A wss:// URL on a loopback port nothing listens on, for enabled
    accounts: registration attempts (if any) stay on this machine."""
    return "wss://127.0.0.1:%d/ws" % free_port()


def run(args, timeout=10, env=None):
    """Run the binary with args to completion; returns CompletedProcess."""
    proc = subprocess.Popen([binary()] + list(args), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(
            "arsphone %r still running after %ss; stderr: %r"
            % (args, timeout, err[-2000:]))
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# --------------------------------------------------------------- HTTP ----

class Response(tuple):
    """(status, headers, parsed JSON or None); .raw is head + body bytes."""

    def __new__(cls, status, headers, body, raw, data):
        self = tuple.__new__(cls, (status, headers, body))
        self.raw = raw
        self.data = data
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    json = property(lambda self: self[2])

    def __repr__(self):
        return "<Response %s %r>" % (self[0], self.data[:300])


def http_request(port, method, path, data=None, headers=(), timeout=10):
    """Send one request with exactly the given headers (list of pairs)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True,
                        skip_accept_encoding=True)
        names = set()
        for name, value in headers:
            conn.putheader(name, value)
            names.add(name.lower())
        if data is not None and "content-length" not in names:
            conn.putheader("Content-Length", str(len(data)))
        try:
            conn.endheaders(data)
        except (BrokenPipeError, ConnectionResetError):
            pass        # the server may answer (413) before reading it all
        resp = conn.getresponse()
        body = resp.read()
        head = ("HTTP/1.1 %d %s\r\n" % (resp.status, resp.reason)).encode()
        for name, value in resp.getheaders():
            head += ("%s: %s\r\n" % (name, value)).encode("latin-1")
        parsed = None
        if body:
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                parsed = None
        return Response(resp.status, resp.msg, parsed, head + b"\r\n" + body,
                        body)
    finally:
        conn.close()


# ------------------------------------------------------------- daemon ----

class Daemon:
    """One arsphone process on a temp data dir; restartable on the same
    data dir and port. Use as a context manager or call close()."""

    def __init__(self, data_dir=None, port=0, args=(), log_level=None):
        self.tmp = tempfile.mkdtemp(prefix="arsphone-test-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.port = port
        self.args = list(args)
        if log_level:
            self.args += ["--log-level", log_level]
        self.proc = None
        self.token = None
        self.ready_lines = []   # every ready line seen, one per start
        self.stdout_rest = b""  # stdout after the ready line, all starts
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self._drain = None
        self.env = dict(os.environ, HOME=os.path.join(self.tmp, "home"))
        os.makedirs(self.env["HOME"], exist_ok=True)

    # -- lifecycle
    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command(self):
        return [binary(), "--data-dir", self.data_dir,
                "--listen", "127.0.0.1:%d" % self.port, "--no-open"] + self.args

    def start(self, timeout=10):
        assert self.proc is None, "already running"
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=err, env=self.env)
        line = self._read_ready_line(timeout)
        match = READY_RE.match(line)
        if not match:
            self.kill9()
            raise AssertionError("unexpected ready line %r" % line)
        self.ready_lines.append(line)
        port = int(match.group(2))
        if self.port:
            assert port == self.port, (port, self.port)
        self.port = port
        self.token = match.group(3)
        self._drain = threading.Thread(target=self._drain_stdout,
                                       args=(self.proc.stdout,), daemon=True)
        self._drain.start()
        return self

    def _read_ready_line(self, timeout):
        fd = self.proc.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill9()
                raise AssertionError("no ready line within %ss; stdout %r, "
                                     "stderr %r" % (timeout, buf,
                                                    self.stderr()[-2000:]))
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                rc = self.proc.wait()
                self.proc = None
                raise AssertionError("arsphone exited %s before ready; "
                                     "stderr %r" % (rc, self.stderr()[-2000:]))
            buf += chunk
        line, rest = buf.split(b"\n", 1)
        self.stdout_rest += rest
        return line.decode("utf-8", "replace")

    def _drain_stdout(self, pipe):
        while True:
            chunk = os.read(pipe.fileno(), 65536)
            if not chunk:
                break
            self.stdout_rest += chunk
        pipe.close()

    def _reap(self, timeout):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            raise AssertionError("arsphone did not exit within %ss" % timeout)
        if self._drain:
            self._drain.join(5)
        self.proc = None
        return rc

    def stop(self, sig=signal.SIGTERM, timeout=10, check=True):
        """Signal the daemon and wait; asserts exit status 0 if check."""
        os.kill(self.proc.pid, sig)
        rc = self._reap(timeout)
        if check and rc != 0:
            raise AssertionError("arsphone exited %s after signal %s; stderr "
                                 "%r" % (rc, sig, self.stderr()[-2000:]))
        return rc

    def kill9(self):
        if self.proc:
            os.kill(self.proc.pid, signal.SIGKILL)
            self._reap(10)

    def restart(self, kill=False):
        if self.proc:
            self.kill9() if kill else self.stop()
        return self.start()

    def close(self):
        if self.proc:
            self.kill9()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    # -- HTTP
    def host(self):
        return "127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, token=_DEFAULT,
                timeout=10):
        """body: dict/list -> JSON with Content-Type application/json;
        bytes/str -> sent as is. headers override the defaults (Host,
        Authorization, Content-Type); a value of None removes one."""
        hdrs = {"host": ("Host", self.host())}
        token = self.token if token is _DEFAULT else token
        if token is not None:
            hdrs["authorization"] = ("Authorization", "Bearer " + token)
        data = None
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode("utf-8")
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs["content-type"] = ("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            if value is None:
                hdrs.pop(name.lower(), None)
            else:
                hdrs[name.lower()] = (name, value)
        return http_request(self.port, method, path, data, hdrs.values(),
                            timeout)

    def ws(self, **kw):
        kw.setdefault("token", self.token)
        return WebSocket(self.port, **kw)

    def vmrss_kb(self):
        return proc_status(self.pid)["VmRSS"]


class SharedDaemonCase(unittest.TestCase):
    """One daemon for every test of the class (stopped cleanly at the end:
    a non-zero exit, e.g. a leak under ASan, fails the class)."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.close()

    def req(self, *a, **kw):
        return self.d.request(*a, **kw)


def proc_status(pid):
    """/proc/PID/status as {name: int kB or str}."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            name, _, value = line.partition(":")
            value = value.strip()
            if value.endswith(" kB"):
                out[name] = int(value[:-3])
            else:
                out[name] = value
    return out


def socket_inodes(pid):
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def tcp_table():
    """Rows of /proc/net/tcp and tcp6: (family, local, remote, state, inode)
    with addresses as (ip text, port)."""
    rows = []
    for family, name in ((4, "/proc/net/tcp"), (6, "/proc/net/tcp6")):
        try:
            with open(name) as f:
                lines = f.readlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            parts = line.split()
            rows.append((family, _addr(parts[1], family),
                         _addr(parts[2], family), parts[3], int(parts[9])))
    return rows


def _addr(text, family):
    ip_hex, port_hex = text.split(":")
    raw = bytes.fromhex(ip_hex)
    # /proc stores each 32-bit word in host (little-endian) order
    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    af = socket.AF_INET if family == 4 else socket.AF_INET6
    return socket.inet_ntop(af, raw), int(port_hex, 16)


def listening_sockets(pid):
    inodes = socket_inodes(pid)
    return [(fam, local) for fam, local, _, state, inode in tcp_table()
            if state == "0A" and inode in inodes]


# ------------------------------------------------------------- checks ----

def assert_error(tc, resp, status, code):
    """Assert an error response per api.md; returns the error object."""
    tc.assertEqual(resp.status, status, resp)
    tc.assertIsInstance(resp.json, dict, resp)
    err = resp.json.get("error")
    tc.assertIsInstance(err, dict, resp)
    tc.assertEqual(err.get("code"), code, resp)
    tc.assertIsInstance(err.get("message"), str, resp)
    tc.assertTrue(err["message"], resp)
    tc.assertTrue(resp.headers.get("Content-Type", "").startswith(
        "application/json"), resp.headers.get("Content-Type"))
    return err


# ---------------------------------------------------------- WebSocket ----

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class HandshakeRejected(Exception):
    def __init__(self, status, headers, body):
        super().__init__("handshake answered %s: %r" % (status, body[:300]))
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None


class ConnectionClosed(Exception):
    """The peer closed: code is the close frame's status or None (EOF)."""

    def __init__(self, code=None, reason=""):
        super().__init__("closed (%s) %r" % (code, reason))
        self.code, self.reason = code, reason


def _mask(payload, key):
    n = len(payload)
    if n == 0:
        return b""
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big")
            ^ int.from_bytes(keys, "big")).to_bytes(n, "big")


class WebSocket:
    """Minimal RFC 6455 client. Connects and does the handshake in the
    constructor; a client that never calls recv*() never reads a byte
    after the handshake (rcvbuf shrinks its kernel receive buffer)."""

    def __init__(self, port, path="/api/v1/events", token=None, host=None,
                 origin=None, timeout=10, rcvbuf=None):
        if token is not None:
            path += ("&" if "?" in path else "?") + "token=" + token
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        self.received = []      # every chunk read, for leak searches
        self.closed = False
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path,
                 "Host: %s" % (host or "127.0.0.1:%d" % port),
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if origin:
            lines.append("Origin: " + origin)
        try:
            self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            self._handshake(key, time.monotonic() + timeout)
        except BaseException:
            self.sock.close()
            raise

    def _handshake(self, key, deadline):
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status != 101:
            length = int(headers.get("content-length", "0") or 0)
            try:
                while len(self.buf) < length:
                    self._fill(deadline)
            except (ConnectionClosed, OSError):
                pass
            raise HandshakeRejected(status, headers, self.buf[:length])
        expect = base64.b64encode(hashlib.sha1(
            (key + WS_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expect:
            raise AssertionError("bad Sec-WebSocket-Accept %r" % headers)
        if headers.get("upgrade", "").lower() != "websocket":
            raise AssertionError("bad Upgrade header %r" % headers)
        if "upgrade" not in headers.get("connection", "").lower():
            raise AssertionError("bad Connection header %r" % headers)
        if "sec-websocket-protocol" in headers:
            raise AssertionError("unexpected subprotocol %r" % headers)
        self.headers = headers

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no data from the server in time")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(262144)
        except socket.timeout:
            raise TimeoutError("no data from the server in time")
        except ConnectionResetError:
            self.closed = True
            raise ConnectionClosed(None, "reset")
        if not chunk:
            self.closed = True
            raise ConnectionClosed(None, "eof")
        self.received.append(chunk)
        self.buf += chunk

    # -- sending (always masked, as a client must)
    def send_frame(self, opcode, payload=b"", fin=True):
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        key = os.urandom(4)
        self.sock.sendall(head + key + _mask(payload, key))

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode("utf-8"))

    def ping(self, payload=b""):
        self.send_frame(OP_PING, payload)

    def close(self, code=1000, reason=""):
        """Send a close frame (if still open) and close the socket."""
        try:
            if not self.closed:
                self.send_frame(OP_CLOSE, struct.pack("!H", code)
                                + reason.encode())
        except OSError:
            pass
        self.closed = True
        self.sock.close()

    # -- receiving
    def recv_frame(self, timeout=10):
        """One frame: (fin, opcode, payload). Server frames are unmasked.
        Nothing is consumed unless the whole frame has arrived, so a
        timeout never loses data."""
        deadline = time.monotonic() + timeout
        while True:
            frame = _parse_frame(self.buf)
            if frame:
                b0, b1, payload, size = frame
                self.buf = self.buf[size:]
                if b1 & 0x80:
                    raise AssertionError("server sent a masked frame")
                if b0 & 0x70:
                    raise AssertionError("server set RSV bits")
                return bool(b0 & 0x80), b0 & 0x0F, payload
            self._fill(deadline)

    def recv(self, timeout=10):
        """Next message (opcode, payload); answers pings; a close frame
        raises ConnectionClosed with its code."""
        deadline = time.monotonic() + timeout
        parts, first_op = [], None
        while True:
            fin, op, payload = self.recv_frame(max(0.001, deadline
                                                   - time.monotonic()))
            if op == OP_PING:
                self.send_frame(OP_PONG, payload)
                continue
            if op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] \
                    if len(payload) >= 2 else None
                reason = payload[2:].decode("utf-8", "replace")
                try:
                    if not self.closed:
                        self.send_frame(OP_CLOSE, payload[:2])
                except OSError:
                    pass
                self.closed = True
                raise ConnectionClosed(code, reason)
            if op == OP_PONG:
                return op, payload
            if op != OP_CONT:
                first_op = op
            parts.append(payload)
            if fin:
                return first_op, b"".join(parts)

    def recv_json(self, timeout=10):
        """Next text message parsed as JSON (pongs are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            op, payload = self.recv(max(0.001, deadline - time.monotonic()))
            if op == OP_TEXT:
                return json.loads(payload.decode("utf-8"))
            if op == OP_BINARY:
                raise AssertionError("unexpected binary frame")

    def drain_until_closed(self, timeout=10):
        """Read everything until the server closes. Returns the close code
        of a close frame found in the stream, or None for a bare EOF/reset.
        Raises TimeoutError if the connection is still open at timeout."""
        deadline = time.monotonic() + timeout
        data = self.buf
        self.buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("connection still open after %ss" % timeout)
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                raise TimeoutError("connection still open after %ss" % timeout)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
        self.closed = True
        return _close_code_in(data)


def _parse_frame(data, pos=0):
    """(b0, b1, payload, end) of the frame at pos, or None if incomplete."""
    if pos + 2 > len(data):
        return None
    b0, b1 = data[pos], data[pos + 1]
    n, hlen = b1 & 0x7F, 2
    if n == 126:
        if pos + 4 > len(data):
            return None
        n, hlen = struct.unpack("!H", data[pos + 2:pos + 4])[0], 4
    elif n == 127:
        if pos + 10 > len(data):
            return None
        n, hlen = struct.unpack("!Q", data[pos + 2:pos + 10])[0], 10
    if b1 & 0x80:
        hlen += 4       # masked (a server must not, recv_frame rejects it)
    if pos + hlen + n > len(data):
        return None
    return b0, b1, data[pos + hlen:pos + hlen + n], pos + hlen + n


def _close_code_in(data):
    pos = 0
    while True:
        frame = _parse_frame(data, pos)
        if not frame:
            return None
        b0, _, payload, pos = frame
        if b0 & 0x0F == OP_CLOSE:
            return struct.unpack("!H", payload[:2])[0] \
                if len(payload) >= 2 else None


class EventCollector(threading.Thread):
    """Reads JSON events from a WebSocket in the background, recording
    (monotonic time, event). Stops on close/EOF or stop()."""

    def __init__(self, ws):
        super().__init__(daemon=True)
        self.ws = ws
        self.events = []
        self.error = None
        self._halt = threading.Event()
        self.cond = threading.Condition()

    def run(self):
        while not self._halt.is_set():
            try:
                event = self.ws.recv_json(timeout=0.5)
            except TimeoutError:
                continue
            except Exception as exc:    # closed, reset or bad frame
                self.error = exc
                break
            with self.cond:
                self.events.append((time.monotonic(), event))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, count, timeout=10):
        """Wait until count events have arrived; returns the events."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.events) < count and self.is_alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return [e for _, e in self.events]

    def wait_types(self, count, types, timeout=10):
        """Wait for count events whose type is in types (a set); returns
        those events. Other types (e.g. registration) are skipped."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [e for _, e in self.events if e.get("type") in types]
                left = deadline - time.monotonic()
                if len(got) >= count or left <= 0 or not self.is_alive():
                    return got
                self.cond.wait(left)

    def stop(self):
        self._halt.set()
        self.join(5)
