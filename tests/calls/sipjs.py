"""SIP.js phones in headless Chromium for the call tests, from Python.

build_page(outdir): index.html + phone.bundle.js (sipjs_page/phone.js and
npm sip.js bundled by npm esbuild from tests/node_modules) into outdir.

PageServer(ns, addr, directory, certs): pageserver.py inside the namespace,
https://ADDR:8443/ (start(), url).

SipJsPhone(ns, page_url, tone_wav, workdir, name): one Node driver
(sipjs_driver.mjs) started inside the namespace, which launches its own
Chromium (fresh profile, fake audio capture from tone_wav) and opens the
page. Requests go over the driver's stdin/stdout as JSON lines:

    p.register('506', 'secret506', kam.wss_url())   -> {'ms': ...}
    p.register(..., rel100='required')  (RFC 3262 100rel, see phone.js)
    p.dial('507'); p.wait("phone.state === 'established'", 10)
    p.answer(); p.decline(); p.hangup(); p.cancel()
    p.get('phone.lastStatus'); p.detect_tone(880); p.stats()
    p.set_codecs(['PCMU'])   (offer/answer only PCMU from now on)
    p.reinvite(hold=True)    (re-INVITE: hold, resume, refresh, codec change)

start_ms / ready: the driver's timings (launch, page). chromium_pid(): the
browser process (the driver's child); procstats.tree() of it is that
Chromium's whole process tree. Console output and page errors are kept in
p.console for failure reports; close() ends it (driver asked to close
Chromium, then its process tree by PID).
"""

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
PAGE_SRC = os.path.join(HERE, "sipjs_page")
DRIVER = os.path.join(HERE, "sipjs_driver.mjs")
NODE_MODULES = os.path.join(TESTS, "node_modules")
ESBUILD = os.path.join(NODE_MODULES, ".bin", "esbuild")
NODE = shutil.which("node") or "/usr/bin/node"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PAGE_PORT = 8443


def missing_requirements():
    """Why the SIP.js side cannot run here (None when it can)."""
    for path, what in ((NODE, "node"), (CHROMIUM, "chromium"),
                       (os.path.join(NODE_MODULES, "playwright-core"),
                        "tests/node_modules/playwright-core (npm ci in tests/)"),
                       (os.path.join(NODE_MODULES, "sip.js"),
                        "tests/node_modules/sip.js (npm ci in tests/)"),
                       (ESBUILD, "tests/node_modules/.bin/esbuild "
                        "(npm ci in tests/)")):
        if not os.path.exists(path):
            return "missing " + what
    return None


