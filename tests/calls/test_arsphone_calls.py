#!/usr/bin/env python3
"""Calls between arsphone and SIP.js in Chromium, through Kamailio and
rtpengine, inside the lab's network namespace (see netns.py).

arsphone (505) sends a 440 Hz tone (--audio-in tone:440) and writes what it
receives to a WAV (--audio-out file:…); SIP.js (506) sends 880 Hz and
analyses what it receives. Each side must hear the other's tone.

Run (root): ARSPHONE_BIN=build/arsphone python3 tests/calls/test_arsphone_calls.py
"""

import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tones                                      # noqa: E402
from lab import CallLab, missing_requirements    # noqa: E402

OURS, THEIRS = 440, 880


class ArsphoneCalls(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        why = missing_requirements()
        if why:
            raise RuntimeError("the call lab cannot run here: " + why)
        if not os.environ.get("ARSPHONE_BIN"):
            raise RuntimeError("set ARSPHONE_BIN")
        cls.lab = CallLab().start()
        try:
            cls.wav = os.path.join(cls.lab.dir, "arsphone-heard.wav")
            cls.d = cls.lab.start_arsphone(args=["--audio-in", "tone:%d" % OURS,
                                                 "--audio-out", "file:" + cls.wav])
            with cls.lab.ns.entered():
                cls.acc = cls.d.create_account(**cls.lab.arsphone_account("505"))
                cls.d.wait(cls.acc["id"], "registered", timeout=15)
            cls.peer = cls.lab.phone("sipjs", THEIRS)
            cls.peer.register("506", "secret506", cls.lab.kam.wss_url())
            cls.peer.user = "506"
        except BaseException:
            sys.stderr.write(cls.lab.report())
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.lab:
            cls.lab.close()

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            sys.stderr.write("\n==== %s failed: lab logs ====\n%s\n"
                             % (self.id(), self.lab.report()))
            sys.stderr.write("sipjs: %s\n" % json.dumps(self.peer.snapshot()))
        return out

    # ------------------------------------------------------------ helpers
    def api(self, method, path, body=None, expect=None):
        with self.lab.ns.entered():
            return self.d.api(method, path, body, expect=expect).json

    def wait_call(self, call_id, states, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            call = self.api("GET", "/api/v1/calls/%d" % call_id, expect=200)
            if call["state"] in states:
                return call
            if time.monotonic() > deadline:
                raise AssertionError("call %d is %s, not %s: %s"
                                     % (call_id, call["state"], states, call))
            time.sleep(0.05)

    def setUp(self):
        # the SIP.js phone is shared: leave it in no call from an earlier test
        if self.peer.state in ("incoming", "ringing", "early", "established", "dialing"):
            try:
                self.peer.hangup()
            except Exception:
                pass

    def check_sipjs_heard_us(self):
        heard, own = self.peer.detect_tone([OURS, THEIRS], ms=1500)
        self.assertGreater(heard["snr_db"], 30, (heard, own))
        self.assertAlmostEqual(heard["peak_hz"], OURS, delta=15, msg=heard)

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

    # -------------------------------------------------------------- tests
    def test_1_arsphone_calls_sipjs(self):
        call = self.api("POST", "/api/v1/calls",
                        {"account_id": self.acc["id"], "to": "506"}, expect=201)
        self.assertEqual(call["direction"], "out")
        self.peer.wait("phone.state === 'incoming'", 15)
        self.wait_call(call["id"], ("ringing", "early"))
        self.peer.answer()
        est = self.wait_call(call["id"], ("established",))
        self.assertIn(est["codec"], ("opus", "OPUS", "PCMU", "PCMA"), est)
        self.peer.wait("phone.times.media !== undefined", 15)
        self.check_sipjs_heard_us()
        time.sleep(1.5)  # enough of their tone in our recording
        self.api("POST", "/api/v1/calls/%d/hangup" % call["id"], expect=200)
        ended = self.wait_call(call["id"], ("ended",))
        self.assertEqual(ended["end"]["by"], "local", ended)
        self.peer.wait("phone.state === 'ended'", 15)
        self.check_arsphone_heard_them()

    def test_2_sipjs_calls_arsphone(self):
        self.peer.dial("505")
        deadline = time.monotonic() + 15
        incoming = None
        while not incoming:
            calls = self.api("GET", "/api/v1/calls", expect=200)["calls"]
            incoming = next((c for c in calls if c["state"] == "incoming"), None)
            if time.monotonic() > deadline:
                self.fail("no incoming call: %s" % calls)
            time.sleep(0.05)
        self.assertEqual(incoming["direction"], "in")
        self.assertIn("506", incoming["remote_uri"])
        self.peer.wait("phone.state === 'ringing'", 10)
        self.api("POST", "/api/v1/calls/%d/answer" % incoming["id"], expect=200)
        self.wait_call(incoming["id"], ("established",))
        self.peer.wait("phone.state === 'established'", 15)
        self.peer.wait("phone.times.media !== undefined", 15)
        self.check_sipjs_heard_us()
        time.sleep(1.5)
        self.peer.hangup()
        ended = self.wait_call(incoming["id"], ("ended",))
        self.assertEqual(ended["end"]["by"], "remote", ended)
        self.check_arsphone_heard_them()


if __name__ == "__main__":
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
