#!/usr/bin/env python3
"""Interop: arsphone against the scripted SIP-over-WebSocket server
(tests/interop/fakepbx.py), for what a real server will not do on demand:
a missing subprotocol, malformed answers, CRLF keepalives, a connection
dropped mid-transaction, double and stale digest challenges, 423, 503 with
Retry-After, several Contacts in the 200, requests sent to the client, and
TLS trust failures. Expected outcomes are those of schema/api.md
("Registration"), observed through GET /api/v1/status and `registration`
events; what reached the wire is checked in the PBX's own records.

Run: ARSPHONE_BIN=build/arsphone python3 tests/interop/test_fakepbx.py
"""

import os
import shutil
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import certs as certs_mod                        # noqa: E402
import fakepbx                                   # noqa: E402
import siputil                                   # noqa: E402
from arsphone import (InteropCase, REG_FIELDS, in_private_netns,  # noqa
                      parse_utc, run_tests)

CERTS = None
DOMAIN = "pbx.arsphone.test"


def setUpModule():
    global CERTS
    CERTS = certs_mod.generate()


def tearDownModule():
    if CERTS:
        shutil.rmtree(CERTS.dir, ignore_errors=True)


class PbxCase(InteropCase):

    def start_pbx(self, secure=True, **kw):
        p = fakepbx.FakePBX(certs=CERTS if secure else None, **kw)
        self.own(p, "fake PBX", p.stop)
        return p.start()

    def account(self, pbx, user="505", **over):
        acc = {"name": "%s-%s" % (user, uuid.uuid4().hex[:6]),
               "username": user, "domain": DOMAIN,
               "password": "secret" + user, "server": pbx.url(),
               "register_expires": 600}
        if pbx.secure:
            acc["tls"] = {"mode": "verify", "ca_pem": CERTS.ca_pem}
        acc.update(over)
        return acc

    def setup_registered(self, pbx_kw=None, secure=True, **acc_over):
        pbx = self.start_pbx(secure=secure, **(pbx_kw or {}))
        d = self.start_arsphone()
        acc = d.create_account(**self.account(pbx, **acc_over))
        reg = d.wait(acc["id"], "registered", 10)
        self.check_registered(reg)
        return pbx, d, acc, reg

    def check_registered(self, reg):
        self.assertTrue(REG_FIELDS <= set(reg), reg)
        self.assertEqual(reg["code"], 200, reg)
        self.assertIsNone(reg["error"], reg)
        self.assertIsInstance(reg["expires"], int, reg)

    def check_failed(self, reg, error):
        self.assertTrue(REG_FIELDS <= set(reg), reg)
        self.assertEqual(reg["state"], "failed", reg)
        self.assertEqual(reg["error"], error, reg)
        self.assertIsNone(reg["expires"], reg)
        self.assertIsInstance(reg["reason"], str, reg)
        self.assertTrue(reg["reason"], reg)

    def states_since(self, d, acc_id, mark):
        return [(e["registration"]["state"], e["registration"]["error"])
                for _, e in d.events.registrations(acc_id, mark)]

    def check_no_secrets(self, d, pbx, passwords):
        log = d.log_text()
        self.assertIn("REGISTER sip:", log, "no --sip-trace output")
        for pw in passwords:
            self.assertNotIn(pw, log, "a password is in the daemon's log")
        responses = [a["response"] for a in pbx.auth_checks if a["response"]]
        self.assertTrue(responses, "no Authorization reached the PBX")
        for value in responses:
            self.assertNotIn(value, log, "a digest response value is in "
                             "the daemon's log")
        for a in pbx.auth_checks:
            if a["cnonce"]:
                self.assertNotIn(a["cnonce"], log, "the cnonce of an "
                                 "Authorization is logged: the header was "
                                 "not redacted")


