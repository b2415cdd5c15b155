#!/usr/bin/env python3
"""Calls between arsphone and SIP.js in Chromium, through Kamailio and
rtpengine, inside the lab's network namespace (see netns.py).

arsphone (505) sends a 440 Hz tone (--audio-in tone:440) and writes what it
receives to a WAV (--audio-out file:…); SIP.js (506) sends 880 Hz and
analyses what it receives. Each side must hear the other's tone. That
fixture and the helpers are lab_case.py's (LabCase), shared with the other
test_arsphone_* files.

Every test checks both ends: arsphone through its API (GET
/api/v1/calls/{id}: state, end.code, end.reason, end.by; codec) and its
--sip-trace, SIP.js through its phone object (state, endedBy, lastStatus,
the SIP lines it saw). Covered (api.md "Calls", issue 4 "Tests"):
  - two-way audio, hang-up from each side in both directions (1-4);
  - cancel before the answer, either side cancelling (5, 6);
  - decline: arsphone declines (603 to SIP.js), SIP.js declines (603 to us)
    (7, 8);
  - an unknown number (404), a known user with no registration (480, the
    lab's Kamailio), a callee already in a call (SIP.js answers 486) (9);
  - codecs: SIP.js offering only PCMU / only PCMA, and answering our offer
    with only PCMU / only PCMA: tones both ways, codec in the API (c);
  - the daemon's own tones on its speaker (--audio-out file:X.wav puts them
    in X.tones.wav): the ring of an incoming call (440+480 Hz) from the
    INVITE until the answer or the caller's CANCEL, the ringback of our
    call (425 Hz) from the 180 until the answer, no ring at ring_volume 0
    (r);
  - media failure: arsphone's media leg is cut mid-call (nftables inside
    the namespace drops UDP to/from rtpengine's port for it): arsphone ends
    the call itself with a clear reason and sends BYE with a Reason header,
    which SIP.js receives (m).

Run (root): ARSPHONE_BIN=build/arsphone python3 tests/calls/test_arsphone_calls.py
"""

import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tones                                      # noqa: E402
from lab_case import LabCase                      # noqa: E402

# arsphone's own limit for connecting media (media/session.h
# connect_timeout_ms, 10 s) is the only media timeout it has; a cut media
# path mid-call must end the call within it (plus signalling slack).
MEDIA_TIMEOUT_S = 10


