"""Tone WAVs and a Goertzel tone detector (Python standard library only).

make_tone_wav(path, hz) writes a 48 kHz mono 16-bit sine, a whole number of
cycles long so that it loops without a click (Chromium's fake audio capture
loops its --use-file-for-fake-audio-capture file; arsphone's
`--audio-in file:PATH.wav` may too).

detect_in_wav(path, hz) reads a WAV (8/16/24/32-bit PCM, any rate, channels
mixed down) and measures, with a Hann-windowed Goertzel filter over 100 ms
blocks (10 Hz bins), the level at hz against the levels at neighbouring
frequencies (hz +- 100..300 Hz). It is what the tests will run on
arsphone's `--audio-out file:PATH.wav`; the browser side does the same with
an AnalyserNode (sipjs_page/phone.js detectTone).

Levels are dBFS of a sine amplitude: a full-scale sine reads 0, the
0.5-amplitude tones written here read about -6.
"""

import math
import struct
import sys
import wave

RATE = 48000
NEIGHBOUR_OFFSETS = (-300, -200, -100, 100, 200, 300)
FLOOR_DB = -150.0


def make_tone_wav(path, hz, seconds=10, rate=RATE, amplitude=0.5):
    """Write a mono 16-bit sine WAV; seconds is rounded up so the file holds
    a whole number of cycles (seamless loop). Returns the path."""
    if not 20 <= hz < rate / 2:
        raise ValueError("tone %r Hz out of range" % hz)
    # shortest length with whole cycles: n samples with n * hz / rate whole
    g = math.gcd(int(round(hz)), rate) if float(hz).is_integer() else 0
    if g:
        period = rate // g                  # samples per whole-cycle unit
        n = -(-int(seconds * rate) // period) * period
    else:
        n = int(seconds * rate)
    peak = int(32767 * amplitude)
    step = 2 * math.pi * hz / rate
    frames = bytearray()
    pack = struct.Struct("<h").pack
    for i in range(n):
        frames += pack(int(round(peak * math.sin(step * i))))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


def read_wav(path):
    """(rate, [float samples in -1..1], channels mixed down to mono)."""
    with wave.open(path, "rb") as w:
        ch, width, rate, n = (w.getnchannels(), w.getsampwidth(),
                              w.getframerate(), w.getnframes())
        raw = w.readframes(n)
    if width == 1:
        vals = [(b - 128) / 128.0 for b in raw]
    elif width == 2:
        vals = [v / 32768.0 for v in
                struct.unpack("<%dh" % (len(raw) // 2), raw)]
    elif width == 3:
        vals = []
        for i in range(0, len(raw) - 2, 3):
            v = int.from_bytes(raw[i:i + 3], "little", signed=True)
            vals.append(v / 8388608.0)
    elif width == 4:
        vals = [v / 2147483648.0 for v in
                struct.unpack("<%di" % (len(raw) // 4), raw)]
    else:
        raise ValueError("%s: %d-byte samples not supported" % (path, width))
    if ch > 1:
        vals = [sum(vals[i:i + ch]) / ch for i in range(0, len(vals), ch)]
    return rate, vals


def _db(amplitude):
    return 20 * math.log10(amplitude) if amplitude > 0 else FLOOR_DB


def goertzel_amplitude(block, rate, hz, window=None):
    """Amplitude (0..1 for a full-scale sine) of the hz component of block,
    Hann-windowed (window: precomputed weights of len(block))."""
    n = len(block)
    if window is None:
        window = hann(n)
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x, w in zip(block, window):
        s1, s2 = x * w + k * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    # Hann's coherent gain is 0.5
    return 2 * math.sqrt(max(power, 0.0)) / (n * 0.5)


def hann(n):
    return [0.5 - 0.5 * math.cos(2 * math.pi * i / (n - 1)) for i in range(n)]


def rms_dbfs(samples):
    if not samples:
        return FLOOR_DB
    return _db(math.sqrt(sum(x * x for x in samples) / len(samples))
               * math.sqrt(2))


def analyse(samples, rate, hz, block_s=0.1, offsets=NEIGHBOUR_OFFSETS):
    """Level of hz and of its neighbours over the whole of samples, averaged
    in power over block_s blocks. Returns a dict: level_db, neighbour_db
    (mean power of the neighbours), snr_db, blocks, present_blocks (blocks
    where hz stands 20 dB above its neighbours)."""
    n = int(rate * block_s)
    win = hann(n)
    freqs = [hz] + [hz + o for o in offsets if 20 < hz + o < rate / 2]
    totals = [0.0] * len(freqs)
    blocks = present = 0
    for start in range(0, len(samples) - n + 1, n):
        block = samples[start:start + n]
        amps = [goertzel_amplitude(block, rate, f, win) for f in freqs]
        for i, a in enumerate(amps):
            totals[i] += a * a
        blocks += 1
        nb = sum(a * a for a in amps[1:]) / max(1, len(amps) - 1)
        if amps[0] ** 2 > nb * 100 and amps[0] > 1e-4:
            present += 1
    if not blocks:
        return {"hz": hz, "level_db": FLOOR_DB, "neighbour_db": FLOOR_DB,
                "snr_db": 0.0, "blocks": 0, "present_blocks": 0}
    level = _db(math.sqrt(totals[0] / blocks))
    neighbours = _db(math.sqrt(sum(totals[1:]) / max(1, len(totals) - 1)
                               / blocks))
    return {"hz": hz, "level_db": round(level, 1),
            "neighbour_db": round(neighbours, 1),
            "snr_db": round(level - neighbours, 1),
            "blocks": blocks, "present_blocks": present}


def detect_in_wav(path, hz, skip_s=0.5, seconds=None, **kw):
    """analyse() of a WAV file from skip_s on (seconds long, or to the
    end), plus rate, duration_s and rms_db of that part."""
    rate, samples = read_wav(path)
    start = int(skip_s * rate)
    end = len(samples) if seconds is None else start + int(seconds * rate)
    part = samples[start:end]
    res = analyse(part, rate, hz, **kw)
    res.update(rate=rate, duration_s=round(len(samples) / rate, 3),
               rms_db=round(rms_dbfs(part), 1))
    return res


def tone_present(res, min_level_db=-40.0, min_snr_db=20.0):
    """The usual verdict on an analyse()/detect_in_wav() result."""
    return res["level_db"] >= min_level_db and res["snr_db"] >= min_snr_db


if __name__ == "__main__":
    # python3 tones.py make OUT.wav HZ [SECONDS] | detect IN.wav HZ...
    if len(sys.argv) >= 4 and sys.argv[1] == "make":
        make_tone_wav(sys.argv[2], float(sys.argv[3]),
                      float(sys.argv[4]) if len(sys.argv) > 4 else 10)
    elif len(sys.argv) >= 4 and sys.argv[1] == "detect":
        for f in sys.argv[3:]:
            print(detect_in_wav(sys.argv[2], float(f)))
    else:
        sys.exit("usage: tones.py make OUT.wav HZ [SECONDS] | "
                 "detect IN.wav HZ...")
