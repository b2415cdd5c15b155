#!/usr/bin/env python3
"""Call history across restarts (api.md "Calls", "Call history"): real
calls through the scripted PBX (tests/interop/fakepbx.py, ws:// on
loopback), then the history read back after `kill -9` and after SIGTERM.

Calls made: an outgoing call the PBX refuses (405 to INVITE), an incoming
call the caller cancels (missed), an incoming call declined through the API
(not missed). Checked: every ended call is stored exactly as the last `call`
event showed it (missed and duration included), GET /api/v1/calls lists
active calls first and then the history newest first, GET /calls/{id} finds
stored calls, ids continue after the stored ones, DELETE
/api/v1/calls/history forgets ended calls but not active ones and sends
`call_history.cleared`, and a deleted account leaves its calls with
account_id null.

As root the file re-runs itself in a private network namespace with only
`lo` (tests/interop/arsphone.py run_tests).

Run: ARSPHONE_BIN=build/arsphone python3 tests/api/test_history.py
"""

import os
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "interop"))

import fakepbx                                    # noqa: E402
import siputil                                    # noqa: E402
from arsphone import InteropCase, run_tests      # noqa: E402

DOMAIN = fakepbx.REALM
CALL_FIELDS = {"id", "account_id", "direction", "remote_uri", "remote_name",
               "state", "created_at", "answered_at", "ended_at", "end",
               "codec", "missed", "duration", "dtmf_sent", "held", "muted"}
OFFER = "\r\n".join([
    "v=0", "o=- 4711 1 IN IP4 127.0.0.1", "s=-", "t=0 0",
    "m=audio 40000 UDP/TLS/RTP/SAVPF 111 0", "c=IN IP4 127.0.0.1",
    "a=rtpmap:111 opus/48000/2", "a=rtpmap:0 PCMU/8000",
    "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuv",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
    "a=setup:actpass", "a=mid:0", "a=sendrecv", "a=rtcp-mux", ""])


class Caller:
    """An incoming call from the PBX's side: INVITE, then CANCEL."""

    def __init__(self, pbx, user="1002", name="Alice Example"):
        self.pbx = pbx
        self.conn = pbx.open_conns()[-1]
        self.ruri = self.conn.contact_uri
        self.branch = "z9hG4bK" + uuid.uuid4().hex[:16]
        self.call_id = uuid.uuid4().hex
        self.from_ = '"%s" <sip:%s@%s>;tag=%s' % (name, user, DOMAIN,
                                                   uuid.uuid4().hex[:8])
        self.uri = "sip:%s@%s" % (user, DOMAIN)

    def _head(self, method):
        return ["%s %s SIP/2.0" % (method, self.ruri),
                "Via: SIP/2.0/WS fakepbx.invalid;branch=" + self.branch,
                "Max-Forwards: 70", "From: " + self.from_,
                "To: <%s>" % self.ruri, "Call-ID: " + self.call_id,
                "CSeq: 1 " + method]

    def invite(self):
        lines = self._head("INVITE") + [
            "Contact: <sip:1002@fakepbx.invalid;transport=ws>",
            "Content-Type: application/sdp",
            "Content-Length: %d" % len(OFFER.encode())]
        self.conn.send_sip("\r\n".join(lines) + "\r\n\r\n" + OFFER)

    def cancel(self):
        lines = self._head("CANCEL") + ["Content-Length: 0"]
        self.conn.send_sip("\r\n".join(lines) + "\r\n\r\n")

    def ack_final(self):
        """ACK the INVITE's final answer (RFC 3261 17.1.1.3)."""
        final = self.pbx.wait_for(lambda: self._final(), 10,
                                  "final answer to INVITE")
        lines = ["ACK %s SIP/2.0" % self.ruri,
                 "Via: SIP/2.0/WS fakepbx.invalid;branch=" + self.branch,
                 "Max-Forwards: 70", "From: " + self.from_,
                 "To: " + final.get("to"), "Call-ID: " + self.call_id,
                 "CSeq: 1 ACK", "Content-Length: 0"]
        self.conn.send_sip("\r\n".join(lines) + "\r\n\r\n")
        return final.status

    def _final(self):
        for _, _, direction, text in self.pbx.log:
            if direction != "in" or not text.startswith("SIP/2.0"):
                continue
            m = siputil.parse(text)
            if (m.get("call-id") == self.call_id and m.status >= 300
                    and m.cseq()[1] == "INVITE"):
                return m
        return None