def build_page(outdir):
    """Bundle the page into outdir; returns outdir."""
    os.makedirs(outdir, exist_ok=True)
    shutil.copy(os.path.join(PAGE_SRC, "index.html"), outdir)
    proc = subprocess.run(
        [ESBUILD, os.path.join(PAGE_SRC, "phone.js"), "--bundle",
         "--format=esm", "--target=chrome110", "--log-level=warning",
         "--outfile=" + os.path.join(outdir, "phone.bundle.js")],
        cwd=TESTS, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError("esbuild failed:\n" + proc.stdout)
    return outdir


class PageServer:
    def __init__(self, ns, addr, directory, certs, port=PAGE_PORT,
                 log_path=None):
        self.ns = ns
        self.addr = addr
        self.port = port
        self.directory = directory
        self.certs = certs
        self.log_path = log_path or os.path.join(directory, "..",
                                                 "pageserver.log")
        self.proc = None

    @property
    def url(self):
        return "https://%s:%d/index.html" % (self.addr, self.port)

    def start(self):
        cert, key = self.certs.pair("server")
        self.proc = self.ns.popen(
            [sys.executable, os.path.join(HERE, "pageserver.py"), self.addr,
             str(self.port), self.directory, cert, key],
            label="pageserver", log_path=self.log_path)
        self.ns.wait_port(self.addr, self.port, proc=self.proc,
                          what="pageserver")
        return self

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class DriverError(RuntimeError):
    pass


class SipJsPhone:
    """One SIP.js phone (Node driver + Chromium) inside the namespace."""

    def __init__(self, ns, page_url, tone_wav, workdir, name="sipjs"):
        self.ns = ns
        self.page_url = page_url
        self.tone_wav = tone_wav
        self.name = name
        self.workdir = os.path.join(workdir, name)
        os.makedirs(self.workdir, exist_ok=True)
        self.profile = os.path.join(self.workdir, "profile")
        self.log_path = os.path.join(self.workdir, "driver.log")
        self.proc = None
        self.console = []
        self.ready = None
        self._next = 0
        self._replies = {}
        self._cond = threading.Condition()
        self._reader = None
        self._events = queue.Queue()

    # ---------------------------------------------------------- lifecycle
    def start(self, timeout=90):
        """Start the driver; returns once the page is loaded. self.ready
        holds its timings plus wall_ms (Popen -> ready, as seen here)."""
        shutil.rmtree(self.profile, ignore_errors=True)
        os.makedirs(self.profile)
        t0 = time.monotonic()
        self.started_at = time.time()
        env = dict(os.environ, HOME=self.workdir,
                   NODE_PATH=NODE_MODULES)
        with open(self.log_path, "ab") as log:
            self.proc = self.ns.popen(
                [NODE, DRIVER, "--page", self.page_url, "--tone",
                 self.tone_wav, "--profile", self.profile, "--chromium",
                 CHROMIUM],
                label="sipjs-" + self.name, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=log, cwd=HERE, env=env)
        self._reader = threading.Thread(target=self._read, daemon=True,
                                        name="sipjs-" + self.name)
        self._reader.start()
        try:
            ev = self._events.get(timeout=timeout)
        except queue.Empty:
            raise DriverError("%s: driver not ready after %ss\n%s"
                              % (self.name, timeout, self.report()))
        if ev.get("event") != "ready":
            raise DriverError("%s: driver failed: %r\n%s"
                              % (self.name, ev, self.report()))
        ev["wall_ms"] = round((time.monotonic() - t0) * 1000)
        self.ready = ev
        return self

    def _read(self):
        for raw in self.proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                self.console.append(("stdout", raw.decode(errors="replace")))
                continue
            if "id" in msg:
                with self._cond:
                    self._replies[msg["id"]] = msg
                    self._cond.notify_all()
            elif msg.get("event") in ("console", "pageerror", "crash"):
                self.console.append((msg.get("event"),
                                     "%s %s" % (msg.get("type", ""),
                                                msg.get("text", ""))))
            else:
                self._events.put(msg)
        self._events.put({"event": "eof"})
        with self._cond:
            self._cond.notify_all()

    def close(self):
        """Ask the driver to close Chromium, then end its tree by PID."""
        if not self.proc:
            return
        if self.proc.poll() is None:
            try:
                self._send({"op": "close"}, timeout=10)
            except (DriverError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.ns.stop(self.proc)
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        self.proc = None

    # ------------------------------------------------------------ requests
    def _send(self, req, timeout):
        if not self.proc or self.proc.poll() is not None:
            raise DriverError("%s: driver not running\n%s"
                              % (self.name, self.report()))
        with self._cond:
            self._next += 1
            rid = self._next
        req = dict(req, id=rid)
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        with self._cond:
            while rid not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DriverError("%s: no answer to %r within %ss"
                                      % (self.name, req, timeout))
                if not self._reader.is_alive():
                    raise DriverError("%s: driver gone during %r\n%s"
                                      % (self.name, req, self.report()))
                self._cond.wait(min(left, 0.5))
            reply = self._replies.pop(rid)
        if not reply.get("ok"):
            raise DriverError("%s: %s -> %s" % (self.name, req.get("method")
                                                or req.get("expr")
                                                or req.get("op"),
                                                reply.get("error")))
        return reply.get("value")

    def invoke(self, method, *args, timeout=30):
        """await window.phone[method](...args) in the page."""
        return self._send({"op": "call", "method": method,
                           "args": list(args)}, timeout)

    def get(self, expr, timeout=10):
        return self._send({"op": "eval", "expr": expr}, timeout)

    def wait(self, expr, timeout=10):
        """Wait until expr is truthy in the page; returns its value. On
        timeout raises with the phone's state and recent events."""
        try:
            return self._send({"op": "wait", "expr": expr,
                               "timeout": int(timeout * 1000)}, timeout + 10)
        except DriverError as e:
            raise AssertionError("%s: waiting for %s: %s\nphone: %s"
                                 % (self.name, expr, e,
                                    json.dumps(self.snapshot())[-3000:]))

    # ------------------------------------------------------------- phone
    def register(self, user, password, ws_url, domain="pbx.arsphone.test",
                 rel100=None):
        opts = {"rel100": rel100} if rel100 else {}
        return self.invoke("register", user, password, ws_url, domain, opts)

    def dial(self, target):
        return self.invoke("call", target)

    def answer(self):
        return self.invoke("answer")

    def decline(self, code=603):
        return self.invoke("decline", code)

    def hangup(self):
        return self.invoke("hangup")

    def cancel(self):
        return self.invoke("cancel")

    def detect_tone(self, hz, ms=1000, which="remote"):
        """phone.detectTone: a dict, or a list of them when hz is a list."""
        return self.invoke("detectTone", hz, {"ms": ms, "which": which},
                           timeout=ms / 1000 + 20)

    def stats(self):
        return self.invoke("stats")

    def set_codecs(self, names=None, events=True):
        """Offer/answer only these codecs from now on (None: all), and
        telephone-event only when events."""
        return self.invoke("setCodecs", list(names) if names else None, events)

    def send_dtmf(self, tones):
        """RFC 4733 events from Chromium's RTCDTMFSender; True if queued."""
        return self.invoke("sendDtmf", tones)

    def reinvite(self, hold=False, timeout=20):
        """A re-INVITE on the established call (hold: a=sendonly; codecs
        as set_codecs says); returns {status, reason, sdp} of its final
        response."""
        return self.invoke("reinvite", {"hold": bool(hold)}, timeout=timeout)

    @property
    def state(self):
        return self.get("phone.state")

    def snapshot(self):
        """The phone's fields (no functions): state, last status, times,
        the last events and SIP lines."""
        try:
            return self.get(
                "({state: phone.state, direction: phone.direction,"
                " sessionState: phone.sessionState,"
                " lastStatus: phone.lastStatus, lastReason: phone.lastReason,"
                " lastReasonHeader: phone.lastReasonHeader,"
                " provisional: phone.provisional, endedBy: phone.endedBy,"
                " incomingFrom: phone.incomingFrom, times: phone.times,"
                " events: phone.events.slice(-30), sip: phone.sip.slice(-30)})")
        except Exception as e:              # driver gone
            return {"error": repr(e)}

    # --------------------------------------------------------- processes
    def chromium_pid(self):
        """The browser process: the driver's child running chromium."""
        if not self.proc:
            return None
        import procstats
        for pid in procstats.tree(self.proc.pid)[1:]:
            try:
                exe = os.readlink("/proc/%d/exe" % pid)
                with open("/proc/%d/stat" % pid) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == self.proc.pid and "chromium" in exe:
                return pid
        return None

    def report(self):
        """Driver log and page console, for a failure report."""
        try:
            with open(self.log_path, errors="replace") as f:
                log = f.read()[-6000:]
        except OSError:
            log = ""
        lines = "\n".join("%s: %s" % c for c in self.console[-80:])
        return ("---- %s driver stderr ----\n%s\n---- %s page console ----\n"
                "%s\n" % (self.name, log, self.name, lines))
