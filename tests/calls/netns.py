"""Network namespaces for the call interop tests (tests/calls/).

How the pieces fit
==================

Every media test makes its own network namespace (NetNS) with one veth pair
whose BOTH ends live inside it:

    namespace arscalls-PID-XXXX   (lo up, IPv6 off, no default route)
      vethA  10.232.N.1/24   Kamailio  WS :5066, WSS :7443 (kamailio_calls.py)
                             rtpengine media ports 30000-30199 (rtpengine.py)
      vethB  10.232.N.2/24   test page server, HTTPS :8443 (pageserver.py;
                             HTTPS so getUserMedia has a secure context)
      lo     127.0.0.1       rtpengine's ng control port (Kamailio -> rtpengine)

Nothing can leave: the namespace has no route anywhere but 10.232.N.0/24, and
every process of the test runs inside it, started as
`ip netns exec NS setsid CMD` so that the PID we hold is the daemon's own
(and its process group): Kamailio, rtpengine, the page server, and one Node
driver per SIP.js phone (sipjs.py + sipjs_driver.mjs), which launches its own
headless Chromium. The harness itself (Python, standard library) stays
outside and reaches into the namespace with pipes (the Node drivers), unix
sockets (kamcmd), and sockets made by a thread that setns()'d into the
namespace (NetNS.socket: readiness checks, rtpengine's ng protocol).

Teardown (NetNS.close, also from atexit and after a failed start) ends every
process we started by PID (SIGTERM to its group, then SIGKILL), then any
process still inside the namespace (`ip netns pids`: only ours can be there),
deletes the namespace and its /etc/netns/NS/hosts. Stale namespaces of dead
runs (name arscalls-PID-... with PID gone) are removed at the next start.

Media path of a call (test_sipjs_to_sipjs.py):

    Chromium 506 --WSS--> Kamailio <--WSS-- Chromium 507
        | DTLS-SRTP/ICE      | ng (rtpengine_offer/answer)  | DTLS-SRTP/ICE
        +--------------> rtpengine 10.232.N.1 <-------------+

Each Chromium captures a generated tone WAV (tones.py) through its fake audio
device; the page (sipjs_page/) feeds the remote stream to an <audio> element
and an AnalyserNode, and window.phone.detectTone(HZ) reports the level at HZ
against its neighbours.

How arsphone plugs in (issue 4)
===============================

Replace one SipJsPhone by the daemon; everything else stays (test_arsphone_
lab.py already does the first half: arsphone registered in the lab):

    lab = CallLab().start()
    d = lab.start_arsphone(['--audio-in', 'tone:440',
                            '--audio-out', 'file:' + lab.dir + '/heard.wav'])
    with lab.ns.entered():          # arsphone's API is on the namespace's
        acc = d.create_account(**lab.arsphone_account('505'))   # 127.0.0.1
        d.wait(acc['id'], 'registered')
        ... POST /api/v1/calls {"account_id": acc['id'], "to": "507"} ...
    b = lab.phone('b', 880); b.register('507', 'secret507', lab.kam.wss_url())
    b.wait("phone.state === 'incoming'"); b.answer()
    b.detect_tone([440, 880])       # hears arsphone's 440 Hz, not its own
    tones.detect_in_wav(lab.dir + '/heard.wav', 880)   # arsphone heard 880

start_arsphone() runs $ARSPHONE_BIN as `ip netns exec NS setsid arsphone
...` (tests/interop/arsphone.py's Arsphone, command wrapped), so its PID is
the daemon's and close() ends it. The account (arsphone_account): username
505 (or 506/507), password secret505, domain pbx.arsphone.test, server
wss://pbx.arsphone.test:7443/ with host_map pbx.arsphone.test -> Kamailio's
veth address, TLS mode verify with ca_pem = the certs.py test CA (the server
certificate names pbx.arsphone.test). Media failure: lab.rtp.pause() stops
rtpengine (SIGSTOP) mid-call, resume() undoes it. Codec coverage: the SIP.js
side can offer or answer only PCMU/PCMA with phone.set_codecs(['PCMU']).

Files: netns.py (this), rtpengine.py, kamailio_calls.py, pageserver.py,
sipjs_page/ (index.html, phone.js), sipjs_driver.mjs + sipjs.py (the phones),
tones.py (tone WAVs, Goertzel detector), procstats.py (PSS/CPU of a process
tree), lab.py (CallLab: all of it), test_*.py, bench_sipjs_call.py (the
Chromium + SIP.js figures for issue 4's comparison).

This module: NetNS(prefix) -> create() / close(), run(argv) (a command inside,
waited for), popen(argv) (a daemon inside, PID = the daemon), stop(proc),
socket(...) / port_open(addr, port) / wait_port(...), entered() (the calling
thread joins the namespace for a with-block), pids(). lab.py puts it all
together (CallLab), test_sipjs_to_sipjs.py and test_arsphone_lab.py use it.
"""