class ArsphoneCalls(LabCase):
    """The lab, arsphone with its tones and the helpers are LabCase's
    (lab_case.py)."""

    # ----------------------------------------------------- two-way audio
    def test_1_arsphone_calls_sipjs(self):
        call = self.established_out()
        # the codec is reported by the media layer once it applied the answer
        est = self.get_call(call["id"])
        self.assertIn(est["codec"], ("opus", "OPUS", "PCMU", "PCMA"), est)
        self.talk_then_hang_up(call["id"], "local")

    def test_2_sipjs_calls_arsphone(self):
        incoming = self.established_in()
        self.talk_then_hang_up(incoming["id"], "remote")

    # ------------------------------------------------- hang-up, both ways
    def test_3_arsphone_calls_sipjs_callee_hangs_up(self):
        call = self.established_out()
        self.check_sipjs_heard_us()
        time.sleep(1.5)
        self.peer.hangup()                      # SIP.js sends BYE
        ended = self.ended(call["id"], "remote", None)
        self.assertIsNotNone(ended["answered_at"], ended)
        snap = self.peer_ended("local")
        self.assertTrue(self.peer_saw(snap, "out", "BYE "), snap)
        self.check_arsphone_heard_them()

    def test_4_sipjs_calls_arsphone_callee_hangs_up(self):
        incoming = self.established_in()
        self.check_sipjs_heard_us()
        time.sleep(1.5)
        self.post(incoming["id"], "hangup")     # arsphone sends BYE
        ended = self.ended(incoming["id"], "local", None)
        self.assertIsNotNone(ended["answered_at"], ended)
        snap = self.peer_ended("remote")
        self.assertTrue(self.peer_saw(snap, "in", "BYE "), snap)
        self.assertEqual(len(self.sent("BYE")), 1, self.trace())
        self.check_arsphone_heard_them()

    # --------------------------------------------------- cancel, both ways
    def test_5_arsphone_cancels_before_answer(self):
        call = self.ours_ringing_at_peer()
        self.post(call["id"], "hangup")         # CANCEL
        snap = self.peer_ended("remote", 487)
        self.assertTrue(self.peer_saw(snap, "in", "CANCEL "), snap)
        self.assertEqual(len(self.sent("CANCEL")), 1, self.trace())
        # the INVITE is finished by the 487 (and ACKed hop by hop)
        deadline = time.monotonic() + 5
        while not self.received_final(487) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertTrue(self.received_final(487), self.trace())
        ended = self.ended(call["id"], "local", 487)
        self.assertIsNone(ended["answered_at"], ended)

    def test_6_sipjs_cancels_before_answer(self):
        incoming = self.peer_ringing_here()
        self.peer.cancel()
        ended = self.ended(incoming["id"], "remote", 487)
        self.assertIsNone(ended["answered_at"], ended)
        snap = self.peer_ended("local", 487)
        self.assertEqual(snap["lastReason"], "Request Terminated", snap)
        # and the call cannot be answered any more
        self.post(incoming["id"], "answer", expect=409)

    # -------------------------------------------------- decline, both ways
    def test_7_arsphone_declines(self):
        incoming = self.peer_ringing_here()
        self.post(incoming["id"], "decline")
        ended = self.ended(incoming["id"], "local", 603)
        snap = self.peer_ended("remote", 603)
        self.assertEqual(snap["lastReason"], "Decline", snap)
        self.assertIsNone(ended["answered_at"], ended)

    def test_8_sipjs_declines(self):
        call = self.ours_ringing_at_peer()
        self.peer.decline(603)
        ended = self.ended(call["id"], "remote", 603)
        self.assertTrue(ended["end"]["reason"].startswith("603 Decline"),
                        ended)
        self.peer_ended("local", 603)

    # ---------------------------------------------------- failed call setup
    def test_9a_unknown_number_404(self):
        call = self.dial("599")
        ended = self.ended(call["id"], "remote", 404)
        self.assertTrue(ended["end"]["reason"].startswith("404 Not Found"),
                        ended)
        self.assertEqual(ended["remote_uri"], "sip:599@pbx.arsphone.test",
                         ended)
        self.assertNotEqual(self.peer.state, "incoming")

    def test_9b_known_user_offline_480(self):
        call = self.dial("507")                  # nobody registered 507
        ended = self.ended(call["id"], "remote", 480)
        self.assertTrue(ended["end"]["reason"].startswith(
            "480 Temporarily Unavailable"), ended)

    def test_9c_callee_busy_486(self):
        first = self.ours_ringing_at_peer()
        # SIP.js takes one call at a time: a second one gets 486 Busy Here
        second = self.dial("506")
        ended = self.ended(second["id"], "remote", 486)
        self.assertTrue(ended["end"]["reason"].startswith("486 Busy Here"),
                        ended)
        self.assertEqual(self.peer.state, "incoming")
        self.assertEqual(self.get_call(first["id"])["state"], "ringing")
        self.post(first["id"], "hangup")       # (cancel: test_5 checks it)
        first = self.wait_call(first["id"], ("ended",))
        self.assertEqual(first["end"]["by"], "local", first)
        self.peer_ended("remote", 487)

    # --------------------------------------------------------------- codecs
    def codec_in(self, codec):
        """SIP.js calls us offering only codec."""
        self.peer.set_codecs([codec])
        incoming = self.established_in()
        self.wait_codec(incoming["id"], codec)
        self.check_peer_codec("audio/" + codec)
        self.check_sipjs_heard_us()
        time.sleep(1.5)
        self.peer.hangup()
        self.ended(incoming["id"], "remote", None)
        self.check_arsphone_heard_them()

    def codec_out(self, codec):
        """We call SIP.js (offering all we have); it answers only codec."""
        self.peer.set_codecs([codec])
        call = self.established_out()
        self.wait_codec(call["id"], codec)
        self.check_peer_codec("audio/" + codec)
        self.check_sipjs_heard_us()
        time.sleep(1.5)
        self.post(call["id"], "hangup")
        self.ended(call["id"], "local", None)
        self.peer_ended("remote")
        self.check_arsphone_heard_them()

    def test_c1_sipjs_offers_only_pcmu(self):
        self.codec_in("PCMU")

    def test_c2_sipjs_offers_only_pcma(self):
        self.codec_in("PCMA")

    def test_c3_sipjs_answers_only_pcmu(self):
        self.codec_out("PCMU")

    def test_c4_sipjs_answers_only_pcma(self):
        self.codec_out("PCMA")

    # ---------------------------------------------------- ring and ringback
    def tones_file(self):
        return self.wav[:-len(".wav")] + ".tones.wav"

    def fresh_tones(self):
        if os.path.exists(self.tones_file()):
            os.unlink(self.tones_file())

    def check_tone_played(self, freqs, at_least_s, at_most_s):
        """The tones file is complete (its header written when the tone
        stopped), holds freqs in its first second, and lasted as long as
        the test saw the call ring (at_least_s) but not past the moment the
        call stopped ringing (at_most_s, measured from before the call was
        made)."""
        path = self.tones_file()
        self.assertTrue(os.path.exists(path), "no tone was played")
        for hz in freqs:
            res = tones.detect_in_wav(path, hz, skip_s=0.1, seconds=0.8)
            self.assertTrue(tones.tone_present(res), res)
        dur = tones.detect_in_wav(path, freqs[0], skip_s=0)["duration_s"]
        self.assertGreaterEqual(dur, at_least_s - 0.1)
        self.assertLessEqual(dur, at_most_s + 0.1)
        return dur

    def test_r1_ring_until_answered(self):
        self.fresh_tones()
        t_dial = time.monotonic()
        incoming = self.peer_ringing_here()
        t_seen = time.monotonic()
        time.sleep(1.5)
        t_answer = time.monotonic()
        self.post(incoming["id"], "answer")
        t_answered = time.monotonic()
        dur = self.check_tone_played([440, 480], t_answer - t_seen,
                                     t_answered - t_dial)
        self.wait_call(incoming["id"], ("established",))
        self.peer.hangup()
        self.ended(incoming["id"], "remote", None)
        sys.stderr.write("ring: %.2f s, answer request after %.2f s\n"
                         % (dur, t_answer - t_dial))

    def test_r2_ring_stops_on_cancel(self):
        self.fresh_tones()
        t_dial = time.monotonic()
        incoming = self.peer_ringing_here()
        t_seen = time.monotonic()
        time.sleep(1.0)
        t_cancel = time.monotonic()
        self.peer.hangup()
        self.wait_call(incoming["id"], ("ended",))
        t_ended = time.monotonic()
        self.check_tone_played([440, 480], t_cancel - t_seen,
                               t_ended - t_dial)

    def test_r3_ringback_until_answered(self):
        self.fresh_tones()
        t_dial = time.monotonic()
        call = self.ours_ringing_at_peer()
        self.assertEqual(call["state"], "ringing", call)  # no early media
        t_seen = time.monotonic()
        time.sleep(1.5)
        t_answer = time.monotonic()
        self.peer.answer()
        self.wait_call(call["id"], ("established",))
        t_established = time.monotonic()
        self.check_tone_played([425], t_answer - t_seen,
                               t_established - t_dial)
        self.post(call["id"], "hangup")
        self.ended(call["id"], "local", None)

    def test_r4_no_ring_at_volume_zero(self):
        self.api("PATCH", "/api/v1/settings", {"ring_volume": 0}, expect=200)
        self.addCleanup(self.api, "PATCH", "/api/v1/settings",
                        {"ring_volume": 80}, expect=200)
        self.fresh_tones()
        incoming = self.peer_ringing_here()
        time.sleep(1.0)
        self.assertFalse(os.path.exists(self.tones_file()))
        self.post(incoming["id"], "decline")
        self.ended(incoming["id"], "local", 603)

    # -------------------------------------------------------- media failure
    def rtpengine_port_towards_us(self):
        """rtpengine's media port for arsphone's leg: the m=audio port of
        the SDP arsphone received (the answer to our INVITE)."""
        for t in reversed(self.received_final(200)):
            m = re.search(r"^m=audio (\d+) ", t, re.M)
            if m:
                return int(m.group(1))
        self.fail("no 200 with an SDP in arsphone's trace: %s" % self.trace())

    def cut_media(self, port):
        """Drop UDP to and from rtpengine's port for our leg, inside the
        lab's namespace; returns a function that undoes it."""
        table = "arscut%d" % os.getpid()
        rules = "udp dport %d drop; udp sport %d drop;" % (port, port)
        self.lab.ns.run(["nft", "-f", "-"], input=(
            "table inet %s {\n"
            " chain in { type filter hook input priority 0; policy accept;"
            " %s }\n"
            " chain out { type filter hook output priority 0; policy accept;"
            " %s }\n}\n" % (table, rules, rules)), stdin=None)

        def undo():
            self.lab.ns.run(["nft", "delete", "table", "inet", table],
                            check=False)
        return undo

    def test_m_media_path_cut_mid_call(self):
        call = self.established_out()
        self.check_sipjs_heard_us()
        port = self.rtpengine_port_towards_us()
        undo = self.cut_media(port)
        self.addCleanup(undo)
        t_cut = time.monotonic()
        time.sleep(1)
        # the cut works: nothing of ours reaches SIP.js any more
        before = self.peer.stats()["inbound"]["packetsReceived"]
        try:
            ended = self.wait_call(call["id"], ("ended",),
                                   MEDIA_TIMEOUT_S + 5)
        except AssertionError as e:
            after = self.peer.stats()["inbound"]["packetsReceived"]
            self.post(call["id"], "hangup")
            self.fail("arsphone did not end a call whose media path was cut "
                      "%.0f s ago (rtpengine's port %d for our leg blocked; "
                      "SIP.js received %d packets from us 1 s after the cut, "
                      "%d now): %s" % (time.monotonic() - t_cut, port,
                                       before, after, e))
        took = time.monotonic() - t_cut
        end = ended["end"]
        self.assertEqual(end["by"], "local", ended)
        self.assertIsNone(end["code"], ended)
        self.assertRegex(end["reason"], r"(?i)ice|dtls|media|rtp", ended)
        byes = self.sent("BYE")
        self.assertEqual(len(byes), 1, self.trace())
        m = re.search(r"^Reason:\s*(.+?)\r?$", byes[0], re.M | re.I)
        self.assertTrue(m, byes[0])
        self.assertRegex(m.group(1), r'^SIP\s*;\s*cause=\d+;\s*text=".+"',
                         byes[0])
        snap = self.peer_ended("remote")
        self.assertTrue(self.peer_saw(snap, "in", "BYE "), snap)
        self.assertEqual(snap["lastReasonHeader"], m.group(1).strip(), snap)
        sys.stderr.write("media cut: ended after %.1f s: %r\n"
                         % (took, end["reason"]))


if __name__ == "__main__":
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
