"""LabCase: the fixture and helpers every arsphone call test shares (no
tests of its own; test_arsphone_calls, _100rel, _reinvite, _dtmf and
_desktop_audio subclass it).

Once per class, in a CallLab (lab.py) of its own: arsphone ($ARSPHONE_BIN)
runs in the namespace with account 505 registered over WSS, and one SIP.js
phone in Chromium (self.peer, user 506) is registered and sends a THEIRS
(880 Hz) tone. By default arsphone sends OURS (440 Hz, --audio-in tone:440)
and writes what it receives to self.wav (--audio-out file:…), which
check_sipjs_heard_us / check_arsphone_heard_them read. Before each test
neither side is left in a call, SIP.js offers all its codecs again, and
trace() starts afresh; a failed test prints every log of the lab.

A subclass changes the fixture with class attributes and hooks:
  lab_options        CallLab(**lab_options)
  peer_options       SipJsPhone.register options (e.g. rel100)
  missing()          why it cannot run here (lab requirements by default)
  arsphone_args(dir) arsphone's arguments, from the lab's directory
  prepare()          before arsphone starts (sockets, servers ...)
  arsphone_env()     added to arsphone's environment (after prepare)
  release()          after the class, before the lab closes
  failure_report()   more text for a failed test's report
"""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tones                                      # noqa: E402
from lab import CallLab, missing_requirements    # noqa: E402
from arsphone import sip_trace_messages          # noqa: E402  (tests/interop, via lab)

OURS, THEIRS = 440, 880
PEER_ACTIVE = ("incoming", "ringing", "early", "established", "dialing")


def heard_wav(lab_dir):
    """Where arsphone's default --audio-out file writes what it hears."""
    return os.path.join(lab_dir, "arsphone-heard.wav")


