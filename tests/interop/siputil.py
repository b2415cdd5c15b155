"""SIP and WebSocket helpers shared by the interop harness (standard library).

- parse()/Msg: a tolerant SIP message parser (compact header names, comma
  separated Contact values, header parameters) for assertions.
- digest: RFC 7616/8760 digest computation (MD5, SHA-256), to check the
  client's Authorization in the fake PBX and to register by hand.
- WebSocket framing (RFC 6455) for both ends, and WsSipClient: a tiny SIP
  over WebSocket client (ws:// and wss://) that the harness uses to check
  Kamailio by itself, before and beside the daemon.

Everything here connects to 127.0.0.1 only.
"""

import base64
import hashlib
import os
import re
import socket
import ssl
import struct
import time
import uuid

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type", "k": "supported",
           "e": "content-encoding", "s": "subject", "o": "event",
           "u": "allow-events", "x": "session-expires", "r": "refer-to",
           "b": "referred-by", "j": "reject-contact", "a": "accept-contact",
           "d": "request-disposition", "y": "identity"}
# headers whose values may be comma-joined lists (we split them for get_all)
LIST_HEADERS = {"via", "contact", "route", "record-route", "allow",
                "supported", "require"}


# ------------------------------------------------------------ parsing ----

class ParseError(ValueError):
    pass


def split_commas(value):
    """Split a header value at commas outside quotes and <...>."""
    out, cur, quote, angle = [], [], False, False
    i = 0
    while i < len(value):
        ch = value[i]
        if quote:
            if ch == "\\" and i + 1 < len(value):
                cur.append(value[i:i + 2])
                i += 2
                continue
            if ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "<":
            angle = True
        elif ch == ">":
            angle = False
        elif ch == "," and not angle:
            out.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def header_params(value):
    """(main part, {param: value or None}) of 'x <uri>;a=b;c' or 'uri;a=b'.
    Parameters inside <...> belong to the URI and are not returned; quoted
    strings (display names, +sip.instance="<...>") are skipped over."""
    end = _name_addr_end(value)
    if end is not None:
        head, tail = value[:end], value[end:]
    else:
        head, sep, rest = value.partition(";")
        tail = ";" + rest if sep else ""
    params = {}
    for part in _split_semicolons(tail):
        if not part.strip():
            continue
        name, eq, val = part.partition("=")
        val = val.strip()
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = val[1:-1]
        params[name.strip().lower()] = val if eq else None
    return head.strip(), params