class T1Handshake(PbxCase):

    def test_ws_no_subprotocol(self):
        pbx = self.start_pbx(subprotocol=False)
        d = self.start_arsphone()
        acc = d.create_account(**self.account(pbx))
        reg = d.wait(acc["id"], "failed", 10)
        self.check_failed(reg, "ws_no_subprotocol")
        self.assertTrue(pbx.handshakes, "no handshake reached the PBX")
        head = pbx.handshakes[0][2].lower()
        self.assertIn("sec-websocket-protocol: sip", head,
                      "the client did not offer the sip subprotocol")
        self.assertEqual(pbx.registers, [],
                         "SIP sent although 'sip' was not confirmed")

    def test_handshake_refused(self):
        pbx = self.start_pbx(handshake_status=403)
        d = self.start_arsphone()
        acc = d.create_account(**self.account(pbx))
        reg = d.wait(acc["id"], "failed", 10)
        self.check_failed(reg, "ws_handshake_failed")
        self.assertEqual(reg["code"], 403, reg)

    def test_connection_refused(self):
        d = self.start_arsphone()
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        acc = d.create_account(**{
            "name": "dead", "username": "505", "domain": DOMAIN,
            "password": "secret505", "server": "ws://127.0.0.1:%d/" % port})
        reg = d.wait(acc["id"], "failed", 10)
        self.check_failed(reg, "connection_refused")
        self.assertEqual(reg["target"], "127.0.0.1:%d" % port, reg)
        self.assertIsNotNone(reg["retry_at"], "connection_refused is "
                             "retried, so retry_at is due: %r" % reg)

    @unittest.skipUnless(in_private_netns(), "needs the private network "
                         "namespace (a lookup must not leave the machine)")
    def test_dns_failed(self):
        pbx = self.start_pbx()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(
            pbx, server="wss://%s:%d/ws" % (DOMAIN, pbx.port)))
        reg = d.wait(acc["id"], "failed", 20)
        self.check_failed(reg, "dns_failed")


class T2Tls(PbxCase):

    def test_untrusted_self_signed(self):
        pbx = self.start_pbx(cert="self")
        d = self.start_arsphone()
        acc = d.create_account(**self.account(pbx))
        reg = d.wait(acc["id"], "failed", 10)
        self.check_failed(reg, "tls_untrusted")
        self.assertEqual(reg["certificate"]["sha256"], CERTS.self_sha256)
        self.assertEqual(pbx.registers, [])
        # trust it by pinning: registered
        mark = d.events.mark()
        d.patch_account(acc["id"], tls={"mode": "pin",
                                        "pin_sha256": CERTS.self_sha256})
        self.check_registered(d.wait(acc["id"], "registered", 10, mark))

    def test_name_mismatch(self):
        """A certificate from a trusted CA for another name: by IP address
        in the URL, and by host name (through host_map)."""
        pbx = self.start_pbx(cert="other")
        d = self.start_arsphone()
        urls = {"ip": (pbx.url(), []),
                "name": (pbx.url(host=DOMAIN),
                         [{"host": DOMAIN, "address": "127.0.0.1"}])}
        for kind, (url, host_map) in urls.items():
            with self.subTest(server=kind):
                acc = d.create_account(**self.account(
                    pbx, server=url, host_map=host_map))
                reg = d.wait(acc["id"], "failed", 10)
                self.check_failed(reg, "tls_name_mismatch")
                self.assertEqual(reg["certificate"]["sha256"],
                                 CERTS.other_sha256)
                d.patch_account(acc["id"], enabled=False)
        self.assertEqual(pbx.registers, [])

    def test_pin_mismatch(self):
        pbx = self.start_pbx(cert="server")
        d = self.start_arsphone()
        acc = d.create_account(**self.account(
            pbx, tls={"mode": "pin", "pin_sha256": CERTS.self_sha256}))
        reg = d.wait(acc["id"], "failed", 10)
        self.check_failed(reg, "tls_pin_mismatch")
        self.assertEqual(reg["certificate"]["sha256"], CERTS.server_sha256)
        self.assertEqual(pbx.registers, [])

    def test_insecure_mode(self):
        pbx = self.start_pbx(cert="self")
        d = self.start_arsphone()
        acc = d.create_account(**self.account(
            pbx, tls={"mode": "insecure"}))
        self.check_registered(d.wait(acc["id"], "registered", 10))


