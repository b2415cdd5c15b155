#!/usr/bin/env python3
"""Interop: arsphone registers with a real Kamailio 5.6 over WS and WSS.

Each test runs its own Kamailio (tests/interop/kamailio.py) and its own
arsphone ($ARSPHONE_BIN) on 127.0.0.1, and asserts through the public API
(schema/api.md, "Registration": status and `registration` events) and
through Kamailio's own view (`kamcmd ul.dump`).

Run: ARSPHONE_BIN=build/arsphone python3 tests/interop/test_kamailio.py
"""

import os
import shutil
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import certs as certs_mod                        # noqa: E402
import kamailio                                  # noqa: E402
import siputil                                   # noqa: E402
from arsphone import (InteropCase, REG_FIELDS, run_tests,   # noqa: E402
                      trace_requests)

CERTS = None
DOMAIN = "pbx.arsphone.test"


def setUpModule():
    global CERTS
    CERTS = certs_mod.generate()


def tearDownModule():
    if CERTS:
        shutil.rmtree(CERTS.dir, ignore_errors=True)


class KamailioCase(InteropCase):

    def start_kamailio(self, **kw):
        k = kamailio.Kamailio(CERTS, **kw)
        self.own(k, "kamailio", lambda: k.close())
        k.start()
        return k

    def account(self, k, user="505", secure=True, **over):
        acc = {"name": "%s-%s" % (user, uuid.uuid4().hex[:6]),
               "username": user, "domain": DOMAIN,
               "password": "secret" + user, "server": k.url(secure),
               "register_expires": 600}
        if secure:
            acc["tls"] = {"mode": "verify", "ca_pem": CERTS.ca_pem}
        acc.update(over)
        return acc

    def registered(self, d, account_id, timeout=10, since=0):
        reg = d.wait(account_id, "registered", timeout, since)
        self.check_registered_object(reg)
        return reg

    def check_registered_object(self, reg):
        self.assertTrue(REG_FIELDS <= set(reg), reg)
        self.assertEqual(reg["code"], 200, reg)
        self.assertIsNone(reg["error"], reg)
        self.assertIsInstance(reg["expires"], int, reg)
        self.assertGreater(reg["expires"], 0, reg)
        self.assertIsInstance(reg["reason"], str, reg)

    def our_contact(self, k, aor="505", timeout=5):
        """The one contact of aor in ul.dump (waits for it)."""
        got = k.wait_contacts(aor, lambda c: len(c) >= 1, timeout)
        self.assertEqual(len(got), 1, got)
        return got[0]

    def check_contact(self, contact, transport_socket):
        uri = contact["uri"]
        self.assertIn("transport=ws", uri.lower(), contact)
        self.assertTrue(siputil.uri_params(uri).get("transport", "").lower()
                        == "ws", contact)
        inst = contact["instance"]
        self.assertIsNotNone(inst, "no +sip.instance in %r" % contact)
        self.assertRegex(inst, r"^urn:uuid:[0-9a-fA-F-]{36}$", contact)
        self.assertEqual(contact["reg_id"], 1, contact)
        self.assertIsNotNone(contact["received"], contact)
        self.assertIn("127.0.0.1", contact["received"], contact)
        self.assertEqual(contact["Socket"], transport_socket, contact)

    def check_no_secrets(self, d, passwords):
        log = d.log_text()
        self.assertIn("REGISTER sip:", log,
                      "--sip-trace printed no REGISTER: the secrecy check "
                      "below would prove nothing")
        for pw in passwords:
            self.assertNotIn(pw, log, "a password is in the daemon's log")
        for text in trace_requests(log, "REGISTER"):
            for line in text.splitlines():
                if line.lower().startswith(("authorization:",
                                            "proxy-authorization:")):
                    self.assertNotIn("response=", line.lower(),
                                     "digest response in the trace: %r"
                                     % line)

    def options_via_kamailio(self, k, aor="505"):
        """Send OPTIONS sip:AOR@domain through Kamailio (relayed to the
        registered contact over its own WebSocket); returns the answer."""
        cl = siputil.WsSipClient("127.0.0.1", k.ws_port)
        try:
            branch = "z9hG4bK" + uuid.uuid4().hex[:16]
            cl.send("OPTIONS sip:%s@%s SIP/2.0\r\n"
                    "Via: SIP/2.0/WS probe.invalid;branch=%s\r\n"
                    "Max-Forwards: 70\r\n"
                    "From: <sip:probe@%s>;tag=%s\r\n"
                    "To: <sip:%s@%s>\r\n"
                    "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
                    "Content-Length: 0\r\n\r\n"
                    % (aor, DOMAIN, branch, DOMAIN, uuid.uuid4().hex[:8],
                       aor, DOMAIN, uuid.uuid4().hex))
            while True:
                m = cl.recv_msg(timeout=10)
                if not m.is_request and m.status >= 200:
                    return m
        finally:
            cl.close()


