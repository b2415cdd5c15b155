#!/usr/bin/env python3
"""Calls: the harness proved end to end with SIP.js calling SIP.js.

In a fresh network namespace (lab.py): Kamailio + rtpengine, two SIP.js
phones in headless Chromium registered over WSS as 506 (sending 440 Hz) and
507 (sending 880 Hz). Checked:
  - both registered (Kamailio's ul.dump: WS contacts from the veth address);
  - 506 calls 507, 507 answers: each side hears the other's tone at a sane
    level and not its own, media anchored by rtpengine (the ICE pair ends on
    rtpengine's address and ports; rtpengine holds the Call-ID and counted
    packets both ways); the caller hangs up, both sides end;
  - 507 calls 506 and the callee hangs up (BYE the other way);
  - an unknown number: 404 Not Found to the caller;
  - a known user with no registration: 480 Temporarily Unavailable;
  - decline: 603 to the caller; cancel before answer: 487 to the caller,
    the callee's ringing call ends;
  - codecs: a call whose offer has only PCMU, and one whose answer has only
    PCMA, carry both tones through rtpengine.
Timings (launch -> registered, call setup) are printed at the end as one
`calls-sipjs-timings:` JSON line.

Run (root): python3 tests/calls/test_sipjs_to_sipjs.py [-v] [Class.test]
"""

import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lab import CallLab, RTP_PORT_MAX, RTP_PORT_MIN, missing_requirements  # noqa: E402

ACTIVE = ("dialing", "ringing", "incoming", "established")
TIMINGS = {"register": {}, "calls": []}


def t_ms(a, b):
    return None if a is None or b is None else round(b - a, 1)