class T3Answers(PbxCase):

    def test_malformed_response_dropped(self):
        pbx, d, acc, reg = self.setup_registered(
            {"malformed_first": True})
        # the malformed answers granted 7 s; the good one 600
        self.assertEqual(reg["expires"], 600, reg)
        self.assertEqual(d.registration(acc["id"])["expires"], 600)
        self.assertEqual(len(pbx.conns), 1, "reconnected after garbage")
        # one transaction for the authenticated REGISTER, no resend loop
        time.sleep(1)
        authed = [m for _, _, m in pbx.registers if m.get("authorization")]
        self.assertEqual(len(authed), 1, [m.raw for m in authed])

    def test_crlf_keepalives(self):
        pbx, d, acc, reg = self.setup_registered({"keepalive_interval": 0.5})
        mark = d.events.mark()
        n_log = len([x for x in pbx.log if x[2] == "in"])
        pbx.wait_for(lambda: pbx.keepalives_sent() >= 8, 10, "keepalives")
        time.sleep(0.5)
        self.assertEqual(len(pbx.conns), 1, "connection replaced")
        self.assertTrue(pbx.conns[0].open, pbx.conns[0].close_reason)
        got = [x for x in pbx.log if x[2] == "in"][n_log:]
        self.assertEqual(got, [], "the client answered keepalives with "
                         "SIP: %r" % got)
        # a "\r\n" pong (RFC 5626) is allowed; nothing else
        for _, _, op, payload in pbx.frames:
            if op in (siputil.OP_TEXT, siputil.OP_BINARY):
                self.assertEqual(payload.strip(), b"", payload)
        self.assertEqual(self.states_since(d, acc["id"], mark), [],
                         "registration changed during keepalives")
        self.assertEqual(d.registration(acc["id"])["state"], "registered")

    def test_connection_dropped_mid_transaction(self):
        pbx = self.start_pbx(drop_first_register=True)
        d = self.start_arsphone()
        acc = d.create_account(**self.account(pbx))
        reg = d.wait(acc["id"], "registering", 10, error="connection_lost")
        self.assertIsNone(reg["expires"], reg)
        reg = d.wait(acc["id"], "registered", 15)
        self.check_registered(reg)
        self.assertGreaterEqual(len(pbx.conns), 2)
        states = self.states_since(d, acc["id"], 0)
        self.assertNotIn("failed", [s for s, _ in states[:states.index(
            ("registering", "connection_lost")) + 1]], states)

    def test_double_challenge_sha256_chosen(self):
        pbx, d, acc, reg = self.setup_registered(
            {"algorithms": ["SHA-256", "MD5"]})
        self.assertTrue(pbx.auth_checks)
        for a in pbx.auth_checks:
            self.assertEqual(a["algorithm"].upper(), "SHA-256", a["header"])
            self.assertTrue(a["ok"], a)
            self.assertTrue(a["uri_matches"], a)
            self.assertEqual(a["qop"], "auth", a)
        self.check_no_secrets(d, pbx, ["secret505"])

    def test_stale_nonce(self):
        pbx, d, acc, reg = self.setup_registered({"stale_once": True})
        oks = [a for a in pbx.auth_checks if a["ok"]]
        self.assertGreaterEqual(len(oks), 2, pbx.auth_checks)
        self.assertNotEqual(oks[0]["nonce"], oks[1]["nonce"],
                            "retried with the stale nonce")
        self.assertTrue(all(a["nonce_known"] for a in oks), oks)
        states = self.states_since(d, acc["id"], 0)
        self.assertNotIn(("failed", "wrong_password"), states)
        self.assertFalse([s for s in states if s[0] == "failed"], states)
        self.check_no_secrets(d, pbx, ["secret505"])

    def test_wrong_password(self):
        pbx = self.start_pbx()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(pbx, password="nope-nope"))
        reg = d.wait(acc["id"], "failed", 10)
        self.check_failed(reg, "wrong_password")
        self.assertEqual(reg["code"], 401, reg)
        n = len(pbx.registers)
        time.sleep(3)
        self.assertEqual(len(pbx.registers), n, "retried a wrong password")
        self.assertIsNone(d.registration(acc["id"])["retry_at"])
        # POST /register tries again at once (and fails the same way)
        mark = d.events.mark()
        resp = d.register_now(acc["id"])
        self.assertIsInstance(resp.json, dict, resp)
        self.assertIn("state", resp.json, resp.json)
        pbx.wait_for(lambda: len(pbx.registers) > n, 5, "a new REGISTER")
        reg = d.wait(acc["id"], "failed", 10, since=mark)
        self.check_failed(reg, "wrong_password")
        self.check_no_secrets(d, pbx, ["nope-nope"])

    def test_403_404_no_password(self):
        cases = [([(403, "Forbidden", [])], {}, "wrong_password", 403),
                 ([(404, "Not Found", [])], {}, "unknown_user", 404),
                 ((), {"password": None}, "no_password", 401)]
        for scripted, over, error, code in cases:
            with self.subTest(error=error):
                pbx = self.start_pbx(scripted=scripted)
                d = self.start_arsphone()
                acc = d.create_account(**self.account(pbx, **over))
                reg = d.wait(acc["id"], "failed", 10)
                self.check_failed(reg, error)
                self.assertEqual(reg["code"], code, reg)

    def test_423_min_expires(self):
        pbx, d, acc, reg = self.setup_registered({"min_expires": 3600})
        self.assertEqual(reg["expires"], 3600, reg)
        asked = [pbx._requested_expires(m) for _, _, m in pbx.registers]
        self.assertIn(600, asked)
        self.assertEqual(asked[-1], 3600, asked)
        self.assertEqual([c for _, _, c, _ in pbx.answers].count(423), 1)

    def test_503_retry_after(self):
        pbx = self.start_pbx(
            scripted=[(503, "Service Unavailable", ["Retry-After: 5"])])
        d = self.start_arsphone()
        acc = d.create_account(**self.account(pbx))
        t_fail, ev = d.events.wait_state(acc["id"], "failed", 10)
        reg = ev["registration"]
        self.check_failed(reg, "server_error")
        self.assertEqual(reg["code"], 503, reg)
        t_503 = [t for t, _, c, _ in pbx.answers if c == 503][0]
        self.assertIsNotNone(reg["retry_at"], reg)
        due = parse_utc(reg["retry_at"])
        self.assertGreaterEqual(due, t_503 + 5 - 1.0,
                                "retry_at ignores Retry-After: %r" % reg)
        self.assertLessEqual(due, t_503 + 5 + 6, reg)
        t_ok, ev = d.events.wait_state(acc["id"], "registered", 20)
        self.check_registered(ev["registration"])
        later = [t for t, _, m in pbx.registers if t > t_503]
        self.assertTrue(later)
        self.assertGreaterEqual(later[0] - t_503, 4.9,
                                "retried %.2f s after 'Retry-After: 5'"
                                % (later[0] - t_503))
        self.assertIsNone(ev["registration"]["retry_at"], ev)
        d.events.check_shapes(self, acc["id"])

    def test_several_contacts(self):
        others = [
            '<sip:other1@a.invalid;transport=ws>;expires=3600;'
            '+sip.instance="<urn:uuid:00000000-0000-4000-8000-000000000001>"'
            ';reg-id=1',
            '"Desk" <sip:505@192.0.2.1:5060>;expires=1800',
        ]
        pbx, d, acc, reg = self.setup_registered(
            {"extra_contacts": others, "max_expires": 300})
        self.assertEqual(reg["expires"], 300,
                         "expires not taken from our own Contact: %r" % reg)

    def test_no_answer_timeout(self):
        """No final answer to REGISTER within 32 s -> failed/timeout."""
        pbx = self.start_pbx(users={})
        pbx._on_register = lambda conn, req: None      # never answers
        d = self.start_arsphone()
        acc = d.create_account(**self.account(pbx))
        t0 = time.time()
        t, ev = d.events.wait_state(acc["id"], "failed", 45)
        self.check_failed(ev["registration"], "timeout")
        self.assertGreaterEqual(t - t0, 30, ev)