class CallHistory(InteropCase):

    def setUp(self):
        super().setUp()
        self.pbx = fakepbx.FakePBX()
        self.own(self.pbx, "fake PBX", self.pbx.stop)
        self.pbx.start()
        self.d = self.start_arsphone()
        self.acc = self.d.create_account(
            username="505", domain=DOMAIN, password="secret505",
            server=self.pbx.url())
        self.d.wait(self.acc["id"], "registered", 10)

    # ------------------------------------------------------------ helpers
    def wait_call(self, pred, what, timeout=15, since=0):
        """The first `call` event (from index since) whose call satisfies
        pred."""
        ev = self.d.events
        deadline = time.monotonic() + timeout
        with ev.cond:
            while True:
                for _, e in ev.events[since:]:
                    if e.get("type") == "call" and pred(e["call"]):
                        return e["call"]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no call event: %s; calls seen: %r"
                                         % (what, [e["call"] for _, e in
                                                   ev.events if e.get("type")
                                                   == "call"]))
                ev.cond.wait(min(left, 0.5))

    def wait_ended(self, call_id):
        return self.wait_call(lambda c: c["id"] == call_id
                              and c["state"] == "ended",
                              "call %d ended" % call_id)

    def calls(self):
        return self.d.api("GET", "/api/v1/calls", None, 200).json["calls"]

    def call(self, call_id, expect=200):
        return self.d.api("GET", "/api/v1/calls/%d" % call_id, None,
                          expect).json

    def place(self, to="1001"):
        call = self.d.api("POST", "/api/v1/calls",
                          {"account_id": self.acc["id"], "to": to}, 201).json
        return self.wait_ended(call["id"])

    def ring(self):
        caller = Caller(self.pbx)
        since = self.d.events.mark()
        caller.invite()
        call = self.wait_call(lambda c: c["state"] == "incoming"
                              and c["remote_uri"] == caller.uri,
                              "incoming call from " + caller.uri,
                              since=since)
        return caller, call

    def reconnect_events(self):
        """After a restart: the PBX sees the new registration."""
        self.d.wait(self.acc["id"], "registered", 10)
        self.pbx.wait_for(lambda: self.pbx.open_conns()
                          and self.pbx.open_conns()[-1].contact_uri,
                          10, "registration after restart")

    # -------------------------------------------------------------- tests
    def test_history_survives_restart(self):
        refused = self.place("1001")
        self.assertEqual(refused["direction"], "out")
        self.assertEqual(refused["end"]["code"], 405, refused)
        self.assertEqual(refused["end"]["by"], "remote", refused)
        self.assertIs(refused["missed"], False)
        self.assertIsNone(refused["duration"])

        caller, ringing = self.ring()
        self.assertIs(ringing["missed"], False, "not missed while ringing")
        # muting a ringing call is allowed (answered muted), and at once
        self.assertIs(ringing["muted"], False, ringing)
        muted = self.d.api("POST", "/api/v1/calls/%d/mute" % ringing["id"],
                           None, 200).json
        self.assertIs(muted["muted"], True, muted)
        self.assertEqual(muted["state"], "incoming", muted)
        caller.cancel()
        missed = self.wait_ended(ringing["id"])
        self.assertEqual(caller.ack_final(), 487)
        self.assertIs(missed["missed"], True, missed)
        self.assertIs(missed["muted"], False, "muted once ended")
        for action in ("mute", "unmute"):
            self.d.api("POST", "/api/v1/calls/%d/%s" % (ringing["id"], action),
                       None, 409)
        self.d.api("POST", "/api/v1/calls/999999/mute", None, 404)
        self.assertEqual(missed["remote_name"], "Alice Example")
        self.assertEqual(missed["end"]["by"], "remote")

        caller, ringing = self.ring()
        self.d.api("POST", "/api/v1/calls/%d/decline" % ringing["id"], None,
                   200)
        declined = self.wait_ended(ringing["id"])
        self.assertEqual(caller.ack_final(), 603)
        self.assertIs(declined["missed"], False, declined)

        ended = [declined, missed, refused]
        self.assertEqual([c["id"] for c in ended],
                         sorted((c["id"] for c in ended), reverse=True))
        for c in ended:
            self.assertEqual(set(c), CALL_FIELDS, c)
        self.assertEqual(self.calls(), ended)

        # kill -9 right after the events: each call was on disk when its
        # `ended` event went out.
        self.d.kill9()
        self.d.start()
        self.assertEqual(self.calls(), ended)
        for c in ended:
            self.assertEqual(self.call(c["id"]), c)
        self.reconnect_events()

        # Ids continue after the stored ones.
        after = self.place("1003")
        self.assertEqual(after["id"], declined["id"] + 1)
        self.assertEqual(self.calls(), [after] + ended)

        self.d.restart()
        self.assertEqual(self.calls(), [after] + ended)

    def test_clear_keeps_active_calls(self):
        first = self.place("1001")
        caller, ringing = self.ring()
        listed = self.calls()
        self.assertEqual([c["id"] for c in listed],
                         [ringing["id"], first["id"]],
                         "active calls first, then the history")
        self.assertEqual(listed[0]["state"], "incoming")

        resp = self.d.api("DELETE", "/api/v1/calls/history", None, 204)
        self.assertEqual(resp.data, b"")
        self.wait_event("call_history.cleared")
        self.assertEqual([c["id"] for c in self.calls()], [ringing["id"]])
        self.call(first["id"], 404)
        self.assertEqual(self.d.api("GET", "/api/v1/calls/history").status,
                         405)

        caller.cancel()
        missed = self.wait_ended(ringing["id"])
        caller.ack_final()
        self.assertEqual(self.calls(), [missed])

        # The account goes, its calls stay, without the account.
        self.d.delete_account(self.acc["id"])
        kept = self.call(missed["id"])
        self.assertIsNone(kept["account_id"])
        self.assertEqual({k: v for k, v in kept.items() if k != "account_id"},
                         {k: v for k, v in missed.items()
                          if k != "account_id"})

        self.d.restart()
        self.assertEqual(self.calls(), [kept])

    def wait_event(self, type_, timeout=10):
        ev = self.d.events
        deadline = time.monotonic() + timeout
        with ev.cond:
            while not any(e.get("type") == type_ for _, e in ev.events):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no %s event" % type_)
                ev.cond.wait(min(left, 0.5))
        return [e for _, e in ev.events if e.get("type") == type_][0]


if __name__ == "__main__":
    run_tests()
