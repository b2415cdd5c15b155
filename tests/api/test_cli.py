"""Command line, process lifecycle and data dir of the real arsphone binary.

Run: ARSPHONE_BIN=build/arsphone python3 tests/api/test_cli.py
"""

import glob
import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import stat
import tempfile
import unittest

import daemon
from daemon import Daemon, TOKEN_RE


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def schema_version():
    """The current schema version: the number of schema/NNNN_*.sql files."""
    files = glob.glob(str(daemon.REPO / "schema" / "[0-9][0-9][0-9][0-9]_*.sql"))
    return len(files)


class Tmp(unittest.TestCase):
    def tmpdir(self):
        path = tempfile.mkdtemp(prefix="arsphone-cli-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def daemon(self, **kw):
        d = Daemon(**kw)
        self.addCleanup(d.close)
        return d


class TestOptions(Tmp):
    def test_version(self):
        r = daemon.run(["--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertRegex(out, r"\d+\.\d+\.\d+", out)
        # the same version as the API reports
        with self.daemon() as d:
            status = d.request("GET", "/api/v1/status").json
        self.assertIn(status["version"], out)

    def test_help(self):
        r = daemon.run(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        for opt in ("--data-dir", "--listen", "--no-open", "--log-level",
                    "--version", "--help"):
            self.assertIn(opt, out)
        self.assertIn("usage", out.lower())

    def test_bad_options_exit_2_with_usage(self):
        tmp = self.tmpdir()
        for args in (["--bogus"], ["--listen"], ["--data-dir"],
                     ["--log-level"], ["--data-dir", tmp, "extra-argument"]):
            with self.subTest(args=args):
                r = daemon.run(args)
                self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
                self.assertIn(b"usage", r.stderr.lower())
                self.assertNotIn(b"control page", r.stdout)

    def test_bad_option_values_exit_2(self):
        tmp = self.tmpdir()
        for args in (["--log-level", "loud"],
                     ["--listen", "127.0.0.1"],
                     ["--listen", "127.0.0.1:99999"],
                     ["--listen", "127.0.0.1:http"],
                     ["--listen", "127.0.0.1:-1"]):
            with self.subTest(args=args):
                r = daemon.run(args + ["--data-dir", tmp, "--no-open"])
                self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
                self.assertTrue(r.stderr.strip(), "no message on stderr")
                self.assertNotIn(b"control page", r.stdout)

    def test_non_loopback_listen_refused(self):
        for addr in ("0.0.0.0:0", "10.0.0.1:0", "192.168.1.1:0", "[::]:0"):
            with self.subTest(addr=addr):
                data = os.path.join(self.tmpdir(), "data")
                r = daemon.run(["--data-dir", data, "--listen", addr,
                                "--no-open"])
                self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
                self.assertNotIn(b"control page", r.stdout)
                self.assertTrue(r.stderr.strip(), "no message on stderr")

    def test_other_loopback_address_accepted(self):
        port = daemon.free_port()
        d = self.daemon(port=port)
        d.command = lambda: [daemon.binary(), "--data-dir", d.data_dir,
                             "--listen", "127.0.0.2:%d" % port, "--no-open"]
        d.start()
        self.assertIn("http://127.0.0.2:%d/" % port, d.ready_lines[0])
        socks = daemon.listening_sockets(d.pid)
        self.assertEqual(socks, [(4, ("127.0.0.2", port))])
        conn = socket.create_connection(("127.0.0.2", port), timeout=5)
        conn.sendall(("GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.2:%d\r\n"
                      "Authorization: Bearer %s\r\nConnection: close\r\n\r\n"
                      % (port, d.token)).encode())
        reply = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
        conn.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:200])

    def test_port_in_use_exit_2_names_address(self):
        blocker = socket.socket()
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        data = os.path.join(self.tmpdir(), "data")
        r = daemon.run(["--data-dir", data, "--listen", "127.0.0.1:%d" % port,
                        "--no-open"])
        self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
        self.assertIn(("127.0.0.1:%d" % port).encode(), r.stderr)
        self.assertNotIn(b"control page", r.stdout)


class TestLifecycle(Tmp):
    def test_ready_line_exactly_once(self):
        d = self.daemon().start()
        self.assertEqual(len(d.ready_lines), 1)
        self.assertEqual(d.ready_lines[0],
                         "arsphone: control page http://127.0.0.1:%d/#token=%s"
                         % (d.port, d.token))
        self.assertRegex(d.token, TOKEN_RE)
        self.assertNotEqual(d.port, 0)
        r = d.request("GET", "/api/v1/status")
        self.assertEqual(r.status, 200)
        d.stop()
        self.assertEqual(d.stdout_rest, b"", "more stdout after ready line")

    def test_sigterm_and_sigint_exit_0(self):
        d = self.daemon().start()
        d.request("POST", "/api/v1/accounts", {
            "name": "A", "username": "1", "domain": "example.com",
            "server": "wss://example.com/ws", "enabled": False})
        self.assertEqual(d.stop(signal.SIGTERM), 0)
        d.start()
        self.assertEqual(d.stop(signal.SIGINT), 0)

    def test_sigterm_with_open_websocket(self):
        d = self.daemon().start()
        ws = d.ws()
        self.addCleanup(ws.close)
        self.assertEqual(ws.recv_json()["type"], "hello")
        self.assertEqual(d.stop(signal.SIGTERM), 0)

    def test_data_dir_modes(self):
        d = self.daemon().start()
        mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
        self.assertEqual(mode(d.data_dir), 0o700)
        self.assertEqual(mode(os.path.join(d.data_dir, "arsphone.db")), 0o600)
        self.assertEqual(mode(os.path.join(d.data_dir, "token")), 0o600)
        d.stop()
        # WAL side files must not be readable by others either
        for extra in glob.glob(os.path.join(d.data_dir, "arsphone.db-*")):
            self.assertEqual(mode(extra) & 0o077, 0, extra)

    def test_data_dir_modes_under_permissive_umask(self):
        old = os.umask(0)
        try:
            d = self.daemon().start()
        finally:
            os.umask(old)
        mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
        self.assertEqual(mode(d.data_dir), 0o700)
        self.assertEqual(mode(os.path.join(d.data_dir, "arsphone.db")), 0o600)
        self.assertEqual(mode(os.path.join(d.data_dir, "token")), 0o600)

    def test_token_stable_and_64_hex(self):
        d = self.daemon().start()
        first = d.token
        self.assertRegex(first, TOKEN_RE)
        with open(os.path.join(d.data_dir, "token")) as f:
            self.assertEqual(f.read().strip(), first)
        d.restart()
        self.assertEqual(d.token, first)
        d.restart(kill=True)
        self.assertEqual(d.token, first)
        # a second data dir gets a different token
        other = self.daemon().start()
        self.assertNotEqual(other.token, first)

    def test_listens_on_127_0_0_1_only(self):
        d = self.daemon().start()
        socks = daemon.listening_sockets(d.pid)
        self.assertEqual(socks, [(4, ("127.0.0.1", d.port))])

    def test_restart_same_port(self):
        d = self.daemon().start()
        port = d.port
        self.assertEqual(d.request("GET", "/api/v1/status").status, 200)
        d.restart()
        self.assertEqual(d.port, port)
        self.assertEqual(d.request("GET", "/api/v1/status").status, 200)


class TestDatabaseRefusal(Tmp):
    def make_db(self):
        """A data dir made by the daemon with one account; daemon stopped."""
        d = self.daemon().start()
        r = d.request("POST", "/api/v1/accounts", {
            "name": "Keep", "username": "1", "domain": "example.com",
            "server": "wss://example.com/ws", "enabled": False})
        self.assertEqual(r.status, 201, r)
        d.stop()
        return d

    def test_newer_db_refused_untouched(self):
        known = schema_version()
        self.assertGreater(known, 0, "no schema/NNNN_*.sql migrations found")
        d = self.make_db()
        db = os.path.join(d.data_dir, "arsphone.db")
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0],
                         known)
        con.execute("PRAGMA user_version = %d" % (known + 1))
        con.commit()
        con.close()
        before = sha256(db)
        wal = db + "-wal"
        wal_before = sha256(wal) if os.path.exists(wal) else None
        r = daemon.run(d.command()[1:], env=d.env)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"control page", r.stdout)
        msg = r.stderr.decode(errors="replace").lower()
        self.assertTrue("newer" in msg or str(known + 1) in msg, msg)
        self.assertEqual(sha256(db), before, "database file modified")
        if wal_before:
            self.assertEqual(sha256(wal), wal_before, "WAL file modified")
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0],
                         known + 1)
        con.close()

    def test_corrupt_db_refused_untouched(self):
        data = os.path.join(self.tmpdir(), "data")
        os.mkdir(data, 0o700)
        db = os.path.join(data, "arsphone.db")
        junk = os.urandom(16384)
        with open(db, "wb") as f:
            f.write(junk)
        os.chmod(db, 0o600)
        r = daemon.run(["--data-dir", data, "--listen", "127.0.0.1:0",
                        "--no-open"])
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"control page", r.stdout)
        msg = r.stderr.decode(errors="replace").lower()
        self.assertTrue("arsphone.db" in msg or "database" in msg, msg)
        with open(db, "rb") as f:
            self.assertEqual(f.read(), junk, "corrupt database file modified")

    def test_truncated_sqlite_db_refused_untouched(self):
        d = self.make_db()
        db = os.path.join(d.data_dir, "arsphone.db")
        with open(db, "rb") as f:
            head = f.read(100)      # a valid SQLite header, nothing else
        junk = head + os.urandom(4000)
        with open(db, "wb") as f:
            f.write(junk)
        r = daemon.run(d.command()[1:], env=d.env)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"control page", r.stdout)
        with open(db, "rb") as f:
            self.assertEqual(f.read(), junk, "database file modified")


if __name__ == "__main__":
    unittest.main()
