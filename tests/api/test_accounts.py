"""Accounts: CRUD, validation, name uniqueness, password secrecy, durability.

Run: ARSPHONE_BIN=build/arsphone python3 tests/api/test_accounts.py
"""

import calendar
import itertools
import os
import time
import unittest

import daemon
from daemon import Daemon, EventCollector, SharedDaemonCase, assert_error, JSON_TYPE, TEST_CA_PEM

MISSING = object()
FIELD_CODES = {"required", "wrong_type", "too_short", "too_long",
               "out_of_range", "bad_characters", "bad_host", "bad_ip",
               "bad_scheme", "bad_port", "bad_path", "bad_url", "bad_pem",
               "bad_fingerprint", "bad_choice", "duplicate", "unknown_field",
               "read_only", "taken"}
ACCOUNT_KEYS = {"id", "name", "username", "auth_username", "display_name",
                "domain", "has_password", "server", "host_map", "tls",
                "register_expires", "enabled", "created_at", "updated_at"}
PIN = ":".join(["AB", "CD"] * 16)
_names = itertools.count(1)


LOOP = daemon.dead_loopback_server()


def base(**over):
    """A valid account body. Disabled unless asked otherwise, so that the
    daemon never tries to register anywhere; enabled test accounts use
    LOOP (a closed loopback port)."""
    acc = {"name": "Acc %d" % next(_names), "username": "505",
           "domain": "example.com", "server": "wss://example.com/ws",
           "enabled": False}
    for key, value in over.items():
        if value is MISSING:
            acc.pop(key, None)
        else:
            acc[key] = value
    return acc


def hm(n):
    return [{"host": "h%d.example" % i, "address": "10.0.0.%d" % (i + 1)}
            for i in range(n)]


LONG_DOMAIN = ".".join(["a" * 63] * 3 + ["a" * 61])        # 253
TOO_LONG_DOMAIN = ".".join(["a" * 63] * 3 + ["a" * 62])    # 254
SRV = "wss://example.com/"

GOOD = [
    ("name", "A"), ("name", "x" * 64), ("name", "Офис"), ("name", "名" * 64),
    ("name", "  Padded  "),
    ("username", "a" * 128), ("username", "-_.!~*'()&=+$,;?/"),
    ("username", "%41b%7e"), ("username", "Ab9"),
    ("auth_username", None), ("auth_username", "x"),
    ("auth_username", "a" * 128), ("auth_username", "user@realm.example"),
    ("display_name", None), ("display_name", "x" * 64),
    ("display_name", "Приёмная"), ("display_name", "名" * 64),
    ("domain", "example.com"), ("domain", "10.1.2.3"), ("domain", "::1"),
    ("domain", "2001:db8::1"), ("domain", "[2001:db8::1]"),
    ("domain", "localhost"), ("domain", "a" * 63 + ".example"),
    ("domain", LONG_DOMAIN), ("domain", "a-b.c-d.example"),
    ("password", "x"), ("password", "p" * 256), ("password", None),
    ("server", "ws://example.com"), ("server", "wss://example.com"),
    ("server", "wss://example.com/"), ("server", "wss://[::1]:8089/ws"),
    ("server", "wss://10.0.0.1:1/ws"),
    ("server", "wss://example.com:65535/a/b-c_d.e~f"),
    ("server", SRV + "a" * (2048 - len(SRV))),
    ("host_map", []), ("host_map", [{"host": "a.example", "address": "::1"}]),
    ("host_map", hm(16)),
    ("tls", {"mode": "insecure"}), ("tls", {"mode": "verify"}),
    ("tls", {"mode": "verify", "ca_pem": TEST_CA_PEM}),
    ("tls", {"ca_pem": TEST_CA_PEM * 3}),
    ("tls", {"ca_pem": daemon.big_pem(59000)}),
    ("tls", {"mode": "pin", "pin_sha256": "ab" * 32}),
    ("tls", {"mode": "pin", "pin_sha256": PIN}), ("tls", {}),
    ("register_expires", 60), ("register_expires", 86400),
    ("enabled", False), ("enabled", True),
]

