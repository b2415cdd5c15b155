#!/usr/bin/env python3
"""Calls: arsphone plugs into the call lab (what the call tests will need).

The daemon ($ARSPHONE_BIN) runs inside the lab's network namespace, its API
is used from inside (`with lab.ns.entered()`), and its account registers as
505 over WSS to Kamailio's veth address, trusting the test CA, with
host_map pbx.arsphone.test -> the veth address. Kamailio's ul.dump then
shows the WebSocket contact. When arsphone can call, the call tests start
from exactly this state (see netns.py's header).

Run (root): ARSPHONE_BIN=build/arsphone python3 tests/calls/test_arsphone_lab.py
"""

import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lab import CallLab, missing_requirements    # noqa: E402


class ArsphoneInLab(unittest.TestCase):

    def setUp(self):
        why = missing_requirements()
        # A missing requirement is a failure, never a skip counted as a pass.
        if why:
            self.fail("the call lab cannot run here: " + why)
        if not os.environ.get("ARSPHONE_BIN"):
            self.fail("set ARSPHONE_BIN")
        self.lab = CallLab().start()
        self.addCleanup(self.lab.close)

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        lab = getattr(self, "lab", None)
        if lab and result and len(result.failures) + len(result.errors) > before:
            sys.stderr.write("\n==== %s failed: lab logs ====\n%s\n"
                             % (self.id(), lab.report()))
        return out

    def test_registers_over_wss_in_namespace(self):
        lab = self.lab
        d = lab.start_arsphone()
        with lab.ns.entered():
            acc = d.create_account(**lab.arsphone_account("505"))
            reg = d.wait(acc["id"], "registered", timeout=15)
        self.assertEqual(reg["code"], 200, reg)
        self.assertEqual(reg["target"], "%s:%d" % (lab.ns.addr_a,
                                                    lab.kam.wss_port), reg)
        contacts = lab.kam.wait_contacts("505", lambda c: len(c) == 1, 10)
        c = contacts[0]
        self.assertIn("transport=ws", c["uri"].lower(), c)
        self.assertTrue(c["Socket"].startswith("tls:%s:" % lab.ns.addr_a), c)
        # the daemon is inside the namespace: its PID is listed there
        self.assertIn(d.pid, lab.ns.pids())


if __name__ == "__main__":
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
    unittest.main(verbosity=2)
