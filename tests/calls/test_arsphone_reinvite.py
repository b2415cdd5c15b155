#!/usr/bin/env python3
"""re-INVITEs from SIP.js (in Chromium, through Kamailio and rtpengine) to
arsphone mid-call, in the lab's network namespace (see lab.py):

  - hold and resume: SIP.js puts arsphone on hold (its own hold: a=sendonly
    and its tracks disabled). arsphone answers a=recvonly (its --sip-trace)
    and stops sending (SIP.js's inbound RTP counter stands still); the call
    stays established past arsphone's no-media watchdog (5 s, media/
    session.c) on both sides; taken off hold, tones are heard both ways;
  - session refresh: the same offer again gets the same answer (o= version
    unchanged, RFC 3264 §8), and the audio goes on;
  - codec change: after an Opus call SIP.js re-INVITEs offering only PCMU;
    arsphone answers PCMU, the API's `codec` and a `call` event say PCMU,
    SIP.js receives PCMU carrying our tone, and we hear theirs;
  - our own hold: POST /api/v1/calls/{id}/hold re-INVITEs with a=sendonly,
    SIP.js (Chromium) answers recvonly, `held` turns true (API and a `call`
    event), neither side sends, the call outlives the watchdog; /resume
    brings sendrecv and tones both ways;
  - our own mute: POST /api/v1/calls/{id}/mute makes SIP.js hear silence
    (no 440 Hz, RMS far down) while our RTP keeps arriving (its inbound
    packet counter grows) and no re-INVITE is sent; `muted` is true (API and
    a `call` event); /unmute brings 440 Hz back; an ended call gets 409,
    an unknown one 404.

arsphone sends 440 Hz (--audio-in tone:440) and records what it receives
(--audio-out file:...); SIP.js sends 880 Hz and analyses what it receives.
In-dialog OPTIONS has no SIP.js API: tests/unit/test_sip_call.c covers it.

The lab and the helpers (API, calls, tones, trace) are lab_case.py's.

Run (root): ARSPHONE_BIN=build/arsphone python3 tests/calls/test_arsphone_reinvite.py
"""

import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tones                                        # noqa: E402
from lab_case import LabCase, OURS, THEIRS         # noqa: E402

WATCHDOG_S = 5      # media/session.c SILENCE_LIMIT_S
HOLD_S = WATCHDOG_S + 3


def sdp_direction(sdp):
    m = re.search(r"^a=(sendrecv|sendonly|recvonly|inactive)\r?$", sdp or "",
                  re.M)
    return m.group(1) if m else "sendrecv"


def sdp_setup(sdp):
    m = re.search(r"^a=setup:(\w+)\r?$", sdp or "", re.M)
    return m.group(1) if m else None


def sdp_version(sdp):
    m = re.search(r"^o=\S+ \d+ (\d+) ", sdp or "", re.M)
    return int(m.group(1)) if m else None


def body(msg):
    return msg.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in msg else ""


