"""The arsphone daemon for the interop tests, plus the shared test base.

Arsphone: the real binary ($ARSPHONE_BIN) on a temporary data dir and a
free loopback port, started as

    $ARSPHONE_BIN --data-dir TMP --listen 127.0.0.1:0 --no-open \
                  --sip-trace --log-level debug

with stderr kept in a log file (printed when a test fails). It reuses
tests/api/daemon.py (ready line, HTTP with the Bearer token, the event
WebSocket) and adds account helpers and a Registrations watcher with
wait_for(account_id, predicate, timeout) over `registration` events.

InteropCase: unittest.TestCase base that owns every process a test starts
(cleaned up by PID in reverse order, even on failure) and prints the
daemon's log, Kamailio's log and the fake PBX transcript when a test fails.

run_tests(): the tests' main(). As root, with `unshare` available, it runs
the test file again inside a private network namespace with only `lo` up
(ARSPHONE_INTEROP_NETNS=0 turns this off), so nothing can leave the machine
even if the daemon misbehaves (no DNS server is reachable there either).
"""

import atexit
import calendar
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "api"))
sys.path.insert(0, HERE)

from daemon import Daemon, EventCollector        # noqa: E402

STATES = {"disabled", "unregistered", "registering", "registered", "failed"}
ERRORS = {"dns_failed", "connection_refused", "connection_timeout",
          "tls_untrusted", "tls_name_mismatch", "tls_pin_mismatch",
          "tls_failed", "ws_handshake_failed", "ws_no_subprotocol",
          "wrong_password", "unknown_user", "no_password", "server_error",
          "timeout", "connection_lost"}
REG_FIELDS = {"state", "code", "reason", "error", "expires", "retry_at",
              "target"}


def parse_utc(text):
    """api.md timestamps ('2026-11-25T16:20:01Z', maybe with fractions)
    to a Unix time."""
    base = text.rstrip("Z")
    frac = 0.0
    if "." in base:
        base, f = base.split(".", 1)
        frac = float("0." + f)
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + frac