class SipJsToSipJs(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        why = missing_requirements()
        if why:  # a failure, never a skip counted as a pass
            raise RuntimeError("the call lab cannot run here: " + why)
        cls.lab = CallLab().start()
        try:
            cls.a = cls._phone("a", "506", 440)
            cls.b = cls._phone("b", "507", 880)
        except BaseException:
            sys.stderr.write(cls.lab.report())
            cls.lab.close()
            raise

    @classmethod
    def _phone(cls, name, user, hz):
        t0 = time.monotonic()
        p = cls.lab.phone(name, hz)
        reg = p.register(user, "secret" + user, cls.lab.kam.wss_url())
        TIMINGS["register"][user] = {
            "popen_to_registered_ms": round((time.monotonic() - t0) * 1000),
            "chromium_launch_ms": p.ready["launchMs"],
            "page_load_ms": p.ready["pageMs"],
            "register_ms": round(reg["ms"]),
        }
        p.user = user
        p.hz = hz
        return p

    @classmethod
    def tearDownClass(cls):
        if cls.lab:
            TIMINGS["lab_start_s"] = cls.lab.timings
            sys.stderr.write("calls-sipjs-timings: %s\n" % json.dumps(TIMINGS))
            cls.lab.close()

    def setUp(self):
        # the phones are shared: leave none in a call from an earlier test
        for p in (self.a, self.b):
            if p.state in ACTIVE:
                try:
                    p.hangup()
                except Exception:
                    pass
                p.wait("!%s.includes(phone.state)" % json.dumps(list(ACTIVE)), 10)

    def run(self, result=None):
        """Print every log of the lab when this test fails."""
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            sys.stderr.write("\n==== %s failed: lab logs ====\n%s\n"
                             % (self.id(), self.lab.report()))
            for p in (self.a, self.b):
                sys.stderr.write("%s: %s\n" % (p.name, json.dumps(p.snapshot())))
        return out

    # ------------------------------------------------------------ helpers
    def call(self, caller, callee, answer=True):
        """caller dials callee; callee sees it ringing (from the caller's
        number); answered when answer."""
        caller.dial(callee.user)
        callee.wait("phone.state === 'incoming'", 15)
        self.assertEqual(callee.get("phone.incomingFrom"), caller.user)
        caller.wait("phone.state === 'ringing'", 10)
        self.assertEqual(caller.get("phone.provisional"), "180 Ringing")
        if answer:
            callee.answer()
            for p in (caller, callee):
                p.wait("phone.state === 'established'", 15)
                p.wait("phone.times.media !== undefined", 15)

    def record_setup(self, caller, callee, what):
        ct = caller.get("phone.times")
        et = callee.get("phone.times")
        sip = caller.get("phone.sip")
        inv = [t for t, d, line, cseq in sip
               if d == "out" and line.startswith("INVITE ")
               and t >= ct.get("call", 0)]
        TIMINGS["calls"].append({
            "what": what,
            "call_to_first_invite_ms": t_ms(ct.get("call"), inv[0] if inv else None),
            "call_to_ringing_ms": t_ms(ct.get("call"), ct.get("progress")),
            "call_to_callee_incoming_ms": t_ms(ct.get("call"), et.get("incoming")),
            "answer_to_caller_established_ms": t_ms(et.get("answer"), ct.get("established")),
            "answer_to_callee_established_ms": t_ms(et.get("answer"), et.get("established")),
            "answer_to_caller_media_ms": t_ms(et.get("answer"), ct.get("media")),
            "answer_to_callee_media_ms": t_ms(et.get("answer"), et.get("media")),
        })

    def check_audio(self, p, other_hz, own_hz):
        heard, own = p.detect_tone([other_hz, own_hz], ms=1500)
        TIMINGS.setdefault("audio", []).append(
            {"phone": p.user, "heard": heard, "own": own})
        msg = "%s heard %r / own %r" % (p.name, heard, own)
        # the tones are sent at -6 dBFS; the analyser reads about -20 dB for
        # them (its own scale), silence and noise far below
        self.assertGreater(heard["level_db"], -45, msg)
        self.assertLess(heard["level_db"], 0, msg)
        self.assertGreater(heard["snr_db"], 30, msg)
        self.assertAlmostEqual(heard["peak_hz"], other_hz, delta=15, msg=msg)
        # its own tone is not sent back: far below the other's (not absent:
        # 880 Hz is 440 Hz's second harmonic, and Opus leaves a trace of it
        # about 60 dB down)
        self.assertLess(own["level_db"], heard["level_db"] - 40, msg)
        return heard

    def check_rtpengine_path(self, p, codec="audio/opus"):
        deadline = time.monotonic() + 5
        while True:
            st = p.stats()
            if (st and st["inbound"] and st["outbound"]
                    and st["inbound"]["packetsReceived"] > 50
                    and st["outbound"]["packetsSent"] > 50):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertIsNotNone(st and st["pair"], st)
        addr, port = st["pair"]["remote"].split("/")[0].rsplit(":", 1)
        self.assertEqual(addr, self.lab.ns.addr_a, st)
        self.assertTrue(RTP_PORT_MIN <= int(port) <= RTP_PORT_MAX, st)
        self.assertGreater(st["inbound"]["packetsReceived"], 50, st)
        self.assertGreater(st["outbound"]["packetsSent"], 50, st)
        self.assertEqual(st["codec"], codec, st)
        return st

    def ended(self, p, by, status=None):
        p.wait("phone.state === 'ended'", 15)
        snap = p.snapshot()
        self.assertEqual(snap["endedBy"], by, snap)
        if status is not None:
            self.assertEqual(snap["lastStatus"], status, snap)
        return snap

    # -------------------------------------------------------------- tests
    def test_1_registered(self):
        for user in ("506", "507"):
            contacts = self.lab.kam.contacts(user)
            self.assertEqual(len(contacts), 1, contacts)
            c = contacts[0]
            self.assertIn("transport=ws", c["uri"].lower(), c)
            self.assertIn(self.lab.ns.addr_a, c["received"] or "", c)
            self.assertTrue(c["Socket"].startswith("tls:%s:" % self.lab.ns.addr_a), c)

    def test_2_call_two_way_audio_caller_hangs_up(self):
        a, b = self.a, self.b
        self.call(a, b)
        self.record_setup(a, b, "506->507")
        calls = self.lab.rtp.calls()
        self.assertEqual(len(calls), 1, calls)
        self.check_audio(a, 880, 440)
        self.check_audio(b, 440, 880)
        self.check_rtpengine_path(a)
        self.check_rtpengine_path(b)
        packets = self.lab.rtp.packets(calls[0])
        self.assertEqual(len(packets), 2, packets)
        self.assertTrue(all(n > 50 for n in packets.values()), packets)
        a.hangup()
        self.ended(a, "local")
        snap = self.ended(b, "remote")
        self.assertTrue(any(line.startswith("BYE ") for _, d, line, _ in snap["sip"]
                            if d == "in"), snap)
        deadline = time.monotonic() + 5
        while self.lab.rtp.calls() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.lab.rtp.calls(), [], "rtpengine kept the call")

    def test_3_reverse_call_callee_hangs_up(self):
        a, b = self.a, self.b
        self.call(b, a)
        self.record_setup(b, a, "507->506")
        self.check_audio(b, 440, 880)
        self.check_audio(a, 880, 440)
        a.hangup()                      # the callee ends it
        self.ended(a, "local")
        self.ended(b, "remote")

    def test_4_unknown_number_404(self):
        a = self.a
        a.dial("599")
        snap = self.ended(a, "remote", 404)
        self.assertEqual(snap["lastReason"], "Not Found", snap)
        self.assertNotEqual(self.b.state, "incoming")

    def test_5_known_user_offline_480(self):
        a = self.a
        a.dial("505")
        snap = self.ended(a, "remote", 480)
        self.assertEqual(snap["lastReason"], "Temporarily Unavailable", snap)

    def test_6_decline_603(self):
        a, b = self.a, self.b
        self.call(a, b, answer=False)
        b.decline()
        snap = self.ended(a, "remote", 603)
        self.assertEqual(snap["lastReason"], "Decline", snap)
        self.ended(b, "local", 603)
        self.assertEqual(self.lab.rtp.calls(), [], "rtpengine kept the call")

    def test_7_cancel_before_answer_487(self):
        a, b = self.a, self.b
        self.call(a, b, answer=False)
        a.cancel()
        snap = self.ended(a, "local", 487)
        self.assertEqual(snap["lastReason"], "Request Terminated", snap)
        self.assertTrue(any(line.startswith("CANCEL ") for _, d, line, _ in snap["sip"]
                            if d == "out"), snap)
        self.ended(b, "remote", 487)
        self.assertEqual(self.lab.rtp.calls(), [], "rtpengine kept the call")

    def codec_call(self, caller_codecs, callee_codecs, codec):
        a, b = self.a, self.b
        a.set_codecs(caller_codecs)
        b.set_codecs(callee_codecs)
        try:
            self.call(a, b)
            self.record_setup(a, b, "506->507 %s" % codec)
            for p in (a, b):
                self.check_rtpengine_path(p, codec)
            self.check_audio(a, 880, 440)
            self.check_audio(b, 440, 880)
            a.hangup()
            self.ended(a, "local")
            self.ended(b, "remote")
        finally:
            a.set_codecs(None)
            b.set_codecs(None)

    def test_8_offer_only_pcmu(self):
        self.codec_call(["PCMU"], None, "audio/PCMU")

    def test_9_answer_only_pcma(self):
        self.codec_call(None, ["PCMA"], "audio/PCMA")


def main():
    def on_term(signum, frame):
        # a test runner's timeout: unwind so that cleanup ends every process
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
