"""CallLab: everything a call interop test needs, in one private namespace.

    lab = CallLab().start()      # namespace, rtpengine, Kamailio, page server
    a = lab.phone("a", 440)      # SIP.js in Chromium, sending a 440 Hz tone
    a.register("506", "secret506", lab.kam.wss_url())
    ...
    lab.close()                  # every process by PID, the namespace, files

Addresses (netns.py's header has the picture): Kamailio WS/WSS and rtpengine
on lab.ns.addr_a (10.232.N.1), the page server on lab.ns.addr_b; the name
pbx.arsphone.test resolves to addr_a inside the namespace. Users 505, 506,
507, password "secret" + user (kamailio_calls.CALL_USERS).

start_arsphone(args) runs $ARSPHONE_BIN inside the namespace (tests/interop's
Arsphone, its command wrapped in `ip netns exec NS setsid`); talk to its API
inside `with lab.ns.entered():` (the calling thread's sockets are then in the
namespace). arsphone_account(user) is the account JSON for it: WSS with the
test CA, host_map pbx.arsphone.test -> addr_a.

ARSPHONE_CALLS_KEEP=1 keeps the work directory (logs, tone files, page).
timings: seconds each start step took, for reports.
"""

import atexit
import os
import shutil
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP = os.path.join(os.path.dirname(HERE), "interop")
sys.path.insert(0, HERE)
sys.path.insert(0, INTEROP)

import certs as certs_mod                        # noqa: E402
import kamailio_calls                            # noqa: E402
import netns                                     # noqa: E402
import rtpengine                                 # noqa: E402
import sipjs                                     # noqa: E402
import tones                                     # noqa: E402

DOMAIN = kamailio_calls.DOMAIN
_live = set()


def _cleanup_all():
    """A test runner's SIGTERM (turned into KeyboardInterrupt by the tests)
    skips tearDownClass: close what is left (runs before netns's hook)."""
    for lab in list(_live):
        try:
            lab.close()
        except Exception as e:                  # keep cleaning up
            sys.stderr.write("call lab cleanup: %r\n" % e)


atexit.register(_cleanup_all)
RTP_PORT_MIN = 30000
RTP_PORT_MAX = 30199


def missing_requirements():
    """Why a call lab cannot run on this machine (None when it can)."""
    if os.geteuid() != 0:
        return "needs root (ip netns)"
    for tool in (netns.IP, rtpengine.RTPENGINE, kamailio_calls.kamailio.KAMAILIO):
        if not shutil.which(tool) and not os.path.exists(tool):
            return "missing " + tool
    return sipjs.missing_requirements()