class T0HarnessSelfCheck(KamailioCase):
    """The harness by itself (no daemon): Kamailio accepts a hand-made
    REGISTER over WS and WSS, and ul.dump is parsed."""

    def test_register_by_hand(self):
        k = self.start_kamailio(min_expires=120)
        for secure in (False, True):
            cl = siputil.WsSipClient(
                "127.0.0.1", k.wss_port if secure else k.ws_port,
                secure=secure, ssl_context=CERTS.client_context(),
                server_hostname=DOMAIN)
            self.assertEqual(cl.handshake_headers.get(
                "sec-websocket-protocol"), "sip")
            resp, uri, inst = siputil.register_by_hand(
                cl, "506", "secret506", DOMAIN, expires=60)
            self.assertEqual(resp.status, 423, resp.raw)
            self.assertEqual(resp.get("min-expires"), "120")
            resp, uri, inst = siputil.register_by_hand(
                cl, "506", "secret506", DOMAIN, expires=300, instance=inst)
            self.assertEqual(resp.status, 200, resp.raw)
            cl.close()
        contacts = k.contacts("506")
        self.assertEqual(len(contacts), 2, contacts)
        for c in contacts:
            self.assertIn(c["expires"], range(290, 301), c)
            self.assertTrue(c["instance"].startswith("urn:uuid:"), c)
        k.restart()
        self.assertEqual(k.contacts("506"), [])
        cl = siputil.WsSipClient("127.0.0.1", k.ws_port)
        resp, _, _ = siputil.register_by_hand(cl, "506", "wrong", DOMAIN)
        self.assertEqual(resp.status, 401, resp.raw)
        cl.close()

    def test_sha256_by_hand(self):
        """Kamailio 5.6 challenges with SHA-256 when told to (one algorithm
        per instance: modparam auth algorithm)."""
        k = self.start_kamailio(algorithm="SHA-256")
        cl = siputil.WsSipClient("127.0.0.1", k.ws_port)
        resp, _, _ = siputil.register_by_hand(cl, "505", "secret505", DOMAIN)
        self.assertEqual(resp.status, 200, resp.raw)
        cl.close()


