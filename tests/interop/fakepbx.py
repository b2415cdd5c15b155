"""A scripted SIP-over-WebSocket registrar (RFC 7118) for what a real server
will not do on demand. Standard library only; threads + blocking sockets.

FakePBX(...) listens on 127.0.0.1 (ws://, or wss:// with a certificate from
certs.py) and answers REGISTER like a registrar with digest authentication,
bent by the scenario options:

  subprotocol=False        101 without Sec-WebSocket-Protocol: sip
  handshake_status=403     refuse the WebSocket upgrade with that HTTP status
  users={...} / None       digest users (None: no authentication)
  algorithms=[...]         one WWW-Authenticate per algorithm, in this order
                           (e.g. ["SHA-256", "MD5"]: the double challenge)
  stale_once=True          the first correct Authorization gets 401
                           stale=true with a fresh nonce
  min_expires=N            423 Interval Too Brief + Min-Expires: N below N
  max_expires=N            grant at most N seconds
  scripted=[(code, reason, [headers]), ...]
                           the first REGISTERs (after authentication) get
                           these final answers, one each (503 + Retry-After)
  malformed_first=True     before the first 200: a bad status line and a 200
                           without CSeq (both granting expires=7), then the
                           good 200
  drop_first_register=True close the TCP connection on the first REGISTER,
                           without answering
  extra_contacts=[...]     other bindings listed before ours in the 200
  keepalive_interval=S     after a 200, send "\\r\\n\\r\\n" as a WebSocket
                           text message every S seconds on that connection

Everything is recorded for assertions: log (every SIP message both ways, raw
text), frames (non-SIP text frames received), handshakes, registers,
auth_checks (each Authorization verified with hashlib), tls_errors. Requests
to the client (OPTIONS, unknown methods, an in-dialog BYE) are sent with
request() and return the client's answer.
"""

import atexit
import base64
import hashlib
import os
import socket
import ssl
import threading
import time
import uuid

import siputil
from siputil import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, OP_BINARY

REALM = "pbx.arsphone.test"
_live = set()


def _cleanup_all():
    for pbx in list(_live):
        pbx.stop()


atexit.register(_cleanup_all)


class Conn:
    """One accepted connection (after the WebSocket handshake)."""

    def __init__(self, pbx, sock, cid, peer):
        self.pbx = pbx
        self.sock = sock
        self.id = cid
        self.peer = peer
        self.lock = threading.Lock()
        self.open = True
        self.buf = b""
        self.contact_uri = None     # from its last successful REGISTER
        self.opened_at = time.time()
        self.closed_at = None
        self.close_reason = None
        self._keepalive = None

    def send_frame(self, opcode, payload):
        with self.lock:
            if not self.open:
                return False
            try:
                self.sock.sendall(siputil.encode_frame(opcode, payload))
                return True
            except OSError:
                return False

    def send_sip(self, text):
        self.pbx._record("out", self.id, text)
        return self.send_frame(OP_TEXT, text)

    def abort(self):
        """Drop the TCP connection without a WebSocket close frame."""
        self._shutdown("dropped by the fake PBX")

    def close(self, code=1000):
        import struct
        self.send_frame(OP_CLOSE, struct.pack("!H", code))
        self._shutdown("closed by the fake PBX")

    def _shutdown(self, why):
        with self.lock:
            if not self.open:
                return
            self.open = False
            self.closed_at = time.time()
            self.close_reason = why
            try:
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                self.sock.close()
            except OSError:
                pass
        with self.pbx.cond:
            self.pbx.cond.notify_all()