import atexit
import contextlib
import ctypes
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

IP = shutil.which("ip") or "/usr/sbin/ip"
SETSID = shutil.which("setsid") or "/usr/bin/setsid"
CLONE_NEWNET = 0x40000000
PREFIX = "arscalls"

_live = set()
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """preexec_fn: the child gets SIGTERM if the test process dies without
    cleaning up (`ip netns exec` and setsid exec in place: it is inherited
    by the daemon itself)."""
    try:
        PR_SET_PDEATHSIG = 1
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _cleanup_all():
    for ns in list(_live):
        try:
            ns.close()
        except Exception as e:                  # keep cleaning up
            print("netns cleanup of %s: %r" % (ns.name, e))


atexit.register(_cleanup_all)


def _ip(*args, check=True, timeout=20):
    proc = subprocess.run([IP] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError("ip %s failed (%d): %s" % (
            " ".join(args), proc.returncode, proc.stderr.strip()))
    return proc.stdout


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _proc_table():
    """{pid: (ppid, pgid)} of every live process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] == "Z":
            continue
        out[int(name)] = (int(fields[1]), int(fields[2]))
    return out


def descendants(pid):
    """PIDs of every live descendant of pid (children first by depth)."""
    table = _proc_table()
    kids = {}
    for p, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(p)
    out, todo = [], [pid]
    while todo:
        cur = todo.pop(0)
        for k in kids.get(cur, []):
            out.append(k)
            todo.append(k)
    return out


def _reap():
    """waitpid() any exited child of ours (we may be a subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_tree(pid, timeout=5.0):
    """SIGTERM pid's process group and every descendant of pid (by PID),
    wait up to timeout, then SIGKILL whatever is left. pid was started with
    setsid, so its group is its own."""
    victims = [pid] + descendants(pid)
    for p in victims:                   # a paused (SIGSTOP) one too
        try:
            os.kill(p, signal.SIGCONT)
        except ProcessLookupError:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        for p in victims:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM
                                       else 5.0)
        while time.monotonic() < deadline:
            _reap()
            victims = [p for p in victims if _alive(p)]
            if not victims:
                return True
            time.sleep(0.05)
    return not victims


def _ns_fd(name):
    return os.open("/run/netns/%s" % name, os.O_RDONLY | os.O_CLOEXEC)


def in_netns(name, fn, *args):
    """Run fn(*args) in a new thread that joined namespace name (setns is
    per thread for network namespaces); returns its result. Sockets made
    there stay in the namespace and may be used from any thread."""
    box = {}

    def body():
        try:
            fd = _ns_fd(name)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, "setns(%s): %s"
                                  % (name, os.strerror(err)))
            finally:
                os.close(fd)
            box["value"] = fn(*args)
        except BaseException as e:              # handed to the caller
            box["error"] = e

    t = threading.Thread(target=body, name="netns-" + name, daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def cleanup_stale(prefix=PREFIX):
    """Delete namespaces prefix-PID-... left by runs whose PID is gone (a
    test runner's SIGKILL), ending the processes still inside them."""
    for line in _ip("netns", "list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.fullmatch(re.escape(prefix) + r"-(\d+)-[0-9a-f]+", name)
        if not m or _alive(int(m.group(1))):
            continue
        for pid in _ns_pids(name):
            kill_tree(pid, timeout=2)
        _ip("netns", "delete", name, check=False)
        shutil.rmtree("/etc/netns/%s" % name, ignore_errors=True)


def _ns_pids(name):
    out = _ip("netns", "pids", name, check=False)
    return [int(x) for x in out.split() if x.isdigit()]


class NetNS:
    """One private network namespace with a veth pair inside; see above.

    addr_a / addr_b: 10.232.N.1 / 10.232.N.2 (N random unless given);
    hosts: {name: address} written to /etc/netns/NAME/hosts, which
    `ip netns exec` bind-mounts on /etc/hosts for everything started inside.
    """

    def __init__(self, prefix=PREFIX, subnet=None, hosts=None):
        tag = os.urandom(3).hex()
        self.name = "%s-%d-%s" % (prefix, os.getpid(), tag)
        self.subnet = subnet if subnet is not None else random.randint(1, 254)
        self.addr_a = "10.232.%d.1" % self.subnet
        self.addr_b = "10.232.%d.2" % self.subnet
        # interface names: at most 15 characters
        self.if_a = "acv%sa" % tag
        self.if_b = "acv%sb" % tag
        self.hosts = dict(hosts or {})
        self.created = False
        self._procs = []            # (label, Popen) in start order

    # --------------------------------------------------------- lifecycle
    def create(self):
        cleanup_stale()
        _live.add(self)
        try:
            _ip("netns", "add", self.name)
            self.created = True
            self.sysctl("net.ipv6.conf.all.disable_ipv6", 1)
            self.sysctl("net.ipv6.conf.default.disable_ipv6", 1)
            self.run([IP, "link", "set", "lo", "up"])
            _ip("link", "add", self.if_a, "type", "veth", "peer", "name",
                self.if_b)
            for ifname in (self.if_a, self.if_b):
                try:
                    _ip("link", "set", ifname, "netns", self.name)
                except RuntimeError:
                    _ip("link", "delete", ifname, check=False)
                    raise
            for ifname, addr in ((self.if_a, self.addr_a),
                                 (self.if_b, self.addr_b)):
                # off before the link is up: no IPv6 neighbour discovery
                self.sysctl("net.ipv6.conf.%s.disable_ipv6" % ifname, 1)
                _ip("-n", self.name, "addr", "add", addr + "/24", "dev",
                    ifname)
            for ifname in (self.if_a, self.if_b):
                _ip("-n", self.name, "link", "set", ifname, "up")
            if self.hosts:
                d = "/etc/netns/%s" % self.name
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "hosts"), "w") as f:
                    f.write("127.0.0.1\tlocalhost\n")
                    for host, addr in self.hosts.items():
                        f.write("%s\t%s\n" % (addr, host))
        except BaseException:
            self.close()
            raise
        return self

    def sysctl(self, key, value):
        path = "/proc/sys/" + key.replace(".", "/")

        def write():
            # /proc/sys/net is the opening thread's namespace
            with open(path, "w") as f:
                f.write(str(value))
        in_netns(self.name, write)

    def close(self):
        """End every process we started (reverse order), then anything
        still inside, delete the namespace. Safe to call twice."""
        errors = []
        for label, proc in reversed(self._procs):
            if proc.poll() is None or descendants(proc.pid):
                if not kill_tree(proc.pid):
                    errors.append("%s (pid %d) survived SIGKILL"
                                  % (label, proc.pid))
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                errors.append("%s (pid %d) not reaped" % (label, proc.pid))
        self._procs.clear()
        if self.created:
            for pid in _ns_pids(self.name):
                kill_tree(pid, timeout=2)
            _ip("netns", "delete", self.name, check=False)
            self.created = False
        shutil.rmtree("/etc/netns/%s" % self.name, ignore_errors=True)
        try:
            os.rmdir("/etc/netns")          # only when empty
        except OSError:
            pass
        _live.discard(self)
        if errors:
            raise RuntimeError("; ".join(errors))

    def __enter__(self):
        return self.create()

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ running
    def argv(self, argv, own_session=True):
        """The command line that runs argv inside (setsid: own session)."""
        return ([IP, "netns", "exec", self.name]
                + ([SETSID] if own_session else []) + list(argv))

    def run(self, argv, timeout=60, check=True, **kw):
        """Run argv inside and wait; returns CompletedProcess (text unless
        text=False)."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        proc = subprocess.run(self.argv(argv, own_session=False),
                              timeout=timeout, **kw)
        if check and proc.returncode != 0:
            raise RuntimeError("in %s: %s failed (%d): %s%s" % (
                self.name, " ".join(argv), proc.returncode, proc.stdout,
                proc.stderr))
        return proc

    def popen(self, argv, label=None, log_path=None, **kw):
        """Start a daemon inside as `ip netns exec NS setsid ARGV`: ip and
        setsid exec in place, so proc.pid is the daemon's PID and its own
        process group. stdout+stderr go to log_path when given. The process
        is ended by close() (or stop())."""
        assert self.created, "namespace not created"
        log = None
        if log_path:
            log = open(log_path, "ab")
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", subprocess.STDOUT)
        kw.setdefault("stdin", subprocess.DEVNULL)
        try:
            proc = subprocess.Popen(self.argv(argv), preexec_fn=_die_with_parent,
                                    **kw)
        finally:
            if log:
                log.close()
        self._procs.append((label or os.path.basename(argv[0]), proc))
        return proc

    def stop(self, proc, timeout=5.0):
        """End one process started by popen() (and its descendants)."""
        kill_tree(proc.pid, timeout)
        try:
            rc = proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            rc = None
        self._procs = [(l, p) for l, p in self._procs if p is not proc]
        return rc

    def pids(self):
        return _ns_pids(self.name)

    # ------------------------------------------------------------ sockets
    @contextlib.contextmanager
    def entered(self):
        """The calling thread joins the namespace for the block: sockets it
        makes there are inside (tests/api/daemon.py's HTTP and WebSocket
        helpers then reach an arsphone started with popen() on the
        namespace's 127.0.0.1, unchanged). Processes are still started with
        popen()/run(), which name the namespace themselves."""
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            fd = _ns_fd(self.name)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, "setns(%s): %s"
                                  % (self.name, os.strerror(err)))
            finally:
                os.close(fd)
            try:
                yield self
            finally:
                if _libc.setns(own, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, "setns back: %s" % os.strerror(err))
        finally:
            os.close(own)

    def socket(self, family=socket.AF_INET, type=socket.SOCK_STREAM):
        """A socket inside the namespace (usable from any thread)."""
        return in_netns(self.name, socket.socket, family, type)

    def port_open(self, addr, port, timeout=0.5):
        """Does addr:port accept TCP connections inside the namespace?"""
        s = self.socket()
        try:
            s.settimeout(timeout)
            s.connect((addr, port))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def wait_port(self, addr, port, timeout=15, proc=None, what=None):
        """Wait until addr:port accepts; raise if proc exits first."""
        deadline = time.monotonic() + timeout
        while not self.port_open(addr, port):
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("%s exited (%s) before %s:%d accepted"
                                   % (what or "process", proc.returncode,
                                      addr, port))
            if time.monotonic() > deadline:
                raise RuntimeError("%s: %s:%d not accepting after %ss"
                                   % (what or "process", addr, port, timeout))
            time.sleep(0.05)


if __name__ == "__main__":
    # By hand: python3 netns.py -> makes a namespace, shows it, removes it.
    with NetNS(hosts={"pbx.arsphone.test": "10.232.0.1"}) as ns:
        print(ns.name, ns.addr_a, ns.addr_b)
        print(ns.run([IP, "-brief", "addr"]).stdout)
        print(ns.run(["cat", "/etc/hosts"]).stdout)
        p = ns.popen(["sleep", "30"], label="sleep")
        print("sleep pid", p.pid, "in ns:", ns.pids())
    print("after close:", _ip("netns", "list"))