def _name_addr_end(value):
    """Index just after the '>' closing the name-addr's <uri>, or None
    when the value is a bare addr-spec."""
    quote = False
    i = 0
    while i < len(value):
        ch = value[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == ";":
            return None
        elif ch == "<":
            close = value.find(">", i)
            return None if close < 0 else close + 1
        i += 1
    return None


def _split_semicolons(text):
    parts, cur, quote = [], [], False
    for ch in text:
        if ch == '"':
            quote = not quote
        if ch == ";" and not quote:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def uri_of(value):
    """The URI inside a name-addr/addr-spec header value."""
    m = re.search(r"<([^>]*)>", value)
    if m:
        return m.group(1).strip()
    return value.split(";", 1)[0].strip()


def uri_params(uri):
    """{name: value or None} of a SIP URI's parameters (lower-case names)."""
    out = {}
    for part in uri.split("?", 1)[0].split(";")[1:]:
        name, eq, val = part.partition("=")
        out[name.strip().lower()] = val if eq else None
    return out


class Msg:
    """One parsed SIP message. headers: list of (lower-case name, value)."""

    def __init__(self, text):
        self.raw = text
        head, sep, body = text.partition("\r\n\r\n")
        if not sep:
            head, sep, body = text.partition("\n\n")
        lines = re.split(r"\r?\n", head)
        # unfold continuation lines
        unfolded = []
        for line in lines:
            if line[:1] in (" ", "\t") and unfolded:
                unfolded[-1] += " " + line.strip()
            else:
                unfolded.append(line)
        if not unfolded or not unfolded[0]:
            raise ParseError("empty message")
        first = unfolded[0]
        self.first_line = first
        if first.startswith("SIP/2.0 "):
            parts = first.split(" ", 2)
            if len(parts) < 2 or not re.fullmatch(r"[1-6]\d\d", parts[1]):
                raise ParseError("bad status line %r" % first)
            self.is_request = False
            self.status = int(parts[1])
            self.reason = parts[2] if len(parts) > 2 else ""
            self.method = None
            self.uri = None
        else:
            parts = first.split(" ")
            if len(parts) != 3 or parts[2] != "SIP/2.0":
                raise ParseError("bad request line %r" % first)
            self.is_request = True
            self.method, self.uri = parts[0], parts[1]
            self.status = self.reason = None
        self.headers = []
        for line in unfolded[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise ParseError("bad header line %r" % line)
            name = name.strip().lower()
            name = COMPACT.get(name, name)
            self.headers.append((name, value.strip()))
        self.body = body

    def get(self, name):
        """First value of a header (whole line value), or None."""
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def get_all(self, name):
        """Every value of a header, comma lists split for list headers."""
        name = name.lower()
        out = []
        for n, v in self.headers:
            if n == name:
                out.extend(split_commas(v) if name in LIST_HEADERS else [v])
        return out

    def cseq(self):
        value = self.get("cseq")
        if not value:
            return None, None
        num, _, method = value.partition(" ")
        return int(num), method.strip()

    def contacts(self):
        """[(uri, {params})] of every Contact value ('*' gives ('*', {}))."""
        out = []
        for value in self.get_all("contact"):
            if value.strip() == "*":
                out.append(("*", {}))
                continue
            head, params = header_params(value)
            out.append((uri_of(head), params))
        return out

    def top_via_branch(self):
        via = self.get_all("via")
        if not via:
            return None
        return header_params(via[0])[1].get("branch")

    def __repr__(self):
        return "<Msg %s>" % self.first_line


def parse(text):
    return Msg(text)


# ------------------------------------------------------------- digest ----

HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256,
          "SHA-512-256": lambda b=b"": hashlib.new("sha512_256", b)}


def parse_auth_params(value):
    """'Digest a=b, c="d"' -> ('Digest', {a: b, c: d})."""
    scheme, _, rest = value.strip().partition(" ")
    params = {}
    for m in re.finditer(r'\s*([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?',
                         rest):
        val = m.group(3) if m.group(3) is not None else m.group(2)
        params[m.group(1).lower()] = val
    return scheme, params


def _h(alg, text):
    return HASHES[alg](text.encode("utf-8")).hexdigest()


def digest_response(alg, user, realm, password, method, uri, nonce,
                    qop=None, nc=None, cnonce=None):
    """The digest 'response' value (RFC 7616 / RFC 2617, no -sess)."""
    ha1 = _h(alg, "%s:%s:%s" % (user, realm, password))
    ha2 = _h(alg, "%s:%s" % (method, uri))
    if qop:
        return _h(alg, "%s:%s:%s:%s:%s:%s" % (ha1, nonce, nc, cnonce, qop, ha2))
    return _h(alg, "%s:%s:%s" % (ha1, nonce, ha2))


def authorization(challenge, user, password, method, uri, nc=1):
    """An Authorization header value answering challenge (a header value)."""
    _, p = parse_auth_params(challenge)
    alg = p.get("algorithm", "MD5").upper()
    alg = "SHA-256" if alg == "SHA-256" else alg
    qop = None
    if p.get("qop"):
        qops = [q.strip() for q in p["qop"].split(",")]
        qop = "auth" if "auth" in qops else None
    cnonce = uuid.uuid4().hex[:16]
    ncs = "%08x" % nc
    resp = digest_response(alg, user, p["realm"], password, method, uri,
                           p["nonce"], qop, ncs, cnonce)
    parts = ['username="%s"' % user, 'realm="%s"' % p["realm"],
             'nonce="%s"' % p["nonce"], 'uri="%s"' % uri,
             'response="%s"' % resp, "algorithm=%s" % alg]
    if qop:
        parts += ["qop=%s" % qop, "nc=%s" % ncs, 'cnonce="%s"' % cnonce]
    if "opaque" in p:
        parts.append('opaque="%s"' % p["opaque"])
    return "Digest " + ", ".join(parts)


# --------------------------------------------------------- WebSocket ----

def encode_frame(opcode, payload=b"", mask=False, fin=True):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + key + masked


def decode_frame(buf):
    """(fin, opcode, payload, consumed) of the frame at buf's start, or None
    when incomplete. Unmasks masked frames."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    n, pos = b1 & 0x7F, 2
    if n == 126:
        if len(buf) < 4:
            return None
        n, pos = struct.unpack("!H", buf[2:4])[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, pos = struct.unpack("!Q", buf[2:10])[0], 10
    key = None
    if b1 & 0x80:
        if len(buf) < pos + 4:
            return None
        key, pos = buf[pos:pos + 4], pos + 4
    if len(buf) < pos + n:
        return None
    payload = buf[pos:pos + n]
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bool(b0 & 0x80), b0 & 0x0F, payload, pos + n


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode())
                            .digest()).decode()


class WsClosed(Exception):
    pass


class WsSipClient:
    """SIP over WebSocket (RFC 7118) client for harness checks.

    url: ws://127.0.0.1:PORT/path or wss://...; ssl_context for wss
    (server_hostname defaults to the URL host)."""

    def __init__(self, host, port, secure=False, path="/", ssl_context=None,
                 server_hostname=None, protocol="sip", timeout=5):
        assert host in ("127.0.0.1", "localhost"), host
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if secure:
            ctx = ssl_context or ssl.create_default_context()
            raw = ctx.wrap_socket(raw, server_hostname=server_hostname or host)
        self.sock = raw
        self.buf = b""
        self.secure = secure
        self.local = raw.getsockname()
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path,
                 "Host: %s:%d" % (server_hostname or host, port),
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if protocol:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.handshake_headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.handshake_headers[name.strip().lower()] = value.strip()
        if self.status != 101:
            self.sock.close()
            raise WsClosed("handshake answered %d" % self.status)
        if self.handshake_headers.get("sec-websocket-accept") != accept_key(key):
            raise AssertionError("bad Sec-WebSocket-Accept")

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no data in time")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no data in time")
        if not chunk:
            raise WsClosed("eof")
        self.buf += chunk

    def send(self, text):
        self.sock.sendall(encode_frame(OP_TEXT, text, mask=True))

    def recv(self, timeout=5):
        """Next SIP message text (pings answered, CRLF keepalives skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = decode_frame(self.buf)
            if not frame:
                self._fill(deadline)
                continue
            fin, op, payload, used = frame
            self.buf = self.buf[used:]
            if op == OP_PING:
                self.sock.sendall(encode_frame(OP_PONG, payload, mask=True))
            elif op == OP_CLOSE:
                raise WsClosed("close frame")
            elif op in (OP_TEXT, OP_BINARY):
                text = payload.decode("utf-8", "replace")
                if text.strip():
                    return text

    def recv_msg(self, timeout=5):
        return parse(self.recv(timeout))

    def close(self):
        try:
            self.sock.sendall(encode_frame(OP_CLOSE, struct.pack("!H", 1000),
                                           mask=True))
        except OSError:
            pass
        self.sock.close()


def register_by_hand(client, user, password, domain, expires=300,
                     instance=None, timeout=5):
    """REGISTER user@domain over client (a WsSipClient), answering one
    digest challenge. Returns (final response Msg, contact uri, instance)."""
    transport = "wss" if client.secure else "ws"
    host = "%s.invalid" % uuid.uuid4().hex[:12]
    instance = instance or "urn:uuid:%s" % uuid.uuid4()
    contact_uri = "sip:%s@%s;transport=ws" % (uuid.uuid4().hex[:8], host)
    call_id = uuid.uuid4().hex
    tag = uuid.uuid4().hex[:10]
    ruri = "sip:%s" % domain
    cseq = 1
    auth = None
    for _ in range(3):
        branch = "z9hG4bK" + uuid.uuid4().hex[:16]
        lines = [
            "REGISTER %s SIP/2.0" % ruri,
            "Via: SIP/2.0/%s %s;branch=%s" % (transport.upper(), host, branch),
            "Max-Forwards: 70",
            "From: <sip:%s@%s>;tag=%s" % (user, domain, tag),
            "To: <sip:%s@%s>" % (user, domain),
            "Call-ID: %s" % call_id,
            "CSeq: %d REGISTER" % cseq,
            'Contact: <%s;ob>;+sip.instance="<%s>";reg-id=1;expires=%d'
            % (contact_uri, instance, expires),
            "Supported: path, outbound, gruu",
            "Expires: %d" % expires,
            "User-Agent: arsphone-interop-harness",
        ]
        if auth:
            lines.append("Authorization: " + auth)
        lines.append("Content-Length: 0")
        client.send("\r\n".join(lines) + "\r\n\r\n")
        while True:
            resp = client.recv_msg(timeout)
            if not resp.is_request and resp.status >= 200:
                break
        if resp.status in (401, 407) and password is not None and auth is None:
            hdr = "www-authenticate" if resp.status == 401 else \
                "proxy-authenticate"
            auth = authorization(resp.get(hdr), user, password, "REGISTER",
                                 ruri)
            cseq += 1
            continue
        return resp, contact_uri, instance
    return resp, contact_uri, instance