OVER_PEM = TEST_CA_PEM * (60000 // len(TEST_CA_PEM) + 1)
KEY_PEM = ("-----BEGIN PRIVATE KEY-----\n"
           "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
           "-----END PRIVATE KEY-----\n")

# (field, value, reported path, acceptable codes)
BAD = [
    ("name", MISSING, "name", {"required"}),
    ("name", "", "name", {"required"}),
    ("name", "   ", "name", {"too_short", "required"}),
    ("name", "x" * 65, "name", {"too_long"}),
    ("name", "名" * 65, "name", {"too_long"}),
    ("name", "a\tb", "name", {"bad_characters"}),
    ("name", "a\nb", "name", {"bad_characters"}),
    ("name", "a\x1bb", "name", {"bad_characters"}),
    ("name", 123, "name", {"wrong_type"}),
    ("name", ["x"], "name", {"wrong_type"}),
    ("name", None, "name", {"required", "wrong_type"}),
    ("username", MISSING, "username", {"required"}),
    ("username", "", "username", {"required"}),
    ("username", "a" * 129, "username", {"too_long"}),
    ("username", "a b", "username", {"bad_characters"}),
    ("username", "a@b", "username", {"bad_characters"}),
    ("username", "a:b", "username", {"bad_characters"}),
    ("username", "a<b", "username", {"bad_characters"}),
    ("username", "%4", "username", {"bad_characters"}),
    ("username", "%zz", "username", {"bad_characters"}),
    ("username", "юзер", "username", {"bad_characters"}),
    ("username", 505, "username", {"wrong_type"}),
    ("username", None, "username", {"required", "wrong_type"}),
    ("auth_username", "", "auth_username", {"too_short"}),
    ("auth_username", "a" * 129, "auth_username", {"too_long"}),
    ("auth_username", 'a"b', "auth_username", {"bad_characters"}),
    ("auth_username", "a\\b", "auth_username", {"bad_characters"}),
    ("auth_username", "a\nb", "auth_username", {"bad_characters"}),
    ("auth_username", 1, "auth_username", {"wrong_type"}),
    ("display_name", "x" * 65, "display_name", {"too_long"}),
    ("display_name", "a\nb", "display_name", {"bad_characters"}),
    ("display_name", 1, "display_name", {"wrong_type"}),
    ("domain", MISSING, "domain", {"required"}),
    ("domain", "", "domain", {"required"}),
    ("server", "", "server", {"required"}),
    ("domain", "exa mple.com", "domain", {"bad_host"}),
    ("domain", "foo_bar.com", "domain", {"bad_host"}),
    ("domain", "a..b", "domain", {"bad_host"}),
    ("domain", "a" * 64 + ".com", "domain", {"bad_host", "too_long"}),
    ("domain", TOO_LONG_DOMAIN, "domain", {"bad_host", "too_long"}),
    ("domain", "example.com:5060", "domain", {"bad_host"}),
    ("domain", "ex/ample.com", "domain", {"bad_host"}),
    ("domain", "пример.рф", "domain", {"bad_host", "bad_characters"}),
    ("domain", "[::1", "domain", {"bad_host", "bad_ip"}),
    ("domain", "[example.com]", "domain", {"bad_host", "bad_ip"}),
    ("domain", 1, "domain", {"wrong_type"}),
    ("password", "", "password", {"too_short"}),
    ("password", "p" * 257, "password", {"too_long"}),
    ("password", 1, "password", {"wrong_type"}),
    ("server", MISSING, "server", {"required"}),
    ("server", "https://example.com/ws", "server", {"bad_scheme"}),
    ("server", "http://example.com/ws", "server", {"bad_scheme"}),
    ("server", "sip:505@example.com", "server", {"bad_scheme", "bad_url"}),
    ("server", "example.com/ws", "server", {"bad_scheme", "bad_url"}),
    ("server", "wss://", "server", {"bad_host", "bad_url"}),
    ("server", "wss:///ws", "server", {"bad_host", "bad_url"}),
    ("server", "wss://exa mple.com/ws", "server", {"bad_host", "bad_url"}),
    ("server", "wss://foo_bar.com/ws", "server", {"bad_host"}),
    ("server", "wss://::1/ws", "server", {"bad_host", "bad_url", "bad_port"}),
    ("server", "wss://example.com:0/ws", "server", {"bad_port"}),
    ("server", "wss://example.com:65536/ws", "server", {"bad_port"}),
    ("server", "wss://example.com:abc/ws", "server", {"bad_port", "bad_url"}),
    ("server", "wss://example.com:/ws", "server", {"bad_port", "bad_url"}),
    ("server", "wss://user:pw@example.com/ws", "server", {"bad_url"}),
    ("server", "wss://user@example.com/ws", "server", {"bad_url"}),
    ("server", "wss://example.com/ws#frag", "server", {"bad_url"}),
    ("server", "wss://example.com/a b", "server", {"bad_path", "bad_url"}),
    ("server", 'wss://example.com/a"b', "server", {"bad_path", "bad_url"}),
    ("server", "wss://example.com/a\nb", "server",
     {"bad_path", "bad_url", "bad_characters"}),
    ("server", SRV + "a" * (2049 - len(SRV)), "server", {"too_long"}),
    ("server", 1, "server", {"wrong_type"}),
    ("host_map", hm(17), "host_map", {"too_long"}),
    ("host_map", "x", "host_map", {"wrong_type"}),
    ("host_map", {"host": "a.example"}, "host_map", {"wrong_type"}),
    ("host_map", [1], "host_map[0]", {"wrong_type"}),
    ("host_map", [{"host": "10.0.0.1", "address": "10.0.0.2"}],
     "host_map[0].host", {"bad_host"}),
    ("host_map", [{"host": "a b", "address": "10.0.0.2"}],
     "host_map[0].host", {"bad_host"}),
    ("host_map", [{"host": "a.example", "address": "nope"}],
     "host_map[0].address", {"bad_ip"}),
    ("host_map", [{"host": "a.example", "address": "10.0.0.256"}],
     "host_map[0].address", {"bad_ip"}),
    ("host_map", [{"host": "a.example", "address": "b.example"}],
     "host_map[0].address", {"bad_ip"}),
    ("host_map", hm(1) + [{"host": "h0.example", "address": "10.9.9.9"}],
     "host_map[1].host", {"duplicate"}),
    ("host_map", [{"host": "a.example"}], "host_map[0].address", {"required"}),
    ("host_map", [{"address": "10.0.0.1"}], "host_map[0].host", {"required"}),
    ("host_map", [{"host": "a.example", "address": "10.0.0.1", "port": 5}],
     "host_map[0].port", {"unknown_field"}),
    ("tls", "verify", "tls", {"wrong_type"}),
    ("tls", {"mode": "strict"}, "tls.mode", {"bad_choice"}),
    ("tls", {"mode": "VERIFY"}, "tls.mode", {"bad_choice"}),
    ("tls", {"mode": 1}, "tls.mode", {"wrong_type"}),
    ("tls", {"mode": "pin"}, "tls.pin_sha256", {"required"}),
    ("tls", {"mode": "pin", "pin_sha256": "zz" * 32}, "tls.pin_sha256",
     {"bad_fingerprint"}),
    ("tls", {"mode": "pin", "pin_sha256": "ab" * 31}, "tls.pin_sha256",
     {"bad_fingerprint"}),
    ("tls", {"mode": "pin", "pin_sha256": "ab" * 33}, "tls.pin_sha256",
     {"bad_fingerprint"}),
    ("tls", {"mode": "pin", "pin_sha256": "a" * 63}, "tls.pin_sha256",
     {"bad_fingerprint"}),
    ("tls", {"mode": "pin", "pin_sha256": 5}, "tls.pin_sha256",
     {"wrong_type"}),
    ("tls", {"ca_pem": "hello"}, "tls.ca_pem", {"bad_pem"}),
    ("tls", {"ca_pem": KEY_PEM}, "tls.ca_pem", {"bad_pem"}),
    ("tls", {"ca_pem": OVER_PEM}, "tls.ca_pem", {"too_long"}),
    ("tls", {"ca_pem": 1}, "tls.ca_pem", {"wrong_type"}),
    ("tls", {"mode": "verify", "verify_host": False}, "tls.verify_host",
     {"unknown_field"}),
    ("register_expires", 59, "register_expires", {"out_of_range"}),
    ("register_expires", 86401, "register_expires", {"out_of_range"}),
    ("register_expires", 0, "register_expires", {"out_of_range"}),
    ("register_expires", -600, "register_expires", {"out_of_range"}),
    ("register_expires", "600", "register_expires", {"wrong_type"}),
    ("register_expires", 600.5, "register_expires", {"wrong_type"}),
    ("register_expires", True, "register_expires", {"wrong_type"}),
    ("enabled", "yes", "enabled", {"wrong_type"}),
    ("enabled", 1, "enabled", {"wrong_type"}),
    ("id", 5, "id", {"read_only"}),
    ("created_at", "2026-01-01T00:00:00Z", "created_at", {"read_only"}),
    ("updated_at", "2026-01-01T00:00:00Z", "updated_at", {"read_only"}),
    ("has_password", True, "has_password", {"read_only"}),
    ("nmae", "x", "nmae", {"unknown_field"}),
    ("sip_password", "x", "sip_password", {"unknown_field"}),
]


def parse_time(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


class AccountsBase(SharedDaemonCase):
    def create(self, **over):
        r = self.req("POST", "/api/v1/accounts", base(**over))
        self.assertEqual(r.status, 201, r)
        return r.json

    def get(self, acc_id):
        return self.req("GET", "/api/v1/accounts/%d" % acc_id)

    def patch(self, acc_id, body):
        return self.req("PATCH", "/api/v1/accounts/%d" % acc_id, body)

    def list(self):
        r = self.req("GET", "/api/v1/accounts")
        self.assertEqual(r.status, 200, r)
        return r.json["accounts"]

    def check_shape(self, acc):
        self.assertEqual(set(acc), ACCOUNT_KEYS)
        self.assertIsInstance(acc["id"], int)
        self.assertNotIsInstance(acc["id"], bool)
        self.assertEqual(set(acc["tls"]), {"mode", "ca_pem", "pin_sha256"})
        now = time.time()
        for key in ("created_at", "updated_at"):
            self.assertLess(abs(parse_time(acc[key]) - now), 24 * 3600,
                            acc[key])

    def check_invalid(self, r, expected):
        """expected: {path: set of acceptable codes}; exactly those paths."""
        err = assert_error(self, r, 400, "validation_failed")
        self.assertEqual(set(err.get("fields", {})), set(expected), err)
        self.assertEqual(set(err.get("field_codes", {})), set(expected), err)
        for path, codes in expected.items():
            self.assertIsInstance(err["fields"][path], str)
            self.assertTrue(err["fields"][path])
            self.assertIn(err["field_codes"][path], codes, (path, err))
            self.assertIn(err["field_codes"][path], FIELD_CODES)
        return err


class TestCrud(AccountsBase):
    def test_full_round_trip(self):
        body = {"name": "Office", "username": "505",
                "auth_username": "auth-505", "display_name": "Reception",
                "domain": "F2.Ads365.RU", "password": "pw-round-trip",
                "server": "wss://f2.ads365.ru:6060/ws",
                "host_map": [{"host": "f2.ads365.ru", "address": "10.1.2.3"},
                             {"host": "sip.example", "address": "2001:db8::7"}],
                "tls": {"mode": "pin", "ca_pem": TEST_CA_PEM,
                        "pin_sha256": "ab:cd:" * 15 + "ab:cd"},
                "register_expires": 900, "enabled": False}
        r = self.req("POST", "/api/v1/accounts", body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("Content-Type"), JSON_TYPE)
        acc = r.json
        self.check_shape(acc)
        self.assertEqual(r.headers.get("Location"),
                         "/api/v1/accounts/%d" % acc["id"])
        expect = dict(body, domain="f2.ads365.ru", has_password=True,
                      tls={"mode": "pin", "ca_pem": TEST_CA_PEM,
                           "pin_sha256": PIN})
        del expect["password"]
        for key, value in expect.items():
            self.assertEqual(acc[key], value, key)
        self.assertEqual(acc["created_at"], acc["updated_at"])
        self.assertEqual(self.get(acc["id"]).json, acc)
        self.assertIn(acc, self.list())
        self.assertEqual(self.get(acc["id"]).headers.get("Content-Type"),
                         JSON_TYPE)

    def test_defaults(self):
        acc = self.create(enabled=MISSING, server=LOOP)
        self.check_shape(acc)
        self.assertIsNone(acc["auth_username"])
        self.assertIsNone(acc["display_name"])
        self.assertFalse(acc["has_password"])
        self.assertEqual(acc["host_map"], [])
        self.assertEqual(acc["tls"], {"mode": "verify", "ca_pem": None,
                                      "pin_sha256": None})
        self.assertEqual(acc["register_expires"], 600)
        self.assertIs(acc["enabled"], True)

    def test_normalisation(self):
        acc = self.create(display_name="", domain="EXAMPLE.Com",
                          tls={"mode": "pin", "pin_sha256": "Ab" * 32})
        self.assertIsNone(acc["display_name"])
        self.assertEqual(acc["domain"], "example.com")
        self.assertEqual(acc["tls"]["pin_sha256"], PIN.replace("CD", "AB"))

    def test_list_ordered_by_id(self):
        for _ in range(3):
            self.create()
        ids = [a["id"] for a in self.list()]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(ids), len(set(ids)))

    def test_status_lists_accounts(self):
        on = self.create(enabled=True, server=LOOP)
        off = self.create(enabled=False)
        status = self.req("GET", "/api/v1/status").json
        by_id = {a["id"]: a for a in status["accounts"]}
        for acc in (on, off):
            self.assertEqual(by_id[acc["id"]]["name"], acc["name"])
            reg = by_id[acc["id"]]["registration"]
            self.assertTrue({"state", "code", "reason"} <= set(reg), reg)
        # nothing listens at LOOP: it can never be registered
        self.assertIn(by_id[on["id"]]["registration"]["state"],
                      {"unregistered", "registering", "failed"})
        self.assertEqual(by_id[off["id"]]["registration"]["state"], "disabled")
        self.assertEqual(status["calls"], [])
        self.req("DELETE", "/api/v1/accounts/%d" % on["id"])
        status = self.req("GET", "/api/v1/status").json
        self.assertNotIn(on["id"], [a["id"] for a in status["accounts"]])

    def test_delete(self):
        acc = self.create()
        path = "/api/v1/accounts/%d" % acc["id"]
        r = self.req("DELETE", path)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.data, b"")
        assert_error(self, self.req("GET", path), 404, "not_found")
        assert_error(self, self.req("DELETE", path), 404, "not_found")
        assert_error(self, self.req("PATCH", path, {"enabled": False}), 404,
                     "not_found")
        self.assertNotIn(acc["id"], [a["id"] for a in self.list()])

    def test_register_now_disabled_409(self):
        acc = self.create(enabled=False)
        path = "/api/v1/accounts/%d/register" % acc["id"]
        assert_error(self, self.req("POST", path), 409, "account_disabled")
        assert_error(self, self.req("POST", "/api/v1/accounts/987654/register"),
                     404, "not_found")
        r = self.req("GET", path)
        assert_error(self, r, 405, "method_not_allowed")
        self.assertIn("POST", r.headers.get("Allow", ""))

    def test_unknown_id_404(self):
        assert_error(self, self.get(987654), 404, "not_found")
        assert_error(self, self.patch(987654, {"name": "x"}), 404,
                     "not_found")


