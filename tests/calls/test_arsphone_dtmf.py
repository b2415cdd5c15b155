#!/usr/bin/env python3
"""DTMF between arsphone and SIP.js in Chromium, through Kamailio and
rtpengine, inside the lab's network namespace (see netns.py).

arsphone (505) sends digits with POST /api/v1/calls/{id}/dtmf; rtpengine,
which relays (and decrypts) every RTP packet between the two, reports each
RFC 4733 event it sees as a JSON datagram (--dtmf-log-dest, rtpengine.py)
to a UDP socket of this test inside the namespace. The test asserts the
exact digit sequence from those reports: what actually went over the
network, as the far end's IVR would read it. Covered (api.md "Calls"):
  - digits on a call we placed and on a call we answered (the
    telephone-event payload number comes from SIP.js's answer, resp. its
    offer through rtpengine) (1, 2);
  - validation: 400 with field codes, 404, 409 call_state before the answer
    and after the end (3);
  - 409 dtmf_not_negotiated when SIP.js answers without telephone-event (4);
  - receiving: SIP.js sends digits (Chromium's RTCDTMFSender), arsphone
    reports each as a `dtmf` event on its event WebSocket (5).
The lab and the call helpers are lab_case.py's.

Run (root): ARSPHONE_BIN=build/arsphone python3 tests/calls/test_arsphone_dtmf.py
"""

import json
import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lab_case import LabCase, OURS                # noqa: E402

DTMF_LOG_PORT = 2290
EVENT_DIGITS = "0123456789*#ABCD"  # RFC 4733 event codes 0-15


