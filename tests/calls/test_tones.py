#!/usr/bin/env python3
"""Calls: the tone files and the WAV tone detector (tones.py) by themselves,
so that a failing call test can trust them. No root, no network.

Run: python3 tests/calls/test_tones.py
"""

import math
import os
import shutil
import struct
import sys
import tempfile
import unittest
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tones                                     # noqa: E402


def write_wav(path, rate, channels, frames):
    """frames: list of per-channel float tuples in -1..1 (16-bit PCM)."""
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<%dh" % channels,
                        *[int(round(v * 32767)) for v in f]) for f in frames))


class Tones(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="arsphone-tones-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_tone_file_format_and_loop(self):
        path = tones.make_tone_wav(os.path.join(self.dir, "t.wav"), 440, 2)
        with wave.open(path) as w:
            self.assertEqual((w.getnchannels(), w.getsampwidth(),
                              w.getframerate()), (1, 2, 48000))
            n = w.getnframes()
        # whole cycles: 440 Hz at 48 kHz repeats every 1200 samples
        self.assertEqual(n % 1200, 0)
        self.assertGreaterEqual(n, 2 * 48000)
        rate, s = tones.read_wav(path)
        self.assertAlmostEqual(s[0], 0.0, places=3)
        # the sample after the last one would be the first again
        step = 2 * math.pi * 440 / rate
        self.assertAlmostEqual(math.sin(step * n), 0.0, places=6)

    def test_detects_its_tone_and_not_others(self):
        path = tones.make_tone_wav(os.path.join(self.dir, "t.wav"), 880, 2)
        got = tones.detect_in_wav(path, 880)
        self.assertAlmostEqual(got["level_db"], -6.0, delta=0.5)
        self.assertTrue(tones.tone_present(got), got)
        self.assertEqual(got["present_blocks"], got["blocks"])
        for other in (440, 1000, 700):
            res = tones.detect_in_wav(path, other)
            self.assertFalse(tones.tone_present(res), res)

    def test_mixture_stereo_8k_with_noise_and_silence(self):
        """Both tones of a call mixed, at 8 kHz stereo (what a G.711 sink
        might write), with noise; and a silent file."""
        import random
        rnd = random.Random(4)
        rate = 8000
        frames = []
        for i in range(rate * 2):
            t = i / rate
            v = (0.25 * math.sin(2 * math.pi * 440 * t)
                 + 0.05 * math.sin(2 * math.pi * 880 * t)
                 + rnd.uniform(-0.01, 0.01))
            frames.append((v, v))
        mixed = os.path.join(self.dir, "mixed.wav")
        write_wav(mixed, rate, 2, frames)
        a = tones.detect_in_wav(mixed, 440)
        b = tones.detect_in_wav(mixed, 880)
        self.assertAlmostEqual(a["level_db"], -12.0, delta=1.0)
        self.assertAlmostEqual(b["level_db"], -26.0, delta=1.0)
        self.assertTrue(tones.tone_present(a), a)
        self.assertTrue(tones.tone_present(b), b)
        self.assertFalse(tones.tone_present(tones.detect_in_wav(mixed, 1200)))
        silent = os.path.join(self.dir, "silent.wav")
        write_wav(silent, rate, 1, [(0.0,)] * rate)
        res = tones.detect_in_wav(silent, 440)
        self.assertFalse(tones.tone_present(res), res)
        self.assertLess(res["rms_db"], -100)


if __name__ == "__main__":
    unittest.main(verbosity=2)