class CallLab:
    def __init__(self, workdir=None, auth_invite=True, dtmf_log_port=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="arsphone-calls-")
        self.dtmf_log_port = dtmf_log_port  # rtpengine.py: DTMF reports
        self.keep = os.environ.get("ARSPHONE_CALLS_KEEP") == "1"
        self.auth_invite = auth_invite
        self.ns = None
        self.certs = None
        self.rtp = None
        self.kam = None
        self.pages = None
        self.phones = []
        self.daemons = []
        self.timings = {}
        self._tones = {}

    def _step(self, name, fn):
        t0 = time.monotonic()
        value = fn()
        self.timings[name] = round(time.monotonic() - t0, 3)
        return value

    def start(self):
        _live.add(self)
        try:
            self.certs = self._step("certs", lambda: certs_mod.generate(
                os.path.join(self.dir, "certs")))
            self.ns = netns.NetNS()
            self.ns.hosts = {DOMAIN: self.ns.addr_a}
            self._step("netns", self.ns.create)
            self.rtp = rtpengine.RtpEngine(
                self.ns, self.ns.addr_a, port_min=RTP_PORT_MIN,
                port_max=RTP_PORT_MAX, directory=self.dir,
                dtmf_log_port=self.dtmf_log_port)
            self._step("rtpengine", self.rtp.start)
            self.kam = kamailio_calls.KamailioCalls(
                self.ns, self.certs, self.rtp, auth_invite=self.auth_invite)
            self._step("kamailio", self.kam.start)
            page_dir = self._step("page_build", lambda: sipjs.build_page(
                os.path.join(self.dir, "page")))
            self.pages = sipjs.PageServer(
                self.ns, self.ns.addr_b, page_dir, self.certs,
                log_path=os.path.join(self.dir, "pageserver.log"))
            self._step("page_server", self.pages.start)
        except BaseException:
            self.close()
            raise
        return self

    def tone(self, hz, seconds=10):
        """Path of a looping hz tone WAV (made once per lab)."""
        if hz not in self._tones:
            self._tones[hz] = tones.make_tone_wav(
                os.path.join(self.dir, "tone-%g.wav" % hz), hz, seconds)
        return self._tones[hz]

    def phone(self, name, tone_hz):
        """A started SIP.js phone (Chromium) sending a tone_hz tone."""
        p = sipjs.SipJsPhone(self.ns, self.pages.url, self.tone(tone_hz),
                             self.dir, name)
        self.phones.append(p)
        p.start()
        return p

    # ------------------------------------------------------------ arsphone
    def start_arsphone(self, args=(), env=None, **kw):
        """$ARSPHONE_BIN inside the namespace (started and with its event
        reader running; env adds to its environment); stopped by close().
        Use its API inside `with lab.ns.entered():`."""
        from arsphone import Arsphone

        ns = self.ns

        class ArsphoneInNs(Arsphone):
            def command(self):
                return ns.argv(super().command())

        d = ArsphoneInNs(args=list(args), **kw)
        d.env.update(env or {})
        self.daemons.append(d)
        with ns.entered():
            d.start()
        return d

    def arsphone_account(self, user="505", **over):
        acc = {"name": "%s-%s" % (user, uuid.uuid4().hex[:6]),
               "username": user, "domain": DOMAIN,
               "password": kamailio_calls.CALL_USERS[user],
               "server": self.kam.wss_url(),
               "host_map": [{"host": DOMAIN, "address": self.ns.addr_a}],
               "tls": {"mode": "verify", "ca_pem": self.certs.ca_pem},
               "register_expires": 600}
        acc.update(over)
        return acc

    # ------------------------------------------------------------ teardown
    def report(self, limit=12000):
        """Logs of everything, for a failure report."""
        parts = []
        for p in self.phones:
            parts.append(p.report())
        for d in self.daemons:
            parts.append("---- arsphone log ----\n%s"
                         % d.log_text()[-limit:])
        if self.kam:
            parts.append("---- kamailio ----\n%s" % self.kam.log()[-limit:])
        if self.rtp:
            parts.append("---- rtpengine ----\n%s" % self.rtp.log()[-limit:])
        if self.pages:
            parts.append("---- page server ----\n%s"
                         % self.pages.log()[-2000:])
        return "\n".join(parts)

    def close(self):
        _live.discard(self)
        errors = []
        for p in self.phones:
            try:
                p.close()
            except Exception as e:              # keep cleaning up
                errors.append("phone %s: %r" % (p.name, e))
        for d in self.daemons:
            try:
                if d.proc:
                    with self.ns.entered():
                        d.stop(timeout=10)
            except Exception as e:
                errors.append("arsphone: %r" % e)
            finally:
                d.close()
        if self.kam:
            try:
                self.kam.close(keep=True)
            except Exception as e:
                errors.append("kamailio: %r" % e)
        if self.ns:
            try:
                self.ns.close()
            except Exception as e:
                errors.append("netns: %r" % e)
        if self.kam and not self.keep:
            shutil.rmtree(self.kam.dir, ignore_errors=True)
        if self.keep:
            sys.stderr.write("call lab files kept in %s\n" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if errors:
            raise RuntimeError("call lab cleanup: " + "; ".join(errors))