class FakePBX:
    def __init__(self, certs=None, cert="server", subprotocol=True,
                 handshake_status=101, users=None, algorithms=("MD5",),
                 qop=True, stale_once=False, min_expires=None,
                 max_expires=None, scripted=(), malformed_first=False,
                 drop_first_register=False, extra_contacts=(),
                 keepalive_interval=None):
        self.certs = certs
        self.secure = certs is not None
        self.cert = cert
        self.subprotocol = subprotocol
        self.handshake_status = handshake_status
        self.users = {"505": "secret505"} if users is None else users
        self.algorithms = list(algorithms)
        self.qop = qop
        self.stale_once = stale_once
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.scripted = list(scripted)
        self.malformed_first = malformed_first
        self.drop_first_register = drop_first_register
        self.extra_contacts = list(extra_contacts)
        self.keepalive_interval = keepalive_interval

        self.cond = threading.Condition()
        self.log = []           # (time, conn id, "in"/"out", raw text)
        self.frames = []        # (time, conn id, opcode, payload) non-SIP
        self.handshakes = []    # (time, conn id or None, request head)
        self.registers = []     # (time, conn id, Msg)
        self.answers = []       # (time, conn id, status, Msg) we sent to REGISTER
        self.auth_checks = []   # dicts, see _check_auth
        self.tls_errors = []    # (time, text)
        self.parse_errors = []  # (time, conn id, text, error)
        self.conns = []
        self.nonces = {}        # nonce -> valid (bool)
        self.bindings = {}      # instance or contact uri -> (uri, expires)
        self._responses = {}    # branch -> Msg (answers to our requests)
        self._stale_done = False
        self._malformed_done = False
        self._dropped = False
        self._threads = []
        self._stop = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.ctx = certs.server_context(cert) if self.secure else None

    # ------------------------------------------------------------ control
    def url(self, host="127.0.0.1", path="/ws"):
        return "%s://%s:%d%s" % ("wss" if self.secure else "ws", host,
                                 self.port, path)

    def start(self):
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        t = threading.Thread(target=self._accept_loop, daemon=True,
                             name="fakepbx-accept")
        t.start()
        self._threads.append(t)
        _live.add(self)
        return self

    def stop(self):
        self._stop.set()
        try:
            self.listener.close()
        except OSError:
            pass
        for c in list(self.conns):
            c.abort()
        for t in self._threads:
            t.join(3)
        _live.discard(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def transcript(self):
        """Every message and event, readable, for failure reports."""
        lines = []
        items = [(t, "conn %s %s\n%s" % (c, d, txt)) for t, c, d, txt in self.log]
        items += [(t, "conn %s frame op=%d %r" % (c, op, p[:80]))
                  for t, c, op, p in self.frames]
        items += [(t, "handshake conn %s\n%s" % (c, h))
                  for t, c, h in self.handshakes]
        items += [(t, "TLS error: %s" % e) for t, e in self.tls_errors]
        items += [(t, "parse error conn %s: %s" % (c, e))
                  for t, c, _, e in self.parse_errors]
        items += [(c.closed_at, "conn %s closed: %s" % (c.id, c.close_reason))
                  for c in self.conns if c.closed_at]
        for t, text in sorted(items, key=lambda x: x[0]):
            lines.append("%.3f %s" % (t, text))
        return "\n".join(lines)

    # ----------------------------------------------------------- waiting
    def wait_for(self, predicate, timeout=10, what="condition"):
        """Wait until predicate() (called under the lock) is true."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("fake PBX: no %s within %ss"
                                         % (what, timeout))
                self.cond.wait(min(left, 0.2))

    def received(self, method=None):
        """Parsed requests/responses received (optionally one method)."""
        out = []
        for t, cid, d, text in list(self.log):
            if d != "in":
                continue
            try:
                m = siputil.parse(text)
            except siputil.ParseError:
                continue
            if method is None or m.method == method:
                out.append(m)
        return out

    def open_conns(self):
        return [c for c in self.conns if c.open]

    # ---------------------------------------------------- client requests
    def request(self, method, conn=None, ruri=None, in_dialog=False,
                extra=(), body="", timeout=5):
        """Send a request to the client on conn (default: the last open
        connection) and return its final answer (Msg), or None."""
        conn = conn or self.open_conns()[-1]
        ruri = ruri or conn.contact_uri
        assert ruri, "no contact known for this connection"
        branch = "z9hG4bK" + uuid.uuid4().hex[:16]
        transport = "WSS" if self.secure else "WS"
        to = "<%s>" % ruri
        if in_dialog:
            to += ";tag=" + uuid.uuid4().hex[:10]
        lines = ["%s %s SIP/2.0" % (method, ruri),
                 "Via: SIP/2.0/%s fakepbx.invalid;branch=%s" % (transport,
                                                                branch),
                 "Max-Forwards: 70",
                 "From: <sip:fakepbx@%s>;tag=%s" % (REALM,
                                                    uuid.uuid4().hex[:10]),
                 "To: " + to,
                 "Call-ID: %s" % uuid.uuid4().hex,
                 "CSeq: %d %s" % (2 if in_dialog else 1, method)]
        lines += list(extra)
        lines.append("Content-Length: %d" % len(body.encode()))
        conn.send_sip("\r\n".join(lines) + "\r\n\r\n" + body)
        try:
            return self.wait_for(
                lambda: self._responses.get(branch)
                if self._responses.get(branch) is not None
                and self._responses[branch].status >= 200 else None,
                timeout, "answer to %s" % method)
        except AssertionError:
            return None

    # ------------------------------------------------------------ server
    def _record(self, direction, cid, text):
        with self.cond:
            self.log.append((time.time(), cid, direction, text))
            self.cond.notify_all()

    def _accept_loop(self):
        cid = 0
        while not self._stop.is_set():
            try:
                sock, peer = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            cid += 1
            t = threading.Thread(target=self._serve, args=(sock, peer, cid),
                                 daemon=True, name="fakepbx-conn-%d" % cid)
            t.start()
            self._threads.append(t)

    def _serve(self, sock, peer, cid):
        sock.settimeout(5)
        if self.secure:
            try:
                sock = self.ctx.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError) as e:
                with self.cond:
                    self.tls_errors.append((time.time(), str(e)))
                    self.cond.notify_all()
                sock.close()
                return
        try:
            head, rest = self._read_handshake(sock)
        except (OSError, ValueError) as e:
            with self.cond:
                self.handshakes.append((time.time(), None, "failed: %s" % e))
                self.cond.notify_all()
            sock.close()
            return
        with self.cond:
            self.handshakes.append((time.time(), cid, head))
            self.cond.notify_all()
        headers = {}
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if self.handshake_status != 101:
            sock.sendall(("HTTP/1.1 %d Refused\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n" % self.handshake_status)
                         .encode())
            sock.close()
            return
        lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                 "Connection: Upgrade",
                 "Sec-WebSocket-Accept: " + siputil.accept_key(
                     headers.get("sec-websocket-key", ""))]
        offered = [p.strip() for p in
                   headers.get("sec-websocket-protocol", "").split(",")]
        if self.subprotocol and "sip" in offered:
            lines.append("Sec-WebSocket-Protocol: sip")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        conn = Conn(self, sock, cid, peer)
        conn.buf = rest
        with self.cond:
            self.conns.append(conn)
            self.cond.notify_all()
        try:
            self._read_loop(conn)
        finally:
            conn._shutdown(conn.close_reason or "closed by the client")

    def _read_handshake(self, sock):
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(4096)
            if not chunk:
                raise ValueError("eof before handshake")
            buf += chunk
            if len(buf) > 16384:
                raise ValueError("handshake too large")
        head, rest = buf.split(b"\r\n\r\n", 1)
        return head.decode("latin-1"), rest

    def _read_loop(self, conn):
        conn.sock.settimeout(0.3)
        while not self._stop.is_set() and conn.open:
            frame = siputil.decode_frame(conn.buf)
            if frame is None:
                try:
                    chunk = conn.sock.recv(65536)
                except (socket.timeout, ssl.SSLWantReadError):
                    continue
                except OSError:
                    conn.close_reason = conn.close_reason or "client reset"
                    return
                if not chunk:
                    conn.close_reason = conn.close_reason or "client EOF"
                    return
                conn.buf += chunk
                continue
            fin, op, payload, used = frame
            conn.buf = conn.buf[used:]
            if op == OP_PING:
                conn.send_frame(OP_PONG, payload)
            elif op == OP_CLOSE:
                conn.close_reason = "close frame from the client"
                conn.send_frame(OP_CLOSE, payload[:2])
                return
            elif op in (OP_TEXT, OP_BINARY):
                text = payload.decode("utf-8", "replace")
                if not text.strip():
                    with self.cond:
                        self.frames.append((time.time(), conn.id, op, payload))
                        self.cond.notify_all()
                    continue
                self._record("in", conn.id, text)
                self._dispatch(conn, text)
            else:
                with self.cond:
                    self.frames.append((time.time(), conn.id, op, payload))
                    self.cond.notify_all()

    def _dispatch(self, conn, text):
        try:
            msg = siputil.parse(text)
        except siputil.ParseError as e:
            with self.cond:
                self.parse_errors.append((time.time(), conn.id, text, str(e)))
                self.cond.notify_all()
            return
        if not msg.is_request:
            with self.cond:
                self._responses[msg.top_via_branch()] = msg
                self.cond.notify_all()
            return
        if msg.method == "REGISTER":
            with self.cond:
                self.registers.append((time.time(), conn.id, msg))
                self.cond.notify_all()
            self._on_register(conn, msg)
        elif msg.method == "ACK":
            pass
        else:
            self._reply(conn, msg, 405 if msg.method != "OPTIONS" else 200,
                        "Method Not Allowed" if msg.method != "OPTIONS"
                        else "OK", ["Allow: REGISTER, OPTIONS"])

    # ----------------------------------------------------------- answers
    def response_text(self, req, code, reason, extra=(), to_tag=True,
                      skip=()):
        lines = ["SIP/2.0 %d %s" % (code, reason)]
        for name, value in req.headers:
            if name == "via" and "via" not in skip:
                lines.append("Via: " + value)
        for name, label in (("from", "From"), ("to", "To"),
                            ("call-id", "Call-ID"), ("cseq", "CSeq")):
            if name in skip:
                continue
            value = req.get(name)
            if name == "to" and to_tag and ";tag=" not in value:
                value += ";tag=" + hashlib.md5(
                    req.get("call-id").encode()).hexdigest()[:10]
            lines.append("%s: %s" % (label, value))
        lines += list(extra)
        lines.append("Server: arsphone-fakepbx")
        lines.append("Content-Length: 0")
        return "\r\n".join(lines) + "\r\n\r\n"

    def _reply(self, conn, req, code, reason, extra=()):
        if req.method == "REGISTER":    # recorded first: the test may see
            with self.cond:             # the client's reaction before we
                self.answers.append((time.time(), conn.id, code, req))
                self.cond.notify_all()  # return from send_sip()
        conn.send_sip(self.response_text(req, code, reason, extra))

    def _challenge(self, conn, req, stale=False):
        headers = []
        for alg in self.algorithms:
            nonce = base64.b64encode(os.urandom(18)).decode()
            self.nonces[nonce] = True
            params = ['realm="%s"' % REALM, 'nonce="%s"' % nonce,
                      'opaque="%s"' % uuid.uuid4().hex[:8],
                      "algorithm=%s" % alg]
            if self.qop:
                params.append('qop="auth"')
            if stale:
                params.append("stale=true")
            headers.append("WWW-Authenticate: Digest " + ", ".join(params))
        self._reply(conn, req, 401, "Unauthorized", headers)

    def _check_auth(self, req):
        """Verify the Authorization header with hashlib; records and
        returns a dict: ok, algorithm, username, nonce_known, ..."""
        value = req.get("authorization")
        scheme, p = siputil.parse_auth_params(value)
        alg = p.get("algorithm", "MD5")
        user = p.get("username")
        result = {"algorithm": alg, "username": user, "uri": p.get("uri"),
                  "uri_matches": p.get("uri") == req.uri,
                  "nonce": p.get("nonce"), "response": p.get("response"),
                  "nonce_known": self.nonces.get(p.get("nonce")) is True,
                  "qop": p.get("qop"), "nc": p.get("nc"),
                  "cnonce": p.get("cnonce"), "realm": p.get("realm"),
                  "scheme": scheme, "header": value, "ok": False}
        if (scheme.lower() == "digest" and user in self.users
                and alg.upper() in ("MD5", "SHA-256")
                and p.get("realm") == REALM and p.get("response")):
            alg_key = "SHA-256" if alg.upper() == "SHA-256" else "MD5"
            expected = siputil.digest_response(
                alg_key, user, REALM, self.users[user], req.method,
                p.get("uri", ""), p.get("nonce", ""), p.get("qop"),
                p.get("nc"), p.get("cnonce"))
            result["expected"] = expected
            result["ok"] = (expected == p["response"].lower()
                            and result["uri_matches"])
        with self.cond:
            self.auth_checks.append(result)
            self.cond.notify_all()
        return result

    def _requested_expires(self, req):
        contacts = req.contacts()
        if contacts and contacts[0][0] == "*":
            return 0
        for _, params in contacts:
            if params.get("expires") is not None:
                return int(params["expires"])
        if req.get("expires") is not None:
            return int(req.get("expires"))
        return 3600

    def _on_register(self, conn, req):
        if self.drop_first_register and not self._dropped:
            self._dropped = True
            conn.abort()
            return
        if self.users:
            if not req.get("authorization"):
                self._challenge(conn, req)
                return
            check = self._check_auth(req)
            if not check["ok"] or not check["nonce_known"]:
                self._challenge(conn, req)
                return
            if self.stale_once and not self._stale_done:
                self._stale_done = True
                self.nonces[check["nonce"]] = False
                self._challenge(conn, req, stale=True)
                return
        if self.scripted:
            code, reason, extra = self.scripted.pop(0)
            self._reply(conn, req, code, reason, extra)
            return
        expires = self._requested_expires(req)
        contacts = [(u, p) for u, p in req.contacts() if u != "*"]
        if expires == 0:
            for uri, params in contacts:
                self.bindings.pop(params.get("+sip.instance") or uri, None)
            self._reply(conn, req, 200, "OK", self._contact_lines())
            return
        if self.min_expires and expires < self.min_expires:
            self._reply(conn, req, 423, "Interval Too Brief",
                        ["Min-Expires: %d" % self.min_expires])
            return
        granted = min(expires, self.max_expires or expires)
        for uri, params in contacts:
            key = params.get("+sip.instance") or uri
            self.bindings[key] = (uri, granted, params)
            conn.contact_uri = uri
        if self.malformed_first and not self._malformed_done:
            self._malformed_done = True
            bad = self._contact_lines(expires_override=7)
            text = self.response_text(req, 200, "OK", bad)
            conn.send_sip(text.replace("SIP/2.0 200 OK", "SIP/2.0 2OO OK", 1))
            conn.send_sip(self.response_text(req, 200, "OK", bad,
                                             skip=("cseq",)))
            conn.send_sip("SIP/2.0 200\r\nthis is not a header\r\n\r\n")
        self._reply(conn, req, 200, "OK", self._contact_lines())
        if self.keepalive_interval and conn._keepalive is None:
            conn._keepalive = threading.Thread(
                target=self._keepalive_loop, args=(conn,), daemon=True)
            conn._keepalive.start()

    def _contact_lines(self, expires_override=None):
        lines = ["Contact: " + c for c in self.extra_contacts]
        for key, (uri, granted, params) in self.bindings.items():
            value = "<%s>;expires=%d" % (uri, expires_override or granted)
            if params.get("+sip.instance"):
                value += ';+sip.instance="%s"' % params["+sip.instance"]
            if params.get("reg-id"):
                value += ";reg-id=%s" % params["reg-id"]
            lines.append("Contact: " + value)
        return lines

    def _keepalive_loop(self, conn):
        while not self._stop.wait(self.keepalive_interval) and conn.open:
            if conn.send_frame(OP_TEXT, b"\r\n\r\n"):
                with self.cond:
                    self.log.append((time.time(), conn.id, "out-keepalive",
                                     "\r\n\r\n"))
                    self.cond.notify_all()

    def keepalives_sent(self):
        return sum(1 for _, _, d, _ in self.log if d == "out-keepalive")