class Registrations(EventCollector):
    """Background reader of the event WebSocket; every event is kept with
    its arrival time (time.time(), to compare with PBX records)."""

    def run(self):
        while not self._halt.is_set():
            try:
                event = self.ws.recv_json(timeout=0.5)
            except TimeoutError:
                continue
            except Exception as exc:            # closed, reset, bad frame
                self.error = exc
                break
            with self.cond:
                self.events.append((time.time(), event))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.events)

    def registrations(self, account_id=None, since=0):
        """[(time, registration event)] for one account (or all)."""
        with self.cond:
            return [(t, e) for t, e in self.events[since:]
                    if e.get("type") == "registration"
                    and (account_id is None
                         or e.get("account_id") == account_id)]

    def wait_for(self, account_id, predicate, timeout=10, since=0,
                 what="registration"):
        """First registration event of account_id (from index since) whose
        registration object satisfies predicate; returns (time, event).
        Raises AssertionError listing what arrived instead."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(since, len(self.events)):
                    t, e = self.events[i]
                    if (e.get("type") == "registration"
                            and e.get("account_id") == account_id
                            and predicate(e.get("registration") or {})):
                        return t, e
                left = deadline - time.monotonic()
                if left <= 0 or not self.is_alive():
                    seen = [(round(t, 3), e.get("registration"))
                            for t, e in self.events[since:]
                            if e.get("type") == "registration"
                            and e.get("account_id") == account_id]
                    raise AssertionError(
                        "no %s event for account %s within %ss (reader %s); "
                        "registration events seen: %s"
                        % (what, account_id, timeout,
                           "alive" if self.is_alive() else
                           "stopped: %r" % self.error,
                           json.dumps(seen, indent=1)[-6000:]))
                self.cond.wait(min(left, 0.5))

    def check_shapes(self, tc, account_id=None):
        """Every registration event so far has api.md's shape: the
        registration object with all its fields, a known state and error,
        and the top-level copies of state/code/reason/expires."""
        regs = self.registrations(None)
        tc.assertTrue(regs, "no registration events")
        for _, e in regs:
            tc.assertIsInstance(e.get("account_id"), int,
                                "registration event without account_id: %r"
                                % e)
            if account_id is not None and e["account_id"] != account_id:
                continue
            r = e.get("registration")
            tc.assertIsInstance(r, dict, e)
            tc.assertTrue(REG_FIELDS <= set(r), e)
            tc.assertIn(r["state"], STATES, e)
            tc.assertTrue(r["error"] is None or r["error"] in ERRORS, e)
            for key in ("state", "code", "reason", "expires"):
                tc.assertIn(key, e, e)
                tc.assertEqual(e[key], r[key], e)
            tc.assertIsInstance(e.get("seq"), int, e)
            if r["state"] == "registered":
                tc.assertIsNone(r["error"], e)
            if r["retry_at"] is not None:
                parse_utc(r["retry_at"])

    def wait_state(self, account_id, state, timeout=10, since=0, error=None):
        return self.wait_for(
            account_id,
            lambda r: r.get("state") == state
            and (error is None or r.get("error") == error),
            timeout, since, "state=%s error=%s" % (state, error))


_live = set()


def _cleanup_all():
    for d in list(_live):
        try:
            d.close()
        except Exception:
            pass


atexit.register(_cleanup_all)


class Arsphone(Daemon):
    """The daemon with --sip-trace and debug logging; see module doc."""

    def __init__(self, sip_trace=True, log_level="debug", args=()):
        extra = ["--sip-trace"] if sip_trace else []
        super().__init__(args=extra + list(args), log_level=log_level)
        self.events = None
        self.last_events = None
        _live.add(self)

    def close(self):
        self._keep_events()
        super().close()
        _live.discard(self)

    def command(self):
        """setpriv --pdeathsig: the daemon gets SIGTERM if the test process
        is killed without cleaning up (setpriv execs it: same PID)."""
        cmd = super().command()
        if shutil.which("setpriv"):
            cmd = ["setpriv", "--pdeathsig", "TERM", "--"] + cmd
        return cmd

    def start(self, timeout=15):
        super().start(timeout)
        ws = self.ws()
        hello = ws.recv_json(timeout=10)
        if hello.get("type") != "hello":
            raise AssertionError("first event is not hello: %r" % hello)
        self.hello = hello
        self.events = Registrations(ws)
        self.events.start()
        st = self.request("GET", "/api/v1/status")
        if st.status != 200 or not isinstance(st.json, dict):
            raise AssertionError("GET /api/v1/status: %r" % (st,))
        return self

    def _stop_events(self):
        if self.events:
            self.events.stop()
            self.events.ws.close()
            self.events = None

    def stop(self, *args, **kw):
        """SIGTERM (default) and wait; asserts exit status 0. The event
        reader keeps what it saw in last_events."""
        self._keep_events()
        return super().stop(*args, **kw)

    def kill9(self):
        self._keep_events()
        super().kill9()

    def _keep_events(self):
        if self.events:
            self.last_events = self.events
            self._stop_events()

    def log_text(self):
        return self.stderr().decode("utf-8", "replace")

    # ---------------------------------------------------------------- API
    def api(self, method, path, body=None, expect=None):
        resp = self.request(method, path, body)
        if expect is not None and resp.status != expect:
            raise AssertionError("%s %s -> %s, expected %s: %r"
                                 % (method, path, resp.status, expect,
                                    resp.data[:2000]))
        return resp

    def create_account(self, **fields):
        """POST /api/v1/accounts; returns the account object (201)."""
        fields.setdefault("name", "acct-%s" % os.urandom(3).hex())
        return self.api("POST", "/api/v1/accounts", fields, 201).json

    def patch_account(self, account_id, **fields):
        return self.api("PATCH", "/api/v1/accounts/%d" % account_id, fields,
                        200).json

    def delete_account(self, account_id):
        self.api("DELETE", "/api/v1/accounts/%d" % account_id, None, 204)

    def register_now(self, account_id, expect=202):
        return self.api("POST", "/api/v1/accounts/%d/register" % account_id,
                        None, expect)

    def status(self):
        return self.api("GET", "/api/v1/status", None, 200).json

    def registration(self, account_id):
        """The account's registration object from GET /api/v1/status."""
        for acc in self.status().get("accounts", []):
            if acc.get("id") == account_id:
                return acc.get("registration")
        raise AssertionError("account %s not in status" % account_id)

    def wait(self, account_id, state, timeout=10, since=0, error=None):
        """Wait for a registration event with this state (and error)."""
        try:
            return self.events.wait_state(account_id, state, timeout, since,
                                          error)[1]["registration"]
        except AssertionError as e:
            try:
                now = json.dumps(self.registration(account_id))
            except Exception as e2:             # daemon gone
                now = "unavailable (%r)" % e2
            raise AssertionError("%s\nGET /api/v1/status now says: %s"
                                 % (e, now)) from None


