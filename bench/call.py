#!/usr/bin/env python3
"""arsphone against SIP.js in headless Chromium: the same calls, one run.

Everything happens inside one fresh call lab (tests/calls/lab.py: a private
network namespace with Kamailio and rtpengine; see tests/calls/netns.py).
A SIP.js peer (507, sending 880 Hz, answering every incoming call at once
from inside its page) is called by, and calls, the phone under test:

  1. arsphone (505) with --audio-in tone:440 --audio-out null --sip-trace:
     - idle registered (--idle s, before any call: the media module is not
       loaded yet): CPU % of one core, PSS, threads;
     - the media warm-up the page asks for when the user starts to dial
       (POST /api/v1/media/warmup; skipped with --cold): how long it took,
       and idle PSS once warm;
     - --calls outgoing calls: API request -> first INVITE on the wire and
       first INVITE -> established (the `call` event) / -> media connected
       (log line), and the peer's answer -> our established; the first call
       separately (with --cold it loads the media module itself);
     - --calls incoming calls: INVITE received -> `incoming` event, and
       answer request (POST .../answer) -> 200 sent;
     - one call held --seconds (30 s): CPU, PSS (max of 1 s samples),
       threads; afterwards idle again (module loaded) for --idle s.
     Times on the wire come from the --sip-trace stamps on stderr (wall
     clock, ms), API requests and events from this process's clock.
  2. SIP.js 0.21 in Chromium (506, the same tone), the same steps; its
     timings from the page (performance clock: call()/answer() -> SIP
     lines seen by its transport), CPU/PSS/threads of Chromium's whole
     process tree (tests/calls/procstats.py; the Node driver is left out).

Prints the figures next to the targets of issue 4 (established < 250 ms,
request -> INVITE < 50 ms, in-call PSS < 25 MB and CPU < 3 % of a core;
at least 15x less memory and 3x less CPU than Chromium + SIP.js) and the
ratios, then one `bench-call:` JSON line. Asserts nothing about timings;
exits non-zero only when a call cannot be made at all.

    python3 bench/call.py [--binary build/arsphone] [--seconds 30]
                          [--idle 10] [--calls 5] [--cold]
Needs root and what the call lab needs (tests/calls/meson.build).
"""

import argparse
import datetime
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "calls"))

import procstats                                 # noqa: E402
from lab import CallLab, missing_requirements    # noqa: E402

TARGETS = {"established_ms": 250, "request_to_invite_ms": 50,
           "in_call_pss_mb": 25, "in_call_cpu_pct": 3,
           "mem_ratio": 15, "cpu_ratio": 3}

# the peer answers every incoming call as soon as it rings (no round trip
# through the harness): installed once in its page
AUTO_ANSWER = """(() => {
  if (!window.__autoAnswer) {
    window.__autoAnswer = setInterval(() => {
      if (phone.state === 'incoming' && phone.direction === 'in' && !phone.__answering) {
        phone.__answering = true;
        phone.answer().catch(() => {}).finally(() => { phone.__answering = false; });
      }
    }, 2);
  }
  return true;
})()"""

TRACE_RE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) SIP (sent|received) "
                      r"by .*$", re.M)
CONNECTED_RE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) arsphone\[media\] "
                          r"\w+: \[call-(\d+)\] media connected", re.M)


# ------------------------------------------------------------------ helpers
def stamp_to_epoch(h, m, s, ms):
    """A HH:MM:SS.mmm local-time stamp of today (or yesterday, just after
    midnight) as a Unix time."""
    now = datetime.datetime.now()
    t = now.replace(hour=int(h), minute=int(m), second=int(s),
                    microsecond=int(ms) * 1000)
    if t - now > datetime.timedelta(hours=12):
        t -= datetime.timedelta(days=1)
    return t.timestamp()


def trace_messages(log_text):
    """[(unix time, 'sent'|'received', message text)] of a --sip-trace."""
    out = []
    marks = list(TRACE_RE.finditer(log_text))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(log_text)
        out.append((stamp_to_epoch(*m.groups()[:4]), m.group(5),
                    log_text[m.end() + 1:end]))
    return out


def call_id_of(text):
    m = re.search(r"^(?:Call-ID|i)\s*:\s*(\S+)", text, re.M | re.I)
    return m.group(1) if m else None


def cseq_method(text):
    m = re.search(r"^CSeq\s*:\s*\d+\s+(\S+)", text, re.M | re.I)
    return m.group(1) if m else None


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": round(statistics.median(values), 1),
            "max": round(max(values), 1), "n": len(values)}