class TestValidation(AccountsBase):
    def test_good_values(self):
        for field, value in GOOD:
            with self.subTest(field=field, value=repr(value)[:60]):
                over = {field: value}
                if field == "enabled" and value:
                    over["server"] = LOOP   # never register off this host
                r = self.req("POST", "/api/v1/accounts", base(**over))
                self.assertEqual(r.status, 201, r)
                if field not in ("password", "tls", "domain", "display_name",
                                 "name"):
                    self.assertEqual(r.json[field], value)
                self.assertEqual(self.req("DELETE", "/api/v1/accounts/%d"
                                          % r.json["id"]).status, 204)

    def test_bad_values(self):
        before = self.list()
        for field, value, path, codes in BAD:
            with self.subTest(field=field, value=repr(value)[:60]):
                r = self.req("POST", "/api/v1/accounts", base(**{field: value}))
                self.check_invalid(r, {path: codes})
        self.assertEqual(self.list(), before, "a rejected POST stored data")

    def test_bad_values_on_patch(self):
        acc = self.create()
        for field, value, path, codes in BAD:
            if value is MISSING:
                continue
            with self.subTest(field=field, value=repr(value)[:60]):
                r = self.patch(acc["id"], {field: value})
                self.check_invalid(r, {path: codes})
        self.assertEqual(self.get(acc["id"]).json, acc,
                         "a rejected PATCH changed the account")

    def test_all_invalid_fields_at_once(self):
        body = {"name": "", "username": "a b", "domain": "bad_host!",
                "server": "http://example.com", "register_expires": 5,
                "enabled": "yes", "bogus": 1,
                "tls": {"mode": "strict", "ca_pem": "nope"},
                "host_map": [{"host": "a.example", "address": "x"}]}
        r = self.req("POST", "/api/v1/accounts", body)
        self.check_invalid(r, {
            "name": {"required"}, "username": {"bad_characters"},
            "domain": {"bad_host"}, "server": {"bad_scheme"},
            "register_expires": {"out_of_range"}, "enabled": {"wrong_type"},
            "bogus": {"unknown_field"}, "tls.mode": {"bad_choice"},
            "tls.ca_pem": {"bad_pem"}, "host_map[0].address": {"bad_ip"}})

    def test_empty_object(self):
        r = self.req("POST", "/api/v1/accounts", {})
        self.check_invalid(r, {"name": {"required"}, "username": {"required"},
                               "domain": {"required"}, "server": {"required"}})


