"""The request guard (Host, Origin, token) and the generic HTTP errors.

Run: ARSPHONE_BIN=build/arsphone python3 tests/api/test_guard.py
"""

import json
import unittest

from daemon import SharedDaemonCase, assert_error, JSON_TYPE

ACCOUNT = {"name": "Guard", "username": "100", "domain": "example.com",
           "server": "wss://example.com/ws", "enabled": False}


class GuardTest(SharedDaemonCase):
    # -- token
    def test_no_token_401(self):
        for path in ("/api/v1/status", "/api/v1/accounts", "/api/v1/settings",
                     "/api/v1/accounts/1"):
            with self.subTest(path=path):
                r = self.req("GET", path, token=None)
                assert_error(self, r, 401, "unauthorized")
                self.assertEqual(r.headers.get("WWW-Authenticate"),
                                 'Bearer realm="arsphone"')

    def test_wrong_token_401(self):
        tok = self.d.token
        wrong = [("0" if tok[0] != "0" else "1") + tok[1:],  # one char off
                 tok[:-1],                                    # prefix
                 tok + "0",                                   # longer
                 tok.upper() if tok != tok.upper() else tok.lower(),
                 ""]
        for bad in wrong:
            with self.subTest(token=bad):
                r = self.req("GET", "/api/v1/status", token=bad)
                assert_error(self, r, 401, "unauthorized")
                self.assertEqual(r.headers.get("WWW-Authenticate"),
                                 'Bearer realm="arsphone"')

    def test_token_wrong_scheme_401(self):
        for value in ("Basic " + self.d.token, self.d.token,
                      "Bearer  " + self.d.token + "x"):
            with self.subTest(value=value):
                r = self.req("GET", "/api/v1/status",
                             headers={"Authorization": value})
                assert_error(self, r, 401, "unauthorized")

    def test_token_in_query_not_accepted_for_http(self):
        r = self.req("GET", "/api/v1/status?token=" + self.d.token,
                     token=None)
        assert_error(self, r, 401, "unauthorized")

    def test_unauthorized_post_changes_nothing(self):
        r = self.req("POST", "/api/v1/accounts", dict(ACCOUNT, name="Nope"),
                     token=None)
        assert_error(self, r, 401, "unauthorized")
        names = [a["name"] for a in
                 self.req("GET", "/api/v1/accounts").json["accounts"]]
        self.assertNotIn("Nope", names)

    def test_good_token_200(self):
        r = self.req("GET", "/api/v1/status")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("Content-Type"), JSON_TYPE)
        self.assertIsInstance(r.json["version"], str)
        self.assertIsInstance(r.json["accounts"], list)
        self.assertEqual(r.json["calls"], [])

    # -- Host
    def test_allowed_hosts(self):
        p = self.d.port
        for host in ("127.0.0.1:%d" % p, "localhost:%d" % p, "[::1]:%d" % p):
            with self.subTest(host=host):
                r = self.req("GET", "/api/v1/status", headers={"Host": host})
                self.assertEqual(r.status, 200, r)

    def test_forbidden_hosts_403(self):
        p = self.d.port
        for host in ("evil.example:%d" % p, "127.0.0.1:%d" % (p + 1),
                     "localhost:%d" % (p + 1), "evil.example",
                     "127.0.0.1", "localhost", "127.0.0.2:%d" % p,
                     "0.0.0.0:%d" % p, "localhost.evil.example:%d" % p,
                     "127.0.0.1:%d.evil.example" % p):
            with self.subTest(host=host):
                r = self.req("GET", "/api/v1/status", headers={"Host": host})
                assert_error(self, r, 403, "forbidden_host")

    def test_host_checked_before_token(self):
        r = self.req("GET", "/api/v1/status", token=None,
                     headers={"Host": "evil.example:%d" % self.d.port})
        assert_error(self, r, 403, "forbidden_host")

    def test_forbidden_host_post_changes_nothing(self):
        r = self.req("POST", "/api/v1/accounts", dict(ACCOUNT, name="Rebound"),
                     headers={"Host": "evil.example:%d" % self.d.port})
        assert_error(self, r, 403, "forbidden_host")
        names = [a["name"] for a in
                 self.req("GET", "/api/v1/accounts").json["accounts"]]
        self.assertNotIn("Rebound", names)

    # -- Origin
    def test_allowed_origins(self):
        p = self.d.port
        for origin in ("http://127.0.0.1:%d" % p, "http://localhost:%d" % p):
            with self.subTest(origin=origin):
                r = self.req("GET", "/api/v1/status",
                             headers={"Origin": origin})
                self.assertEqual(r.status, 200, r)

    def test_forbidden_origins_403(self):
        p = self.d.port
        for origin in ("http://evil.example", "http://evil.example:%d" % p,
                       "https://127.0.0.1:%d" % p, "http://127.0.0.1:%d" % (p + 1),
                       "http://127.0.0.1", "null",
                       "http://127.0.0.1:%d.evil.example" % p):
            with self.subTest(origin=origin):
                r = self.req("GET", "/api/v1/status",
                             headers={"Origin": origin})
                assert_error(self, r, 403, "forbidden_origin")

    def test_origin_checked_before_token(self):
        r = self.req("GET", "/api/v1/status", token=None,
                     headers={"Origin": "http://evil.example"})
        assert_error(self, r, 403, "forbidden_origin")

    def test_host_checked_before_origin(self):
        r = self.req("GET", "/api/v1/status",
                     headers={"Host": "evil.example:%d" % self.d.port,
                              "Origin": "http://evil.example"})
        assert_error(self, r, 403, "forbidden_host")

    def test_cross_origin_post_changes_nothing(self):
        r = self.req("POST", "/api/v1/accounts", dict(ACCOUNT, name="Csrf"),
                     headers={"Origin": "http://evil.example"})
        assert_error(self, r, 403, "forbidden_origin")
        names = [a["name"] for a in
                 self.req("GET", "/api/v1/accounts").json["accounts"]]
        self.assertNotIn("Csrf", names)

    # -- static files
    def test_static_root_without_token(self):
        r = self.req("GET", "/", token=None)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith(
            "text/html"), r.headers.get("Content-Type"))
        self.assertTrue(r.data)
        self.assertEqual(r.headers.get("Cache-Control"), "no-store")
        self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.headers.get("X-Frame-Options"), "DENY")
        self.assertEqual(r.headers.get("Referrer-Policy"), "no-referrer")
        csp = r.headers.get("Content-Security-Policy") or ""
        self.assertIn("default-src", csp)
        self.assertNotIn("*", csp)
        self.assertNotIn("unsafe-eval", csp)

    def test_static_holds_no_token(self):
        for path in ("/", "/index.html"):
            with self.subTest(path=path):
                r = self.req("GET", path, token=None)
                self.assertEqual(r.status, 200, r)
                self.assertNotIn(self.d.token.encode(), r.raw)

    def test_static_host_checked(self):
        for host in ("evil.example:%d" % self.d.port,
                     "127.0.0.1:%d" % (self.d.port + 1)):
            with self.subTest(host=host):
                r = self.req("GET", "/", token=None, headers={"Host": host})
                assert_error(self, r, 403, "forbidden_host")
                self.assertNotIn(b"<html", r.data.lower())

    def test_static_origin_checked(self):
        r = self.req("GET", "/", token=None,
                     headers={"Origin": "http://evil.example"})
        assert_error(self, r, 403, "forbidden_origin")

    def test_static_path_traversal(self):
        for path in ("/../../../../etc/passwd", "/js/../../../etc/passwd",
                     "/%2e%2e/%2e%2e/etc/passwd", "/js/..%2f..%2f..%2fetc/passwd"):
            with self.subTest(path=path):
                r = self.req("GET", path, token=None)
                self.assertNotEqual(r.status, 200, r)
                self.assertNotIn(b"root:", r.data)

    # -- generic errors
    def test_unknown_path_404(self):
        for path in ("/api/v1/nope", "/api/v2/status", "/api/v1/accounts/999999",
                     "/api/v1/accounts/abc", "/api/v1/accounts/1/x",
                     "/api/v1/accounts/-1", "/api/v1/accounts/0"):
            with self.subTest(path=path):
                assert_error(self, self.req("GET", path), 404, "not_found")
        r = self.req("GET", "/no-such-file.html", token=None)
        self.assertEqual(r.status, 404, r)

    def test_wrong_method_405(self):
        created = self.req("POST", "/api/v1/accounts", dict(ACCOUNT,
                                                             name="M405"))
        self.assertEqual(created.status, 201, created)
        acc = "/api/v1/accounts/%d" % created.json["id"]
        cases = [("DELETE", "/api/v1/status", {"GET"}),
                 ("POST", "/api/v1/status", {"GET"}),
                 ("PUT", "/api/v1/accounts", {"GET", "POST"}),
                 ("DELETE", "/api/v1/accounts", {"GET", "POST"}),
                 ("POST", acc, {"GET", "PATCH", "DELETE"}),
                 ("PUT", acc, {"GET", "PATCH", "DELETE"}),
                 ("POST", "/api/v1/settings", {"GET", "PATCH"}),
                 ("DELETE", "/api/v1/settings", {"GET", "PATCH"})]
        for method, path, allow in cases:
            with self.subTest(method=method, path=path):
                r = self.req(method, path, {} if method in ("POST", "PUT")
                             else None)
                assert_error(self, r, 405, "method_not_allowed")
                got = {m.strip().upper() for m in
                       (r.headers.get("Allow") or "").split(",") if m.strip()}
                # HEAD/OPTIONS may be offered in addition
                self.assertTrue(allow <= got, (allow, got))
                self.assertFalse(got - allow - {"HEAD", "OPTIONS"}, got)

    def test_payload_too_large_413(self):
        body = json.dumps(dict(ACCOUNT, name="Big", display_name="x" * 72000))
        self.assertGreater(len(body), 70 * 1024)
        r = self.req("POST", "/api/v1/accounts", body,
                     headers={"Content-Type": "application/json"})
        assert_error(self, r, 413, "payload_too_large")
        r = self.req("PATCH", "/api/v1/settings", '{"x": "%s"}' % ("y" * 70000),
                     headers={"Content-Type": "application/json"})
        assert_error(self, r, 413, "payload_too_large")
        names = [a["name"] for a in
                 self.req("GET", "/api/v1/accounts").json["accounts"]]
        self.assertNotIn("Big", names)

    def test_body_limit_boundary(self):
        def padded(size, name):
            core = json.dumps(dict(ACCOUNT, name=name))
            return "{" + " " * (size - len(core)) + core[1:]
        at_limit = padded(65536, "Exactly64K")
        self.assertEqual(len(at_limit.encode()), 65536)
        r = self.req("POST", "/api/v1/accounts", at_limit,
                     headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201, r)
        over = padded(65537, "Over64K")
        r = self.req("POST", "/api/v1/accounts", over,
                     headers={"Content-Type": "application/json"})
        assert_error(self, r, 413, "payload_too_large")

    def test_unsupported_media_type_415(self):
        body = json.dumps(dict(ACCOUNT, name="Plain"))
        for ctype in ("text/plain", "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x", None):
            with self.subTest(content_type=ctype):
                r = self.req("POST", "/api/v1/accounts", body,
                             headers={"Content-Type": ctype})
                assert_error(self, r, 415, "unsupported_media_type")
        r = self.req("PATCH", "/api/v1/settings", '{"ring_volume": 5}',
                     headers={"Content-Type": "text/plain"})
        assert_error(self, r, 415, "unsupported_media_type")
        self.assertNotEqual(self.req("GET", "/api/v1/settings")
                            .json["ring_volume"], 5)
        names = [a["name"] for a in
                 self.req("GET", "/api/v1/accounts").json["accounts"]]
        self.assertNotIn("Plain", names)

    def test_json_content_type_with_charset_accepted(self):
        r = self.req("POST", "/api/v1/accounts",
                     json.dumps(dict(ACCOUNT, name="Charset")),
                     headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(r.status, 201, r)

    def test_invalid_json_400(self):
        for body in ("{bad", "[]", '"string"', "null", "42", "",
                     '{"name": "x"', '{"name": "x"} trailing', b'{"name": "\xff"}'):
            with self.subTest(body=body):
                r = self.req("POST", "/api/v1/accounts", body,
                             headers={"Content-Type": "application/json"})
                assert_error(self, r, 400, "invalid_json")
        r = self.req("PATCH", "/api/v1/settings", "[1]",
                     headers={"Content-Type": "application/json"})
        assert_error(self, r, 400, "invalid_json")

    def test_events_without_upgrade_400(self):
        r = self.req("GET", "/api/v1/events?token=" + self.d.token)
        assert_error(self, r, 400, "bad_websocket_request")

    def test_error_bodies_are_json_objects(self):
        r = self.req("GET", "/api/v1/nope")
        self.assertEqual(r.headers.get("Content-Type"), JSON_TYPE)
        self.assertEqual(set(r.json), {"error"})
        self.assertNotIn("fields", r.json["error"])
        self.assertNotIn("field_codes", r.json["error"])


if __name__ == "__main__":
    unittest.main()