class ArsphoneDtmf(LabCase):
    """LabCase's lab, with rtpengine reporting DTMF to self.reports and
    arsphone playing nothing (--audio-out null)."""
    lab_options = {"dtmf_log_port": DTMF_LOG_PORT}
    reports = None

    @classmethod
    def arsphone_args(cls, lab_dir):
        return ["--audio-in", "tone:%d" % OURS, "--audio-out", "null"]

    @classmethod
    def prepare(cls):
        cls.reports = cls.lab.ns.socket(socket.AF_INET, socket.SOCK_DGRAM)
        cls.reports.bind(("127.0.0.1", DTMF_LOG_PORT))

    @classmethod
    def release(cls):
        if cls.reports:
            cls.reports.close()

    def setUp(self):
        super().setUp()
        self.drain_reports()

    # ------------------------------------------------------------ helpers
    def drain_reports(self):
        self.reports.setblocking(False)
        try:
            while True:
                self.reports.recv(65536)
        except BlockingIOError:
            pass

    def reported_digits(self, count, timeout=10):
        """The digits of the next `count` DTMF reports from rtpengine (one
        per event), in order; fewer when the timeout passes."""
        digits, raw = "", []
        deadline = time.monotonic() + timeout
        while len(digits) < count and time.monotonic() < deadline:
            self.reports.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = self.reports.recv(65536)
            except socket.timeout:
                break
            report = json.loads(data)
            raw.append(report)
            event = report.get("event")
            if isinstance(event, int) and 0 <= event < 16:
                digits += EVENT_DIGITS[event]
        self.last_reports = raw
        return digits

    def dtmf(self, call_id, body, expect):
        return self.api("POST", "/api/v1/calls/%d/dtmf" % call_id, body,
                        expect=expect)

    def hangup(self, call_id):
        self.post(call_id, "hangup")
        self.wait_call(call_id, ("ended",))

    # -------------------------------------------------------------- tests
    def test_1_digits_on_a_call_we_placed(self):
        call = self.established_out()
        got = self.dtmf(call["id"], {"digits": "159#"}, expect=202)
        self.assertEqual(got["id"], call["id"])
        self.assertEqual(got["dtmf_sent"], "159#")
        # queued behind the first batch; lower-case a-d count as A-D
        got = self.dtmf(call["id"], {"digits": "*0ad"}, expect=202)
        self.assertEqual(got["dtmf_sent"], "159#*0AD")
        digits = self.reported_digits(8)
        self.assertEqual(digits, "159#*0AD", self.last_reports)
        # each event lasted 100 ms (rtpengine reports milliseconds; our
        # events grow in 20 ms packets)
        for r in self.last_reports:
            self.assertGreaterEqual(r.get("duration"), 100, r)
            self.assertLessEqual(r.get("duration"), 120, r)
        self.assertEqual(self.reported_digits(1, timeout=1), "",
                         "an event was reported twice: %s" % self.last_reports)
        self.hangup(call["id"])

    def test_2_digits_on_a_call_we_answered(self):
        call = self.established_in()
        self.dtmf(call["id"], {"digits": "2468", "duration_ms": 200}, expect=202)
        digits = self.reported_digits(4)
        self.assertEqual(digits, "2468", self.last_reports)
        for r in self.last_reports:
            self.assertGreaterEqual(r.get("duration"), 200, r)
            self.assertLessEqual(r.get("duration"), 220, r)
        self.hangup(call["id"])

    def test_3_validation_and_state(self):
        ringing = self.ours_ringing_at_peer()
        err = self.dtmf(ringing["id"], {"digits": "1"}, expect=409)["error"]
        self.assertEqual(err["code"], "call_state", err)
        self.peer.answer()
        cid = ringing["id"]
        self.wait_call(cid, ("established",))
        bad = [
            ({"digits": "12x"}, "digits", "bad_characters"),
            ({"digits": ""}, "digits", "required"),
            ({"digits": "1" * 33}, "digits", "too_long"),
            ({"digits": 5}, "digits", "wrong_type"),
            ({}, "digits", "required"),
            ({"digits": "1", "tone": 1}, "tone", "unknown_field"),
            ({"digits": "1", "duration_ms": 10}, "duration_ms", "out_of_range"),
            ({"digits": "1", "duration_ms": "x"}, "duration_ms", "wrong_type"),
        ]
        for body, field, code in bad:
            err = self.dtmf(cid, body, expect=400)["error"]
            self.assertEqual(err["code"], "validation_failed", (body, err))
            self.assertEqual(err["field_codes"].get(field), code, (body, err))
            self.assertTrue(err["fields"][field], err)
        err = self.dtmf(999999, {"digits": "1"}, expect=404)["error"]
        self.assertEqual(err["code"], "not_found")
        self.assertEqual(self.reported_digits(1, timeout=1), "",
                         "refused digits were sent: %s" % self.last_reports)
        self.assertEqual(self.get_call(cid)["dtmf_sent"], "")
        self.hangup(cid)
        err = self.dtmf(cid, {"digits": "1"}, expect=409)["error"]
        self.assertEqual(err["code"], "call_state", err)

    def test_4_far_end_without_telephone_event(self):
        self.peer.set_codecs(["opus", "PCMU", "PCMA"], events=False)
        call = self.established_out()
        err = self.dtmf(call["id"], {"digits": "1"}, expect=409)["error"]
        self.assertEqual(err["code"], "dtmf_not_negotiated", err)
        self.assertIn("telephone-event", err["message"])
        self.assertEqual(self.reported_digits(1, timeout=1), "")
        self.hangup(call["id"])

    def test_5_digits_from_the_far_end(self):
        call = self.established_out()
        # SIP.js may start sending before arsphone's leg through rtpengine
        # is up (ICE/DTLS): wait until arsphone's audio reaches SIP.js
        deadline = time.monotonic() + 10
        while True:
            inbound = (self.peer.stats() or {}).get("inbound") or {}
            if inbound.get("packetsReceived", 0) > 10:
                break
            self.assertLess(time.monotonic(), deadline, "no audio from arsphone")
            time.sleep(0.1)
        mark = len(self.d.events.events)
        self.assertTrue(self.peer.send_dtmf("73*#"))
        deadline = time.monotonic() + 10
        got = ""
        while len(got) < 4 and time.monotonic() < deadline:
            got = "".join(e["digit"] for _, e in self.d.events.events[mark:]
                          if e.get("type") == "dtmf" and e.get("call_id") == call["id"])
            time.sleep(0.05)
        self.assertEqual(got, "73*#")
        self.assertEqual(self.reported_digits(4), "73*#", self.last_reports)
        self.hangup(call["id"])


if __name__ == "__main__":
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