class T4Requests(PbxCase):
    """Requests the server sends to the registered client."""

    def test_options_unknown_method_and_stray_bye(self):
        pbx, d, acc, reg = self.setup_registered()
        conn = pbx.open_conns()[-1]
        self.assertIsNotNone(conn.contact_uri)

        with self.subTest(request="OPTIONS"):
            ans = pbx.request("OPTIONS")
            self.assertIsNotNone(ans, "no answer to OPTIONS")
            self.assertEqual(ans.status, 200, ans.raw)
            allow = [a.strip().upper() for a in ans.get_all("allow")]
            self.assertTrue(allow, "200 to OPTIONS without Allow: %r"
                            % ans.raw)
            self.assertIn("OPTIONS", allow, ans.raw)
            self.check_echo(ans)

        with self.subTest(request="FOO (unknown method)"):
            ans = pbx.request("FOO")
            self.assertIsNotNone(ans, "no answer to an unknown method")
            self.assertIn(ans.status, (501, 405), ans.raw)
            if ans.status == 405:
                self.assertTrue(ans.get_all("allow"), ans.raw)
            self.check_echo(ans)

        with self.subTest(request="BYE for an unknown dialog"):
            ans = pbx.request("BYE", in_dialog=True)
            self.assertIsNotNone(ans, "no answer to a stray BYE")
            self.assertEqual(ans.status, 481, ans.raw)
            self.check_echo(ans)

        self.assertEqual(d.registration(acc["id"])["state"], "registered")
        self.assertEqual(len(pbx.conns), 1)

    def check_echo(self, ans):
        """The answer matches our request: Via branch, Call-ID, CSeq, a
        To tag."""
        req = None
        for t, cid, direction, text in pbx_log(self):
            if direction == "out":
                m = siputil.parse(text)
                if m.is_request and m.top_via_branch() == \
                        ans.top_via_branch():
                    req = m
        self.assertIsNotNone(req, "answer's branch matches no request")
        self.assertEqual(ans.get("call-id"), req.get("call-id"))
        self.assertEqual(ans.cseq(), req.cseq())
        self.assertEqual(ans.get("from"), req.get("from"))
        # RFC 3261 8.2.6.2: a UAS adds a To tag to its final answer
        self.assertIn("tag=", ans.get("to"), "no To tag (RFC 3261 "
                      "8.2.6.2): %s" % ans.raw)


def pbx_log(case):
    for label, obj, _ in case._owned:
        if isinstance(obj, fakepbx.FakePBX):
            return list(obj.log)
    return []


class T5Shutdown(PbxCase):

    def test_sigterm_unregisters(self):
        pbx, d, acc, reg = self.setup_registered()
        regs = [m for _, _, m in pbx.registers]
        d.stop()                    # asserts exit 0
        last = [m for _, _, m in pbx.registers][len(regs):]
        self.assertTrue(last, "no REGISTER on shutdown")
        self.assertEqual(pbx._requested_expires(last[-1]), 0,
                         last[-1].raw)
        self.assertEqual(last[-1].get("call-id"), regs[-1].get("call-id"))
        self.assertEqual(pbx.bindings, {}, "binding left on the PBX")


if __name__ == "__main__":
    run_tests()