class ArsphoneReinvite(LabCase):
    # ------------------------------------------------------------ helpers
    def answers_sent(self):
        """The 200s to INVITE arsphone sent since the test started."""
        return [t for t in self.traced("sent", "SIP/2.0 200 ")
                if re.search(r"^CSeq:\s*\d+\s+INVITE", t, re.M | re.I)]

    def wait_held(self, call_id, held, since, timeout=10):
        """The API's `held` and a `call` event say held."""
        deadline = time.monotonic() + timeout
        while True:
            call = self.get_call(call_id)
            evs = [c for c in self.call_events(call_id, since)
                   if c.get("held") is held]
            if call["held"] is held and evs:
                return call
            if time.monotonic() > deadline:
                self.fail("held is not %s: %s; events %s"
                          % (held, call, self.call_events(call_id, since)))
            time.sleep(0.05)

    def reinvite(self, hold=False):
        """SIP.js re-INVITEs; returns arsphone's answer SDP (the 200 it
        sent, from its trace) after checking SIP.js got a 200 with it."""
        n = len(self.answers_sent())
        res = self.peer.reinvite(hold=hold)
        self.assertEqual(res["status"], 200, res)
        deadline = time.monotonic() + 5
        while len(self.answers_sent()) <= n and time.monotonic() < deadline:
            time.sleep(0.05)
        sent = self.answers_sent()
        self.assertGreater(len(sent), n, self.trace())
        return body(sent[-1])

    def inbound_packets(self):
        st = self.peer.stats()
        return (st.get("inbound") or {}).get("packetsReceived", 0)

    def check_silent_hold(self, call_id, what):
        """Held past the watchdog: we send nothing (SIP.js's inbound RTP
        counter stands still) and the call stays up on both sides."""
        time.sleep(1)
        before = self.inbound_packets()
        t0 = time.monotonic()
        time.sleep(HOLD_S)
        got = self.inbound_packets() - before
        self.assertLess(got, 5, "%s: SIP.js got %d packets from us in %.0f s"
                        % (what, got, time.monotonic() - t0))
        call = self.get_call(call_id)
        self.assertEqual(call["state"], "established", call)
        self.assertEqual(self.peer.state, "established")
        sys.stderr.write("%s %.1f s: still established, SIP.js got %d "
                         "packets from us\n" % (what, time.monotonic() - t0,
                                                 got))

    def wait_peer_codec(self, mime, timeout=10):
        """SIP.js receives mime (getStats of its inbound RTP; Chromium
        writes audio/OPUS)."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.peer.stats()
            if st and (st.get("codec") or "").lower() == mime.lower():
                return st
            if time.monotonic() > deadline:
                self.fail("SIP.js receives %s, not %s" % (st, mime))
            time.sleep(0.2)

    def check_heard_them_at_the_end(self, seconds):
        """The last `seconds` arsphone received (its --audio-out WAV, whole
        once the call ended) hold their tone and not ours."""
        deadline = time.monotonic() + 5
        while True:
            total = tones.detect_in_wav(self.wav, THEIRS, skip_s=0)
            if total["duration_s"] > seconds or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        skip = max(0.0, total["duration_s"] - seconds)
        theirs = tones.detect_in_wav(self.wav, THEIRS, skip_s=skip)
        ours = tones.detect_in_wav(self.wav, OURS, skip_s=skip)
        self.assertTrue(tones.tone_present(theirs), (theirs, ours))
        self.assertLess(ours["level_db"], theirs["level_db"] - 20,
                        (theirs, ours))
        return theirs

    def call_events(self, call_id, since):
        with self.d.events.cond:
            evs = list(self.d.events.events[since:])
        return [e["call"] for _, e in evs if e.get("type") == "call"
                and e.get("call", {}).get("id") == call_id]

    # -------------------------------------------------------------- tests
    def test_1_hold_resume_refresh(self):
        call = self.established_in()            # SIP.js called us
        self.check_sipjs_heard_us()
        first = self.answers_sent()
        self.assertEqual(len(first), 1, self.trace())
        self.assertEqual(sdp_direction(body(first[0])), "sendrecv")
        role = sdp_setup(body(first[0]))
        self.assertIn(role, ("active", "passive"), first[0])

        # on hold: we answer recvonly and send nothing
        answer = self.reinvite(hold=True)
        self.assertEqual(sdp_direction(answer), "recvonly", answer)
        self.assertEqual(sdp_setup(answer), role, answer)  # DTLS role kept
        self.check_silent_hold(call["id"], "held by SIP.js")

        # off hold: sendrecv, tones both ways again
        answer = self.reinvite(hold=False)
        self.assertEqual(sdp_direction(answer), "sendrecv", answer)
        version = sdp_version(answer)
        self.assertIsNotNone(version, answer)
        self.check_sipjs_heard_us()

        # session refresh: the same offer, the same answer, audio goes on
        again = self.reinvite(hold=False)
        self.assertEqual(sdp_direction(again), "sendrecv", again)
        self.assertEqual(sdp_setup(again), role, again)
        self.assertEqual(sdp_version(again), version, (answer, again))
        self.check_sipjs_heard_us()
        time.sleep(2.5)
        self.assertEqual(self.get_call(call["id"])["state"], "established")
        self.peer.hangup()
        self.ended(call["id"], "remote", None)
        self.check_heard_them_at_the_end(2.0)

    def test_2_codec_change(self):
        call = self.established_out()           # we called SIP.js
        self.wait_codec(call["id"], "opus")
        self.wait_peer_codec("audio/opus")
        self.check_sipjs_heard_us()
        since = self.d.events.mark()

        self.peer.set_codecs(["PCMU"])
        answer = self.reinvite()
        m = re.search(r"^m=audio \d+ \S+ (.*)$", answer, re.M)
        self.assertTrue(m, answer)
        self.assertEqual(m.group(1).split()[0], "0", answer)   # PCMU
        self.assertNotIn("opus", answer.lower())
        self.assertEqual(sdp_direction(answer), "sendrecv", answer)
        self.assertIn(sdp_setup(answer), ("active", "passive"), answer)
        self.wait_codec(call["id"], "PCMU")
        deadline = time.monotonic() + 5
        while not any(c["codec"] == "PCMU"
                      for c in self.call_events(call["id"], since)):
            if time.monotonic() > deadline:
                self.fail("no call event with codec PCMU: %s"
                          % self.call_events(call["id"], since))
            time.sleep(0.05)
        self.wait_peer_codec("audio/PCMU")
        self.check_sipjs_heard_us()
        time.sleep(2.5)
        self.assertEqual(self.get_call(call["id"])["state"], "established")
        self.post(call["id"], "hangup")
        self.ended(call["id"], "local", None)
        self.peer_ended("remote")
        self.check_heard_them_at_the_end(2.0)

    def test_3_our_hold(self):
        call = self.established_out()
        self.assertIs(call["held"], False, call)
        self.check_sipjs_heard_us()
        since = self.d.events.mark()
        n_inv = len(self.sent("INVITE"))
        t_post = time.time() * 1000
        held = self.post(call["id"], "hold")
        self.assertEqual(held["state"], "established", held)
        self.wait_held(call["id"], True, since)
        invites = self.sent("INVITE")
        self.assertEqual(len(invites), n_inv + 1, self.trace())
        self.assertEqual(sdp_direction(body(invites[-1])), "sendonly",
                         invites[-1])
        # our DTLS role as the first answer settled it, not actpass again
        role = sdp_setup(body(invites[-1]))
        self.assertIn(role, ("active", "passive"), invites[-1])
        answer = body(self.received_final(200)[-1])
        self.assertEqual(sdp_direction(answer), "recvonly", answer)
        snap = self.peer.snapshot()     # SIP.js got it (and answered 200)
        got = [line for at, d, line, _ in snap["sip"]
               if at > t_post and d == "in" and line.startswith("INVITE ")]
        self.assertEqual(len(got), 1, snap)
        # a second hold does nothing
        self.assertIs(self.post(call["id"], "hold")["held"], True)
        self.assertEqual(len(self.sent("INVITE")), n_inv + 1)
        self.check_silent_hold(call["id"], "holding SIP.js")

        since = self.d.events.mark()
        self.post(call["id"], "resume")
        self.wait_held(call["id"], False, since)
        invites = self.sent("INVITE")
        self.assertEqual(sdp_direction(body(invites[-1])), "sendrecv",
                         invites[-1])
        self.assertEqual(sdp_setup(body(invites[-1])), role, invites[-1])
        answer = body(self.received_final(200)[-1])
        self.assertEqual(sdp_direction(answer), "sendrecv", answer)
        self.check_sipjs_heard_us()
        time.sleep(2.5)
        self.post(call["id"], "hangup")
        self.ended(call["id"], "local", None)
        self.peer_ended("remote")
        self.check_heard_them_at_the_end(2.0)
        # on a call that is over: 409
        self.post(call["id"], "hold", expect=409)

    def wait_muted(self, call_id, muted, since):
        """The API's `muted` and a `call` event say muted (mute takes effect
        at once: no negotiation)."""
        self.assertIs(self.get_call(call_id)["muted"], muted)
        evs = [c for c in self.call_events(call_id, since)
               if c.get("muted") is muted]
        self.assertTrue(evs, self.call_events(call_id, since))

    def test_4_our_mute(self):
        call = self.established_out()
        self.assertIs(call["muted"], False, call)
        self.check_sipjs_heard_us()
        n_inv = len(self.sent("INVITE"))
        since = self.d.events.mark()
        muted = self.post(call["id"], "mute")
        self.assertIs(muted["muted"], True, muted)
        self.assertEqual(muted["state"], "established", muted)
        self.wait_muted(call["id"], True, since)
        time.sleep(0.5)  # what was in flight and in SIP.js's jitter buffer
        before = self.inbound_packets()
        heard, theirs = self.peer.detect_tone([OURS, THEIRS], ms=1500)
        got = self.inbound_packets() - before
        sys.stderr.write("muted: SIP.js at %d Hz: snr %.1f dB, rms %.1f dB; "
                         "%d packets from us in 1.5 s\n"
                         % (OURS, heard["snr_db"], heard["rms_db"], got))
        self.assertLess(heard["snr_db"], 10, heard)
        self.assertLess(heard["rms_db"], -60, heard)
        self.assertGreater(got, 50, "our RTP stopped while muted")
        self.assertEqual(len(self.sent("INVITE")), n_inv, self.trace())
        # a second mute does nothing
        self.assertIs(self.post(call["id"], "mute")["muted"], True)

        since = self.d.events.mark()
        self.assertIs(self.post(call["id"], "unmute")["muted"], False)
        self.wait_muted(call["id"], False, since)
        self.check_sipjs_heard_us()
        self.assertEqual(len(self.sent("INVITE")), n_inv, self.trace())
        self.post(call["id"], "mute")
        self.post(call["id"], "hangup")
        ended = self.ended(call["id"], "local", None)
        self.assertIs(self.get_call(call["id"])["muted"], False, ended)
        self.peer_ended("remote")
        listed = [c for c in self.api("GET", "/api/v1/calls", expect=200)
                  ["calls"] if c["id"] == call["id"]]
        self.assertEqual([c["muted"] for c in listed], [False], listed)
        self.post(call["id"], "unmute", expect=409)
        self.post(call["id"], "mute", expect=409)
        self.post(999999, "mute", expect=404)


if __name__ == "__main__":
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