def ms(a, b):
    return None if a is None or b is None else round((b - a) * 1000, 1)


def sec(page_ms):
    """A page time (ms since the epoch) as a Unix time."""
    return None if page_ms is None else page_ms / 1000


def measure(pid, seconds):
    """procstats over seconds of pid's process tree."""
    s = procstats.Sampler(pid).start()
    time.sleep(seconds)
    return s.stop()


class Bench:
    def __init__(self, opts):
        self.opts = opts
        self.lab = None
        self.d = None
        self.acc = None
        self.peer = None
        self.out = {"arsphone": {}, "sipjs": {}}

    # ------------------------------------------------------------- lab
    def start_lab(self):
        self.lab = CallLab().start()
        self.peer = self.lab.phone("peer", 880)
        self.peer.register("507", "secret507", self.lab.kam.wss_url())
        self.peer.get(AUTO_ANSWER)

    def peer_idle(self):
        self.peer.wait("!['incoming','ringing','dialing','established']"
                       ".includes(phone.state)", 15)

    # -------------------------------------------------------- arsphone
    def api(self, method, path, body=None, expect=None):
        with self.lab.ns.entered():
            return self.d.api(method, path, body, expect=expect).json

    def call_event(self, call_id, states, since, timeout=15):
        """(time, call) of the first `call` event of call_id in one of
        states, from event index since."""
        ev = self.d.events
        deadline = time.monotonic() + timeout
        with ev.cond:
            while True:
                for t, e in ev.events[since:]:
                    c = e.get("call") if e.get("type") == "call" else None
                    if (c and (call_id is None or c["id"] == call_id)
                            and c["state"] in states):
                        return t, c
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("call %s: no %s event within %ss"
                                       % (call_id, states, timeout))
                ev.cond.wait(min(left, 0.2))

    def ars_trace_since(self, mark):
        return trace_messages(self.d.log_text()[mark:])

    def ars_out_call(self):
        """One outgoing call answered by the peer; returns the call and
        its timings (the call stays up)."""
        mark = len(self.d.log_text())
        since = self.d.events.mark()
        t_req = time.time()
        call = self.api("POST", "/api/v1/calls",
                        {"account_id": self.acc["id"], "to": "507"}, 201)
        t_est, _ = self.call_event(call["id"], ("established",), since)
        self.peer.wait("phone.state === 'established'", 15)
        deadline = time.monotonic() + 10
        connected = None
        while connected is None and time.monotonic() < deadline:
            for m in CONNECTED_RE.finditer(self.d.log_text()[mark:]):
                if int(m.group(5)) == call["id"]:
                    connected = stamp_to_epoch(*m.groups()[:4])
            time.sleep(0.05)
        invites = [t for t, d, text in self.ars_trace_since(mark)
                   if d == "sent" and text.startswith("INVITE ")]
        peer_t = self.peer.get("phone.times")
        return call, {
            "request_to_invite_ms": ms(t_req, invites[0] if invites else None),
            "invite_to_established_ms": ms(invites[0] if invites else None,
                                           t_est),
            "invite_to_media_ms": ms(invites[0] if invites else None,
                                     connected),
            "request_to_established_ms": ms(t_req, t_est),
            "peer_answer_to_established_ms": ms(sec(peer_t.get("answer")),
                                                t_est),
        }

    def ars_warmup(self, pid):
        """What the page does when the user starts to dial."""
        self.api("POST", "/api/v1/media/warmup", None, 202)
        deadline = time.monotonic() + 30
        while True:
            m = self.api("GET", "/api/v1/status", None, 200)["media"]
            if m["state"] in ("warm", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        if m["state"] != "warm":
            raise RuntimeError("media warm-up: %s" % m)
        time.sleep(1)
        return {"ms": round(m["ms"], 1), "idle_warm": measure(pid, 3)}

    def ars_hangup(self, call_id):
        self.api("POST", "/api/v1/calls/%d/hangup" % call_id, None, 200)
        self.call_event(call_id, ("ended",), 0)
        self.peer_idle()

    def ars_in_call(self):
        """The peer calls us; we answer through the API at once."""
        mark = len(self.d.log_text())
        since = self.d.events.mark()
        self.peer.dial("505")
        t_inc, inc = self.call_event(None, ("incoming",), since)
        t_ans = time.time()
        self.api("POST", "/api/v1/calls/%d/answer" % inc["id"], None, 200)
        self.call_event(inc["id"], ("established",), since)
        self.peer.wait("phone.state === 'established'", 15)
        msgs = self.ars_trace_since(mark)
        cid = None
        t_invite = t_200 = None
        for t, d, text in msgs:
            if d == "received" and text.startswith("INVITE ") and not cid:
                cid, t_invite = call_id_of(text), t
            elif (d == "sent" and text.startswith("SIP/2.0 200 ")
                  and cseq_method(text) == "INVITE"
                  and call_id_of(text) == cid and t_200 is None):
                t_200 = t
        return inc, {
            "invite_to_incoming_event_ms": ms(t_invite, t_inc),
            "answer_request_to_200_ms": ms(t_ans, t_200),
        }

    def run_arsphone(self):
        o = self.opts
        res = self.out["arsphone"]
        t0 = time.monotonic()
        self.d = self.lab.start_arsphone(
            args=["--audio-in", "tone:440", "--audio-out", "null"],
            log_level="info")
        with self.lab.ns.entered():
            self.acc = self.d.create_account(
                **self.lab.arsphone_account("505"))
            self.d.wait(self.acc["id"], "registered", timeout=15)
        res["start_to_registered_ms"] = round((time.monotonic() - t0) * 1000)
        pid = self.d.pid
        res["pid_exe"] = os.readlink("/proc/%d/exe" % pid)
        time.sleep(2)
        res["idle_registered"] = measure(pid, o.idle)
        res["warmup"] = None if o.cold else self.ars_warmup(pid)

        outs = []
        for _ in range(o.calls):
            call, t = self.ars_out_call()
            outs.append(t)
            time.sleep(0.5)
            self.ars_hangup(call["id"])
        res["first_out_call"] = outs[0]
        res["out_calls"] = {k: summary([c[k] for c in outs[1:] or outs])
                            for k in outs[0]}
        ins = []
        for _ in range(o.calls):
            inc, t = self.ars_in_call()
            ins.append(t)
            time.sleep(0.5)
            self.ars_hangup(inc["id"])
        res["in_calls"] = {k: summary([c[k] for c in ins]) for k in ins[0]}

        call, _ = self.ars_out_call()
        time.sleep(2)
        res["in_call"] = measure(pid, o.seconds)
        heard = self.peer.detect_tone([440, 880], ms=1000)
        res["in_call"]["peer_heard_440"] = heard[0]
        res["in_call"]["codec"] = self.api(
            "GET", "/api/v1/calls/%d" % call["id"])["codec"]
        self.ars_hangup(call["id"])
        time.sleep(2)
        res["idle_after_calls"] = measure(pid, o.idle)
        with self.lab.ns.entered():
            self.d.stop(timeout=10)

    # ----------------------------------------------------- SIP.js + Chromium
    def sipjs_out_call(self, a):
        a.dial("507")
        a.wait("phone.state === 'established' && "
               "phone.times.media !== undefined", 15)
        self.peer.wait("phone.state === 'established'", 15)
        ct = a.get("phone.times")
        pt = self.peer.get("phone.times")
        inv = [t for t, d, line, _ in a.get("phone.sip")
               if d == "out" and line.startswith("INVITE ")
               and t >= ct["call"]]
        first = inv[0] if inv else None
        return {
            "request_to_invite_ms": ms(sec(ct["call"]), sec(first)),
            "invite_to_established_ms": ms(sec(first), sec(ct["established"])),
            "invite_to_media_ms": ms(sec(first), sec(ct.get("media"))),
            "request_to_established_ms": ms(sec(ct["call"]),
                                            sec(ct["established"])),
            "peer_answer_to_established_ms": ms(sec(pt.get("answer")),
                                                sec(ct["established"])),
        }

    def sipjs_hangup(self, a):
        a.hangup()
        a.wait("phone.state === 'ended'", 15)
        self.peer_idle()

    def sipjs_in_call(self, a):
        self.peer.dial("506")
        a.wait("phone.state === 'incoming'", 15)
        a.answer()
        a.wait("phone.state === 'established'", 15)
        self.peer.wait("phone.state === 'established'", 15)
        ct = a.get("phone.times")
        sip = a.get("phone.sip")
        t_inv = max([t for t, d, line, _ in sip if d == "in"
                     and line.startswith("INVITE ") and t <= ct["incoming"]],
                    default=None)
        t_200 = next((t for t, d, line, cseq in sip
                      if d == "out" and line.startswith("SIP/2.0 200 ")
                      and (cseq or "").endswith("INVITE")
                      and t >= ct["answer"]), None)
        return {"invite_to_incoming_event_ms": ms(sec(t_inv),
                                                  sec(ct["incoming"])),
                "answer_request_to_200_ms": ms(sec(ct["answer"]),
                                               sec(t_200))}

    def run_sipjs(self):
        o = self.opts
        res = self.out["sipjs"]
        t0 = time.monotonic()
        a = self.lab.phone("a", 440)
        reg = a.register("506", "secret506", self.lab.kam.wss_url())
        res["start_to_registered_ms"] = round((time.monotonic() - t0) * 1000)
        res["launch"] = dict(a.ready, register_ms=round(reg["ms"]))
        chromium = a.chromium_pid()
        if not chromium:
            raise RuntimeError("Chromium of the SIP.js phone not found")
        time.sleep(2)
        res["idle_registered"] = measure(chromium, o.idle)
        outs = []
        for _ in range(o.calls):
            outs.append(self.sipjs_out_call(a))
            time.sleep(0.5)
            self.sipjs_hangup(a)
        res["first_out_call"] = outs[0]
        res["out_calls"] = {k: summary([c[k] for c in outs[1:] or outs])
                            for k in outs[0]}
        ins = []
        for _ in range(o.calls):
            ins.append(self.sipjs_in_call(a))
            time.sleep(0.5)
            self.sipjs_hangup(a)
        res["in_calls"] = {k: summary([c[k] for c in ins]) for k in ins[0]}
        self.sipjs_out_call(a)
        time.sleep(2)
        res["in_call"] = measure(chromium, o.seconds)
        st = a.stats()
        res["in_call"]["codec"] = st and st["codec"]
        res["in_call"]["peer_heard_440"] = self.peer.detect_tone(
            [440, 880], ms=1000)[0]
        self.sipjs_hangup(a)
        time.sleep(2)
        res["idle_after_calls"] = measure(chromium, o.idle)
        res["driver_node_pss_mb"] = round(
            procstats.pss_kb([a.proc.pid]) / 1024, 1)


# ------------------------------------------------------------------ report
def fmt(v, unit="ms"):
    if v is None:
        return "n/a"
    if isinstance(v, dict):
        return "median %.1f %s, max %.1f (%d)" % (v["median"], unit, v["max"],
                                                    v["n"])
    return "%.1f %s" % (v, unit)


def verdict(ok):
    return "meets" if ok else "MISSES"


def report(out, opts):
    a, s = out["arsphone"], out["sipjs"]
    print("Calls: arsphone vs SIP.js 0.21 in headless Chromium, same lab, "
          "same peer (%d calls each way, %.0f s held call)"
          % (opts.calls, opts.seconds))
    print("load average at start %s, at end %s"
          % (out["loadavg_start"], out["loadavg_end"]))
    rows = [("request -> first INVITE on the wire", "request_to_invite_ms"),
            ("first INVITE -> established", "invite_to_established_ms"),
            ("first INVITE -> media connected", "invite_to_media_ms"),
            ("request -> established", "request_to_established_ms"),
            ("peer's answer -> established", "peer_answer_to_established_ms")]
    for who, r in (("arsphone", a), ("SIP.js", s)):
        print("\n%s:" % who)
        print("  start -> registered        %d ms" % r["start_to_registered_ms"])
        if who == "arsphone":
            w = r.get("warmup")
            print("  media warm-up before the first call: %s"
                  % ("none (--cold)" if not w else
                     "%.0f ms; idle PSS once warm %.1f MB"
                     % (w["ms"], w["idle_warm"]["pss_mb"])))
        print("  outgoing, first call:")
        for label, k in rows:
            print("    %-36s %s" % (label, fmt(r["first_out_call"][k])))
        print("  outgoing, later calls:")
        for label, k in rows:
            print("    %-36s %s" % (label, fmt(r["out_calls"][k])))
        print("  incoming:")
        print("    %-36s %s" % ("INVITE received -> ringing (event)",
                                fmt(r["in_calls"]["invite_to_incoming_event_ms"])))
        print("    %-36s %s" % ("answer request -> 200 sent",
                                fmt(r["in_calls"]["answer_request_to_200_ms"])))
        for what in ("idle_registered", "in_call", "idle_after_calls"):
            m = r[what]
            print("  %-17s CPU %5.2f %% of a core over %.0f s, PSS %6.1f MB "
                  "(max; %.1f at the end), %d process(es), %d threads"
                  % (what.replace("_", " "), m["cpu_pct"], m["wall_s"],
                     m["pss_mb"], m["pss_mb_end"], m["processes"],
                     m["threads"]))
        h = r["in_call"]["peer_heard_440"]
        print("  in call: codec %s; the peer heard 440 Hz at %.1f dB, "
              "SNR %.1f dB" % (r["in_call"]["codec"], h["level_db"],
                               h["snr_db"]))
    mem_ratio = s["in_call"]["pss_mb"] / max(a["in_call"]["pss_mb"], 0.01)
    cpu_ratio = s["in_call"]["cpu_pct"] / max(a["in_call"]["cpu_pct"], 0.01)
    idle_mem_ratio = (s["idle_registered"]["pss_mb"]
                      / max(a["idle_registered"]["pss_mb"], 0.01))
    out["ratios"] = {"in_call_mem": round(mem_ratio, 1),
                     "in_call_cpu": round(cpu_ratio, 1),
                     "idle_mem": round(idle_mem_ratio, 1)}
    T = TARGETS
    later = a["out_calls"]
    print("\nissue 4 targets (arsphone):")
    checks = [
        ("INVITE -> established < %d ms" % T["established_ms"],
         "first %s; later %s" % (fmt(a["first_out_call"]["invite_to_established_ms"]),
                                 fmt(later["invite_to_established_ms"])),
         max(filter(None, [a["first_out_call"]["invite_to_established_ms"],
                           (later["invite_to_established_ms"] or {}).get("max")]),
             default=1e9) < T["established_ms"]),
        ("request -> INVITE < %d ms" % T["request_to_invite_ms"],
         "first %s; later %s" % (fmt(a["first_out_call"]["request_to_invite_ms"]),
                                 fmt(later["request_to_invite_ms"])),
         max(filter(None, [a["first_out_call"]["request_to_invite_ms"],
                           (later["request_to_invite_ms"] or {}).get("max")]),
             default=1e9) < T["request_to_invite_ms"]),
        ("in-call PSS < %d MB" % T["in_call_pss_mb"],
         "%.1f MB" % a["in_call"]["pss_mb"],
         a["in_call"]["pss_mb"] < T["in_call_pss_mb"]),
        ("in-call CPU < %d %% of a core" % T["in_call_cpu_pct"],
         "%.2f %%" % a["in_call"]["cpu_pct"],
         a["in_call"]["cpu_pct"] < T["in_call_cpu_pct"]),
        (">= %dx less memory than Chromium + SIP.js" % T["mem_ratio"],
         "%.1fx (%.1f MB vs %.1f MB)" % (mem_ratio, a["in_call"]["pss_mb"],
                                         s["in_call"]["pss_mb"]),
         mem_ratio >= T["mem_ratio"]),
        (">= %dx less CPU than Chromium + SIP.js" % T["cpu_ratio"],
         "%.1fx (%.2f %% vs %.2f %%)" % (cpu_ratio, a["in_call"]["cpu_pct"],
                                         s["in_call"]["cpu_pct"]),
         cpu_ratio >= T["cpu_ratio"]),
    ]
    for label, value, ok in checks:
        print("  %-44s %-40s %s" % (label, value, verdict(ok)))
    print("  (idle registered: %.1fx less memory)" % idle_mem_ratio)
    print("bench-call: " + json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=str(REPO / "build" / "arsphone"))
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--idle", type=float, default=10)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--cold", action="store_true",
                    help="no media warm-up before the first call")
    opts = ap.parse_args()
    why = missing_requirements()
    if why:
        sys.exit("cannot run: " + why)
    if not os.access(opts.binary, os.X_OK):
        sys.exit("no arsphone binary at %s (meson compile -C build)"
                 % opts.binary)
    os.environ["ARSPHONE_BIN"] = os.path.abspath(opts.binary)
    b = Bench(opts)
    b.out["loadavg_start"] = os.getloadavg()[0]
    try:
        b.start_lab()
        b.run_arsphone()
        b.run_sipjs()
    except BaseException:
        if b.lab:
            sys.stderr.write(b.lab.report())
        raise
    finally:
        b.out["loadavg_end"] = os.getloadavg()[0]
        if b.lab:
            b.lab.close()
    report(b.out, opts)


if __name__ == "__main__":
    main()