def sip_trace_messages(log_text):
    """The SIP messages in the daemon's --sip-trace output, as
    (direction 'sent'/'received', text). The trace prints
    'HH:MM:SS.mmm SIP sent by|received by LABEL (N bytes)' then the
    message; we cut at the next such line or a blank-line end."""
    import re
    out = []
    pat = re.compile(r"^\d\d:\d\d:\d\d\.\d+ SIP (sent|received) by .*$",
                     re.M)
    marks = list(pat.finditer(log_text))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(log_text)
        out.append((m.group(1), log_text[m.end() + 1:end]))
    return out


def trace_requests(log_text, method, direction="sent"):
    out = []
    for d, text in sip_trace_messages(log_text):
        if d == direction and text.startswith(method + " "):
            out.append(text)
    return out


class InteropCase(unittest.TestCase):
    """Base for the interop tests: owns processes, reports on failure."""

    maxDiff = None

    def setUp(self):
        self._owned = []        # (label, object with a log/transcript)
        self.addCleanup(self._cleanup_owned)

    def own(self, obj, label, stop):
        """Register obj for cleanup (stop called in reverse order) and for
        the failure report."""
        self._owned.append((label, obj, stop))
        return obj

    def start_arsphone(self, **kw):
        """A started Arsphone; at the end of the test it gets SIGTERM and
        must exit 0 within 10 s (whatever state its accounts are in)."""
        d = Arsphone(**kw)
        self.own(d, "arsphone", lambda: self._stop_arsphone(d))
        d.start()
        return d

    def _stop_arsphone(self, d):
        try:
            if d.proc:
                d.stop(timeout=10)          # asserts exit status 0
        except AssertionError as e:
            raise AssertionError("at the end of the test: %s\n--- arsphone "
                                 "log ---\n%s" % (e, d.log_text()[-8000:]))
        finally:
            d.close()

    def _failed(self):
        """Has this test (or one of its subtests) failed so far? (During
        cleanups _Outcome.success is reset, so look at the result.)"""
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return False
        for test, _ in list(result.failures) + list(result.errors):
            if test is self or getattr(test, "test_case", None) is self:
                return True
        return False

    def _cleanup_owned(self):
        if self._failed():
            self._report()
        first = None
        for label, obj, stop in reversed(self._owned):
            try:
                stop()
            except Exception as e:              # keep cleaning up
                sys.stderr.write("cleanup of %s: %r\n" % (label, e))
                if first is None:
                    first = e
                    if not self._failed():
                        self._report()
        if first is not None:
            raise first

    def _report(self):
        limit = int(os.environ.get("ARSPHONE_INTEROP_LOG_TAIL", "20000"))
        out = sys.stderr
        for label, obj, _ in self._owned:
            text = ""
            if isinstance(obj, Arsphone):
                text = obj.log_text()
                ev = obj.events or obj.last_events
                if ev:
                    with ev.cond:
                        seen = list(ev.events)
                    out.write("\n======== arsphone events (%s) ========\n%s\n"
                              % (self.id(), "\n".join(
                                  "%.3f %s" % (t, json.dumps(e))
                                  for t, e in seen)[-limit:]))
                    if ev.error:
                        out.write("event reader stopped: %r\n" % ev.error)
            elif hasattr(obj, "transcript"):
                text = obj.transcript()
            elif hasattr(obj, "log") and callable(obj.log):
                text = obj.log()
            out.write("\n======== %s (%s): last %d chars ========\n%s\n"
                      % (label, self.id(), limit, text[-limit:]))
        out.flush()


def in_private_netns():
    return os.environ.get("ARSPHONE_INTEROP_IN_NETNS") == "1"


def run_tests():
    """main() of the test files: re-run inside a private network namespace
    when possible (root + unshare), then unittest.main()."""
    want = os.environ.get("ARSPHONE_INTEROP_NETNS", "1") != "0"
    if (want and not in_private_netns() and os.geteuid() == 0
            and shutil.which("unshare") and shutil.which("ip")):
        env = dict(os.environ, ARSPHONE_INTEROP_IN_NETNS="1")
        cmd = ["unshare", "--net", "--", "sh", "-c",
               'ip link set lo up && exec "$@"', "sh", sys.executable,
               os.path.abspath(sys.argv[0])] + sys.argv[1:]
        probe = subprocess.run(["unshare", "--net", "true"],
                               stderr=subprocess.DEVNULL)
        if probe.returncode == 0:
            os.execvpe("unshare", cmd, env)
        sys.stderr.write("note: cannot make a network namespace; running "
                         "in the host's network (loopback addresses only)\n")
    elif not in_private_netns():
        sys.stderr.write("note: not in a private network namespace "
                         "(loopback addresses only)\n")

    def on_term(signum, frame):
        # a test runner's timeout: unwind so that atexit ends Kamailio
        # and the daemons we started (by their PIDs)
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