class LabCase(unittest.TestCase):
    lab = None
    lab_options = {}
    peer_options = {}

    # ------------------------------------------------------ fixture hooks
    @classmethod
    def missing(cls):
        return missing_requirements()

    @classmethod
    def arsphone_args(cls, lab_dir):
        return ["--audio-in", "tone:%d" % OURS,
                "--audio-out", "file:" + heard_wav(lab_dir)]

    @classmethod
    def prepare(cls):
        pass

    @classmethod
    def arsphone_env(cls):
        return {}

    @classmethod
    def release(cls):
        pass

    def failure_report(self):
        return ""

    # ------------------------------------------------------------ fixture
    @classmethod
    def setUpClass(cls):
        why = cls.missing()
        if why:
            raise RuntimeError("the call lab cannot run here: " + why)
        if not os.environ.get("ARSPHONE_BIN"):
            raise RuntimeError("set ARSPHONE_BIN")
        cls.lab = CallLab(**cls.lab_options).start()
        try:
            cls.prepare()
            cls.d = cls.lab.start_arsphone(args=cls.arsphone_args(cls.lab.dir),
                                           env=cls.arsphone_env())
            with cls.lab.ns.entered():
                cls.acc = cls.d.create_account(**cls.lab.arsphone_account("505"))
                cls.d.wait(cls.acc["id"], "registered", timeout=15)
            cls.peer = cls.lab.phone("sipjs", THEIRS)
            cls.peer.register("506", "secret506", cls.lab.kam.wss_url(),
                              **cls.peer_options)
            cls.peer.user = "506"
        except BaseException:
            sys.stderr.write(cls.lab.report())
            try:
                cls.release()
            finally:
                cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.lab:
            try:
                cls.release()
            finally:
                cls.lab.close()

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            sys.stderr.write("\n==== %s failed: lab logs ====\n%s\n%s"
                             % (self.id(), self.lab.report(),
                                self.failure_report()))
            sys.stderr.write("sipjs: %s\n" % json.dumps(self.peer.snapshot()))
        return out

    def setUp(self):
        # the SIP.js phone is shared: leave it in no call from an earlier test
        if self.peer.state in PEER_ACTIVE:
            try:
                self.peer.hangup()
            except Exception:
                pass
        # nor arsphone (an earlier test may have failed half-way); a call
        # that a hang-up does not end is an error here
        for c in self.api("GET", "/api/v1/calls", expect=200)["calls"]:
            if c["state"] != "ended":
                self.api("POST", "/api/v1/calls/%d/hangup" % c["id"])
                self.wait_call(c["id"], ("ended",), 10)
        self.peer.set_codecs(None)
        self.trace_mark = len(self.d.log_text())

    # ------------------------------------------------------- arsphone API
    def api(self, method, path, body=None, expect=None):
        with self.lab.ns.entered():
            return self.d.api(method, path, body, expect=expect).json

    def get_call(self, call_id):
        return self.api("GET", "/api/v1/calls/%d" % call_id, expect=200)

    def post(self, call_id, action, expect=200):
        return self.api("POST", "/api/v1/calls/%d/%s" % (call_id, action),
                        expect=expect)

    def dial(self, to):
        """POST /api/v1/calls; returns the new call (201, direction out)."""
        call = self.api("POST", "/api/v1/calls",
                        {"account_id": self.acc["id"], "to": to}, expect=201)
        self.assertEqual(call["direction"], "out", call)
        return call

    def wait_call(self, call_id, states, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            call = self.get_call(call_id)
            if call["state"] in states:
                return call
            if time.monotonic() > deadline:
                raise AssertionError("call %d is %s, not %s: %s"
                                     % (call_id, call["state"], states, call))
            time.sleep(0.05)

    def wait_incoming(self, timeout=15):
        """The call that is ringing here (state incoming), from 506."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.api("GET", "/api/v1/calls", expect=200)["calls"]
            incoming = next((c for c in calls if c["state"] == "incoming"),
                            None)
            if incoming:
                self.assertEqual(incoming["direction"], "in", incoming)
                self.assertIn("506", incoming["remote_uri"], incoming)
                return incoming
            if time.monotonic() > deadline:
                self.fail("no incoming call: %s" % calls)
            time.sleep(0.05)

    def wait_codec(self, call_id, codec, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            call = self.get_call(call_id)
            if call["codec"] == codec or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(call["codec"], codec, call)
        return call

    def ended(self, call_id, by, code, timeout=15):
        """Our call ended with end == {code, by} and some reason text;
        returns the call."""
        call = self.wait_call(call_id, ("ended",), timeout)
        end = call["end"]
        self.assertIsInstance(end, dict, call)
        self.assertEqual(end["by"], by, call)
        self.assertEqual(end["code"], code, call)
        self.assertIsInstance(end["reason"], str, call)
        self.assertTrue(end["reason"].strip(), call)
        self.assertIsNotNone(call["ended_at"], call)
        return call

    # ------------------------------------------------- calls with SIP.js
    def ours_ringing_at_peer(self):
        """arsphone calls 506; returns the call once both sides ring."""
        call = self.dial("506")
        self.peer.wait("phone.state === 'incoming'", 15)
        self.assertEqual(self.peer.get("phone.incomingFrom"), "505")
        return self.wait_call(call["id"], ("ringing", "early"))

    def peer_ringing_here(self):
        """506 calls arsphone; returns our incoming call once both ring."""
        self.peer.dial("505")
        incoming = self.wait_incoming()
        self.peer.wait("phone.state === 'ringing'", 10)
        return incoming

    def wait_peer_media(self):
        """Both sides established, and SIP.js has media."""
        self.peer.wait("phone.state === 'established'", 15)
        self.peer.wait("phone.times.media !== undefined", 15)

    def established_out(self):
        call = self.ours_ringing_at_peer()
        self.peer.answer()
        self.wait_call(call["id"], ("established",))
        self.wait_peer_media()
        return call

    def established_in(self):
        incoming = self.peer_ringing_here()
        self.post(incoming["id"], "answer")
        self.wait_call(incoming["id"], ("established",))
        self.wait_peer_media()
        return incoming

    def peer_ended(self, by, status=None, timeout=15):
        """The SIP.js phone's call ended (endedBy, lastStatus); returns its
        snapshot."""
        self.peer.wait("phone.state === 'ended'", timeout)
        snap = self.peer.snapshot()
        self.assertEqual(snap["endedBy"], by, snap)
        if status is not None:
            self.assertEqual(snap["lastStatus"], status, snap)
        return snap

    def peer_saw(self, snap, direction, prefix):
        return [line for _, d, line, _ in snap["sip"]
                if d == direction and line.startswith(prefix)]

    def check_peer_codec(self, mime):
        deadline = time.monotonic() + 10
        while True:
            st = self.peer.stats()
            if (st and st["codec"] and st["inbound"]
                    and st["inbound"]["packetsReceived"] > 50):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual((st or {}).get("codec"), mime, st)
        return st

    # ------------------------------------------------ arsphone's SIP trace
    def trace(self):
        """arsphone's --sip-trace messages since this test started."""
        return sip_trace_messages(self.d.log_text()[self.trace_mark:])

    def traced(self, direction, start):
        """The traced messages sent/received that start with start."""
        return [t for d, t in self.trace()
                if d == direction and t.startswith(start)]

    def sent(self, method):
        return self.traced("sent", method + " ")

    def received_final(self, status, method="INVITE"):
        out = []
        for t in self.traced("received", "SIP/2.0 %d " % status):
            m = re.search(r"^CSeq:\s*\d+\s+(\S+)", t, re.M | re.I)
            if m and m.group(1) == method:
                out.append(t)
        return out

    # ---------------------------------- tones (the default audio options)
    @property
    def wav(self):
        return heard_wav(self.lab.dir)

    def check_sipjs_heard_us(self):
        heard, own = self.peer.detect_tone([OURS, THEIRS], ms=1500)
        self.assertGreater(heard["snr_db"], 30, (heard, own))
        self.assertAlmostEqual(heard["peak_hz"], OURS, delta=15, msg=heard)

    def talk_then_hang_up(self, call_id, by):
        """Over an established call each side hears the other's tone, then
        `by` hangs up ("local": arsphone, "remote": SIP.js); the call ends
        on both sides with end.by == by. Returns our ended call."""
        self.check_sipjs_heard_us()
        time.sleep(1.5)  # enough of their tone in our recording
        if by == "local":
            self.post(call_id, "hangup")
        else:
            self.peer.hangup()
        ended = self.wait_call(call_id, ("ended",))
        self.assertEqual(ended["end"]["by"], by, ended)
        self.peer.wait("phone.state === 'ended'", 15)
        self.check_arsphone_heard_them()
        return ended

    def check_arsphone_heard_them(self):
        """arsphone's --audio-out file is complete once its call ended."""
        deadline = time.monotonic() + 5
        while True:
            theirs = tones.detect_in_wav(self.wav, THEIRS, skip_s=0.5)
            if theirs["blocks"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        ours = tones.detect_in_wav(self.wav, OURS, skip_s=0.5)
        self.assertGreater(theirs["duration_s"], 1.0, theirs)
        self.assertTrue(tones.tone_present(theirs), (theirs, ours))
        self.assertLess(ours["level_db"], theirs["level_db"] - 20, (theirs, ours))
