#!/usr/bin/env python3
"""Reliable provisional responses (RFC 3262, 100rel/PRACK) between arsphone
and SIP.js in Chromium, through the lab's Kamailio and rtpengine (the lab,
the tones and the helpers are lab_case.py's: arsphone sends 440 Hz and
records what it hears, SIP.js sends 880 Hz and analyses what it hears).

SIP.js (506) registers with sipExtension100rel Required (phone.js
register opts.rel100):
  (a) SIP.js calls arsphone with Require: 100rel: arsphone's 180 is
      reliable (Require: 100rel, RSeq), SIP.js PRACKs it (RAck = that RSeq,
      the INVITE's CSeq), arsphone answers the PRACK 200; the test answers
      through the API; both sides hear each other.
  (b) arsphone calls SIP.js (our INVITE says Supported: 100rel): SIP.js
      answers with a reliable 183 carrying its SDP answer (early media);
      arsphone PRACKs it once, the call is "early", then SIP.js answers and
      the call is established with audio both ways.
Each side is checked from what it saw: arsphone's --sip-trace, SIP.js's
own SIP lines.

Run (root): ARSPHONE_BIN=build/arsphone python3 tests/calls/test_arsphone_100rel.py
"""

import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lab_case import LabCase                      # noqa: E402


def header(text, name):
    """The first value of a header in a traced message (None if absent)."""
    m = re.search(r"^%s\s*:\s*(.*?)\r?$" % re.escape(name), text, re.M | re.I)
    return m.group(1).strip() if m else None


def cseq(text):
    m = re.match(r"(\d+)\s+(\S+)", header(text, "CSeq") or "")
    return (int(m.group(1)), m.group(2)) if m else (None, None)


class Arsphone100rel(LabCase):
    """LabCase's lab, with SIP.js requiring 100rel."""
    peer_options = {"rel100": "required"}

    # ------------------------------------------------------------ helpers
    def peer_lines(self, direction, prefix):
        snap = self.peer.snapshot()
        return [(line, cs) for _, d, line, cs in snap["sip"]
                if d == direction and line.startswith(prefix)]

    def wait_for(self, what, fn, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            v = fn()
            if v or time.monotonic() > deadline:
                self.assertTrue(v, "%s: %s" % (what, self.trace()))
                return v
            time.sleep(0.1)

    # -------------------------------------------------------------- tests
    def test_a_sipjs_requires_100rel_calling_arsphone(self):
        self.peer.dial("505")
        incoming = self.wait_incoming()
        invite = self.traced("received", "INVITE ")[0]
        self.assertIn("100rel", header(invite, "Require") or "", invite)

        # our 180 is reliable ...
        ringing = self.wait_for("a 180 sent", lambda: self.traced(
            "sent", "SIP/2.0 180 "))[0]
        self.assertEqual(header(ringing, "Require"), "100rel", ringing)
        rseq = int(header(ringing, "RSeq"))
        self.assertTrue(0 < rseq < 2 ** 31, ringing)
        # ... SIP.js PRACKs it, we answer 200
        prack = self.wait_for("a PRACK received", lambda: self.traced(
            "received", "PRACK "))[0]
        inv_cseq = cseq(invite)[0]
        self.assertEqual(header(prack, "RAck").split(),
                         [str(rseq), str(inv_cseq), "INVITE"], prack)
        ok = self.wait_for("200 to the PRACK", lambda: [
            t for t in self.traced("sent", "SIP/2.0 200 ")
            if cseq(t)[1] == "PRACK"])
        self.assertEqual(cseq(ok[0])[0], cseq(prack)[0], ok[0])
        self.assertEqual(self.peer_lines("in", "SIP/2.0 180 ")[0][0],
                         "SIP/2.0 180 Ringing")
        self.assertTrue(self.peer_lines("out", "PRACK "), self.peer.snapshot())
        self.peer.wait("phone.state === 'ringing'", 10)

        self.post(incoming["id"], "answer")
        self.wait_call(incoming["id"], ("established",))
        self.wait_peer_media()
        # the 200 to the INVITE went out only after the PRACK was answered
        oks = [cseq(t) for d, t in self.trace()
               if d == "sent" and t.startswith("SIP/2.0 200 ")]
        self.assertLess(oks.index(cseq(prack)), oks.index((inv_cseq, "INVITE")),
                        oks)
        self.talk_then_hang_up(incoming["id"], "remote")
        # no 481/5xx anywhere in the call
        self.assertFalse([t for d, t in self.trace()
                          if re.match(r"SIP/2.0 (481|5\d\d) ", t)], self.trace())

    def test_b_arsphone_calls_sipjs_with_reliable_183(self):
        call = self.dial("506")
        invite = self.wait_for("our INVITE", lambda: self.traced(
            "sent", "INVITE "))[-1]
        supported = [s.strip() for s in (header(invite, "Supported") or "").split(",")]
        self.assertIn("100rel", supported, invite)
        self.assertIn("outbound", supported, invite)

        # SIP.js sends its answer in a reliable 183: early media
        early = self.wait_call(call["id"], ("early",))
        self.assertIsNone(early["answered_at"], early)
        rel = [t for t in self.traced("received", "SIP/2.0 18")
               if "100rel" in (header(t, "Require") or "")]
        self.assertTrue(rel, self.trace())
        self.assertIn("application/sdp", header(rel[0], "Content-Type") or "")
        rseq = int(header(rel[0], "RSeq"))
        pracks = self.wait_for("our PRACK", lambda: self.traced("sent", "PRACK "))
        inv_cseq = cseq(rel[0])[0]
        self.assertEqual(header(pracks[0], "RAck"),
                         "%d %d INVITE" % (rseq, inv_cseq), pracks[0])
        self.assertEqual(cseq(pracks[0]), (inv_cseq + 1, "PRACK"), pracks[0])
        self.assertTrue(header(pracks[0], "Route"), pracks[0])
        self.wait_for("200 to our PRACK", lambda: [
            t for t in self.traced("received", "SIP/2.0 200 ")
            if cseq(t)[1] == "PRACK"])
        self.peer.wait("phone.events.some(e => e[1] === 'provisional acknowledged')", 10)

        self.peer.wait("phone.state === 'incoming'", 10)
        self.peer.answer()
        self.wait_call(call["id"], ("established",))
        self.wait_peer_media()
        # one PRACK for each reliable provisional (same RSeq counts once)
        rseqs = {header(t, "RSeq") for t in self.traced("received", "SIP/2.0 18")
                 if "100rel" in (header(t, "Require") or "")}
        self.assertEqual(len(self.traced("sent", "PRACK ")), len(rseqs), self.trace())
        self.talk_then_hang_up(call["id"], "local")


if __name__ == "__main__":
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
