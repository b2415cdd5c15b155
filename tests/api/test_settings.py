"""Settings: defaults, each setting valid/invalid, atomic PATCH, event.

Run: ARSPHONE_BIN=build/arsphone python3 tests/api/test_settings.py
"""

import unittest

from daemon import Daemon, EventCollector, assert_error, JSON_TYPE

DEFAULTS = {"language": None, "popup_on_incoming": True, "ring_volume": 80,
            "jitter_buffer_ms": 60}

GOOD = [("language", "ru"), ("language", "en"), ("language", None),
        ("popup_on_incoming", False), ("popup_on_incoming", True),
        ("ring_volume", 0), ("ring_volume", 100), ("ring_volume", 37),
        ("jitter_buffer_ms", 20), ("jitter_buffer_ms", 500), ("jitter_buffer_ms", 80)]

BAD = [("language", "de", {"bad_choice"}), ("language", "RU", {"bad_choice"}),
       ("language", "", {"bad_choice", "too_short"}),
       ("language", "en-US", {"bad_choice"}),
       ("language", 1, {"wrong_type"}), ("language", ["ru"], {"wrong_type"}),
       ("popup_on_incoming", "yes", {"wrong_type"}),
       ("popup_on_incoming", 1, {"wrong_type"}),
       ("popup_on_incoming", None, {"wrong_type", "required"}),
       ("ring_volume", -1, {"out_of_range"}),
       ("ring_volume", 101, {"out_of_range"}),
       ("ring_volume", 1000000, {"out_of_range"}),
       ("ring_volume", "50", {"wrong_type"}),
       ("ring_volume", 50.5, {"wrong_type"}),
       ("ring_volume", True, {"wrong_type"}),
       ("ring_volume", None, {"wrong_type", "required"}),
       ("jitter_buffer_ms", 19, {"out_of_range"}),
       ("jitter_buffer_ms", 501, {"out_of_range"}),
       ("jitter_buffer_ms", "60", {"wrong_type"}),
       ("theme", "dark", {"unknown_field"}),
       ("ringVolume", 5, {"unknown_field"})]


class SettingsTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        self.addCleanup(self.d.close)
        self.d.start()

    def get(self):
        r = self.d.request("GET", "/api/v1/settings")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("Content-Type"), JSON_TYPE)
        return r.json

    def patch(self, body):
        return self.d.request("PATCH", "/api/v1/settings", body)

    def check_invalid(self, r, expected):
        err = assert_error(self, r, 400, "validation_failed")
        self.assertEqual(set(err.get("fields", {})), set(expected), err)
        self.assertEqual(set(err.get("field_codes", {})), set(expected), err)
        for name, codes in expected.items():
            self.assertTrue(err["fields"][name])
            self.assertIn(err["field_codes"][name], codes, err)

    def test_defaults(self):
        self.assertEqual(self.get(), DEFAULTS)

    def test_each_good_value(self):
        for name, value in GOOD:
            with self.subTest(name=name, value=value):
                r = self.patch({name: value})
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.headers.get("Content-Type"), JSON_TYPE)
                self.assertEqual(set(r.json), set(DEFAULTS))
                self.assertEqual(r.json[name], value)
                self.assertEqual(self.get(), r.json)

    def test_each_bad_value(self):
        for name, value, codes in BAD:
            with self.subTest(name=name, value=value):
                self.check_invalid(self.patch({name: value}), {name: codes})
                self.assertEqual(self.get(), DEFAULTS)

    def test_patch_returns_every_setting(self):
        r = self.patch({"ring_volume": 10})
        self.assertEqual(r.json, dict(DEFAULTS, ring_volume=10))
        r = self.patch({})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, dict(DEFAULTS, ring_volume=10))

    def test_nothing_changed_when_one_value_invalid(self):
        r = self.patch({"ring_volume": 10, "language": "ru",
                        "popup_on_incoming": "no"})
        self.check_invalid(r, {"popup_on_incoming": {"wrong_type"}})
        self.assertEqual(self.get(), DEFAULTS)
        r = self.patch({"ring_volume": 20, "colour": "red"})
        self.check_invalid(r, {"colour": {"unknown_field"}})
        self.assertEqual(self.get(), DEFAULTS)

    def test_all_invalid_reported_at_once(self):
        r = self.patch({"ring_volume": 101, "language": "de",
                        "popup_on_incoming": 0, "x": 1})
        self.check_invalid(r, {"ring_volume": {"out_of_range"},
                               "language": {"bad_choice"},
                               "popup_on_incoming": {"wrong_type"},
                               "x": {"unknown_field"}})

    def test_persist_across_restart_and_kill9(self):
        want = {"language": "en", "popup_on_incoming": False, "ring_volume": 5,
                "jitter_buffer_ms": 120}
        self.assertEqual(self.patch(want).json, want)
        self.d.restart()
        self.assertEqual(self.get(), want)
        self.assertEqual(self.patch({"language": None}).status, 200)
        self.d.restart(kill=True)
        self.assertEqual(self.get(), dict(want, language=None))

    def test_settings_updated_event(self):
        ws = self.d.ws()
        self.addCleanup(ws.close)
        events = EventCollector(ws)
        events.start()
        self.addCleanup(events.stop)
        hello = events.wait_for(1)[0]
        self.assertEqual(hello["type"], "hello")
        r = self.patch({"ring_volume": 33})
        self.assertEqual(r.status, 200, r)
        # a rejected PATCH sends no event: the next one is one seq higher
        self.assertEqual(self.patch({"ring_volume": 333}).status, 400)
        r2 = self.patch({"language": "ru"})
        got = events.wait_for(3)
        self.assertEqual(len(got), 3, got)
        for event, seq, body in ((got[1], hello["seq"] + 1, r.json),
                                 (got[2], hello["seq"] + 2, r2.json)):
            self.assertEqual(event["type"], "settings.updated", event)
            self.assertEqual(event["seq"], seq, event)
            self.assertEqual(event["settings"], body, event)
        self.assertEqual(got[2]["settings"],
                         dict(DEFAULTS, ring_volume=33, language="ru"))

    def test_wrong_methods_and_guard(self):
        r = self.d.request("PATCH", "/api/v1/settings", {"ring_volume": 1},
                           token=None)
        assert_error(self, r, 401, "unauthorized")
        self.assertEqual(self.get(), DEFAULTS)


if __name__ == "__main__":
    unittest.main()
