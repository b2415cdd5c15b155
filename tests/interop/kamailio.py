"""Our own Kamailio 5.6 as the WS/WSS registrar, for the interop tests.

Kamailio(certs, ...) writes kamailio.cfg and tls.cfg into a temporary
directory and runs `kamailio -DD -E -f CFG` in the foreground (its own
process group; stderr to kamailio.log there), listening on 127.0.0.1 only:

  tcp:127.0.0.1:ws_port    plain WebSocket (ws://127.0.0.1:ws_port/)
  tls:127.0.0.1:wss_port   WebSocket over TLS with certs.server_cert

Registrar + usrloc in memory, digest authentication against an htable of
users (default 505/secret505, 506/secret506), nathelper for WebSocket
clients (fix_nated_register, received_avp shared with the registrar),
min_expires / max_expires configurable, ctl on a unix socket for
`kamcmd ul.dump`. Other requests to a registered user are relayed to its
contact over the client's own WebSocket flow (lookup + handle_ruri_alias),
so a test can prove the registration is reachable.

auth_algorithm: Kamailio 5.6's auth module has a global `algorithm`
modparam ("MD5" or "SHA-256"): it challenges with that one algorithm only
and cannot offer both in one 401 (the fake PBX covers the double challenge).

Methods: start() (waits until both ports accept), stop() (SIGTERM, wait),
kill9(), restart() (same ports), contacts(aor) from ul.dump, log().
The packaged service must not run: stop_packaged_service() stops it by its
pid file. Every process started here is ended by PID in stop()/close()
and by an atexit hook.
"""

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from packaged import stop_packaged_daemon  # tests/interop/packaged.py

KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"
KAMCMD = shutil.which("kamcmd") or "/usr/sbin/kamcmd"
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules"
PACKAGED_PIDFILES = ("/run/kamailio/kamailio.pid",
                     "/var/run/kamailio/kamailio.pid")

DEFAULT_USERS = {"505": "secret505", "506": "secret506"}
REALM = "pbx.arsphone.test"

_live = set()


def _become_subreaper():
    """Orphaned Kamailio children (after kill -9 of the main process) are
    re-parented to us instead of PID 1, so that we reap them (PID 1 in a
    container may not)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_CHILD_SUBREAPER = 36
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


_become_subreaper()


def _die_with_parent():
    """preexec_fn: Kamailio gets SIGTERM if the test process dies without
    cleaning up (SIGKILL by a test runner), so it never outlives us."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _cleanup_all():
    for k in list(_live):
        k.close()


