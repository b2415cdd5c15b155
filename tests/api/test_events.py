"""The event WebSocket: guard, hello, change events, slow clients.

Run: ARSPHONE_BIN=build/arsphone python3 tests/api/test_events.py
"""

import os
import socket
import struct
import time
import unittest

import daemon
from daemon import (Daemon, EventCollector, HandshakeRejected,
                    ConnectionClosed, OP_PONG, OP_CLOSE, OP_TEXT)

# disabled: the daemon never tries to register these anywhere
ACCOUNT = {"username": "505", "domain": "example.com",
           "server": "wss://example.com/ws", "enabled": False}
CHANGES = {"account.created", "account.updated", "account.deleted",
           "settings.updated"}


class EventsBase(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        self.addCleanup(self.d.close)
        self.d.start()
        self.n = 0

    def ws(self, **kw):
        ws = self.d.ws(**kw)
        self.addCleanup(ws.close)
        return ws

    def collector(self, ws):
        c = EventCollector(ws)
        c.start()
        self.addCleanup(c.stop)
        return c

    def post(self, **over):
        self.n += 1
        body = dict(ACCOUNT, name="Ev %d" % self.n, **over)
        r = self.d.request("POST", "/api/v1/accounts", body)
        self.assertEqual(r.status, 201, r)
        return r.json

    def next_change(self, ws, timeout=5):
        """The next account/settings event (registration events skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            event = ws.recv_json(max(0.001, deadline - time.monotonic()))
            if event.get("type") in CHANGES:
                return event

    def rejected(self, **kw):
        with self.assertRaises(HandshakeRejected) as cm:
            ws = self.d.ws(**kw)
            ws.close()
        return cm.exception


class TestGuard(EventsBase):
    def test_no_or_wrong_token_401(self):
        tok = self.d.token
        for bad in (None, "", tok[:-1], ("0" if tok[0] != "0" else "1") + tok[1:]):
            with self.subTest(token=bad):
                exc = self.rejected(token=bad)
                self.assertEqual(exc.status, 401, exc)
                self.assertEqual(exc.headers.get("www-authenticate"),
                                 'Bearer realm="arsphone"')
                self.assertEqual(exc.json["error"]["code"], "unauthorized")

    def test_header_token_not_enough(self):
        # the event socket takes its token from the URL only
        sock = socket.create_connection(("127.0.0.1", self.d.port), 5)
        self.addCleanup(sock.close)
        sock.sendall(("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "Authorization: Bearer %s\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                      % (self.d.port, self.d.token)).encode())
        self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 401"))

    def test_foreign_origin_403(self):
        for origin in ("http://evil.example",
                       "http://127.0.0.1:%d" % (self.d.port + 1),
                       "https://127.0.0.1:%d" % self.d.port):
            with self.subTest(origin=origin):
                exc = self.rejected(origin=origin)
                self.assertEqual(exc.status, 403, exc)
                self.assertEqual(exc.json["error"]["code"], "forbidden_origin")

    def test_foreign_origin_without_token_403(self):
        exc = self.rejected(origin="http://evil.example", token=None)
        self.assertEqual(exc.status, 403, exc)

    def test_foreign_host_403(self):
        exc = self.rejected(host="evil.example:%d" % self.d.port)
        self.assertEqual(exc.status, 403, exc)
        self.assertEqual(exc.json["error"]["code"], "forbidden_host")

    def test_page_origins_accepted(self):
        for origin in ("http://127.0.0.1:%d" % self.d.port,
                       "http://localhost:%d" % self.d.port):
            with self.subTest(origin=origin):
                ws = self.ws(origin=origin)
                self.assertEqual(ws.recv_json()["type"], "hello")

    def test_bad_upgrade_400(self):
        sock = socket.create_connection(("127.0.0.1", self.d.port), 5)
        self.addCleanup(sock.close)
        sock.sendall(("GET /api/v1/events?token=%s HTTP/1.1\r\n"
                      "Host: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                      "\r\n" % (self.d.token, self.d.port)).encode())
        self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 400"))


class TestEvents(EventsBase):
    def test_hello_first(self):
        ws = self.ws()
        hello = ws.recv_json()
        self.assertEqual(hello["type"], "hello")
        self.assertEqual(hello["seq"], 0)       # no event sent so far
        self.assertEqual(hello["status"],
                         self.d.request("GET", "/api/v1/status").json)

    def test_hello_status_and_seq_after_changes(self):
        watcher = self.collector(self.ws())
        self.post()
        self.post(display_name="Second")
        changes = watcher.wait_types(2, CHANGES)
        self.assertEqual(len(changes), 2, changes)
        status = self.d.request("GET", "/api/v1/status").json
        hello = self.ws().recv_json()
        self.assertEqual(hello["type"], "hello")
        self.assertEqual(hello["status"], status)
        # hello carries the seq of the last event sent so far
        self.assertEqual(hello["seq"], watcher.events[-1][1]["seq"])
        self.assertGreaterEqual(hello["seq"], 2)

    def test_two_clients_get_every_change(self):
        a = self.collector(self.ws())
        b = self.collector(self.ws())
        for c in (a, b):
            self.assertEqual(c.wait_for(1)[0]["type"], "hello")
        acc = self.post()
        path = "/api/v1/accounts/%d" % acc["id"]
        patched = self.d.request("PATCH", path, {"display_name": "X"}).json
        self.assertEqual(self.d.request("DELETE", path).status, 204)
        seqs = []
        for c in (a, b):
            got = c.wait_types(3, CHANGES)
            self.assertEqual(len(got), 3, got)
            self.assertEqual(got[0]["type"], "account.created")
            self.assertEqual(got[0]["account"], acc)
            self.assertEqual(got[1]["type"], "account.updated")
            self.assertEqual(got[1]["account"], patched)
            self.assertEqual(got[2]["type"], "account.deleted")
            self.assertEqual(got[2]["account_id"], acc["id"])
            # every message, whatever its type, is one seq higher
            every = c.wait_for(len(c.events))
            self.assertEqual([e["seq"] for e in every],
                             list(range(every[0]["seq"],
                                        every[0]["seq"] + len(every))))
            seqs.append([e["seq"] for e in got])
        self.assertEqual(seqs[0], seqs[1], "clients disagree on seq")

    def test_late_client_continues_from_hello_seq(self):
        self.post()
        self.post()
        late = self.collector(self.ws())
        hello = late.wait_for(1)[0]
        self.assertEqual(hello["type"], "hello")
        self.assertGreaterEqual(hello["seq"], 2)
        acc = self.post()
        got = late.wait_types(1, {"account.created"})
        self.assertEqual(got[0]["account"], acc)
        every = late.wait_for(len(late.events))
        self.assertEqual([e["seq"] for e in every],
                         list(range(hello["seq"], hello["seq"] + len(every))))

    def test_hello_status_reflects_changes(self):
        first = self.ws()
        self.assertEqual(first.recv_json()["status"]["accounts"], [])
        acc = self.post()
        second = self.ws()
        hello = second.recv_json()
        self.assertEqual([a["id"] for a in hello["status"]["accounts"]],
                         [acc["id"]])

    def test_idle_client_kept(self):
        # an idle page must not be cut off by the HTTP idle timeout
        ws = self.ws()
        ws.recv_json()
        time.sleep(7)
        acc = self.post()
        event = self.next_change(ws)
        self.assertEqual(event["type"], "account.created")
        self.assertEqual(event["account"]["id"], acc["id"])

    def test_ping_pong(self):
        ws = self.ws()
        ws.recv_json()
        ws.ping(b"are-you-there")
        op, payload = ws.recv(5)
        self.assertEqual((op, payload), (OP_PONG, b"are-you-there"))

    def test_client_text_ignored(self):
        ws = self.ws()
        hello = ws.recv_json()
        ws.send_text('{"type": "account.deleted", "account_id": 1}')
        ws.send_text("not json at all")
        acc = self.post()
        event = self.next_change(ws)
        self.assertEqual(event["type"], "account.created")
        self.assertEqual(event["account"]["id"], acc["id"])
        self.assertGreater(event["seq"], hello["seq"])

    def test_client_close_answered(self):
        ws = self.ws()
        ws.recv_json()
        ws.send_frame(OP_CLOSE, struct.pack("!H", 1000))
        with self.assertRaises(ConnectionClosed) as cm:
            while True:
                ws.recv(5)
        self.assertIn(cm.exception.code, (1000, None))

    def test_oversized_client_message_1009(self):
        ws = self.ws()
        ws.recv_json()
        try:
            ws.send_frame(OP_TEXT, b"x" * (70 * 1024))
        except OSError:
            pass
        with self.assertRaises(ConnectionClosed) as cm:
            while True:
                ws.recv(5)
        self.assertEqual(cm.exception.code, 1009)
        # the daemon goes on
        self.assertEqual(self.d.request("GET", "/api/v1/status").status, 200)

    def test_fragmented_client_message_over_64k_1009(self):
        ws = self.ws()
        ws.recv_json()
        try:
            for _ in range(4):
                ws.send_frame(OP_TEXT if _ == 0 else 0, b"y" * 20000,
                              fin=False)
            ws.send_frame(0, b"y" * 20000, fin=True)
        except OSError:
            pass
        with self.assertRaises(ConnectionClosed) as cm:
            while True:
                ws.recv(5)
        self.assertEqual(cm.exception.code, 1009)

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.d.pid))

    def wait_fds(self, base, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.fds() > base:
            time.sleep(0.1)
        return self.fds()

    def test_abrupt_ws_disconnects_do_not_leak(self):
        ws = self.ws()
        ws.recv_json()
        base = self.fds()
        for i in range(40):
            w = self.d.ws()
            if i % 2:
                w.recv_json()
            w.sock.close()          # no close frame
        self.post()                 # an event to the dead sockets
        self.assertEqual(self.next_change(ws)["type"], "account.created")
        self.assertLessEqual(self.wait_fds(base), base)
        self.assertEqual(self.d.request("GET", "/api/v1/status").status, 200)

    def test_half_sent_requests_then_close_freed(self):
        # a peer that sends part of a request head and closes at once (data
        # and FIN together): the daemon should notice the EOF and free the
        # socket, not hold it until its idle timeout
        base = self.fds()
        for req in (b"GET /api/v1/events?token=%s HTTP/1.1\r\n"
                    % self.d.token.encode(), b"GET /api/v1/status HTTP/1.1\r\n",
                    b"GET /api/v1/status HTTP/1.1\r\n"):
            s = socket.create_connection(("127.0.0.1", self.d.port), 5)
            s.sendall(req)
            s.close()
            time.sleep(0.2)
        self.assertLessEqual(self.wait_fds(base, 10), base,
                             "sockets of closed peers still open after 10 s")


def server_holds(pid, server_port, client_port):
    """Whether the daemon still has an fd for this TCP connection."""
    inodes = daemon.socket_inodes(pid)
    for _, local, remote, _, inode in daemon.tcp_table():
        if local[1] == server_port and remote[1] == client_port \
                and inode in inodes:
            return True
    return False


class TestSlowClient(EventsBase):
    def setUp(self):
        self.d = Daemon()
        self.addCleanup(self.d.close)
        # Under AddressSanitizer freed memory sits in a 256 MB quarantine,
        # so VmRSS would grow with every event even without a leak; a small
        # quarantine keeps the bound meaningful. Ignored by plain builds.
        asan = self.d.env.get("ASAN_OPTIONS", "")
        self.d.env["ASAN_OPTIONS"] = (asan + ":" if asan else "") \
            + "quarantine_size_mb=4"
        self.d.start()
        self.n = 0

    def test_stuck_client_does_not_stall_others(self):
        d = self.d
        acc = self.post()
        path = "/api/v1/accounts/%d" % acc["id"]
        reader = self.collector(self.ws())
        hello = reader.wait_for(1)[0]
        self.assertEqual(hello["type"], "hello")
        first = hello["seq"]    # seq 0 itself is checked in TestEvents
        stuck = self.ws(rcvbuf=4096)          # never reads after handshake
        stuck_port = stuck.sock.getsockname()[1]
        self.assertTrue(server_holds(d.pid, d.port, stuck_port))
        time.sleep(0.3)
        rss_base = d.vmrss_kb()
        rss_peak = rss_base
        pem = daemon.big_pem(50000)
        done = {}                             # PATCH number -> time it returned
        dropped_after = None
        i = 0
        while i < 200:
            i += 1
            t0 = time.monotonic()
            r = d.request("PATCH", path, {"display_name": "r%d" % i,
                                          "tls": {"ca_pem": pem}}, timeout=5)
            done[i] = time.monotonic()
            self.assertEqual(r.status, 200, r)
            self.assertLess(done[i] - t0, 2.0, "PATCH %d took too long" % i)
            rss_peak = max(rss_peak, d.vmrss_kb())
            if dropped_after is None \
                    and not server_holds(d.pid, d.port, stuck_port):
                dropped_after = i
            if dropped_after and i >= max(30, dropped_after + 5):
                break
        # the reading client got every event, in order, promptly
        got = reader.wait_types(i, {"account.updated"}, timeout=5)
        self.assertEqual(len(got), i, "reader got %d of %d events"
                         % (len(got), i))
        every = reader.wait_for(len(reader.events))
        self.assertEqual([e["seq"] for e in every],
                         list(range(first, first + len(every))))
        updates = [(t, e) for t, e in reader.events
                   if e["type"] == "account.updated"]
        for n, (arrived, event) in enumerate(updates, 1):
            self.assertEqual(event["account"]["display_name"], "r%d" % n)
            self.assertLess(arrived - done[n], 3.0, "event %d late" % n)
        # the stuck client was dropped
        self.assertIsNotNone(dropped_after, "stuck client still connected "
                             "after %d events of ~50 KB" % i)
        stuck.drain_until_closed(timeout=10)   # raises if still open
        # memory stayed bounded
        self.assertLess(rss_peak - rss_base, 24 * 1024,
                        "VmRSS grew from %d kB to %d kB" % (rss_base, rss_peak))
        self.assertEqual(d.request("GET", "/api/v1/status").status, 200)

    def test_stuck_client_alone_is_dropped(self):
        d = self.d
        acc = self.post()
        path = "/api/v1/accounts/%d" % acc["id"]
        stuck = self.ws(rcvbuf=4096)
        port = stuck.sock.getsockname()[1]
        pem = daemon.big_pem(50000)
        for i in range(200):
            r = d.request("PATCH", path, {"display_name": "s%d" % i,
                                          "tls": {"ca_pem": pem}}, timeout=5)
            self.assertEqual(r.status, 200, r)
            if not server_holds(d.pid, d.port, port):
                break
        self.assertFalse(server_holds(d.pid, d.port, port),
                         "stuck client never dropped")
        stuck.drain_until_closed(timeout=10)


if __name__ == "__main__":
    unittest.main()
