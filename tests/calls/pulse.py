"""A private PulseAudio server for testing `--audio-in auto --audio-out
auto` (the desktop's microphone and speaker) without a sound card.

The server runs inside the lab's namespace (ns.popen, ended by the lab),
speaks only on a unix socket in its own directory (no network, no D-Bus,
no default script: `-n`), and has one null sink, "speaker", whose monitor
is the default source. So whatever arsphone plays on "the speaker" can be
recorded from the monitor (record()), and arsphone's "microphone" hears
what it plays: an echo path a test can check end to end.

Clients find it through PULSE_SERVER (client_env()). Needs the Debian
packages pulseaudio and pulseaudio-utils (parec, pactl) and GStreamer's
pulse plugin (gstreamer1.0-pulseaudio).
"""

import array
import os
import shutil
import time

RATE = 16000


def missing():
    for tool in ("pulseaudio", "parec", "pactl"):
        if not shutil.which(tool):
            return "%s is missing (Debian packages pulseaudio, pulseaudio-utils)" % tool
    return None


class PulseServer:
    def __init__(self, ns, workdir):
        self.ns = ns
        self.dir = os.path.join(workdir, "pulse")
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(self.dir, "native")
        self.log = os.path.join(self.dir, "pulseaudio.log")
        self.proc = None

    def client_env(self):
        return {"PULSE_SERVER": "unix:" + self.socket, "HOME": self.dir,
                "XDG_RUNTIME_DIR": self.dir}

    def _env(self):
        return dict(os.environ, **self.client_env())

    def start(self, timeout=10):
        self.proc = self.ns.popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1",
             "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
             "--load=module-native-protocol-unix socket=%s auth-anonymous=1"
             % self.socket,
             "--load=module-null-sink sink_name=speaker rate=48000 channels=1"],
            label="pulseaudio", log_path=self.log, env=self._env())
        deadline = time.monotonic() + timeout
        while True:
            r = self.ns.run(["pactl", "set-default-source", "speaker.monitor"],
                            check=False, env=self._env())
            if r.returncode == 0:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not start: %s\n%s"
                                   % (r.stderr, self.log_text()))
            time.sleep(0.1)
        info = self.ns.run(["pactl", "info"], env=self._env()).stdout
        if "Default Source: speaker.monitor" not in info:
            raise RuntimeError("default source not set: " + info)
        return self

    def recording(self):
        """Starts recording the speaker; returns a Recording whose stop()
        gives what it played meanwhile."""
        return Recording(self)

    def record(self, seconds):
        """What the speaker plays during the next `seconds`."""
        rec = self.recording()
        time.sleep(seconds)
        return rec.stop()

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""


class Recording:
    """parec of the speaker's monitor into a file, inside the namespace."""

    def __init__(self, server):
        self.server = server
        self.path = os.path.join(server.dir, "rec-%d.raw" % time.monotonic_ns())
        self.proc = server.ns.popen(
            ["parec", "--device=speaker.monitor", "--raw", "--format=s16le",
             "--rate=%d" % RATE, "--channels=1", "--latency-msec=20",
             self.path], label="parec", env=server._env())
        # parec is recording once the file has its first bytes
        deadline = time.monotonic() + 5
        while (not os.path.exists(self.path) or os.path.getsize(self.path) == 0):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("parec does not record: "
                                   + self.server.log_text())
            time.sleep(0.01)

    def stop(self):
        """Floats in -1..1 at RATE (mono)."""
        self.server.ns.stop(self.proc)
        with open(self.path, "rb") as f:
            data = f.read()
        os.unlink(self.path)
        pcm = array.array("h")
        pcm.frombytes(data[:len(data) // 2 * 2])
        return [x / 32768.0 for x in pcm]