atexit.register(_cleanup_all)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def modules_dir():
    for cand in (MODULES, "/usr/lib/kamailio/modules",
                 "/usr/lib64/kamailio/modules"):
        if os.path.exists(os.path.join(cand, "websocket.so")):
            return cand
    out = subprocess.run(["dpkg", "-L", "kamailio-websocket-modules"],
                         stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        if line.endswith("/websocket.so"):
            return os.path.dirname(line)
    raise RuntimeError("kamailio websocket.so not found "
                       "(install kamailio-websocket-modules)")


def stop_packaged_service():
    """Stop a Kamailio that the Debian package started (found by its pid
    file, never by name); ours are started without -P."""
    stop_packaged_daemon("kamailio", PACKAGED_PIDFILES, "kamailio")


CFG = r"""#!KAMAILIO
# Written by tests/interop/kamailio.py for one test run. 127.0.0.1 only.

debug=1
log_stderror=yes
memdbg=5
memlog=5
children=2
auto_aliases=no
dns=no
rev_dns=no
dns_try_ipv6=no
use_dns_cache=no
dns_try_naptr=no
server_header="Server: kamailio-interop"
user_agent_header="User-Agent: kamailio-interop"

listen=tcp:127.0.0.1:@WS_PORT@
listen=tls:127.0.0.1:@WSS_PORT@
enable_tls=yes
disable_sctp=yes
tcp_accept_no_cl=yes
tcp_rd_buf_size=65536
tcp_connection_lifetime=3605
alias="@REALM@"

mpath="@MODULES@"

loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "ctl.so"
loadmodule "htable.so"
loadmodule "auth.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "nathelper.so"
loadmodule "tls.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"

modparam("ctl", "binrpc", "unix:@CTL@")
modparam("tls", "config", "@TLSCFG@")
modparam("htable", "htable", "users=>size=4;")
modparam("auth", "algorithm", "@ALGORITHM@")
modparam("auth", "nonce_expire", @NONCE_EXPIRE@)
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "timer_interval", 5)
modparam("registrar", "min_expires", @MIN_EXPIRES@)
# 1: answer 423 Interval Too Brief (else the expiry is silently raised)
modparam("registrar", "min_expires_mode", 1)
modparam("registrar", "max_expires", @MAX_EXPIRES@)
modparam("registrar", "default_expires", @DEFAULT_EXPIRES@)
modparam("registrar", "received_avp", "$avp(RECEIVED)")
modparam("registrar", "gruu_enabled", 0)
modparam("nathelper", "received_avp", "$avp(RECEIVED)")
# 1: the "sip" subprotocol (RFC 7118)
modparam("websocket", "sub_protocols", 1)
modparam("websocket", "keepalive_mechanism", 0)

event_route[htable:mod-init] {
@USERS@
}

request_route {
	xlog("L_NOTICE", "IN $rm $ru from $proto:$si:$sp cseq=$cs\n");
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (!sanity_check("17895", "7")) {
		xlog("L_WARN", "malformed request from $si:$sp\n");
		exit;
	}
	force_rport();
	if (nat_uac_test("64")) {
		if (is_method("REGISTER")) {
			fix_nated_register();
		} else if (is_present_hf("Contact")) {
			set_contact_alias();
		}
	}
	if (has_totag()) {
		if (loose_route()) {
			handle_ruri_alias();
			t_relay();
			exit;
		}
		if (is_method("ACK")) {
			if (t_check_trans()) t_relay();
			exit;
		}
		sl_send_reply("404", "Not here");
		exit;
	}
	if (is_method("REGISTER")) {
		if (!is_present_hf("Authorization")) {
			www_challenge("$td", "0");
			exit;
		}
		if (!pv_www_authenticate("$td", "$sht(users=>$au)", "0")) {
			xlog("L_NOTICE", "AUTH $au failed ($rc)\n");
			www_challenge("$td", "0");
			exit;
		}
		if ($au != $tU) {
			sl_send_reply("403", "Forbidden auth ID");
			exit;
		}
		consume_credentials();
		# save() sends the reply itself (200, 423, ...)
		save("location");
		xlog("L_NOTICE", "SAVED $tU expires=$hdr(Expires) rc=$rc\n");
		exit;
	}
	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "OK");
		exit;
	}
	if (is_method("INVITE|SUBSCRIBE")) {
		record_route();
	}
	if (!lookup("location")) {
		t_newtran();
		t_reply("404", "Not Found");
		exit;
	}
	handle_ruri_alias();
	t_relay();
	exit;
}

onreply_route {
	if (nat_uac_test("64") && is_present_hf("Contact")) {
		set_contact_alias();
	}
}

event_route[xhttp:request] {
	set_reply_close();
	set_reply_no_connect();
	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade"
			&& $rm =~ "GET") {
		if (ws_handle_handshake()) {
			exit;
		}
	}
	xhttp_reply("404", "Not Found", "text/plain", "not here\n");
}
"""

TLS_CFG = """[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = @KEY@
certificate = @CERT@

[client:default]
verify_certificate = no
require_certificate = no
"""


class Kamailio:
    """One Kamailio of our own; see the module docstring."""

    def __init__(self, certs, users=None, min_expires=60, max_expires=3600,
                 default_expires=3600, algorithm="MD5", nonce_expire=300,
                 cert="server", ws_port=None, wss_port=None):
        self.certs = certs
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.default_expires = default_expires
        self.algorithm = algorithm
        self.nonce_expire = nonce_expire
        self.cert = cert
        self.ws_port = ws_port or free_port()
        self.wss_port = wss_port or free_port()
        while self.wss_port == self.ws_port:
            self.wss_port = free_port()
        self.dir = tempfile.mkdtemp(prefix="arsphone-kamailio-")
        self.cfg_path = os.path.join(self.dir, "kamailio.cfg")
        self.tls_path = os.path.join(self.dir, "tls.cfg")
        self.ctl_path = os.path.join(self.dir, "ctl.sock")
        self.log_path = os.path.join(self.dir, "kamailio.log")
        self.proc = None
        self.starts = 0
        _live.add(self)

    # ------------------------------------------------------------ config
    def write_config(self):
        users = "\n".join('\t$sht(users=>%s) = "%s";' % (u, p)
                          for u, p in sorted(self.users.items()))
        cert, key = self.certs.pair(self.cert)
        subst = {"WS_PORT": self.ws_port, "WSS_PORT": self.wss_port,
                 "MODULES": modules_dir(), "CTL": self.ctl_path,
                 "TLSCFG": self.tls_path, "ALGORITHM": self.algorithm,
                 "NONCE_EXPIRE": self.nonce_expire,
                 "MIN_EXPIRES": self.min_expires,
                 "MAX_EXPIRES": self.max_expires,
                 "DEFAULT_EXPIRES": self.default_expires,
                 "REALM": REALM, "USERS": users}
        text = CFG
        for name, value in subst.items():
            text = text.replace("@%s@" % name, str(value))
        with open(self.cfg_path, "w") as f:
            f.write(text)
        with open(self.tls_path, "w") as f:
            f.write(TLS_CFG.replace("@KEY@", key).replace("@CERT@", cert))

    def check_config(self):
        """kamailio -c: parse the config without running. Returns output."""
        self.write_config()
        proc = subprocess.run([KAMAILIO, "-c", "-f", self.cfg_path],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=30)
        if proc.returncode != 0:
            raise RuntimeError("kamailio -c failed:\n" + proc.stdout[-4000:])
        return proc.stdout

    # --------------------------------------------------------- lifecycle
    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, timeout=15):
        assert self.proc is None, "already running"
        stop_packaged_service()
        self.write_config()
        log = open(self.log_path, "ab")
        log.write(b"\n===== start %d =====\n" % (self.starts + 1))
        log.flush()
        try:
            # own session (process group): stop() can signal every child
            # by our own PID's group, never by name
            self.proc = subprocess.Popen(
                [KAMAILIO, "-DD", "-E", "-f", self.cfg_path, "-Y", self.dir,
                 "-w", self.dir, "-m", "64", "-M", "8"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                raise RuntimeError("kamailio exited %s at start; log:\n%s"
                                   % (rc, self.log()[-4000:]))
            if (port_accepts(self.ws_port) and port_accepts(self.wss_port)
                    and os.path.exists(self.ctl_path)):
                return self
            if time.monotonic() > deadline:
                self.kill9()
                raise RuntimeError("kamailio not listening after %ss; log:\n%s"
                                   % (timeout, self.log()[-4000:]))
            time.sleep(0.05)

    def _signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout=10):
        """SIGTERM to our kamailio (its process group) and wait. Returns
        the exit status."""
        if not self.proc:
            return None
        self._signal_group(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            rc = self.proc.wait(5)
        self._reap_group()
        self.proc = None
        return rc

    def kill9(self):
        """SIGKILL our kamailio and all its children at once."""
        if not self.proc:
            return
        self._signal_group(signal.SIGKILL)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._reap_group()
        self.proc = None

    def _reap_group(self):
        """Wait until no process of our group is left (the children)."""
        pgid = self.proc.pid
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            _reap_zombies(pgid)
            left = [p for p in _group_members(pgid)]
            if not left:
                break
            if time.monotonic() > deadline - 2:
                for p in left:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.05)
        try:
            os.unlink(self.ctl_path)
        except OSError:
            pass

    def restart(self, kill=False):
        """Stop (or kill -9) and start again on the same ports."""
        if self.proc:
            self.kill9() if kill else self.stop()
        deadline = time.monotonic() + 10
        while port_accepts(self.ws_port) or port_accepts(self.wss_port):
            if time.monotonic() > deadline:
                raise RuntimeError("ports still taken after stop")
            time.sleep(0.05)
        return self.start()

    def close(self, keep=False):
        self.kill9()
        _live.discard(self)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -------------------------------------------------------------- info
    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def url(self, secure=True, host="127.0.0.1", path="/"):
        if secure:
            return "wss://%s:%d%s" % (host, self.wss_port, path)
        return "ws://%s:%d%s" % (host, self.ws_port, path)

    def kamcmd(self, *args, timeout=10):
        proc = subprocess.run([KAMCMD, "-s", "unix:" + self.ctl_path]
                              + list(args), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError("kamcmd %s failed: %s%s"
                               % (" ".join(args), proc.stdout, proc.stderr))
        return proc.stdout

    def ul_dump(self):
        """ul.dump parsed: {aor: [contact dict]} (keys as kamcmd prints
        them: Address, Expires, Received, Instance, Reg-Id, Socket, ...)."""
        return parse_ul_dump(self.kamcmd("ul.dump"))

    def contacts(self, aor):
        """Contacts of aor (e.g. '505'), each a dict with 'uri', 'expires'
        (int seconds left, or None for permanent), 'received', 'instance'
        (without <>), 'reg_id' and everything else ul.dump printed."""
        out = []
        for c in self.ul_dump().get(aor, []):
            d = dict(c)
            d["uri"] = c.get("Address")
            exp = c.get("Expires", "")
            d["expires"] = int(exp) if re.fullmatch(r"-?\d+", exp) else None
            rec = c.get("Received")
            d["received"] = None if rec in (None, "[not set]") else rec
            inst = c.get("Instance")
            d["instance"] = None if inst in (None, "[not set]") else \
                inst.strip("<>")
            rid = c.get("Reg-Id")
            d["reg_id"] = int(rid) if rid and rid.isdigit() else None
            out.append(d)
        return out

    def wait_contacts(self, aor, predicate, timeout=10, interval=0.2):
        """Poll contacts(aor) until predicate(list) is true; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.contacts(aor)
            if predicate(got):
                return got
            if time.monotonic() > deadline:
                raise AssertionError("ul.dump of %s after %ss: %r"
                                     % (aor, timeout, got))
            time.sleep(interval)

    def count_in_log(self, pattern):
        return len(re.findall(pattern, self.log()))


def _reap_zombies(pgid):
    """waitpid() every exited child of ours in process group pgid."""
    while True:
        try:
            pid, _ = os.waitpid(-pgid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _group_members(pgid):
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        # fields[0] = state, [2] = pgrp
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(name))
    return out


def parse_rpc_text(text):
    """kamcmd's text output (nested 'Name: {' ... '}' blocks and 'Name:
    value' lines) into nested lists of (name, value) pairs."""
    root = []
    stack = [root]
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line == "}":
            if len(stack) > 1:
                stack.pop()
            continue
        if line == "{":
            node = []
            stack[-1].append(("", node))
            stack.append(node)
            continue
        name, colon, value = line.partition(":")
        value = value.strip()
        if colon and value == "{":
            node = []
            stack[-1].append((name.strip(), node))
            stack.append(node)
        elif colon:
            stack[-1].append((name.strip(), value))
        else:
            stack[-1].append(("", line))
    return root


def _walk(node, name):
    """Every value named name anywhere below node (lists of pairs)."""
    for key, value in node:
        if key == name:
            yield value
        if isinstance(value, list):
            yield from _walk(value, name)


def parse_ul_dump(text):
    tree = parse_rpc_text(text)
    out = {}
    for info in _walk(tree, "Info"):
        if not isinstance(info, list):
            continue
        aor = next((v for k, v in info if k == "AoR"), None)
        contacts = []
        for block in _walk(info, "Contact"):
            if isinstance(block, list):
                contacts.append({k: v for k, v in block
                                 if not isinstance(v, list)})
        if aor is not None:
            out.setdefault(aor, []).extend(contacts)
    return out


if __name__ == "__main__":
    # By hand: python3 kamailio.py -> starts one, registers 505 over WS and
    # WSS with the harness's own client, prints ul.dump, stops.
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import certs as certs_mod
    import siputil

    c = certs_mod.generate()
    k = Kamailio(c)
    try:
        k.start()
        print("kamailio pid %d ws %d wss %d dir %s"
              % (k.pid, k.ws_port, k.wss_port, k.dir))
        for secure in (False, True):
            port = k.wss_port if secure else k.ws_port
            cl = siputil.WsSipClient("127.0.0.1", port, secure=secure,
                                     ssl_context=c.client_context(),
                                     server_hostname="pbx.arsphone.test")
            resp, uri, inst = siputil.register_by_hand(
                cl, "505", "secret505", "pbx.arsphone.test")
            print("secure=%s -> %s" % (secure, resp.first_line))
            print(resp.raw)
            print(k.contacts("505"))
            cl.close()
    finally:
        k.stop()
        print(k.log()[-3000:])
        shutil.rmtree(c.dir, ignore_errors=True)
