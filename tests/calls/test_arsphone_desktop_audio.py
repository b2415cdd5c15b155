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
The lab and the call helpers are lab_case.py's.

Run (root): ARSPHONE_BIN=build/arsphone python3 tests/calls/test_arsphone_desktop_audio.py
"""

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pulse                                      # noqa: E402
import tones                                      # noqa: E402
from lab_case import LabCase, THEIRS              # noqa: E402


class DesktopAudio(LabCase):
    """LabCase's lab, with a PulseAudio server as arsphone's desktop."""
    pa = None

    @classmethod
    def missing(cls):
        return super().missing() or pulse.missing()

    @classmethod
    def arsphone_args(cls, lab_dir):
        return ["--audio-in", "auto", "--audio-out", "auto"]

    @classmethod
    def prepare(cls):
        cls.pa = pulse.PulseServer(cls.lab.ns, cls.lab.dir).start()

    @classmethod
    def arsphone_env(cls):
        return cls.pa.client_env()

    def failure_report(self):
        return "pulseaudio:\n%s\n" % self.pa.log_text()

    # ------------------------------------------------------------ helpers
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
        call = self.peer_ringing_here()
        self.assert_plays(rec, 1.2, [440, 480])
        self.post(call["id"], "answer")
        self.wait_call(call["id"], ("established",))
        self.wait_peer_media()
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
        self.wait_call(call["id"], ("ended",))
        self.assert_silent(1.0)

    def test_2_outgoing_ringback_until_answer(self):
        rec = self.pa.recording()
        call = self.ours_ringing_at_peer()
        self.assertEqual(call["state"], "ringing", call)   # no early media
        self.assert_plays(rec, 0.8, [425])
        self.peer.answer()
        self.wait_call(call["id"], ("established",))
        self.wait_peer_media()
        time.sleep(1.0)
        played = self.speaker(1.5, [THEIRS, 425])
        self.assertTrue(tones.tone_present(played[0]), played)
        self.assertLess(played[1]["level_db"], played[0]["level_db"] - 30, played)
        self.post(call["id"], "hangup")
        self.wait_call(call["id"], ("ended",))
        self.peer.wait("phone.state === 'ended'", 15)
        self.assert_silent(1.0)


if __name__ == "__main__":
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