class T1Register(KamailioCase):

    def test_wss_verify_with_ca(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k))
        reg = self.registered(d, acc["id"])
        self.assertEqual(reg["target"], "127.0.0.1:%d" % k.wss_port, reg)
        self.assertGreaterEqual(reg["expires"], 590, reg)
        self.assertLessEqual(reg["expires"], 600, reg)
        self.assertIsNone(reg.get("certificate"), reg)
        # the status agrees with the event
        st = d.registration(acc["id"])
        self.assertEqual(st["state"], "registered", st)
        self.assertEqual(st["target"], reg["target"], st)
        c = self.our_contact(k)
        self.check_contact(c, "tls:127.0.0.1:%d" % k.wss_port)
        self.assertGreater(c["expires"], 580, c)
        # the registration is usable: Kamailio reaches us over our flow
        answer = self.options_via_kamailio(k)
        self.assertEqual(answer.status, 200, answer.raw)
        self.check_no_secrets(d, ["secret505"])
        d.events.check_shapes(self, acc["id"])

    def test_ws_plain(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k, secure=False))
        reg = self.registered(d, acc["id"])
        self.assertEqual(reg["target"], "127.0.0.1:%d" % k.ws_port, reg)
        c = self.our_contact(k)
        self.check_contact(c, "tcp:127.0.0.1:%d" % k.ws_port)
        sent = trace_requests(d.log_text(), "REGISTER")
        self.assertTrue(sent, "no REGISTER in --sip-trace output")
        top_via = siputil.parse(sent[-1]).get_all("via")[0]
        self.assertTrue(top_via.upper().startswith("SIP/2.0/WS "), top_via)

    def test_sha256_challenge(self):
        """A real server's SHA-256 challenge (RFC 8760) is answered."""
        k = self.start_kamailio(algorithm="SHA-256")
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k))
        self.registered(d, acc["id"])
        self.our_contact(k)
        auths = [line for text in trace_requests(d.log_text(), "REGISTER")
                 for line in text.splitlines()
                 if line.lower().startswith("authorization")]
        self.assertTrue(auths, "no Authorization header was sent")
        self.check_no_secrets(d, ["secret505"])

    def test_wrong_password(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k, password="not-the-one"))
        reg = d.wait(acc["id"], "failed", 15)
        self.assertEqual(reg["error"], "wrong_password", reg)
        self.assertIn(reg["code"], (401, 403), reg)
        self.assertIsNone(reg["expires"], reg)
        self.assertEqual(k.contacts("505"), [])
        # not retried: retrying cannot fix a wrong password
        n = k.count_in_log(r"IN REGISTER")
        time.sleep(4)
        self.assertEqual(k.count_in_log(r"IN REGISTER"), n,
                         "REGISTER retried after wrong_password")
        self.assertEqual(d.registration(acc["id"])["state"], "failed")
        # fixing the password registers at once
        mark = d.events.mark()
        d.patch_account(acc["id"], password="secret505")
        self.registered(d, acc["id"], since=mark)
        self.our_contact(k)
        self.check_no_secrets(d, ["not-the-one", "secret505"])

    def test_untrusted_then_pinned(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(
            k, tls={"mode": "verify", "ca_pem": None}))
        reg = d.wait(acc["id"], "failed", 15)
        self.assertEqual(reg["error"], "tls_untrusted", reg)
        cert = reg.get("certificate")
        self.assertIsInstance(cert, dict, reg)
        self.assertEqual(cert.get("sha256"), CERTS.server_sha256, reg)
        self.assertIn("pbx.arsphone.test", cert.get("subject") or "", cert)
        self.assertIn("arsphone interop test CA", cert.get("issuer") or "",
                      cert)
        for key in ("not_before", "not_after"):
            self.assertRegex(cert.get(key) or "",
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", cert)
        self.assertEqual(k.count_in_log(r"IN REGISTER"), 0,
                         "a REGISTER went over an untrusted connection")
        self.assertEqual(d.registration(acc["id"])["certificate"]["sha256"],
                         CERTS.server_sha256)
        # "Trust this certificate": pin its fingerprint
        mark = d.events.mark()
        d.patch_account(acc["id"], tls={"mode": "pin",
                                        "pin_sha256": cert["sha256"]})
        reg = self.registered(d, acc["id"], since=mark)
        self.assertIsNone(reg.get("certificate"), reg)
        self.check_contact(self.our_contact(k),
                           "tls:127.0.0.1:%d" % k.wss_port)

    def test_host_map(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(
            k, server="wss://%s:%d/" % (DOMAIN, k.wss_port),
            host_map=[{"host": DOMAIN, "address": "127.0.0.1"}]))
        reg = self.registered(d, acc["id"])
        self.assertEqual(reg["target"], "127.0.0.1:%d" % k.wss_port, reg)
        self.check_contact(self.our_contact(k),
                           "tls:127.0.0.1:%d" % k.wss_port)


class T2Expiry(KamailioCase):

    def test_423_min_expires(self):
        k = self.start_kamailio(min_expires=120)
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k, register_expires=60))
        reg = self.registered(d, acc["id"], timeout=15)
        self.assertGreaterEqual(reg["expires"], 120, reg)
        c = self.our_contact(k)
        self.assertGreater(c["expires"], 60, c)
        log = d.log_text()
        self.assertIn("SIP/2.0 423", log, "no 423 seen in --sip-trace")
        self.assertGreaterEqual(k.count_in_log(r"SAVED 505"), 1)

    def test_refresh_before_expiry(self):
        """The server grants less than asked (max_expires 20 < 60): the
        daemon refreshes in time from what was granted; the binding never
        lapses and the page never sees the state flicker."""
        k = self.start_kamailio(min_expires=10, max_expires=20)
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k, register_expires=60))
        t0, ev = d.events.wait_state(acc["id"], "registered", 10)
        self.check_registered_object(ev["registration"])
        self.assertEqual(ev["registration"]["expires"], 20, ev)
        first = self.our_contact(k)
        mark = d.events.mark()
        saves = k.count_in_log(r"SAVED 505")
        deadline = time.monotonic() + 26
        refreshed_at = None
        while time.monotonic() < deadline:
            contacts = k.contacts("505")
            self.assertEqual(len(contacts), 1,
                             "binding lapsed or duplicated: %r" % contacts)
            if refreshed_at is None and k.count_in_log(r"SAVED 505") > saves:
                refreshed_at = time.time()
            time.sleep(0.5)
        self.assertIsNotNone(refreshed_at, "no refresh within 26 s")
        self.assertLess(refreshed_at - t0, 19.5,
                        "refresh only %.1f s after a 20 s registration"
                        % (refreshed_at - t0))
        # a refresh of one registration: same Call-ID, higher CSeq
        last = contacts[0]
        self.assertEqual(last["Call-ID"], first["Call-ID"])
        self.assertGreater(int(last["CSeq"]), int(first["CSeq"]))
        self.assertEqual(last["instance"], first["instance"])
        states = [e["registration"]["state"]
                  for _, e in d.events.registrations(acc["id"], mark)]
        self.assertTrue(all(s == "registered" for s in states),
                        "state changed during refreshes: %r" % states)
        self.assertEqual(d.registration(acc["id"])["state"], "registered")