class TestNameTaken(AccountsBase):
    def test_post_duplicate_409(self):
        a = self.create(name="Taken")
        r = self.req("POST", "/api/v1/accounts", base(name="Taken"))
        err = assert_error(self, r, 409, "name_taken")
        self.assertEqual(err["field_codes"], {"name": "taken"})
        self.assertIsInstance(err["fields"]["name"], str)
        self.assertEqual([x["name"] for x in self.list()].count("Taken"), 1)
        # after DELETE the name is free again
        self.req("DELETE", "/api/v1/accounts/%d" % a["id"])
        self.create(name="Taken")

    def test_patch_to_taken_name_409(self):
        self.create(name="First")
        b = self.create(name="Second")
        r = self.patch(b["id"], {"name": "First"})
        err = assert_error(self, r, 409, "name_taken")
        self.assertEqual(err["field_codes"], {"name": "taken"})
        self.assertEqual(self.get(b["id"]).json["name"], "Second")
        # its own name is not "taken"
        r = self.patch(b["id"], {"name": "Second", "enabled": False})
        self.assertEqual(r.status, 200, r)


class TestPatch(AccountsBase):
    def test_partial_keeps_password_and_fields(self):
        acc = self.create(password="pw-keep", display_name="Old",
                          auth_username="auth", host_map=hm(2),
                          tls={"mode": "verify", "ca_pem": TEST_CA_PEM})
        self.assertTrue(acc["has_password"])
        time.sleep(1.1)
        r = self.patch(acc["id"], {"display_name": "New"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("Content-Type"), JSON_TYPE)
        new = r.json
        self.assertTrue(new["has_password"])
        self.assertEqual(new["display_name"], "New")
        self.assertEqual(new["created_at"], acc["created_at"])
        self.assertGreater(parse_time(new["updated_at"]),
                           parse_time(acc["created_at"]))
        for key in ACCOUNT_KEYS - {"display_name", "updated_at"}:
            self.assertEqual(new[key], acc[key], key)
        self.assertEqual(self.get(acc["id"]).json, new)

    def test_password_null_removes_and_set_adds(self):
        acc = self.create(password="pw-remove")
        r = self.patch(acc["id"], {"password": None})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["has_password"])
        self.assertFalse(self.get(acc["id"]).json["has_password"])
        r = self.patch(acc["id"], {"password": "pw-again"})
        self.assertTrue(r.json["has_password"])

    def test_null_clears_optional_fields(self):
        acc = self.create(display_name="D", auth_username="au")
        r = self.patch(acc["id"], {"display_name": None,
                                   "auth_username": None})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["display_name"])
        self.assertIsNone(r.json["auth_username"])

    def test_null_on_required_field_rejected(self):
        acc = self.create()
        for field in ("name", "username", "domain", "server"):
            with self.subTest(field=field):
                r = self.patch(acc["id"], {field: None})
                self.check_invalid(r, {field: {"required", "wrong_type"}})
        self.assertEqual(self.get(acc["id"]).json, acc)

    def test_tls_merged_key_by_key(self):
        acc = self.create(tls={"mode": "verify", "ca_pem": TEST_CA_PEM})
        r = self.patch(acc["id"], {"tls": {"mode": "insecure"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["tls"], {"mode": "insecure",
                                         "ca_pem": TEST_CA_PEM,
                                         "pin_sha256": None})
        r = self.patch(acc["id"], {"tls": {"pin_sha256": "cd" * 32}})
        self.assertEqual(r.json["tls"]["mode"], "insecure")
        self.assertEqual(r.json["tls"]["pin_sha256"], ":".join(["CD"] * 32))
        r = self.patch(acc["id"], {"tls": {"mode": "pin"}})
        self.assertEqual(r.status, 200, r)      # the stored pin satisfies it
        r = self.patch(acc["id"], {"tls": {"ca_pem": None}})
        self.assertEqual(r.json["tls"], {"mode": "pin", "ca_pem": None,
                                         "pin_sha256": ":".join(["CD"] * 32)})

    def test_merged_account_validated(self):
        acc = self.create()
        r = self.patch(acc["id"], {"tls": {"mode": "pin"}})
        self.check_invalid(r, {"tls.pin_sha256": {"required"}})
        pinned = self.create(tls={"mode": "pin", "pin_sha256": PIN})
        r = self.patch(pinned["id"], {"tls": {"pin_sha256": None}})
        self.check_invalid(r, {"tls.pin_sha256": {"required"}})
        self.assertEqual(self.get(acc["id"]).json, acc)
        self.assertEqual(self.get(pinned["id"]).json, pinned)

    def test_null_restores_defaults(self):
        acc = self.create(register_expires=900, host_map=hm(2),
                          tls={"mode": "insecure", "ca_pem": TEST_CA_PEM})
        r = self.patch(acc["id"], {"register_expires": None,
                                   "host_map": None, "tls": {"mode": None}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["register_expires"], 600)
        self.assertEqual(r.json["host_map"], [])
        self.assertEqual(r.json["tls"], {"mode": "verify",
                                         "ca_pem": TEST_CA_PEM,
                                         "pin_sha256": None})
        self.assertIs(r.json["enabled"], False)
        r = self.patch(acc["id"], {"server": LOOP, "enabled": None})
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json["enabled"], True)

    def test_host_map_replaced_whole(self):
        acc = self.create(host_map=hm(3))
        new_map = [{"host": "only.example", "address": "192.0.2.1"}]
        r = self.patch(acc["id"], {"host_map": new_map})
        self.assertEqual(r.json["host_map"], new_map)
        r = self.patch(acc["id"], {"host_map": []})
        self.assertEqual(r.json["host_map"], [])

    def test_patch_every_field(self):
        acc = self.create()
        change = {"name": "Renamed %d" % next(_names), "username": "606",
                  "auth_username": "a606", "display_name": "Shop",
                  "domain": "Other.Example", "password": "pw-every",
                  "server": "ws://other.example:8080/ws", "host_map": hm(1),
                  "tls": {"mode": "insecure"}, "register_expires": 3600,
                  "enabled": False}
        r = self.patch(acc["id"], change)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["domain"], "other.example")
        self.assertTrue(r.json["has_password"])
        self.assertEqual(r.json["tls"]["mode"], "insecure")
        for key in ("name", "username", "auth_username", "display_name",
                    "server", "host_map", "register_expires", "enabled"):
            self.assertEqual(r.json[key], change[key], key)
        self.assertEqual(self.get(acc["id"]).json, r.json)

    def test_empty_patch(self):
        acc = self.create()
        r = self.patch(acc["id"], {})
        self.assertEqual(r.status, 200, r)
        for key in ACCOUNT_KEYS - {"updated_at"}:
            self.assertEqual(r.json[key], acc[key], key)

    def test_invalid_json_patch(self):
        acc = self.create()
        r = self.req("PATCH", "/api/v1/accounts/%d" % acc["id"], "[]",
                     headers={"Content-Type": "application/json"})
        assert_error(self, r, 400, "invalid_json")


class TestPasswordSecrecy(unittest.TestCase):
    def test_password_never_leaves(self):
        pw1 = "pw1-" + os.urandom(8).hex()
        pw2 = "pw2-" + os.urandom(8).hex()
        pw3 = "pw3-" + os.urandom(8).hex() + "x" * 300      # too long
        d = Daemon(log_level="debug")
        self.addCleanup(d.close)
        d.start()
        seen = []

        def req(*a, **kw):
            r = d.request(*a, **kw)
            seen.append(r.raw)
            return r

        ws = d.ws()
        self.addCleanup(ws.close)
        events = EventCollector(ws)
        events.start()
        r = req("POST", "/api/v1/accounts", base(password=pw1))
        self.assertEqual(r.status, 201, r)
        acc_id = r.json["id"]
        path = "/api/v1/accounts/%d" % acc_id
        self.assertEqual(req("GET", path).status, 200)
        req("GET", "/api/v1/accounts")
        req("GET", "/api/v1/status")
        self.assertEqual(req("PATCH", path, {"password": pw2}).status, 200)
        self.assertEqual(req("PATCH", path, {"enabled": False}).status, 200)
        # rejected requests must not echo the password either
        self.assertEqual(req("POST", "/api/v1/accounts",
                             base(password=pw1, name="")).status, 400)
        self.assertEqual(req("POST", "/api/v1/accounts",
                             base(password=pw3)).status, 400)
        self.assertEqual(req("PATCH", path, {"password": pw3}).status, 400)
        self.assertEqual(req("POST", "/api/v1/accounts",
                             base(password=pw1, name=r.json["name"])).status,
                         409)
        got = events.wait_types(4, {"hello", "account.created",
                                    "account.updated"})
        self.assertEqual([e["type"] for e in got],
                         ["hello", "account.created", "account.updated",
                          "account.updated"])
        self.assertTrue(got[-1]["account"]["has_password"])
        events.stop()
        d.restart()
        self.assertTrue(req("GET", path).json["has_password"])
        d.stop()
        blobs = {"responses": b"".join(seen),
                 "events": b"".join(ws.received),
                 "stderr": d.stderr(), "stdout": d.stdout_rest}
        for where, blob in blobs.items():
            for pw in (pw1, pw2, pw3[:40]):
                self.assertNotIn(pw.encode(), blob,
                                 "password found in %s" % where)
        self.assertTrue(blobs["events"])


class TestDurability(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        self.addCleanup(self.d.close)
        self.d.start()

    def test_restart_keeps_accounts(self):
        d = self.d
        made = [d.request("POST", "/api/v1/accounts",
                          base(password="pw-x", host_map=hm(2),
                               tls={"mode": "pin", "pin_sha256": PIN})).json
                for _ in range(3)]
        before = d.request("GET", "/api/v1/accounts").json
        d.restart()
        self.assertEqual(d.request("GET", "/api/v1/accounts").json, before)
        for acc in made:
            self.assertIn(acc, before["accounts"])

    def test_kill9_after_201_keeps_account(self):
        d = self.d
        r = d.request("POST", "/api/v1/accounts", base(password="pw-k"))
        self.assertEqual(r.status, 201, r)
        d.kill9()
        d.start()
        self.assertEqual(d.request("GET", "/api/v1/accounts/%d"
                                   % r.json["id"]).json, r.json)

    def test_kill9_after_patch_and_delete(self):
        d = self.d
        a = d.request("POST", "/api/v1/accounts", base()).json
        b = d.request("POST", "/api/v1/accounts", base()).json
        r = d.request("PATCH", "/api/v1/accounts/%d" % a["id"],
                      {"display_name": "Patched", "password": "pw-p"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(d.request("DELETE", "/api/v1/accounts/%d"
                                   % b["id"]).status, 204)
        d.kill9()
        d.start()
        self.assertEqual(d.request("GET", "/api/v1/accounts/%d"
                                   % a["id"]).json, r.json)
        assert_error(self, d.request("GET", "/api/v1/accounts/%d" % b["id"]),
                     404, "not_found")

    def test_kill9_in_a_burst(self):
        d = self.d
        last = None
        for i in range(20):
            last = d.request("POST", "/api/v1/accounts", base())
            self.assertEqual(last.status, 201, last)
        d.kill9()
        d.start()
        ids = [a["id"] for a in d.request("GET", "/api/v1/accounts")
               .json["accounts"]]
        self.assertEqual(len(ids), 20)
        self.assertIn(last.json["id"], ids)


if __name__ == "__main__":
    unittest.main()
