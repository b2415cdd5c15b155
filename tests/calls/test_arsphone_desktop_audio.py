#!/usr/bin/env python3
"""arsphone with the desktop's own microphone and speaker (`--audio-in auto
--audio-out auto`), against SIP.js in Chromium through Kamailio and
rtpengine, inside the lab's namespace.

The desktop is a private PulseAudio server in the namespace (pulse.py) with
a null sink as the speaker whose monitor is the default microphone: what
arsphone plays can be recorded, and arsphone's microphone hears it. So:
  - an incoming call rings on the speaker (440+480 Hz) until answered;
  - in the call, SIP.js's 880 Hz tone plays on the speaker, arsphone's
    microphone picks it up and sends it back: SIP.js hears 880 Hz, which
    proves both directions through the desktop's devices;
  - after the hang-up the speaker is silent;
  - our outgoing call plays the ringback (425 Hz) until SIP.js answers.

Run (root): ARSPHONE_BIN=build/arsphone python3 tests/calls/test_arsphone_desktop_audio.py
"""

import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pulse                                      # noqa: E402
import tones                                      # noqa: E402
from lab import CallLab, missing_requirements    # noqa: E402

THEIRS = 880


class DesktopAudio(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        why = missing_requirements() or pulse.missing()
        if why:
            raise RuntimeError("cannot run here: " + why)
        if not os.environ.get("ARSPHONE_BIN"):
            raise RuntimeError("set ARSPHONE_BIN")
        cls.lab = CallLab().start()
        try:
            cls.pa = pulse.PulseServer(cls.lab.ns, cls.lab.dir).start()
            cls.d = cls.lab.start_arsphone(
                args=["--audio-in", "auto", "--audio-out", "auto"],
                env=cls.pa.client_env())
            with cls.lab.ns.entered():
                cls.acc = cls.d.create_account(**cls.lab.arsphone_account("505"))
                cls.d.wait(cls.acc["id"], "registered", timeout=15)
            cls.peer = cls.lab.phone("sipjs", THEIRS)
            cls.peer.register("506", "secret506", cls.lab.kam.wss_url())
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
            sys.stderr.write("\n==== %s failed: lab logs ====\n%s\npulseaudio:\n%s\n"
                             % (self.id(), self.lab.report(), self.pa.log_text()))
            sys.stderr.write("sipjs: %s\n" % json.dumps(self.peer.snapshot()))
        return out

    def api(self, method, path, body=None, expect=None):
        with self.lab.ns.entered():
            return self.d.api(method, path, body, expect=expect).json

    def wait_call(self, pred, what, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            calls = self.api("GET", "/api/v1/calls", expect=200)["calls"]
            found = next((c for c in calls if pred(c)), None)
            if found:
                return found
            if time.monotonic() > deadline:
                self.fail("no call %s: %s" % (what, calls))
            time.sleep(0.05)

    def analyse(self, samples, seconds, freqs):
        self.assertGreater(len(samples), pulse.RATE * seconds * 0.8,
                           "the recording is short")
        return [tones.analyse(samples, pulse.RATE, hz) for hz in freqs]

    def speaker(self, seconds, freqs):
        """Records the speaker; the analysis of each of freqs."""
        return self.analyse(self.pa.record(seconds), seconds, freqs)

    def assert_plays(self, rec, seconds, freqs):
        """rec (a recording started before the tone) holds freqs."""
        time.sleep(seconds)
        for res in self.analyse(rec.stop(), seconds, freqs):
            self.assertTrue(tones.tone_present(res), res)

    def assert_silent(self, seconds):
        samples = self.pa.record(seconds)
        self.assertLess(tones.rms_dbfs(samples), -60)

    def test_1_incoming_rings_then_both_directions_through_the_desktop(self):
        rec = self.pa.recording()
        self.peer.dial("505")
        call = self.wait_call(lambda c: c["state"] == "incoming", "ringing here")
        self.peer.wait("phone.state === 'ringing'", 10)
        self.assert_plays(rec, 1.2, [440, 480])
        self.api("POST", "/api/v1/calls/%d/answer" % call["id"], expect=200)
        self.wait_call(lambda c: c["id"] == call["id"] and c["state"] == "established",
                       "established")
        self.peer.wait("phone.state === 'established'", 15)
        self.peer.wait("phone.times.media !== undefined", 15)
        time.sleep(1.0)
        # the far end's tone on our speaker, and no ring left in it
        played = self.speaker(1.5, [THEIRS, 440, 480])
        self.assertTrue(tones.tone_present(played[0]), played)
        for ring in played[1:]:
            self.assertLess(ring["level_db"], played[0]["level_db"] - 30, played)
        # our microphone hears the speaker: SIP.js gets its own tone back
        heard = self.peer.detect_tone([THEIRS], ms=1500)[0]
        self.assertGreater(heard["snr_db"], 20, heard)
        self.assertAlmostEqual(heard["peak_hz"], THEIRS, delta=15, msg=heard)
        self.peer.hangup()
        self.wait_call(lambda c: c["id"] == call["id"] and c["state"] == "ended",
                       "ended")
        self.assert_silent(1.0)

    def test_2_outgoing_ringback_until_answer(self):
        rec = self.pa.recording()
        call = self.api("POST", "/api/v1/calls",
                        {"account_id": self.acc["id"], "to": "506"}, expect=201)
        self.peer.wait("phone.state === 'incoming'", 15)
        self.wait_call(lambda c: c["id"] == call["id"] and c["state"] == "ringing",
                       "ringing at the far end")
        self.assert_plays(rec, 0.8, [425])
        self.peer.answer()
        self.wait_call(lambda c: c["id"] == call["id"] and c["state"] == "established",
                       "established")
        self.peer.wait("phone.times.media !== undefined", 15)
        time.sleep(1.0)
        played = self.speaker(1.5, [THEIRS, 425])
        self.assertTrue(tones.tone_present(played[0]), played)
        self.assertLess(played[1]["level_db"], played[0]["level_db"] - 30, played)
        self.api("POST", "/api/v1/calls/%d/hangup" % call["id"], expect=200)
        self.wait_call(lambda c: c["id"] == call["id"] and c["state"] == "ended",
                       "ended")
        self.peer.wait("phone.state === 'ended'", 15)
        self.assert_silent(1.0)


if __name__ == "__main__":
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