class T3Outages(KamailioCase):

    def test_kamailio_killed_and_restarted(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k))
        self.registered(d, acc["id"])
        mark = d.events.mark()
        k.kill9()
        _, ev = d.events.wait_for(
            acc["id"], lambda r: r.get("state") != "registered", 15,
            since=mark, what="a change after Kamailio died")
        reg = ev["registration"]
        self.assertEqual((reg["state"], reg["error"]),
                         ("registering", "connection_lost"), reg)
        time.sleep(3)       # reconnects fail meanwhile
        st = d.registration(acc["id"])
        self.assertIn((st["state"], st["error"]),
                      [("registering", "connection_lost"),
                       ("failed", "connection_refused"),
                       ("registering", "connection_refused"),
                       ("registering", None)], st)
        mark = d.events.mark()
        k.start()
        restarted = time.time()
        t, ev = d.events.wait_state(acc["id"], "registered", 10, since=mark)
        self.assertLessEqual(t - restarted, 10.0)
        self.check_registered_object(ev["registration"])
        self.check_contact(self.our_contact(k),
                           "tls:127.0.0.1:%d" % k.wss_port)
        d.events.check_shapes(self)

    def test_sigterm_unregisters(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k))
        self.registered(d, acc["id"])
        self.our_contact(k)
        t = time.monotonic()
        rc = d.stop()               # SIGTERM; asserts exit 0
        self.assertEqual(rc, 0)
        self.assertLess(time.monotonic() - t, 10)
        self.assertEqual(k.contacts("505"), [],
                         "contact still registered after arsphone exited")
        self.assertGreaterEqual(k.count_in_log(r"SAVED 505"), 2)

    def test_disable_enable_delete(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k))
        self.registered(d, acc["id"])
        self.our_contact(k)
        mark = d.events.mark()
        d.patch_account(acc["id"], enabled=False)
        reg = d.wait(acc["id"], "disabled", 10, since=mark)
        self.assertIsNone(reg["expires"], reg)
        k.wait_contacts("505", lambda c: c == [], 5)
        self.assertEqual(d.registration(acc["id"])["state"], "disabled")
        d.register_now(acc["id"], expect=409)
        mark = d.events.mark()
        d.patch_account(acc["id"], enabled=True)
        self.registered(d, acc["id"], since=mark)
        self.our_contact(k)
        mark = d.events.mark()
        d.delete_account(acc["id"])
        k.wait_contacts("505", lambda c: c == [], 5)
        self.assertNotIn(acc["id"], [a["id"] for a in d.status()["accounts"]])

    def test_register_now(self):
        """POST /register on a registered account: 202, re-registers."""
        k = self.start_kamailio()
        d = self.start_arsphone()
        acc = d.create_account(**self.account(k))
        self.registered(d, acc["id"])
        saves = k.count_in_log(r"SAVED 505")
        resp = d.register_now(acc["id"])
        self.assertIn(resp.json.get("state"), ("registering", "registered"),
                      resp.json)
        deadline = time.monotonic() + 10
        while k.count_in_log(r"SAVED 505") <= saves:
            self.assertLess(time.monotonic(), deadline, "no new REGISTER")
            time.sleep(0.2)
        self.assertEqual(len(k.contacts("505")), 1)
        self.assertEqual(d.registration(acc["id"])["state"], "registered")

    def test_two_accounts(self):
        k = self.start_kamailio()
        d = self.start_arsphone()
        a = d.create_account(**self.account(k, "505"))
        b = d.create_account(**self.account(k, "506", secure=False))
        self.registered(d, a["id"])
        self.registered(d, b["id"])
        ca, cb = self.our_contact(k, "505"), self.our_contact(k, "506")
        self.check_contact(ca, "tls:127.0.0.1:%d" % k.wss_port)
        self.check_contact(cb, "tcp:127.0.0.1:%d" % k.ws_port)
        self.assertNotEqual(ca["uri"], cb["uri"])
        self.assertEqual(self.options_via_kamailio(k, "505").status, 200)
        self.assertEqual(self.options_via_kamailio(k, "506").status, 200)
        d.stop()
        self.assertEqual(k.contacts("505"), [])
        self.assertEqual(k.contacts("506"), [])


if __name__ == "__main__":
    run_tests()
